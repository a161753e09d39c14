"""The work of a build that has something to do: load the seeds (from the parse cache where
unchanged), index the site (ranking again only the related lists a change reaches), plan
every page, bring the output's inactive tree up to date (rendering only the pages whose
recorded reads changed) with its images, static files and search index, make it live, and
save the cache.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import attrgetter
from pathlib import Path, PurePosixPath

from generator.build.cache import (
    BuildState,
    KeptModel,
    KeptState,
    LastBuild,
    PageRecord,
    forget_tree,
    load_state,
    save_state,
)
from generator.build.copied import copied_record, static_files
from generator.build.output import OutputError, OutputTrees
from generator.build.readers import Readers
from generator.build.records import Baseline, changed_reads, page_keys, snapshot
from generator.build.result import BuildResult, Run, Scan
from generator.build.reuse import (
    claim_pages,
    combined_results,
    page_outputs,
    planned_pages,
    site_model,
    used_images,
)
from generator.build.search import BEHIND as SEARCH_BEHIND
from generator.build.search import (
    SEARCH_FOLDER,
    SearchFailed,
    bundle_records,
    update_index,
)
from generator.build.search import UNAVAILABLE as SEARCH_UNAVAILABLE
from generator.build.workers import load_in_workers, render_in_workers
from generator.config import SiteConfig
from generator.errors import BuildFailed, SourceError
from generator.images.references import ImageCache, read_image_cache
from generator.render.renderer import Renderer, check_templates, make_environment
from generator.render.template_memo import TemplateMemo
from generator.render.theme import template_dirs
from generator.site.index import (
    Site,
    included_articles,
)
from generator.site.plan import Page
from generator.site.plan_rows import plan_row
from generator.site.related import Ranking
from generator.site.saved_index import SiteIndex
from generator.site.schedule import schedule_of


@dataclass(frozen=True)
class _Written:
    """What bringing the inactive tree up to date produced; it is live already."""

    trees: OutputTrees
    records: dict[str, PageRecord]
    """Each file of the new tree (relative posix path) → what it was made from."""
    replaced: dict[str, PageRecord]
    """The same of the tree it replaced."""
    pages: Counter[str]
    names: list[str]
    """Each page's output file, in the plan's order."""
    keys: list[str]
    plans: list[Page]
    """Each page's plan, in the same order."""
    rendered: int
    unchanged: int
    search_behind: int
    fingerprints: dict[str, str]
    """Each template a page is made from → its fingerprint."""


def build_changed(config: SiteConfig, run: Run, scan: Scan, *, skip_invalid: bool,
                  clean: bool, search: bool, binary: Path | None, now: datetime,
                  kept: KeptState | None = None, search_later: bool = False,
                  on_live: Callable[[], None] | None = None) -> BuildResult:
    """Build what changed since the cache's last build (everything with `clean`). With
    `kept`, the state a previous build of this process left there is used where the cache
    still holds it, and the new state is left there. With `search_later`, a month of the
    search index that the live site has is left as it was there (see `update_index`).
    Stories whose time is after `now` are scheduled. `on_live` is called as soon as the
    new site is live."""
    cache_dir, output_dir = config.build.cache_dir, config.build.output_dir
    state, notice = (BuildState(), "") if clean else load_state(cache_dir, output_dir, kept)
    run.lap("scan")

    reading = config.reading_fingerprint()
    templates = kept.templates if kept is not None else None
    if templates is None:
        templates = TemplateMemo.from_bytes(state.templates)
        if kept is not None:
            kept.templates = templates
    else:
        templates.next_build()
    env = make_environment(template_dirs(config.build.templates_dir), templates)
    results, seeds = load_in_workers(scan.seed_paths, state.seeds_read_under(reading),
                                     config, run.jobs, run.report, scan.stats,
                                     kept.load if kept is not None else None, scan.since)
    articles, more = combined_results(results, kept.load if kept is not None else None)
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
        scan.problems + more + image_problems + check_templates(env), skip_invalid)

    result.schedule = schedule_of(included_articles(articles, config), now)
    site = site_model(articles, config, run, state.ranking, result.schedule, kept)
    gc.freeze()
    run.lap("index")
    renderer = Renderer(site, images, env, search=binary is not None)
    model = snapshot(site, images, dict(zip(seeds, map(attrgetter("sha256"), seeds.values()),
                                            strict=True)),
                     kept.model if kept is not None else None)
    # The site a build of this process saved the index of, while the cache is as it left it.
    indexed = (kept.model.site, state.index) if kept is not None and kept.model is not None \
        and state is kept.state and state.index is not None else None
    if kept is not None:
        kept.model = KeptModel(site, model)
    baseline = (Baseline(state.model_tree, state.trees[state.model_tree],
                         changed_reads(state.model, model),
                         kept.readers if kept is not None else None)
                if state.model_tree in state.trees else None)
    # A state this process saved (the cache is as it left it) vouches for the files of the
    # trees it checked too (`KeptState.checked`).
    checked = kept.checked if kept is not None and state is kept.state else set()
    written = _write_site(site, images, renderer, baseline, state, binary, run, search_later,
                          kept, checked)
    result.pages, result.rendered, result.unchanged = (written.pages, written.rendered,
                                                       written.unchanged)
    result.removed = len(written.replaced.keys() - written.records.keys())
    result.search_behind = written.search_behind
    inputs = scan.fingerprint
    if written.search_behind:  # so that the next build is never skipped as needless
        inputs = "search behind: " + inputs
    run.lap("flip")
    if on_live is not None:
        on_live()
    if kept is not None:  # for the next build's baseline: these records
        kept.readers = (kept.readers.following(written.records) if kept.readers is not None
                        else Readers.of(written.records))
        kept.readers.made_for = (written.names, written.keys)
    ranking = Ranking(config.build.related_count, site.ranked_as, site.related)
    saved = BuildState(seeds=seeds, reading=reading, trees={written.trees.name: written.records},
                       output=str(output_dir), ranking=ranking, model=model,
                       model_tree=written.trees.name, templates=templates.to_bytes(),
                       index=SiteIndex.of(site, indexed),
                       plans=dict(zip(written.keys, written.plans, strict=True)),
                       plan_row=partial(plan_row, articles=site.articles.__getitem__))
    stamp = save_state(cache_dir, saved, LastBuild(inputs=inputs, others=scan.others,
                                                   seed_chunks=scan.seed_chunks,
                                                   output=str(output_dir),
                                                   warnings=result.warnings,
                                                   counts=dict(result.pages),
                                                   schedule=result.schedule,
                                                   settings=scan.settings,
                                                   static_lines=scan.static_lines,
                                                   fingerprints=written.fingerprints),
                       previous=None if clean or notice else state)
    if kept is not None:  # what the cache now vouches for: this tree, and the other if it did
        kept.checked = {written.trees.name, *(checked & {written.trees.live_name})}
        other = written.trees.live_name
        if other and other in state.trees and not clean and not notice:
            saved.trees[other] = state.trees[other]
        kept.state, kept.stamp = saved, stamp
    run.lap("save cache")
    if finished := written.trees.finish():
        run.lap(finished)
    result.phases = run.lap.phases
    result.seconds = time.perf_counter() - run.lap.started
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


