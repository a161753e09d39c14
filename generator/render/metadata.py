"""What machines read about the site: feeds, structured data, Open Graph and sitemap data.
Pure; every URL here is absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from generator.images.references import ImageCache
from generator.model import Article
from generator.site.index import Site
from generator.site.plan import Page
from generator.urls import UrlScheme, archive_path, feed_paths, home_path, provider_path, topic_path

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ShareImage:
    url: str
    width: int
    height: int
    type: str


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


@dataclass(frozen=True)
class Listing:
    """What a listing page is about: its name, and the path of its first page."""

    name: str
    path: str
    description: str


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, as Atom, JSON Feed and sitemaps want."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Metadata:
    """Builds the machine-readable views of one site."""

    def __init__(self, site: Site, images: ImageCache) -> None:
        self.site = site
        self.images = images
        self.urls = UrlScheme(site.config.site.base_url)
        self.host = urlsplit(site.config.site.base_url).hostname or "localhost"

    # ---- shared pieces --------------------------------------------------------------

    def share_image(self, article: Article) -> ShareImage | None:
        """The lead image as others should fetch it: our copy when cached; the publisher's
        only where pages show it too (`[images] missing = "remote"`), else none."""
        if not article.images:
            return None
        image = article.images[0]
        ref = self.images.resolve(image, self.site.config.images.missing)
        if ref.kind == "placeholder":
            return None
        url = self.urls.absolute(ref.src) if ref.kind == "local" else ref.src
        kind = {"png": "image/png", "webp": "image/webp", "gif": "image/gif",
                "avif": "image/avif"}.get(url.rsplit(".", 1)[-1].lower(), "image/jpeg")
        return ShareImage(url, ref.width, ref.height, kind)

    def page_image(self, page: Page) -> ShareImage | None:
        """A link preview's image: the article's lead image, or on a listing the lead image
        of its newest article that has one (the site's newest for the index pages)."""
        if page.kind == "article":
            return self.share_image(self.site.articles[page.key])
        ids = [e if isinstance(e, str) else e.article_id for e in page.entries] \
            or list(self.site.newest_first)
        for article_id in ids:
            image = self.share_image(self.site.articles[article_id])
            if image is not None:
                return image
        return None

    def canonical(self, page: Page) -> str:
        if page.kind == "article" and self.site.config.seo.canonical == "original":
            return self.site.articles[page.key].url
        return self.urls.absolute(page.path)

    def entry_id(self, article: Article) -> str:
        """A tag URI (RFC 4151) from the seed id: stable when the title or path changes."""
        specific = quote(article.id, safe="-._~")  # file names may hold spaces or `%`
        return f"tag:{self.host},{article.published_at.astimezone(UTC):%Y-%m-%d}:{specific}"

    def topic_names(self, article: Article) -> tuple[str, ...]:
        """The article's topics, once each (`AI` and `ai` are one topic)."""
        slugs = dict.fromkeys(self.site.topic_slugs[name] for name in article.topics)
        return tuple(self.site.topics[slug].name for slug in slugs)

    def listing(self, page: Page) -> Listing:
        """The name and first-page path of the listing `page` is (part of)."""
        site, config = self.site, self.site.config.site
        if page.kind == "topic" or page.key.startswith("topic:"):
            slug = page.key.removeprefix("topic:")
            return Listing(site.topics[slug].name, topic_path(slug),
                           f"{site.topics[slug].name} news from {config.title}")
        if page.kind == "provider" or page.key.startswith("provider:"):
            slug = page.key.removeprefix("provider:")
            name = site.providers[slug].name
            return Listing(name, provider_path(slug), f"Stories from {name} on {config.title}")
        if page.kind == "archive":
            parts = [int(part) for part in page.key.split("-")]
            return Listing(archive_title(parts), archive_path(*parts), "")
        return Listing(config.title, home_path(), config.description)

    def feed_links(self, page: Page) -> tuple[FeedLink, ...]:
        """The feeds a page links with `<link rel="alternate">`: the site's, and its
        listing's own where it has one."""
        title = self.site.config.site.title
        links = []
        has_feed = page.kind == "topic" or (
            page.kind == "provider" and bool(self.site.providers[page.key].article_ids))
        if has_feed:
            listing = self.listing(page)
            atom, json = feed_paths(listing.path)
            links += [FeedLink(f"{listing.name} · {title} (Atom)", "application/atom+xml",
                               self.urls.href(atom)),
                      FeedLink(f"{listing.name} · {title} (JSON Feed)", "application/feed+json",
                               self.urls.href(json))]
        atom, json = feed_paths(home_path())
        links += [FeedLink(f"{title} (Atom)", "application/atom+xml", self.urls.href(atom)),
                  FeedLink(f"{title} (JSON Feed)", "application/feed+json", self.urls.href(json))]
        return tuple(links)

    # ---- feeds ----------------------------------------------------------------------

    def feed(self, page: Page) -> FeedView:
        listing = self.listing(page)
        title = self.site.config.site.title
        atom, json = feed_paths(listing.path)
        entries = tuple(self.feed_entry(self.site.articles[str(entry)])
                        for entry in page.entries)
        newest = max((self.site.articles[str(e)].published_at for e in page.entries),
                     default=EPOCH)
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
            entries=entries,
        )

    def feed_entry(self, article: Article) -> FeedEntry:
        site = self.site
        return FeedEntry(
            id=self.entry_id(article),
            title=article.title,
            url=self.urls.absolute(site.article_paths[article.id]),
            published=iso(article.published_at),
            updated=iso(article.published_at),
            summary=article.excerpt,
            author=article.provider.name,
            author_url=f"https://{article.provider.domain}/",
            categories=self.topic_names(article),
            image=self.share_image(article),
        )

    def json_feed(self, page: Page) -> dict[str, object]:
        """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
        feed = self.feed(page)
        items = []
        for entry in feed.entries:
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
            items.append(item)
        document: dict[str, object] = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed.title,
            "home_page_url": feed.home_url,
            "feed_url": feed.self_url,
            "language": feed.language,
            "items": items,
        }
        if feed.description:
            document["description"] = feed.description
        return document

    # ---- structured data ------------------------------------------------------------

    def article_jsonld(self, article_id: str) -> dict[str, object]:
        """schema.org NewsArticle for the article page."""
        article = self.site.articles[article_id]
        page_url = self.urls.absolute(self.site.article_paths[article_id])
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": iso(article.published_at),
            "dateModified": iso(article.published_at),
            "mainEntityOfPage": {"@type": "WebPage", "@id": page_url},
            "url": page_url,
            "isBasedOn": article.url,
            "publisher": {"@type": "Organization", "name": article.provider.name,
                          "url": f"https://{article.provider.domain}/"},
            "author": {"@type": "Organization", "name": article.provider.name,
                       "url": f"https://{article.provider.domain}/"},
        }
        if article.excerpt:
            data["description"] = article.excerpt
        image = self.share_image(article)
        if image is not None:
            data["image"] = {"@type": "ImageObject", "url": image.url,
                             "width": image.width, "height": image.height}
        if article.topics:
            data["about"] = [{"@type": "Thing", "name": name}
                             for name in self.topic_names(article)]
        return data

    def breadcrumb_jsonld(self, article_id: str) -> dict[str, object]:
        """Home › first topic (if any) › the article."""
        article = self.site.articles[article_id]
        trail = [(self.site.config.site.title, home_path())]
        if article.topics:
            slug = self.site.topic_slugs[article.topics[0]]
            trail.append((self.site.topics[slug].name, topic_path(slug)))
        trail.append((article.title, self.site.article_paths[article_id]))
        return {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": number, "name": name,
                 "item": self.urls.absolute(path)}
                for number, (name, path) in enumerate(trail, 1)],
        }

    def collection_jsonld(self, page: Page, name: str) -> dict[str, object]:
        """schema.org CollectionPage for a listing or an index page."""
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "CollectionPage",
            "name": name,
            "url": self.urls.absolute(page.path),
            "isPartOf": {"@type": "WebSite", "name": self.site.config.site.title,
                         "url": self.urls.absolute(home_path())},
        }
        if page.lastmod is not None:
            data["dateModified"] = iso(page.lastmod)
        return data


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
"""Fixed English names, so output never depends on the machine's locale."""


def archive_title(parts: list[int]) -> str:
    """`2024`, `March 2024`, `5 March 2024`."""
    if len(parts) == 1:
        return f"{parts[0]}"
    month = MONTHS[parts[1] - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{parts[2]} {month} {parts[0]}"
