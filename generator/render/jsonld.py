"""Structured data for search engines: schema.org NewsArticle, BreadcrumbList and
CollectionPage as JSON-LD objects. Pure; every URL here is absolute.
"""

from __future__ import annotations

from generator.render.dates import iso
from generator.render.previews import LinkPreviews
from generator.site.index import Site
from generator.site.plan import Page
from generator.urls import home_path, topic_path


class StructuredData:
    """JSON-LD objects of one site's pages."""

    def __init__(self, site: Site, previews: LinkPreviews) -> None:
        self.site = site
        self.previews = previews
        self.urls = previews.urls  # one scheme, and one cache of hrefs, per site

    def article(self, article_id: str) -> dict[str, object]:
        """schema.org NewsArticle for the article page."""
        article = self.site.articles[article_id]
        page_url = self.urls.absolute(self.site.article_paths[article_id])
        publisher = {"@type": "Organization", "name": article.provider.name,
                     "url": f"https://{article.provider.domain}/"}
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": iso(article.published_at),
            "dateModified": iso(article.published_at),
            "mainEntityOfPage": {"@type": "WebPage", "@id": page_url},
            "url": page_url,
            "isBasedOn": article.url,
            "publisher": publisher,
            "author": dict(publisher),
        }
        if article.excerpt:
            data["description"] = article.excerpt
        image = self.previews.share_image(article)
        if image is not None:
            data["image"] = {"@type": "ImageObject", "url": image.url,
                             "width": image.width, "height": image.height}
        if article.topics:
            data["about"] = [{"@type": "Thing", "name": topic.name}
                             for topic in self.site.topics_of(article)]
        return data

    def breadcrumb(self, article_id: str) -> dict[str, object]:
        """Home › first topic (if any) › the article."""
        article = self.site.articles[article_id]
        trail = [(self.site.config.site.title, home_path())]
        topic = self.site.first_topic(article)
        if topic is not None:
            trail.append((topic.name, topic_path(topic.slug)))
        trail.append((article.title, self.site.article_paths[article_id]))
        return {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": number, "name": name,
                 "item": self.urls.absolute(path)}
                for number, (name, path) in enumerate(trail, 1)],
        }

    def collection(self, page: Page, name: str) -> dict[str, object]:
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
