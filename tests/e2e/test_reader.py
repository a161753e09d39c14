"""What a reader meets, in headless Chromium: keyboard-only navigation with a visible focus
ring, search (words, topic filter, newest first), axe-core in light and dark, a phone-sized
screen, print, reduced motion, and how much an article page weighs.

The site is the shipped seed plus 30 generated seeds (benchmarks/corpus.py), built twice:
for `http://127.0.0.1:<port>/` served at the root, and for `https://user.github.io/repo/`
served under `/repo/` (as on a project's GitHub Pages); once more with `--no-search`.
axe-core comes from ROOT/node_modules (scripts/test.sh installs it with npm).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
)

from benchmarks.corpus import write_corpus
from tests.e2e.helpers import (
    LOCAL_HOST,
    SCREENSHOTS,
    BrowsingLog,
    ServedSite,
    build_and_serve,
    missing_tool,
    seed_front_matter,
)
from tests.e2e.search_pages import (
    Article,
    articles_of,
    assert_newest_first,
    choose,
    offered,
    result_paths,
    topic_of,
    wait_for_search,
)
from tests.helpers import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CORPUS_SIZE = 30
REPO_BASE_URL = "https://user.github.io/repo/"
PHONE: ViewportSize = {"width": 390, "height": 844}
SEED: dict[str, Any] = seed_front_matter()
SEED_ARTICLE = ("2023/08/08/"
                "china-proposes-stricter-regulations-on-facial-recognition-to-protect-privacy/")
SEARCH_WORD = "facial"
"""From the shipped seed's title; the seed is the only article with it in its title."""
PAGE_KINDS = {
    "home": "",
    "article": SEED_ARTICLE,
    "topic": "topics/ai/",
    "provider": "providers/coinspeaker-com/",
    "day": "2023/08/08/",
    "month": "2023/08/",
    "year": "2023/",
    "topics": "topics/",
    "providers": "providers/",
    "404": "404.html",
    "search": f"search/?q={SEARCH_WORD}",
}
MAX_ARTICLE_BYTES = 50 * 1024
FOCUS_STEPS = 80
"""Most Tab presses a test spends looking for one element."""


# ----------------------------------------------------------------------------- the sites

@pytest.fixture(scope="module")
def reader_folder(site_folder: Path) -> Path:
    """The conftest's copy of the shipped site (seed + cached lead image) + 30 corpus seeds."""
    write_corpus(site_folder / "seeds", CORPUS_SIZE)
    return site_folder


@pytest.fixture(scope="module")
def reader_root(reader_folder: Path) -> Iterator[ServedSite]:
    yield from build_and_serve(reader_folder, "reader-root", "/")


@pytest.fixture(scope="module")
def reader_repo(reader_folder: Path) -> Iterator[ServedSite]:
    yield from build_and_serve(reader_folder, "reader-repo", "/repo/", base_url=REPO_BASE_URL)


@pytest.fixture(scope="module")
def reader_no_search(reader_folder: Path) -> Iterator[ServedSite]:
    yield from build_and_serve(reader_folder, "reader-nosearch", "/", "--no-search")


@pytest.fixture(scope="module", params=["root", "repo"])
def reader_site(request: pytest.FixtureRequest) -> ServedSite:
    served: ServedSite = request.getfixturevalue(f"reader_{request.param}")
    return served


@pytest.fixture(scope="module")
def articles(reader_root: ServedSite) -> dict[str, Article]:
    found = articles_of(reader_root.output)
    assert len(found) == CORPUS_SIZE + 1, sorted(found)
    return found


def require_axe(path: Path = AXE, env: Mapping[str, str] | None = None) -> str:
    """axe-core's script; a skip without it, a failure under CI=true."""
    env = os.environ if env is None else env
    if path.is_file():
        return path.read_text(encoding="utf-8")
    reason = (f"{path} not found: scripts/test.sh installs it "
              "(npm install --no-save --prefix . axe-core@4.10.2)")
    missing_tool(reason, env)


