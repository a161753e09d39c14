"""Watch the site's source folders and hand over changes in settled batches.

Folders are watched, not files, so an editor that replaces a file (a new inode) is still
seen; a rename counts as an edit of both names. Editor temp files and anything under the
ignored folders (the output, the caches) never count, so a build cannot trigger itself.

Where the system reports when a file written to is closed (inotify on Linux), a batch is
not handed over while a changed file is still open for writing: an editor that writes a
file in pieces (Vim with `backupcopy=no` writes, fsyncs, writes again) would otherwise
have a build read it half-written and flash an error. There, a batch of one file that is
whole (closed after writing, or renamed into place) and whole on its own (a seed, not a
template that may need a partial) is handed over after a shorter quiet time than one whose
file went away (an editor may be about to write it anew) or that has more files (a
checkout, a copy, still coming).
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
    EventsLostEvent,
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

try:  # Linux only: the one observer that reports a written file being closed
    from watchdog.observers.inotify import InotifyObserver
except ImportError:  # pragma: no cover - other systems
    InotifyObserver = None  # type: ignore[assignment, misc]

from generator.files import is_editor_temp

# Reads (opened, closed without writing) and attribute changes are left out: the build
# reads every source, and counting its reads would make it rebuild forever.
_EDITS: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent, EventsLostEvent,
]


@dataclass(frozen=True)
class WatchRoot:
    """A folder to watch; with `only`, just that file in it (for `site.toml`)."""

    folder: Path
    only: str | None = None
    suffixes: tuple[str, ...] = ()
    """When set, only files with these endings count (folders always do)."""
    standalone: bool = False
    """Whether each of its files is whole on its own (a seed, `site.toml`), unlike a
    template that may need a partial saved with it: one such file changed, and whole,
    is handed over after the shorter quiet time."""


class ChangeWatcher:
    """Collects changed paths from the file system; `wait()` returns them a burst at a time."""

    def __init__(self, roots: Iterable[WatchRoot], ignored: Iterable[Path],
                 settle: float = 0.15, longest: float = 2.0, open_limit: float = 10.0,
                 settle_whole: float = 0.05) -> None:
        self.roots = sorted({WatchRoot(r.folder.resolve(), r.only, r.suffixes, r.standalone)
                             for r in roots},
                            key=lambda r: (str(r.folder), r.only or "", r.suffixes))
        self.ignored = [path.resolve() for path in ignored]
        self.settle = settle
        self.settle_whole = settle_whole
        """The quiet time after a batch of one file known to be whole (see the module)."""
        self.longest = longest
        self.open_limit = open_limit
        """How long a batch waits at most for a file still open for writing."""
        self._changed: set[Path] = set()
        self._writing: set[Path] = set()
        """Changed files not yet closed by their writer (only where closes are reported)."""
        self._unsettled: set[Path] = set()
        """Changed paths whose last event did not leave a whole file: one gone (deleted, or
        renamed away), a folder, changes lost (only where closes are reported)."""
        self._tracks_closes = False
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
        self._tracks_closes = InotifyObserver is not None and isinstance(observer,
                                                                         InotifyObserver)
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def wait(self, timeout: float | None = None, stop: threading.Event | None = None
             ) -> set[Path]:
        """Block until something changed, no further change came for `settle` seconds and no
        changed file is still open for writing (or changes kept coming for `longest`
        seconds, or a file stayed open for `open_limit`); the changed paths, or an empty set
        after `timeout`. Once `stop` is set, it returns within half a second (what changed
        so far, which the caller leaves alone when it stops)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._changed:
                left = None if deadline is None else deadline - time.monotonic()
                if (left is not None and left <= 0) or (stop is not None and stop.is_set()):
                    return set()
                # Short waits keep the thread responsive to Ctrl-C.
                self._lock.wait(0.5 if left is None else min(left, 0.5))
            while True:
                now = time.monotonic()
                whole = self._tracks_closes and len(self._changed) == 1 and \
                    not self._unsettled and self._standalone(next(iter(self._changed)))
                quiet_until = self._last_event + (self.settle_whole if whole else self.settle)
                limit = self.open_limit if self._writing else self.longest
                if (now >= quiet_until and not self._writing) or \
                        now - self._first_event >= limit or (stop is not None and stop.is_set()):
                    break
                # Until the burst is quiet; once it is, a file still being written is waited
                # for (its close wakes this at once: `_record` notifies), rechecking the limit.
                self._lock.wait(quiet_until - now if now < quiet_until else self.settle)
            changed, self._changed = self._changed, set()
            self._writing.clear()
            self._unsettled.clear()
            return changed

    def pending(self) -> bool:
        """Whether a change has come that `wait` has not handed over yet."""
        with self._lock:
            return bool(self._changed)

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

    def _standalone(self, path: Path) -> bool:
        """Whether `path` is a file of a root whose files are whole on their own: the
        innermost root that holds it (a templates folder may lie in the seeds folder)."""
        holding = [root for root in self.roots
                   if (path == root.folder / root.only if root.only
                       else path.is_relative_to(root.folder))]
        if not holding:
            return False
        root = max(holding, key=lambda root: len(root.folder.parts))
        return root.standalone and (not root.suffixes or path.name.endswith(root.suffixes))

    def _record(self, paths: list[Path], is_folder: bool, writing: bool | None,
                lost: bool = False, gone: Path | None = None) -> None:
        """Note changed paths; `writing` is True when a file was created or written to,
        False when its writer closed it (or it went away), None otherwise; `gone` is the
        one of them that no longer exists (deleted, or renamed away). What a watch that
        `lost` changes covers counts whatever it is."""
        wanted = paths if lost else [path for path in paths if self.counts(path, is_folder)]
        if not wanted:
            return
        with self._lock:
            now = time.monotonic()
            if not self._changed:
                self._first_event = now
            self._last_event = now
            self._changed.update(wanted)
            if self._tracks_closes and writing and not is_folder:
                # A symlink or hard link is made whole, with no close to wait for.
                self._writing.update(path for path in wanted if not path.is_symlink())
            elif writing is False:
                self._writing.difference_update(wanted)
            if self._tracks_closes:
                self._unsettled.difference_update(wanted)
                if lost or is_folder or writing is None:
                    self._unsettled.update(wanted)
                elif gone in wanted:
                    self._unsettled.add(gone)
            self._lock.notify_all()


def _hidden(path: Path, root: Path) -> bool:
    """A path inside a dot-folder (`.git`, `.cache`) under the watched root."""
    return any(part.startswith(".") for part in path.relative_to(root).parts[:-1])


class _Forward(FileSystemEventHandler):
    def __init__(self, record: Callable[[list[Path], bool, bool | None, bool, Path | None],
                                        None]) -> None:
        self.record = record

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [Path(_text(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        if isinstance(event, EventsLostEvent):
            # The system's queue overflowed: the watched folder (or file) counts as changed
            # whatever it is, and the next build looks at every file.
            self.record(paths, True, None, True, None)
        else:
            gone = paths[0] if isinstance(event, (FileDeletedEvent, FileMovedEvent)) else None
            self.record(paths, event.is_directory, _writing(event), False, gone)


def _writing(event: FileSystemEvent) -> bool | None:
    """Whether the event leaves its file open for writing (True), done (False) or says
    nothing about it (None). A file renamed into place was written and closed elsewhere."""
    if isinstance(event, (FileCreatedEvent, FileModifiedEvent)):
        return True
    if isinstance(event, (FileClosedEvent, FileDeletedEvent, FileMovedEvent)):
        return False
    return None


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
