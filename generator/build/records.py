"""What each page was rendered from, and the test that decides whether it must be again.

A page's record holds the reads its context made of the site model (see `site.reads`) and
a key: a digest of the build's fingerprint (config, templates, what every page shares),
the page's plan, and the current value of each read. The next build recomputes the key
from the recorded reads alone; if it is equal, nothing the page showed has changed and
the page is not rendered (nor its context built). This is a verifying trace in the sense
of "Build Systems à la Carte": content digests, not times.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from generator.images.references import ImageCache
from generator.model import Article, Provider
from generator.site.index import Site
from generator.site.plan import Page
from generator.site.reads import SEPARATOR, WHOLE

_MISSING = "-"


class ReadDigests:
    """The digest of each read's current value, computed once per build."""

    def __init__(self, site: Site, images: ImageCache, seed_digests: dict[str, str]) -> None:
        self.site = site
        self.images = images
        self.seed_digests = seed_digests
        """Seed file (as a string) → digest of its bytes: an article is a pure function of
        its seed's bytes and the reading settings, which the fingerprint covers."""
        self._known: dict[str, str] = {}

    def key(self, fingerprint: str, page: Page, reads: Iterable[str]) -> str:
        """The page's key: what it depends on, as it is now. The reads themselves need not
        be in it: a key is only ever compared with one made from the same reads."""
        known = self._known
        parts = [fingerprint, repr(page)]
        for read in reads:
            value = known.get(read)
            if value is None:
                value = known[read] = self._digest(read)
            parts.append(value)
        return hashlib.blake2b("\0".join(parts).encode(), digest_size=20).hexdigest()

    def _digest(self, read: str) -> str:
        name, _, key = read.partition(SEPARATOR)
        if name == "newest_first":
            return _hash(repr(self.site.newest_first))
        if "." in name:  # one field of a topic or provider
            name, field = name.split(".", 1)
            found = getattr(self.site, name).get(key)
            return _MISSING if found is None else _hash(repr(getattr(found, field)))
        if name == "images":
            mapping: Mapping[str, object] = self.images.entries
        else:
            mapping = getattr(self.site, name)
        if key == WHOLE:
            return _hash("\0".join(f"{k}={self._value(name, k, mapping[k])}" for k in mapping))
        if key not in mapping:
            return _MISSING
        return self._value(name, key, mapping[key])

    def _value(self, name: str, key: str, value: object) -> str:
        if name == "articles":
            assert isinstance(value, Article)
            return self._article(value)
        if name == "coverage":
            # The items are the article's own (its seed); what else shows is where each links.
            links = self.site.coverage[key]
            return _hash(repr((self._article(self.site.articles[key]),
                               [link.article_id for link in links])))
        if name == "providers":
            # Its citations' items are the citing articles' own; a page that shows one also
            # reads that article, and holds the item in its plan.
            assert isinstance(value, Provider)
            return _hash(repr((value.name, value.domain, value.article_ids,
                               [(c.article_id, c.item.url) for c in value.citations])))
        return _hash(repr(value))

    def _article(self, article: Article) -> str:
        found = self.seed_digests.get(str(article.source))
        return found if found is not None else _hash(repr(article))


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


