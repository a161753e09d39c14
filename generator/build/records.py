"""What each page was rendered from, and the test that decides whether it must be again.

A page's record holds a key (a digest of the build's fingerprint for its template and of
its plan), the reads its context made of the site model (see `site.reads`) and the build
that rendered it. The cache also keeps a snapshot of the model as that build saw it: the
value of everything a page can read, in a cheap form to compare (an article is its seed's
digest; paths, slugs, names and lists of ids are themselves).

The next build takes a new snapshot and compares the two: the reads whose value changed.
A record of the last build still holds when its key is the same and none of its reads is
among them; the page is then not rendered, nor its context built. This is a verifying
trace in the sense of "Build Systems à la Carte", with content digests, not times, and
the values compared once per build rather than once per page that read them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from generator.build.cache import KeptModel, KeptPlan, PageRecord
from generator.build.readers import Readers
from generator.images.references import ImageCache
from generator.model import Article, Citation
from generator.site.delta import replaced_keys
from generator.site.index import Site
from generator.site.plan import Page
from generator.site.reads import (
    FIELDWISE,
    LEAD_IMAGES,
    RECORDED,
    SEPARATOR,
    WHOLE,
    holds_none,
    lead_image,
    lead_images,
    wanted_digests,
)

Snapshot = dict[str, dict[str, object]]
"""Each readable mapping (`articles`; `topics.name` for one field of a fieldwise mapping)
→ key → its value in a form compared with `==`."""
_ABSENT = object()


@dataclass(frozen=True)
class Baseline:
    """The last build's page records, and which reads changed since."""

    tree: str
    """The output tree the records describe (see `build.output`)."""
    records: dict[str, PageRecord]
    changed: frozenset[str]
    readers: Readers | None = None
    """An index of who reads what, used when it covers these very records."""
    wanted: frozenset[int] = field(init=False, repr=False)
    """The digests of the changed reads, as `holds_none` looks for them."""
    suspects: set[str] | None = field(init=False, repr=False)
    """The pages that may hold one of them (all when None)."""

    def __post_init__(self) -> None:
        wanted = wanted_digests(self.changed)
        object.__setattr__(self, "wanted", wanted)
        object.__setattr__(self, "suspects", self.readers.suspects(wanted) if
                           self.readers is not None and self.readers.records is self.records
                           else None)

    def holding(self, path: str, key: str) -> PageRecord | None:
        """The record of the page at `path` if it still holds for `key`, else None."""
        record = self.records.get(path)
        if record is None or record.key != key:
            return None
        suspects = self.suspects
        if (suspects is None or path in suspects) and not holds_none(record.reads, self.wanted):
            return None
        return record


def page_keys(pages: list[Page], fingerprint: Callable[[str], str],
              kept: KeptPlan | None = None) -> list[str]:
    """Each page's key; `fingerprint` gives a template's. The `kept` plan's keys when these
    are its pages and the fingerprints are unchanged (and they are left there)."""
    fingerprints = {template: fingerprint(template)
                    for template in sorted({page.template for page in pages})}
    if kept is not None and kept.pages is pages and kept.fingerprints == fingerprints:
        return kept.keys
    keys = [page_key(fingerprints[page.template], page) for page in pages]
    if kept is not None and kept.pages is pages:
        kept.fingerprints, kept.keys = fingerprints, keys
    return keys


def page_key(fingerprint: str, page: Page) -> str:
    return hashlib.blake2b(f"{fingerprint}\0{_plan_text(page)}".encode(),
                           digest_size=20).hexdigest()


def _plan_text(page: Page) -> str:
    """Every field of the page's plan. A cited story stands as the citing article and the
    story's URL: the rest of it is the citing article's own (from its seed), and a page
    that shows a citation reads the citing article (`views.citation`)."""
    entries = tuple(entry.article_id if entry.cited is None
                    else (entry.article_id, entry.cited.url) for entry in page.entries)
    return repr((page.path, page.kind, page.template, page.subject, entries, page.number,
                 page.count, page.prev_path, page.next_path, page.lastmod, page.urls,
                 page.lead, page.sections))


