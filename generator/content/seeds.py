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
    linked: list[str] = []
    names, problems = find_seed_names(seeds_dir, linked)
    if links is not None:
        links.extend(map(seed_path, linked))
    return [seed_path(name) for name in names], problems


def find_seed_names(seeds_dir: Path, links: list[str] | None = None
                    ) -> tuple[list[str], list[SourceError]]:
    """`find_seeds` as the names of the files, each what `str` of its Path gives: making
    100,000 Paths took longer than looking at the files, which is all that a build with
    nothing to do needs."""
    root = seeds_dir.resolve()
    found: list[str] = []
    problems: list[SourceError] = []
    _scan(str(root), root, found, problems, links if links is not None else [])
    return found, problems


def _scan(folder: str, root: Path, found: list[str], problems: list[SourceError],
          links: list[str]) -> None:
    """The seeds of `folder` in name order, then those of each subfolder (not hidden, not
    a link) in name order: the order of `os.walk`. A DirEntry knows whether it is a folder
    or a link without a system call. (`folder` is a resolved path, so each entry's path
    is in the form a Path prints.)"""
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
        if not _is_utf8(name):
            problems.append(SourceError(seed_path(entry.path), 0, 0,
                                        "file name is not valid UTF-8",
                                        "rename the file; its name is the seed's id"))
            continue
        if entry.is_symlink():
            path = seed_path(entry.path)
            if not path.resolve().is_relative_to(root):
                problems.append(SourceError(
                    path, 1, 1, "symlink points outside the seeds folder",
                    f"it leads to {path.resolve()}; copy the file instead"))
                continue
            links.append(entry.path)
        found.append(entry.path)
    for subfolder in folders:
        _scan(subfolder, root, found, problems, links)


def seed_path(name: str) -> Path:
    """The Path of a seed file named as `find_seed_names` names it."""
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