def _write_site(site: Site, images: ImageCache, renderer: Renderer,
                baseline: Baseline | None, state: BuildState, search_binary: Path | None,
                run: Run, search_later: bool = False, kept: KeptState | None = None,
                checked: set[str] | frozenset[str] = frozenset()) -> _Written:
    """Bring the output's inactive tree up to date (pages, images, static files, search
    index) and make it the live one; what it replaced is left to finish deleting. Pages
    whose record in the `baseline` still holds are not rendered again. The `kept` plan
    is used, and left there, as `reuse.planned_pages` says. In a tree that is `checked`, a
    page the tree's records hold is taken to be there without a look."""
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
        if mine is None and live and trees.clone_live():
            mine = live  # the tree now holds what the live one holds
        pages, kept_plan = planned_pages(site, search_binary is not None, kept)
        image_files = used_images(site, images, renderer.contexts.views, kept)
        static = static_files(site.config.build.static_dir)
        # What the tree holds that this build does not make goes first, so that a file
        # renamed by case only (`Logo.PNG` → `logo.png`) is not deleted after it is written
        # on a file system that ignores case.
        outputs = page_outputs(pages, kept_plan)
        names = outputs.names
        made = {*names, *(relative.as_posix() for relative in [*image_files, *static])}
        trees.remove(sorted(key for key in (mine or {}).keys() - made
                            if not key.startswith(SEARCH_FOLDER + "/")))
        keys = page_keys(pages, renderer.fingerprint, kept_plan)
        outcome = render_in_workers(renderer, pages, names, keys,
                                    claim_pages(trees, names, kept_plan), trees, mine or {},
                                    baseline, run.jobs, run.report, trees.name in checked)
        if outcome.error is not None:
            raise BuildFailed([outcome.error])
        run.lap("render")
        records = dict(outcome.records)
        records.update(_place_files(image_files, trees, mine or {}, live))
        for relative in static:
            if trees.has(relative.as_posix()):
                raise OutputError(f"static file {relative} has the same path as a page")
        records.update(_place_files(static, trees, mine or {}, live))
        run.lap("images and static")
        behind: list[str] = []
        if search_binary is None:
            shutil.rmtree(trees.root / SEARCH_FOLDER, ignore_errors=True)
        else:
            articles = outputs.articles
            bundles = bundle_records(search_binary,
                                     dict(zip(articles, map(records.__getitem__, articles),
                                              strict=True)),
                                     kept.bundles if kept is not None else None)
            try:
                behind = update_index(search_binary, trees, bundles, mine or {}, live,
                                      run.jobs, later=search_later)
            except SearchFailed as exc:
                raise BuildFailed([SourceError(output_dir, 0, 0, str(exc), kind="output")]
                                  ) from None
            records.update(bundles)
            records.update(dict.fromkeys(behind, SEARCH_BEHIND))
            run.lap("search index")
        trees.commit()
    except OutputError as exc:
        raise BuildFailed([SourceError(output_dir, 0, 0, str(exc), kind="output")]) from None
    fingerprints = {template: renderer.fingerprint(template)
                    for template in sorted({page.template for page in pages})}
    return _Written(trees, records, live, outputs.kinds, names, keys, pages,
                    outcome.rendered, outcome.unchanged, len(behind), fingerprints)


def _place_files(files: dict[PurePosixPath, Path], trees: OutputTrees,
                 mine: dict[str, PageRecord], live: dict[str, PageRecord]
                 ) -> dict[str, PageRecord]:
    """Copy each file into the tree, unless the tree (or, by a link, the live one) has it
    already: same source, size and mtime."""
    records = {}
    for relative, source in files.items():
        key = relative.as_posix()
        target = trees.claim(key)
        record = copied_record(source)
        if mine.get(key) == record and os.path.exists(target):
            pass  # the tree has it already
        elif not (live.get(key) == record and trees.link_live(target)):
            trees.copy(target, source)
        records[key] = record
    return records
