"""`newsgen serve` in headless Chromium: open pages follow the sources by themselves.

Each test starts `newsgen serve` on a throwaway site in tmp_path, opens pages, waits until
their livereload.js has registered with the server, edits files on disk and then only
watches: the page must reload by itself (LiveReload socket) and show the new build, the
build-error overlay, or the site's 404 page. No test touches a page after loading it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocket, expect

from tests.e2e.helpers import SCREENSHOTS, BrowsingLog
from tests.helpers import ROOT, seed_text
from tests.serving import PreviewServer

LIVE_MS = 10_000
"""How long a page may take to follow a change on disk (rebuild + reload)."""
OVERLAY = "#newsgen-build-errors"
REPO_URL = "https://user.github.io/repo/"
ROOT_URL = "https://example.org/"

HARBOUR_TITLE = "Harbour reopens after the storm"
HARBOUR_PATH = "2024/03/05/harbour-reopens-after-the-storm/"
HARBOUR_BODY = "Ferries are running again from the north quay."
MARKET_TITLE = "Fish market moves indoors"
MARKET_PATH = "2024/03/04/fish-market-moves-indoors/"


def harbour_seed(title: str = HARBOUR_TITLE, body: str = HARBOUR_BODY) -> str:
    return seed_text(title, date="2024-03-05T10:00:00Z", topics=("Local",), body=body + "\n")


def write_live_site(folder: Path, base_url: str, *, templates: bool = False) -> Path:
    """A two-article site served at `base_url` (shipped theme; with `templates`, a user copy
    of base.html). Not tests.helpers.write_site: these pages show this site's own title,
    description and time zone, and the tests need a base URL at the root as well."""
    (folder / "seeds").mkdir(parents=True)
    config = (f'[site]\ntitle = "Live Test News"\ndescription = "Preview tests."\n'
              f'base_url = "{base_url}"\nlanguage = "en"\ntimezone = "UTC"\n')
    if templates:
        (folder / "templates").mkdir()
        shutil.copy(ROOT / "templates" / "base.html", folder / "templates" / "base.html")
        config += '\n[build]\ntemplates_dir = "templates"\n'
    (folder / "site.toml").write_text(config, encoding="utf-8")
    (folder / "seeds" / "harbour.txt").write_text(harbour_seed(), encoding="utf-8")
    (folder / "seeds" / "market.txt").write_text(
        seed_text(MARKET_TITLE, date="2024-03-04T10:00:00Z", topics=("Local",)),
        encoding="utf-8")
    return folder


class LiveTab:
    """A page that knows whether its current document's livereload.js has registered.

    The server only reloads sockets that have finished the LiveReload handshake (the
    browser's `info` message), so an edit made before that would never reach the page.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.registered = False
        page.on("framenavigated", self._navigated)
        page.on("websocket", self._socket)

    def _navigated(self, frame: object) -> None:
        if frame == self.page.main_frame:
            self.registered = False

    def _socket(self, socket: WebSocket) -> None:
        if socket.url.endswith("/livereload"):
            socket.on("framesent", self._sent)

    def _sent(self, payload: str | bytes) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("command") == "info":
            self.registered = True

    def open(self, url: str, status: int = 200) -> LiveTab:
        response = self.page.goto(url)
        assert response is not None and response.status == status, url
        return self.wait_registered()

    def wait_registered(self, timeout: float = LIVE_MS / 1000) -> LiveTab:
        deadline = time.monotonic() + timeout
        while not self.registered:
            assert time.monotonic() < deadline, \
                f"livereload.js on {self.page.url} never registered with the server"
            self.page.wait_for_timeout(25)  # lets Playwright deliver the socket's events
        return self


def new_errors(log: BrowsingLog, before: int) -> list[str]:
    return log.console_errors[before:]


def test_a_retitled_seed_shows_its_new_title_on_the_open_article(
        tmp_path: Path, page: Page, browsing_log: BrowsingLog) -> None:
    site = write_live_site(tmp_path / "site", REPO_URL)
    errors_before = len(browsing_log.console_errors)
    with PreviewServer(site) as server:
        assert server.url.endswith("/repo/")
        url = server.url + HARBOUR_PATH
        tab = LiveTab(page).open(url)
        expect(page.locator("h1")).to_have_text(HARBOUR_TITLE)

        # The article's path comes from its title's slug, so the new title keeps the slug
        # (case and punctuation only); a slug change would move the article elsewhere.
        new_title = "HARBOUR Reopens, After the Storm!"
        (site / "seeds" / "harbour.txt").write_text(harbour_seed(new_title), encoding="utf-8")
        server.wait_for_line(r"seeds/harbour\.txt changed: ")

        expect(page.locator("h1")).to_have_text(new_title, timeout=LIVE_MS)
        expect(page).to_have_title(re.compile("^" + re.escape(new_title)))
        assert page.url == url
        tab.wait_registered()
        assert new_errors(browsing_log, errors_before) == []
        assert server.stop() == 0


def test_a_broken_seed_shows_the_error_overlay_until_it_is_fixed(
        tmp_path: Path, page: Page, browsing_log: BrowsingLog) -> None:
    site = write_live_site(tmp_path / "site", REPO_URL)
    seed = site / "seeds" / "harbour.txt"
    good = seed.read_text(encoding="utf-8")
    errors_before = len(browsing_log.console_errors)
    with PreviewServer(site) as server:
        tab = LiveTab(page).open(server.url + HARBOUR_PATH)
        overlay = page.locator(OVERLAY)
        expect(overlay).to_have_count(0)

        # Line 2 is the title: its quote is never closed.
        broken = good.replace(f'title: "{HARBOUR_TITLE}"', f'title: "{HARBOUR_TITLE}')
        assert broken != good and broken.splitlines()[1].startswith("title: ")
        seed.write_text(broken, encoding="utf-8")
        server.wait_for_line(r"seeds/harbour\.txt changed: build failed")

        expect(overlay).to_be_visible(timeout=LIVE_MS)
        expect(overlay).to_have_attribute("role", "alert")
        expect(overlay).to_contain_text("Build failed: 1 error")
        expect(overlay.locator("li")).to_have_count(1)
        expect(overlay.locator("li")).to_contain_text(
            re.compile(r"^seeds/harbour\.txt:2:\d+: error: \S"))
        # The last good build is still underneath.
        expect(page.locator("h1")).to_have_text(HARBOUR_TITLE)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "serve-overlay.png"))

        tab.wait_registered()  # the reloaded page's socket, before the fix
        seed.write_text(good, encoding="utf-8")
        server.wait_for_line(r"seeds/harbour\.txt changed: \d+ pages? rewritten")

        expect(overlay).to_have_count(0, timeout=LIVE_MS)
        expect(page.locator("h1")).to_have_text(HARBOUR_TITLE)
        expect(page.locator(".body")).to_contain_text(HARBOUR_BODY)
        tab.wait_registered()
        assert new_errors(browsing_log, errors_before) == []
        assert server.stop() == 0


