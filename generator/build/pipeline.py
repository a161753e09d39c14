"""Orchestrate a build: check → load → index → plan → render → search → flip, memoized and
parallel.

The check comes first and imports little: when no input file changed at all, nothing is
done, and `newsgen build` costs little more than the interpreter's start. Otherwise
`build.stages` does the work, rendering only what a change reaches (see `build.records`).
Never prints (the CLI does) and never touches the network.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISREG

from generator.build.cache import (
    CODE_VERSION,
    KeptScan,
    KeptState,
    LastBuild,
    ScanInputs,
    forget_tree,
    load_last_build,
    load_state,
    save_state,
)
from generator.build.lock import BuildLock
from generator.build.output import (
    OutputTrees,
    live_tree_name,
    recover_interrupted_swap,
    tree_path,
)
from generator.build.result import (
    BuildResult,
    Laps,
    Look,
    Progress,
    Run,
    Scan,
    default_jobs,
)
from generator.build.search import pagefind_binary
from generator.config import SiteConfig
from generator.content.seeds import find_seed_names, missing_seeds_dir, seed_path
from generator.errors import BuildFailed, SourceError
from generator.files import is_editor_temp
from generator.images.manifest import JOURNAL_NAME, MANIFEST_NAME
from generator.render.theme import SHIPPED_STATIC, template_dirs


def build(config: SiteConfig, *, skip_invalid: bool = False, clean: bool = False,
          jobs: int | None = None, progress: Progress | None = None,
          search: bool = True, kept: KeptState | None = None,
          search_later: bool = False, now: datetime | None = None,
          on_live: Callable[[], None] | None = None,
          changed: Collection[Path] | None = None, force: bool = False) -> BuildResult:
    """Build the site into `config.build.output_dir`; raise BuildFailed with every error.

    Nothing is written to the output unless the whole build succeeds. With `search` (and
    Pagefind installed) the output gets a search page and its index. A process that builds
    again and again passes the same `kept` each time: each build then starts from the
    state the last one left in memory, not from reading the cache. With `search_later`
    (the preview server), a month of the search index whose stories changed is left as it
    was, and indexed by the next build: the result's `search_behind` counts them. A story
    whose time is after `now` (default: the clock's) is left out (see `site.schedule`).
    `on_live` is called once the new site is live, before the cache is saved: the
    preview reloads its pages then. `changed` (with `kept`) are the files a watcher saw
    change since the last build of this process; when they are seeds that build found,
    only they are looked at again (see `_rescan`). With `force`, a build is made (and made
    live) even when no input changed.
    """
    report = progress or (lambda phase, done, total: None)
    # Until this build has looked at the files, the next one cannot start from the last look:
    # the `changed` files would be lost, should this build stop first.
    last_look = kept.scan if kept is not None else None
    if kept is not None:
        kept.scan = None
    lock = BuildLock(config.build.cache_dir)
    # A build makes millions of objects that live until it ends, and next to no garbage
    # that only the collector finds: each collection they trigger walks them for nothing
    # (15% of an edit's time at 100,000 seeds). So it is off while a build runs (forked
    # workers turn it on: see `build.workers`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        other = lock.acquire(lambda holder: report(
            f"waiting for another build of this site (process {holder})", 0, 0))
        result = _build(config, skip_invalid, clean, jobs, report, search, kept,
                        search_later, now or datetime.now(UTC), on_live, last_look, changed,
                        force)
    finally:
        lock.release()
        # What the build froze goes back to the collector: `serve` builds again and again.
        gc.unfreeze()
        if collecting:
            gc.enable()
    if other:
        result.notice = "; ".join(filter(None, (
            f"waited for another build of this site (process {other}) to end", result.notice)))
    return result


def ready_other_tree(config: SiteConfig, kept: KeptState) -> bool:
    """Make the output's inactive tree hold what the live one holds (hard links), with the
    cache vouching for it, so that the next build changes there only what it must rather
    than filling it whole: what `serve` does once its first build is live, so that the
    first save is as quick as the next. False when there is nothing to do: the cache
    vouches for that tree already, or not for the live one."""
    cache_dir, output_dir = config.build.cache_dir, config.build.output_dir
    lock = BuildLock(cache_dir)
    try:
        lock.acquire(lambda holder: None)
        state, notice = load_state(cache_dir, output_dir, kept)
        trees = OutputTrees(output_dir)
        live = state.trees.get(trees.live_name) if trees.live_name else None
        if notice or live is None or trees.name in state.trees:
            return False
        last = load_last_build(cache_dir)
        forget_tree(cache_dir, trees.name)  # until it is whole
        trees.start(trusted=False)
        cloned = trees.clone_live()
        trees.finish()
        if not cloned:
            return False
        ready = replace(state, trees={**state.trees, trees.name: live})
        # The links were made, not looked at: the next build into that tree looks.
        checked = kept.checked - {trees.name} if state is kept.state else set()
        kept.state, kept.stamp = ready, save_state(cache_dir, ready, last, previous=state)
        kept.checked = checked
        return True
    finally:
        lock.release()
        gc.unfreeze()  # what reading the cache froze


def find_missing_files(config: SiteConfig, kept: KeptState,
                       interrupted: Callable[[], bool] = lambda: False) -> bool | None:
    """Look for every file that the records of the `kept` state's trees name (one deleted
    by hand while `serve` runs, say); a tree missing one is no longer `kept.checked`, so
    the next build into it looks for every file. True when the live tree misses one: a
    build must then make a whole tree live even if no input changed (`build(force=...)`).
    None once `interrupted()` says so (asked before every `_LOOKS_BETWEEN_ASKS` files at
    most), with the trees found missing a file so far no longer checked. What `serve`
    does once changes stop for a while."""
    state = kept.state
    output_dir = config.build.output_dir
    if state is None or state.output != str(output_dir):
        return False
    missing: set[str] = set()
    for name, records in state.trees.items():
        root = str(tree_path(output_dir, name))
        keys = list(records)
        for start in range(0, len(keys), _LOOKS_BETWEEN_ASKS):
            if interrupted():
                kept.checked -= missing
                return None
            if not all(os.path.exists(os.path.join(root, key))
                       for key in keys[start:start + _LOOKS_BETWEEN_ASKS]):
                missing.add(name)
                break
    kept.checked -= missing
    return live_tree_name(output_dir) in missing


_LOOKS_BETWEEN_ASKS = 2000
"""Files `find_missing_files` looks for between two questions whether to stop (about
0.01 s): a save made meanwhile is built without waiting for the rest."""


def _build(config: SiteConfig, skip_invalid: bool, clean: bool, jobs: int | None,
           report: Progress, search: bool, kept: KeptState | None,
           search_later: bool, now: datetime,
           on_live: Callable[[], None] | None, last_look: KeptScan | None,
           changed: Collection[Path] | None, force: bool = False) -> BuildResult:
    run = Run(jobs or default_jobs(), report, Laps())
    cache_dir = config.build.cache_dir
    if not config.build.seeds_dir.is_dir():
        raise BuildFailed([missing_seeds_dir(config.build.seeds_dir)])
    binary = pagefind_binary() if search else None
    inputs = ScanInputs(config.path, config.build.seeds_dir,
                        tuple(template_dirs(config.build.templates_dir)),
                        config.build.static_dir, config.images.cache_dir,
                        f"{skip_invalid} {binary is not None}")
    fingerprint, looked_at, look = _look_at_inputs(config, inputs, last_look, changed)
    output_dir = config.build.output_dir
    last = LastBuild() if clean or force else load_last_build(cache_dir)
    if last.output == str(output_dir) and \
            (last.schedule is None or last.schedule.holds_at(now)) and \
            (output_dir / "index.html").is_file():
        if last.inputs == fingerprint:
            if kept is not None:
                kept.scan = looked_at()
            # A build killed after saving, while it deleted the output it replaced, left
            # that behind: nothing else needs doing, but that still needs removing.
            recover_interrupted_swap(output_dir)
            return _nothing_changed(last, run.lap.started)
        if kept is None and look is not None and not look.problems:
            # A few edited seeds: built from what they reach alone, when they can be.
            from generator.build.patch import patch_build

            patched = patch_build(config, run, Look(
                look.seeds, look.stats[:len(look.seeds)], look.fingerprint,
                look.others_fingerprint, look.seed_chunks, SEED_CHUNK,
                look.settings_fingerprint, look.static_lines), last, binary, now)
            if patched is not None:
                return patched
    looked = looked_at()
    if kept is not None:
        kept.scan = looked
    scan = looked.scan
    # The work itself, and the parser, templates and workers it needs: imported only now.
    from generator.build.stages import build_changed

    return build_changed(config, run, scan, skip_invalid=skip_invalid, clean=clean,
                         search=search, binary=binary, kept=kept, search_later=search_later,
                         now=now, on_live=on_live)


def _nothing_changed(last: LastBuild, started: float) -> BuildResult:
    result = BuildResult(pages=Counter(last.counts), warnings=last.warnings,
                         unchanged=sum(last.counts.values()), schedule=last.schedule)
    result.seconds = time.perf_counter() - started
    return result


def _look_at_inputs(config: SiteConfig, inputs: ScanInputs, last_look: KeptScan | None,
                    changed: Collection[Path] | None
                    ) -> tuple[str, Callable[[], KeptScan], _Look | None]:
    """The fingerprint of the input files, how to have the rest of the look at them
    (`_rescan`'s when it can, else `_look`'s): a build with nothing to do needs no more;
    and `_look`'s look when it made one."""
    rescanned = _rescan(last_look, inputs, changed)
    if rescanned is not None:
        return rescanned.scan.fingerprint, lambda: rescanned, None
    look = _look(config, inputs)
    return look.fingerprint, look.kept, look


