"""Bring the output folder's inactive tree up to date, then make it the live one in one step.

The output folder (`public`) is a symbolic link to one of two trees beside it,
`.public.tree-a` and `.public.tree-b`. A build works on the tree that is not live: a file
already right there is left alone, a file right in the live tree is hard-linked from it,
and only the rest is written. Then a new link replaces the old one with rename(2), so a
reader sees the whole previous site or the whole new one, never a mix.

The trees share inodes, so a file that is also the live tree's (or anyone's: more than one
link) is never written in place: the path's old link is removed and the file written anew
(a link, or a copy, is made under a temporary name and renamed over the path). A file that
is this tree's alone is written over, which spares the file system an inode freed and
another allocated for each page. A build killed before the flip leaves
the live tree as it was; the cache marks the inactive tree untrusted before it is touched,
and the next build clears it. Output of newsgen 0.2 (a plain folder) is exchanged for the
link in one step where the kernel can, and removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import threading
import time
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING

from generator.files import TEMP_PREFIX
from generator.urls import collision_key

if TYPE_CHECKING:
    import ctypes

TREES = ("a", "b")

DELETING = "newsgen: deleting a set-aside tree"
"""The name of the threads that delete what a build set aside."""

PATIENCE = 1.0
"""Seconds a build waits, once its site is live and its cache saved, for what it set aside
to be deleted. Deleting a tree of 145,000 files took 102 s on this project's benchmark
machine (ext4 with `discard`), which the first edit after a full 100,000-seed build
waited for."""


class OutputError(Exception):
    """An output path that is unsafe or claimed twice, or an output folder not ours."""


class OutputTrees:
    """The two trees of one output folder; `commit()` makes the inactive one live."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = Path(os.path.abspath(output_dir))
        recover_interrupted_swap(self.output_dir)
        self.live_name = self._live_tree()
        self.name = next(name for name in TREES if name != self.live_name)
        """The tree this build writes: the one that is not live."""
        self.root = tree_path(self.output_dir, self.name)
        self.live: Path | None = (tree_path(self.output_dir, self.live_name)
                                  if self.live_name else
                                  self.output_dir if self.output_dir.is_dir() else None)
        """Where the live site's files are: a tree, or the plain folder of an earlier
        newsgen; None when there is no site yet."""
        self._claimed: dict[str, str] = {}
        self._made: set[str] = set()
        self._root = str(self.root)
        self._cleanup: list[tuple[threading.Thread, Path]] = []
        self._empty = False
        """Whether the tree was empty when this build started it and holds only what the
        build wrote: no file of it is then a link shared with the live tree."""

    def _live_tree(self) -> str:
        """The live tree's name; "" when the output is a plain folder or missing."""
        output = self.output_dir
        found = live_tree_name(output)
        if found:
            return found
        if output.is_symlink():
            raise OutputError("output folder is a link to somewhere newsgen did not build; "
                              "refusing to replace it (remove it or choose another folder)")
        if not _replaceable(output):
            raise OutputError(
                "output folder holds files but no index.html and 404.html, so it is not a "
                "newsgen build; refusing to replace it (remove it or choose another folder)")
        return ""

    def start(self, trusted: bool) -> None:
        """Make the tree ready to work on: as it was when `trusted` (the cache describes it),
        else emptied."""
        if not trusted and self.root.exists():
            # Moved aside at once and deleted while the build goes on (a build killed
            # before that ends leaves it to the next one's `recover_interrupted_swap`).
            stale = self.output_dir.parent / f".{self.output_dir.name}.stale-{os.getpid()}"
            try:
                os.rename(self.root, stale)
            except OSError as exc:  # a file left in it could be published, or indexed
                raise OutputError(f"cannot empty {self.root}: {exc}") from None
            self._discard(stale)
        self._empty = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)

    def clone_live(self) -> bool:
        """Fill the (emptied) tree with hard links to every file of the live one: after a
        build that changed every page, the next one then starts from the live site rather
        than from nothing. False, with the tree left empty, when the live one is gone."""
        if self.live is not None and link_folder(self.live, self.root):
            self._empty = False
            return True
        self.root.mkdir(exist_ok=True)
        return False

    # ---- the files of this build -------------------------------------------------------

    def claim(self, relative: str) -> str:
        """The tree's path for `relative` (posix, relative to the tree); a second claim on
        one path is refused. Paths are strings: a build claims one per page."""
        parts = relative.split("/")
        if relative.startswith("/") or "" in parts or ".." in parts or "." in parts:
            raise OutputError(f"unsafe output path {relative!r}")
        key = collision_key(relative)
        if key in self._claimed:
            raise OutputError(
                f"{relative} would overwrite {self._claimed[key]} (paths differ only by case "
                "or Unicode normalisation)" if self._claimed[key] != relative
                else f"{relative} is written twice")
        self._claimed[key] = relative
        return os.path.join(self._root, *parts)

    def claimed(self) -> dict[str, str]:
        """What this build claimed so far, for `claim_again` by a later build."""
        return dict(self._claimed)

    def claim_again(self, claimed: dict[str, str]) -> None:
        """Claim what an earlier build of this output claimed (`claimed()`), all passed,
        before anything else: the paths need no checking again."""
        if self._claimed:
            raise OutputError("paths claimed again after others")
        self._claimed = dict(claimed)

    def has(self, relative: str) -> bool:
        return collision_key(relative) in self._claimed

    def write(self, target: str, data: bytes) -> None:
        """Write a claimed file. What is there may be a link to the live tree's file, which
        must not change: a file with another link is unlinked first, and the file made anew
        (a new file renamed over it would cost four times as much on ext4, which writes out
        a file renamed over another at once). A file with no other link, found so by
        `lstat` before it is opened, is written over. Nothing reads the tree before
        `commit`, and a build killed before it leaves the tree untrusted."""
        if self._empty:
            self._folder_of(target)
        else:
            try:
                status = os.lstat(target)
            except FileNotFoundError:
                self._folder_of(target)
            else:  # in a folder there already
                if S_ISREG(status.st_mode) and status.st_nlink == 1:  # this tree's alone
                    _write_over(target, data, status.st_size)
                    return
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
        _write_file(target, data)

    def copy(self, target: str, source: Path) -> None:
        temporary = self._temporary(target)
        shutil.copy2(source, temporary)
        os.replace(temporary, target)

    def link_live(self, target: str) -> bool:
        """Hard-link the live tree's file at the same path; False if it is not there."""
        if self.live is None:
            return False
        source = os.path.join(self.live, target[len(self._root) + 1:])
        temporary = self._temporary(target)
        self._empty = False  # it holds a link now
        try:
            os.link(source, temporary)
        except FileNotFoundError:
            return False
        except OSError:  # no hard links here (another file system): copy with its mtime
            try:
                shutil.copy2(source, temporary)
            except FileNotFoundError:
                return False
        os.replace(temporary, target)
        return True

    def _temporary(self, target: str) -> str:
        folder = self._folder_of(target)
        return f"{folder}{os.sep}{TEMP_PREFIX}{target[len(folder) + 1:]}"

    def _folder_of(self, target: str) -> str:
        """The target's folder, made if this build has not made it yet."""
        folder = os.path.dirname(target)
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        return folder

    def remove(self, relatives: list[str]) -> None:
        """Delete files of an earlier build that this one does not have, and the folders
        that leaves empty."""
        folders: set[Path] = set()
        for relative in relatives:
            path = self.root / relative
            path.unlink(missing_ok=True)
            folders.add(path.parent)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            while folder != self.root:
                try:
                    folder.rmdir()
                except OSError:  # not empty (or gone already)
                    break
                folder = folder.parent

    # ---- the flip ----------------------------------------------------------------------

    def commit(self) -> None:
        """Make this tree the live one: a new link renamed over the output's path."""
        link = self.output_dir.parent / f".{self.output_dir.name}.link-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(self.root.name, link)
        output = self.output_dir
        if output.is_symlink() or not output.exists():
            os.replace(link, output)
            return
        # A plain folder (newsgen 0.2's output): exchanged for the link in one step where
        # the kernel can, else moved aside first (a kill between the renames is undone by
        # the next build). Either way it is then deleted in the background.
        if _exchange(link, output):
            self._discard(link)
            return
        old = output.parent / f".{output.name}.old-{os.getpid()}"
        os.rename(output, old)
        os.replace(link, output)
        self._discard(old)

    def _discard(self, old: Path) -> None:
        # A daemon: a command ends without waiting for it (`finish` hands over what is left).
        cleanup = threading.Thread(target=shutil.rmtree, args=(old,),
                                   kwargs={"ignore_errors": True}, daemon=True,
                                   name=DELETING)
        cleanup.start()
        self._cleanup.append((cleanup, old))

    def finish(self, patience: float = PATIENCE) -> str:
        """Wait until what this build set aside (an untrusted tree, the plain folder it
        replaced) is deleted, for `patience` seconds at most: what is left then is deleted
        by a process of its own (`_delete_apart`), which nothing waits for. What was done,
        as a phase of the build's timings; "" when nothing was set aside."""
        deadline = time.monotonic() + patience
        handed = False
        for cleanup, old in self._cleanup:
            cleanup.join(max(0.0, deadline - time.monotonic()))
            if cleanup.is_alive():
                _delete_apart(old, self.output_dir)
                handed = True
        if not self._cleanup:
            return ""
        return ("set-aside output left to a process of its own" if handed
                else "set-aside output removed")