def test_a_template_change_reaches_every_open_page(
        tmp_path: Path, context: BrowserContext, browsing_log: BrowsingLog) -> None:
    site = write_live_site(tmp_path / "site", ROOT_URL, templates=True)
    template = site / "templates" / "base.html"
    shipped = template.read_text(encoding="utf-8")
    errors_before = len(browsing_log.console_errors)
    with PreviewServer(site) as server:
        assert server.url.endswith(":" + str(server.port) + "/")
        home = LiveTab(context.new_page()).open(server.url)
        article = LiveTab(context.new_page()).open(server.url + HARBOUR_PATH)
        for tab in (home, article):
            expect(tab.page.locator(".site-footer")).not_to_contain_text("Edited live")

        latest = '<li><a href="{{ home_href }}">Latest</a></li>'
        assert latest in shipped
        edited = shipped.replace(latest, '<li><a href="{{ home_href }}">Newest</a></li>').replace(
            "<p>{{ site.title }}", '<p class="edited">Edited live · {{ site.title }}', 1)
        assert edited.count("Edited live") == 1
        template.write_text(edited, encoding="utf-8")
        server.wait_for_line(r"templates/base\.html changed: \d+ pages? rewritten")

        for tab in (home, article):
            footer = tab.page.locator(".site-footer p.edited")
            expect(footer).to_have_text("Edited live · Live Test News · Preview tests.",
                                        timeout=LIVE_MS)
            expect(tab.page.locator(".site-nav a").first).to_have_text("Newest")
        expect(home.page.locator("h1")).to_have_text("Latest news")
        expect(article.page.locator("h1")).to_have_text(HARBOUR_TITLE)
        assert new_errors(browsing_log, errors_before) == []
        assert server.stop() == 0


def test_a_new_seed_appears_on_the_open_home_page(
        tmp_path: Path, page: Page, browsing_log: BrowsingLog) -> None:
    site = write_live_site(tmp_path / "site", REPO_URL)
    errors_before = len(browsing_log.console_errors)
    with PreviewServer(site) as server:
        LiveTab(page).open(server.url)
        cards = page.locator("h3.card-title a")
        expect(cards).to_have_text([HARBOUR_TITLE, MARKET_TITLE])

        title = "Lighthouse keeper retires"
        (site / "seeds" / "lighthouse.txt").write_text(
            seed_text(title, date="2024-03-06T08:00:00Z", topics=("Local",)), encoding="utf-8")
        server.wait_for_line(r"seeds/lighthouse\.txt changed: \d+ pages? rewritten")

        expect(cards).to_have_text([title, HARBOUR_TITLE, MARKET_TITLE], timeout=LIVE_MS)
        expect(cards.first).to_have_attribute("href", "/repo/2024/03/06/lighthouse-keeper-retires/")
        assert new_errors(browsing_log, errors_before) == []
        assert server.stop() == 0


