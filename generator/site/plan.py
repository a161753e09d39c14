"""Plan every output page: its path, template, what it is about (a typed subject) and the
entries it shows. Pure.

Incremental builds, parallel rendering and the preview server all work from this plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import Literal, NamedTuple

from generator.model import Citation, RelatedItem
from generator.site.delta import FEW, replaced_keys
from generator.site.index import Site
from generator.urls import (
    NEWS_SITEMAP,
    NOT_FOUND,
    PROVIDERS_INDEX,
    ROBOTS,
    SEARCH,
    SITEMAP,
    TOPICS_INDEX,
    archive_path,
    feed_paths,
    home_path,
    provider_path,
    sitemap_part,
    topic_path,
)

PageKind = Literal["article", "home", "topic", "topics", "provider", "providers", "not_found",
                   "archive", "feed", "sitemap", "sitemap_index", "news_sitemap", "robots",
                   "search"]
HTML_KINDS = ("article", "home", "topic", "topics", "provider", "providers", "archive")
"""The pages a sitemap lists (every HTML page but the 404 page)."""
NEWS_WINDOW = timedelta(days=2)
NEWS_MAX = 1000
"""Google News sitemaps list the last two days' articles, at most 1,000 per file."""
ListingKind = Literal["home", "topic", "provider"]


@dataclass(frozen=True)
class ArticleRef:
    """What an article page is about."""

    id: str


@dataclass(frozen=True)
class ListingRef:
    """A listing that has feeds: the home page's (no slug), a topic's or a provider's."""

    kind: ListingKind
    slug: str = ""


@dataclass(frozen=True)
class ArchivePeriod:
    """A year, a month of it, or a day of that month: what a date archive lists."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def parts(self) -> tuple[int, ...]:
        """`(2024,)`, `(2024, 3)` or `(2024, 3, 5)`."""
        return tuple(part for part in (self.year, self.month, self.day) if part is not None)

    def path(self, page: int = 1) -> str:
        return archive_path(self.year, self.month, self.day, page=page)


Subject = ArticleRef | ListingRef | ArchivePeriod | None
"""What a page is about; None for the index pages, the 404 page, sitemaps and the like."""


class Entry(NamedTuple):
    """One item of a listing or feed: an article of ours, or (with `cited`) a provider's
    story that this article lists as related coverage. A tuple: a large site plans
    hundreds of thousands of them."""

    article_id: str
    cited: RelatedItem | None = None


@dataclass(frozen=True)
class Page:
    path: str
    kind: PageKind
    template: str
    subject: Subject = None
    entries: tuple[Entry, ...] = ()
    number: int = 1
    count: int = 1
    """This page's number and how many pages its listing has."""
    prev_path: str | None = None
    next_path: str | None = None
    lastmod: datetime | None = None
    """The newest publication time among what the page shows, for sitemaps."""
    urls: tuple[tuple[str, datetime | None], ...] = ()
    """A sitemap's pages (or a sitemap index's sitemaps) with their lastmod."""
    lead: str = ""
    """The front page's lead story (home page 1)."""
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The front page's sections: a leading topic's slug and its newest articles."""


def plan_pages(site: Site, search: bool = False) -> list[Page]:
    """Every page of the site, in a stable order; with `search`, the search page too."""
    size = site.config.build.page_size
    pages: list[Page] = [
        Page(site.article_paths[article_id], "article", "article.html", ArticleRef(article_id),
             lastmod=site.articles[article_id].published_at)
        for article_id in site.newest_first
    ]
    published = {article_id: article.published_at for article_id, article in
                 site.articles.items()}
    paginate = partial(_paginate, published, size)
    home = paginate("home", "home.html", ListingRef("home"), _entries(site.newest_first),
                    home_path)
    lead = lead_story(site)
    if lead:
        home[0] = replace(home[0], lead=lead, sections=front_sections(site, lead))
    pages += home
    for slug, topic in site.topics.items():
        pages += paginate("topic", "topic.html", ListingRef("topic", slug),
                          _entries(topic.article_ids), partial(topic_path, slug))
    for slug, provider in site.providers.items():
        entries = _provider_entries(site, provider.article_ids, provider.citations)
        pages += paginate("provider", "provider.html", ListingRef("provider", slug), entries,
                          partial(provider_path, slug))
    pages += _archives(site, paginate)
    newest = _newest(published, site.newest_first)
    pages.append(Page(TOPICS_INDEX, "topics", "topics.html", lastmod=newest))
    pages.append(Page(PROVIDERS_INDEX, "providers", "providers.html", lastmod=newest))
    pages.append(Page(NOT_FOUND, "not_found", "404.html"))
    if search:
        pages.append(Page(SEARCH, "search", "search.html"))
    pages += _feeds(site)
    pages += _sitemaps(site, pages)
    return pages


class PlanInputs(NamedTuple):
    """Everything `plan_pages` reads of a site (`plan_inputs`)."""

    settings: tuple[object, ...]
    newest_first: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]
    times: tuple[tuple[datetime, int | None], ...]
    """Each article's time and quality, newest first."""
    topics: tuple[object, ...]
    providers: tuple[object, ...]