@pytest.fixture(scope="module")
def axe_source() -> str:
    return require_axe()


# ------------------------------------------------------------------------------ helpers

def open_kind(page: Page, site: ServedSite, kind: str) -> Response:
    response = page.goto(site.at(PAGE_KINDS[kind]))
    assert response is not None and response.status == 200, (kind, site.at(PAGE_KINDS[kind]))
    if kind == "search":
        wait_for_search(page)
    return response


def focused(page: Page) -> dict[str, Any]:
    """The focused element and how its focus shows."""
    info: dict[str, Any] = page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {
            tag: el.tagName.toLowerCase(), cls: el.className || "",
            href: el.getAttribute("href"), text: (el.textContent || "").trim().slice(0, 300),
            outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
            focusVisible: el.matches(":focus-visible"),
            box: [box.left, box.top, box.right, box.bottom],
            viewport: [innerWidth, innerHeight],
            inMain: !!el.closest("main"),
        };
    }""")
    return info


def assert_focus_ring(info: dict[str, Any]) -> None:
    assert info["tag"] != "body", "Tab left nothing focused"
    assert info["focusVisible"], f":focus-visible does not match the focused element {info}"
    assert info["outlineStyle"] != "none" and info["outlineWidth"] >= 2, (
        f"no visible focus indicator on {info}")


def tab_until(page: Page, selector: str) -> dict[str, Any]:
    """Press Tab until the focused element matches `selector`; every stop must show focus."""
    for _ in range(FOCUS_STEPS):
        page.keyboard.press("Tab")
        info = focused(page)
        assert_focus_ring(info)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return info
    raise AssertionError(f"{FOCUS_STEPS} Tab presses never reached {selector}")


def run_axe(page: Page, source: str) -> list[str]:
    """axe-core's violations on the page (every rule axe runs by default, any impact)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=source)
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations]


SMALL_TEXT_JS = """() => {
    const hidden = (el) => {
        for (let node = el; node; node = node.parentElement) {
            const style = getComputedStyle(node);
            const box = node.getBoundingClientRect();
            if (style.clip === "rect(0px, 0px, 0px, 0px)" || (box.width <= 1 && box.height <= 1))
                return true;
        }
        return false;
    };
    const small = [];
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        const el = text.parentElement;
        if (!text.textContent.trim() || !el || seen.has(el)) continue;
        seen.add(el);
        if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
        const box = el.getBoundingClientRect();
        if (box.right <= 0 || box.bottom <= 0 || hidden(el)) continue;  // off screen, or
        const size = parseFloat(getComputedStyle(el).fontSize);           // visually hidden
        if (size < 16) small.push(`${el.tagName.toLowerCase()}.${el.className} ${size}px: `
                                  + text.textContent.trim().slice(0, 40));
    }
    return small;
}"""

MOTION_JS = """() => {
    const moving = [];
    for (const el of document.querySelectorAll("*")) {
        for (const pseudo of [null, "::before", "::after"]) {
            const style = getComputedStyle(el, pseudo);
            const seconds = (list) => list.split(",").map(parseFloat);
            const transition = Math.max(...seconds(style.transitionDuration));
            const animation = style.animationName === "none" ? 0
                : Math.max(...seconds(style.animationDuration));
            if (transition > 0 || animation > 0)
                moving.push(`${el.tagName.toLowerCase()}${pseudo || ""}.${el.className}: `
                            + `transition ${style.transitionDuration}, `
                            + `animation ${style.animationName} ${style.animationDuration}`);
        }
    }
    return moving.concat(document.getAnimations().map(a => `running: ${a.animationName || a.id}`));
}"""


# ------------------------------------------------------------------------ keyboard only

