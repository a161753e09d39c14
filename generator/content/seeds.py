"""Find the seed files of a site: which files under the seeds folder are seeds, and which
are refused. Reads names and links only, never contents: the build checks whether anything
changed with it before it imports the parser."""

from __future__ import annotations

import os
from pathlib import Path

from generator.errors import SourceError
from generator.files import is_editor_temp

SEED_SUFFIXES = (".txt", ".md")
_PATHS: dict[str, Path] = {}
"""A Path for each seed file name this process has seen: `serve` finds the same 10,000
seeds on every rebuild, and making their Paths anew was a tenth of its rebuild. Emptied
when it passes `_PATHS_KEPT`, so that it stays bounded."""
_PATHS_KEPT = 1_000_000


def find_seeds(seeds_dir: Path, links: list[Path] | None = None
               ) -> tuple[list[Path], list[SourceError]]:
    """Every seed file under `seeds_dir`, sorted; symlinks leading outside it are errors.
    Those that are symlinks are also added to `links`."""
    root = seeds_dir.resolve()
    found: list[Path] = []
    problems: list[SourceError] = []
    _scan(str(root), root, found, problems, links if links is not None else [])
    return found, problems


def _scan(folder: str, root: Path, found: list[Path], problems: list[SourceError],
          links: list[Path]) -> None:
    """The seeds of `folder` in name order, then those of each subfolder (not hidden, not
    a link) in name order: the order of `os.walk`. A DirEntry knows whether it is a folder
    or a link without a system call."""
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    folders = []
    for entry in entries:
        name = entry.name
        if entry.is_dir():
            if not name.startswith(".") and not entry.is_symlink():
                folders.append(entry.path)
            continue
        if not name.endswith(SEED_SUFFIXES) or is_editor_temp(name):
            continue
        path = _path(entry.path)
        if not _is_utf8(name):
            problems.append(SourceError(path, 0, 0, "file name is not valid UTF-8",
                                        "rename the file; its name is the seed's id"))
            continue
        if entry.is_symlink():
            if not path.resolve().is_relative_to(root):
                problems.append(SourceError(
                    path, 1, 1, "symlink points outside the seeds folder",
                    f"it leads to {path.resolve()}; copy the file instead"))
                continue
            links.append(path)
        found.append(path)
    for subfolder in folders:
        _scan(subfolder, root, found, problems, links)


def _path(name: str) -> Path:
    found = _PATHS.get(name)
    if found is None:
        if len(_PATHS) >= _PATHS_KEPT:
            _PATHS.clear()
        found = _PATHS[name] = Path(name)
    return found


def _is_utf8(name: str) -> bool:
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of the file name, kept as surrogates
        return False
    return True


def missing_seeds_dir(seeds_dir: Path) -> SourceError:
    return SourceError(seeds_dir, 0, 0, "seeds folder not found",
                       "set [build] seeds_dir in site.toml or pass --seeds DIR")
