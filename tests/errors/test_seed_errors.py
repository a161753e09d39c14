"""The exact diagnostics `newsgen build` prints for bad seeds; a failed build writes nothing.

Every test builds a tiny site (one valid seed, `ok.txt`, plus the bad one) from inside its folder,
so paths print as `seeds/bad.txt`. The seeds come from `seed_text()`, whose front matter is:

    1  ---
    2  title: "A plain headline"
    3  excerpt: "About Example Times."
    4  publishedDateTime: 2024-03-05T10:00:00Z
    5  webUrl: "https://example.com/story"
    6  provider:
    7    name: Example Times
    8    domain: example.com
    9  topics:
    10   - Science
    11 (extra lines)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import MakeSite, assert_build_fails_with, read_tree, run_build, seed_text

SHAPE_HINT = "  hint: a seed starts with a line '---', its YAML fields, and another '---'\n"
DATE_HINT = "  hint: an ISO 8601 date and time, for example 2023-08-08T09:13:00Z\n"
FAILED_1 = "Build failed: 1 error; nothing was written.\n"
URL_HINT = ("  hint: only http:// and https:// addresses without a user name or password "
            "are used\n")


def _site_with_bad_seed(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
                        bad: str | bytes) -> Path:
    """A site with a valid `ok.txt` and `bad.txt`; the current directory is the site."""
    site = make_site({"ok.txt": seed_text()})
    path = site / "seeds" / "bad.txt"
    if isinstance(bad, bytes):
        path.write_bytes(bad)
    else:
        path.write_text(bad, encoding="utf-8")
    monkeypatch.chdir(site)
    return site


def test_a_seed_without_front_matter_is_reported_at_line_1(make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, "title: Just text\n\nNo dashes.\n")
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:1:1: error: no front matter: the first line must be '---'\n"
        + SHAPE_HINT + FAILED_1)


def test_front_matter_that_is_never_closed_is_reported_at_its_opening_line(
        make_site, monkeypatch, capsys):
    unclosed = "---\ntitle: Open\nwebUrl: https://example.com/open\n\nBody text.\n"
    site = _site_with_bad_seed(make_site, monkeypatch, unclosed)
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:1:1: error: front matter is never closed\n"
        "  hint: end the front matter with a line that holds only '---'\n" + FAILED_1)


def test_an_empty_seed_file_is_reported_as_empty(make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, "")
    assert_build_fails_with(
        site, capsys, "seeds/bad.txt:1:1: error: empty file\n" + SHAPE_HINT + FAILED_1)


def test_front_matter_that_is_a_list_is_reported_at_the_list(make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, "---\n- title: A\n- title: B\n---\n")
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:2:1: error: front matter must be a mapping of keys to values, "
        "got a list\n" + FAILED_1)


def test_a_missing_title_is_reported_at_the_front_matter_start(make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch,
                               seed_text().replace('title: "A plain headline"\n', ""))
    assert_build_fails_with(
        site, capsys, "seeds/bad.txt:1:1: error: title: required field is missing\n"
        + FAILED_1)


def test_an_unparseable_published_date_time_is_reported_at_its_key_with_an_example(
        make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, seed_text(date="next Tuesday"))
    assert_build_fails_with(
        site, capsys,
        'seeds/bad.txt:4:1: error: publishedDateTime: not a date and time: '
        '"next Tuesday"\n' + DATE_HINT + FAILED_1)


def test_a_well_formed_but_impossible_date_is_reported_at_its_key(
        make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, seed_text(date="2024-02-30T10:00:00Z"))
    assert_build_fails_with(
        site, capsys,
        'seeds/bad.txt:4:1: error: publishedDateTime: not a date and time: '
        '"2024-02-30T10:00:00Z"\n' + DATE_HINT + FAILED_1)


def test_an_image_width_that_is_not_an_integer_is_reported_at_the_width_key(
        make_site, monkeypatch, capsys):
    bad = seed_text(extra="images:\n"
                          "  - url: https://example.com/a.jpg\n"
                          "    width: wide\n"
                          "    height: 683\n")
    site = _site_with_bad_seed(make_site, monkeypatch, bad)
    assert_build_fails_with(
        site, capsys,
        'seeds/bad.txt:13:5: error: images[0].width: expected a positive integer, '
        'got "wide"\n' + FAILED_1)


def test_topics_given_as_a_string_is_reported_with_a_list_example(make_site, monkeypatch, capsys):
    bad = seed_text().replace("topics:\n  - Science\n", "topics: Science\n")
    site = _site_with_bad_seed(make_site, monkeypatch, bad)
    assert_build_fails_with(
        site, capsys,
        'seeds/bad.txt:9:1: error: topics: expected a list, got "Science"\n'
        "  hint: write one item a line, each starting with '- ':\n"
        "    - Computer Vision\n" + FAILED_1)


def test_a_duplicated_key_is_reported_at_its_second_line_naming_the_first(
        make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, seed_text(extra='title: "Again"\n'))
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:11:1: error: duplicate key 'title' (first at line 2)\n"
        "  hint: each key may appear once; remove one of them\n" + FAILED_1)


def test_tab_indentation_is_reported_as_a_tab_with_a_spaces_hint(make_site, monkeypatch, capsys):
    bad = seed_text().replace("  name: Example Times\n", "\tname: Example Times\n")
    site = _site_with_bad_seed(make_site, monkeypatch, bad)
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:7:1: error: invalid YAML: tab character in indentation\n"
        "  hint: YAML indentation must use spaces, not tabs\n" + FAILED_1)


def test_a_seed_that_is_not_utf8_is_reported_at_the_bad_byte(make_site, monkeypatch, capsys):
    lines = seed_text().encode("utf-8").split(b"\n")
    lines[2] = b'excerpt: "caf\xff"'  # line 3; the 0xff is its 14th byte
    site = _site_with_bad_seed(make_site, monkeypatch, b"\n".join(lines))
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:3:14: error: file is not valid UTF-8 (byte 0xff)\n"
        "  hint: save the file as UTF-8\n" + FAILED_1)


def test_a_missing_provider_name_is_reported_at_the_provider_key(make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch,
                               seed_text().replace("  name: Example Times\n", ""))
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:6:1: error: provider.name: required field is missing\n" + FAILED_1)


def test_a_seed_with_neither_web_url_nor_original_url_asks_for_one(
        make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch,
                               seed_text().replace('webUrl: "https://example.com/story"\n', ""))
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:1:1: error: webUrl: required field is missing\n"
        "  hint: give the story's address as webUrl or originalUrl\n" + FAILED_1)


def test_a_javascript_web_url_prints_the_ignored_url_warning_and_the_missing_url_error(
        make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, seed_text(url="javascript:alert(1)"))
    assert_build_fails_with(
        site, capsys,
        'seeds/bad.txt:5:1: warning: webUrl: not a plain http or https URL, ignored: '
        '"javascript:alert(1)"\n' + URL_HINT +
        "seeds/bad.txt:5:1: error: webUrl: no usable http or https URL\n"
        "  hint: give the story's address as webUrl or originalUrl\n" + FAILED_1)


def test_a_javascript_web_url_beside_a_valid_original_url_is_only_a_warning(
        make_site, monkeypatch, capsys):
    site = make_site({"ok.txt": seed_text(url="javascript:alert(1)",
                                          extra="originalUrl: https://example.com/original\n")})
    monkeypatch.chdir(site)
    code = run_build(site)
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ('seeds/ok.txt:5:1: warning: webUrl: not a plain http or https URL, ignored: '
                   '"javascript:alert(1)"\n' + URL_HINT)
    assert re.fullmatch(r"Built 1 article, .* \(20 rendered, 0 unchanged, 0 removed; "
                        r"0 errors, 1 warning\)\.\n", out)
    page = (site / "public/2024/03/05/a-plain-headline/index.html").read_text(encoding="utf-8")
    assert "javascript:" not in page


def test_a_related_item_without_a_title_is_reported_at_that_item(make_site, monkeypatch, capsys):
    bad = seed_text(extra="related:\n"
                          "  - webUrl: https://example.com/other\n"
                          "    provider:\n"
                          "      name: Other Paper\n")
    site = _site_with_bad_seed(make_site, monkeypatch, bad)
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:12:5: error: related[0].title: required field is missing\n"
        + FAILED_1)


def test_every_error_of_every_seed_is_listed_sorted_by_file_and_line(
        make_site, monkeypatch, capsys):
    # In a.txt the width (line 13) is checked before the excerpt (line 3): the output sorts them.
    two_errors = seed_text(extra="images:\n"
                                 "  - url: https://example.com/a.jpg\n"
                                 "    width: 0\n"
                                 "    height: 683\n"
                           ).replace('excerpt: "About Example Times."', "excerpt: [one, two]")
    site = make_site({"a.txt": two_errors, "b.txt": "no front matter\n", "ok.txt": seed_text()})
    monkeypatch.chdir(site)
    assert_build_fails_with(
        site, capsys,
        "seeds/a.txt:3:1: error: excerpt: expected text, got a list\n"
        "seeds/a.txt:13:5: error: images[0].width: expected a positive integer, got 0\n"
        "seeds/b.txt:1:1: error: no front matter: the first line must be '---'\n"
        + SHAPE_HINT
        + "Build failed: 3 errors; nothing was written.\n")


def test_skip_invalid_builds_the_valid_seeds_and_prints_the_problems_as_warnings(
        make_site, monkeypatch, capsys):
    site = _site_with_bad_seed(make_site, monkeypatch, seed_text("Broken", date="next Tuesday"))
    code = run_build(site, "--skip-invalid")
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ('seeds/bad.txt:4:1: warning: publishedDateTime: not a date and time: '
                   '"next Tuesday"\n' + DATE_HINT)
    assert re.fullmatch(r"Built 1 article, 1 topic page, 1 provider page, 1 home page, "
                        r"3 archive pages, 4 index pages, 9 feed and sitemap files in "
                        r"\d+\.\d\d s \(20 rendered, 0 unchanged, 0 removed; "
                        r"0 errors, 1 warning, 1 invalid seed skipped\)\.\n", out)
    assert (site / "public/2024/03/05/a-plain-headline/index.html").is_file()
    assert not (site / "public/2024/03/05/broken").exists()


def test_p3_a_failed_build_exits_1_and_leaves_the_previous_output_byte_for_byte(
        make_site, monkeypatch, capsys):
    site = make_site({"ok.txt": seed_text()})
    monkeypatch.chdir(site)
    assert run_build(site) == 0
    assert "2024/03/05/a-plain-headline/index.html" in read_tree(site / "public")
    capsys.readouterr()

    (site / "seeds" / "bad.txt").write_text(seed_text("Later", date="next Tuesday"),
                                            encoding="utf-8")
    assert_build_fails_with(
        site, capsys,
        'seeds/bad.txt:4:1: error: publishedDateTime: not a date and time: '
        '"next Tuesday"\n' + DATE_HINT + FAILED_1)
    assert sorted(p.name for p in site.iterdir()) == [
        ".newsgen-cache", ".public.tree-a", "public", "seeds", "site.toml"]  # nothing more


def test_a_misspelt_key_gets_a_did_you_mean_warning_beside_the_missing_field_error(
        make_site, monkeypatch, capsys):
    bad = seed_text().replace("publishedDateTime:", "publishedDatetime:")
    site = _site_with_bad_seed(make_site, monkeypatch, bad)
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:1:1: error: publishedDateTime: required field is missing\n"
        + DATE_HINT +
        "seeds/bad.txt:4:1: warning: publishedDatetime: unknown field, ignored\n"
        "  hint: did you mean 'publishedDateTime'?\n" + FAILED_1)


def test_an_unclosed_quote_is_reported_where_it_opens(make_site, monkeypatch, capsys):
    bad = seed_text().replace('"About Example Times."', '"About Example Times.')
    site = _site_with_bad_seed(make_site, monkeypatch, bad)
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:3:10: error: invalid YAML: quoted text is never closed\n"
        "  hint: end it with the matching quote\n" + FAILED_1)


def test_a_raw_control_character_is_reported_at_its_place(make_site, monkeypatch, capsys):
    bad = seed_text().replace("A plain headline", "A plain\x07headline")
    site = _site_with_bad_seed(make_site, monkeypatch, bad)
    assert_build_fails_with(
        site, capsys,
        "seeds/bad.txt:2:16: error: control character U+0007 is not allowed in YAML\n"
        '  hint: remove it, or write it as an escape like "\\x07" in double quotes\n'
        + FAILED_1)