def test_the_keyboard_alone_leads_from_home_to_an_article_and_on_to_a_related_link(
        page: Page, reader_site: ServedSite) -> None:
    page.goto(reader_site.url)
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["cls"] == "skip-link" and skip["href"] == "#main", skip
    assert_focus_ring(skip)
    left, top, right, bottom = skip["box"]
    width, height = skip["viewport"]
    assert 0 <= left < right <= width and 0 <= top < bottom <= height, (
        f"the focused skip link is not on screen: {skip}")

    page.keyboard.press("Enter")
    page.wait_for_url(reader_site.url + "#main")
    # Chromium moves the sequential focus starting point to <main> (it has no tabindex, so
    # document.activeElement stays <body>): the next Tab must land inside main.
    page.keyboard.press("Tab")
    first = focused(page)
    assert_focus_ring(first)
    assert first["inMain"], f"Tab after the skip link left main: {first}"

    card = (first if page.evaluate("() => document.activeElement.matches('h3.card-title a')")
            else tab_until(page, "h3.card-title a"))
    page.keyboard.press("Enter")
    page.wait_for_url(reader_site.origin + card["href"])
    assert page.locator("article.story h1").inner_text() == card["text"]

    related = tab_until(page, ".sidebar a.related-title")
    href = page.evaluate("() => document.activeElement.href")
    if urlsplit(href).hostname != LOCAL_HOST:
        # Related coverage on another publisher's site: stand in for it (nothing may leave
        # the machine) and check that Enter goes there.
        page.route(lambda url: url == href, lambda route: route.fulfill(
            content_type="text/html", body="<title>elsewhere</title><h1>Publisher</h1>"))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url == href)
    assert related["text"], related


# ----------------------------------------------------------------------------- search

def test_a_search_from_the_header_can_be_narrowed_by_topic(
        context: BrowserContext, reader_site: ServedSite,
        articles: dict[str, Article]) -> None:
    seed = articles[SEED_ARTICLE]
    assert [a.path for a in articles.values() if SEARCH_WORD in a.title.lower()] == [seed.path]
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught {e}"))

    page.goto(reader_site.at("topics/"))
    page.locator("form.site-search #site-search-q").fill(SEARCH_WORD)
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url(reader_site.at(f"search/?q={SEARCH_WORD}"))
    wait_for_search(page)
    assert page.locator("#search-q").input_value() == SEARCH_WORD
    found = result_paths(page, reader_site)
    assert SEED_ARTICLE in found, f"{seed.title!r} is not among the results {found}"
    assert_newest_first(found, articles)
    shown = page.locator("#search-results li a", has_text=seed.title)
    assert shown.count() == 1

    # The topic list offers every topic; choosing one of the article's keeps it.
    every_topic = sorted({t for a in articles.values() for t in a.topics})
    assert sorted(name for name, _ in offered(page, "topic").values()) == every_topic
    topic = seed.topics[-1]
    slug = choose(page, "topic", topic)
    page.wait_for_url(lambda url: topic_of(url) == slug)
    wait_for_search(page)
    narrowed = result_paths(page, reader_site)
    assert SEED_ARTICLE in narrowed
    assert set(narrowed) <= set(found)
    assert all(topic in articles[p].topics for p in narrowed), (topic, narrowed)
    assert_newest_first(narrowed, articles)

    # A topic the article lacks drops it; prefer one another result has, so some remain.
    others = [t for p in found for t in articles[p].topics if t not in seed.topics]
    other = others[0] if others else next(t for t in every_topic if t not in seed.topics)
    slug = choose(page, "topic", other)
    page.wait_for_url(lambda url: topic_of(url) == slug)
    wait_for_search(page)
    rest = result_paths(page, reader_site)
    assert SEED_ARTICLE not in rest
    assert all(other in articles[p].topics for p in rest), (other, rest)
    assert bool(rest) == bool(others)

    # Topic alone (no words): every article on it, newest first, and the count says so.
    page.fill("#search-q", "")
    choose(page, "topic", "AI")
    wait_for_search(page)
    everything = result_paths(page, reader_site)
    on_ai = {path for path, a in articles.items() if "AI" in a.topics}
    assert len(on_ai) >= 3 and set(everything) == on_ai
    assert_newest_first(everything, articles)
    assert page.locator("#search-status").inner_text().startswith(f"{len(on_ai)} article")

    # Opening a result leads to the article page.
    page.locator("#search-results li a").first.click()
    page.wait_for_url(reader_site.at(everything[0]))
    assert not errors, errors


