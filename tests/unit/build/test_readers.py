from __future__ import annotations

from generator.build.cache import PageRecord
from generator.build.readers import Readers
from generator.build.records import Baseline
from generator.site.reads import read_digests, wanted_digests


def _record(*reads: str, made: str = "build 1") -> PageRecord:
    return PageRecord("key", read_digests(reads), made)


def test_the_suspects_of_a_change_are_the_pages_that_read_it() -> None:
    records = {"a/index.html": _record("articles\x1fa", "related\x1fa"),
               "b/index.html": _record("articles\x1fb"),
               "index.html": _record("articles\x1fa", "articles\x1fb")}
    readers = Readers.of(records)
    assert readers.suspects(wanted_digests({"articles\x1fa"})) == {"a/index.html", "index.html"}
    assert readers.suspects(wanted_digests({"topics\x1fx"})) == set()


def test_a_page_with_damaged_reads_is_a_suspect_of_every_change() -> None:
    readers = Readers.of({"a/index.html": PageRecord("key", b"\x01\x02\x03", "build 1")})
    assert readers.suspects(frozenset()) == {"a/index.html"}


def test_following_adds_the_reads_of_the_new_records_only() -> None:
    first = {"a/index.html": _record("articles\x1fa"), "b/index.html": _record("articles\x1fb"),
             "c/index.html": _record("articles\x1fc"), "d/index.html": _record("articles\x1fd"),
             "e/index.html": _record("articles\x1fe")}
    readers = Readers.of(first)
    second = {**first, "a/index.html": _record("articles\x1fz", made="build 2")}
    followed = readers.following(second)
    assert followed is readers and followed.records is second
    # A page that no longer reads something may stay listed under it: a suspect, no more.
    assert followed.suspects(wanted_digests({"articles\x1fz"})) == {"a/index.html"}
    assert "a/index.html" in followed.suspects(wanted_digests({"articles\x1fa"}))


def test_following_makes_the_index_anew_when_most_records_are_new() -> None:
    readers = Readers.of({"a/index.html": _record("articles\x1fa")})
    other = {"a/index.html": _record("articles\x1fz", made="build 2")}
    followed = readers.following(other)
    assert followed is not readers
    assert followed.suspects(wanted_digests({"articles\x1fa"})) == set()


def test_a_baseline_tests_only_the_suspects_when_the_index_covers_its_records() -> None:
    reading = _record("articles\x1fa")
    records = {"a/index.html": reading, "b/index.html": _record("articles\x1fb")}
    readers = Readers.of(records)
    changed = frozenset({"articles\x1fa"})
    baseline = Baseline("x", records, changed, readers)
    assert baseline.suspects == {"a/index.html"}
    assert baseline.holding("a/index.html", "key") is None
    assert baseline.holding("b/index.html", "key") is records["b/index.html"]
    assert baseline.holding("b/index.html", "another key") is None
    # An index of other records is not used: every page is tested.
    elsewhere = Baseline("x", dict(records), changed, readers)
    assert elsewhere.suspects is None
    assert elsewhere.holding("a/index.html", "key") is None
    assert elsewhere.holding("b/index.html", "key") is records["b/index.html"]


def test_the_index_is_made_anew_once_pages_rendered_again_double_it() -> None:
    records = {f"{i}/index.html": _record(f"articles\x1f{i}") for i in range(10)}
    readers = Readers.of(records)
    for build in range(2, 30):  # the same page rendered again and again
        records = {**records, "0/index.html": _record("articles\x1f0", made=f"build {build}")}
        readers = readers.following(records)
        assert readers.records is records
        assert readers.listed <= 2 * readers.listed_whole + 1
    assert readers.suspects(wanted_digests({"articles\x1f0"})) == {"0/index.html"}
