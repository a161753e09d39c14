"""Search on an archive of a few hundred stories over two years, in headless Chromium: a
word of a story's body finds it, a topic narrows the results, the results come newest first
a page at a time ("Show older articles"), and the topic and provider lists the page comes
with count what Pagefind finds.

The site is the shipped seed plus 300 generated seeds (benchmarks/corpus.py), one search
bundle per month.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html as lxml_html
from playwright.sync_api import BrowserContext, Page, Route

from benchmarks.corpus import write_corpus
from tests.e2e.helpers import ServedSite, build_and_serve
from tests.e2e.search_pages import (
    Article,
    articles_of,
    assert_newest_first,
    choose,
    offered,
    result_paths,
    wait_for_search,
)

CORPUS_SIZE = 300
SHOWN = 50
"""Results a search shows at a time (static/search.js)."""
WORD = re.compile(r"[a-z]{6,}")


RENAMED = "BBC"
"""What one seed calls a provider that its other seeds call `BBC News`: its page names it so,
and the lists name the provider as most of its seeds do."""
HARBOUR = 60
"""Stories of the harbour seeds, all in the archive's oldest month: more than one search
shows, found in the last month searched."""
HARBOUR_TOPIC = "Old  Town &amp; Harbour"
HARBOUR_PROVIDER = "Harbour  Gazette"
"""Names as a scraped feed may give them: a run of spaces, an escaped ampersand."""


def harbour_seed(index: int) -> str:
    return f"""---
title: "Harbour story {index}"
excerpt: "A story from the harbour."
publishedDateTime: 2023-01-{1 + index % 28:02d}T{index % 24:02d}:30:00Z
webUrl: "https://harbour-gazette.example/stories/{index}"
published: true
provider:
  name: "{HARBOUR_PROVIDER}"
  domain: harbour-gazette.example
topics:
  - "{HARBOUR_TOPIC}"
---
"""


@pytest.fixture(scope="module")
def archive(site_folder: Path) -> Iterator[ServedSite]:
    seeds = write_corpus(site_folder / "seeds", CORPUS_SIZE)
    renamed = next(seed for seed in seeds if "\n  name: BBC News\n" in seed.read_text("utf-8"))
    renamed.write_text(renamed.read_text("utf-8").replace(
        "\n  name: BBC News\n", f"\n  name: {RENAMED}\n"), "utf-8")
    for index in range(HARBOUR):
        (site_folder / "seeds" / f"harbour-{index:02d}.txt").write_text(
            harbour_seed(index), "utf-8")
    yield from build_and_serve(site_folder, "archive", "/")


@pytest.fixture(scope="module")
def articles(archive: ServedSite) -> dict[str, Article]:
    found = articles_of(archive.output)
    assert len(found) == CORPUS_SIZE + HARBOUR + 1
    return found


@pytest.fixture(scope="module")
def months(archive: ServedSite) -> list[str]:
    form = lxml_html.fromstring((archive.output / "search" / "index.html").read_bytes())
    bundles: list[str] = form.xpath("//form[@id='search-form']/@data-bundles")[0].split()
    assert len(bundles) >= 20, bundles
    return bundles


def body_words(archive: ServedSite, article: Article) -> set[str]:
    """The words of the story's body (its text, its title aside), in lower case."""
    page = lxml_html.fromstring((archive.output / article.path / "index.html").read_bytes())
    story = page.xpath("//article[@data-pagefind-body]")[0]
    body = story.xpath("string(.//*[@class='body'])").lower()
    return set(WORD.findall(body)) - set(WORD.findall(article.title.lower()))


def newest_first_of_topic(articles: dict[str, Article], topic: str) -> list[str]:
    return sorted((path for path, article in articles.items() if topic in article.topics),
                  key=lambda path: articles[path].published, reverse=True)


def read_all(page: Page, archive: ServedSite) -> tuple[list[str], list[str]]:
    """Press "Show older articles" until there is nothing older: every result shown, and
    the status line after each step."""
    statuses = [wait_for_search(page)]
    while page.locator("#search-older").is_visible():
        page.locator("#search-older").click()
        statuses.append(wait_for_search(page))
    return result_paths(page, archive), statuses


