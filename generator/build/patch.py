"""A build that patches the live site: a few edited seeds that leave the site's index as
it was (the same articles in the same places, with the same paths, topics, provider,
related coverage, quality and title words), or edited templates and static files. Only
the pages whose recorded reads reach the edited articles, or that are made from a template
whose fingerprint changed, are rendered, each from its plan as the cache keeps it, reading
from the cache only the articles those pages show; the output's inactive tree is brought
up to date from the live one, made live, and the cache updated row by row. So the work
grows with the change, not with the archive.

Anything else (a seed added, removed or moved in the index, a config key, the image
manifest, a static file added or removed, templates edited with seeds, a month of search
left behind by `serve`) or anything the cache does not hold is left to the whole build
(`build.stages`), which makes the same bytes: this returns None before the output is
touched, or after it has only stopped vouching for the inactive tree.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build.cache import (
    CachedSeed,
    LastBuild,
    PageRecord,
    forget_tree,
)
from generator.build.cache_rows import Patch, StoredBuild, Untrusted, save_patch
from generator.build.copied import COPIED
from generator.build.output import OutputError, OutputTrees
from generator.build.presence import AbsentFiles
from generator.build.records import page_key
from generator.build.result import BuildResult, Look, Run
from generator.build.search import (
    BEHIND,
    SEARCH_FOLDER,
    SearchFailed,
    month_records,
    update_index,
)
from generator.build.seed_patch import (
    changed_reads,
    edited_articles,
    model_after,
    parse_changed,
    seeds_to_look_at,
)
from generator.build.theme_patch import changed_static, only_theme_changed
from generator.config import SiteConfig
from generator.images.references import read_image_cache
from generator.model import Article
from generator.render.renderer import (
    Renderer,
    TemplateFailure,
    check_templates,
    make_environment,
)
from generator.render.template_memo import TemplateMemo
from generator.render.theme import template_dirs
from generator.site.index import Site
from generator.site.plan import Page
from generator.site.plan_rows import page_of
from generator.site.reads import (
    OnDemand,
    lead_image,
    read_digest,
)
from generator.site.saved_index import SiteIndex
from generator.urls import output_name, search_bundle, site_path_of

if TYPE_CHECKING:
    from jinja2 import Environment

def patch_build(config: SiteConfig, run: Run, look: Look, last: LastBuild,
                binary: Path | None, now: datetime) -> BuildResult | None:
    """Build the change as a patch of the live site, or None (nothing built) when it is
    not one: see the module's docstring. `last` is the summary of the last build."""
    if not last.others or (last.schedule is not None and not last.schedule.holds_at(now)):
        return None
    if last.others == look.others:
        patch = _patch
    elif only_theme_changed(look, last):
        patch = _theme_patch
    else:
        return None
    absent_files = AbsentFiles()
    try:
        with StoredBuild.opened(config.build.cache_dir) as stored:
            if stored.meta("reading") != config.reading_fingerprint():
                return None
            return patch(config, run, look, last, binary, stored, absent_files)
    except Untrusted:
        return None
    finally:
        absent_files.stop()


def _patch(config: SiteConfig, run: Run, look: Look, last: LastBuild,
           binary: Path | None, stored: StoredBuild, absent_files: AbsentFiles
           ) -> BuildResult | None:
    """A patch of a few edited seeds."""
    candidates = seeds_to_look_at(look, last, stored)
    if candidates is None:
        return None
    parsed = parse_changed(config, candidates)
    if parsed is None:
        return None
    index = stored.index()
    edited = edited_articles(parsed, candidates, stored, index)
    if edited is None:
        return None
    output = _output(config, stored, absent_files)
    if output is None:
        return None
    leads = any(lead_image(old) != lead_image(new) for old, new in edited.values())
    readers = stored.readers(output.live, list(map(read_digest, changed_reads(edited, leads))))
    model = model_after(stored, index, edited, parsed, leads) if edited else {}
    run.lap("scan")

    env = make_environment(template_dirs(config.build.templates_dir),
                           TemplateMemo.from_bytes(stored.templates()))
    renderer, site = _renderer(config, stored, index,
                               {new.id: new for _, new in edited.values()}, binary, env)
    change = _Change(renderer, site, uuid.uuid4().hex, seeds=parsed, model=model,
                    before=last.fingerprints, fingerprints=last.fingerprints)
    if not change.render(stored, readers):
        return None
    run.lap("render")
    return _apply(config, run, look, last, binary, stored, absent_files, output, change)


