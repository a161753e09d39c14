"""Rank each article's internal related articles through inverted indexes. Pure.

Every pair is never compared: candidates are the articles nearest in time within each of
an article's topics and its provider, so the cost grows with N, not N².
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

NEIGHBOURS_PER_KEY = 40
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


def rank_related(articles: Sequence[Candidate], count: int) -> dict[str, tuple[str, ...]]:
    """For each article id, the ids of its `count` best related articles, best first."""
    index = RelatedIndex(articles)
    return {article.id: index.best(article.id, count) for article in articles}


class RelatedIndex:
    """Inverted indexes over topics and providers, sorted by time, to rank related articles.

    Score: shared topics weighted by rarity (idf), same provider, closeness in time and
    title-word overlap. Ties break on id so the result is deterministic.
    """

    def __init__(self, articles: Sequence[Candidate]) -> None:
        by_key: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for article in articles:
            for topic in article.topics:
                by_key["t:" + topic].append((article.timestamp, article.id))
            by_key["p:" + article.provider].append((article.timestamp, article.id))
        for entries in by_key.values():
            entries.sort()
        self.by_key = dict(by_key)
        self.times = {key: [entry[0] for entry in entries] for key, entries in by_key.items()}
        total = len(articles)
        self.idf = {key[2:]: math.log(1 + total / len(entries))
                    for key, entries in by_key.items() if key.startswith("t:")}
        self.articles = {a.id: a for a in articles}
        self.topics = {a.id: frozenset(a.topics) for a in articles}
        self.words = {a.id: title_words(a.title) for a in articles}

    def best(self, article_id: str, count: int) -> tuple[str, ...]:
        if count == 0:
            return ()
        article = self.articles[article_id]
        candidates: set[str] = set()
        for key in ["t:" + topic for topic in article.topics] + ["p:" + article.provider]:
            candidates.update(_nearest(self.by_key[key], self.times[key], article.timestamp))
        candidates.discard(article_id)
        mine_topics, mine_words = self.topics[article_id], self.words[article_id]
        scored = []
        for other_id in candidates:
            other = self.articles[other_id]
            # fsum is exactly rounded, so the sum does not depend on set order.
            score = math.fsum(self.idf[topic] for topic in mine_topics & self.topics[other_id])
            if other.provider == article.provider:
                score += 0.5
            score += 1.0 / (1.0 + abs(article.timestamp - other.timestamp) / _WEEK)
            theirs = self.words[other_id]
            if mine_words and theirs:
                score += 2.0 * len(mine_words & theirs) / len(mine_words | theirs)
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
