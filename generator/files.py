"""Recognise the files editors and tools leave beside the ones a user edits."""

from __future__ import annotations

# Vim (`.x.swp`, `x~`, `4913`), Emacs (`.#x`, `#x#`), Kate, GNOME (`.goutputstream-*`),
# backup tools (`x.bck`) and atomic-save temp files, which editors name with a leading dot.
_PREFIXES = (".", "#", "~")
_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".bck", ".tmp", ".kate-swp")
_NAMES = frozenset({"4913"})


def is_editor_temp(name: str) -> bool:
    """True for a file name that is never content, a template or a static file."""
    return name.startswith(_PREFIXES) or name.endswith(_SUFFIXES) or name in _NAMES