def crowd(page: Page, archive: ServedSite, months: list[str]) -> None:
    """Have the search page say that each month holds more stories than one step searches:
    each step then goes through one month."""
    def crowded(route: Route) -> None:
        response = route.fetch()
        body = re.sub(r'data-sizes="[^"]*"', 'data-sizes="' + " ".join(
            ["30000"] * len(months)) + '"', response.text())
        route.fulfill(response=response, body=body)

    page.route(lambda url: url.startswith(archive.at("search/")), crowded)


def month_name(page: Page, month: str) -> str:
    """A month as the search page's status line names it: `March 2024`."""
    name: str = page.evaluate("""bundle => new Intl.DateTimeFormat("en",
        {year: "numeric", month: "long", timeZone: "UTC"})
        .format(new Date(bundle + "-01T00:00:00Z"))""", month)
    return name


def test_a_word_of_a_story_s_body_finds_it_and_its_topic_narrows_it(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article]) -> None:
    # The word of a body that the fewest stories hold, and no title.
    bodies = {path: body_words(archive, article) for path, article in articles.items()}
    titled = {word for article in articles.values() for word in WORD.findall(
        article.title.lower())}
    everywhere = Counter(word for words in bodies.values() for word in words - titled)
    _, word, path = min((everywhere[word], word, path) for path, words in bodies.items()
                        for word in words - titled if articles[path].topics)
    story = articles[path]
    page = context.new_page()
    page.goto(archive.at(f"search/?q={word}"))
    found, _ = read_all(page, archive)
    assert story.path in found, (word, found)
    assert_newest_first(found, articles)
    # The lists are filled once the first results are shown, with no click on them.
    page.wait_for_function("() => document.querySelectorAll('#search-topic option').length"
                           " > 2 && document.querySelectorAll('#search-provider option')"
                           ".length > 2")

    topic = story.topics[-1]
    choose(page, "topic", topic)
    narrowed, _ = read_all(page, archive)
    assert story.path in narrowed
    assert all(topic in articles[path].topics for path in narrowed), (topic, narrowed)
    other = next(name for name in sorted({t for a in articles.values() for t in a.topics})
                 if name not in story.topics)
    choose(page, "topic", other)
    assert story.path not in read_all(page, archive)[0]


def test_a_topic_is_shown_newest_first_a_page_at_a_time_back_to_its_oldest_story(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article],
        months: list[str]) -> None:
    counts = Counter(topic for article in articles.values() for topic in article.topics)
    topic, count = counts.most_common(1)[0]
    assert count > 2 * SHOWN, counts
    page = context.new_page()
    page.goto(archive.at("search/"))
    choose(page, "topic", topic)
    first = wait_for_search(page)
    # The first page: SHOWN results from the newest months, and where it stopped.
    shown = result_paths(page, archive)
    assert len(shown) == SHOWN
    assert " since " in first, first
    assert page.locator("#search-older").is_visible()

    everything, statuses = read_all(page, archive)
    assert everything[:SHOWN] == shown
    assert everything == newest_first_of_topic(articles, topic)
    assert len(statuses) >= 3
    assert statuses[-1] == f"{count} articles found."
    assert all(" since " in status for status in statuses[:-1]), statuses
    # The last press leaves no button: the reader goes on from the first result it added.
    added = page.locator("#search-results li a").nth(SHOWN * (len(statuses) - 1))
    assert added.evaluate("link => link === document.activeElement")
    label = page.locator("#search-topic option:checked").inner_text()
    assert label == f"{topic} ({count})"


