"""Files as newsgen treats them: which names are editors' leftovers, and how one file is
replaced so that a reader never sees it half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# Vim (`.x.swp`, `x~`, `4913`), Emacs (`.#x`, `#x#`), Kate, GNOME (`.goutputstream-*`),
# backup tools (`x.bck`) and atomic-save temp files, which editors name with a leading dot.
_PREFIXES = (".", "#", "~")
_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".bck", ".tmp", ".kate-swp")
_NAMES = frozenset({"4913"})


def is_editor_temp(name: str) -> bool:
    """True for a file name that is never content, a template or a static file."""
    return name.startswith(_PREFIXES) or name.endswith(_SUFFIXES) or name in _NAMES


TEMP_PREFIX = ".tmp-"
"""How `write_atomically` names its temp files, so a leftover of a killed run is known."""


def write_atomically(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace `target` with what `write` puts in a file: a temp file in the same folder,
    flushed to disk, then renamed over it. A crash leaves the old file or the new one,
    never a mix, and no temp file behind."""
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=target.suffix)
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
