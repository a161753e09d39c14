"""What the search tests read: the article pages of a build as the search index sees them,
and the search page's answer (its status line and its results, in the order shown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import html as lxml_html
from playwright.sync_api import Page

from tests.e2e.helpers import ServedSite


@dataclass(frozen=True)
class Article:
    path: str
    """Site path, relative to the base: `2023/08/08/slug/`."""
    title: str
    topics: tuple[str, ...]
    provider: str
    published: datetime


def articles_of(output: Path) -> dict[str, Article]:
    """Every article page of a build, read from its HTML: site path → what it shows."""
    found: dict[str, Article] = {}
    for page in sorted(output.rglob("index.html")):
        text = page.read_text(encoding="utf-8")
        if "data-pagefind-body" not in text:
            continue
        story = lxml_html.fromstring(text).xpath("//article[@data-pagefind-body]")[0]
        stamp = story.xpath(".//time[@data-pagefind-sort]/@datetime")[0]
        path = page.parent.relative_to(output).as_posix() + "/"
        found[path] = Article(
            path=path,
            title=story.xpath("string(.//h1)").strip(),
            topics=tuple(a.text_content().strip() for a in story.xpath(
                ".//*[starts-with(@data-pagefind-filter, 'topic:')]")),
            provider=story.xpath(
                "string(.//*[starts-with(@data-pagefind-filter, 'provider:')])").strip(),
            published=datetime.fromisoformat(stamp))
    return found


def wait_for_search(page: Page) -> str:
    """Wait until the search page has shown its answer; return the status line."""
    page.wait_for_function(
        "() => /found/.test(document.getElementById('search-status').textContent)")
    return page.locator("#search-status").inner_text()


def result_paths(page: Page, site: ServedSite) -> list[str]:
    """The search results' links as site paths, in the order shown."""
    hrefs: list[str] = page.eval_on_selector_all(
        "#search-results li a", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        assert href.startswith(site.url), f"a result outside the site: {href}"
        paths.append(href[len(site.url):])
    return paths


def topic_of(url: str) -> str | None:
    """The topic a search page's address has chosen."""
    return parse_qs(urlsplit(url).query).get("topic", [None])[0]


def assert_newest_first(paths: list[str], articles: dict[str, Article]) -> None:
    dates = [articles[path].published for path in paths]
    listed = "\n".join(f"{d} {p}" for d, p in zip(dates, paths, strict=True))
    assert dates == sorted(dates, reverse=True), f"results are not newest first:\n{listed}"


def offered(page: Page, select: str) -> dict[str, tuple[str, int]]:
    """The options of the search page's `select` (`topic`, `provider`): each value (a slug)
    → the name it shows and its count, from its label `Name (12)`. The list is focused
    first, as a reader's click would: its options are made then, if not yet."""
    page.locator(f"#search-{select}").focus()
    labels: list[list[str]] = page.locator(f"#search-{select} option").evaluate_all(
        "options => options.slice(1).map(o => [o.value, o.textContent])")
    found = {}
    for value, label in labels:
        name, _, count = label.rpartition(" (")
        assert count.endswith(")") and count[:-1].isdigit(), label
        found[value] = (name, int(count[:-1]))
    return found


def choose(page: Page, select: str, name: str) -> str:
    """Choose the option of `select` that shows `name`; its value."""
    value = next(value for value, (shown, _) in offered(page, select).items() if shown == name)
    page.select_option(f"#search-{select}", value)
    return value
