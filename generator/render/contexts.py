"""What each kind of page gives its template: one context function per page kind, and the
`<head>` data every HTML page shares. Pure: reads the Site, never changes it.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from generator.content.sanitize import json_document, json_for_script, sanitized_markup
from generator.images.references import ImageCache
from generator.render.dates import archive_title, format_time, iso
from generator.render.feeds import Feeds
from generator.render.jsonld import StructuredData
from generator.render.listings import describe_listing
from generator.render.previews import LinkPreviews, Social
from generator.render.views import Link, ProviderHeader, TopicHeader, Views
from generator.site.index import Site
from generator.site.plan import (
    HTML_KINDS,
    ArchivePeriod,
    ArticleRef,
    ListingRef,
    Page,
    PageKind,
)
from generator.site.reads import ReadLog
from generator.urls import (
    NEWS_SITEMAP,
    NOT_FOUND,
    PROVIDERS_INDEX,
    SEARCH,
    SITEMAP,
    TOPICS_INDEX,
    feed_paths,
    home_path,
    provider_path,
    search_bundle,
    slug_for,
    topic_path,
)

TOPIC_NAV_COUNT = 12
LISTING_KINDS = ("home", "topic", "provider", "archive")
Context = dict[str, Any]
SubjectType = TypeVar("SubjectType", ArticleRef, ListingRef, ArchivePeriod)


class PageContexts:
    """Builds the template context of any page of one site."""

    def __init__(self, site: Site, images: ImageCache, search: bool = False,
                 log: ReadLog | None = None) -> None:
        self.site = site
        self.search = search
        log = log or ReadLog()
        self.views = Views(site, images, log)
        self.previews = LinkPreviews(site, images, log)
        self.feeds = Feeds(site, self.previews)
        self.jsonld = StructuredData(site, self.previews)
        self.common = self._common()
        self._by_kind: dict[PageKind, Callable[[Page], Context]] = {
            "article": self._article, "home": self._home, "topic": self._topic,
            "provider": self._provider, "archive": self._archive, "feed": self._feed,
            "sitemap": self._sitemap, "sitemap_index": self._sitemap,
            "news_sitemap": self._news_sitemap, "robots": self._robots,
            "topics": self._topics, "providers": self._providers,
            "search": self._search,
            "not_found": lambda page: {"title": "Page not found", "not_found_path": NOT_FOUND},
        }

    def context(self, page: Page) -> Context:
        context = {**self.common, "page": page, **self._by_kind[page.kind](page)}
        if page.kind in HTML_KINDS or page.kind in ("not_found", "search"):
            context.update(self._head(page, context))
        return context

    def _common(self) -> Context:
        site = self.site
        by_size = sorted(site.topics.values(), key=lambda t: (-len(t.article_ids), t.slug))
        href = self.views.href
        return {
            "site": site.config.site,
            "href": href,
            "home_href": href(home_path()),
            "topics_href": href(TOPICS_INDEX),
            "providers_href": href(PROVIDERS_INDEX),
            "stylesheet_href": href("/style.css"),
            "favicon_href": href("/favicon.svg"),
            "search_href": href(SEARCH) if self.search else "",
            "search_script_href": href("/search.js"),
            "topic_nav": [Link(t.name, href(topic_path(t.slug)))
                          for t in by_size[:TOPIC_NAV_COUNT]],
        }

    def _head(self, page: Page, context: Context) -> Context:
        """What `<head>` says to search engines, feed readers and link previews."""
        site = self.site
        article = (site.articles[page.subject.id] if isinstance(page.subject, ArticleRef)
                   else None)
        description = ((article.excerpt if article else "")
                       or (describe_listing(site, page.subject).description
                           if page.kind in LISTING_KINDS else "")
                       or site.config.site.description
                       or f"The latest news from {site.config.site.title}.")
        if article is not None:
            jsonld = [self.jsonld.article(article.id), self.jsonld.breadcrumb(article.id)]
        elif page.kind in ("not_found", "search"):
            jsonld = []
        else:
            jsonld = [self.jsonld.collection(page, str(context["title"]))]
        topic = site.first_topic(article) if article is not None else None
        return {
            "canonical": self.previews.canonical(page),
            "description": description,
            "feeds": self.feeds.links(page),
            "jsonld": [json_for_script(block) for block in jsonld],
            "social": Social(
                type="article" if article is not None else "website",
                title=article.title if article is not None else str(context["title"]),
                url=self.views.urls.absolute(page.path),
                image=self.previews.page_image(page),
                published=iso(article.published_at) if article is not None else "",
                section=topic.name if topic is not None else ""),
            "prev_href": context.get("prev_href"),
            "next_href": context.get("next_href"),
        }

    # ---- HTML pages -------------------------------------------------------------------

    def _article(self, page: Page) -> Context:
        views, site = self.views, self.site
        article_id = _subject(page, ArticleRef).id
        article = site.articles[article_id]
        topic = site.first_topic(article)
        return {
            "article": views.card(article_id),
            "images": views.images_of(article),
            "source_url": article.url,
            "body": sanitized_markup(article.body_html),
            "coverage": [views.coverage(link) for link in site.coverage[article_id]],
            "related": [views.card(other) for other in site.related[article_id]],
            "more_heading": (f"More on {topic.name}" if topic is not None
                             else f"More from {article.provider.name}"),
            "title": article.title,
            "related_count": site.config.build.related_count,
            "scheduled": (format_time(site.scheduled[article_id], views.zone)
                          if article_id in site.scheduled else None),
        }

    def _listing(self, page: Page) -> Context:
        """The entries and page links every listing has."""
        views = self.views
        shown = {page.lead, *(i for _, ids in page.sections for i in ids)}  # above Latest
        return {
            "entries": [views.card(e.article_id) if e.cited is None
                        else views.citation(e.article_id, e.cited)
                        for e in page.entries if e.article_id not in shown],
            "prev_href": views.href(page.prev_path) if page.prev_path else None,
            "next_href": views.href(page.next_path) if page.next_path else None,
        }

    def _home(self, page: Page) -> Context:
        views, site = self.views, self.site
        return {
            **self._listing(page),
            "title": site.config.site.title,
            "lead": views.card(page.lead) if page.lead else None,
            "sections": [(Link(site.topics[slug].name, views.href(topic_path(slug))),
                          [views.card(article_id) for article_id in ids])
                         for slug, ids in page.sections],
        }

    def _archive(self, page: Page) -> Context:
        parts = _subject(page, ArchivePeriod).parts
        # Links up from a day to its month and year (the page's own period last).
        trail = [Link(archive_title(parts[:depth]),
                      self.views.href(ArchivePeriod(*parts[:depth]).path()))
                 for depth in range(1, len(parts) + 1)]
        return {**self._listing(page), "title": archive_title(parts), "archive": trail}

    def _topic(self, page: Page) -> Context:
        views = self.views
        topic = self.site.topics[_subject(page, ListingRef).slug]
        header = TopicHeader(topic.name, topic.slug, len(topic.article_ids),
                             views.period(topic.article_ids),
                             views.href(feed_paths(topic_path(topic.slug))[0]))
        return {**self._listing(page), "title": topic.name, "topic": header}

    def _provider(self, page: Page) -> Context:
        views = self.views
        slug = _subject(page, ListingRef).slug
        provider = self.site.providers[slug]
        feed = views.href(feed_paths(provider_path(slug))[0]) if provider.article_ids else ""
        header = ProviderHeader(provider.name, provider.domain, len(provider.article_ids),
                                len(provider.citations), views.period(provider.article_ids),
                                feed)
        return {**self._listing(page), "title": provider.name, "provider": header}

    def _topics(self, page: Page) -> Context:
        # By slug: transliterated, so `Économie` files under E, not after Z.
        topics = sorted(self.site.topics.values(), key=lambda t: (t.slug, t.name))
        return {"title": "Topics", "items": [
            (Link(t.name, self.views.href(topic_path(t.slug))), len(t.article_ids))
            for t in topics]}

    def _providers(self, page: Page) -> Context:
        providers = sorted(self.site.providers.values(),
                           key=lambda p: (slug_for(p.name, p.slug), p.slug))
        return {"title": "Providers", "items": [
            (Link(p.name, self.views.href(provider_path(p.slug))), len(p.article_ids),
             len(p.citations), p.domain) for p in providers]}

    def _search(self, page: Page) -> Context:
        """The months of the search index, newest first, with how many stories each holds,
        and the topic and provider lists, as JSON: each slug (the filter value an article
        page gives the index), name and number of stories. (The page's script makes the
        options once the first results are shown: a thousand options in the page hold those
        back by a tenth of a second.)"""
        site = self.site
        bundles = Counter(search_bundle(site.article_paths[article_id])
                          for article_id in site.newest_first)
        lists = {"topic": _choices((topic.slug, topic.name, len(topic.article_ids))
                                   for topic in site.topics.values()),
                 "provider": _choices((provider.slug, provider.name, len(provider.article_ids))
                                      for provider in site.providers.values())}
        return {"title": "Search", "search_bundles": " ".join(bundles),
                "search_sizes": " ".join(map(str, bundles.values())),
                "search_lists": json_for_script(lists)}

    # ---- files for machines -----------------------------------------------------------

    def _feed(self, page: Page) -> Context:
        if page.template.endswith(".json"):
            return {"document": json_document(self.feeds.json_feed(page))}
        return {"feed": self.feeds.feed(page)}

    def _sitemap(self, page: Page) -> Context:
        return {"urls": [(self.views.urls.absolute(path), iso(lastmod) if lastmod else "")
                         for path, lastmod in page.urls]}

    def _news_sitemap(self, page: Page) -> Context:
        config = self.site.config.site
        return {"publication": config.title,
                "language": config.language.split("-")[0].lower(),
                "entries": self.feeds.entries(page)}

    def _robots(self, page: Page) -> Context:
        return {"sitemaps": [self.views.urls.absolute(SITEMAP),
                             self.views.urls.absolute(NEWS_SITEMAP)]}


def _choices(subjects: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """The (slug, name, count) of each subject that has stories, in the order of a reader's
    alphabet: accents and case aside (`Économie` under E), then as written."""
    return sorted((subject for subject in subjects if subject[2]),
                  key=lambda subject: (_collation_key(subject[1]), subject[1], subject[0]))


def _collation_key(name: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(char)).casefold()


def _subject(page: Page, kind: type[SubjectType]) -> SubjectType:
    """The page's subject, which its kind says is a `kind`."""
    if not isinstance(page.subject, kind):
        raise TypeError(f"{page.path}: a {page.kind} page needs a {kind.__name__} subject")
    return page.subject
