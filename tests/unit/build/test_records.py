from __future__ import annotations

import sys
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path

from generator.build.cache import KeptModel, PageRecord
from generator.build.records import Baseline, changed_reads, page_key, snapshot
from generator.images.references import ImageCache
from generator.model import Article, Citation, Image
from generator.site.index import index_site
from generator.site.plan import Entry, ListingRef, Page
from generator.site.reads import (
    FIELDWISE,
    LEAD_IMAGES,
    RECORDED,
    holds_none,
    read_digests,
    wanted_digests,
)
from tests.helpers import article, config, related_item


def _snapshot(*articles: Article) -> dict[str, dict[str, object]]:
    site = index_site(articles, config())
    digests = {str(a.source): f"digest of {a.title}" for a in articles}
    return snapshot(site, ImageCache(Path("/images")), digests)


def test_the_snapshot_holds_every_mapping_a_page_can_read() -> None:
    taken = _snapshot(article("a", topics=("Science",)), article("b"))
    names = {name.partition(".")[0] for name in taken}
    assert names == {*RECORDED, "images", "newest_first", LEAD_IMAGES}
    assert {"topics.name", "topics.slug", "topics.article_ids", "providers.citations"} <= set(taken)


def test_a_title_edit_changes_the_article_its_coverage_and_its_path_only() -> None:
    before = _snapshot(article("a", "Old"), article("b", "Other", day=2))
    after = _snapshot(article("a", "New"), article("b", "Other", day=2))
    changed = changed_reads(before, after)
    assert {"articles\x1fa", "coverage\x1fa", "article_paths\x1fa"} <= changed
    assert {"articles\x1f*", "article_paths\x1f*"} <= changed
    assert not any(read.endswith("\x1fb") for read in changed)
    assert not any(read.startswith(("topics", "providers", "newest_first")) for read in changed)


def test_a_new_story_in_a_topic_changes_its_list_not_its_name() -> None:
    before = _snapshot(article("a", topics=("Science",)))
    after = _snapshot(article("a", topics=("Science",)), article("b", topics=("Science",)))
    changed = changed_reads(before, after)
    assert {"topics.article_ids\x1fscience", "topics\x1fscience", "topics\x1f*",
            "articles\x1fb", "newest_first\x1f*"} <= changed
    assert "topics.name\x1fscience" not in changed
    assert "articles\x1fa" not in changed


def test_a_topic_that_appears_changes_the_read_of_its_absence() -> None:
    before = _snapshot(article("a", topics=("Science",)))
    after = _snapshot(article("a", topics=("Science", "Space")))
    changed = changed_reads(before, after)
    assert {"topics\x1fspace", "topics.name\x1fspace", "topic_slugs\x1fSpace"} <= changed


def test_a_cited_storys_text_changes_the_article_that_cites_it_not_the_providers_list(
        ) -> None:
    # A listing shows a citation through the citing article (`views.citation`); a page
    # that only counts or pages the provider's citations does not show its text.
    cited = related_item("https://other.org/x")
    before = _snapshot(article("a", related=(cited,)))
    after = _snapshot(article("a", "Retitled", related=(replace(cited, title="New"),)))
    changed = changed_reads(before, after)
    assert "articles\x1fa" in changed
    assert not any(read.startswith("providers") for read in changed)


def test_a_cited_storys_url_changes_the_providers_list() -> None:
    before = _snapshot(article("a", related=(related_item("https://other.org/x"),)))
    after = _snapshot(article("a", related=(related_item("https://other.org/y"),)))
    assert "providers.citations\x1fother-org" in changed_reads(before, after)


def test_the_lead_images_change_with_an_articles_first_image_not_its_title() -> None:
    first = (Image("https://example.org/a.jpg", 800, 600, True),)
    plain = _snapshot(replace(article("a"), images=first), article("b", day=2))
    assert f"{LEAD_IMAGES}\x1f*" not in changed_reads(
        plain, _snapshot(replace(article("a", "Retitled"), images=first), article("b", day=2)))
    assert f"{LEAD_IMAGES}\x1f*" in changed_reads(
        plain, _snapshot(article("a"), article("b", day=2)))


def test_equal_snapshots_change_nothing() -> None:
    assert changed_reads(_snapshot(article("a")), _snapshot(article("a"))) == frozenset()