def snapshot(site: Site, images: ImageCache, seed_digests: dict[str, str],
             before: KeptModel | None = None) -> Snapshot:
    """The value of every read a page can make of `site` and `images`. `seed_digests` maps
    a seed file (as a string) to the digest of its bytes: an article is a pure function of
    its seed's bytes and the reading settings, which every page's key covers. With the
    snapshot taken `before`, values that are the objects they were there keep their form
    (see `KeptModel`)."""
    def article(key: str, item: Article) -> str:
        found = seed_digests.get(str(item.source))
        return found if found is not None else _hash(repr(item))

    # The same article object is the same parse of the same bytes (the parse cache's).
    articles = _forms(site.articles, "articles", before, set(), article)
    # Coverage shows the article's own items: it changes with the seed.
    changed = (None if before is None else
               _differing_keys(before.snapshot["articles"], articles))
    taken: Snapshot = {
        "articles": dict(articles),
        # The items are the article's own (its seed); what else shows is where each links.
        "coverage": _forms(site.coverage, "coverage", before, changed, lambda key, links: (
            articles[key], tuple(link.article_id for link in links))),
        "images": {key: repr(value) for key, value in images.entries.items()},
        "newest_first": {WHOLE: site.newest_first},
        LEAD_IMAGES: {WHOLE: _lead_images(site, before, changed)},
    }
    for name in RECORDED:
        mapping: dict[str, Any] = getattr(site, name)
        if name in FIELDWISE:
            for value_field in _fields_of(mapping):
                def form(key: str, value: object, value_field: str = value_field) -> object:
                    return _comparable(getattr(value, value_field))
                taken[f"{name}.{value_field}"] = _forms(mapping, name, before, set(), form,
                                                        f"{name}.{value_field}")
        elif name not in taken:
            taken[name] = _forms(mapping, name, before, set(),
                                 lambda key, value: _comparable(value))
    return taken


def _lead_images(site: Site, before: KeptModel | None, changed: set[str] | None) -> object:
    """The `LEAD_IMAGES` value: the one taken `before` when the articles are the same, in
    the same order, and none that changed has another lead image."""
    taken = before.snapshot.get(LEAD_IMAGES) if before is not None else None
    if before is None or changed is None or taken is None or \
            before.site.newest_first != site.newest_first or \
            any(lead_image(site.articles[key]) != lead_image(before.site.articles[key])
                for key in changed):
        return lead_images(site.articles)
    return taken[WHOLE]


def _forms(mapping: dict[str, Any], name: str, before: KeptModel | None,
           fresh: set[str] | None, form: Callable[[str, Any], object],
           taken_as: str = "") -> dict[str, object]:
    """`form(key, value)` of each item of the site's mapping `name`; with the snapshot
    taken `before`, an item whose value is the object it was there keeps its form, unless
    its key is `fresh` (None: every key is)."""
    forms = before.snapshot.get(taken_as or name) if before is not None else None
    if before is None or fresh is None or forms is None:  # (a mapping that was empty
        return {key: form(key, value) for key, value in mapping.items()}  # has no fields)
    old: dict[str, Any] = getattr(before.site, name)
    replaced = replaced_keys(old, mapping)
    if replaced is None:  # keys came or went: each item is looked at
        return {key: forms[key] if key not in fresh and old.get(key, _ABSENT) is value
                else form(key, value) for key, value in mapping.items()}
    if not replaced and not fresh:
        return forms
    forms = dict(forms)  # the same keys: only the items replaced, or fresh, change
    for key in {*replaced, *fresh}:
        if key in mapping:
            forms[key] = form(key, mapping[key])
    return forms


def changed_reads(before: Snapshot, after: Snapshot) -> frozenset[str]:
    """Every read whose value differs between the snapshots: a key's, a field's, and the
    whole mapping's when any of its keys changed (or came, or went)."""
    changed: set[str] = set()
    for name in before.keys() | after.keys():
        old, new = before.get(name, {}), after.get(name, {})
        differing = _differing_keys(old, new)
        if not differing:
            continue
        mapping, dot, _ = name.partition(".")
        for key in differing:
            changed.add(f"{name}{SEPARATOR}{key}")
            if dot:  # the value whole, as `in` and a missing key's `get` read it
                changed.add(f"{mapping}{SEPARATOR}{key}")
        changed.add(f"{mapping}{SEPARATOR}{WHOLE}")
    return frozenset(changed)


def _differing_keys(old: dict[str, object], new: dict[str, object]) -> set[str]:
    """The keys whose value differs (or that only one has). Where the two have the same
    keys and few values that are other objects (a snapshot taken from the one before:
    `_forms`), only those are compared; else the items that are not in both, found by set
    operations in C where every value can be hashed."""
    replaced = replaced_keys(old, new)
    if replaced is not None and len(replaced) <= len(new) // 4:
        return {key for key in replaced if old[key] != new[key]}
    if old == new:
        return set()
    try:
        return {key for key, _ in old.items() ^ new.items()}
    except TypeError:  # a value that cannot be hashed: compared key by key
        return {key for key in old.keys() | new.keys()
                if old.get(key, _ABSENT) != new.get(key, _ABSENT)}


def _fields_of(mapping: dict[str, Any]) -> list[str]:
    first = next(iter(mapping.values()), None)
    return [] if first is None else [item.name for item in fields(first)]


def _comparable(value: object) -> object:
    """`value` itself when `==` on it says what `repr` would (strings, ids); a citation
    list as each citing article and cited URL, in order; else its repr. What a listing
    shows of a citation is read from the citing article (`views.citation`): a page that
    reads the list (to count it, to paginate) does not depend on the citing seed."""
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        if all(isinstance(item, str) for item in value):
            return value
        if all(isinstance(item, Citation) for item in value):
            return tuple((item.article_id, item.item.url) for item in value)
    return repr(value)


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
