"""The site's index in the form the build cache keeps it, and the Site made again from it
with articles read as pages ask for them. Pure: the caller reads and writes the cache.

A build of a few edited stories that leave the index as it was (`build.patch`) renders
only the pages they reach, which show a few dozen articles: it should read those alone.
So the index keeps what is the articles' own apart: each article's coverage as where
its related items link, made again from the article when a page asks for it, and each
provider's citations pickled on their own, read when a page asks for that provider.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import attrgetter
from typing import NamedTuple

from generator.config import SiteConfig
from generator.model import Article, Citation, Provider, RelatedLink, Topic
from generator.site.index import Site
from generator.site.reads import OnDemand


class ProviderRow(NamedTuple):
    """A provider, its citations pickled."""

    name: str
    domain: str
    article_ids: tuple[str, ...]
    citations: bytes


@dataclass(frozen=True)
class SiteIndex:
    """A Site but for its articles and what ranked its related lists."""

    newest_first: tuple[str, ...]
    article_paths: dict[str, str]
    topics: dict[str, Topic]
    topic_slugs: dict[str, str]
    providers: dict[str, ProviderRow]
    provider_slugs: dict[str, str]
    related: dict[str, tuple[str, ...]]
    links: dict[str, tuple[str | None, ...]]
    """Article id → where each of its related items links (`RelatedLink.article_id`)."""
    scheduled: dict[str, datetime]
    sources: dict[str, str]
    """Article id → its seed file."""

    @classmethod
    def of(cls, site: Site, before: tuple[Site, SiteIndex] | None = None) -> SiteIndex:
        """`site`'s index: the one made `before` of an earlier site when that one had the
        very same index (a process that builds again and again keeps, as the objects they
        were, the parts of its site that no change reached)."""
        sources = dict(zip(site.articles, map(str, map(attrgetter("source"),
                                                       site.articles.values())), strict=True))
        if before is not None and before[1].sources == sources and all(
                getattr(before[0], name) is getattr(site, name) for name in _INDEXED):
            return before[1]
        providers = {slug: ProviderRow(provider.name, provider.domain, provider.article_ids,
                                       pickle.dumps(provider.citations,
                                                    protocol=pickle.HIGHEST_PROTOCOL))
                     for slug, provider in site.providers.items()}
        links = {key: tuple(link.article_id for link in coverage)
                 for key, coverage in site.coverage.items()}
        return cls(site.newest_first, site.article_paths, site.topics, site.topic_slugs,
                   providers, site.provider_slugs, site.related, links, site.scheduled,
                   sources)

    def site(self, config: SiteConfig, articles: OnDemand[str, Article]) -> Site:
        """The Site of these articles (by id, newest first), indexed as this says; its
        providers and coverage lists are made from the articles as they are asked for."""
        providers: OnDemand[str, Provider] = OnDemand(tuple(self.providers), self._provider, {})
        coverage: OnDemand[str, tuple[RelatedLink, ...]] = OnDemand(
            tuple(self.links), partial(self._coverage, articles), {})
        return Site(config, articles, self.newest_first, self.article_paths, self.topics,
                    self.topic_slugs, providers, self.provider_slugs, self.related, coverage,
                    scheduled=self.scheduled)

    def _provider(self, slug: str) -> Provider:
        row = self.providers[slug]
        citations: tuple[Citation, ...] = pickle.loads(row.citations)
        return Provider(slug, row.name, row.domain, row.article_ids, citations)

    def _coverage(self, articles: OnDemand[str, Article], key: str
                  ) -> tuple[RelatedLink, ...]:
        return tuple(RelatedLink(item, target) for item, target in
                     zip(articles[key].related, self.links[key], strict=True))


_INDEXED = ("newest_first", "article_paths", "topics", "topic_slugs", "providers",
            "provider_slugs", "related", "coverage", "scheduled")
"""The Site's mappings that its index holds, in one form or another."""