def test_a_record_holds_while_its_key_is_the_same_and_none_of_its_reads_changed() -> None:
    record = PageRecord("key", read_digests({"articles\x1fa", "related\x1fa"}), "build 1")
    baseline = Baseline("a", {"x/index.html": record}, frozenset({"articles\x1fb"}))
    assert baseline.holding("x/index.html", "key") is record
    assert baseline.holding("x/index.html", "other key") is None
    assert baseline.holding("y/index.html", "key") is None
    moved = Baseline("a", {"x/index.html": record}, frozenset({"related\x1fa"}))
    assert moved.holding("x/index.html", "key") is None



def test_a_record_is_tested_digest_by_digest_and_a_damaged_one_never_holds() -> None:
    reads = read_digests({f"articles\x1f{i}" for i in range(200)})
    wanted = wanted_digests({"articles\x1f7", "related\x1fz"})
    assert not holds_none(reads, wanted)
    assert holds_none(reads, wanted_digests({"related\x1fz"}))
    assert holds_none(reads, frozenset()) and holds_none(b"", wanted)
    # Bytes that straddle two digests are not a digest of the record.
    straddle = int.from_bytes(reads[4:12], sys.byteorder)
    assert holds_none(reads, frozenset({straddle}))
    assert not holds_none(reads[:-3], wanted_digests({"related\x1fz"}))


def test_every_field_of_a_page_plan_is_in_its_key() -> None:
    when = datetime(2024, 3, 1, tzinfo=UTC)
    page = Page("/topics/science/page/2/", "topic", "topic.html", ListingRef("topic", "x"),
                (Entry("a"), Entry("b", related_item("https://other.org/1"))), 2, 3,
                "/topics/science/", "/topics/science/page/3/", when,
                (("/a/", when),), "a", (("x", ("a",)),))
    others = {
        "path": "/topics/science/page/4/", "kind": "provider", "template": "provider.html",
        "subject": ListingRef("topic", "y"),
        "entries": (Entry("a"), Entry("b", related_item("https://other.org/2"))),
        "number": 3, "count": 4, "prev_path": None, "next_path": None,
        "lastmod": when.replace(day=2), "urls": (("/a/", None),), "lead": "b",
        "sections": (("x", ("b",)),),
    }
    assert set(others) == {item.name for item in fields(Page)}
    key = page_key("fingerprint", page)
    assert page_key("another fingerprint", page) != key
    for name, value in others.items():
        assert page_key("fingerprint", replace(page, **{name: value})) != key, name


def test_a_snapshot_taken_after_another_equals_one_taken_anew() -> None:
    """`serve` keeps its site model and its last snapshot, and passes both: values that
    are the same objects keep their form, and a seed's new digest reaches its coverage;
    not the citations of the providers it cites, which listings show through the citing
    article."""
    images = ImageCache(Path("/images"))
    stories = [article(f"a{i}", f"Story {i}", day=i % 5 + 1, domain=f"p{i % 3}.org",
                       related=(related_item(f"https://other.org/{i}",
                                             domain=f"o{i % 2}.org"),)) for i in range(8)]
    site = index_site(stories, config())
    digests = {str(a.source): f"digest {a.id}" for a in stories}
    taken = KeptModel(site, snapshot(site, images, digests))
    for step, key in enumerate(["a3", "a5", "a3"]):
        digests = {**digests, f"{key}.txt": f"digest {key} {step}"}
        lead = (Image(f"https://example.org/{step}.jpg", 800, 600, True),) if step else ()
        edited = {a.id: replace(a, title=a.title + "!", images=lead) if a.id == key else a
                  for a in site.articles.values()}
        site = replace(site, articles=edited)  # as `serve` reuses its model
        again = snapshot(site, images, digests, taken)
        assert again == snapshot(site, images, digests), step
        assert again["coverage"] != taken.snapshot["coverage"]
        assert again["providers.citations"] == taken.snapshot["providers.citations"]
        taken = KeptModel(site, again)


def test_only_the_citations_of_providers_show_articles_of_the_site() -> None:
    """A tuple of citations has its own form, the citing articles and the cited URLs: no
    other readable value may hold a citation, whose repr would show the cited story."""
    site = index_site([article("a", related=(related_item("https://other.org/x"),))],
                      config())
    for name in RECORDED:
        for value in getattr(site, name).values():
            held = [getattr(value, item.name) for item in fields(value)] \
                if name in FIELDWISE else [value]
            for index, part in enumerate(held):
                if isinstance(part, tuple) and any(isinstance(x, Citation) for x in part):
                    assert (name, fields(value)[index].name) == ("providers", "citations")
