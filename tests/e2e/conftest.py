"""Browser fixtures: the shipped site built twice (base paths `/` and `/repo/`), served over
HTTP on 127.0.0.1, and one headless Chromium per module that records every request and
console error of every page it opens.

Plain helpers (ServedSite, BrowsingLog, build_and_serve, ...) live in tests/e2e/helpers.py.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.helpers import (
    LAUNCH_ARGS,
    LEAD_IMAGE_SIZE,
    LEAD_IMAGE_URL,
    VIEWPORT,
    BrowsingLog,
    ServedSite,
    build_and_serve,
    png_bytes,
    require_chromium,
)
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def site_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped site, with a hand-made image cache holding the lead image."""
    folder = tmp_path_factory.mktemp("site")
    for name in ("seeds", "templates", "static"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(ROOT / "site.toml", folder / "site.toml")
    data = png_bytes(*LEAD_IMAGE_SIZE)
    digest = sha256(data).hexdigest()
    relative = f"ab/{digest}.png"
    cache = folder / ".image-cache"
    (cache / "ab").mkdir(parents=True)
    (cache / relative).write_bytes(data)
    width, height = LEAD_IMAGE_SIZE
    manifest = {"version": 1, "images": {
        LEAD_IMAGE_URL: {"file": relative, "width": width, "height": height}}}
    (cache / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def root_site(site_folder: Path) -> Iterator[ServedSite]:
    """Built with `base_url = "http://127.0.0.1:<port>/"` and served at the server's root."""
    yield from build_and_serve(site_folder, "root", "/")


@pytest.fixture(scope="module")
def repo_site(site_folder: Path) -> Iterator[ServedSite]:
    """Built with `base_url = "http://127.0.0.1:<port>/repo/"`, served only under `/repo/`."""
    yield from build_and_serve(site_folder, "repo", "/repo/")


@pytest.fixture(scope="module", params=["root", "repo"])
def site(request: pytest.FixtureRequest) -> ServedSite:
    """Each browser test runs against both base paths."""
    served: ServedSite = request.getfixturevalue(f"{request.param}_site")
    return served


@pytest.fixture(scope="module")
def browsing_log() -> BrowsingLog:
    return BrowsingLog()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser, browsing_log: BrowsingLog) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(5_000)
    browsing_log.watch(ctx)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