def test_a_search_goes_through_no_more_months_at_a_time_than_hold_a_step_of_stories(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article],
        months: list[str]) -> None:
    """Months said to hold more stories than one step searches are searched one at a time;
    the results, once all are shown, are the same."""
    counts = Counter(topic for article in articles.values() for topic in article.topics)
    topic = next(name for name, count in sorted(counts.items()) if 3 <= count <= 10)
    expected = newest_first_of_topic(articles, topic)
    page = context.new_page()
    crowd(page, archive, months)
    page.goto(archive.at("search/"))
    choose(page, "topic", topic)
    found, statuses = read_all(page, archive)
    assert found == expected
    assert len(statuses) == len(months)
    newest = month_name(page, months[0])
    assert statuses[0].endswith(f" since {newest}.") or f" since {newest};" in statuses[0]
    assert statuses[-1] == f"{len(expected)} article{'s' if len(expected) > 1 else ''} found."


def test_the_oldest_month_s_results_beyond_one_page_are_shown_by_the_button(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article]) -> None:
    """Found in the last month searched, more than one page: the search has been through
    every month, and still offers the rest."""
    page = context.new_page()
    page.goto(archive.at("search/"))
    choose(page, "topic", HARBOUR_TOPIC)
    assert wait_for_search(page) == f"{HARBOUR} articles found; the {SHOWN} newest shown."
    assert len(result_paths(page, archive)) == SHOWN
    found, statuses = read_all(page, archive)
    assert statuses[1:] == [f"{HARBOUR} articles found."]
    assert found == newest_first_of_topic(articles, HARBOUR_TOPIC)


def fail_once(page: Page, pattern: str) -> list[str]:
    """Make the first request whose address matches `pattern` (a glob) fail, as a dropped
    connection does; the list returned gets its address."""
    failed: list[str] = []

    def once(route: Route) -> None:
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.abort()

    page.route(pattern, once)
    return failed


def wait_for_failure(page: Page) -> None:
    page.wait_for_function("() => /did not load/.test("
                           "document.getElementById('search-status').textContent)")


def try_again(page: Page) -> None:
    """What a reader does after a failure: press the button if it is there, else search."""
    if page.locator("#search-older").is_visible():
        page.locator("#search-older").click()
    else:
        page.locator("#search-form button[type=submit]").click()


def test_a_month_that_fails_to_load_is_loaded_again_by_the_next_press_or_search(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article],
        months: list[str]) -> None:
    counts = Counter(topic for article in articles.values() for topic in article.topics)
    topic = counts.most_common(1)[0][0]
    expected = newest_first_of_topic(articles, topic)
    page = context.new_page()
    older = fail_once(page, archive.at(f"pagefind/{months[2]}/pagefind-entry.json") + "*")
    page.goto(archive.at("search/"))
    choose(page, "topic", topic)
    wait_for_failure(page)
    assert older
    shown = result_paths(page, archive)
    assert shown == expected[:len(shown)]
    # The retry starts a new index; its newest month fails to load too, once. The search
    # says so (it does not wait for ever), and the next try finds everything.
    newest = fail_once(page, archive.at(f"pagefind/{months[0]}/pagefind-entry.json") + "*")
    try_again(page)
    wait_for_failure(page)
    assert newest
    assert result_paths(page, archive) == shown
    try_again(page)
    found, _ = read_all(page, archive)
    assert found == expected


def test_a_result_that_fails_to_load_is_shown_by_the_next_press_and_only_once(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article]) -> None:
    counts = Counter(topic for article in articles.values() for topic in article.topics)
    topic = counts.most_common(1)[0][0]
    expected = newest_first_of_topic(articles, topic)
    page = context.new_page()
    fetched: list[str] = []

    def fifteenth_fails(route: Route) -> None:
        fetched.append(route.request.url)
        if len(fetched) == 15:
            route.abort()
        else:
            route.continue_()

    page.route(archive.at("pagefind/*/fragment/*"), fifteenth_fails)
    page.goto(archive.at("search/"))
    choose(page, "topic", topic)
    wait_for_failure(page)
    shown = result_paths(page, archive)
    assert 0 < len(shown) < 15, shown
    assert shown == expected[:len(shown)]
    try_again(page)
    found, statuses = read_all(page, archive)
    assert found == expected
    assert statuses[-1] == f"{len(expected)} articles found."


def most_common_body_word(archive: ServedSite, articles: dict[str, Article]) -> str:
    return body_word_counts(archive, articles).most_common(1)[0][0]


