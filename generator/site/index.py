"""Index the whole site: topics, providers, related lists and every article's path, decided once.

Pure: builds the Site from loaded articles and the config; no I/O.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from operator import attrgetter

from generator.config import SiteConfig
from generator.model import Article, Citation, Provider, RelatedLink, Topic
from generator.site.related import (
    Candidate,
    Ranking,
    RelatedIndex,
    rank_related,
    stale_ids,
    title_reach,
    title_words,
)
from generator.site.schedule import Schedule
from generator.urls import article_path, collision_key, id_suffix, slug_for, unique_slug


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    articles: dict[str, Article]
    """By id, newest first (the order of `newest_first`)."""
    newest_first: tuple[str, ...]
    article_paths: dict[str, str]
    topics: dict[str, Topic]
    """By slug, in slug order."""
    topic_slugs: dict[str, str]
    """Topic name as written in a seed → slug."""
    providers: dict[str, Provider]
    """By slug, in slug order."""
    provider_slugs: dict[str, str]
    """Provider domain → slug."""
    related: dict[str, tuple[str, ...]]
    """Article id → ids of internal related articles, best first."""
    coverage: dict[str, tuple[RelatedLink, ...]]
    """Article id → its `related` items, each linked to our page when we have the story."""
    ranked_as: dict[str, Candidate] = field(default_factory=dict)
    """Article id → what its related list was ranked from (the build cache keeps it)."""
    scheduled: dict[str, datetime] = field(default_factory=dict)
    """Article id → when it is due, for each story built before its time (`[build] future`
    or `serve --future`); its page says so."""

    def topics_of(self, article: Article) -> tuple[Topic, ...]:
        """The article's topics in its own order, once each (`AI` and `ai` are one topic)."""
        slugs = dict.fromkeys(self.topic_slugs[name] for name in article.topics)
        return tuple(self.topics[slug] for slug in slugs)

    def first_topic(self, article: Article) -> Topic | None:
        """The topic the article names first: its section, in breadcrumbs and headings."""
        return self.topics[self.topic_slugs[article.topics[0]]] if article.topics else None


def newest_first_key(article: Article) -> tuple[float, str]:
    return (-article.published_at.timestamp(), article.id)


Ranker = Callable[[Sequence[Candidate], int, Collection[str] | None],
                  dict[str, tuple[str, ...]]]


def included_articles(articles: Iterable[Article], config: SiteConfig) -> list[Article]:
    """The articles the config includes, scheduled ones aside (`published: false` ones
    only with `[build] include_unpublished`)."""
    return [a for a in articles if a.published or config.build.include_unpublished]


def index_site(articles: Iterable[Article], config: SiteConfig,
               ranker: Ranker = rank_related, previous: Ranking | None = None,
               schedule: Schedule | None = None) -> Site:
    """The whole-site model of the articles that the config includes; `ranker` ranks the
    related articles (the build passes one that runs in parallel). With the `previous`
    build's ranking, only the articles a change reaches are ranked again. The stories the
    `schedule` has not yet due are left out, or with `[build] future` marked."""
    scheduled = schedule.scheduled if schedule is not None else {}
    included = [a for a in included_articles(articles, config)
                if config.build.future or a.id not in scheduled]
    ordered = sorted(included, key=newest_first_key)
    by_id = {article.id: article for article in ordered}
    topic_slugs, topics = _index_topics(ordered)
    provider_slugs, providers = _index_providers(ordered)
    candidates = _candidates(ordered, topic_slugs)
    return Site(
        config=config,
        articles=by_id,
        newest_first=tuple(by_id),
        article_paths=_article_paths(ordered, config),
        topics=topics,
        topic_slugs=topic_slugs,
        providers=providers,
        provider_slugs=provider_slugs,
        related=_related(candidates, config.build.related_count, ranker, previous),
        coverage=_link_coverage(ordered),
        ranked_as={candidate.id: candidate for candidate in candidates},
        scheduled=dict(scheduled) if config.build.future else {},
    )


