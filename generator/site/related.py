"""Rank each article's internal related articles through inverted indexes. Pure.

Every pair is never compared: candidates are the articles nearest in time within each of
an article's topics and its provider, so the cost grows with N, not N². Nothing in a score
depends on the site as a whole (a topic's weight depends on its own size only), so a
change to one article can change only the rankings of the articles that share a topic or
the provider with it, before or after the change: `stale_ids` finds those, and a build
ranks only them.
"""

from __future__ import annotations

import bisect
import copy
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

NEIGHBOURS_PER_KEY = 40
IDF_SCALE = 10_000.0
"""A topic's weight is about log(1 + IDF_SCALE / its size) (see `topic_weight`). The scale is
fixed, not the site's size, so a new story never reweighs unrelated topics."""
_WORD = re.compile(r"\w{3,}")
_WEEK = 7 * 86_400.0


@dataclass(frozen=True)
class Candidate:
    """What ranking needs to know of one article."""

    id: str
    topics: tuple[str, ...]
    provider: str
    timestamp: float
    title: str


def title_words(title: str) -> frozenset[str]:
    return frozenset(_WORD.findall(title.casefold()))


@dataclass(frozen=True)
class Ranking:
    """A build's related lists and the candidates they were ranked from, which the next
    build reuses for every article that `stale_ids` leaves out."""

    count: int
    ranked_as: Mapping[str, Candidate]
    related: Mapping[str, tuple[str, ...]]


def rank_related(articles: Sequence[Candidate], count: int,
                 only: Collection[str] | None = None) -> dict[str, tuple[str, ...]]:
    """For each article id (of those in `only`, if given), the ids of its `count` best
    related articles, best first."""
    index = RelatedIndex(articles)
    return {article.id: index.best(article.id, count) for article in articles
            if only is None or article.id in only}


def stale_ids(articles: Sequence[Candidate], ranked_as: Mapping[str, Candidate]) -> set[str]:
    """The articles whose related list may differ from the one ranked when the articles
    were `ranked_as`.

    An article's list depends only on the articles near it in time in each of its keys
    (its topics and its provider) and on its topics' weights. So a change to one article
    (added, removed, or any of its ranking data changed) reaches only the articles within
    a window's width of it, before and after the change, in each key it had or has; and a
    topic whose weight changed reaches all its members.
    """
    now = {article.id: article for article in articles}
    changed: list[tuple[Candidate | None, Candidate | None]] = [
        (old, a) for a in articles
        if (old := ranked_as.get(a.id)) != a and not _same_words(old, a)]
    changed += [(old, None) for article_id, old in ranked_as.items() if article_id not in now]
    if not changed:
        return set()
    after = _by_key(articles)
    # Where only titles changed, every key lists the same articles at the same times.
    moved = any(old is None or new is None or old.topics != new.topics
                or old.provider != new.provider or old.timestamp != new.timestamp
                for old, new in changed)
    before = _by_key(ranked_as.values()) if moved else after
    stale: set[str] = set()
    for old, new in changed:
        for lists, version in ((before, old), (after, new)):
            if version is not None:
                for key in _keys(version):
                    stale.update(_around(lists[key], version))
        for topic in {*(old.topics if old else ()), *(new.topics if new else ())}:
            key = "t:" + topic
            if _weight_class(len(before.get(key, ()))) != _weight_class(len(after.get(key, ()))):
                stale.update(article_id for _, article_id in after.get(key, ()))
    return {article_id for article_id in stale if article_id in now}


def _same_words(old: Candidate | None, new: Candidate) -> bool:
    """Whether the two versions of an article differ at most in their titles' punctuation
    and case: a score reads a title by its words alone (`title_words`), so no list can
    change."""
    return old is not None and old.topics == new.topics and old.provider == new.provider \
        and old.timestamp == new.timestamp and title_words(old.title) == title_words(new.title)


def title_reach(index: RelatedIndex, changed: Iterable[Candidate]) -> set[str]:
    """The articles whose related list may differ once the `changed` articles of `index`
    have new titles and nothing else: those whose candidate windows may hold one of them
    (what `stale_ids` finds when only titles changed, without a pass over the site)."""
    stale: set[str] = set()
    for article in changed:
        for key in _keys(article):
            stale.update(_around(index.by_key[key], article))
    return stale


def _by_key(articles: Iterable[Candidate]) -> dict[str, list[tuple[float, str]]]:
    """Each key's articles, oldest first: the lists `_nearest` picks candidates from."""
    by_key: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for article in articles:
        for key in _keys(article):
            by_key[key].append((article.timestamp, article.id))
    for entries in by_key.values():
        entries.sort()
    return by_key


