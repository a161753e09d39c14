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
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from generator.build.cache import (
    BuildState,
    KeptBundles,
    KeptImages,
    KeptIndex,
    KeptLoad,
    KeptModel,
    KeptPlan,
    KeptState,
    LastBuild,
    PageRecord,
    forget_tree,
    load_state,
    save_state,
)
from generator.build.delta import replaced_places
from generator.build.output import OutputError, OutputTrees
from generator.build.readers import Readers
from generator.build.records import Baseline, changed_reads, page_keys, snapshot
from generator.build.result import BuildResult, Run, Scan
from generator.build.search import BEHIND as SEARCH_BEHIND
from generator.build.search import (
    SEARCH_FOLDER,
    SearchFailed,
    bundle_records,
    update_index,
)
from generator.build.search import UNAVAILABLE as SEARCH_UNAVAILABLE
from generator.build.workers import (
    load_in_workers,
    related_ranker,
    render_in_workers,
)
from generator.config import SiteConfig
from generator.content.loader import combine_results
from generator.errors import BuildFailed, SourceError
from generator.files import is_editor_temp
from generator.images.references import ImageCache, read_image_cache
from generator.model import Article
from generator.render.renderer import Renderer, check_templates, make_environment
from generator.render.template_memo import TemplateMemo
from generator.render.theme import SHIPPED_STATIC, template_dirs
from generator.render.views import Views
from generator.site.index import (
    Site,
    included_articles,
    index_inputs,
    index_row,
    index_site,
    retitled,
)
from generator.site.plan import Page, plan_inputs, plan_pages
from generator.site.related import Ranking
from generator.site.schedule import Schedule, schedule_of
from generator.urls import output_file, output_name


