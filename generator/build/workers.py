"""Run the two expensive phases, parsing seeds and rendering pages, across processes.

Worker processes are forked after the parent has built what they need (the site, the
compiled templates), so nothing large is sent to them: they receive indexes and return
small records. Output is identical to a serial build, which is also what `--jobs 1` runs.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_, is_not
from pathlib import Path
from typing import TypeVar

from generator.build.cache import CachedSeed, KeptLoad, LoadedSeeds, PageRecord, file_digest
from generator.build.output import OutputTrees
from generator.build.records import Baseline
from generator.build.search_part import indexed_digest
from generator.config import SiteConfig
from generator.content.loader import SeedResult, load_seed
from generator.errors import SourceError
from generator.render.renderer import Renderer, TemplateFailure
from generator.site.index import Ranker
from generator.site.plan import Page
from generator.site.related import Candidate, RelatedIndex

Report = Callable[[str, int, int], None]
Item = TypeVar("Item")
Outcome = TypeVar("Outcome")
MIN_PARALLEL_ITEMS = 256
"""Below this many items, forking costs more than it saves."""


def _in_chunks(items: Sequence[Item], jobs: int) -> list[list[Item]]:
    size = max(1, min(200, len(items) // (jobs * 8) or 1))
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


def _run(function: Callable[[list[Item]], list[Outcome]], items: Sequence[Item], jobs: int,
         phase: str, report: Report) -> Iterator[Outcome]:
    """`function` over chunks of `items`, in forked workers when it pays; results in order."""
    chunks = _in_chunks(items, jobs)
    parallel = (jobs > 1 and len(items) >= MIN_PARALLEL_ITEMS
                and "fork" in multiprocessing.get_all_start_methods())
    done = 0
    results: Iterable[list[Outcome]]
    if parallel:
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start_worker, initargs=(os.getpid(),))
        results = pool.map(function, chunks)
    else:
        pool = None
        results = map(function, chunks)
    try:
        for chunk, outcome in zip(chunks, results, strict=True):
            done += len(chunk)
            report(phase, done, len(items))
            yield from outcome
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _start_worker(parent: int) -> None:
    """Make this worker end when the build does, even when the build is killed outright:
    otherwise it would wait forever on a queue whose other end it holds itself. The
    collector, off in the build (`pipeline.build`), is on in a worker, whose renders make
    garbage; what the worker was forked with is frozen, out of its sight."""
    gc.freeze()
    gc.enable()
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before the line above took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


# ---- loading seeds ---------------------------------------------------------------------

_CONFIG: SiteConfig | None = None


def load_in_workers(paths: list[Path], cached: dict[str, CachedSeed], config: SiteConfig,
                    jobs: int, report: Report, stats: Mapping[Path, os.stat_result] | None = None,
                    kept: KeptLoad | None = None, since: Since | None = None
                    ) -> tuple[list[tuple[Path, SeedResult]], dict[str, CachedSeed]]:
    """Each seed's result, from the cache when its file is unchanged (as it was when
    `stats` were taken, else now); and the new cache. When the `kept` load of this process
    gave the `cached` entries for these very paths, and `since` says the `stats` are its
    own with some seeds looked at again, only those are (and the new load is kept)."""
    global _CONFIG
    _CONFIG = config
    if kept is not None and since is not None and kept.loaded is not None and \
            since[0] is kept.loaded.stats and paths is kept.loaded.paths and \
            cached is kept.loaded.entries:
        last = kept.loaded
        entries, looked_at = dict(cached), list(since[1])
    else:
        last, entries, looked_at = None, {}, paths
    to_parse: list[str] = []
    for path in looked_at:
        key = str(path)
        entry = _still_valid(path, cached.get(key), stats.get(path) if stats else None)
        if entry is None:
            to_parse.append(key)
        else:
            entries[key] = entry
    for key, entry in zip(to_parse, _run(_parse_chunk, to_parse, jobs, "load", report),
                          strict=True):
        entries[key] = entry
    if last is None:
        results = [(path, entries[str(path)].result) for path in paths]
        places = {path: place for place, path in enumerate(paths)}
    else:
        results, places = list(last.results), last.places
        for path in looked_at:
            results[places[path]] = (path, entries[str(path)].result)
    if kept is not None and stats is not None:
        kept.loaded = LoadedSeeds(paths, stats, entries, results, places)
    return results, entries


Since = tuple[Mapping[Path, os.stat_result], frozenset[Path]]
"""Of a look at the input files made from an earlier one by looking again at some seeds
alone: the earlier look's stats, and those seeds (see `build.result.Scan.since`)."""


def _still_valid(path: Path, entry: CachedSeed | None, stat: os.stat_result | None
                 ) -> CachedSeed | None:
    """The cached entry if the file is the same: same size and mtime, or same content."""
    if entry is None:
        return None
    try:
        stat = stat or path.stat()
    except OSError:
        return None
    if (stat.st_size, stat.st_mtime_ns) == (entry.size, entry.mtime_ns):
        return entry
    if stat.st_size == entry.size and file_digest(path) == entry.sha256:
        return CachedSeed(stat.st_size, stat.st_mtime_ns, entry.sha256, entry.result)
    return None


def _parse_chunk(keys: list[str]) -> list[CachedSeed]:
    assert _CONFIG is not None
    parsed = []
    for key in keys:
        path = Path(key)
        try:
            stat = path.stat()
            digest = file_digest(path)
        except OSError:
            stat, digest = None, ""
        result = load_seed(path, _CONFIG.zone, _CONFIG.limits)
        parsed.append(CachedSeed(stat.st_size if stat else -1, stat.st_mtime_ns if stat else -1,
                                 digest, result))
    return parsed