def _theme_patch(config: SiteConfig, run: Run, look: Look, last: LastBuild,
                 binary: Path | None, stored: StoredBuild, absent_files: AbsentFiles
                 ) -> BuildResult | None:
    """A patch of edited templates and static files: the pages made from a template whose
    fingerprint changed are rendered (in forked workers when there are many, with every
    article read from the cache first), each static file whose size or mtime changed is
    copied."""
    if len(look.seeds) != stored.seed_count():
        return None
    output = _output(config, stored, absent_files)
    if output is None:
        return None
    memo = TemplateMemo.from_bytes(stored.templates())
    env = make_environment(template_dirs(config.build.templates_dir), memo)
    if check_templates(env):
        return None  # the whole build reports them
    index = stored.index()
    renderer, site = _renderer(config, stored, index, {}, binary, env)
    fingerprints = {template: renderer.fingerprint(template) for template in last.fingerprints}
    pages = stored.made_from(output.live, {template for template, value in fingerprints.items()
                                           if value != last.fingerprints[template]})
    copies = changed_static(config.build.static_dir, stored, output.live)
    if copies is None:
        return None
    from generator.build.workers import MIN_PARALLEL_ITEMS  # (a seed patch needs none)

    if run.jobs > 1 and len(pages) >= MIN_PARALLEL_ITEMS:
        # Rendered in forked workers, which cannot read the cache through this connection;
        # and one pass over the seeds' rows costs less than a query for each.
        assert isinstance(site.articles, OnDemand)
        site.articles.fill(_every_article(stored, index))
    change = _Change(renderer, site, uuid.uuid4().hex, copies=copies,
                     before=last.fingerprints, fingerprints=fingerprints, rekeyed={})
    planned = _planned(change, stored, pages)
    if planned is None:
        return None
    change.in_workers = planned
    change.templates = memo.to_bytes()
    run.lap("scan")
    return _apply(config, run, look, last, binary, stored, absent_files, output, change)


def _every_article(stored: StoredBuild, index: SiteIndex) -> dict[str, Article]:
    """Every article of the index, read from the cache in one pass."""
    results = stored.seed_results()
    found = {}
    for key, source in index.sources.items():
        result = results.get(source)
        if result is None or result.article is None or result.article.id != key:
            raise Untrusted(f"no article {key}")
        found[key] = result.article
    return found


@dataclass(frozen=True)
class _Output:
    trees: OutputTrees
    live: str
    """The live tree's name."""
    mine: bool
    """Whether the cache vouches for the inactive tree's files."""
    paths: list[str]
    """The live tree's files."""


def _output(config: SiteConfig, stored: StoredBuild, absent_files: AbsentFiles
            ) -> _Output | None:
    """The output's trees, when the cache vouches for the live one and its snapshot is of
    it; when it vouches for the inactive one too, its files are looked for (`absent_files`)
    while the pages to render are found and rendered."""
    output_dir = config.build.output_dir
    try:
        trees = OutputTrees(output_dir)
    except OutputError:
        return None
    vouched, live = stored.vouched(str(output_dir)), trees.live_name
    if live not in vouched or stored.meta("model_tree") != live or \
            BEHIND in stored.records(live, SEARCH_FOLDER + "/").values():
        return None  # (a month of search left behind: the whole build indexes it)
    mine, paths = trees.name in vouched, stored.paths(live)
    if mine:
        absent_files.look_for(str(trees.root), paths)
    return _Output(trees, live, mine, paths)


