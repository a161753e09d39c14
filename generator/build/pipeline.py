"""Orchestrate a build: load → index → plan → render → stage → swap, memoized and parallel.

Every build loads, indexes and plans the whole site; seeds whose files are unchanged come
from the parse cache, and pages whose digest is unchanged are linked from the previous
output instead of rendered. When no input file changed at all, nothing is done. Never
prints (the CLI does) and never touches the network.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.build.cache import (
    CODE_VERSION,
    BuildState,
    LastBuild,
    PageRecord,
    forget_tree,
    load_last_build,
    load_state,
    save_state,
)
from generator.build.lock import BuildLock
from generator.build.output import OutputError, OutputTrees, recover_interrupted_swap
from generator.build.records import ReadDigests
from generator.build.search import (
    SEARCH_FOLDER,
    SearchFailed,
    bundle_records,
    pagefind_binary,
    update_index,
)
from generator.build.search import UNAVAILABLE as SEARCH_UNAVAILABLE
from generator.build.workers import (
    default_jobs,
    load_in_workers,
    related_ranker,
    render_in_workers,
)
from generator.config import SiteConfig
from generator.content.loader import combine_results, find_seeds, missing_seeds_dir
from generator.errors import BuildFailed, SourceError
from generator.files import is_editor_temp
from generator.images.manifest import JOURNAL_NAME, MANIFEST_NAME
from generator.images.references import ImageCache, read_image_cache
from generator.render.renderer import Renderer, check_templates, make_environment, template_dirs
from generator.render.theme import SHIPPED_STATIC
from generator.render.views import Views
from generator.site.index import Site, index_site
from generator.site.plan import plan_pages
from generator.site.related import Ranking
from generator.urls import output_file

Progress = Callable[[str, int, int], None]
"""Called with a phase name, the items done and the items in all."""


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
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each phase, in order."""


