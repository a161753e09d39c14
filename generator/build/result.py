"""What a build reports, and the clock and settings it runs with."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import SourceError

if TYPE_CHECKING:
    from generator.site.schedule import Schedule

Progress = Callable[[str, int, int], None]
"""Called with a phase name, the items done and the items in all."""


@dataclass(frozen=True)
class Scan:
    """What the check before a build found of the site's input files."""

    seed_paths: list[Path]
    problems: list[SourceError]
    """Files in the seeds folder that are refused."""
    fingerprint: str
    """Of every input file's size and mtime: equal means nothing changed."""
    stats: dict[Path, os.stat_result]
    """Each input file as the fingerprint saw it: a seed is parsed again only when it
    differs from the cached one's (one `stat` a seed per build, not two)."""
    others: str = ""
    """Of the input files that are not seeds, with the config and options."""
    seed_chunks: tuple[str, ...] = ()
    """Of each run of seeds' sizes and mtimes (`pipeline._Look.seed_chunks`)."""
    settings: str = ""
    """Of the config, options and image manifest (`pipeline._Look.settings_fingerprint`)."""
    static_lines: tuple[str, ...] = ()
    """Of each static file's size and mtime."""
    since: tuple[dict[Path, os.stat_result], frozenset[Path]] | None = None
    """When this look was made from an earlier one by looking again at some seeds alone
    (`pipeline._rescan`): that look's `stats`, and those seeds."""


@dataclass(frozen=True)
class Look:
    """The look at the input files that found something changed (`pipeline._look`), as a
    patch of the live site (`build.patch`) reads it."""

    seeds: list[str]
    stats: list[os.stat_result | None]
    """Of each seed; None for one gone."""
    fingerprint: str
    others: str
    """The fingerprint of the input files that are not seeds, with the config."""
    chunks: tuple[str, ...]
    """The fingerprint of each run of `chunk` seeds."""
    chunk: int
    settings: str
    """The fingerprint of the config, options and image manifest."""
    static_lines: tuple[str, ...]
    """The size and mtime of each static file."""


@dataclass
class BuildResult:
    pages: Counter[str] = field(default_factory=Counter)
    warnings: list[SourceError] = field(default_factory=list)
    skipped_seeds: int = 0
    rendered: int = 0
    unchanged: int = 0
    removed: int = 0
    notice: str = ""
    """One line about the cache, when it could not be used."""
    schedule: Schedule | None = None
    """The stories not yet due, and when the next one is."""
    search_behind: int = 0
    """Months whose search bundle was left as the live site had it (`search="later"`);
    the next build indexes them."""
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each phase, in order."""


class Laps:
    """Records how long each phase of a build took."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.started = self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self.last
        self.last = now


@dataclass(frozen=True)
class Run:
    """How this build runs: its worker processes, its progress report and its phase clock."""

    jobs: int
    report: Progress
    lap: Laps


def default_jobs() -> int:
    """One worker process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