@dataclass(frozen=True)
class _Look:
    """A look at every input file, before it is known whether anything changed: the seeds
    by name (`find_seed_names`), not yet as Paths."""

    inputs: ScanInputs
    seeds: list[str]
    problems: list[SourceError]
    others: list[Path]
    """The input files that are not seeds: templates, static files, the image manifest."""
    stats: list[os.stat_result | None]
    """Of each seed, then of each of the `others`; None for a file gone."""
    prefix: bytes
    lines: list[str]
    fingerprint: str
    others_fingerprint: str
    """Of the `others` and the `prefix` alone: the same when only seeds changed."""
    seed_chunks: tuple[str, ...]
    """Of each run of `SEED_CHUNK` seeds' lines: which of them changed, when few did."""
    trusted: bool
    settings_fingerprint: str
    """Of the `prefix` and the image manifest's lines: the same when only seeds, templates
    and static files changed."""
    static_lines: tuple[str, ...]
    """The lines of the static files (shipped, then the user's)."""

    def kept(self) -> KeptScan:
        """What the build, and the next build of the process, need of it."""
        paths = [*map(seed_path, self.seeds), *self.others]
        scan = Scan(paths[:len(self.seeds)], self.problems, self.fingerprint,
                    {path: stat for path, stat in zip(paths, self.stats, strict=True)
                     if stat is not None}, self.others_fingerprint, self.seed_chunks,
                    settings=self.settings_fingerprint, static_lines=self.static_lines)
        return KeptScan(self.inputs, scan, self.prefix, self.lines,
                        {path: place for place, path in enumerate(scan.seed_paths)},
                        self.trusted)


