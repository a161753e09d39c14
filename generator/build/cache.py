"""The incremental-build cache: parsed seeds and per-page digests, kept between builds.

An incremental build is a memoized full build: seeds whose file is unchanged are not parsed
again, and pages whose digest (template sources, config, the exact data in the page's
context) is unchanged are not rendered again. The cache is trusted only when its header,
version and checksum all match; anything else means a full build with a one-line notice.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__
from generator.content.loader import SeedResult
from generator.errors import SourceError
from generator.files import write_atomically

CACHE_NAME = "build-state.pickle"
SUMMARY_NAME = "last-build.pickle"
_MAGIC = b"newsgen build state\n"
_PACKAGE = Path(__file__).resolve().parents[1]


def code_version(package: Path) -> str:
    """Changes with newsgen's version, the Python that pickled the cache and the source of
    every module in `package`, its folders' modules included."""
    digest = hashlib.sha256(f"{__version__} {sys.version}".encode())
    for module in sorted(package.rglob("*.py")):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0"
                      + module.read_bytes())
    return digest.hexdigest()


CODE_VERSION = code_version(_PACKAGE)


@dataclass(frozen=True)
class CachedSeed:
    size: int
    mtime_ns: int
    sha256: str
    result: SeedResult


@dataclass
class LastBuild:
    """What the last successful build saw and reported; small, so it is read first."""

    inputs: str = ""
    """Fingerprint of every input file's size and mtime: equal means nothing changed."""
    output: str = ""
    """The output folder it wrote."""
    warnings: list[SourceError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class BuildState:
    seeds: dict[str, CachedSeed] = field(default_factory=dict)
    """By the seed's absolute path."""
    pages: dict[str, str] = field(default_factory=dict)
    """Each output file (relative posix path) → the digest it was rendered from."""
    output: str = ""
    """The output folder the page digests describe."""


def load_state(cache_dir: Path) -> tuple[BuildState, str]:
    """The saved state, or an empty one and why the saved one was not used ("" if none)."""
    state, notice = _load(cache_dir / CACHE_NAME, BuildState)
    return state if isinstance(state, BuildState) else BuildState(), notice


def load_last_build(cache_dir: Path) -> LastBuild:
    last, _ = _load(cache_dir / SUMMARY_NAME, LastBuild)
    return last if isinstance(last, LastBuild) else LastBuild()


def _load(path: Path, kind: type[BuildState] | type[LastBuild]
          ) -> tuple[BuildState | LastBuild, str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return kind(), ""
    except OSError as exc:
        return kind(), f"cache not readable ({exc.strerror}); building everything"
    header, _, payload = data.partition(b"\n\n")
    lines = (header + b"\n").split(b"\n")
    if not data.startswith(_MAGIC) or len(lines) < 3:
        return kind(), "cache is not a newsgen cache; building everything"
    version, checksum = lines[1].decode(errors="replace"), lines[2].decode(errors="replace")
    if version != CODE_VERSION:
        return kind(), "cache is from another newsgen version; building everything"
    if hashlib.sha256(payload).hexdigest() != checksum:
        return kind(), "cache is damaged; building everything"
    try:
        value = pickle.loads(payload)
    except Exception:  # a checksum collision or a pickling bug: never trust it
        return kind(), "cache is damaged; building everything"
    if not isinstance(value, kind):
        return kind(), "cache is damaged; building everything"
    return value, ""


def save_state(cache_dir: Path, state: BuildState, last: LastBuild) -> None:
    """Write both files atomically, the summary last: it is what says "nothing changed"."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    _save(cache_dir / CACHE_NAME, state)
    _save(cache_dir / SUMMARY_NAME, last)


def _save(path: Path, value: BuildState | LastBuild) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    header = _MAGIC + f"{CODE_VERSION}\n{hashlib.sha256(payload).hexdigest()}".encode()
    write_atomically(path, lambda file: file.write(header + b"\n\n" + payload))


def forget_state(cache_dir: Path) -> None:
    """Drop the saved state: the next build will be a full one."""
    (cache_dir / SUMMARY_NAME).unlink(missing_ok=True)
    (cache_dir / CACHE_NAME).unlink(missing_ok=True)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
