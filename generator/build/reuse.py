"""The steps of a build that a process building again and again (`newsgen serve`) takes
from what its last build kept in memory (`KeptState`), redoing only what the change
reaches: the articles combined, the site model, the plan and its pages' names, kinds and
claims, and the images the pages show. Without a kept state, each step is done whole.
Each result is the one the step done whole would give; the preview property test
(`tests/test_incremental.py`) holds them to it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from itertools import compress, count, repeat
from operator import is_
from pathlib import Path, PurePosixPath

from generator.build.cache import (
    KeptImages,
    KeptIndex,
    KeptLoad,
    KeptPlan,
    KeptState,
    PageOutputs,
)
from generator.build.output import OutputTrees
from generator.build.result import Run
from generator.build.workers import related_ranker
from generator.config import SiteConfig
from generator.content.loader import SeedResult, combine_results
from generator.errors import SourceError
from generator.images.references import ImageCache
from generator.model import Article
from generator.render.views import Views
from generator.site.delta import FEW, replaced_keys, replaced_places
from generator.site.index import Site, index_inputs, index_row, index_site, retitled
from generator.site.plan import Page, plan_inputs, plan_pages
from generator.site.related import Ranking
from generator.site.schedule import Schedule
from generator.urls import output_file, output_name


def combined_results(results: list[tuple[Path, SeedResult]], kept: KeptLoad | None
                     ) -> tuple[list[Article], list[SourceError]]:
    """`combine_results(results)`: with what the `kept` load combined last, when a few of
    the results are new objects, each a valid article with the id it had, those articles
    take their places in the last list (and what this gives is kept)."""
    last = kept.combined if kept is not None else None
    places = replaced_places(last[0], results) if last is not None else None
    combined = None
    if last is not None and places is not None and len(places) <= FEW:
        combined = _recombined(last, results, places)
    if combined is None:
        combined = combine_results(results)
    if kept is not None:
        kept.combined = (results, *combined)
    return combined


def _recombined(last: tuple[list[tuple[Path, SeedResult]], list[Article], list[SourceError]],
                results: list[tuple[Path, SeedResult]], places: list[int]
                ) -> tuple[list[Article], list[SourceError]] | None:
    old_results, old_articles, problems = last
    articles = list(old_articles)
    for place in places:
        old, new = old_results[place][1], results[place][1]
        if old.problems or new.problems or old.article is None or new.article is None or \
                old.article.id != new.article.id:
            return None
        # Its place in the list, found by identity in C (a duplicate id is not there).
        at = next(compress(count(), map(is_, old_articles, repeat(old.article))), None)
        if at is None:
            return None
        articles[at] = new.article
    return articles, problems


def site_model(articles: list[Article], config: SiteConfig, run: Run, ranking: Ranking | None,
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
    # Equal inputs hold the same ids in the same places (`places` is never None then):
    # only the articles replaced change.
    if last is not None and places is not None and last.inputs == inputs:
        included = dict(last.site.articles) if places else last.site.articles
        for place in places:
            if articles[place].id in included:
                included[articles[place].id] = articles[place]
        site = replace(last.site, config=config, articles=included)
        related = last.related
        if last.titles != titles:
            site, related = retitled(site, {
                articles[place].id: articles[place].title for place in places
                if articles[place].title != last.titles[place]}, related)
    else:
        site = index_site(articles, config, ranker, ranking, schedule)
    kept.index = KeptIndex(inputs, titles, site, related, articles, rows)
    return site


def planned_pages(site: Site, search: bool, kept: KeptState | None
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


def page_outputs(pages: list[Page], kept: KeptPlan | None) -> PageOutputs:
    """The pages' output files: the `kept` plan's when these are its pages (and kept)."""
    if kept is not None and kept.pages is pages and kept.outputs is not None:
        return kept.outputs
    names = [output_name(page.path) for page in pages]
    outputs = PageOutputs(names, [name for name, page in zip(names, pages, strict=True)
                                  if page.kind == "article"],
                          Counter(page.kind for page in pages))
    if kept is not None and kept.pages is pages:
        kept.outputs = outputs
    return outputs


def claim_pages(trees: OutputTrees, names: list[str], kept: KeptPlan | None) -> list[str]:
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


def used_images(site: Site, images: ImageCache, views: Views, kept: KeptState | None
                ) -> dict[PurePosixPath, Path]:
    """The cached files that some page references, and no others. With `kept`, what each
    article shows is found again only for articles that changed, or all when the image
    cache did (`KeptImages`)."""
    memo = kept.images if kept is not None else None
    if memo is None or memo.root != images.root or memo.entries != images.entries:
        memo = KeptImages(images.root, images.entries)
    replaced = replaced_keys(memo.articles, site.articles) if memo.used is not None else None
    if replaced is not None and memo.used is not None:  # the same articles: some replaced
        shown = dict(memo.shown)
        for key in replaced:
            shown[key] = (site.articles[key], views.local_images(site.articles[key]))
        alike = all(shown[key][1] == memo.shown[key][1] for key in replaced)
    else:
        shown, alike = {}, False
        for key, article in site.articles.items():
            found = memo.shown.get(key)
            if found is None or found[0] is not article:
                found = (article, views.local_images(article))
            shown[key] = found
    used = (memo.used[0] if alike and memo.used is not None
            else set().union(*(found[1] for found in shown.values())))
    if memo.used is not None and memo.used[0] == used:
        files = memo.used[1]
    else:
        files = {output_file(site_path): images.source_file(site_path)
                 for site_path in sorted(used)}
    if kept is not None:
        kept.images = KeptImages(images.root, images.entries, site.articles, shown,
                                 (used, files))
    return files


