"""Describe problems in the user's files as compiler-style diagnostics. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
Kind = Literal["seed", "config", "template", "image", "output"]


@dataclass(frozen=True, order=True)
class SourceError:
    """One problem at one place in one file: `path:line:col: error: message`."""

    path: Path
    line: int
    column: int
    message: str
    hint: str = ""
    severity: Severity = "error"
    kind: Kind = "seed"

    def format(self, relative_to: Path | None = None) -> str:
        shown = display_path(self.path, relative_to)
        text = f"{shown}:{self.line}:{self.column}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def as_warning(self) -> SourceError:
        return SourceError(
            self.path, self.line, self.column, self.message, self.hint, "warning", self.kind
        )


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """The path as a user would type it: relative to `relative_to` when inside it."""
    base = relative_to if relative_to is not None else Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


@dataclass
class ErrorReport:
    """Collects diagnostics through a phase so all of them are reported at its end."""

    items: list[SourceError] = field(default_factory=list)

    def add(self, item: SourceError) -> None:
        self.items.append(item)

    def extend(self, items: list[SourceError]) -> None:
        self.items.extend(items)

    @property
    def errors(self) -> list[SourceError]:
        return [item for item in self.items if item.severity == "error"]

    @property
    def warnings(self) -> list[SourceError]:
        return [item for item in self.items if item.severity == "warning"]

    def sorted(self) -> list[SourceError]:
        return sorted(self.items, key=lambda e: (str(e.path), e.line, e.column, e.message))


class BuildFailed(Exception):
    """Raised when a phase ends with errors; carries every one of them."""

    def __init__(self, errors: list[SourceError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors

