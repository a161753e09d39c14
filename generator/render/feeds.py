"""The site's feeds: Atom and JSON Feed documents of a listing, their entries, and the feed
links a page's `<head>` carries. Pure; every URL here is absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from generator.model import Article
from generator.render.dates import iso
from generator.render.listings import describe_listing
from generator.render.previews import LinkPreviews, ShareImage
from generator.site.index import Site
from generator.site.plan import ListingRef, Page
from generator.urls import feed_paths, home_path

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedLink:
    title: str
    type: str
    href: str


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    url: str
    published: str
    updated: str
    summary: str
    author: str
    author_url: str
    categories: tuple[str, ...]
    image: ShareImage | None


@dataclass(frozen=True)
class FeedView:
    title: str
    description: str
    id: str
    self_url: str
    json_url: str
    atom_url: str
    home_url: str
    updated: str
    language: str
    entries: tuple[FeedEntry, ...]


class Feeds:
    """Feed documents and entries of one site."""

    def __init__(self, site: Site, previews: LinkPreviews) -> None:
        self.site = site
        self.previews = previews
        self.urls = previews.urls  # one scheme, and one cache of hrefs, per site
        self.host = urlsplit(site.config.site.base_url).hostname or "localhost"

    def entry_id(self, article: Article) -> str:
        """A tag URI (RFC 4151) from the seed id: stable when the title or path changes."""
        specific = quote(article.id, safe="-._~")  # file names may hold spaces or `%`
        return f"tag:{self.host},{article.published_at.astimezone(UTC):%Y-%m-%d}:{specific}"

    def entry(self, article: Article) -> FeedEntry:
        return FeedEntry(
            id=self.entry_id(article),
            title=article.title,
            url=self.urls.absolute(self.site.article_paths[article.id]),
            published=iso(article.published_at),
            updated=iso(article.published_at),
            summary=article.excerpt,
            author=article.provider.name,
            author_url=f"https://{article.provider.domain}/",
            categories=tuple(topic.name for topic in self.site.topics_of(article)),
            image=self.previews.share_image(article),
        )

    def entries(self, page: Page) -> list[FeedEntry]:
        return [self.entry(self.site.articles[entry.article_id]) for entry in page.entries]

    def feed(self, page: Page) -> FeedView:
        listing = describe_listing(self.site, page.subject)
        title = self.site.config.site.title
        atom, json = feed_paths(listing.path)
        newest = max((self.site.articles[entry.article_id].published_at
                      for entry in page.entries), default=EPOCH)
        return FeedView(
            title=title if listing.path == home_path() else f"{listing.name} · {title}",
            description=listing.description,
            id=self.urls.absolute(atom),
            self_url=self.urls.absolute(page.path),
            json_url=self.urls.absolute(json),
            atom_url=self.urls.absolute(atom),
            home_url=self.urls.absolute(listing.path),
            updated=iso(newest),
            language=self.site.config.site.language,
            entries=tuple(self.entries(page)),
        )

    def json_feed(self, page: Page) -> dict[str, object]:
        """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
        feed = self.feed(page)
        document: dict[str, object] = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed.title,
            "home_page_url": feed.home_url,
            "feed_url": feed.self_url,
            "language": feed.language,
            "items": [_json_item(entry) for entry in feed.entries],
        }
        if feed.description:
            document["description"] = feed.description
        return document

    def links(self, page: Page) -> tuple[FeedLink, ...]:
        """The feeds a page links with `<link rel="alternate">`: the site's, and its
        listing's own where it has one."""
        title = self.site.config.site.title
        links = []
        if self._has_own_feed(page):
            listing = describe_listing(self.site, page.subject)
            atom, json = feed_paths(listing.path)
            links += [FeedLink(f"{listing.name} · {title} (Atom)", "application/atom+xml",
                               self.urls.href(atom)),
                      FeedLink(f"{listing.name} · {title} (JSON Feed)", "application/feed+json",
                               self.urls.href(json))]
        atom, json = feed_paths(home_path())
        links += [FeedLink(f"{title} (Atom)", "application/atom+xml", self.urls.href(atom)),
                  FeedLink(f"{title} (JSON Feed)", "application/feed+json", self.urls.href(json))]
        return tuple(links)

    def _has_own_feed(self, page: Page) -> bool:
        """Topic pages have feeds; provider pages too, when the provider has stories of its
        own (not only stories our articles cite)."""
        subject = page.subject
        if not isinstance(subject, ListingRef) or page.kind not in ("topic", "provider"):
            return False
        return subject.kind == "topic" or bool(self.site.providers[subject.slug].article_ids)


def _json_item(entry: FeedEntry) -> dict[str, object]:
    item: dict[str, object] = {
        "id": entry.id, "url": entry.url, "title": entry.title,
        "date_published": entry.published, "date_modified": entry.updated,
        "authors": [{"name": entry.author, "url": entry.author_url}],
    }
    item["content_text"] = entry.summary or entry.title
    if entry.summary:
        item["summary"] = entry.summary
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.image is not None:
        item["image"] = entry.image.url
    return item