def plan_inputs(site: Site, search: bool = False,
                before: tuple[Site, PlanInputs] | None = None) -> PlanInputs:
    """Everything `plan_pages` reads of `site`, in a form compared with `==`: equal inputs,
    equal plans. A process that builds again and again (`serve`) plans anew only when
    these changed; an edit to a story's text, image or excerpt leaves them as they were.
    With the inputs of a site `before`, a part read from a mapping (or an article) that
    is the object it was there is that part as it was."""
    config = site.config
    settings = (search, config.build.page_size, config.feeds.entries, config.seo.sitemap_urls,
                str(config.zone))
    if before is None:
        return PlanInputs(settings, site.newest_first, _paths(site), _times(site),
                          _topics(site), _providers(site))
    old_site, old = before
    return PlanInputs(
        settings, site.newest_first,
        old.paths if old_site.article_paths is site.article_paths else _paths(site),
        _times(site, (old_site, old.times) if old_site.newest_first is site.newest_first
               else None),
        old.topics if old_site.topics is site.topics else _topics(site),
        old.providers if old_site.providers is site.providers else _providers(site))


def _paths(site: Site) -> tuple[tuple[str, str], ...]:
    return tuple(site.article_paths.items())


def _times(site: Site, before: tuple[Site, tuple[tuple[datetime, int | None], ...]] | None = None
           ) -> tuple[tuple[datetime, int | None], ...]:
    """Each article's time and quality, newest first; with those of a site `before` that
    lists the same articles in the same order, an article that is the object it was
    there keeps its row."""
    articles = site.articles
    if before is None:
        return tuple((articles[key].published_at, articles[key].quality)
                     for key in site.newest_first)
    old_articles = before[0].articles
    replaced = replaced_keys(old_articles, articles)
    if replaced is not None and len(replaced) <= FEW:
        rows = list(before[1])
        for key in replaced:  # (a search in C: the keys are the objects they were)
            rows[site.newest_first.index(key)] = (articles[key].published_at,
                                                  articles[key].quality)
        return tuple(rows)
    return tuple(row if old_articles[key] is articles[key] else
                 (articles[key].published_at, articles[key].quality)
                 for key, row in zip(site.newest_first, before[1], strict=True))


def _topics(site: Site) -> tuple[object, ...]:
    return tuple((slug, topic.article_ids) for slug, topic in site.topics.items())


def _providers(site: Site) -> tuple[object, ...]:
    return tuple((slug, provider.article_ids, provider.citations)
                 for slug, provider in site.providers.items())


LEAD_WINDOW = timedelta(days=2)
LEAD_HOURLY_PENALTY = 2.0
SECTIONS = 3
SECTION_SIZE = 4
SECTION_WINDOW = timedelta(days=7)


def lead_story(site: Site) -> str:
    """The front page's lead: of the stories from the two days before the newest one, the
    best by quality (0–100, 50 when unknown) less 2 points per hour of age; ties go to the
    newer story, then to the smaller id, so the choice never depends on anything else."""
    if not site.newest_first:
        return ""
    newest = site.articles[site.newest_first[0]].published_at

    def score(article_id: str) -> tuple[float, float, str]:
        article = site.articles[article_id]
        hours = (newest - article.published_at).total_seconds() / 3600
        quality = article.quality if article.quality is not None else 50
        return (-(quality - LEAD_HOURLY_PENALTY * hours), -article.published_at.timestamp(),
                article_id)

    recent = [i for i in site.newest_first
              if site.articles[i].published_at >= newest - LEAD_WINDOW]
    return min(recent, key=score)


