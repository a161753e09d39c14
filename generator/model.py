"""The content model: frozen records linked by ids. No I/O, no URLs, no rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Image:
    url: str
    width: int
    height: int
    is_cached: bool


@dataclass(frozen=True)
class ProviderRef:
    """A publisher as a seed names it; `domain` identifies it across seeds."""

    name: str
    domain: str


@dataclass(frozen=True)
class RelatedItem:
    """One piece of coverage from another publisher, listed in a seed's `related`."""

    title: str
    url: str
    provider: ProviderRef
    excerpt: str = ""
    published_at: datetime | None = None
    quality: int | None = None
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class Article:
    id: str
    source: Path
    title: str
    published_at: datetime
    url: str
    """The publisher's page for this story: originalUrl, else webUrl."""
    provider: ProviderRef
    excerpt: str = ""
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    related: tuple[RelatedItem, ...] = ()
    body_html: str = ""
    category: str = ""
    kind: str = "article"
    quality: int | None = None
    heat: int | None = None
    language: str = ""
    """The seed's own language tag, when it differs from the site's (`zh-Hans`)."""
    published: bool = True
    web_url: str = ""
    secured: str = field(default="", repr=False)
    """Opaque: kept in the model, never written to any output."""
    extra: tuple[tuple[str, object], ...] = field(default=(), compare=False, repr=False)
    """Fields the seed format does not know, as (key, value) pairs: kept, unused."""
    slug: str = field(default="", compare=False, repr=False)
    """The title's slug (`urls.slug_for`), worked out once when the seed is parsed and
    cached with it; empty for an article made otherwise."""


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    article_ids: tuple[str, ...]
    """Newest first."""


@dataclass(frozen=True)
class Citation:
    """An article of ours that lists a provider's story as related coverage."""

    article_id: str
    item: RelatedItem


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str
    domain: str
    article_ids: tuple[str, ...]
    """Its own stories among our seeds, newest first."""
    citations: tuple[Citation, ...]
    """Its stories that our articles cite as related coverage, newest first."""


@dataclass(frozen=True)
class RelatedLink:
    """One entry of an article's "related coverage": to our page when we have the story."""

    item: RelatedItem
    article_id: str | None