def test_a_deleted_seed_turns_its_open_article_into_the_404_page(
        tmp_path: Path, context: BrowserContext, browsing_log: BrowsingLog) -> None:
    site = write_live_site(tmp_path / "site", REPO_URL)
    errors_before = len(browsing_log.console_errors)
    with PreviewServer(site) as server:
        url = server.url + MARKET_PATH
        browsing_log.expected_missing.add(url)  # its 404 after the reload is no error
        page = context.new_page()
        LiveTab(page).open(url)
        expect(page.locator("h1")).to_have_text(MARKET_TITLE)

        (site / "seeds" / "market.txt").unlink()
        server.wait_for_line(r"seeds/market\.txt changed: \d+ pages? rewritten, [1-9]\d* removed")

        expect(page.locator("h1")).to_have_text("Page not found", timeout=LIVE_MS)
        expect(page.locator("main")).to_contain_text("There is no page at this address")
        expect(page.locator("main a").first).to_have_attribute("href", "/repo/")
        expect(page.locator(OVERLAY)).to_have_count(0)
        assert page.url == url

        response = context.request.get(url, max_redirects=0)
        assert response.status == 404
        body = response.text()
        assert "Page not found" in body and MARKET_TITLE not in body
        assert '<script src="/livereload.js" defer></script></body>' in body
        assert new_errors(browsing_log, errors_before) == []
        assert server.stop() == 0


def save_with_temp_and_replace(seed: Path, text: str) -> None:
    """An atomic save amid editors' leftovers: a Vim swap file, an Emacs lock (a dangling
    symlink whose name ends in `.txt`), a backup; the new text goes to a temp file that is
    renamed over the seed; then the leftovers go away."""
    swap = seed.with_name(f".{seed.name}.swp")
    swap.write_bytes(b"b0VIM 9.1")
    lock = seed.with_name(f".#{seed.name}")
    lock.symlink_to("editor@localhost.4242:1700000000")
    backup = seed.with_name(f"{seed.name}~")
    shutil.copy2(seed, backup)
    temp = seed.with_name(f"{seed.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, seed)
    backup.unlink()
    lock.unlink()
    swap.unlink()


def save_with_rename_and_write(seed: Path, text: str) -> None:
    """Vim's save with `backupcopy=no`: the seed is renamed to its backup, written anew in
    pieces (so for a moment it is missing, then half written), and the backup removed."""
    backup = seed.with_name(f"{seed.name}~")
    os.rename(seed, backup)
    half = len(text) // 2
    with seed.open("w", encoding="utf-8") as file:
        file.write(text[:half])
        file.flush()
        os.fsync(file.fileno())
        file.write(text[half:])
    backup.unlink()


@pytest.mark.parametrize("save", [save_with_temp_and_replace, save_with_rename_and_write],
                         ids=["temp-and-replace", "rename-and-write"])
def test_an_editor_save_is_one_rebuild(tmp_path: Path, page: Page, browsing_log: BrowsingLog,
                                       save: Callable[[Path, str], None]) -> None:
    site = write_live_site(tmp_path / "site", REPO_URL)
    seed = site / "seeds" / "harbour.txt"
    errors_before = len(browsing_log.console_errors)
    with PreviewServer(site) as server:
        LiveTab(page).open(server.url + HARBOUR_PATH)
        expect(page.locator(".body")).to_contain_text(HARBOUR_BODY)
        assert server.rebuild_lines() == []

        new_body = "The first ferry left at dawn, full."
        save(seed, harbour_seed(body=new_body))
        assert sorted(p.name for p in seed.parent.iterdir()) == ["harbour.txt", "market.txt"]

        server.wait_for_line(r"changed: ")
        expect(page.locator(".body")).to_contain_text(new_body, timeout=LIVE_MS)
        server.drain(settle=1.0)  # stragglers of the burst would show up by now
        rebuilds = server.rebuild_lines()
        assert len(rebuilds) == 1, rebuilds
        # Only the seed itself counts, and the one build saw it whole.
        assert re.match(r"^\d\d:\d\d:\d\d seeds/harbour\.txt changed: \d+ pages rewritten, "
                        r"0 removed(, search index follows)? \(", rebuilds[0]), rebuilds
        assert new_errors(browsing_log, errors_before) == []
        assert server.stop() == 0
