"""Watch the site's source folders and hand over changes in settled batches.

Folders are watched, not files, so an editor that replaces a file (a new inode) is still
seen; a rename counts as an edit of both names. Editor temp files and anything under the
ignored folders (the output, the caches) never count, so a build cannot trigger itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from generator.files import is_editor_temp

# Reads (opened, closed without writing) and attribute changes are left out: the build
# reads every source, and counting its reads would make it rebuild forever.
_EDITS: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]


@dataclass(frozen=True)
class WatchRoot:
    """A folder to watch; with `only`, just that file in it (for `site.toml`)."""

    folder: Path
    only: str | None = None
    suffixes: tuple[str, ...] = ()
    """When set, only files with these endings count (folders always do)."""


class ChangeWatcher:
    """Collects changed paths from the file system; `wait()` returns them a burst at a time."""

    def __init__(self, roots: Iterable[WatchRoot], ignored: Iterable[Path],
                 settle: float = 0.15, longest: float = 2.0) -> None:
        self.roots = sorted({WatchRoot(r.folder.resolve(), r.only, r.suffixes) for r in roots},
                            key=lambda r: (str(r.folder), r.only or "", r.suffixes))
        self.ignored = [path.resolve() for path in ignored]
        self.settle = settle
        self.longest = longest
        self._changed: set[Path] = set()
        self._last_event = 0.0
        self._first_event = 0.0
        self._lock = threading.Condition()
        self._observer: BaseObserver | None = None

    def start(self) -> None:
        observer = Observer()
        handler = _Forward(self._record)
        for root in self.roots:
            if root.folder.is_dir():
                observer.schedule(handler, str(root.folder), recursive=root.only is None,
                                  event_filter=_EDITS)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def wait(self, timeout: float | None = None) -> set[Path]:
        """Block until something changed and no further change came for `settle` seconds
        (or changes kept coming for `longest` seconds); the changed paths, or an empty set
        after `timeout`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._changed:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return set()
                # Short waits keep the thread responsive to Ctrl-C.
                self._lock.wait(0.5 if left is None else min(left, 0.5))
            while True:
                now = time.monotonic()
                quiet_until = self._last_event + self.settle
                if now >= quiet_until or now - self._first_event >= self.longest:
                    break
                self._lock.wait(quiet_until - now)
            changed, self._changed = self._changed, set()
            return changed

    def counts(self, path: Path, is_folder: bool = False) -> bool:
        """Whether a change to `path` matters to the site."""
        if is_editor_temp(path.name):
            return False
        if any(path == ignored or path.is_relative_to(ignored) for ignored in self.ignored):
            return False
        for root in self.roots:
            if root.only is not None:
                if path == root.folder / root.only:
                    return True
            elif (path.is_relative_to(root.folder) and not _hidden(path, root.folder)
                  and (is_folder or not root.suffixes or path.name.endswith(root.suffixes))):
                return True
        return False

    def _record(self, paths: list[Path], is_folder: bool) -> None:
        wanted = [path for path in paths if self.counts(path, is_folder)]
        if not wanted:
            return
        with self._lock:
            now = time.monotonic()
            if not self._changed:
                self._first_event = now
            self._last_event = now
            self._changed.update(wanted)
            self._lock.notify_all()


def _hidden(path: Path, root: Path) -> bool:
    """A path inside a dot-folder (`.git`, `.cache`) under the watched root."""
    return any(part.startswith(".") for part in path.relative_to(root).parts[:-1])


class _Forward(FileSystemEventHandler):
    def __init__(self, record: Callable[[list[Path], bool], None]) -> None:
        self.record = record

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [event.src_path, getattr(event, "dest_path", "")]
        self.record([Path(_text(p)) for p in paths if p], event.is_directory)


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