class _Laps:
    """Records how long each phase of a build took."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - self.last
        self.last = now


@dataclass(frozen=True)
class _Run:
    """How this build runs: its worker processes, its progress report and its phase clock."""

    jobs: int
    report: Progress
    lap: _Laps


@dataclass(frozen=True)
class _Written:
    """What staging the site produced, before the swap is finished."""

    trees: OutputTrees
    records: dict[str, PageRecord]
    """Each file of the new tree (relative posix path) → what it was made from."""
    replaced: dict[str, PageRecord]
    """The same of the tree it replaced."""
    pages: Counter[str]
    rendered: int
    unchanged: int


def build(config: SiteConfig, *, skip_invalid: bool = False, clean: bool = False,
          jobs: int | None = None, progress: Progress | None = None,
          search: bool = True) -> BuildResult:
    """Build the site into `config.build.output_dir`; raise BuildFailed with every error.

    Nothing is written to the output unless the whole build succeeds. With `search` (and
    Pagefind installed) the output gets a search page and its index.
    """
    report = progress or (lambda phase, done, total: None)
    lock = BuildLock(config.build.cache_dir)
    try:
        other = lock.acquire(lambda holder: report(
            f"waiting for another build of this site (process {holder})", 0, 0))
        result = _build(config, skip_invalid, clean, jobs, report, search)
    finally:
        lock.release()
        # What the build froze goes back to the collector: `serve` builds again and again.
        gc.unfreeze()
    if other:
        result.notice = "; ".join(filter(None, (
            f"waited for another build of this site (process {other}) to end", result.notice)))
    return result


def _build(config: SiteConfig, skip_invalid: bool, clean: bool, jobs: int | None,
           report: Progress, search: bool) -> BuildResult:
    started = time.perf_counter()
    run = _Run(jobs or default_jobs(), report, _Laps())
    cache_dir = config.build.cache_dir
    if not config.build.seeds_dir.is_dir():
        raise BuildFailed([missing_seeds_dir(config.build.seeds_dir)])
    seed_paths, problems = find_seeds(config.build.seeds_dir)
    env = make_environment(template_dirs(config.build.templates_dir))
    binary = pagefind_binary() if search else None
    inputs = _input_fingerprint(config, seed_paths, template_dirs(config.build.templates_dir),
                                f"{skip_invalid} {binary is not None}")
    output_dir = config.build.output_dir
    last = LastBuild() if clean else load_last_build(cache_dir)
    if last.inputs == inputs and last.output == str(output_dir) and \
            (output_dir / "index.html").is_file():
        # A build killed after saving, while it deleted the output it replaced, left that
        # behind: nothing else needs doing, but that still needs removing.
        recover_interrupted_swap(output_dir)
        return _nothing_changed(last, started)
    state, notice = (BuildState(), "") if clean else load_state(cache_dir, output_dir)
    run.lap("scan")

    reading = config.reading_fingerprint()
    results, seeds = load_in_workers(seed_paths, state.seeds_read_under(reading), config,
                                     run.jobs, run.report)
    articles, more = combine_results(results)
    # The parsed seeds, and below the site model, live until the build ends and never form
    # garbage: freezing them spares the collector a pass over the whole heap (a third of a
    # second at 10,000 seeds) each time the objects made later trigger one.
    gc.freeze()
    run.lap("load")
    images, image_problems = read_image_cache(config.images.cache_dir)
    result = BuildResult(notice=notice)
    if search and binary is None:
        result.notice = "; ".join(filter(None, (notice, SEARCH_UNAVAILABLE)))
    result.warnings, result.skipped_seeds = _accept(
        problems + more + image_problems + check_templates(env), skip_invalid)

    site = index_site(articles, config, related_ranker(run.jobs, run.report), state.ranking)
    gc.freeze()
    run.lap("index")
    renderer = Renderer(site, images, env, search=binary is not None)
    digests = ReadDigests(site, images, {path: seed.sha256 for path, seed in seeds.items()})
    written = _write_site(site, images, renderer, digests, state, binary, run)
    result.pages, result.rendered, result.unchanged = (written.pages, written.rendered,
                                                       written.unchanged)
    result.removed = len(written.replaced.keys() - written.records.keys())
    run.lap("swap")
    ranking = Ranking(config.build.related_count, site.ranked_as, site.related)
    save_state(cache_dir, BuildState(seeds=seeds, reading=reading,
                                     trees={written.trees.name: written.records},
                                     output=str(output_dir), ranking=ranking),
               LastBuild(inputs=inputs, output=str(output_dir), warnings=result.warnings,
                         counts=dict(result.pages)), anew=clean or bool(notice))
    run.lap("save cache")
    written.trees.finish()
    run.lap("old output removed")
    result.phases = run.lap.phases
    result.seconds = time.perf_counter() - started
    return result


def _accept(problems: list[SourceError], skip_invalid: bool) -> tuple[list[SourceError], int]:
    """The warnings to report and how many invalid seeds are skipped; raise BuildFailed when
    an error remains (with `skip_invalid`, seed errors become warnings)."""
    errors = [p for p in problems if p.severity == "error"]
    skipped = 0
    if skip_invalid and all(p.kind == "seed" for p in errors):
        skipped = len({p.path for p in errors})
        problems = [p.as_warning() for p in problems]
        errors = []
    warnings = [p for p in problems if p.severity == "warning"]
    if errors:
        raise BuildFailed(errors, warnings)
    return warnings, skipped


def _nothing_changed(last: LastBuild, started: float) -> BuildResult:
    result = BuildResult(pages=Counter(last.counts), warnings=last.warnings,
                         unchanged=sum(last.counts.values()))
    result.seconds = time.perf_counter() - started
    return result


def _input_fingerprint(config: SiteConfig, seed_paths: list[Path],
                       template_folders: list[Path], options: str) -> str:
    """Size and mtime of every input file, the config's text and newsgen's code version."""
    digest = hashlib.sha256(f"{CODE_VERSION}\0{options}\0".encode())
    digest.update(config.path.read_bytes())
    digest.update(repr((config.fingerprint(), config.build, config.images)).encode())
    files = list(seed_paths)
    for folder in [*template_folders, SHIPPED_STATIC, config.build.static_dir]:
        if folder.is_dir():
            files += sorted(p for p in folder.rglob("*") if p.is_file())
    files += [config.images.cache_dir / MANIFEST_NAME, config.images.cache_dir / JOURNAL_NAME]
    for path in files:
        try:
            stat = path.stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        except FileNotFoundError:
            digest.update(f"{path}\0missing\0".encode())
    return digest.hexdigest()


def _write_site(site: Site, images: ImageCache, renderer: Renderer, digests: ReadDigests,
                state: BuildState, search_binary: Path | None, run: _Run) -> _Written:
    """Bring the output's inactive tree up to date (pages, images, static files, search
    index) and make it the live one; what it replaced is left to finish deleting."""
    output_dir = site.config.build.output_dir
    cache_dir = site.config.build.cache_dir
    try:
        trees = OutputTrees(output_dir)
    except OutputError as exc:
        raise BuildFailed([SourceError(output_dir, 0, 0, str(exc), kind="output")]) from None
    mine = state.trees.get(trees.name)
    live = state.trees.get(trees.live_name, {}) if trees.live_name else {}
    # From here until the new state is saved, the cache must not vouch for this tree.
    forget_tree(cache_dir, trees.name)
    try:
        trees.start(trusted=mine is not None)
        pages = plan_pages(site, search=search_binary is not None)
        outcome = render_in_workers(renderer, digests, pages, trees, mine or {}, live,
                                    run.jobs, run.report)
        if outcome.error is not None:
            raise BuildFailed([outcome.error])
        run.lap("render")
        records = dict(outcome.records)
        records.update(_place_files(_used_images(site, images, renderer.contexts.views),
                                    trees, mine or {}, live))
        records.update(_place_files(_static_files(site.config.build.static_dir, trees),
                                    trees, mine or {}, live))
        trees.remove(sorted(key for key in (mine or {}).keys() - records.keys()
                            if not key.startswith(SEARCH_FOLDER + "/")))
        run.lap("images and static")
        if search_binary is None:
            shutil.rmtree(trees.root / SEARCH_FOLDER, ignore_errors=True)
        else:
            articles = [output_file(page.path).as_posix() for page in pages
                        if page.kind == "article"]
            bundles = bundle_records(search_binary, {key: records[key] for key in articles})
            try:
                update_index(search_binary, trees, bundles, mine or {}, live, run.jobs)
            except SearchFailed as exc:
                raise BuildFailed([SourceError(output_dir, 0, 0, str(exc), kind="output")]
                                  ) from None
            records.update(bundles)
            run.lap("search index")
        trees.commit()
    except OutputError as exc:
        raise BuildFailed([SourceError(output_dir, 0, 0, str(exc), kind="output")]) from None
    return _Written(trees, records, live, Counter(page.kind for page in pages),
                    outcome.rendered, outcome.unchanged)


def _place_files(files: dict[PurePosixPath, Path], trees: OutputTrees,
                 mine: dict[str, PageRecord], live: dict[str, PageRecord]
                 ) -> dict[str, PageRecord]:
    """Copy each file into the tree, unless the tree (or, by a link, the live one) has it
    already: same source, size and mtime."""
    records = {}
    for relative, source in files.items():
        target = trees.claim(relative)
        key = relative.as_posix()
        stat = source.stat()
        record = PageRecord(f"file\0{source}\0{stat.st_size}\0{stat.st_mtime_ns}", ())
        if mine.get(key) != record and not (live.get(key) == record and
                                            trees.link_live(target)):
            trees.copy(target, source)
        records[key] = record
    return records


def _used_images(site: Site, images: ImageCache, views: Views) -> dict[PurePosixPath, Path]:
    """The cached files that some page references, and no others."""
    used: set[str] = set()
    for article in site.articles.values():
        used |= views.local_images(article)
    return {output_file(site_path): images.source_file(site_path) for site_path in sorted(used)}


def _static_files(user_static: Path, trees: OutputTrees) -> dict[PurePosixPath, Path]:
    """The shipped static files, then the user's, which replace shipped ones of the same name."""
    files: dict[PurePosixPath, Path] = {}
    for folder in (SHIPPED_STATIC, user_static):
        if not folder.is_dir():
            continue
        root = folder.resolve()
        for directory, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                source = Path(directory, name)
                if is_editor_temp(name):
                    continue
                if not source.resolve().is_relative_to(root):
                    raise OutputError(f"{source} is a symlink leading outside {root}")
                files[PurePosixPath(source.relative_to(root).as_posix())] = source
    for relative in sorted(files):
        if trees.has(relative):
            raise OutputError(f"static file {relative} has the same path as a page")
    return dict(sorted(files.items()))
