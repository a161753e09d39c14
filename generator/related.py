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
    """For each article id, the ids of its `count` best related articles, best first.

    Score: shared topics weighted by rarity (idf), same provider, closeness in time and
    title-word overlap. Ties break on id so the result is deterministic.
    """
    if count == 0:
        return {article.id: () for article in articles}
    by_key: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for article in articles:
        for topic in article.topics:
            by_key["t:" + topic].append((article.timestamp, article.id))
        by_key["p:" + article.provider].append((article.timestamp, article.id))
    for entries in by_key.values():
        entries.sort()
    times = {key: [entry[0] for entry in entries] for key, entries in by_key.items()}
    total = len(articles)
    idf = {key[2:]: math.log(1 + total / len(entries))
           for key, entries in by_key.items() if key.startswith("t:")}
    topics = {a.id: frozenset(a.topics) for a in articles}
    words = {a.id: title_words(a.title) for a in articles}
    when = {a.id: a.timestamp for a in articles}
    provider = {a.id: a.provider for a in articles}
    result: dict[str, tuple[str, ...]] = {}
    for article in articles:
        candidates: set[str] = set()
        for key in ["t:" + topic for topic in article.topics] + ["p:" + article.provider]:
            candidates.update(_nearest(by_key[key], times[key], article.timestamp))
        candidates.discard(article.id)
        mine_topics, mine_words = topics[article.id], words[article.id]
        scored = []
        for other in candidates:
            # fsum is exactly rounded, so the sum does not depend on set order.
            score = math.fsum(idf[topic] for topic in mine_topics & topics[other])
            if provider[other] == article.provider:
                score += 0.5
            score += 1.0 / (1.0 + abs(article.timestamp - when[other]) / _WEEK)
            theirs = words[other]
            if mine_words and theirs:
                score += 2.0 * len(mine_words & theirs) / len(mine_words | theirs)
            scored.append((-score, other))
        scored.sort()
        result[article.id] = tuple(other for _, other in scored[:count])
    return result


def _nearest(entries: list[tuple[float, str]], times: list[float],
             timestamp: float) -> list[str]:
    """Ids of the entries closest in time to `timestamp`, up to NEIGHBOURS_PER_KEY."""
    if len(entries) <= NEIGHBOURS_PER_KEY:
        return [entry[1] for entry in entries]
    middle = bisect.bisect_left(times, timestamp)
    half = NEIGHBOURS_PER_KEY // 2
    start = max(0, min(middle - half, len(entries) - NEIGHBOURS_PER_KEY))
    return [entry[1] for entry in entries[start:start + NEIGHBOURS_PER_KEY]]
