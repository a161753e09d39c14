"""R1–R10, L1–L6: a site of hostile seeds builds, and nothing in it can run or escape.

The seeds in hostile/seeds put markup, script breakouts, template syntax, dangerous URLs
and broken text in every field. Every page is parsed with a real HTML parser.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.urls import safe_external_url
from tests.helpers import PageScan, run_build

HERE = Path(__file__).resolve().parent / "hostile"
BASE = "/hostile/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(HERE, root / "site")
    # Without search: its form and script are the site's own, and tested elsewhere.
    assert run_build(root / "site", "--no-search") == 0
    return root


def output_files(built: Path, pattern: str = "*") -> list[Path]:
    """The files of the build's output whose names match `pattern`, sorted."""
    return sorted(p for p in (built / "site" / "public").rglob(pattern) if p.is_file())


def pages(built: Path) -> list[tuple[Path, PageScan]]:
    scans = []
    for path in output_files(built, "*.html"):
        scan = PageScan()
        scan.feed(path.read_text(encoding="utf-8"))
        scans.append((path, scan))
    return scans


def test_r1_r5_no_page_has_a_script_element_but_our_json_ld(built: Path) -> None:
    scanned = pages(built)
    assert scanned, "the build wrote no page"
    for path, scan in scanned:
        assert all(script == {"type": "application/ld+json"} for script in scan.scripts), path
        assert not scan.tags & {"iframe", "svg", "math", "style", "object", "embed", "form",
                                "base", "meta http-equiv"}, path


def test_r2_no_page_has_an_event_attribute(built: Path) -> None:
    scanned = pages(built)
    assert scanned, "the build wrote no page"
    for path, scan in scanned:
        assert scan.event_attributes == [], path


def test_r3_r4_every_url_is_plain_http_or_inside_the_site(built: Path) -> None:
    scanned = pages(built)
    assert scanned, "the build wrote no page"
    assert [path for path, scan in scanned if not scan.urls] == []  # each links somewhere
    for path, scan in scanned:
        for url in scan.urls:
            if url == "#main":  # the skip link
                continue
            if url.startswith(BASE) and not url.startswith("//"):
                assert ".." not in urlsplit(url).path.split("/"), (path, url)
                continue
            assert url.startswith("mailto:") or safe_external_url(url) == url, (path, url)


def test_r7_every_json_ld_block_parses_and_cannot_break_out(built: Path) -> None:
    kinds: Counter[str] = Counter()
    scanned = pages(built)
    assert scanned, "the build wrote no page"
    for path, scan in scanned:
        for body in scan.script_bodies:
            assert "</script" not in body.lower() and "<!--" not in body, path
            kinds[json.loads(body)["@type"]] += 1
    assert kinds["NewsArticle"] == kinds["BreadcrumbList"] == 19
    assert set(kinds) == {"NewsArticle", "BreadcrumbList", "CollectionPage"}


def test_r7_json_ld_keeps_the_hostile_headline_as_data(built: Path) -> None:
    for _, scan in pages(built):
        for body in scan.script_bodies:
            if "alert(2)" in json.loads(body).get("headline", ""):
                assert json.loads(body)["headline"] == (
                    "</script><script>alert(2)</script> title 2")
                return
    raise AssertionError("the article with the </script> title was not found")


def test_r10_template_syntax_in_data_is_printed_literally(built: Path) -> None:
    home = (built / "site" / "public" / "index.html").read_text(encoding="utf-8")
    assert "{{ 7*7 }} {% include &#39;/etc/passwd&#39; %} {{ &#39;&#39;.__class__ }}" in home
    assert "root:x:0:0" not in home


def test_r6_no_markdown_extension_reads_local_files(built: Path) -> None:
    passwd = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]
    files = output_files(built)
    assert files, "the build wrote no file"
    for path in files:
        assert passwd.encode() not in path.read_bytes(), path


def test_l1_broken_text_is_cleaned_before_it_reaches_a_page(built: Path) -> None:
    html_files = output_files(built, "*.html")
    assert html_files, "the build wrote no page"
    for path in html_files:
        text = path.read_text(encoding="utf-8")
        assert not any(char in text for char in "\x00\x07\x0b\ufffe"), path


def test_l2_l3_l5_l6_every_path_is_a_short_safe_slug_inside_the_output(built: Path) -> None:
    public = (built / "site" / "public").resolve()
    paths = sorted(public.rglob("*"))
    assert paths, "the build wrote nothing"
    for path in paths:
        assert path.resolve().is_relative_to(public)
        assert all(len(part.encode()) <= 255 for part in path.relative_to(public).parts)
        assert path.name.isascii() and " " not in path.name, path
    names = [p.parent.name for p in public.glob("2024/06/*/*/index.html")]
    assert names, "no article page of June 2024"
    assert len(names) == len(set(names))
    assert len({n.casefold() for n in names}) == len(names)


def test_l4_homoglyph_case_and_normalisation_twins_get_distinct_pages(built: Path) -> None:
    public = built / "site" / "public"
    slugs = sorted(p.name for p in (public / "2024/06/03").iterdir() if p.is_dir())
    assert len(slugs) == 6  # beside the day's archive page, index.html
    assert "paypal-news" in slugs and "apple" in slugs and "cafe-story" in slugs


def test_the_secured_blobs_never_reach_the_output(built: Path) -> None:
    files = output_files(built)
    assert files, "the build wrote no file"
    for path in files:
        assert b"HOSTILE-SECRET" not in path.read_bytes(), path


def test_nothing_is_written_outside_the_output_folder(built: Path) -> None:
    assert sorted(p.name for p in built.iterdir()) == ["site"]
    assert sorted(p.name for p in (built / "site").iterdir()) == [
        ".newsgen-cache", ".public.tree-a", "public", "seeds", "site.toml"]
    assert os.readlink(built / "site" / "public") == ".public.tree-a"


def test_r8_no_output_file_holds_a_character_illegal_in_xml(built: Path) -> None:
    illegal = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
    texts = [p for p in output_files(built) if p.suffix in (".html", ".xml", ".json", ".txt")]
    assert {p.suffix for p in texts} == {".html", ".xml", ".json", ".txt"}
    for path in texts:
        assert not illegal.search(path.read_text(encoding="utf-8")), path