def front_sections(site: Site, lead: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The topics with the most stories in the week before the newest one (ties by slug),
    each with its newest stories but the lead."""
    if not site.newest_first:
        return ()
    since = site.articles[site.newest_first[0]].published_at - SECTION_WINDOW

    def recent_count(slug: str) -> int:
        return sum(1 for i in site.topics[slug].article_ids
                   if site.articles[i].published_at >= since)

    leading = sorted(site.topics, key=lambda slug: (-recent_count(slug), slug))[:SECTIONS]
    sections = []
    for slug in leading:
        ids = tuple(i for i in site.topics[slug].article_ids if i != lead)[:SECTION_SIZE]
        if ids and recent_count(slug):
            sections.append((slug, ids))
    return tuple(sections)


def _archives(site: Site, paginate: Callable[..., list[Page]]) -> list[Page]:
    """A listing for every year, month and day that has articles, newest first."""
    periods: dict[tuple[int, ...], list[str]] = {}
    zone = site.config.zone
    for article_id in site.newest_first:
        local = site.articles[article_id].published_at.astimezone(zone)
        stamps: list[tuple[int, ...]] = [(local.year,), (local.year, local.month),
                                         (local.year, local.month, local.day)]
        for stamp in stamps:
            periods.setdefault(stamp, []).append(article_id)
    pages: list[Page] = []
    for stamp in sorted(periods, reverse=True):
        period = ArchivePeriod(*stamp)
        pages += paginate("archive", "archive.html", period, _entries(periods[stamp]),
                          period.path)
    return pages


def _feeds(site: Site) -> list[Page]:
    """Atom and JSON feeds of the newest articles: site-wide, per topic, per provider."""
    count = site.config.feeds.entries
    listings = [(ListingRef("home"), home_path(), site.newest_first)]
    listings += [(ListingRef("topic", slug), topic_path(slug), topic.article_ids)
                 for slug, topic in site.topics.items()]
    listings += [(ListingRef("provider", slug), provider_path(slug), provider.article_ids)
                 for slug, provider in site.providers.items() if provider.article_ids]
    pages = []
    for ref, listing, ids in listings:
        atom, json = feed_paths(listing)
        newest = _entries(ids[:count])
        pages.append(Page(atom, "feed", "feeds/atom.xml", ref, newest))
        pages.append(Page(json, "feed", "feeds/feed.json", ref, newest))
    return pages


def _sitemaps(site: Site, pages: list[Page]) -> list[Page]:
    """`sitemap.xml` (an index of `sitemap-N.xml` files beyond the per-file limit), the
    Google News sitemap and `robots.txt`."""
    urls = tuple((page.path, page.lastmod) for page in pages if page.kind in HTML_KINDS)
    limit = site.config.seo.sitemap_urls
    out: list[Page] = []
    if len(urls) <= limit:
        out.append(Page(SITEMAP, "sitemap", "sitemap.xml", urls=urls))
    else:
        parts = [urls[start:start + limit] for start in range(0, len(urls), limit)]
        for number, part in enumerate(parts, 1):
            out.append(Page(sitemap_part(number), "sitemap", "sitemap.xml", urls=part))
        out.append(Page(SITEMAP, "sitemap_index", "sitemap-index.xml", urls=tuple(
            (sitemap_part(number), max((m for _, m in part if m), default=None))
            for number, part in enumerate(parts, 1))))
    out.append(Page(NEWS_SITEMAP, "news_sitemap", "news-sitemap.xml",
                    entries=_news_articles(site)))
    out.append(Page(ROBOTS, "robots", "robots.txt"))
    return out


def _news_articles(site: Site) -> tuple[Entry, ...]:
    """The articles of the two days before the newest one (Google News' window)."""
    if not site.newest_first:
        return ()
    since = site.articles[site.newest_first[0]].published_at - NEWS_WINDOW
    return _entries([article_id for article_id in site.newest_first
                     if site.articles[article_id].published_at >= since][:NEWS_MAX])


def _newest(published: dict[str, datetime], ids: Iterable[str]) -> datetime | None:
    return max(map(published.__getitem__, ids), default=None)


def _entries(article_ids: Iterable[str]) -> tuple[Entry, ...]:
    """`Entry(id)` for each; made without a Python call per entry, as a large site plans
    hundreds of thousands of them."""
    return tuple(map(tuple.__new__, repeat(Entry), zip(article_ids, repeat(None))))


def _paginate(published: dict[str, datetime], size: int, kind: PageKind, template: str,
              subject: Subject, entries: tuple[Entry, ...], path_of: Callable[[int], str]
              ) -> list[Page]:
    """A listing's pages; each page's lastmod is the newest time among its entries' own
    articles (a citation counts as its citing article's)."""
    count = max(1, -(-len(entries) // size))
    pages = []
    for number in range(1, count + 1):
        shown = entries[(number - 1) * size: number * size]
        pages.append(Page(
            path_of(number), kind, template, subject, shown, number, count,
            prev_path=path_of(number - 1) if number > 1 else None,
            next_path=path_of(number + 1) if number < count else None,
            lastmod=_newest(published, map(itemgetter(0), shown))))
    return pages


def _provider_entries(site: Site, own: tuple[str, ...],
                      citations: tuple[Citation, ...]) -> tuple[Entry, ...]:
    """The provider's own stories and the citations of its stories, newest first."""
    def moment(entry: Entry) -> tuple[float, str]:
        if entry.cited is None:
            return (-site.articles[entry.article_id].published_at.timestamp(), entry.article_id)
        when = entry.cited.published_at or site.articles[entry.article_id].published_at
        return (-when.timestamp(), entry.article_id + " " + entry.cited.url)
    cited = (Entry(citation.article_id, citation.item) for citation in citations)
    return tuple(sorted((*_entries(own), *cited), key=moment))
