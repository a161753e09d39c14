"""Record what one page reads of the site model, so the next build can tell, from the
changed inputs alone, whether the page needs rendering again.

A page's context is built from a Site whose mappings log every key read. Whatever a
page's bytes depend on besides the config, the templates and its own plan passes through
one of them, so the log is the page's complete list of dependencies: a read of one key
(an article, a related list), of one field of a topic or provider (its name, or its list
of articles), or of a whole mapping when the page goes through all of it (the topics
index). A read is written `<mapping>\\x1f<key>` (`<mapping>.<field>\\x1f<key>` for a field),
`*` for the whole. A page's record keeps its reads as digests (see `read_digests`).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Protocol, TypeVar

Key = TypeVar("Key")


class _SiteLike(Protocol):
    @property
    def newest_first(self) -> tuple[str, ...]: ...


Model = TypeVar("Model", bound=_SiteLike)
Value = TypeVar("Value")
SEPARATOR = "\x1f"
WHOLE = "*"
DIGEST_SIZE = 8
RECORDED = ("articles", "article_paths", "topics", "topic_slugs", "providers",
            "provider_slugs", "related", "coverage", "scheduled")
"""The Site's mappings whose reads are logged; `newest_first` is logged whole."""
LEAD_IMAGES = "lead_images"
"""A read of no mapping of the Site: each article's lead image URL (None without one) in
order, newest first, read whole by a page that looks through every article for the newest
with an image, and that must not depend on the rest of each article (see
`render.previews`); `lead_images(site.articles)` is its value."""
FIELDWISE = ("topics", "providers")
"""Mappings whose values are logged field by field: a card shows a topic's name, and must
not depend on the topic's list of articles, which every new story in it changes."""


def read_digests(reads: Iterable[str]) -> bytes:
    """A page's reads as a record keeps them: the 8-byte BLAKE2b digest of each, sorted and
    joined. Short (a page reads 50 things, some 10,000), cheap to load and to test: a read
    whose value changed is looked for as its digest (`holds_none`). Two reads with one
    digest can only make a page render when it need not."""
    distinct = set(reads)
    # The reads with no digest yet (`difference` looks each one up in the dict), then the
    # digests made before, looked up in C, and the new ones made.
    new = distinct.difference(_DIGESTS)
    digests = set(map(_DIGESTS.__getitem__, distinct - new if new else distinct))
    digests.update(map(read_digest, new))
    return b"".join(sorted(digests))


def wanted_digests(reads: Iterable[str]) -> frozenset[int]:
    """The digests of `reads` as `holds_none` looks for them: each as a machine word."""
    return frozenset(int.from_bytes(read_digest(read), sys.byteorder) for read in reads)


def holds_none(digests: bytes, wanted: frozenset[int]) -> bool:
    """Whether `digests` (from `read_digests`) holds none of `wanted` (`wanted_digests`):
    each digest, read as a machine word, is looked up in the set, all in C. Digests that
    are not whole (a damaged record) hold one, so the page is rendered again."""
    if len(digests) % DIGEST_SIZE:
        return False
    return wanted.isdisjoint(memoryview(digests).cast("Q"))


_DIGESTS: dict[str, bytes] = {}
"""A read's digest, for each read this process has made one of: the same reads (an
article's path, a topic's name) recur on thousands of pages. Emptied when it passes
`_DIGESTS_KEPT`, so that a preview server running for days stays bounded."""
_DIGESTS_KEPT = 2_000_000


def read_digest(read: str) -> bytes:
    found = _DIGESTS.get(read)
    if found is None:
        if len(_DIGESTS) >= _DIGESTS_KEPT:
            _DIGESTS.clear()
        found = _DIGESTS[read] = hashlib.blake2b(read.encode(), digest_size=DIGEST_SIZE
                                                 ).digest()
    return found


class ReadLog:
    """The reads of the page being built; None outside a page, when nothing is logged."""

    def __init__(self) -> None:
        self.reads: set[str] | None = None

    def record(self, read: str) -> None:
        if self.reads is not None:
            self.reads.add(read)

    @contextmanager
    def capture(self) -> Iterator[set[str]]:
        """Collect the reads made inside; they count for the enclosing capture too."""
        outer, self.reads = self.reads, set()
        collected = self.reads
        try:
            yield collected
        finally:
            self.reads = outer
            if outer is not None:
                outer |= collected


class Memo(dict[Key, tuple[Value, frozenset[str]]]):
    """A memo for values made from reads of the site: a hit logs the reads the value was
    made from, so a page that reuses another page's card still depends on what it shows."""

    def __init__(self, log: ReadLog) -> None:
        super().__init__()
        self.log = log

    def value(self, key: Key, make: Callable[[], Value]) -> Value:
        found = self.get(key)
        if found is None:
            with self.log.capture() as reads:
                made = make()
            self[key] = found = (made, frozenset(reads))
        elif self.log.reads is not None:
            self.log.reads |= found[1]
        return found[0]


