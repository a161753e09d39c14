"""Scheduled stories: a seed dated after the build's "now" is in no file of the output until
its time, and a build that crosses that time, with no file changed, equals a clean one."""

from __future__ import annotations

import gzip
import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import MakeSite, every_file, read_tree, run_build, seed_text
from tests.serving import PreviewServer

STORM_TITLE = "Storm season opens early"
STORM_URL = "https://storms.example.net/2026/season"
STORM = seed_text(STORM_TITLE, date="2026-12-24T06:00:00Z", url=STORM_URL,
                  provider="Storm Desk", domain="storms.example.net", topics=("Weather",))
CITING = seed_text("Harbour braces for winter", date="2026-12-01T09:00:00Z",
                   url="https://example.com/harbour", topics=("Weather",), extra=f"""\
    related:
      - title: "The season ahead"
        webUrl: "{STORM_URL}"
        provider:
          name: Storm Desk
          domain: storms.example.net
    """)
BEFORE, DUE = "2026-12-20T00:00:00Z", "2026-12-24T06:00:00Z"
STORM_PAGE = "2026/12/24/storm-season-opens-early/index.html"
HARBOUR_PAGE = "2026/12/01/harbour-braces-for-winter/index.html"


def _site(make_site: MakeSite, *, citing: bool = True) -> Path:
    """The scheduled story, an older one and (with `citing`) one whose related coverage
    cites the scheduled story's URL, which then shows in its page as the publisher's."""
    seeds = {"storm.txt": STORM,
             "old.txt": seed_text("An older story", url="https://example.com/old")}
    if citing:
        seeds["harbour.txt"] = CITING
    return make_site(seeds)


def _all_text(root: Path) -> str:
    """Every file of the output as text, the search index's gzipped fragments unpacked."""
    texts = []
    for data in every_file(root).values():
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        texts.append(data.decode("utf-8", "replace"))
    return "\n".join(texts)


def test_a_story_not_yet_due_is_in_no_file_of_the_output(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(make_site, citing=False)
    assert run_build(site, "--now", BEFORE) == 0
    summary = capsys.readouterr().out
    assert summary.endswith(" 1 story is scheduled; the next is due 2026-12-24 06:00 UTC.\n")
    output = _all_text(site / "public")
    assert "An older story" in output  # the build did write the others, search index too
    assert "pagefind" in "".join(every_file(site / "public"))
    for trace in ("storm", "Storm", STORM_URL.split("//")[1], "Weather"):
        assert trace not in output, trace


def test_coverage_citing_a_story_not_yet_due_links_to_the_publisher(
        make_site: MakeSite) -> None:
    site = _site(make_site)
    assert run_build(site, "--now", BEFORE) == 0
    harbour = (site / "public" / HARBOUR_PAGE).read_text(encoding="utf-8")
    assert re.search(f'href="{STORM_URL}"[^>]*>The season ahead', harbour)
    assert "storm-season-opens-early" not in _all_text(site / "public")
    assert not (site / "public" / STORM_PAGE).exists()


def test_a_story_is_built_from_its_time_on(make_site: MakeSite) -> None:
    site = _site(make_site)
    assert run_build(site, "--now", DUE) == 0
    page = (site / "public" / STORM_PAGE).read_text(encoding="utf-8")
    assert STORM_TITLE in page and "Scheduled for" not in page
    home = (site / "public" / "index.html").read_text(encoding="utf-8")
    assert STORM_TITLE in home
    harbour = (site / "public" / HARBOUR_PAGE).read_text(encoding="utf-8")
    assert re.search(r'href="/news/2026/12/24/storm-season-opens-early/"[^>]*>The season ahead',
                     harbour)


def test_crossing_a_story_s_time_with_no_file_changed_equals_a_clean_build(
        make_site: MakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(make_site)
    assert run_build(site, "--now", BEFORE) == 0
    assert run_build(site, "--now", "2026-12-23T00:00:00Z") == 0
    assert "(0 rendered, " in capsys.readouterr().out  # still before: nothing to do
    assert run_build(site, "--now", DUE) == 0
    assert "(0 rendered, " not in capsys.readouterr().out
    incremental = read_tree(site / "public")
    other = tmp_path / "clean"
    shutil.copytree(site / "seeds", other / "seeds")
    shutil.copy(site / "site.toml", other / "site.toml")
    assert run_build(other, "--now", DUE) == 0
    assert read_tree(other / "public") == incremental
    # And back before its time: the story goes again.
    assert run_build(site, "--now", BEFORE) == 0
    assert not (site / "public" / STORM_PAGE).exists()


def test_future_true_builds_it_ahead_marked_as_scheduled(make_site: MakeSite) -> None:
    site = _site(make_site)
    config = site / "site.toml"
    config.write_text(config.read_text().replace("[build]\n", "[build]\nfuture = true\n"))
    assert run_build(site, "--now", BEFORE) == 0
    page = (site / "public" / STORM_PAGE).read_text(encoding="utf-8")
    assert re.search(r'<p class="meta scheduled"[^>]*>Scheduled for <time datetime='
                     r'"2026-12-24T07:00:00\+01:00">', page)
    assert run_build(site, "--now", DUE) == 0
    assert "Scheduled for" not in (site / "public" / STORM_PAGE).read_text(encoding="utf-8")


def test_serve_future_shows_a_scheduled_story_marked(make_site: MakeSite) -> None:
    """`serve` runs on the clock; a story dated 2099 is scheduled whatever day this runs."""
    site = make_site({"far.txt": seed_text("A story for the next century",
                                           date="2099-01-01T00:00:00Z",
                                           url="https://example.com/far"),
                      "old.txt": seed_text("An older story", url="https://example.com/old")})
    page = "2099/01/01/a-story-for-the-next-century/"
    with PreviewServer(site, "--jobs", "1", "--no-search") as plain, \
            urllib.request.urlopen(plain.url) as response:
        assert b"next century" not in response.read()
    with PreviewServer(site, "--jobs", "1", "--no-search", "--future") as future:
        with urllib.request.urlopen(future.url + page) as response:
            html = response.read().decode()
        assert "A story for the next century" in html and "Scheduled for" in html