# ---- ranking related articles -----------------------------------------------------------

_RELATED: tuple[RelatedIndex, int] | None = None


def related_ranker(jobs: int, report: Report) -> Ranker:
    """A ranker for index_site that splits the articles across worker processes."""

    def rank(articles: Sequence[Candidate], count: int,
             only: Collection[str] | None) -> dict[str, tuple[str, ...]]:
        global _RELATED
        _RELATED = (RelatedIndex(articles), count)
        try:
            ids = [a.id for a in articles if only is None or a.id in only]
            return dict(zip(ids, _run(_rank_chunk, ids, jobs, "related", report), strict=True))
        finally:
            _RELATED = None

    return rank


def _rank_chunk(ids: list[str]) -> list[tuple[str, ...]]:
    assert _RELATED is not None
    index, count = _RELATED
    return [index.best(article_id, count) for article_id in ids]


# ---- rendering pages -------------------------------------------------------------------

@dataclass
class RenderOutcome:
    records: dict[str, PageRecord] = field(default_factory=dict)
    """Output file (relative posix path) → what it was rendered from."""
    rendered: int = 0
    unchanged: int = 0
    error: SourceError | None = None


@dataclass(frozen=True)
class _RenderJob:
    renderer: Renderer
    pages: list[Page]
    keys: list[str]
    targets: list[str]
    trees: OutputTrees
    made: str


_JOB: _RenderJob | None = None


def render_in_workers(renderer: Renderer, pages: list[Page], names: list[str],
                      keys: list[str], targets: list[str], trees: OutputTrees,
                      mine: dict[str, PageRecord], baseline: Baseline | None, jobs: int,
                      report: Report, trust_files: bool = False) -> RenderOutcome:
    """Bring every page of the output tree up to date (`names` are their output files,
    `keys` their keys, `targets` their claimed paths in the tree): left as it is when the
    baseline's record still holds and is the tree's own (and its file is there, unless
    `trust_files`), linked from the live tree when it holds there, rendered otherwise.
    In a trusted tree, the pages `_pages_to_look_at` leaves out are left as they are
    without a look each."""
    global _JOB
    outcome = RenderOutcome()
    to_render: list[int] = []
    # One pass over every page of the site: the names it calls are bound once.
    holding_of = baseline.holding if baseline is not None else _no_record
    linkable = baseline is not None and baseline.tree == trees.live_name
    had_get, kept = mine.get, outcome.records
    exists = _there if trust_files else os.path.exists
    looked_at = _pages_to_look_at(names, keys, mine, baseline) if trust_files else None
    if looked_at is not None:
        indexes, unlooked = looked_at
        kept.update(unlooked)
    for index in indexes if looked_at is not None else range(len(names)):
        name, key, target = names[index], keys[index], targets[index]
        holding = holding_of(name, key)
        if holding is None:
            to_render.append(index)
            kept.pop(name, None)
            continue
        had = had_get(name)
        if (had is holding or had == holding) and exists(target):
            pass  # the tree has it already
        elif not (linkable and trees.link_live(target)):
            to_render.append(index)
            kept.pop(name, None)
            continue
        kept[name] = holding
    outcome.unchanged = len(kept)
    _JOB = _RenderJob(renderer, pages, keys, targets, trees, uuid.uuid4().hex)
    try:
        for index, record, error in _run(_render_chunk, to_render, jobs, "render", report):
            if error is not None:
                outcome.error = outcome.error or error
            elif record is not None:
                outcome.records[names[index]] = record
                outcome.rendered += 1
    finally:
        _JOB = None
    return outcome


def _pages_to_look_at(names: list[str], keys: list[str], mine: dict[str, PageRecord],
                      baseline: Baseline | None
                      ) -> tuple[list[int], dict[str, PageRecord]] | None:
    """When the baseline's records were made for these very pages and keys, and who reads
    what among them is known (`Baseline.suspects`): the pages to look at one by one (each
    a change may reach, and each whose record in this tree is not the baseline's very
    record), and the records of all the others, each of which holds and is in the tree
    (for a tree whose files are trusted). Found in C; None otherwise."""
    if baseline is None or baseline.suspects is None or baseline.readers is None or \
            baseline.readers.made_for is None:
        return None
    made_names, made_keys = baseline.readers.made_for
    if made_names is not names or made_keys is not keys:
        return None
    held = list(map(baseline.records.get, names))
    if any(map(is_, held, repeat(None))):
        return None
    look = baseline.suspects.union(compress(names, map(is_not, map(mine.get, names), held)))
    indexes = list(compress(range(len(names)), map(look.__contains__, names)))
    return indexes, dict(zip(names, held, strict=True))  # type: ignore[arg-type]


def _no_record(name: str, key: str) -> None:
    return None


def _there(target: str) -> bool:
    return True


def _render_chunk(indexes: list[int]
                  ) -> list[tuple[int, PageRecord | None, SourceError | None]]:
    job = _JOB
    assert job is not None
    done: list[tuple[int, PageRecord | None, SourceError | None]] = []
    for index in indexes:
        try:
            data, reads = job.renderer.render_recorded(job.pages[index])
        except TemplateFailure as exc:
            done.append((index, None, exc.error))
            break
        job.trees.write(job.targets[index], data)
        indexed = (indexed_digest(data) if job.renderer.search and
                   job.pages[index].kind == "article" else "")
        done.append((index, PageRecord(job.keys[index], reads, job.made, indexed), None))
    return done