def _around(entries: list[tuple[float, str]], article: Candidate) -> Iterator[str]:
    """The ids whose candidate window in `entries` may hold `article` or move because of
    it: all of a short list, else those whose window starts within a window's width (and
    one) of its place. A window is placed by time, so every article at the same moment as
    one at either end counts too."""
    if len(entries) <= NEIGHBOURS_PER_KEY + 1:
        yield from (article_id for _, article_id in entries)
        return
    at = bisect.bisect_left(entries, (article.timestamp, article.id))
    reach = NEIGHBOURS_PER_KEY + 1
    first = entries[max(0, at - reach)][0]
    last = entries[min(len(entries) - 1, at + reach)][0]
    start = bisect.bisect_left(entries, first, key=_time)
    end = bisect.bisect_right(entries, last, key=_time)
    yield from (article_id for _, article_id in entries[start:end])


def _time(entry: tuple[float, str]) -> float:
    return entry[0]


def _keys(article: Candidate) -> list[str]:
    return ["t:" + topic for topic in dict.fromkeys(article.topics)] + ["p:" + article.provider]


def _weight_class(size: int) -> int:
    """A topic's size to a quarter power of two: its weight changes only when its size
    moves into another class, so a new story seldom reweighs its topics."""
    return round(4 * math.log2(size)) if size else -1


def topic_weight(size: int) -> float:
    """log(1 + IDF_SCALE / size), by the size's class: rarer topics count for more."""
    return math.log(1 + IDF_SCALE / 2 ** (_weight_class(size) / 4))


class RelatedIndex:
    """Inverted indexes over topics and providers, sorted by time, to rank related articles.

    Score: shared topics weighted by rarity (idf), same provider, closeness in time and
    title-word overlap. Ties break on id so the result is deterministic.
    """

    def __init__(self, articles: Sequence[Candidate]) -> None:
        by_key = _by_key(articles)
        self.by_key = dict(by_key)
        self.idf = {key[2:]: topic_weight(len(entries))
                    for key, entries in by_key.items() if key.startswith("t:")}
        self.articles = {a.id: a for a in articles}
        # Made on first use: a build that ranks a few articles again needs them for those
        # and their candidates only.
        self._times: dict[str, list[float]] = {}
        self._topics: dict[str, frozenset[str]] = {}
        self._words: dict[str, frozenset[str]] = {}

    def retitled(self, changed: Iterable[Candidate]) -> RelatedIndex:
        """This index with the `changed` articles, whose titles alone differ: their keys,
        times and topics' weights are as they were, so only the titles are replaced."""
        index = copy.copy(self)
        index.articles = dict(self.articles)
        index._words = dict(self._words)
        for article in changed:
            index.articles[article.id] = article
            index._words.pop(article.id, None)
        return index

    def times(self, key: str) -> list[float]:
        found = self._times.get(key)
        if found is None:
            found = self._times[key] = [entry[0] for entry in self.by_key[key]]
        return found

    def topics(self, article_id: str) -> frozenset[str]:
        found = self._topics.get(article_id)
        if found is None:
            found = self._topics[article_id] = frozenset(self.articles[article_id].topics)
        return found

    def words(self, article_id: str) -> frozenset[str]:
        found = self._words.get(article_id)
        if found is None:
            found = self._words[article_id] = title_words(self.articles[article_id].title)
        return found

    def best(self, article_id: str, count: int) -> tuple[str, ...]:
        if count == 0:
            return ()
        article = self.articles[article_id]
        candidates: set[str] = set()
        for key in _keys(article):
            candidates.update(_nearest(self.by_key[key], self.times(key), article.timestamp))
        candidates.discard(article_id)
        mine_topics, mine_words = self.topics(article_id), self.words(article_id)
        # The names each candidate needs, bound once: this loop is most of ranking's time.
        articles, idf, topics_of, words_of = self.articles, self.idf, self.topics, self.words
        provider, timestamp = article.provider, article.timestamp
        scored = []
        for other_id in candidates:
            other = articles[other_id]
            shared = mine_topics & topics_of(other_id)
            # fsum is exactly rounded, so the sum does not depend on set order.
            score = math.fsum([idf[topic] for topic in shared]) if shared else 0.0
            if other.provider == provider:
                score += 0.5
            score += 1.0 / (1.0 + abs(timestamp - other.timestamp) / _WEEK)
            if mine_words:
                theirs = words_of(other_id)
                if theirs:  # twice the Jaccard index of the title words
                    shared_words = len(mine_words & theirs)
                    score += 2.0 * shared_words / (len(mine_words) + len(theirs) - shared_words)
            scored.append((-score, other_id))
        scored.sort()
        return tuple(other for _, other in scored[:count])


def _nearest(entries: list[tuple[float, str]], times: list[float],
             timestamp: float) -> list[str]:
    """Ids of the entries closest in time to `timestamp`, up to NEIGHBOURS_PER_KEY."""
    if len(entries) <= NEIGHBOURS_PER_KEY:
        return [entry[1] for entry in entries]
    middle = bisect.bisect_left(times, timestamp)
    half = NEIGHBOURS_PER_KEY // 2
    start = max(0, min(middle - half, len(entries) - NEIGHBOURS_PER_KEY))
    return [entry[1] for entry in entries[start:start + NEIGHBOURS_PER_KEY]]
