"""Shape the Site's records into what templates print: links, times, images. Pure.

Templates never build a URL or format a date themselves; everything they need is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from generator.images.references import ImageCache, ImageRef
from generator.model import Article, Image, RelatedItem, RelatedLink
from generator.render.dates import TimeView, format_time
from generator.site.index import Site
from generator.site.reads import Memo, ReadLog
from generator.urls import UrlScheme, provider_path, topic_path


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    key: str = ""
    """What names the link's subject in the search index: a topic's or provider's slug."""


@dataclass(frozen=True)
class TopicHeader:
    """What a topic page says of its topic (not its member list, which is the page's own)."""

    name: str
    slug: str
    count: int
    period: str
    """`5 March 2024 – 8 August 2024`: the dates of its oldest and newest article."""
    feed_href: str


@dataclass(frozen=True)
class ProviderHeader:
    name: str
    domain: str
    count: int
    citations: int
    period: str
    feed_href: str
    """Its Atom feed; "" when it has no article of its own (only citations)."""


@dataclass(frozen=True)
class ImageView:
    ref: ImageRef
    src: str
    srcset: str
    alt: str
    label: str
    """For a placeholder tile: whose image it stands for."""


@dataclass(frozen=True)
class ArticleCard:
    id: str
    title: str
    href: str
    time: TimeView
    provider: Link
    excerpt: str
    topics: tuple[Link, ...]
    image: ImageView | None
    day_href: str
    """The archive page of the article's day."""
    lang: str = ""
    """A `lang` attribute for the card, when the article's language is not the site's."""


@dataclass(frozen=True)
class CoverageView:
    title: str
    href: str
    internal: bool
    provider: Link
    time: TimeView | None
    excerpt: str
    thumb: ImageView | None = None
    """The item's first image, when it is in the cache (its smallest variant)."""


@dataclass(frozen=True)
class CitationCard:
    title: str
    href: str
    time: TimeView | None
    provider: Link
    excerpt: str
    cited_by: Link


class Views:
    """Builds view records for one site; holds only what every view needs."""

    def __init__(self, site: Site, images: ImageCache, log: ReadLog) -> None:
        self.site = site
        self.images = images
        self.urls = UrlScheme(site.config.site.base_url)
        self.zone = site.config.zone
        # An article's card appears on several listings; it is the same record each time.
        self._cards: Memo[str, ArticleCard] = Memo(log)
        self._topic_links: Memo[str, Link] = Memo(log)

    def href(self, path: str) -> str:
        return self.urls.href(path)

    def provider_link(self, domain: str, name: str) -> Link:
        slug = self.site.provider_slugs[domain]
        return Link(name, self.href(provider_path(slug)), slug)

    def topic_links(self, article: Article) -> tuple[Link, ...]:
        """The links of `site.topics_of(article)`, each made once (with its reads kept)."""
        slugs = dict.fromkeys(self.site.topic_slugs[name] for name in article.topics)
        return tuple(self._topic_links.value(slug, partial(self._topic_link, slug))
                     for slug in slugs)

    def _topic_link(self, slug: str) -> Link:
        topic = self.site.topics[slug]
        return Link(topic.name, self.href(topic_path(topic.slug)), topic.slug)

    def image(self, image: Image, alt: str, provider_name: str) -> ImageView:
        ref = self.images.resolve(image, self.site.config.images.missing)
        src = self.href(ref.src) if ref.kind == "local" else ref.src
        srcset = ", ".join(f"{self.href(path)} {width}w" for path, width in ref.srcset)
        return ImageView(ref, src, srcset, alt, provider_name)

    def card(self, article_id: str) -> ArticleCard:
        return self._cards.value(article_id, lambda: self._make_card(article_id))

    def _make_card(self, article_id: str) -> ArticleCard:
        article = self.site.articles[article_id]
        lead = article.images[0] if article.images else None
        return ArticleCard(
            id=article.id,
            title=article.title,
            href=self.href(self.site.article_paths[article.id]),
            time=format_time(article.published_at, self.zone),
            provider=self.provider_link(article.provider.domain, article.provider.name),
            excerpt=article.excerpt,
            topics=self.topic_links(article),
            image=self.image(lead, article.title, article.provider.name) if lead else None,
            day_href=self.href(self.site.article_paths[article.id].rsplit("/", 2)[0] + "/"),
            lang=(article.language if article.language.lower()
                  != self.site.config.site.language.lower() else ""),
        )

    def images_of(self, article: Article) -> tuple[ImageView, ...]:
        return tuple(self.image(image, article.title, article.provider.name)
                     for image in article.images)

    def coverage(self, link: RelatedLink) -> CoverageView:
        item = link.item
        internal = link.article_id is not None
        href = (self.href(self.site.article_paths[link.article_id]) if link.article_id
                else item.url)
        return CoverageView(
            title=item.title,
            href=href,
            internal=internal,
            provider=self.provider_link(item.provider.domain, item.provider.name),
            time=self._maybe_time(item),
            excerpt=item.excerpt,
            thumb=self.thumbnail(item),
        )

    def thumbnail(self, item: RelatedItem) -> ImageView | None:
        ref = self.images.first_thumbnail(item.images)
        if ref is None:
            return None
        return ImageView(ref, self.href(ref.src), "", "", item.provider.name)

    def local_images(self, article: Article) -> set[str]:
        """The site paths of every cached file the article's page shows."""
        used: set[str] = set()
        policy = self.site.config.images.missing
        for image in article.images:  # each as `image` resolves it, with no view made
            ref = self.images.resolve(image, policy)
            if ref.kind == "local":
                used.add(ref.src)
                used.update(path for path, _ in ref.srcset)
        for item in article.related:
            thumb = self.images.first_thumbnail(item.images)
            if thumb is not None:
                used.add(thumb.src)
        return used

    def citation(self, citing_id: str, item: RelatedItem) -> CitationCard:
        """A provider's story as a listing shows it, with the article of ours that cites it."""
        citing = self.site.articles[citing_id]
        return CitationCard(
            title=item.title,
            href=item.url,
            time=self._maybe_time(item),
            provider=self.provider_link(item.provider.domain, item.provider.name),
            excerpt=item.excerpt,
            cited_by=Link(citing.title, self.href(self.site.article_paths[citing.id])),
        )

    def period(self, article_ids: tuple[str, ...]) -> str:
        """The dates of the oldest and newest of `article_ids` (newest first)."""
        if not article_ids:
            return ""
        newest = format_time(self.site.articles[article_ids[0]].published_at, self.zone)
        oldest = format_time(self.site.articles[article_ids[-1]].published_at, self.zone)
        if newest.date_text == oldest.date_text:
            return newest.date_text
        return f"{oldest.date_text} – {newest.date_text}"

    def _maybe_time(self, item: RelatedItem) -> TimeView | None:
        return format_time(item.published_at, self.zone) if item.published_at else None
