"""Small builders of model records for unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from generator.config import SiteConfig, SiteSection
from generator.model import Article, ProviderRef, RelatedItem


def article(article_id: str, title: str = "A headline", *, day: int = 1, hour: int = 12,
            topics: tuple[str, ...] = ("Science",), domain: str = "example.com",
            related: tuple[RelatedItem, ...] = (), published: bool = True) -> Article:
    return Article(
        id=article_id, source=Path(f"{article_id}.txt"), title=title,
        published_at=datetime(2024, 3, day, hour, tzinfo=UTC),
        url=f"https://{domain}/{article_id}", web_url=f"https://{domain}/{article_id}",
        provider=ProviderRef(domain.split(".")[0].title(), domain), topics=topics,
        related=related, published=published, secured="SECRET-" + article_id,
    )


def related_item(url: str, domain: str = "other.org", title: str = "Other take") -> RelatedItem:
    return RelatedItem(title=title, url=url, provider=ProviderRef(domain.title(), domain),
                       published_at=datetime(2024, 3, 2, tzinfo=UTC))


def config(**build: object) -> SiteConfig:
    base = SiteConfig(path=Path("/site/site.toml"),
                      site=SiteSection(base_url="https://example.org/news/"))
    return replace(base, build=replace(base.build, **build))  # type: ignore[arg-type]
