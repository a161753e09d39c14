"""The shipped site in headless Chromium: navigation, sidebar, images, colour schemes, and
that browsing it never reaches beyond 127.0.0.1 nor logs a console error.

Each browser test runs twice: on a build for `http://127.0.0.1:<port>/` and on one for
`http://127.0.0.1:<port>/repo/` served only under `/repo/`, as on a project's GitHub Pages.
"""

from __future__ import annotations

import struct
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page

from tests.e2e.helpers import (
    LEAD_IMAGE_SIZE,
    LOCAL_HOST,
    SCREENSHOTS,
    VIEWPORT,
    BrowsingLog,
    ServedSite,
    require_chromium,
    seed_front_matter,
)

SEED: dict[str, Any] = seed_front_matter()
ARTICLE_PATH = ("2023/08/08/"
                "china-proposes-stricter-regulations-on-facial-recognition-to-protect-privacy/")
RELATED_PROVIDERS = ["Forbes", "中国日报网", "International Business Times"]
TOPIC_PATHS = {"Computer Vision": "topics/computer-vision/", "AI": "topics/ai/"}
PROVIDER_PATH = "providers/coinspeaker-com/"
BACKGROUNDS = {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 20, 23)"}
SHOT_PAGES = {"home": "", "article": ARTICLE_PATH, "topic": "topics/ai/", "provider": PROVIDER_PATH}


def open_article_from_home(page: Page, site: ServedSite) -> Page:
    page.goto(site.url)
    page.locator("h3.card-title a", has_text=SEED["title"]).click()
    page.wait_for_url(site.at(ARTICLE_PATH))
    return page


def coverage_section(page: Page) -> Locator:
    heading = page.get_by_role("heading", name="Related coverage", exact=True)
    return page.locator("aside section", has=heading)


def load_every_image(page: Page) -> Locator:
    """Scroll each <img> into view (lazy ones load then) and wait until it has finished."""
    images = page.locator("img")
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        image.evaluate("img => img.complete || new Promise(done => {"
                       " img.addEventListener('load', done); img.addEventListener('error', done);"
                       " })")
    return images


def test_the_home_page_title_link_leads_to_the_article_page(page: Page,
                                                            site: ServedSite) -> None:
    response = page.goto(site.url)
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "Latest news"
    link = page.locator("h3.card-title a", has_text=SEED["title"])
    assert link.get_attribute("href") == site.base_path + ARTICLE_PATH
    link.click()
    page.wait_for_url(site.at(ARTICLE_PATH))
    assert page.title().startswith(SEED["title"])


def test_the_article_heading_is_the_seed_title(page: Page, site: ServedSite) -> None:
    open_article_from_home(page, site)
    assert page.locator("h1").all_inner_texts() == [SEED["title"]]


def test_the_article_has_a_machine_readable_publication_time(page: Page,
                                                             site: ServedSite) -> None:
    open_article_from_home(page, site)
    stamp = page.locator("article.story header time").get_attribute("datetime")
    assert stamp is not None
    assert datetime.fromisoformat(stamp) == SEED["publishedDateTime"]


def test_the_provider_link_leads_to_the_provider_page(page: Page, site: ServedSite) -> None:
    open_article_from_home(page, site)
    page.locator("article.story header .meta a[href*='/providers/']").click()
    page.wait_for_url(site.at(PROVIDER_PATH))
    assert page.locator("h1").inner_text() == SEED["provider"]["name"]
    assert SEED["provider"]["domain"] in page.locator(".page-intro").inner_text()


def test_each_topic_link_leads_to_its_topic_page_and_back(page: Page, site: ServedSite) -> None:
    open_article_from_home(page, site)
    topics = page.get_by_role("list", name="Topics").get_by_role("link")
    assert topics.all_inner_texts() == SEED["topics"]
    for name in SEED["topics"]:
        page.get_by_role("list", name="Topics").get_by_role("link", name=name, exact=True).click()
        page.wait_for_url(site.at(TOPIC_PATHS[name]))
        assert page.locator("h1").inner_text() == name
        assert page.locator("h3.card-title a").all_inner_texts() == [SEED["title"]]
        page.go_back()
        page.wait_for_url(site.at(ARTICLE_PATH))
        assert page.locator("h1").inner_text() == SEED["title"]


def test_the_sidebar_lists_the_related_coverage_with_provider_names(page: Page,
                                                                    site: ServedSite) -> None:
    open_article_from_home(page, site)
    items = coverage_section(page).locator("li")
    shown = [(item.locator("a.related-title").inner_text(), item.locator(".meta a").inner_text())
             for item in items.all()]
    expected = [(related["title"], related["provider"]["name"]) for related in SEED["related"]]
    assert shown == expected
    assert [provider for _, provider in shown] == RELATED_PROVIDERS


def test_each_related_provider_link_opens_a_provider_page(page: Page, site: ServedSite) -> None:
    open_article_from_home(page, site)
    links = coverage_section(page).locator(".meta a")
    targets = [(link.inner_text(), link.evaluate("a => a.href")) for link in links.all()]
    assert [name for name, _ in targets] == RELATED_PROVIDERS
    for name, url in targets:
        assert url.startswith(site.at("providers/")), url
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert page.locator("h1").inner_text() == name
        cited = page.locator(".cited-by a").all_inner_texts()
        assert cited == [SEED["title"]], f"{url} should cite the article once, shows {cited}"


