"""Map a request path to a file of the built site, or say why not. Reads, never writes.

The path is decoded once; `..`, `.`, empty segments, backslashes and NUL are refused
before the file system is asked anything, and whatever the path resolves to, symlinks
followed, must lie inside the site's folder. Folders are never listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote


@dataclass(frozen=True)
class Located:
    """What to answer: 200 with `file`, 301 to `location`, or 400/404."""

    status: int
    file: Path | None = None
    location: str = ""


BAD_REQUEST = Located(400)
NOT_FOUND = Located(404)


def locate(root: Path, base_path: str, raw_path: str) -> Located:
    """The answer for `raw_path` (still percent-encoded) on a site in `root`, mounted at
    `base_path` (`/` or `/repo/`)."""
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return BAD_REQUEST  # overlong or broken UTF-8
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return BAD_REQUEST
    if base_path != "/" and path in ("/", base_path.rstrip("/")):
        return Located(301, location=base_path)
    if not path.startswith(base_path):
        return NOT_FOUND
    parts = path[len(base_path):].split("/")
    trailing_slash = parts[-1] == ""
    if trailing_slash:
        parts.pop()
    if any(part in ("", ".", "..") for part in parts):
        return NOT_FOUND
    site = root.resolve()
    target = inside(site, site.joinpath(*parts))
    if target is None:
        return NOT_FOUND
    if target.is_dir():
        if parts and not trailing_slash:
            return Located(301, location=quote(path + "/"))
        index = inside(site, target / "index.html")
        return Located(200, index) if index is not None and index.is_file() else NOT_FOUND
    return Located(200, target) if target.is_file() and not trailing_slash else NOT_FOUND


def inside(site: Path, candidate: Path) -> Path | None:
    """`candidate` with symlinks resolved, if it is still inside `site`."""
    try:
        real = candidate.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    return real if real == site or real.is_relative_to(site) else None
