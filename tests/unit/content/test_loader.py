from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.content.loader import load_seed, load_seeds
from generator.content.seeds import find_seeds
from generator.model import Image, ProviderRef
from tests.helpers import LIMITS, REAL_SEED, UTC_ZONE, load_seed_text, seed_text


def test_the_real_seed_loads_every_field() -> None:
    result = load_seed(REAL_SEED, UTC_ZONE, LIMITS)
    article = result.article
    assert result.problems == () and article is not None
    assert article.id == "000_678fb8710ce2a97b"
    assert article.published_at == datetime(2023, 8, 8, 9, 13, tzinfo=UTC)
    assert article.provider == ProviderRef("coinspeaker", "coinspeaker.com")
    assert article.topics == ("Computer Vision", "AI")
    assert article.images == (Image(
        "https://www.coinspeaker.com/wp-content/uploads/2023/05/"
        "china-prosecution-agency-nft-users.jpg", 1024, 683, True),)
    assert [item.provider.name for item in article.related] == [
        "Forbes", "中国日报网", "International Business Times"]
    assert article.published is False and article.quality == 56 and article.heat == -1
    assert article.secured.startswith("FDGCkgf")
    assert article.body_html == ""


def test_unknown_fields_are_kept_but_unused(tmp_path: Path) -> None:
    article = load_seed_text(tmp_path, seed_text(extra="sentiment: 0.4\n")).article
    assert article is not None and article.extra == (("sentiment", 0.4),)


def test_a_naive_date_is_read_in_the_site_time_zone(tmp_path: Path) -> None:
    article = load_seed_text(tmp_path, seed_text(date="2024-03-05T10:00:00"),
                             ZoneInfo("Europe/Berlin")).article
    assert article is not None
    assert article.published_at.astimezone(UTC) == datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


def test_the_provider_domain_defaults_to_the_story_host(tmp_path: Path) -> None:
    text = seed_text(url="https://www.Example.com/x").replace("  domain: example.com\n", "")
    article = load_seed_text(tmp_path, text).article
    assert article is not None and article.provider.domain == "example.com"


def test_text_is_normalised_and_cleaned_of_control_characters(tmp_path: Path) -> None:
    # YAML's escapes put a NUL and a vertical tab into the title; the e is decomposed (NFD).
    text = seed_text("placeholder").replace('"placeholder"', '"Cafe\u0301 \\x00news\\x0b"')
    article = load_seed_text(tmp_path, text).article
    assert article is not None and article.title == "Café news"


def test_a_body_becomes_sanitized_html(tmp_path: Path) -> None:
    text = seed_text(body="Hello **world** <script>x</script>\n")
    article = load_seed_text(tmp_path, text).article
    assert article is not None
    assert article.body_html == "<p>Hello <strong>world</strong> &lt;script&gt;x&lt;/script&gt;</p>"


def test_a_javascript_image_url_drops_the_image_with_a_warning(tmp_path: Path) -> None:
    result = load_seed_text(tmp_path, seed_text(extra=(
        "images:\n  - url: \"javascript:alert(1)\"\n    width: 10\n    height: 10\n")))
    assert result.article is not None and result.article.images == ()
    assert [p.severity for p in result.problems] == ["warning"]
    assert result.problems[0].message == (
        'images[0].url: not a plain http or https URL, ignored: "javascript:alert(1)"')


def test_editor_temp_files_and_other_suffixes_are_not_seeds(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", ".a.txt.swp", "a.txt~", "#a.txt#", "notes.rst", ".hidden.txt"):
        (tmp_path / name).write_text("x")
    paths, problems = find_seeds(tmp_path)
    assert [p.name for p in paths] == ["a.txt", "b.md"] and problems == []


def test_a_symlink_leading_outside_the_seeds_folder_is_an_error(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (tmp_path / "secret.txt").write_text("password")
    (seeds / "link.txt").symlink_to(tmp_path / "secret.txt")
    paths, problems = find_seeds(seeds)
    assert paths == []
    assert problems[0].message == "symlink points outside the seeds folder"


def test_two_seeds_with_one_id_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text(seed_text())
    (tmp_path / "x.md").write_text(seed_text())
    articles, problems = load_seeds(tmp_path, UTC_ZONE, LIMITS)
    assert len(articles) == 1
    assert [p.message for p in problems] == ["duplicate seed id 'x'"]


def test_a_missing_seeds_folder_is_an_error(tmp_path: Path) -> None:
    articles, problems = load_seeds(tmp_path / "nope", UTC_ZONE, LIMITS)
    assert articles == [] and problems[0].message == "seeds folder not found"