def test_every_article_image_has_its_size_and_has_loaded(page: Page, site: ServedSite) -> None:
    open_article_from_home(page, site)
    images = load_every_image(page)
    assert images.count() >= 1, "the cached lead image should be a real <img>"
    lead = page.locator("figure.story-image img").first
    assert lead.get_attribute("src") == site.base_path + site.image_path
    for image in images.all():
        src = image.evaluate("img => img.currentSrc || img.src")
        width, height = image.get_attribute("width"), image.get_attribute("height")
        assert width is not None and width.isdigit() and int(width) > 0, src
        assert height is not None and height.isdigit() and int(height) > 0, src
        natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert natural[0] > 0, f"{src} did not load"
        if src == site.at(site.image_path):
            assert (int(width), int(height)) == LEAD_IMAGE_SIZE == tuple(natural)


def test_a_missing_page_gets_the_servers_404(page: Page, site: ServedSite,
                                             browsing_log: BrowsingLog) -> None:
    missing = [site.at("no/such/page/")]
    if site.base_path != "/":
        missing.append(f"{site.origin}/{ARTICLE_PATH}")  # the right path, outside the base
    for url in missing:
        browsing_log.expected_missing.add(url)
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        assert "404" in page.locator("body").inner_text()


Shot = tuple[str, Literal["light", "dark"]]


@pytest.fixture(scope="module")
def screenshots(browser: Browser, repo_site: ServedSite,
                browsing_log: BrowsingLog) -> dict[Shot, tuple[Path, str]]:
    """Full-page shots of four kinds of page in both schemes: file and body background."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots: dict[Shot, tuple[Path, str]] = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
        browsing_log.watch(context)
        try:
            page = context.new_page()
            for name, path in SHOT_PAGES.items():
                response = page.goto(repo_site.at(path))
                assert response is not None and response.status == 200, path
                load_every_image(page)
                target = SCREENSHOTS / f"{name}-{scheme}.png"
                page.screenshot(path=target, full_page=True)
                shots[name, scheme] = (
                    target, page.evaluate("getComputedStyle(document.body).backgroundColor"))
        finally:
            context.close()
    return shots


def test_full_page_screenshots_are_saved_in_light_and_dark(
        screenshots: dict[Shot, tuple[Path, str]]) -> None:
    assert sorted(screenshots) == sorted(
        (name, scheme) for name in SHOT_PAGES for scheme in ("light", "dark"))
    for target, _ in screenshots.values():
        data = target.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", target
        width, height = struct.unpack(">II", data[16:24])
        assert width == VIEWPORT["width"] and height >= VIEWPORT["height"] // 2, target


def test_each_colour_scheme_gives_every_page_its_background(
        screenshots: dict[Shot, tuple[Path, str]]) -> None:
    assert len(screenshots) == 2 * len(SHOT_PAGES), sorted(screenshots)
    shown = {shot: background for shot, (_, background) in screenshots.items()}
    assert shown == {(name, scheme): BACKGROUNDS[scheme] for name, scheme in screenshots}


def crawl(page: Page, site: ServedSite) -> dict[str, int]:
    """Every page reachable by links under the site's base URL, with its HTTP status."""
    statuses: dict[str, int] = {}
    queue = deque([site.url])
    while queue:
        url = queue.popleft()
        if url in statuses:
            continue
        response = page.goto(url)
        statuses[url] = response.status if response is not None else 0
        load_every_image(page)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = urldefrag(href).url
            if target.startswith(site.url) and target not in statuses:
                queue.append(target)
    return statuses


@pytest.fixture(scope="module")
def crawled(browser: Browser, site: ServedSite, browsing_log: BrowsingLog) -> dict[str, int]:
    """One full crawl of each build, in a watched context, shared by the tests below."""
    context = browser.new_context(viewport=VIEWPORT)
    browsing_log.watch(context)
    try:
        return crawl(context.new_page(), site)
    finally:
        context.close()


def test_every_internal_link_on_every_page_loads(crawled: dict[str, int],
                                                 site: ServedSite) -> None:
    assert {url: status for url, status in crawled.items() if status != 200} == {}
    assert site.at(ARTICLE_PATH) in crawled
    assert len(crawled) >= 10  # home, article, 2 topics, 4 providers, 2 indexes


def test_browsing_the_site_requests_nothing_beyond_127_0_0_1(
        crawled: dict[str, int], screenshots: dict[Shot, tuple[Path, str]],
        browsing_log: BrowsingLog) -> None:
    """Every request of this module so far, the crawl and the screenshots included."""
    assert browsing_log.requests, "the request log recorded nothing: is it wired?"
    foreign = sorted({url for url in browsing_log.requests
                      if urlsplit(url).hostname != LOCAL_HOST})
    assert not foreign, "requests beyond 127.0.0.1:\n" + "\n".join(foreign)


def test_no_visited_page_logs_a_console_error(
        crawled: dict[str, int], screenshots: dict[Shot, tuple[Path, str]],
        browsing_log: BrowsingLog) -> None:
    """Every page of this module so far, the crawl and the screenshots included."""
    assert browsing_log.visited, "no page visit was recorded: is the log wired?"
    errors = browsing_log.console_errors
    assert not errors, f"{len(errors)} console errors, first ones:\n" + "\n".join(errors[:10])


def test_a_missing_chromium_fails_under_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    absent = tmp_path / "chromium"
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_chromium(absent, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match="chromium"):
        require_chromium(absent, {})
    with pytest.raises(pytest.skip.Exception):
        require_chromium(absent, {"CI": "false"})


def test_the_article_date_leads_to_its_day_archive_and_up(page: Page, site: ServedSite) -> None:
    open_article_from_home(page, site)
    page.locator("article.story header .meta time").click()
    page.wait_for_url(site.at("2023/08/08/"))
    assert page.locator("h1").inner_text() == "8 August 2023"
    assert page.locator("article.card").count() == 1
    page.locator(".archive-trail a", has_text="August 2023").click()
    page.wait_for_url(site.at("2023/08/"))
    assert page.locator("h1").inner_text() == "August 2023"
