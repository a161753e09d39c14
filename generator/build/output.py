"""Write a build into a staging folder and swap it in for the output folder at the end.

A failed or killed build leaves the previous output as it was; leftovers of one are cleaned
up (or, if the swap itself was interrupted, rolled back) by the next build.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import threading
from pathlib import Path, PurePosixPath

from generator.urls import collision_key


class OutputError(Exception):
    """An output path that is unsafe or claimed twice."""


class StagedOutput:
    """A staging folder beside `output_dir`; `commit()` swaps it in whole."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir.resolve()
        recover_interrupted_swap(self.output_dir)
        if not _replaceable(self.output_dir):
            raise OutputError(
                "output folder holds files but no index.html and 404.html, so it is not a "
                "newsgen build; refusing to replace it (remove it or choose another folder)")
        self.root = self.output_dir.parent / f".{self.output_dir.name}.staging-{os.getpid()}"
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self._claimed: dict[str, PurePosixPath] = {}
        self._cleanup: threading.Thread | None = None

    def write(self, relative: PurePosixPath, data: bytes) -> None:
        write_file(self.claim(relative), data)

    def copy(self, relative: PurePosixPath, source: Path, previous: Path | None = None) -> None:
        """Copy `source` in, or link `previous` (the same file in the last build) when it is
        unchanged, so an unchanged file keeps its inode and mtime."""
        target = self.claim(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        if previous is not None and _same_file_state(source, previous) and reuse(previous, target):
            return
        shutil.copy2(source, target)

    def has(self, relative: PurePosixPath) -> bool:
        return collision_key(str(relative)) in self._claimed

    def claim(self, relative: PurePosixPath) -> Path:
        """The staging path for `relative`; a second claim on one path is refused."""
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise OutputError(f"unsafe output path {str(relative)!r}")
        key = collision_key(str(relative))
        if key in self._claimed:
            raise OutputError(
                f"{relative} would overwrite {self._claimed[key]} (paths differ only by case "
                "or Unicode normalisation)" if self._claimed[key] != relative
                else f"{relative} is written twice")
        self._claimed[key] = relative
        # No resolve() needed: the staging folder is new and newsgen makes no symlinks in it,
        # so a relative path without `..` cannot lead out of it.
        return self.root.joinpath(*relative.parts)

    def commit(self) -> None:
        """Swap the staging folder in for the output folder.

        Where the kernel can exchange two paths in one step, there is no moment at which
        the output folder is missing or mixed; elsewhere it is moved aside first, and a
        build killed between the two renames is rolled back by the next one.
        """
        if self.output_dir.exists() and _exchange(self.root, self.output_dir):
            self._discard(self.root)  # it now holds the previous output
            return
        old = self.output_dir.parent / f".{self.output_dir.name}.old-{os.getpid()}"
        if self.output_dir.exists():
            os.rename(self.output_dir, old)
        os.rename(self.root, self.output_dir)
        self._discard(old)

    def _discard(self, old: Path) -> None:
        """Delete the previous output in the background while the build finishes; a build
        killed meanwhile leaves a leftover that the next one removes."""
        self._cleanup = threading.Thread(target=shutil.rmtree, args=(old,),
                                         kwargs={"ignore_errors": True})
        self._cleanup.start()

    def finish(self) -> None:
        """Wait until the previous output is deleted."""
        if self._cleanup is not None:
            self._cleanup.join()

    def abort(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def recover_interrupted_swap(output_dir: Path) -> None:
    """Undo what a killed build left: restore an output moved aside, drop stale staging."""
    parent = output_dir.parent
    if not parent.is_dir():
        return
    prefix = f".{output_dir.name}."
    leftovers = sorted(p for p in parent.iterdir() if p.name.startswith(prefix))
    for path in leftovers:
        if ".old-" in path.name and not output_dir.exists():
            os.rename(path, output_dir)
        elif ".staging-" in path.name or ".old-" in path.name:
            shutil.rmtree(path, ignore_errors=True)


def write_file(target: Path, data: bytes) -> None:
    """Write one claimed file of the staging folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def reuse(previous: Path, target: Path, made: set[Path] | None = None) -> bool:
    """Hard-link the last build's unchanged file into the staging folder; False if it is gone.

    The old output is never written to in place, so sharing an inode with it is safe.
    `made` holds the folders already made, so each is made once.
    """
    if made is None or target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(target.parent)
    try:
        os.link(previous, target)
    except FileNotFoundError:
        return False
    except OSError:  # no hard links here (another file system): copy with its mtime
        try:
            shutil.copy2(previous, target)
        except FileNotFoundError:
            return False
    return True


def _same_file_state(source: Path, previous: Path) -> bool:
    try:
        one, two = source.stat(), previous.stat()
    except FileNotFoundError:
        return False
    return one.st_size == two.st_size and one.st_mtime_ns == two.st_mtime_ns


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths with Linux's renameat2(RENAME_EXCHANGE); False if unsupported."""
    renameat2 = getattr(_LIBC, "renameat2", None) if _LIBC is not None else None
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                       _RENAME_EXCHANGE)
    if result != 0:
        error = ctypes.get_errno()
        if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            return False  # this kernel or file system cannot exchange: rename instead
        raise OSError(error, os.strerror(error), str(second))
    return True


def _load_libc() -> ctypes.CDLL | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()


def _replaceable(output_dir: Path) -> bool:
    """Only an empty folder or an earlier build may be replaced: never a folder of the user's."""
    if not output_dir.exists():
        return True
    if not output_dir.is_dir():
        return False
    return (not any(output_dir.iterdir())
            or ((output_dir / "index.html").is_file() and (output_dir / "404.html").is_file()))