def _look(config: SiteConfig, inputs: ScanInputs) -> _Look:
    """The seeds, and the size and mtime of every input file, the config's text and
    newsgen's code version in a fingerprint; with each file's stat."""
    links: list[str] = []
    seeds, problems = find_seed_names(inputs.seeds_dir, links)
    prefix = f"{CODE_VERSION}\0{inputs.options}\0".encode() + config.path.read_bytes() + repr(
        (config.fingerprint(), config.build, config.images)).encode()
    templates, static_folders = _files_in(inputs.template_folders), (SHIPPED_STATIC,
                                                                     inputs.static_dir)
    static = _files_in(static_folders)
    others = [*templates, *static, inputs.images_dir / MANIFEST_NAME,
              inputs.images_dir / JOURNAL_NAME]
    static_from = len(seeds) + len(templates)
    settings_from = static_from + len(static)
    stats: list[os.stat_result | None] = []
    lines = []
    for name in [*seeds, *map(str, others)]:
        try:
            stat = os.stat(name)
        except FileNotFoundError:
            stats.append(None)
            lines.append(f"{name}\0missing\0")
        else:
            stats.append(stat)
            lines.append(_line(name, stat))
    # (A seed gone between the listing and its stat is not trusted either.)
    trusted = not links and all(stat is not None and stat.st_nlink == 1
                                for stat in stats[:len(seeds)])
    return _Look(inputs, seeds, problems, others, stats, prefix, lines,
                 _fingerprint(prefix, lines), _fingerprint(prefix, lines[len(seeds):]),
                 tuple(_fingerprint(b"", lines[start:min(start + SEED_CHUNK, len(seeds))])
                       for start in range(0, len(seeds), SEED_CHUNK)), trusted,
                 _fingerprint(prefix, lines[settings_from:]),
                 tuple(line for path, line in zip(static, lines[static_from:settings_from],
                                                  strict=True)
                       if _copied(path, static_folders)))