def body_word_counts(archive: ServedSite, articles: dict[str, Article]) -> Counter[str]:
    """How many stories' bodies hold each word."""
    return Counter(word for article in articles.values()
                   for word in body_words(archive, article))


def test_searches_load_each_month_of_the_index_once(
        context: BrowserContext, archive: ServedSite, months: list[str]) -> None:
    """Pagefind never frees a month it loaded: searches after the first that went through
    every month load none again (the newest month is loaded twice, by each index)."""
    page = context.new_page()
    loaded: list[str] = []

    def counted(route: Route) -> None:
        loaded.append(route.request.url.split("/pagefind/")[1].split("/")[0])
        route.continue_()

    page.route(archive.at("pagefind/*/*.pf_meta"), counted)
    page.goto(archive.at("search/"))
    for word in ("zyzzyvaword", "qwxzkjvword", "plmqzzword", "zyzzyvaword"):
        page.locator("#search-q").fill(word)
        page.locator("#search-form button[type=submit]").click()
        assert wait_for_search(page).endswith(" found."), word  # every month searched
    assert Counter(loaded) == {month: 2 if month == months[0] else 1 for month in months}


def test_a_part_of_the_index_that_fails_to_load_is_reported_and_loaded_again(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article],
        months: list[str]) -> None:
    """Pagefind only logs a word's index chunk that failed to load, and finds nothing in
    its month: the page says the search failed, and the next try loads it."""
    word = most_common_body_word(archive, articles)
    clean = context.new_page()
    clean.goto(archive.at(f"search/?q={word}"))
    expected, _ = read_all(clean, archive)
    page = context.new_page()
    failed = fail_once(page, archive.at(f"pagefind/{months[0]}/index/*"))
    page.goto(archive.at(f"search/?q={word}"))
    wait_for_failure(page)
    assert failed
    try_again(page)
    assert read_all(page, archive)[0] == expected


def test_a_new_search_that_fails_does_not_leave_the_last_one_s_results(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article],
        months: list[str]) -> None:
    word = min(body_word_counts(archive, articles).items(), key=lambda item: item[::-1])[0]
    page = context.new_page()
    page.goto(archive.at(f"search/?q={word}"))
    assert wait_for_search(page).endswith(" found.")  # every month searched
    assert result_paths(page, archive)
    # The harbour stories are in the oldest month: the first of them fails to load.
    fail_once(page, archive.at(f"pagefind/{months[-1]}/fragment/*"))
    page.locator("#search-q").fill("harbour")
    page.locator("#search-form button[type=submit]").click()
    wait_for_failure(page)
    assert result_paths(page, archive) == []
    assert not page.locator("#search-older").is_visible()


def test_the_topic_and_provider_lists_count_what_pagefind_finds(
        context: BrowserContext, archive: ServedSite, articles: dict[str, Article],
        months: list[str]) -> None:
    page = context.new_page()
    page.goto(archive.at("search/"))
    lists = {name: offered(page, name) for name in ("topic", "provider")}
    # Every month merged into one index of its own, as a reader's browser would load it.
    filters = page.evaluate("""async ([base, months]) => {
        const folder = (month) => base + "pagefind/" + month + "/";
        const pagefind = await import(folder(months[0]) + "pagefind.js?every-month");
        await pagefind.options({ basePath: folder(months[0]), baseUrl: base });
        for (const month of months.slice(1)) await pagefind.mergeIndex(folder(month));
        return await pagefind.filters();
    }""", ["/", months])
    for name in ("topic", "provider"):
        assert {value: count for value, (_, count) in lists[name].items()} == filters[name]
        assert all(value.isascii() and value == value.strip() for value in filters[name])
    names = {shown: count for shown, count in lists["provider"].values()}
    assert any(not name.isascii() for name in names)
    assert RENAMED not in names
    assert names["BBC News"] == sum(article.provider in ("BBC News", RENAMED)
                                    for article in articles.values())
    assert names[HARBOUR_PROVIDER] == HARBOUR
    assert {shown: count for shown, count in lists["topic"].values()}[HARBOUR_TOPIC] == HARBOUR