def test_the_search_page_opened_without_words_offers_every_topic_to_choose(
        context: BrowserContext, reader_site: ServedSite,
        articles: dict[str, Article]) -> None:
    """The topic and provider lists come with the page, each name with how many stories
    it finds, and a topic alone finds its articles."""
    page = context.new_page()
    page.goto(reader_site.at("search/"))
    assert page.locator("#search-status").inner_text() == "Type a word to search every article."
    for name, field in (("topic", "topics"), ("provider", "provider")):
        counts = Counter(t for a in articles.values() for t in (
            a.topics if field == "topics" else (a.provider,)))
        assert sorted(offered(page, name).values()) == sorted(counts.items()), name
    choose(page, "topic", "AI")
    wait_for_search(page)
    assert set(result_paths(page, reader_site)) == {
        path for path, a in articles.items() if "AI" in a.topics}

    # An address from before the lists' values were slugs still chooses its topic.
    page.goto(reader_site.at("search/?topic=AI"))
    wait_for_search(page)
    assert offered(page, "topic")[page.locator("#search-topic").input_value()][0] == "AI"
    assert set(result_paths(page, reader_site)) == {
        path for path, a in articles.items() if "AI" in a.topics}


def test_a_build_without_search_has_no_search_box_nor_search_page(
        page: Page, reader_no_search: ServedSite, browsing_log: BrowsingLog) -> None:
    for path in ("", SEED_ARTICLE, "topics/", "404.html"):
        assert page.goto(reader_no_search.at(path)) is not None
        assert page.locator("form.site-search, #site-search-q").count() == 0, path
    missing = reader_no_search.at("search/")
    browsing_log.expected_missing.add(missing)
    response = page.goto(missing)
    assert response is not None and response.status == 404
    assert not (reader_no_search.output / "search").exists()
    assert not (reader_no_search.output / "pagefind").exists()


# -------------------------------------------------------------------------------- axe

def test_axe_finds_no_violation_on_any_page_kind_in_either_color_scheme(
        page: Page, reader_site: ServedSite, axe_source: str) -> None:
    problems: dict[str, list[str]] = {}
    for kind in PAGE_KINDS:
        # One load for both schemes: the colors are the stylesheet's media queries alone
        # (no script reads the scheme, and nothing transitions), so they follow at once.
        page.emulate_media(color_scheme="light")
        open_kind(page, reader_site, kind)
        for scheme, background in (("light", "rgb(255, 255, 255)"), ("dark", "rgb(18, 20, 23)")):
            page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
                background, (kind, scheme)
            found = run_axe(page, axe_source)
            if found:
                problems[f"{kind} ({scheme})"] = found
    assert not problems, "\n".join(f"{kind}: {v}" for kind, vs in problems.items() for v in vs)


# -------------------------------------------------------------------------- phone size

