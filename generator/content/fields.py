"""Check the values of parsed YAML against the types a seed expects, collecting errors.

Pure: works on parsed data and the positions of its keys; reads no files.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.config import LimitsSection
from generator.content.frontmatter import KeyPath, Positions
from generator.errors import MAX_INTEGER, SourceError, show
from generator.urls import safe_external_url

# Removed from text: characters XML forbids, and bidi overrides and isolates, which can make
# text display reversed (spoofing); right-to-left text renders without them. LRM/RLM stay.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FIRST_YEAR, _LAST_YEAR = 1000, 9998


def clean_text(text: str) -> str:
    """NFC text with lone surrogates replaced, and XML-illegal control characters and bidi
    overrides removed."""
    text = _SURROGATE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", _ILLEGAL.sub("", text))


def key_name(path: KeyPath) -> str:
    """`("images", 0, "width")` → `images[0].width`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class FieldReader:
    """Reads typed fields out of one seed's data; each problem becomes a SourceError."""

    def __init__(self, path: Path, positions: Positions, zone: ZoneInfo,
                 limits: LimitsSection) -> None:
        self.path = path
        self.positions = positions
        self.zone = zone
        self.limits = limits
        self.problems: list[SourceError] = []

    def position(self, key: KeyPath) -> tuple[int, int]:
        """The key's own line, else its nearest parent's, else the front matter's start."""
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return (1, 1)

    def error(self, key: KeyPath, message: str, hint: str = "") -> None:
        line, column = self.position(key)
        label = key_name(key)
        text = f"{label}: {message}" if label else message
        self.problems.append(SourceError(self.path, line, column, text, hint))

    def warn(self, key: KeyPath, message: str, hint: str = "") -> None:
        self.error(key, message, hint)
        self.problems[-1] = self.problems[-1].as_warning()

    def text(self, data: dict[str, object], key: KeyPath, *, required: bool = False,
             max_chars: int | None = None) -> str:
        name = str(key[-1])
        return self.text_value(data.get(name), key, required=required, max_chars=max_chars,
                               present=name in data)

    def text_value(self, value: object, key: KeyPath, *, required: bool = False,
                   max_chars: int | None = None, present: bool = True) -> str:
        """Text, NFC-normalised and cleaned; at most `max_chars` (default: limits.text_chars)."""
        limit = self.limits.text_chars if max_chars is None else max_chars
        if value is None:
            if required:
                self.error(key, "must not be empty" if present else "required field is missing")
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, int) and abs(value) > MAX_INTEGER:
                self.error(key, f"expected text, got {show(value)}")
                return ""
            value = str(value)  # `title: 2024` is a title, not a type error
        if not isinstance(value, str):
            self.error(key, f"expected text, got {show(value)}")
            return ""
        value = clean_text(value).strip()
        if required and not value:
            self.error(key, "must not be empty")
        if len(value) > limit:
            self.error(key, f"longer than {limit:,} characters ({len(value):,})",
                       "raise [limits] in site.toml if this is intended")
            return ""
        return value

    def integer(self, data: dict[str, object], key: KeyPath, *, positive: bool = False,
                required: bool = False) -> int | None:
        value = data.get(str(key[-1]))
        if value is None:
            if required:
                self.error(key, "required field is missing")
            return None
        wanted = "a positive integer" if positive else "an integer"
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"expected {wanted}, got {show(value)}")
            return None
        if abs(value) > MAX_INTEGER:
            self.error(key, f"expected {wanted} up to {MAX_INTEGER:,}, got {show(value)}")
            return None
        if positive and value <= 0:
            self.error(key, f"expected {wanted}, got {value}")
            return None
        return value

    def boolean(self, data: dict[str, object], key: KeyPath, default: bool) -> bool:
        value = data.get(str(key[-1]))
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {show(value)}")
            return default
        return value

    def moment(self, data: dict[str, object], key: KeyPath, *,
               required: bool = False) -> datetime | None:
        """A timezone-aware datetime; a naive one is read in the site's time zone."""
        value = data.get(str(key[-1]))
        if value is None:
            if required:
                self.error(key, "required field is missing",
                           "an ISO 8601 date and time, for example 2023-08-08T09:13:00Z")
            return None
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, date):
            parsed = datetime.combine(value, time())
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                self.error(key, f"not a date and time: {show(value)}",
                           "an ISO 8601 date and time, for example 2023-08-08T09:13:00Z")
                return None
        else:
            self.error(key, f"expected a date and time, got {show(value)}")
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
            # Out there, shifting to the site's time zone would leave Python's calendar.
            self.error(key, f"year {parsed.year} is out of range ({_FIRST_YEAR}–{_LAST_YEAR})")
            return None
        return parsed

    def url(self, data: dict[str, object], key: KeyPath, *, required: bool = False) -> str:
        """An http(s) URL, or "" with a warning when the value is anything else."""
        raw = self.text(data, key, required=required, max_chars=4_000)
        if not raw:
            return ""
        safe = safe_external_url(raw)
        if safe is None:
            self.warn(key, f"not a plain http or https URL, ignored: {show(raw)}",
                      "only http:// and https:// addresses without a user name or password "
                      "are used")
            return ""
        return safe

    def mapping(self, data: dict[str, object], key: KeyPath, *,
                required: bool = False) -> dict[str, object] | None:
        value = data.get(str(key[-1]))
        if value is None:
            if required:
                self.error(key, "required field is missing")
            return None
        if not isinstance(value, dict):
            self.error(key, f"expected a mapping of keys to values, got {show(value)}")
            return None
        return value

    def near_misses(self, data: dict[str, object], at: KeyPath, known: frozenset[str]) -> None:
        """Warn about unknown keys that look like typos of known ones; others are kept silently."""
        for key in data:
            if key in known:
                continue
            if not isinstance(key, str):
                continue
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
            if close:
                self.warn((*at, key), "unknown field, ignored",
                          f"did you mean {close[0]!r}?")

    def items(self, data: dict[str, object], key: KeyPath, example: str) -> list[object]:
        value = data.get(str(key[-1]))
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, f"expected a list, got {show(value)}",
                       f"write one item a line, each starting with '- ':\n    {example}")
            return []
        if len(value) > self.limits.list_items:
            self.error(key, f"more than {self.limits.list_items:,} items ({len(value):,})",
                       "raise [limits] list_items in site.toml if this is intended")
            return []
        return value