def _files_in(folders: Iterable[Path]) -> list[Path]:
    """The files in each folder (that is one), sorted folder by folder."""
    return [path for folder in folders if folder.is_dir()
            for path in sorted(p for p in folder.rglob("*") if p.is_file())]


def _copied(path: Path, folders: Iterable[Path]) -> bool:
    """Whether a file of these static folders is copied (`build.copied.static_files`):
    not an editor's temp file, nor in a dot-folder."""
    for folder in folders:
        if path.is_relative_to(folder):
            parts = path.relative_to(folder).parts
            return not is_editor_temp(parts[-1]) and \
                not any(part.startswith(".") for part in parts[:-1])
    return True


SEED_CHUNK = 256
"""Seeds a line of `_Look.seed_chunks` covers."""
_TRUSTED_BATCH = 256
"""A burst of more changed files than this (a checkout, a folder copied in) is followed by
a look at every file, as `newsgen build` makes: that costs little beside such a build."""


def _rescan(kept: KeptScan | None, inputs: ScanInputs,
            changed: Collection[Path] | None) -> KeptScan | None:
    """The `kept` look at the input files with the `changed` ones looked at again, when
    those are all seeds it found and still plain files with one name; else None (every
    file is looked at). The watcher reports every change made through a seed's name, and
    a seed that is neither a symlink nor a hard link changes through its name alone
    (`KeptScan.trusted`). A name given to one later elsewhere is reported by no watcher:
    what is written through it waits for a look at every file (`serve` makes one once
    changes stop for a while)."""
    if kept is None or changed is None or not kept.trusted or kept.inputs != inputs or \
            len(changed) > _TRUSTED_BATCH:
        return None
    lines, stats = list(kept.lines), dict(kept.scan.stats)
    chunks, count = list(kept.scan.seed_chunks), len(kept.seeds)
    for path in changed:
        place = kept.seeds.get(path)
        if place is None:  # a new seed, another input file, a folder, lost changes
            return None
        try:
            stat = os.lstat(path)
        except OSError:  # gone
            return None
        if not S_ISREG(stat.st_mode) or stat.st_nlink != 1:
            return None
        stats[path] = stat
        lines[place] = _line(path, stat)
    for chunk in {kept.seeds[path] // SEED_CHUNK for path in changed}:
        if chunk < len(chunks):  # (the runs of `_look`, which a patch compares)
            start = chunk * SEED_CHUNK
            chunks[chunk] = _fingerprint(b"", lines[start:min(start + SEED_CHUNK, count)])
    scan = replace(kept.scan, fingerprint=_fingerprint(kept.prefix, lines), stats=stats,
                   seed_chunks=tuple(chunks), since=(kept.scan.stats, frozenset(changed)))
    return replace(kept, scan=scan, lines=lines)


def _line(path: str | Path, stat: os.stat_result) -> str:
    return f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0"


def _fingerprint(prefix: bytes, lines: list[str]) -> str:
    digest = hashlib.sha256(prefix)
    digest.update("".join(lines).encode())
    return digest.hexdigest()
