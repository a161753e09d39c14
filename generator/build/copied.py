"""The files a build copies into the output as they are (static files, cached images), and
the record that says which version of its source a copy is."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from generator.build.cache import PageRecord
from generator.build.output import OutputError
from generator.files import is_editor_temp
from generator.render.theme import SHIPPED_STATIC

COPIED = "file\0"
"""How the key of a copied file's record starts."""


def copied_record(source: Path) -> PageRecord:
    """The record of a copy of `source` as it is now: its path, size and mtime."""
    stat = source.stat()
    return PageRecord(f"{COPIED}{source}\0{stat.st_size}\0{stat.st_mtime_ns}", b"")


def static_files(user_static: Path) -> dict[PurePosixPath, Path]:
    """The shipped static files, then the user's, which replace shipped ones of the same name."""
    files: dict[PurePosixPath, Path] = {}
    for folder in (SHIPPED_STATIC, user_static):
        if not folder.is_dir():
            continue
        root = folder.resolve()
        for directory, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                source = Path(directory, name)
                if is_editor_temp(name):
                    continue
                if not source.resolve().is_relative_to(root):
                    raise OutputError(f"{source} is a symlink leading outside {root}")
                files[PurePosixPath(source.relative_to(root).as_posix())] = source
    return dict(sorted(files.items()))
