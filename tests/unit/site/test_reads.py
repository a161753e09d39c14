"""Reading a site's articles through the mappings of `site.reads`."""

from __future__ import annotations

from dataclasses import replace

from generator.model import Article, Image
from generator.site.reads import OnDemand, ReadLog, recording_images, unrecorded_lead_images
from tests.helpers import article


def with_lead(item: Article, url: str) -> Article:
    return replace(item, images=(Image(url, 800, 600, True),))


def test_the_lead_images_of_an_on_demand_mapping_make_no_article_it_was_told_of() -> None:
    stored = {"a": with_lead(article("a"), "https://img/a.jpg"), "b": article("b"),
              "c": with_lead(article("c"), "https://img/c-old.jpg")}
    made: list[str] = []

    def make(key: str) -> Article:
        made.append(key)
        return stored[key]

    edited = with_lead(article("c"), "https://img/c-new.jpg")  # a value made already
    articles = OnDemand(("c", "b", "a", "d"), make, {"c": edited},
                        lambda: {"a": "https://img/a.jpg", "b": None,
                                 "c": "https://img/c-old.jpg"})
    stored["d"] = with_lead(article("d"), "https://img/d.jpg")  # not told of: made
    log = ReadLog()
    with log.capture() as reads:  # as a page reads them, through a recording mapping
        assert list(unrecorded_lead_images(recording_images(articles, log))) == [
            ("c", "https://img/c-new.jpg"), ("b", None), ("a", "https://img/a.jpg"),
            ("d", "https://img/d.jpg")]
    assert made == ["d"]
    assert not reads


def test_the_lead_images_of_a_recorded_mapping_log_no_read() -> None:
    log = ReadLog()
    articles = recording_images({"b": article("b"), "a": with_lead(article("a"), "u")}, log)
    with log.capture() as reads:
        assert list(unrecorded_lead_images(articles)) == [("b", None), ("a", "u")]
    assert not reads
