"""What link previews and search engines are told a page is: its share image, canonical URL
and Open Graph card. Pure; every URL here is absolute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator.images.references import ImageCache
from generator.model import Article
from generator.site.index import Site
from generator.site.plan import ArticleRef, Page
from generator.site.reads import (
    LEAD_IMAGES,
    SEPARATOR,
    WHOLE,
    Memo,
    ReadLog,
    lead_image,
    unrecorded_lead_images,
)
from generator.urls import UrlScheme

_SITE_IMAGE_READS = 64
"""How many articles the site's image is looked for in one by one (see `_site_image`)."""
_IMAGE_TYPES = {"png": "image/png", "webp": "image/webp", "gif": "image/gif",
                "avif": "image/avif"}


@dataclass(frozen=True)
class ShareImage:
    url: str
    width: int
    height: int
    type: str


@dataclass(frozen=True)
class Social:
    """Open Graph and Twitter card data of a page."""

    type: str
    title: str
    url: str
    image: ShareImage | None
    published: str
    section: str


class LinkPreviews:
    """Share images and canonical URLs of one site's pages."""

    def __init__(self, site: Site, images: ImageCache, log: ReadLog | None = None) -> None:
        self.site = site
        self.images = images
        self.urls = UrlScheme(site.config.site.base_url)
        self.log = log = log or ReadLog()
        # The site's newest image, which every page without entries of its own shows: found
        # once per build, since finding it may go through every article.
        self._newest: Memo[str, ShareImage | None] = Memo(log)
        self._shares: Memo[str, ShareImage | None] = Memo(log)

    def share_image(self, article: Article) -> ShareImage | None:
        """The lead image as others should fetch it: our copy when cached; the publisher's
        only where pages show it too (`[images] missing = "remote"`), else none."""
        if not article.images:
            return None
        return self._shares.value(article.id, lambda: self._share_image(article))

    def _share_image(self, article: Article) -> ShareImage | None:
        ref = self.images.resolve(article.images[0], self.site.config.images.missing)
        if ref.kind == "placeholder":
            return None
        url = self.urls.absolute(ref.src) if ref.kind == "local" else ref.src
        kind = _IMAGE_TYPES.get(url.rsplit(".", 1)[-1].lower(), "image/jpeg")
        return ShareImage(url, ref.width, ref.height, kind)

    def page_image(self, page: Page) -> ShareImage | None:
        """A link preview's image: the article's lead image, or on a listing the lead image
        of its newest article that has one (the site's newest for the index pages)."""
        if isinstance(page.subject, ArticleRef):
            return self.share_image(self.site.articles[page.subject.id])
        if not page.entries:
            return self._newest.value("", self._site_image)
        return self._first_image(entry.article_id for entry in page.entries)

    def _site_image(self) -> ShareImage | None:
        """The newest article's share image, of those that have one. The first articles
        looked at are read one by one, so that an edit to an older story leaves the pages
        showing it as they were. Finding it may go through every article (a site whose
        images are not cached has none): past `_SITE_IMAGE_READS` it reads the articles'
        lead images and the cached images as two wholes, since a page showing it depends on
        each of them either way, and 100,000 reads of one page would cost more to record and
        test than the page costs to render."""
        entries = self.images.entries
        remote = self.site.config.images.missing == "remote"
        for seen, article_id in enumerate(self.site.newest_first):
            if seen == _SITE_IMAGE_READS:
                break
            article = self.site.articles[article_id]
            if (url := lead_image(article)) is not None and (remote or url in entries):
                return self.share_image(article)
        else:
            return None
        self.log.record(LEAD_IMAGES + SEPARATOR + WHOLE)
        cached = entries.keys()
        for article_id, url in unrecorded_lead_images(self.site.articles):  # newest first
            if url is not None and (remote or url in cached):
                return self.share_image(self.site.articles[article_id])
        return None

    def _first_image(self, ids: Iterable[str]) -> ShareImage | None:
        for article_id in ids:
            image = self.share_image(self.site.articles[article_id])
            if image is not None:
                return image
        return None

    def canonical(self, page: Page) -> str:
        if isinstance(page.subject, ArticleRef) and self.site.config.seo.canonical == "original":
            return self.site.articles[page.subject.id].url
        return self.urls.absolute(page.path)
