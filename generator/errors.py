"""Describe problems in the user's files as compiler-style diagnostics. No I/O."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
Kind = Literal["seed", "config", "template", "image", "output"]


@dataclass(frozen=True, order=True)
class SourceError:
    """One problem at one place in one file: `path:line:col: error: message`."""

    path: Path
    line: int
    """0 when the problem is with the file as a whole (it is missing, say)."""
    column: int
    message: str
    hint: str = ""
    severity: Severity = "error"
    kind: Kind = "seed"

    def format(self, relative_to: Path | None = None) -> str:
        shown = display_path(self.path, relative_to)
        where = f"{shown}:{self.line}:{self.column}" if self.line else shown
        text = f"{where}: {self.severity}: {self.message}"
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
    # abspath, not resolve: a symlink is named as the link, not as what it points at.
    absolute, root = Path(os.path.abspath(path)), Path(os.path.abspath(base))
    shown = str(absolute.relative_to(root)) if absolute.is_relative_to(root) else str(path)
    # A file name that is not UTF-8 is shown with its odd bytes escaped, printable anywhere.
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class BuildFailed(Exception):
    """Raised when a phase ends with errors; carries every one of them, and the warnings."""

    def __init__(self, errors: list[SourceError], warnings: list[SourceError] | None = None
                 ) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.warnings = warnings or []


def report_order(problem: SourceError) -> tuple[str, int, int, bool, str]:
    """By file and place; at one place a warning first, as it often explains the error."""
    return (str(problem.path), problem.line, problem.column, problem.severity == "error",
            problem.message)

