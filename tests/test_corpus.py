"""Check that benchmarks/corpus.py writes deterministic, parseable, realistically varied seeds."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks import corpus
from tests.helpers import split_seed


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict[str, Any], str]]:
    out = tmp_path_factory.mktemp("corpus2000")
    paths = corpus.write_corpus(out, 2000, seed=1)
    return [(path, *split_seed(path.read_text(encoding="utf-8"))) for path in paths]


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    first = corpus.write_corpus(tmp_path / "a", 300, seed=5)
    second = corpus.write_corpus(tmp_path / "b", 300, seed=5)
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))


def test_a_different_seed_gives_a_different_corpus(tmp_path: Path) -> None:
    first = corpus.write_corpus(tmp_path / "a", 20, seed=1)
    second = corpus.write_corpus(tmp_path / "b", 20, seed=2)
    assert [p.name for p in first] != [p.name for p in second]


def test_file_names_are_a_six_digit_index_and_sixteen_hex_digits(tmp_path: Path) -> None:
    paths = corpus.write_corpus(tmp_path, 50)
    assert len(paths) == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]
    for index, path in enumerate(paths):
        assert re.fullmatch(rf"{index:06d}_[0-9a-f]{{16}}\.txt", path.name)


def test_the_command_line_writes_the_same_files_as_the_function(tmp_path: Path) -> None:
    assert corpus.main([str(tmp_path / "cli"), "40", "--seed", "3"]) == 0
    paths = corpus.write_corpus(tmp_path / "fn", 40, seed=3)
    assert len(paths) == 40
    for path in paths:
        assert (tmp_path / "cli" / path.name).read_bytes() == path.read_bytes()


def test_start_date_moves_every_publication_date(tmp_path: Path) -> None:
    assert corpus.main([str(tmp_path), "100", "--start-date", "2020-03-01"]) == 0
    paths = sorted(tmp_path.iterdir())
    assert len(paths) == 100
    for path in paths:
        data, _ = split_seed(path.read_text(encoding="utf-8"))
        published = data["publishedDateTime"]
        assert date(2020, 3, 1) <= published.date() < date(2022, 3, 1)


def test_every_seed_parses_with_the_required_fields(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    assert len(big_corpus) == 2000
    for path, data, body in big_corpus:
        assert isinstance(data["title"], str) and data["title"], path
        assert isinstance(data["publishedDateTime"], datetime), path
        assert data["publishedDateTime"].utcoffset() is not None, path
        assert isinstance(data["provider"]["name"], str), path
        assert data["provider"]["domain"].isascii(), path
        assert data["webUrl"].startswith("https://"), path
        assert 1 <= len(data["topics"]) <= 4, path
        assert all(isinstance(topic, str) for topic in data["topics"]), path
        assert 0 <= data["quality"] <= 100 and -1 <= data["heat"] <= 100, path
        assert isinstance(data["published"], bool), path
        assert len(data["images"]) <= 2 and len(data["related"]) <= 5, path
        assert isinstance(data["secured"], str) and len(data["secured"]) > 250, path
        assert body.endswith("\n"), path


def test_publication_times_are_in_utc_with_a_z_suffix(tmp_path: Path) -> None:
    paths = corpus.write_corpus(tmp_path, 100)
    assert len(paths) == 100
    for path in paths:
        times = re.findall(r"publishedDateTime: (\S+)", path.read_text(encoding="utf-8"))
        assert times
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times)


def test_topic_and_provider_counts_grow_with_the_corpus(
    tmp_path: Path, big_corpus: list[tuple[Path, dict[str, Any], str]]
) -> None:
    topics = {topic for _, data, _ in big_corpus for topic in data["topics"]}
    providers = {data["provider"]["domain"] for _, data, _ in big_corpus}
    assert len(topics) >= 30
    assert len(providers) >= 100
    small_paths = corpus.write_corpus(tmp_path, 50)
    small = [split_seed(p.read_text(encoding="utf-8"))[0] for p in small_paths]
    assert len({data["provider"]["domain"] for data in small}) < len(providers)


def test_a_few_providers_publish_most_articles(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    counts = Counter(data["provider"]["domain"] for _, data, _ in big_corpus)
    top_ten = sum(count for _, count in counts.most_common(10))
    assert top_ten > len(big_corpus) * 0.35


def test_some_titles_have_no_latin_letters_and_some_have_accents(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    titles = [data["title"] for _, data, _ in big_corpus]
    assert any(not re.search("[A-Za-z]", title) for title in titles)
    assert any(re.search("[À-ÿ]", title) for title in titles)
    assert any(re.search("[&<\"]", title) for title in titles)


def test_some_providers_have_non_ascii_names(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    assert any(not data["provider"]["name"].isascii() for _, data, _ in big_corpus)


def test_some_titles_repeat_on_the_same_day(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    keys = Counter(
        (data["title"], data["publishedDateTime"].date()) for _, data, _ in big_corpus
    )
    assert any(count > 1 for count in keys.values())


def test_web_urls_are_unique_and_related_items_link_to_other_seeds(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    urls = [data["webUrl"] for _, data, _ in big_corpus]
    assert len(set(urls)) == len(urls)
    known = set(urls)
    related = [(data, item) for _, data, _ in big_corpus for item in data["related"]]
    linked = [(data, item) for data, item in related if item["webUrl"] in known]
    assert 0.15 < len(linked) / len(related) < 0.45
    assert all(item["webUrl"] != data["webUrl"] for data, item in linked)
    assert all(
        item["provider"]["domain"] != data["provider"]["domain"] for data, item in related
    )


def test_related_items_sometimes_lack_optional_fields(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    related = [item for _, data, _ in big_corpus for item in data["related"]]
    assert any("excerpt" not in item for item in related)
    assert any("publishedDateTime" not in item for item in related)
    assert all(len(item["images"]) <= 1 for item in related)


def test_about_half_the_seeds_have_a_markdown_body(
    big_corpus: list[tuple[Path, dict[str, Any], str]],
) -> None:
    bodies = [body for _, _, body in big_corpus]
    with_body = [body for body in bodies if body.strip()]
    assert 0.4 < len(with_body) / len(bodies) < 0.6
    text = "\n".join(with_body)
    for marker in ("**", "_", "](https://example.org/", "\n- ", "## "):
        assert marker in text
