"""Plan every output page: its path, template and the ids of what it shows. Pure.

Incremental builds, parallel rendering and the preview server all work from this plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from generator.model import Citation
from generator.site import Site
from generator.urls import (
    NOT_FOUND,
    PROVIDERS_INDEX,
    TOPICS_INDEX,
    home_path,
    provider_path,
    topic_path,
)

PageKind = Literal["article", "home", "topic", "topics", "provider", "providers", "not_found"]
Entry = str | Citation
"""A listing's entry: an article id, or a provider's story that one of our articles cites."""


@dataclass(frozen=True)
class Page:
    path: str
    kind: PageKind
    template: str
    key: str = ""
    """The article id, topic slug or provider slug the page is about."""
    entries: tuple[Entry, ...] = ()
    number: int = 1
    count: int = 1
    """This page's number and how many pages its listing has."""
    prev_path: str | None = None
    next_path: str | None = None


def plan_pages(site: Site) -> list[Page]:
    """Every page of the site, in a stable order."""
    size = site.config.build.page_size
    pages: list[Page] = [
        Page(site.article_paths[article_id], "article", "article.html", key=article_id)
        for article_id in site.newest_first
    ]
    pages += _paginate("home", "home.html", "", site.newest_first, size, home_path)
    for slug, topic in site.topics.items():
        pages += _paginate("topic", "topic.html", slug, topic.article_ids, size,
                           partial(topic_path, slug))
    for slug, provider in site.providers.items():
        entries = _provider_entries(site, provider.article_ids, provider.citations)
        pages += _paginate("provider", "provider.html", slug, entries, size,
                           partial(provider_path, slug))
    pages.append(Page(TOPICS_INDEX, "topics", "topics.html"))
    pages.append(Page(PROVIDERS_INDEX, "providers", "providers.html"))
    pages.append(Page(NOT_FOUND, "not_found", "404.html"))
    return pages


def _paginate(kind: PageKind, template: str, key: str, entries: tuple[Entry, ...],
              size: int, path_of: Callable[[int], str]) -> list[Page]:
    count = max(1, -(-len(entries) // size))
    return [
        Page(path_of(number), kind, template, key, entries[(number - 1) * size: number * size],
             number, count,
             prev_path=path_of(number - 1) if number > 1 else None,
             next_path=path_of(number + 1) if number < count else None)
        for number in range(1, count + 1)
    ]


def _provider_entries(site: Site, own: tuple[str, ...],
                      citations: tuple[Citation, ...]) -> tuple[Entry, ...]:
    """The provider's own stories and the citations of its stories, newest first."""
    def moment(entry: Entry) -> tuple[float, str]:
        if isinstance(entry, str):
            return (-site.articles[entry].published_at.timestamp(), entry)
        when = entry.item.published_at or site.articles[entry.article_id].published_at
        return (-when.timestamp(), entry.article_id + " " + entry.item.url)
    return tuple(sorted((*own, *citations), key=moment))