@dataclass(frozen=True)
class _Written:
    """What bringing the inactive tree up to date produced; it is live already."""

    trees: OutputTrees
    records: dict[str, PageRecord]
    """Each file of the new tree (relative posix path) → what it was made from."""
    replaced: dict[str, PageRecord]
    """The same of the tree it replaced."""
    pages: Counter[str]
    rendered: int
    unchanged: int
    search_behind: int


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
    if kept is not None and kept.load is None:
        kept.load = KeptLoad()
    results, seeds = load_in_workers(scan.seed_paths, state.seeds_read_under(reading),
                                     config, run.jobs, run.report, scan.stats,
                                     kept.load if kept is not None else None, scan.since)
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
        scan.problems + more + image_problems + check_templates(env), skip_invalid)

    result.schedule = schedule_of(included_articles(articles, config), now)
    site = _index(articles, config, run, state.ranking, result.schedule, kept)
    gc.freeze()
    run.lap("index")
    renderer = Renderer(site, images, env, search=binary is not None)
    model = snapshot(site, images, {path: seed.sha256 for path, seed in seeds.items()},
                     kept.model if kept is not None else None)
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
    ranking = Ranking(config.build.related_count, site.ranked_as, site.related)
    saved = BuildState(seeds=seeds, reading=reading, trees={written.trees.name: written.records},
                       output=str(output_dir), ranking=ranking, model=model,
                       model_tree=written.trees.name, templates=templates.to_bytes())
    stamp = save_state(cache_dir, saved, LastBuild(inputs=inputs, output=str(output_dir),
                                                   warnings=result.warnings,
                                                   counts=dict(result.pages),
                                                   schedule=result.schedule),
                       previous=None if clean or notice else state)
    if kept is not None:  # what the cache now vouches for: this tree, and the other if it did
        kept.checked = {written.trees.name, *(checked & {written.trees.live_name})}
        other = written.trees.live_name
        if other and other in state.trees and not clean and not notice:
            saved.trees[other] = state.trees[other]
        kept.state, kept.stamp = saved, stamp
    run.lap("save cache")
    if written.trees.finish():
        run.lap("set-aside output removed")
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
    is used, and left there, as `_plan` says. In a tree that is `checked`, a page the
    tree's records hold is taken to be there without a look."""
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
        pages, kept_plan = _plan(site, search_binary is not None, kept)
        used_images = _used_images(site, images, renderer.contexts.views, kept)
        static = _static_files(site.config.build.static_dir)
        # What the tree holds that this build does not make goes first, so that a file
        # renamed by case only (`Logo.PNG` → `logo.png`) is not deleted after it is written
        # on a file system that ignores case.
        names = _names(pages, kept_plan)
        made = {*names, *(relative.as_posix() for relative in [*used_images, *static])}
        trees.remove(sorted(key for key in (mine or {}).keys() - made
                            if not key.startswith(SEARCH_FOLDER + "/")))
        keys = page_keys(pages, renderer.fingerprint, kept_plan)
        outcome = render_in_workers(renderer, pages, names, keys,
                                    _claim_pages(trees, names, kept_plan), trees, mine or {},
                                    baseline, run.jobs, run.report, trees.name in checked)
        if outcome.error is not None:
            raise BuildFailed([outcome.error])
        run.lap("render")
        records = dict(outcome.records)
        records.update(_place_files(used_images, trees, mine or {}, live))
        for relative in static:
            if trees.has(relative.as_posix()):
                raise OutputError(f"static file {relative} has the same path as a page")
        records.update(_place_files(static, trees, mine or {}, live))
        run.lap("images and static")
        behind: list[str] = []
        if search_binary is None:
            shutil.rmtree(trees.root / SEARCH_FOLDER, ignore_errors=True)
        else:
            articles = [name for name, page in zip(names, pages, strict=True)
                        if page.kind == "article"]
            if kept is not None and kept.bundles is None:
                kept.bundles = KeptBundles()
            bundles = bundle_records(search_binary, {key: records[key] for key in articles},
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
    return _Written(trees, records, live, Counter(page.kind for page in pages),
                    outcome.rendered, outcome.unchanged, len(behind))


def _index(articles: list[Article], config: SiteConfig, run: Run, ranking: Ranking | None,
           schedule: Schedule, kept: KeptState | None) -> Site:
    """The site model: the `kept` one with these articles when what indexing reads is
    unchanged (`index_inputs`), with the related lists that new titles reach ranked again
    (`retitled`); else indexed anew. The result is kept."""
    ranker = related_ranker(run.jobs, run.report)
    if kept is None:
        return index_site(articles, config, ranker, ranking, schedule)
    last = kept.index
    # An article that is the object it was (the parse cache's) gives the row it gave.
    places = replaced_places(last.articles, articles) if last is not None else None
    if last is None or places is None:
        rows = list(map(index_row, articles))
    else:
        rows = list(last.rows)
        for place in places:
            rows[place] = index_row(articles[place])
    inputs, titles = index_inputs(articles, config, schedule, rows)
    related = None
    if last is not None and last.inputs == inputs:
        # The same ids in the same places: only the articles replaced change.
        swapped = ({article.id: article for article in articles} if places is None
                   else {articles[place].id: articles[place] for place in places})
        site = replace(last.site, config=config, articles={
            key: swapped.get(key, article) for key, article in last.site.articles.items()}
            if places is None or places else last.site.articles)
        related = last.related
        if last.titles != titles:
            site, related = retitled(site, {
                article.id: article.title for article, old in
                zip(articles, last.titles, strict=True) if article.title != old}
                if places is None else {articles[place].id: articles[place].title
                                        for place in places
                                        if articles[place].title != last.titles[place]},
                related)
    else:
        site = index_site(articles, config, ranker, ranking, schedule)
    kept.index = KeptIndex(inputs, titles, site, related, articles, rows)
    return site


def _plan(site: Site, search: bool, kept: KeptState | None
          ) -> tuple[list[Page], KeptPlan | None]:
    """Every page of the site: the `kept` plan's pages when what planning reads is
    unchanged (`plan_inputs`), else planned anew (and kept)."""
    if kept is None:
        return plan_pages(site, search=search), None
    inputs = plan_inputs(site, search, kept.plan.made_from if kept.plan is not None else None)
    if kept.plan is None or kept.plan.inputs != inputs:
        kept.plan = KeptPlan(inputs, plan_pages(site, search=search))
    kept.plan.made_from = (site, inputs)
    return kept.plan.pages, kept.plan


def _names(pages: list[Page], kept: KeptPlan | None) -> list[str]:
    """Each page's output file: the `kept` plan's when these are its pages (and kept)."""
    if kept is not None and kept.pages is pages and kept.names:
        return kept.names
    names = [output_name(page.path) for page in pages]
    if kept is not None and kept.pages is pages:
        kept.names = names
    return names


def _claim_pages(trees: OutputTrees, names: list[str], kept: KeptPlan | None) -> list[str]:
    """Claim each page's file in the tree, which has claimed nothing yet; its paths there.
    With the `kept` plan, whose pages have these `names`, what the plan claimed in this
    tree before is claimed again without checking each path (and is kept)."""
    known = kept.claims.get(str(trees.root)) if kept is not None else None
    if known is not None:
        trees.claim_again(known[0])
        return known[1]
    targets = [trees.claim(name) for name in names]
    if kept is not None:
        kept.claims[str(trees.root)] = (trees.claimed(), targets)
    return targets


def _place_files(files: dict[PurePosixPath, Path], trees: OutputTrees,
                 mine: dict[str, PageRecord], live: dict[str, PageRecord]
                 ) -> dict[str, PageRecord]:
    """Copy each file into the tree, unless the tree (or, by a link, the live one) has it
    already: same source, size and mtime."""
    records = {}
    for relative, source in files.items():
        key = relative.as_posix()
        target = trees.claim(key)
        stat = source.stat()
        record = PageRecord(f"file\0{source}\0{stat.st_size}\0{stat.st_mtime_ns}", b"")
        if mine.get(key) == record and os.path.exists(target):
            pass  # the tree has it already
        elif not (live.get(key) == record and trees.link_live(target)):
            trees.copy(target, source)
        records[key] = record
    return records


def _used_images(site: Site, images: ImageCache, views: Views, kept: KeptState | None
                 ) -> dict[PurePosixPath, Path]:
    """The cached files that some page references, and no others. With `kept`, what each
    article shows is found again only for articles that changed, or all when the image
    cache did (`KeptImages`)."""
    memo = kept.images if kept is not None else None
    if memo is None or memo.root != images.root or memo.entries != images.entries:
        memo = KeptImages(images.root, images.entries)
    shown: dict[str, tuple[Article, set[str]]] = {}
    used: set[str] = set()
    for key, article in site.articles.items():
        found = memo.shown.get(key)
        if found is None or found[0] is not article:
            found = (article, views.local_images(article))
        shown[key] = found
        used |= found[1]
    if memo.used is not None and memo.used[0] == used:
        files = memo.used[1]
    else:
        files = {output_file(site_path): images.source_file(site_path)
                 for site_path in sorted(used)}
    if kept is not None:
        kept.images = KeptImages(images.root, images.entries, shown, (used, files))
    return files


def _static_files(user_static: Path) -> dict[PurePosixPath, Path]:
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
    return dict(sorted(files.items()))
