"""Which files of a folder are not there, looked for in a thread while the caller does
other work: `build.patch` checks the inactive output tree so, its system calls beside
SQLite's search and the renders. Nothing may change those files until the answer is in."""

from __future__ import annotations

import os
import threading


class AbsentFiles:
    """The files not there among those `look_for` was given (`found`)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._absent: set[str] = set()
        self._stopping = False
        self._done = False

    def look_for(self, root: str, paths: list[str]) -> None:
        """Start looking for these files (posix paths relative to the folder `root`). When
        no thread can be started, `found` has no answer."""
        thread = threading.Thread(target=self._look, args=(root + os.sep, paths),
                                  name="looking for output files", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: the caller looks for itself
            return
        self._thread = thread

    def _look(self, root: str, paths: list[str]) -> None:
        exists, absent = os.access, self._absent
        try:
            for name in paths:
                if self._stopping:
                    return
                if not exists(root + name, os.F_OK):
                    absent.add(name)
        except ValueError:  # a name no file can have: the caller's own look says so
            return
        self._done = True

    def found(self) -> set[str] | None:
        """The files not there, once each was looked for; None when they were not all
        looked for (none given, or the looking failed)."""
        if self._thread is None:
            return None
        self._thread.join()
        return self._absent if self._done else None

    def stop(self) -> None:
        """End the looking, if it runs still: the caller is done with it."""
        self._stopping = True
        if self._thread is not None:
            self._thread.join()
