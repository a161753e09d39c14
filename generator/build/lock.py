"""One build of a site at a time: an exclusive lock on a file in the build cache folder,
held for the whole build and dropped by the kernel if the process dies.

Two builds at once would share the cache and the output folder: the second would remove
the first's staging folder as a leftover, and the cache would be written by both.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

LOCK_NAME = "build.lock"


class BuildLock:
    """`acquire()` waits until no other build of the site runs; `release()` lets the next go."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / LOCK_NAME
        self._file: TextIO | None = None

    def acquire(self, waiting: Callable[[str], None]) -> str:
        """Take the lock, first calling `waiting` with the other build's process id when
        one holds it; that process id ("" when none was waited for)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a+", encoding="utf-8")
        holder = ""
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "?"
            waiting(holder)
            fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file
        return holder

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
