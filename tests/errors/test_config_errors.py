"""The exact diagnostics `newsgen build` prints for a bad `site.toml`, and that nothing is written.

The config starts from the valid one that tests/helpers.py writes (SITE_TOML):

    1  [site]
    2  title = "Test News"
    3  description = "A test site."
    4  base_url = "https://example.org/news/"
    5  language = "en"
    6  timezone = "Europe/Berlin"
    7
    8  [build]
    9  include_unpublished = true
    10 page_size = 20
    11 related_count = 3
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import MakeSite, assert_build_fails_with, read_tree, run_build, seed_text

FAILED_1 = "Build failed: 1 error; nothing was written.\n"


def _site_with_config(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
                      edit: Callable[[str], str]) -> Path:
    """A site with one valid seed whose site.toml is `edit(valid site.toml)`; cwd is the site."""
    site = make_site({"ok.txt": seed_text()})
    config = site / "site.toml"
    config.write_text(edit(config.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.chdir(site)
    return site


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new)
    return edit


def test_a_misspelt_site_key_is_reported_at_its_line_with_a_did_you_mean_hint(
        make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch, _replace('title = "Test News"', 'titel = "x"'))
    assert_build_fails_with(
        site, capsys,
        "site.toml:2:1: error: unknown key 'site.titel'\n"
        "  hint: did you mean 'title'?\n" + FAILED_1)


def test_an_unknown_section_is_reported_at_its_header_listing_the_known_sections(
        make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch,
                             lambda text: text + '\n[theme]\nname = "dark"\n')
    assert_build_fails_with(
        site, capsys,
        "site.toml:13:1: error: unknown section 'theme'\n"
        "  hint: known sections: site, build, images, limits, seo, feeds, publish\n"
        + FAILED_1)


def test_a_page_size_that_is_not_an_integer_is_reported_at_its_line(
        make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch,
                             _replace("page_size = 20", 'page_size = "ten"'))
    assert_build_fails_with(
        site, capsys,
        'site.toml:10:1: error: build.page_size: expected an integer, got "ten"\n'
        + FAILED_1)


def test_invalid_toml_is_reported_at_the_parser_position(make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch, _replace("[build]", "[build"))
    assert_build_fails_with(
        site, capsys,
        "site.toml:8:7: error: invalid TOML: Expected ']' at the end of a table "
        "declaration\n" + FAILED_1)


def test_an_unclosed_string_in_the_config_is_reported_as_an_unclosed_string(
        make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch, _replace('language = "en"', 'language = "en'))
    assert_build_fails_with(
        site, capsys,
        "site.toml:5:15: error: invalid TOML: string is never closed\n"
        "  hint: end the string with '\"' on the same line\n" + FAILED_1)


def test_an_unknown_timezone_is_reported_with_an_iana_example(make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch, _replace("Europe/Berlin", "Mars/Olympus"))
    assert_build_fails_with(
        site, capsys,
        'site.toml:6:1: error: site.timezone: unknown time zone "Mars/Olympus"\n'
        '  hint: use an IANA name such as "UTC" or "Europe/Berlin"\n' + FAILED_1)


def test_a_base_url_that_is_not_http_is_reported_with_an_example(make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch,
                             _replace("https://example.org/news/", "ftp://example.org/news/"))
    assert_build_fails_with(
        site, capsys,
        'site.toml:4:1: error: site.base_url: expected an http(s) URL, '
        'got "ftp://example.org/news/"\n'
        '  hint: for example base_url = "https://user.github.io/repo/"\n' + FAILED_1)


def test_a_missing_config_file_is_reported_with_how_to_point_at_one(
        make_site, monkeypatch, capsys):
    site = make_site({"ok.txt": seed_text()})
    (site / "site.toml").unlink()
    monkeypatch.chdir(site)
    assert_build_fails_with(
        site, capsys,
        "site.toml: error: config file not found\n"
        "  hint: run newsgen from the site's folder or pass --config PATH\n" + FAILED_1)


def test_a_bad_config_leaves_the_previous_output_byte_for_byte_unchanged(
        make_site, monkeypatch, capsys):
    site = make_site({"ok.txt": seed_text()})
    monkeypatch.chdir(site)
    assert run_build(site) == 0
    assert "index.html" in read_tree(site / "public")
    capsys.readouterr()

    config = site / "site.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("page_size = 20",
                                                                 'page_size = "ten"'))
    assert_build_fails_with(
        site, capsys,
        'site.toml:10:1: error: build.page_size: expected an integer, got "ten"\n' + FAILED_1)


def test_a_page_size_of_zero_is_reported_with_the_allowed_range(make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch, _replace("page_size = 20", "page_size = 0"))
    assert_build_fails_with(
        site, capsys,
        "site.toml:10:1: error: build.page_size: expected an integer from 1 to 1,000, "
        "got 0\n" + FAILED_1)


def test_a_limit_of_the_wrong_type_is_reported_at_its_line(make_site, monkeypatch, capsys):
    site = _site_with_config(make_site, monkeypatch,
                             lambda text: text + '\n[limits]\nmarkdown_seconds = "two"\n')
    assert_build_fails_with(
        site, capsys,
        'site.toml:14:1: error: limits.markdown_seconds: expected a number, got "two"\n'
        + FAILED_1)