@dataclass
class _Change:
    """What a patch makes of the live tree: pages rendered, files copied, and what the
    cache then holds."""

    renderer: Renderer
    site: Site
    made: str
    """What the records of this build's renders say made them."""
    rendered: dict[str, tuple[PageRecord, bytes]] = field(default_factory=dict)
    copies: dict[str, tuple[Path, PageRecord]] = field(default_factory=dict)
    """Files copied again: output file → its source and its new record."""
    seeds: dict[str, CachedSeed] = field(default_factory=dict)
    model: dict[str, dict[str, object]] = field(default_factory=dict)
    before: dict[str, str] = field(default_factory=dict)
    """Each template a page is made from → its fingerprint before the change."""
    fingerprints: dict[str, str] = field(default_factory=dict)
    """The same, with the change."""
    rekeyed: dict[str, str] | None = None
    """A page's new key → its key before, for each page rendered from a template whose
    fingerprint changed; None when none may have."""
    in_workers: list[tuple[str, Page, str]] = field(default_factory=list)
    """Pages rendered straight into the tree (`build.workers`), as `_planned` gives them."""
    templates: bytes | None = None
    """The compiled templates, when they changed."""

    def render(self, stored: StoredBuild, pages: dict[str, str]) -> bool:
        """Render each page (output file → key) from its stored plan (see `_planned`);
        False when that is left to the whole build."""
        planned = _planned(self, stored, pages)
        rendered = _render(self.renderer, planned, self.made) if planned is not None else None
        if rendered is not None:
            self.rendered.update(rendered)
        return rendered is not None


def _apply(config: SiteConfig, run: Run, look: Look, last: LastBuild, binary: Path | None,
           stored: StoredBuild, absent_files: AbsentFiles, output: _Output,
           change: _Change) -> BuildResult | None:
    """Bring the inactive tree up to date from the live one with the `change`, make it
    live and save the cache; None when that is left to the whole build."""
    trees, live, mine, paths = output.trees, output.live, output.mine, output.paths
    rendered = change.rendered
    absent = absent_files.found()  # before the tree changes
    differing = stored.differing(live, trees.name) if mine else None
    forget_tree(config.build.cache_dir, trees.name)  # until it is whole again
    try:
        trees.start(trusted=mine)
        if not mine and not trees.clone_live():
            return None
        trees.remove(sorted(name for name in (differing[1] if differing else [])
                            if not name.startswith(SEARCH_FOLDER + "/")))
        written = {*rendered, *change.copies, *(name for name, _, _ in change.in_workers)}
        missing = stored.keys(live, _keep_or_link(trees, paths, set(
            differing[0] if differing else ()), written, absent))
        if any(key.startswith(COPIED) for key in missing.values()):
            return None  # a copied file deleted by hand: the whole build copies it again
        if not change.render(stored, missing):
            return None
        for name, (_, data) in rendered.items():
            trees.write(trees.claim(name) if not trees.has(name) else
                        os.path.join(trees.root, name), data)
        for name, (source, _) in change.copies.items():
            trees.copy(trees.claim(name), source)
        changed = {name: record for name, (record, _) in rendered.items()}
        changed.update((name, record) for name, (_, record) in change.copies.items())
        if change.in_workers:
            from generator.build.workers import render_in_workers

            outcome = render_in_workers(
                change.renderer, [page for _, page, _ in change.in_workers],
                [name for name, _, _ in change.in_workers],
                [key for _, _, key in change.in_workers],
                [trees.claim(name) for name, _, _ in change.in_workers],
                trees, {}, None, run.jobs, run.report)
            if outcome.error is not None:
                return None  # the whole build reports it
            changed.update(outcome.records)
            run.lap("render")
        if binary is not None:
            changed.update(_update_search(binary, trees, stored, change.site.article_paths,
                                          changed, mine, run.jobs))
        trees.commit()
    except (OutputError, OSError, SearchFailed):
        return None  # the whole build says what went wrong
    run.lap("flip")
    summary = replace(last, inputs=look.fingerprint, others=look.others,
                      seed_chunks=look.chunks, settings=look.settings,
                      static_lines=look.static_lines, fingerprints=change.fingerprints)
    save_patch(config.build.cache_dir, Patch(change.seeds, trees.name, live, differing,
                                             changed, change.model, change.rekeyed or {},
                                             change.templates), summary)
    run.lap("save cache")
    if finished := trees.finish():
        run.lap(finished)
    pages = sum(last.counts.values())
    done = len(rendered) + len(change.in_workers)
    result = BuildResult(pages=Counter(last.counts), warnings=last.warnings,
                         rendered=done, unchanged=pages - done, schedule=last.schedule)
    result.phases = run.lap.phases
    result.seconds = time.perf_counter() - run.lap.started
    return result