_DELETER = (
    "import os, shutil, sys, time\n"
    "path = sys.argv[1] + str(os.getpid())\n"
    "for _ in range(500):  # until the build has renamed the folder for this process\n"
    "    if os.path.lexists(path):\n"
    "        break\n"
    "    time.sleep(0.01)\n"
    "shutil.rmtree(path, ignore_errors=True)\n")


def _delete_apart(folder: Path, output_dir: Path) -> None:
    """Leave the deletion of `folder` to a new process in a session of its own, which
    outlives this one and which no shell or terminal waits for. The folder is renamed
    `.<output>.trash-<that process's id>`: `recover_interrupted_swap` leaves it alone while
    that process runs, and deletes it once it does not (a deleter killed halfway). When
    the process cannot start, the folder is left as it is, for the next build."""
    import subprocess

    trash = f".{output_dir.name}.{_TRASH}-"  # named as the other leftovers are
    try:
        child = subprocess.Popen(
            [sys.executable, "-I", "-c", _DELETER, str(folder.parent / trash)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
    except OSError:
        return
    try:
        os.rename(folder, folder.parent / f"{trash}{child.pid}")
    except OSError:  # gone meanwhile
        child.kill()
        child.wait()


_TRASH = "trash"


def _deleting(path: Path) -> bool:
    """Whether the process a trash folder is named for still runs: it is deleting it."""
    try:
        os.kill(int(path.name.rsplit("-", 1)[1]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _write_file(path: str, data: bytes) -> None:
    """Create (or truncate) the file and write `data`: three system calls, where `open()`
    makes six (it also asks for the file's block size, whether it is a terminal and its
    position), for each of the site's thousands of pages."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)


def _write_over(path: str, data: bytes, size: int) -> None:
    """Write `data` over the file's `size` bytes, and cut what is left past it: the blocks
    it has are written again rather than freed and others allocated (ten times cheaper
    here, on ext4 mounted with `discard`, which trims each block freed)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    try:
        _write_all(descriptor, data)
        if size > len(data):
            os.ftruncate(descriptor, len(data))
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def link_folder(source: Path, target: Path) -> bool:
    """Hard-link every file of `source` into `target` (made as needed; copied where the file
    system has no hard links). False, with `target` removed, if `source` or a file of it
    is gone."""
    if not source.is_dir():
        return False
    source_root, target_root = str(source), str(target)
    for directory, _, names in os.walk(source_root):
        made = target_root + directory[len(source_root):]
        os.makedirs(made, exist_ok=True)
        for name in names:
            try:
                os.link(os.path.join(directory, name), os.path.join(made, name))
            except FileNotFoundError:
                shutil.rmtree(target, ignore_errors=True)
                return False
            except OSError:  # no hard links here (another file system): copy
                shutil.copy2(os.path.join(directory, name), os.path.join(made, name))
    return True


def tree_path(output_dir: Path, name: str) -> Path:
    return output_dir.parent / f".{output_dir.name}.tree-{name}"


def live_tree_name(output_dir: Path) -> str:
    """The name of the tree `output_dir` links to; "" when it is no link to one."""
    try:
        target = os.readlink(output_dir)
    except OSError:
        return ""
    return next((name for name in TREES if target == tree_path(output_dir, name).name), "")


def is_output_link(output_dir: Path) -> bool:
    """Whether `output_dir` is the link a build made to one of its trees."""
    return output_dir.is_symlink() and os.readlink(output_dir) in (
        tree_path(output_dir, name).name for name in TREES)


def recover_interrupted_swap(output_dir: Path) -> None:
    """Undo what a killed build left: restore an output moved aside, drop stale links,
    staging folders of newsgen 0.2, and a replaced output or an untrusted tree not yet
    deleted."""
    parent = output_dir.parent
    if not parent.is_dir():
        return
    prefix = f".{output_dir.name}."
    leftovers = sorted(p for p in parent.iterdir() if p.name.startswith(prefix))
    for path in leftovers:
        kind = path.name[len(prefix):].split("-", 1)[0]
        if kind == "old" and not os.path.lexists(output_dir):
            os.rename(path, output_dir)
        elif kind in ("staging", "old", "link", "stale") or \
                (kind == _TRASH and not _deleting(path)):
            if path.is_symlink() or path.is_file():
                path.unlink()
            else:
                shutil.rmtree(path, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths with Linux's renameat2(RENAME_EXCHANGE); False if unsupported."""
    libc = _libc()
    renameat2 = getattr(libc, "renameat2", None) if libc is not None else None
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                       _RENAME_EXCHANGE)
    if result != 0:
        import ctypes

        error = ctypes.get_errno()
        if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            return False  # this kernel or file system cannot exchange: rename instead
        raise OSError(error, os.strerror(error), str(second))
    return True


@cache
def _libc() -> ctypes.CDLL | None:
    """The C library, loaded when first needed: only a plain output folder left by
    newsgen 0.2 is exchanged for the link (and ctypes costs every start 6 ms)."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _replaceable(output_dir: Path) -> bool:
    """Only an empty folder or an earlier build may be replaced: never a folder of the user's."""
    if not output_dir.exists():
        return True
    if not output_dir.is_dir():
        return False
    return (not any(output_dir.iterdir())
            or ((output_dir / "index.html").is_file() and (output_dir / "404.html").is_file()))
