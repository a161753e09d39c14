"""Which pages read what: the preview server's inverted index of an output tree's page
records, so that a build tests against the changed reads only the pages that made one.

Testing every page's record for the reads a change reached is one pass over every record
(0.4 s at 100,000 stories). A process that builds again and again keeps, for the records
of the tree it built last, each read's digest → the pages whose record holds it; the next
build tests only those pages, the suspects, and takes every other record to hold (its key
still has to match). The index is brought up to date by adding the reads of the records
that are new: a page that no longer makes a read stays listed under it, and is only
tested for nothing. Pure: it reads records and keeps no file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from generator.site.reads import DIGEST_SIZE


class _Record(Protocol):
    """A page's record (`build.cache.PageRecord`), as far as this reads it."""

    @property
    def reads(self) -> bytes: ...


_REBUILT_WHEN_NEW = 0.25
"""When more than this share of the records is new (another process's build, a template
edit), the index is made anew rather than grown: it would be mostly stale entries."""


@dataclass
class Readers:
    """For `records`: each read (its digest as a machine word, as `holds_none` takes it) →
    the pages (output files) whose record holds it, and perhaps a few that no longer do."""

    records: Mapping[str, _Record]
    """The records it covers, the very mapping: every read of each is listed."""
    pages: dict[int, list[str]] = field(default_factory=dict)
    damaged: set[str] = field(default_factory=set)
    """Pages whose reads are not whole digests: suspects of every change."""
    made_for: tuple[list[str], list[str]] | None = None
    """The pages (output files) and their keys, the very lists, when `records` are the
    records of a build that made or kept every one of those pages with that key."""
    listed: int = 0
    """Entries in `pages`."""
    listed_whole: int = 0
    """Entries when the index was last made whole."""

    @classmethod
    def of(cls, records: Mapping[str, _Record]) -> Readers:
        readers = cls(records)
        readers._add(records.items())
        readers.listed_whole = readers.listed
        return readers

    def following(self, records: Mapping[str, _Record]) -> Readers:
        """The index for `records`, the next build's: this one, with the reads of each
        record that is not the object it was here added, when those are few and the
        entries left by pages rendered again do not double the index."""
        known = self.records.get
        new = [(path, record) for path, record in records.items() if known(path) is not record]
        if len(new) > len(records) * _REBUILT_WHEN_NEW or self.listed > 2 * self.listed_whole:
            return Readers.of(records)
        self.made_for = None
        self._add(new)
        self.records = records  # (only once every read of `records` is listed)
        return self

    def suspects(self, wanted: frozenset[int]) -> set[str]:
        """The pages whose record may hold one of the `wanted` digests: every other page
        of `records` holds none."""
        found = set(self.damaged)
        for digest in wanted:
            found.update(self.pages.get(digest, ()))
        return found

    def _add(self, items: Iterable[tuple[str, _Record]]) -> None:
        pages, damaged = self.pages, self.damaged
        for path, record in items:
            reads = record.reads
            if len(reads) % DIGEST_SIZE:
                damaged.add(path)
                continue
            digests = memoryview(reads).cast("Q")
            self.listed += len(digests)
            for digest in digests:
                listed = pages.get(digest)
                if listed is None:
                    pages[digest] = [path]
                else:
                    listed.append(path)