def index_row(article: Article) -> tuple[object, ...]:
    """What `index_site` reads of one article, its title aside (see `index_inputs`)."""
    a = article
    return (a.id, a.published, a.published_at, a.topics, a.provider, a.related,
            a.slug or a.title, a.url, a.web_url)


def index_inputs(articles: Sequence[Article], config: SiteConfig,
                 schedule: Schedule | None = None,
                 rows: Sequence[tuple[object, ...]] | None = None
                 ) -> tuple[object, tuple[str, ...]]:
    """Everything `index_site` reads, in a form compared with `==`, and the articles'
    titles apart. Equal inputs give an equal Site but for the articles themselves, whose
    other fields (text, excerpt, images, quality) only pages read; where only titles
    differ, only the related lists can (`retitled`). A process that builds again and
    again (`serve`) indexes anew only when the first part changed, and passes the
    articles' `rows` (`index_row`), those of the articles it saw before as it made them."""
    build = config.build
    return ((build.include_unpublished, build.future, build.related_count, str(config.zone),
             dict(schedule.scheduled) if schedule is not None else {},
             tuple(rows) if rows is not None else tuple(map(index_row, articles))),
            tuple(map(attrgetter("title"), articles)))


def retitled(site: Site, titles: Mapping[str, str], index: RelatedIndex | None = None
             ) -> tuple[Site, RelatedIndex]:
    """`site` with these articles' new titles (id → title) in its related lists: what a
    change of titles alone changes in a Site whose articles have their slugs. Only the
    lists the titles reach are ranked again, with `index` (the inverted index of
    `site.ranked_as`, made when None); returned with the index of the new candidates."""
    changed = [replace(site.ranked_as[key], title=title) for key, title in titles.items()
               if key in site.ranked_as]
    index = (index or RelatedIndex(list(site.ranked_as.values()))).retitled(changed)
    count = site.config.build.related_count
    related = dict(site.related)
    # A title counts by its words alone: a new comma or case changes no list.
    reworded = [candidate for candidate in changed if title_words(candidate.title)
                != title_words(site.ranked_as[candidate.id].title)]
    for key in sorted(title_reach(index, reworded)):
        related[key] = index.best(key, count)
    ranked_as = dict(site.ranked_as)
    ranked_as.update((candidate.id, candidate) for candidate in changed)
    return replace(site, related=related, ranked_as=ranked_as), index


def _candidates(ordered: list[Article], topic_slugs: dict[str, str]) -> list[Candidate]:
    return [Candidate(a.id, tuple(topic_slugs[t] for t in a.topics), a.provider.domain,
                      a.published_at.timestamp(), a.title) for a in ordered]


def _related(candidates: list[Candidate], count: int, ranker: Ranker,
             previous: Ranking | None) -> dict[str, tuple[str, ...]]:
    if previous is None or previous.count != count:
        return ranker(candidates, count, None)
    stale = stale_ids(candidates, previous.ranked_as)
    ranked = ranker(candidates, count, stale) if stale else {}
    return {c.id: ranked[c.id] if c.id in ranked else previous.related[c.id]
            for c in candidates}


def _article_paths(ordered: list[Article], config: SiteConfig) -> dict[str, str]:
    """Each article's path; a later article that wants a taken path gets an id suffix.

    The first claimant (oldest, then lowest id) keeps the plain path, so a published URL
    never changes when a same-titled story arrives later. Paths are compared case- and
    normalisation-insensitively, since the site may be checked out on macOS or Windows.
    """
    paths: dict[str, str] = {}
    taken: set[str] = set()
    for article in sorted(ordered, key=lambda a: (a.published_at.timestamp(), a.id)):
        when = article.published_at.astimezone(config.zone)
        slug = unique_slug(article.slug or slug_for(article.title, fallback=article.id),
                           article.id, partial(_path_taken, taken, when))
        path = article_path(when, slug)
        taken.add(collision_key(path))
        paths[article.id] = path
    return paths