@pytest.fixture
def phone(browser: Browser, browsing_log: BrowsingLog) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(5_000)
    browsing_log.watch(context)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_phone_pages_fit_the_width_and_use_16px_text(
        phone: Page, reader_site: ServedSite) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide: dict[str, tuple[int, int]] = {}
    small: dict[str, list[str]] = {}
    for kind in PAGE_KINDS:
        open_kind(phone, reader_site, kind)
        scroll, inner = phone.evaluate(
            "() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        # On a phone, content wider than the screen also widens the layout viewport.
        if scroll > PHONE["width"] or inner != PHONE["width"]:
            wide[kind] = (scroll, inner)
        tiny: list[str] = phone.evaluate(SMALL_TEXT_JS)
        if tiny:
            small[kind] = tiny[:5]
        if reader_site.name == "reader-repo" and kind in ("home", "article", "search"):
            phone.screenshot(path=SCREENSHOTS / f"phone-{kind}.png")
    assert not wide, f"pages wider than a 390px phone (scrollWidth, innerWidth): {wide}"
    assert not small, f"text smaller than 16px: {small}"


# ------------------------------------------------------------------- print and motion

def test_print_hides_navigation_search_and_sidebar(page: Page,
                                                   reader_site: ServedSite) -> None:
    open_kind(page, reader_site, "article")
    hidden = ".site-header nav, form.site-search, .sidebar"
    assert page.locator(hidden).count() == 3
    assert page.locator(hidden).evaluate_all(
        "els => els.map(e => getComputedStyle(e).display)") != ["none"] * 3
    page.emulate_media(media="print")
    shown = page.locator(hidden).evaluate_all(
        "els => els.map(e => e.className + ' ' + getComputedStyle(e).display)")
    assert all(s.endswith(" none") for s in shown), shown
    assert page.locator("article.story h1").is_visible()


def test_reduced_motion_leaves_nothing_moving(browser: Browser, reader_site: ServedSite,
                                              browsing_log: BrowsingLog) -> None:
    context = browser.new_context(reduced_motion="reduce")
    context.set_default_timeout(5_000)
    browsing_log.watch(context)
    try:
        page = context.new_page()
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        moving = {}
        for kind in PAGE_KINDS:
            open_kind(page, reader_site, kind)
            page.locator("a").last.hover()
            found = page.evaluate(MOTION_JS)
            if found:
                moving[kind] = found[:5]
        assert not moving, moving
    finally:
        context.close()


# ---------------------------------------------------------------------- article weight

def heaviest_article(output: Path, articles: dict[str, Article]) -> str:
    return max(articles, key=lambda path: (output / path / "index.html").stat().st_size)


def load_recording(page: Page, url: str) -> list[Response]:
    """Load `url` until the network is idle; every response it got, in order."""
    responses: list[Response] = []

    def record(response: Response) -> None:
        responses.append(response)

    page.on("response", record)
    try:
        page.goto(url, wait_until="networkidle")
    finally:
        page.remove_listener("response", record)
    return responses


def test_article_pages_are_light_with_one_render_blocking_request(
        page: Page, reader_site: ServedSite, articles: dict[str, Article]) -> None:
    for path in (SEED_ARTICLE, heaviest_article(reader_site.output, articles)):
        responses = load_recording(page, reader_site.at(path))
        sizes = {}
        for response in responses:
            kind = response.request.resource_type
            content_type = response.headers.get("content-type", "")
            if kind == "image" or content_type.startswith("image/"):
                continue
            sizes[response.url] = len(response.body())
        total = sum(sizes.values())
        assert total <= MAX_ARTICLE_BYTES, f"{path}: {total} bytes without images: {sizes}"
        kinds = sorted(r.request.resource_type for r in responses
                       if r.request.resource_type in ("stylesheet", "script", "font"))
        assert kinds == ["stylesheet"], f"{path}: {kinds}"
        head = page.evaluate("""() => ({
            sheets: document.querySelectorAll('link[rel~="stylesheet"]').length,
            sync: [...document.querySelectorAll('head script')].filter(s =>
                !s.async && !s.defer && s.type !== 'module'
                && ['', 'text/javascript', 'application/javascript'].includes(s.type)).length,
            blocking: performance.getEntriesByType('resource')
                .filter(e => e.renderBlockingStatus === 'blocking').map(e => e.name),
        })""")
        assert head["sheets"] == 1 and head["sync"] == 0, (path, head)
        assert head["blocking"] == [reader_site.at("style.css")], (path, head)


def test_no_page_kind_logs_a_console_error(page: Page, reader_site: ServedSite) -> None:
    errors: list[str] = []

    def log(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{page.url}: {message.text}")

    page.on("console", log)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: uncaught {e}"))
    for kind in PAGE_KINDS:
        open_kind(page, reader_site, kind)
    assert not errors, errors


def test_a_missing_axe_core_fails_under_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    absent = tmp_path / "node_modules" / "axe-core" / "axe.min.js"
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_axe(absent, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match="axe-core"):
        require_axe(absent, {})
