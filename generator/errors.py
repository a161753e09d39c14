"""Describe problems in the user's files as compiler-style diagnostics. No I/O."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
Kind = Literal["seed", "config", "template", "image", "output"]
YAML_NOUNS = ("a list", "a mapping")
TOML_NOUNS = ("an array", "a table")
"""What a message calls a list and a mapping, in the words of the file's own format."""
MAX_INTEGER = 1_000_000_000
"""The largest whole number a seed field takes, and a message quotes."""
_SHOWN_CHARS = 40
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


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


def show(value: object, nouns: tuple[str, str] = YAML_NOUNS) -> str:
    """A value as a message quotes it: `"wide"`, `a list`, `null`; long text is cut and
    control characters are escaped, so a message never carries them to the terminal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS - 3] + "..."
        shown = _UNPRINTABLE.sub(_escape, shown)
        return '"' + shown.replace('"', '\\"') + '"'
    if isinstance(value, list):
        return nouns[0]
    if isinstance(value, dict):
        return nouns[1]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        return "a number with more than ten digits"
    return str(value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