def _path_taken(taken: set[str], when: datetime, slug: str) -> bool:
    return collision_key(article_path(when, slug)) in taken


def _index_topics(ordered: list[Article]) -> tuple[dict[str, str], dict[str, Topic]]:
    """Topics by slug. Spellings that differ only by case or normalisation are one topic;
    distinct names that slug alike (`C`, `C#`, `C++`) are distinct topics, the name seen
    first (in the oldest article) keeping the plain slug."""
    slug_of_key: dict[str, str] = {}
    slug_of: dict[str, str] = {}
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in reversed(ordered):  # oldest first, so a topic's address never moves
        for name in article.topics:
            key = collision_key(name)
            if key not in slug_of_key:
                slug_of_key[key] = unique_slug(
                    slug_for(name, fallback="topic-" + id_suffix(name)), key,
                    spellings.__contains__)
            slug_of[name] = slug_of_key[key]
            spellings[slug_of[name]][name] += 1
    members: dict[str, list[str]] = defaultdict(list)
    for article in ordered:
        for slug in dict.fromkeys(slug_of[name] for name in article.topics):
            members[slug].append(article.id)
    topics = {
        slug: Topic(slug, _most_common(spellings[slug]), tuple(members[slug]))
        for slug in sorted(spellings)
    }
    return slug_of, topics


def _index_providers(ordered: list[Article]) -> tuple[dict[str, str], dict[str, Provider]]:
    names: dict[str, Counter[str]] = defaultdict(Counter)
    own: dict[str, list[str]] = defaultdict(list)
    cited: dict[str, list[Citation]] = defaultdict(list)
    for article in ordered:
        names[article.provider.domain][article.provider.name] += 1
        own[article.provider.domain].append(article.id)
        for item in article.related:
            names[item.provider.domain][item.provider.name] += 1
            cited[item.provider.domain].append(Citation(article.id, item))
    slug_of: dict[str, str] = {}
    taken: set[str] = set()
    for domain in sorted(names):
        slug = unique_slug(slug_for(domain, fallback=_most_common(names[domain])), domain,
                           taken.__contains__)
        taken.add(slug)
        slug_of[domain] = slug
    providers = {}
    for domain, slug in sorted(slug_of.items(), key=lambda pair: pair[1]):
        citations = sorted(cited[domain], key=_citation_order)
        providers[slug] = Provider(slug, _most_common(names[domain]), domain,
                                   tuple(own[domain]), tuple(citations))
    return slug_of, providers


def _citation_order(citation: Citation) -> tuple[float, str, str]:
    when = citation.item.published_at
    return (-(when.timestamp() if when else 0.0), citation.article_id, citation.item.url)


def _most_common(counter: Counter[str]) -> str:
    """The most frequent spelling; ties go to the first in sort order."""
    return min(counter, key=lambda name: (-counter[name], name))


def _link_coverage(ordered: list[Article]) -> dict[str, tuple[RelatedLink, ...]]:
    by_url: dict[str, str] = {}
    for article in ordered:
        for url in (article.url, article.web_url):
            if url:
                by_url.setdefault(_url_key(url), article.id)
    coverage: dict[str, tuple[RelatedLink, ...]] = {}
    for article in ordered:
        links = []
        for item in article.related:
            target = by_url.get(_url_key(item.url))
            links.append(RelatedLink(item, target if target != article.id else None))
        coverage[article.id] = tuple(links)
    return coverage


def _url_key(url: str) -> str:
    """URLs that name the same page: scheme and host lowercased, no fragment or final slash.

    String operations rather than urlsplit: this runs for every URL of every seed.
    """
    url = url.split("#", 1)[0]
    scheme, _, rest = url.partition("://")
    host, slash, tail = rest.partition("/")
    path, question, query = (slash + tail).partition("?")
    return f"{scheme.lower()}://{host.lower()}{path.rstrip('/')}{question}{query}"
