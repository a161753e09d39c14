"""What the browser tests share: a built site served over HTTP on 127.0.0.1, a log of every
request and console error a browser context makes, and Chromium or a skip.

Fixtures live in tests/e2e/conftest.py; the helpers every test uses, in tests/helpers.py.
"""

from __future__ import annotations

import os
import re
import struct
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Request,
    Route,
    ViewportSize,
    WebError,
)

from generator.cli import main
from tests.helpers import REAL_SEED, ROOT, png_chunk, split_seed

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LEAD_IMAGE_URL = ("https://www.coinspeaker.com/wp-content/uploads/2023/05/"
                  "china-prosecution-agency-nft-users.jpg")
LEAD_IMAGE_SIZE = (1024, 683)
LOCAL_HOST = "127.0.0.1"

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # Belt and braces: whatever a page asks for, no name but 127.0.0.1 resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


def require_chromium(path: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Debian's Chromium, or a skip; under CI=true a missing browser is a failure instead."""
    path = CHROMIUM if path is None else path
    env = os.environ if env is None else env
    if path.is_file() and os.access(path, os.X_OK):
        return path
    missing_tool(f"{path} not found: the browser tests need Debian's chromium "
                 "(apt-get install chromium)", env)


def missing_tool(reason: str, env: Mapping[str, str] | None = None) -> NoReturn:
    """Skip for a missing tool; under CI=true fail instead, since CI installs every tool."""
    env = os.environ if env is None else env
    if env.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, so this fails instead of skipping", pytrace=False)
    pytest.skip(reason)


def png_bytes(width: int, height: int) -> bytes:
    """A valid RGB PNG: horizontal bands from blue to teal (rows compress to almost nothing)."""
    rows = bytearray()
    for y in range(height):
        shade = y * 255 // max(1, height - 1)
        rows += b"\x00" + bytes((20, 60 + shade // 2, 200 - shade // 3)) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + png_chunk(b"IEND", b""))


def seed_front_matter() -> dict[str, Any]:
    """The shipped seed's YAML front matter, parsed independently of the generator."""
    data, _ = split_seed(REAL_SEED.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class ServedSite:
    name: str
    url: str
    """The URL the site is served at, ending in `/` (its base URL unless built for another)."""
    output: Path
    image_path: str
    """The lead image's site path, as published: `images/ab/<sha256>.png`."""

    @property
    def origin(self) -> str:
        split = urlsplit(self.url)
        return f"{split.scheme}://{split.netloc}"

    @property
    def base_path(self) -> str:
        return urlsplit(self.url).path

    def at(self, path: str) -> str:
        """The absolute URL of site path `path` (`topics/ai/` → `http://…/repo/topics/ai/`)."""
        return self.url + path.lstrip("/")


@dataclass
class BrowsingLog:
    """Every request, page visit and console error of every context the module opens."""

    requests: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    expected_missing: set[str] = field(default_factory=set)
    """URLs a test requests on purpose to get a 404; their console line is no error."""

    def watch(self, context: BrowserContext) -> None:
        context.on("request", self._request)
        context.on("console", self._console)
        context.on("weberror", self._web_error)
        # No request may leave the machine, whatever the page asks for; it is still logged.
        context.route("**/*", _local_only)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.visited.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if source in self.expected_missing:
            return
        page_url = message.page.url if message.page else "?"
        self.console_errors.append(f"{page_url}: {message.text} (from {source or '?'})")

    def _web_error(self, error: WebError) -> None:
        page_url = error.page.url if error.page else "?"
        self.console_errors.append(f"{page_url}: uncaught {error.error}")


def _local_only(route: Route) -> None:
    if urlsplit(route.request.url).hostname == LOCAL_HOST:
        route.continue_()
    else:
        route.abort("blockedbyclient")


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves `directory` under the URL prefix `prefix` (`/repo/`); 404 everywhere else."""

    def __init__(self, *args: Any, directory: str, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix  # set first: the base class handles the request in __init__
        super().__init__(*args, directory=directory, **kwargs)

    def do_GET(self) -> None:
        if self._route():
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._route():
            super().do_HEAD()

    def _route(self) -> bool:
        path = urlsplit(self.path).path
        if self.prefix != "/" and path == self.prefix.rstrip("/"):
            self.send_response(301)
            self.send_header("Location", self.prefix)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        if not path.startswith(self.prefix):
            self.send_error(404, f"Not under {self.prefix}")
            return False
        return True

    def translate_path(self, path: str) -> str:
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, format: str, *args: Any) -> None:
        pass


def build_and_serve(folder: Path, name: str, prefix: str, *build_args: str,
                    base_url: str | None = None) -> Iterator[ServedSite]:
    """Build the site in `folder` into `folder/public-<name>` for `base_url` (by default the
    URL it is served at) and serve that output under `prefix` on 127.0.0.1 (404 outside the
    prefix) until the generator is closed. The build must publish the cached lead image."""
    output = folder / f"public-{name}"
    handler = partial(_SiteHandler, directory=str(output), prefix=prefix)
    server = ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    url = f"http://{LOCAL_HOST}:{server.server_address[1]}{prefix}"
    config = folder / f"site-{name}.toml"
    text, count = re.subn(r'(?m)^base_url = ".*"$', f'base_url = "{base_url or url}"',
                          (folder / "site.toml").read_text(encoding="utf-8"))
    assert count == 1, "site.toml has no base_url line to replace"
    config.write_text(text, encoding="utf-8")
    assert main(["build", "--config", str(config), "--out", str(output), *build_args]) == 0
    images = sorted(p.relative_to(output).as_posix() for p in (output / "images").rglob("*.png"))
    assert len(images) == 1, f"expected the cached lead image to be published, got {images}"
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{name}", daemon=True)
    thread.start()
    try:
        yield ServedSite(name, url, output, images[0])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