def _renderer(config: SiteConfig, stored: StoredBuild, index: SiteIndex,
              made: dict[str, Article], binary: Path | None, env: Environment
              ) -> tuple[Renderer, Site]:
    """A renderer of the site the index describes, with these articles (`made`: the edited
    ones) and the others read from the cache as pages ask for them."""
    articles = OnDemand(index.newest_first, partial(_article, stored, index), made,
                        stored.lead_images)
    images, _ = read_image_cache(config.images.cache_dir)
    site = index.site(config, articles)
    return Renderer(site, images, env, search=binary is not None), site


def _article(stored: StoredBuild, index: SiteIndex, key: str) -> Article:
    article = stored.seed_result(index.sources[key]).article
    if article is None or article.id != key:
        raise Untrusted(f"no article {key}")
    return article


def _planned(change: _Change, stored: StoredBuild, pages: dict[str, str]
             ) -> list[tuple[str, Page, str]] | None:
    """Each page (output file → key), its plan as the cache keeps it and its key now;
    None when a plan does not give the page's key with the fingerprint its template had
    (`change.before`). A page whose template's fingerprint changed gets a new key, noted
    in `change.rekeyed`; with None there, None is returned."""
    renderer, site, before, rekeyed = change.renderer, change.site, change.before, change.rekeyed
    plans = stored.plans(set(pages.values()))
    planned = []
    for name, key in sorted(pages.items()):
        try:
            page = page_of(plans[key], site.article_paths, site.articles.__getitem__)
        except (KeyError, IndexError, ValueError, TypeError):
            raise Untrusted(f"the plan of {name} does not fit the site") from None
        then, now = before.get(page.template), renderer.fingerprint(page.template)
        if output_name(page.path) != name or then is None or page_key(then, page) != key:
            return None
        new_key = key
        if now != then:
            if rekeyed is None:
                return None
            new_key = page_key(now, page)
            rekeyed[new_key] = key
        planned.append((name, page, new_key))
    return planned


def _render(renderer: Renderer, planned: list[tuple[str, Page, str]], made: str
            ) -> dict[str, tuple[PageRecord, bytes]] | None:
    """Each page rendered, with its record; None when a template fails (the whole build
    reports it)."""
    done = {}
    for name, page, key in planned:
        try:
            data, reads = renderer.render_recorded(page)
        except TemplateFailure:
            return None
        indexed = ""
        if renderer.search and page.kind == "article":
            from generator.build.search_part import indexed_digest  # only with search

            indexed = indexed_digest(data)
        done[name] = (PageRecord(key, reads, made, indexed), data)
    return done


def _keep_or_link(trees: OutputTrees, paths: list[str], differing: set[str],
                  written: set[str], absent: set[str] | None) -> list[str]:
    """Make the tree hold each file of the live one (`paths`) but those written anew: kept
    when it is not `differing` and there (not `absent`, when the tree was looked at
    before), else linked from the live tree. Those in neither (deleted by hand) are
    returned."""
    missing = []
    root = str(trees.root) + os.sep
    exists, folder = os.access, SEARCH_FOLDER + "/"
    for name in paths:
        if name in written or name.startswith(folder):
            continue
        if name not in differing and (name not in absent if absent is not None
                                      else exists(root + name, os.F_OK)):
            continue
        if not trees.link_live(trees.claim(name)):
            missing.append(name)
    return missing


def _update_search(binary: Path, trees: OutputTrees, stored: StoredBuild,
                   article_paths: dict[str, str], changed: dict[str, PageRecord], mine: bool,
                   jobs: int) -> dict[str, PageRecord]:
    """Index again the months whose article pages (`article_paths`: each article's page)
    changed what the indexer reads; the records of every month's bundle."""
    live = stored.records(trees.live_name, SEARCH_FOLDER + "/")
    bundles = dict(live)
    articles = set(article_paths.values())
    months = {search_bundle(path) for name in changed
              if (path := site_path_of(name, articles)) is not None}
    if months:
        in_months = [output_name(path) for path in article_paths.values()
                     if search_bundle(path) in months]
        records = {**stored.records(trees.live_name, paths=in_months), **changed}
        bundles.update(month_records(binary, in_months, records))
    update_index(binary, trees, bundles,
                 stored.records(trees.name, SEARCH_FOLDER + "/") if mine else live, live, jobs)
    return bundles