class OnDemand(dict[Key, Value]):
    """A mapping of known keys, in order, whose values are made (`make(key)`) only when
    asked for: a build that renders a few pages reads only the articles they show
    (`build.patch`). Going through it whole makes every value, in the keys' order."""

    def __init__(self, keys: tuple[Key, ...], make: Callable[[Key], Value],
                 made: dict[Key, Value],
                 leads: Callable[[], dict[Key, str | None]] | None = None) -> None:
        super().__init__(made)
        self._keys, self._known, self._make = keys, frozenset(keys), make
        self._leads = leads
        """Each value's `lead_image`, for the values not made (`lead_images`)."""

    def __missing__(self, key: Key) -> Value:
        if key not in self._known:
            raise KeyError(key)
        value = self._make(key)
        dict.__setitem__(self, key, value)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._known

    def get(self, key: Key, default: Any = None) -> Any:
        return self[key] if key in self._known else default

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[Key]:
        return iter(self.whole())

    def keys(self) -> Any:
        return self.whole().keys()

    def values(self) -> Any:
        return self.whole().values()

    def items(self) -> Any:
        return self.whole().items()

    def fill(self, values: dict[Key, Value]) -> None:
        """Take these values, made elsewhere, as made."""
        dict.update(self, values)

    def whole(self) -> dict[Key, Value]:
        """Every value made, as a plain dict in the keys' order."""
        return {key: self[key] for key in self._keys}

    def lead_images(self) -> Iterator[tuple[Key, str | None]]:
        """Each key and its value's `lead_image`, in the keys' order: of the values made,
        from them; of the others, from `leads` when it was given and has them."""
        leads: dict[Key, str | None] | None = None  # asked for only when needed
        for key in self._keys:
            if not dict.__contains__(self, key):
                if leads is None:
                    leads = self._leads() if self._leads is not None else {}
                if key in leads:
                    yield key, leads[key]
                    continue
            yield key, lead_image(self[key])


class _Recording(dict[Any, Any]):
    """A dict that logs each key read, and the whole mapping when it is gone through. Over
    an `OnDemand` mapping it holds the values asked for so far, and all of them once it is
    gone through."""

    def __init__(self, name: str, data: dict[Any, Any], log: ReadLog) -> None:
        self.on_demand = data if isinstance(data, OnDemand) else None
        super().__init__({} if self.on_demand is not None else data)
        self.name = name
        self.prefix = name + SEPARATOR
        self.log = log
        self.fieldwise = name in FIELDWISE

    def __missing__(self, key: Any) -> Any:
        if self.on_demand is None:
            raise KeyError(key)
        value = self.on_demand[key]
        dict.__setitem__(self, key, value)
        return value

    def __getitem__(self, key: Any) -> Any:
        if self.fieldwise:
            return _Fields(super().__getitem__(key), self.name, str(key), self.log)
        self.log.record(self.prefix + str(key))
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        if self.fieldwise and self._has(key):
            return self[key]
        self.log.record(self.prefix + str(key))
        return super().__getitem__(key) if self._has(key) else default

    def __contains__(self, key: object) -> bool:
        self.log.record(self.prefix + str(key))
        return self._has(key)

    def _has(self, key: object) -> bool:
        return key in self.on_demand if self.on_demand is not None else \
            super().__contains__(key)

    def fill(self) -> None:
        """Hold every value, in order (of an `OnDemand` mapping: made now)."""
        if self.on_demand is not None:
            whole = self.on_demand.whole()
            dict.clear(self)
            dict.update(self, whole)
            self.on_demand = None

    def _whole(self) -> None:
        self.fill()
        self.log.record(self.prefix + WHOLE)

    def __iter__(self) -> Iterator[Any]:
        self._whole()
        return super().__iter__()

    def __len__(self) -> int:
        self._whole()
        return super().__len__()

    def keys(self) -> Any:
        self._whole()
        return super().keys()

    def values(self) -> Any:
        self._whole()
        return super().values()

    def items(self) -> Any:
        self._whole()
        return super().items()


class _Fields:
    """A topic or provider whose field reads are logged, each on its own."""

    __slots__ = ("_key", "_log", "_name", "_value")

    def __init__(self, value: object, name: str, key: str, log: ReadLog) -> None:
        self._value, self._name, self._key, self._log = value, name, key, log

    def __getattr__(self, field: str) -> Any:
        self._log.record(f"{self._name}.{field}{SEPARATOR}{self._key}")
        return getattr(self._value, field)


class _RecordingTuple(tuple[str, ...]):
    """`newest_first`, logged whole whenever it is read at all."""

    log: ReadLog

    def __iter__(self) -> Iterator[str]:
        self.log.record("newest_first" + SEPARATOR + WHOLE)
        return super().__iter__()

    def __getitem__(self, index: Any) -> Any:
        self.log.record("newest_first" + SEPARATOR + WHOLE)
        return super().__getitem__(index)

    def __len__(self) -> int:
        self.log.record("newest_first" + SEPARATOR + WHOLE)
        return super().__len__()


def lead_images(articles: dict[str, Any]) -> tuple[tuple[str, str | None], ...]:
    """The value of the `LEAD_IMAGES` read of a site with these articles (by id, newest
    first)."""
    whole = articles.whole() if isinstance(articles, OnDemand) else articles
    return tuple((key, lead_image(article)) for key, article in dict.items(whole))


def lead_image(article: Any) -> str | None:
    """The URL of an article's lead image, as `LEAD_IMAGES` holds it."""
    return article.images[0].url if article.images else None


def unrecorded_lead_images(articles: dict[str, Any]) -> Iterable[tuple[str, str | None]]:
    """Each article's id and `lead_image`, in the mapping's order (newest first), without
    logging a read: an `OnDemand` mapping of articles tells them without making every
    article."""
    on_demand = articles.on_demand if isinstance(articles, _Recording) else articles
    if isinstance(on_demand, OnDemand):
        return on_demand.lead_images()
    return ((key, lead_image(article)) for key, article in dict.items(articles))


def recording_site(site: Model, log: ReadLog) -> Model:
    """The same site (a `site.index.Site`), whose reads go to `log`."""
    newest = _RecordingTuple(site.newest_first)
    newest.log = log
    fields = {name: _Recording(name, getattr(site, name), log) for name in RECORDED}
    return replace(site, newest_first=newest, **fields)  # type: ignore[type-var]


def recording_images(entries: dict[str, Value], log: ReadLog) -> dict[str, Value]:
    """The image cache's entries by URL, whose reads go to `log`."""
    return _Recording("images", entries, log)
