"""`newsgen images fetch` against real and hostile HTTP servers, and the address checks behind it.

No test here sends a packet anywhere but 127.0.0.1: every server binds 127.0.0.1 (port 0),
only `--allow-host 127.0.0.1:<that port>` is ever passed, and every other address named
(127.0.0.2, other ports, numeric spellings of 127.0.0.1) must be refused before a socket
opens. Where a test calls `fetch` on other addresses (numeric spellings, and 8.8.8.8:6379 in
the port test), host names resolve with AI_NUMERICHOST only and every socket connect is
patched to fail the test, so not even a DNS query leaves the machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.html
import pytest
from PIL import Image, ImageDraw

from generator.cli import main
from generator.images import fetch as httpfetch
from generator.images.addresses import Refused, Target, parse_allowed, parse_target, refusal
from generator.images.fetch import FetchFailed, FetchLimits, fetch
from tests.helpers import png_chunk, seed_text, write_site

BASE_PATH = "/news/"  # the path of write_site's base_url: pages link to /news/images/...
DEADLINE = 3  # --deadline of the hostile run
MAX_BYTES = 2_000_000  # --max-bytes of the hostile run

# ---------------------------------------------------------------------------------------------
# Images, made with Pillow or by hand
# ---------------------------------------------------------------------------------------------


def _color(n: int) -> tuple[int, int, int]:
    return (n * 53 % 256, n * 97 % 256, n * 31 % 256)


def picture(width: int, height: int, kind: str, n: int = 0, **options: object) -> bytes:
    """A `kind` (JPEG, PNG, GIF, WEBP) image of width×height, distinct for each `n`."""
    image = Image.new("RGB", (width, height), _color(n))
    draw = ImageDraw.Draw(image)
    left = n * 7 % max(1, width - width // 4)
    draw.rectangle((left, height // 4, left + width // 4, height // 2), fill=_color(n + 101))
    draw.ellipse((width // 2, height // 2, width - 1, height - 1), fill=_color(n + 7))
    if kind == "GIF":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE)
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG of width×height: ~50 KB for 20,000×20,000 pixels."""
    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then the row's bits
    per_piece = max(1, 1_000_000 // len(row))
    compressor = zlib.compressobj(9)
    idat = [compressor.compress(row * min(per_piece, height - start))
            for start in range(0, height, per_piece)]
    idat.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", b"".join(idat)) + png_chunk(b"IEND", b""))


def gzip_of_zeros(megabytes: int) -> bytes:
    """A gzip stream that inflates to `megabytes` MB of zeros (~1 KB per MB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()


def jpeg_with_exif(width: int, height: int) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "SECRET-EXIF-DESCRIPTION"  # ImageDescription
    exif[0x013B] = "SECRET-EXIF-ARTIST"  # Artist
    return picture(width, height, "JPEG", 3, quality=60, exif=exif.tobytes())


# ---------------------------------------------------------------------------------------------
# A counting HTTP server on 127.0.0.1
# ---------------------------------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler, int], None]
"""Answers one request; gets the handler and how many times this path was asked for."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up on an endless or trickling body is the point here


class Server:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0) answering from `routes`, counting hits per
    path, and timing each answer (how long until the client hung up, for streams)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.durations: dict[str, float] = {}
        self.delay = delay
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                owner.answer(self)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.hits[handler.path] += 1
            hit = self.hits[handler.path]
        if self.delay:
            time.sleep(self.delay)
        route = self.routes.get(handler.path) or respond(404, b"not here", "text/plain")
        started = time.monotonic()
        try:
            route(handler, hit)
        except OSError:
            pass  # the fetcher hung up
        finally:
            with self.lock:
                self.durations[handler.path] = time.monotonic() - started

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def allow(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def serving(delay: float = 0.0) -> Iterator[Server]:
    server = Server(delay)
    try:
        yield server
    finally:
        server.close()


def respond(status: int, body: bytes, content_type: str,
            headers: tuple[tuple[str, str], ...] = ()) -> Route:
    def route(handler: BaseHTTPRequestHandler, hit: int) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        if not any(name.lower() == "content-length" for name, _ in headers):
            handler.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    return route


def image_route(data: bytes, content_type: str) -> Route:
    return respond(200, data, content_type)


def redirect(location: str, status: int = 302) -> Route:
    return respond(status, b"", "text/plain", (("Location", location),))


def endless(piece: bytes, seconds: float = 30.0) -> Route:
    """200, image/jpeg, no Content-Length, `piece` after `piece` until the client hangs up."""
    def route(handler: BaseHTTPRequestHandler, hit: int) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.end_headers()
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            handler.wfile.write(piece)
    return route


def endless_chunked(seconds: float = 30.0) -> Route:
    """An HTTP/1.1 answer with Transfer-Encoding: chunked whose chunks never end."""
    def route(handler: BaseHTTPRequestHandler, hit: int) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
                            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        chunk = b"10000\r\n" + bytes(0x10000) + b"\r\n"
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            handler.wfile.write(chunk)
        handler.close_connection = True
    return route


def trickle(seconds: float = 20.0) -> Route:
    """200, image/jpeg, then one byte of a JPEG a second, never ending (within `seconds`)."""
    def route(handler: BaseHTTPRequestHandler, hit: int) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.end_headers()
        stop = time.monotonic() + seconds
        data = picture(64, 64, "JPEG")
        for byte in data * 100:
            if time.monotonic() > stop:
                break
            handler.wfile.write(bytes([byte]))
            time.sleep(1.0)
    return route


def first_then(first: Route, then: Route) -> Route:
    return lambda handler, hit: (first if hit == 1 else then)(handler, hit)


# ---------------------------------------------------------------------------------------------
# Sites, the command line, and reading what it wrote
# ---------------------------------------------------------------------------------------------


def image_seed(title: str, images: list[tuple[str, int, int]]) -> str:
    lines = "images:\n" + "".join(
        f'  - url: "{url}"\n    width: {width}\n    height: {height}\n    isCached: true\n'
        for url, width, height in images)
    slug = hashlib.sha256(title.encode()).hexdigest()[:12]
    return seed_text(title, url=f"https://example.com/story/{slug}", extra=lines)


@dataclass
class Ran:
    code: int
    out: str
    err: str
    seconds: float


def cli(*args: str) -> Ran:
    """`newsgen ARGS` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Ran(code, out.getvalue(), err.getvalue(), time.monotonic() - started)


def fetch_cli(site: Path, server: Server, *more: str) -> Ran:
    return cli("images", "fetch", "--config", str(site / "site.toml"),
               "--allow-host", server.allow, *more)


def build_cli(site: Path) -> Ran:
    return cli("build", "--config", str(site / "site.toml"), "--quiet")


def manifest_rows(site: Path) -> dict[str, dict[str, object]]:
    data = json.loads((site / ".image-cache" / "manifest.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    return data["images"]  # type: ignore[no-any-return]


def row_files(row: dict[str, object]) -> set[str]:
    """The cache files a row names: its original and variants."""
    if not row.get("file"):
        return set()
    variants = row.get("variants") or []
    assert isinstance(variants, list)
    return {str(row["file"])} | {str(v["file"]) for v in variants}


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def cache_files(site: Path) -> set[str]:
    return files_under(site / ".image-cache") - {"manifest.json", "manifest.journal"}


SUMMARY = re.compile(r"^Fetched (\d+) images \(([\d.]+) MB\) in ([\d.]+) s \(([\d.]+)/s\); "
                     r"(\d+) already cached, (\d+) failed(.*)\.$", re.M)


def summary_of(ran: Ran) -> re.Match[str]:
    match = SUMMARY.search(ran.out)
    assert match, ran.out + ran.err
    return match


def html_pages(public: Path) -> dict[Path, lxml.html.HtmlElement]:
    return {path: lxml.html.fromstring(path.read_bytes()) for path in public.rglob("*.html")}


def article_page(pages: dict[Path, lxml.html.HtmlElement], title: str) -> lxml.html.HtmlElement:
    found = [tree for tree in pages.values()
             if [h.text_content().strip() for h in tree.iter("h1")] == [title]]
    assert len(found) == 1, f"{len(found)} pages have the title {title!r}"
    return found[0]


def story_images(page: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The images and tiles in the article's own figures (not the sidebar or listings)."""
    return [element for figure in page.find_class("story-image")
            for element in figure.iter("img", "div")
            if element.tag == "img" or "image-tile" in element.classes]


def site_file(public: Path, href: str) -> Path:
    assert href.startswith(BASE_PATH), href
    return public / href.removeprefix(BASE_PATH)


def srcset_of(img: lxml.html.HtmlElement) -> list[tuple[str, int]]:
    entries = []
    for entry in (img.get("srcset") or "").split(","):
        if entry.strip():
            href, width = entry.split()
            assert width.endswith("w"), entry
            entries.append((href, int(width[:-1])))
    return entries


# ---------------------------------------------------------------------------------------------
# 1. One fetch run against a server of good and hostile answers, then a build
# ---------------------------------------------------------------------------------------------

# case: (what the row's error must match, whether a later run retries it)
HOSTILE: dict[str, tuple[str, bool]] = {
    "redirect to another port": (
        r"^refused 127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address$", False),
    "redirect to 127.0.0.2": (
        r"^refused 127\.0\.0\.2:80: 127\.0\.0\.2 is a loopback address$", False),
    "redirect to 127.0.0.2 on the allowed port": (
        r"^refused 127\.0\.0\.2:\d+: 127\.0\.0\.2 is a loopback address$", False),
    "redirect to 2130706433": (
        r"^refused 2130706433:\d+: 127\.0\.0\.1 is a loopback address$", False),
    "redirect to file:": (
        r"^refused file:///etc/passwd: scheme 'file' is not http or https$", False),
    "redirect with credentials": (
        r"^refused http://u:p@127\.0\.0\.1:\d+/good/jpeg-small\.jpg: "
        r"URL carries a user name or password$", False),
    "redirect loop": (r"^more than 5 redirects$", False),
    "six redirects": (r"^more than 5 redirects$", False),
    "endless body": (r"^body is over the 2,000,000-byte cap$", False),
    "endless chunked body": (r"^body is over the 2,000,000-byte cap$", False),
    "lying Content-Length": (r"^body ended after 3,000 of 100,000 bytes$", True),
    "Content-Encoding br": (r"^unsupported Content-Encoding 'br'$", False),
    "query token": (
        r"^refused file:///etc/passwd\?…: scheme 'file' is not http or https$", False),
    "Content-Length over the cap": (
        r"^Content-Length 50,000,000 is over the 2,000,000-byte cap$", False),
    "gzip bomb": (r"^body is over the 2,000,000-byte cap after decompression$", False),
    "20000x20000 PNG bomb": (
        r"^decompression bomb: Image size \(400000000 pixels\) exceeds limit", False),
    "8000x8000 PNG over the pixel cap": (
        r"^8,000×8,000 pixels is over the 50,000,000-pixel cap \(a decompression bomb\?\)$",
        False),
    "truncated JPEG": (r"^truncated or corrupt JPEG: ", False),
    "HTML as image/jpeg": (r"^not a JPEG, PNG, GIF, WEBP.* image \(it is HTML\)$", False),
    "SVG as image/svg+xml": (r"\(it is SVG, which is never accepted\)$", False),
    "SVG as image/png": (r"\(it is SVG, which is never accepted\)$", False),
    # Either the body loop sees the deadline pass, or the socket timeout (set to the time
    # left) fires first, whichever comes first.
    "trickle": (rf"^(took longer than {DEADLINE} s|timed out)$", False),
    "404": (r"^HTTP 404 from 127\.0\.0\.1$", False),
    "500": (r"^HTTP 500 from 127\.0\.0\.1$", True),
}

# case: (format made, width, height, served type, stored suffix, variant widths)
GOOD: dict[str, tuple[str, int, int, str, str, list[int]]] = {
    "jpeg-wide": ("JPEG", 1600, 900, "image/jpeg", ".jpg", [320, 640, 960, 1280]),
    "png": ("PNG", 800, 600, "image/png", ".png", [320, 640]),
    "gif": ("GIF", 500, 300, "image/gif", ".png", [320]),
    "webp": ("WEBP", 1000, 700, "image/webp", ".webp", [320, 640, 960]),
    "jpeg-small": ("JPEG", 200, 150, "image/jpeg", ".jpg", []),
    "after-503": ("JPEG", 700, 400, "image/jpeg", ".jpg", [320, 640]),
    "five-redirects": ("JPEG", 640, 360, "image/jpeg", ".jpg", [320]),
}

SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
       b'width="100" height="100"><script>alert(document.cookie)</script>'
       b'<rect width="100" height="100"/></svg>')
HTML = (b"<!DOCTYPE html><html><head><title>Not found</title></head>"
        b"<body><script>alert(1)</script></body></html>")


QUERIES = {"query token": "?token=SECRET-TOKEN-1"}


def hostile_path(case: str) -> str:
    return ("/hostile/" + re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")
            + QUERIES.get(case, ""))


def redacted(url: str) -> str:
    """A URL as warnings show it: without its query."""
    return url.split("?", 1)[0] + ("?…" if "?" in url else "")


@dataclass
class HostileRun:
    site: Path
    server: Server
    other: Server
    served: dict[str, bytes]
    fetched: Ran
    rows: dict[str, dict[str, object]]
    built: Ran
    pages: dict[Path, lxml.html.HtmlElement] = field(default_factory=dict)

    def row(self, path: str) -> dict[str, object]:
        return self.rows[self.server.url(path)]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileRun]:
    with serving() as server, serving() as other:
        served: dict[str, bytes] = {}
        for case, (kind, width, height, content_type, _, _) in GOOD.items():
            options: dict[str, object] = {"quality": 60} if kind in ("JPEG", "WEBP") else {}
            data = (jpeg_with_exif(width, height) if case == "jpeg-wide"
                    else picture(width, height, kind, len(served), **options))
            served[case] = data
            server.routes[f"/good/{case}.jpg"] = image_route(data, content_type)
        server.routes["/good/after-503.jpg"] = first_then(
            respond(503, b"busy", "text/plain"), image_route(served["after-503"], "image/jpeg"))
        for hop in range(5):
            server.routes[f"/chain5/{hop}"] = redirect(
                "/good/five-redirects.jpg" if hop == 4 else f"/chain5/{hop + 1}")
        other.routes["/x.jpg"] = image_route(served["jpeg-small"], "image/jpeg")

        truncated_source = picture(900, 600, "JPEG", 77, quality=90)
        truncated = truncated_source[: len(truncated_source) // 2]
        routes: dict[str, Route] = {
            "redirect to another port": redirect(other.url("/x.jpg")),
            "redirect to 127.0.0.2": redirect("http://127.0.0.2/good/png.jpg"),
            "redirect to 127.0.0.2 on the allowed port": redirect(
                f"http://127.0.0.2:{server.port}/good/png.jpg"),
            "redirect to 2130706433": redirect(f"http://2130706433:{other.port}/x.jpg"),
            "redirect to file:": redirect("file:///etc/passwd"),
            "redirect with credentials": redirect(
                f"http://u:p@127.0.0.1:{server.port}/good/jpeg-small.jpg"),
            "redirect loop": redirect(hostile_path("redirect loop"), 301),
            "endless body": endless(b"\xff\xd8\xff\xe0" + bytes(65532)),
            "endless chunked body": endless_chunked(),
            "lying Content-Length": respond(200, truncated_source[:3000], "image/jpeg",
                                            (("Content-Length", "100000"),)),
            "Content-Encoding br": respond(200, truncated_source, "image/jpeg",
                                           (("Content-Encoding", "br"),)),
            "query token": redirect("file:///etc/passwd?token=SECRET-TOKEN-2"),
            "Content-Length over the cap": respond(
                200, b"\xff\xd8\xff" * 1000, "image/jpeg", (("Content-Length", "50000000"),)),
            "gzip bomb": respond(200, gzip_of_zeros(200), "image/jpeg",
                                 (("Content-Encoding", "gzip"),)),
            "20000x20000 PNG bomb": image_route(png_claiming(20_000, 20_000), "image/png"),
            "8000x8000 PNG over the pixel cap": image_route(png_claiming(8_000, 8_000),
                                                            "image/png"),
            "truncated JPEG": image_route(truncated, "image/jpeg"),
            "HTML as image/jpeg": image_route(HTML, "image/jpeg"),
            "SVG as image/svg+xml": image_route(SVG, "image/svg+xml"),
            "SVG as image/png": image_route(SVG, "image/png"),
            "trickle": trickle(),
            "404": respond(404, b"gone", "text/plain"),
            "500": respond(500, b"oops", "text/plain"),
        }
        for hop in range(6):
            routes[f"six redirects {hop}"] = redirect(
                "/good/jpeg-small.jpg" if hop == 5 else hostile_path(f"six redirects {hop + 1}"))
        routes["six redirects"] = routes.pop("six redirects 0")
        for case, route in routes.items():
            server.routes[hostile_path(case)] = route
        assert len(served["jpeg-wide"]) < MAX_BYTES

        seeds = {}
        for case, (_, width, height, _, _, _) in GOOD.items():
            path = "/chain5/0" if case == "five-redirects" else f"/good/{case}.jpg"
            seeds[f"good-{case}.txt"] = image_seed(f"Good: {case}",
                                                   [(server.url(path), width, height)])
        for case in HOSTILE:
            seeds[f"hostile-{hostile_path(case)[9:]}.txt"] = image_seed(
                f"Hostile: {case}", [(server.url(hostile_path(case)), 640, 480)])
        site = write_site(tmp_path_factory.mktemp("hostile"), seeds)

        fetched = fetch_cli(site, server, "--deadline", str(DEADLINE),
                            "--max-bytes", str(MAX_BYTES), "--jobs", "8")
        rows = manifest_rows(site) if fetched.code == 0 else {}
        built = build_cli(site)
        run = HostileRun(site, server, other, served, fetched, rows, built)
        if built.code == 0:
            run.pages = html_pages(site / "public")
        yield run


def test_the_hostile_run_completes_and_reports_every_failure(hostile_run: HostileRun) -> None:
    run = hostile_run
    assert run.fetched.code == 0, run.fetched.out + run.fetched.err
    summary = summary_of(run.fetched)
    assert (summary[1], summary[6]) == (str(len(GOOD)), str(len(HOSTILE))), run.fetched.out
    # One warning line per failure, naming the URL.
    for case in HOSTILE:
        assert f"warning: {redacted(run.server.url(hostile_path(case)))}: " in run.fetched.err
    # Query strings (tokens) never reach the output, the seed's or a redirect's.
    assert "SECRET-TOKEN" not in run.fetched.out + run.fetched.err
    assert not (run.site / ".image-cache" / "manifest.journal").exists()
    assert set(run.rows) == {run.server.url(hostile_path(c)) for c in HOSTILE} | {
        run.server.url("/chain5/0" if c == "five-redirects" else f"/good/{c}.jpg")
        for c in GOOD}


def test_the_hostile_run_ends_within_its_deadlines(hostile_run: HostileRun) -> None:
    # 31 images, 4 at a time to one host; only the trickle needs its whole 3 s deadline.
    assert hostile_run.fetched.seconds < 12, hostile_run.fetched.seconds
    # The fetcher hung up on the trickle at its deadline; the server notices at its second
    # write after that, up to 2 s later.
    durations = hostile_run.server.durations
    give_up = time.monotonic() + 5
    while hostile_path("trickle") not in durations and time.monotonic() < give_up:
        time.sleep(0.05)
    trickled = durations[hostile_path("trickle")]
    assert DEADLINE - 0.5 < trickled < DEADLINE + 2.5, trickled


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_answer_is_a_failed_row_with_a_clear_reason(hostile_run: HostileRun,
                                                              case: str) -> None:
    pattern, retryable = HOSTILE[case]
    row = hostile_run.row(hostile_path(case))
    assert re.search(pattern, str(row.get("error"))), row
    assert row["retryable"] is retryable
    assert not row.get("file") and not row.get("variants"), row


@pytest.mark.parametrize("case", list(HOSTILE))
def test_nothing_of_a_hostile_image_is_published(hostile_run: HostileRun, case: str) -> None:
    run = hostile_run
    assert run.built.code == 0, run.built.out + run.built.err
    page = article_page(run.pages, f"Hostile: {case}")
    shown = story_images(page)
    assert [element.tag for element in shown] == ["div"], lxml.html.tostring(page)
    assert "image-tile" in shown[0].classes
    # Nothing in the page loads it: no src, srcset, href, poster or data names the server.
    for element in page.iter():
        for name in ("src", "srcset", "href", "poster", "data"):
            assert "127.0.0.1" not in (element.get(name) or ""), lxml.html.tostring(element)
    body = page.find("body")
    assert "127.0.0.1" not in lxml.html.tostring(body).decode()


def test_no_published_file_names_an_image_that_is_not_cached(
        hostile_run: HostileRun) -> None:
    assert hostile_run.built.code == 0
    public = hostile_run.site / "public"
    files = sorted(path for path in public.rglob("*") if path.is_file())
    assert files, "the build wrote no file"
    naming = [path.relative_to(public).as_posix() for path in files
              if b"127.0.0.1" in path.read_bytes()]
    assert naming == []


def test_cache_and_public_hold_exactly_the_good_images_files(hostile_run: HostileRun) -> None:
    run = hostile_run
    good = set().union(*(row_files(row) for row in run.rows.values()))
    assert len(good) == sum(1 + len(variants) for *_, variants in GOOD.values())
    assert cache_files(run.site) == good  # no temp files, nothing of a failed image
    assert files_under(run.site / "public" / "images") == good


def test_refused_redirects_never_reach_another_server(hostile_run: HostileRun) -> None:
    # The second server on 127.0.0.1 (another port) was never contacted; 127.0.0.2 has no
    # server, and its row says "refused ..." (a connection attempt would read "network
    # error: ConnectionRefusedError").
    assert hostile_run.other.hits == Counter()


def test_a_4xx_is_not_retried_and_a_5xx_is(hostile_run: HostileRun) -> None:
    hits = hostile_run.server.hits
    assert hits[hostile_path("404")] == 1
    assert hits[hostile_path("500")] == 3  # FetchLimits.attempts, inside the 3 s deadline
    assert hits["/good/after-503.jpg"] == 2
    assert hits[hostile_path("lying Content-Length")] == 3  # a cut-off body may pass later
    assert hits[hostile_path("redirect loop")] == 6  # the first request and 5 redirects
    for case in HOSTILE:
        if case not in ("404", "500", "redirect loop", "six redirects",
                        "lying Content-Length"):
            assert hits[hostile_path(case)] == 1, case


@pytest.mark.parametrize("case", list(GOOD))
def test_a_good_image_is_re_encoded_with_its_variants(hostile_run: HostileRun,
                                                      case: str) -> None:
    _, width, height, content_type, suffix, widths = GOOD[case]
    run = hostile_run
    path = "/chain5/0" if case == "five-redirects" else f"/good/{case}.jpg"
    row = run.row(path)
    assert not row.get("error"), row
    served = run.served[case]
    assert row["sha256"] == hashlib.sha256(served).hexdigest()
    assert row["bytes"] == len(served)
    assert row["served_type"] == content_type
    assert row["final_url"] == run.server.url(f"/good/{case}.jpg")
    assert (row["width"], row["height"]) == (width, height)
    assert str(row["file"]).endswith(suffix)
    variants = row["variants"]
    assert isinstance(variants, list)
    assert [v["width"] for v in variants] == widths
    cache = run.site / ".image-cache"
    with Image.open(cache / str(row["file"])) as original:
        assert original.size == (width, height)
        assert original.format == {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP"}[suffix]
        assert "exif" not in original.info
    assert b"SECRET-EXIF" not in (cache / str(row["file"])).read_bytes()
    for variant in variants:
        with Image.open(cache / variant["file"]) as image:
            assert image.format == "WEBP"
            assert image.width == variant["width"]
            assert abs(image.height - height * variant["width"] / width) <= 1


@pytest.mark.parametrize("case", list(GOOD))
def test_a_good_image_is_published_with_width_height_and_srcset(hostile_run: HostileRun,
                                                                case: str) -> None:
    run = hostile_run
    assert run.built.code == 0, run.built.out + run.built.err
    _, width, height, _, _, widths = GOOD[case]
    row = run.row("/chain5/0" if case == "five-redirects" else f"/good/{case}.jpg")
    public = run.site / "public"
    [img] = story_images(article_page(run.pages, f"Good: {case}"))
    assert img.tag == "img"
    assert img.get("src") == f"{BASE_PATH}images/{row['file']}"
    assert (img.get("width"), img.get("height")) == (str(width), str(height))
    srcset = srcset_of(img)
    if widths:
        assert [w for _, w in srcset] == [*widths, width]
        assert srcset[-1][0] == img.get("src")
    else:
        assert img.get("srcset") is None
    for href in [img.get("src"), *(href for href, _ in srcset)]:
        published = site_file(public, href)
        cached = run.site / ".image-cache" / href.removeprefix(f"{BASE_PATH}images/")
        assert published.read_bytes() == cached.read_bytes()


# ---------------------------------------------------------------------------------------------
# Bugs found: each test states the behaviour the fetcher should have, and fails today.
# ---------------------------------------------------------------------------------------------


def _one_bad_url_run(tmp_path: Path, server: Server, bad_url: str) -> tuple[Ran, Path]:
    """Fetch a good image and `bad_url`, each from its own seed."""
    server.routes["/ok.jpg"] = image_route(picture(400, 300, "JPEG", 5, quality=50),
                                           "image/jpeg")
    site = write_site(tmp_path / "site", {
        "ok.txt": image_seed("Fine", [(server.url("/ok.jpg"), 400, 300)]),
        "bad.txt": image_seed("Bad", [(bad_url, 400, 300)]),
    })
    return fetch_cli(site, server, "--deadline", "5"), site


# Answers that once escaped `httpfetch.fetch` and ended the whole run (exit 70, no manifest,
# and the same crash on every later run): each must now fail its own image only.
CRASHERS: dict[str, tuple[Route, str]] = {
    "Content-Encoding: gzip on a body that is not gzip": (
        respond(200, b"not gzip at all" * 20, "image/jpeg", (("Content-Encoding", "gzip"),)),
        "zlib.error from decoder.decompress in _read_body"),
    "Content-Encoding: deflate on raw deflate (no zlib header)": (
        respond(200, zlib.compress(picture(64, 64, "JPEG"))[2:-4], "image/jpeg",
                (("Content-Encoding", "deflate"),)),
        "zlib.error from decoder.decompress in _read_body"),
    "redirect to a Location with a non-ASCII byte": (
        redirect("/caf\u00e9.jpg"),
        "http.client decodes the Location as Latin-1; putrequest then raises "
        "UnicodeEncodeError"),
    "redirect to a Location with an unclosed IPv6 bracket": (
        redirect("http://[::1/x.jpg"),
        "urljoin(current, location) raises ValueError('Invalid IPv6 URL'), outside the "
        "parse_target check"),
}


@pytest.mark.parametrize("case", list(CRASHERS))
def test_a_hostile_answer_fails_its_image_not_the_run(tmp_path: Path, case: str) -> None:
    with serving() as server:
        server.routes["/bad"] = CRASHERS[case][0]
        ran, site = _one_bad_url_run(tmp_path, server, server.url("/bad"))
    assert ran.code == 0, ran.err
    rows = manifest_rows(site)
    assert rows[server.url("/bad")]["error"]
    assert rows[server.url("/ok.jpg")].get("file")


def test_a_non_ascii_image_url_is_fetched(tmp_path: Path) -> None:
    with serving() as server:
        data = picture(400, 300, "JPEG", 9, quality=50)
        server.routes["/caf%C3%A9.jpg"] = image_route(data, "image/jpeg")
        ran, site = _one_bad_url_run(tmp_path, server, server.url("/caf\u00e9.jpg"))
    assert ran.code == 0, ran.err
    assert manifest_rows(site)[server.url("/caf\u00e9.jpg")].get("file")


def test_headers_trickled_a_byte_at_a_time_overrun_the_deadline() -> None:
    def slow_headers(handler: BaseHTTPRequestHandler, hit: int) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        stop = time.monotonic() + 3.5
        while time.monotonic() < stop:
            handler.wfile.write(b"a")
            time.sleep(0.25)
        handler.wfile.write(b"\r\nContent-Type: image/jpeg\r\nContent-Length: 0\r\n\r\n")

    with serving() as server:
        server.routes["/slow"] = slow_headers
        started = time.monotonic()
        with pytest.raises(FetchFailed):
            fetch(server.url("/slow"), FetchLimits(deadline=1.0),
                  parse_allowed([server.allow]))
        assert time.monotonic() - started < 2.0


def test_a_temp_file_left_by_a_killed_run_is_gone_after_the_next_run(
        tmp_path: Path) -> None:
    with serving() as server:
        server.routes["/ok.jpg"] = image_route(picture(400, 300, "JPEG", 6, quality=50),
                                               "image/jpeg")
        site = write_site(tmp_path / "site", {
            "ok.txt": image_seed("Fine", [(server.url("/ok.jpg"), 400, 300)])})
        stale = site / ".image-cache" / "ab" / ".tmp-k1ll3d.webp"
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"RIFF\x00\x10\x00\x00WEBPVP8 ")  # what a killed encoder leaves
        ran = fetch_cli(site, server)
    assert ran.code == 0, ran.err
    assert cache_files(site) == row_files(manifest_rows(site)[server.url("/ok.jpg")])


# ---------------------------------------------------------------------------------------------
# 2. The address checks, as pure functions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("10.255.255.255", "private"),
    ("172.16.0.1", "private"), ("172.31.255.254", "private"),
    ("192.168.0.1", "private"), ("192.168.255.254", "private"),
    ("fc00::1", "private"), ("fd12:3456:789a::1", "private"),
    ("169.254.169.254", "link-local"), ("169.254.0.1", "link-local"),
    ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("100.64.0.1", "private"), ("100.127.255.254", "private"),  # CGNAT, 100.64.0.0/10
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:7f00:1", "loopback"),
    ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "link-local"),
    ("::127.0.0.1", "loopback"),  # the deprecated IPv4-compatible form
    ("2002:a00:1::", "private"), ("2002:c0a8:101::1", "private"),  # 6to4 of 10/8, 192.168/16
    ("2002:7f00:1::", "loopback"), ("2002:a9fe:a9fe::", "link-local"),
    ("240.0.0.1", None), ("255.255.255.255", None), ("0.1.2.3", None),
    ("192.0.2.1", None), ("198.18.0.1", None), ("2001:db8::1", None),
    ("64:ff9b::a00:1", None), ("64:ff9b::7f00:1", None),  # NAT64 of private and loopback
])
def test_refusal_refuses_non_public_addresses(address: str, kind: str | None) -> None:
    why = refusal(address, 80)
    assert why is not None, address
    if kind is not None:
        assert re.search(rf" is an? {kind} address$", why), why


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "93.184.215.14",
                                     "2606:4700::1111", "2001:4860:4860::8888"])
def test_refusal_admits_public_addresses(address: str) -> None:
    assert refusal(address, 80) is None
    assert refusal(address, 443) is None


def test_refusal_rejects_what_is_not_an_address() -> None:
    assert refusal("localhost", 80) == "localhost is not an IP address"
    assert refusal("", 80) is not None


def test_allow_host_admits_exactly_one_address_and_port() -> None:
    allowed = parse_allowed(["127.0.0.1:8080", "[::1]:9090"])
    assert allowed == frozenset({("127.0.0.1", 8080), ("::1", 9090)})
    assert refusal("127.0.0.1", 8080, allowed) is None
    assert refusal("::1", 9090, allowed) is None
    assert refusal("127.0.0.1", 8081, allowed) == "127.0.0.1 is a loopback address"
    assert refusal("127.0.0.2", 8080, allowed) == "127.0.0.2 is a loopback address"
    assert refusal("::1", 8080, allowed) == "::1 is a loopback address"
    assert refusal("::ffff:127.0.0.1", 8080, allowed) is not None
    assert refusal("10.0.0.1", 8080, allowed) is not None


@pytest.mark.parametrize("value", ["localhost:8080", "127.0.0.1", "127.0.0.1:http",
                                   "example.com:80", ":8080", "[::1]"])
def test_allow_host_takes_only_address_and_port(value: str) -> None:
    with pytest.raises(ValueError, match="--allow-host takes ADDRESS:PORT"):
        parse_allowed([value])


def test_allow_host_with_a_name_is_a_usage_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {})
    ran = cli("images", "fetch", "--config", str(site / "site.toml"),
              "--allow-host", "localhost:8080")
    assert ran.code == 1
    assert "--allow-host takes ADDRESS:PORT, got 'localhost:8080'" in ran.err


@pytest.mark.parametrize(("url", "why"), [
    ("file:///etc/passwd", "scheme 'file' is not http or https"),
    ("FILE:///etc/passwd", "scheme 'file' is not http or https"),
    ("ftp://example.com/a.jpg", "scheme 'ftp' is not http or https"),
    ("gopher://example.com:70/_GET", "scheme 'gopher' is not http or https"),
    ("data:image/png;base64,iVBORw0KGgo=", "scheme 'data' is not http or https"),
    ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
    ("  javascript:alert(1)", "scheme 'javascript' is not http or https"),
    ("//example.com/a.jpg", "scheme '(none)' is not http or https"),
    ("example.com/a.jpg", "scheme '(none)' is not http or https"),
    (" \x00http://example.com/a.jpg", "URL holds spaces, control characters or backslashes"),
    (" \x01javascript:alert(1)", "URL holds spaces, control characters or backslashes"),
    ("java\tscript:alert(1)", "URL holds spaces, control characters or backslashes"),
    ("http://exa\nmple.com/a.jpg", "URL holds spaces, control characters or backslashes"),
    ("http://example.com/a b.jpg", "URL holds spaces, control characters or backslashes"),
    ("http://example.com\\@127.0.0.1/", "URL holds spaces, control characters or backslashes"),
    ("http:\\\\127.0.0.1\\a.jpg", "URL holds spaces, control characters or backslashes"),
    ("http://user:pass@example.com/a.jpg", "URL carries a user name or password"),
    ("http://user@example.com/a.jpg", "URL carries a user name or password"),
    ("http://:pass@example.com/a.jpg", "URL carries a user name or password"),
    ("http://example.com@127.0.0.1/a.jpg", "URL carries a user name or password"),
    ("http:///a.jpg", "URL has no host"),
    ("http://:80/a.jpg", "URL has no host"),
    ("https://", "URL has no host"),
    ("http://./a.jpg", "URL has no host"),
    ("http://example.com:99999/a.jpg", "malformed URL"),
    ("http://example.com:port/a.jpg", "malformed URL"),
    ("http://[::1/a.jpg", "malformed URL"),
])
def test_parse_target_refuses_anything_but_plain_http(url: str, why: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_target(url)
    assert str(refused.value).startswith(why), str(refused.value)


@pytest.mark.parametrize(("url", "target"), [
    ("http://example.com/a.jpg", Target("http", "example.com", 80, "/a.jpg")),
    ("HTTPS://Example.COM./a.jpg?w=1#top", Target("https", "example.com", 443, "/a.jpg?w=1")),
    ("http://example.com", Target("http", "example.com", 80, "/")),
    ("http://[2606:4700::1111]:8080/x", Target("http", "2606:4700::1111", 8080, "/x")),
    ("  http://example.com/a.jpg\n", Target("http", "example.com", 80, "/a.jpg")),
])
def test_parse_target_splits_a_plain_url(url: str, target: Target) -> None:
    assert parse_target(url) == target


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve only numeric hosts (no DNS query), and fail the test if a socket connects."""
    real = socket.getaddrinfo

    def numeric_only(host: str, port: object, *args: object, **kwargs: object) -> object:
        return real(host, port, *args, flags=socket.AI_NUMERICHOST,  # type: ignore[misc]
                    **kwargs)

    def no_connection(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a socket was opened to {args}")

    monkeypatch.setattr(httpfetch.socket, "getaddrinfo", numeric_only)
    monkeypatch.setattr(httpfetch.socket, "create_connection", no_connection)
    monkeypatch.setattr(socket.socket, "connect", no_connection)
    monkeypatch.setattr(socket.socket, "connect_ex", no_connection)


@pytest.mark.parametrize(("url", "why"), [
    ("http://2130706433/x.jpg", "127.0.0.1 is a loopback address"),
    ("http://0x7f.1/x.jpg", "127.0.0.1 is a loopback address"),
    ("http://0177.0.0.1/x.jpg", "127.0.0.1 is a loopback address"),
    ("http://127.1/x.jpg", "127.0.0.1 is a loopback address"),
    ("http://127.0.0.2/x.jpg", "127.0.0.2 is a loopback address"),
    ("http://0/x.jpg", "0.0.0.0 is an unspecified address"),
    ("http://[::ffff:127.0.0.1]/x.jpg", "is a loopback address"),
    ("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "is a link-local address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://0xa9fea9fe/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://10.1/x.jpg", "10.0.0.1 is a private address"),
    ("https://192.168.1.1:8443/x.jpg", "192.168.1.1 is a private address"),
])
def test_fetch_refuses_numeric_spellings_before_any_socket_opens(
        no_sockets: None, url: str, why: str) -> None:
    with pytest.raises(FetchFailed) as failed:
        fetch(url, FetchLimits(deadline=5))
    assert failed.value.reason.startswith("refused "), failed.value.reason
    assert why in failed.value.reason
    assert failed.value.retryable is False


def test_fetch_refuses_a_private_address_on_a_port_that_was_not_allowed(
        no_sockets: None) -> None:
    allowed = parse_allowed(["127.0.0.1:8080"])
    with pytest.raises(FetchFailed, match=r"refused 127\.0\.0\.1:8081: 127\.0\.0\.1 is a loopback"):
        fetch("http://127.0.0.1:8081/x.jpg", FetchLimits(deadline=5), allowed)
    with pytest.raises(FetchFailed, match="refused 2130706433:8081"):
        fetch("http://2130706433:8081/x.jpg", FetchLimits(deadline=5), allowed)


def test_a_port_other_than_80_or_443_is_refused(no_sockets: None) -> None:
    with pytest.raises(FetchFailed, match="refused"):
        fetch("http://8.8.8.8:6379/x.jpg", FetchLimits(deadline=5, attempts=1))


def test_site_local_ipv6_is_refused() -> None:
    assert refusal("fec0::1", 80) is not None


# ---------------------------------------------------------------------------------------------
# 3. A 200-image corpus: fetched, then built; no page points at the remote copies
# ---------------------------------------------------------------------------------------------

CORPUS = 200


def test_a_200_image_corpus_is_fetched_and_every_page_uses_local_copies(
        tmp_path: Path) -> None:
    with serving() as server:
        seeds = {}
        for n in range(CORPUS):
            width = 400 + n * 37 % 1001  # 400 to 1400 px
            height = width * (4 + n % 3) // 16  # wide and short: cheap to re-encode
            server.routes[f"/corpus/{n}.jpg"] = image_route(
                picture(width, height, "JPEG", n, quality=35), "image/jpeg")
            seeds[f"c{n:03d}.txt"] = image_seed(
                f"Corpus story {n}", [(server.url(f"/corpus/{n}.jpg"), width, height)])
        site = write_site(tmp_path / "site", seeds)

        fetched = fetch_cli(site, server, "--jobs", "8")
        assert fetched.code == 0, fetched.out + fetched.err
        summary = summary_of(fetched)
        print(f"\ncorpus fetch: {summary[0]}")
        print(f"corpus fetch throughput: {summary[4]} images/s "
              f"({CORPUS} images, {summary[2]} MB, {summary[3]} s)")
        assert (summary[1], summary[5], summary[6]) == (str(CORPUS), "0", "0")
        assert all(hits == 1 for hits in server.hits.values())
        assert len(server.hits) == CORPUS

    built = build_cli(site)  # the server is gone: a build never fetches
    assert built.code == 0, built.out + built.err
    public = site / "public"
    rows = manifest_rows(site)
    assert len(rows) == CORPUS and not any(row.get("error") for row in rows.values())
    local = 0
    pages = html_pages(public)
    assert pages, "the build wrote no page"
    for path, page in pages.items():
        assert b"127.0.0.1" not in path.read_bytes(), path
        for img in page.iter("img"):
            assert img.get("width", "").isdigit() and img.get("height", "").isdigit(), path
            src = img.get("src") or ""
            assert src.startswith(f"{BASE_PATH}images/"), (path, src)
            local += 1
            for href in [src, *(href for href, _ in srcset_of(img))]:
                assert site_file(public, href).is_file(), (path, href)
        assert not page.find_class("image-tile"), path
    assert local >= CORPUS  # every article's lead image, and the cards on listings
    published = files_under(public / "images")
    assert published == set().union(*(row_files(row) for row in rows.values()))


# ---------------------------------------------------------------------------------------------
# 4. A fetch killed halfway, then run again
# ---------------------------------------------------------------------------------------------

KILLED = 60


def _journal_urls(journal: Path) -> list[str]:
    urls = []
    for line in journal.read_bytes().splitlines():
        with contextlib.suppress(ValueError):
            urls.append(json.loads(line)["url"])  # a torn last line is skipped, as on replay
    return urls


def test_a_fetch_killed_halfway_resumes_without_refetching_what_it_finished(
        tmp_path: Path) -> None:
    with serving(delay=0.05) as server:
        seeds = {}
        for n in range(KILLED):
            width = 400 + n * 53 % 600
            server.routes[f"/k/{n}.jpg"] = image_route(
                picture(width, width // 3, "JPEG", 1000 + n, quality=40), "image/jpeg")
            seeds[f"k{n:03d}.txt"] = image_seed(
                f"Killed story {n}", [(server.url(f"/k/{n}.jpg"), width, width // 3)])
        site = write_site(tmp_path / "site", seeds)
        cache = site / ".image-cache"
        journal = cache / "manifest.journal"

        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "images", "fetch", "--config",
             str(site / "site.toml"), "--allow-host", server.allow, "--jobs", "8", "--quiet"],
            cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)  # its own process group: the decoding children die too
        try:
            give_up = time.monotonic() + 30
            while time.monotonic() < give_up and process.poll() is None:
                if journal.is_file() and len(_journal_urls(journal)) >= KILLED // 2:
                    break
                time.sleep(0.005)
            assert process.poll() is None, "the fetch ended before it could be killed"
            os.killpg(process.pid, signal.SIGKILL)
        finally:
            process.wait(10)
        assert process.returncode == -signal.SIGKILL
        assert not (cache / "manifest.json").exists()  # killed before its end
        finished = set(_journal_urls(journal))
        assert KILLED // 2 <= len(finished) < KILLED
        leftover_temps = sorted(p for p in files_under(cache) if "/.tmp-" in f"/{p}")
        print(f"\nkilled after {len(finished)} of {KILLED} rows; temp files left by the kill: "
              f"{leftover_temps}")

        rerun = fetch_cli(site, server, "--jobs", "8")
        assert rerun.code == 0, rerun.out + rerun.err
        summary = summary_of(rerun)
        assert (int(summary[1]), int(summary[5]), summary[6]) == (
            KILLED - len(finished), len(finished), "0")

        # Nothing the killed run finished was fetched again; at most the 8 in flight were.
        for url in finished:
            assert server.hits[url.removeprefix(server.url(""))] == 1, url
        assert all(server.hits[f"/k/{n}.jpg"] >= 1 for n in range(KILLED))
        assert sum(server.hits.values()) - KILLED <= 8

    rows = manifest_rows(site)
    assert not journal.exists()
    assert set(rows) == {server.url(f"/k/{n}.jpg") for n in range(KILLED)}
    named = set()
    for url, row in rows.items():
        assert not row.get("error"), (url, row)
        for name in row_files(row):
            assert (cache / name).is_file(), name
        named |= row_files(row)
    stray = cache_files(site) - named
    # A file no row names can only be a temp file a killed decoder child was writing.
    assert all(Path(name).name.startswith(".tmp-") for name in stray), stray
    print(f"temp files still in the cache after the rerun: {sorted(stray)}")
    pruned = cli("images", "prune", "--config", str(site / "site.toml"))
    assert pruned.code == 0, pruned.err
    assert cache_files(site) == named
    assert build_cli(site).code == 0


# ---------------------------------------------------------------------------------------------
# 5. images status and images prune
# ---------------------------------------------------------------------------------------------

STATUS = re.compile(r"^(\d+) images wanted: (\d+) cached, (\d+) missing, (\d+) failed; "
                    r"(\d+) files, ([\d.]+) MB in (.+); (\d+) rows no seed uses "
                    r"\(newsgen images prune removes them\)$")


def status_of(site: Path) -> tuple[int, ...]:
    """(wanted, cached, missing, failed, files, rows no seed uses)"""
    ran = cli("images", "status", "--config", str(site / "site.toml"))
    assert ran.code == 0, ran.err
    match = STATUS.match(ran.out.strip())
    assert match, ran.out
    assert Path(match[7]) == (site / ".image-cache").resolve()
    return tuple(int(match[i]) for i in (1, 2, 3, 4, 5, 8))


def test_status_counts_and_prune_removes_only_what_no_seed_uses(tmp_path: Path) -> None:
    with serving() as server:
        wide = picture(700, 400, "JPEG", 21, quality=50)  # original + 320 + 640
        same = picture(500, 300, "PNG", 22)  # original + 320, served at two URLs
        small = picture(300, 200, "JPEG", 23, quality=50)  # original only
        server.routes["/a.jpg"] = image_route(wide, "image/jpeg")
        server.routes["/same-1.png"] = image_route(same, "image/png")
        server.routes["/same-2.png"] = image_route(same, "image/png")
        server.routes["/c.jpg"] = image_route(small, "image/jpeg")
        seeds = {
            "a.txt": image_seed("Story A", [(server.url("/a.jpg"), 700, 400)]),
            "b.txt": image_seed("Story B", [(server.url("/same-1.png"), 500, 300),
                                            (server.url("/c.jpg"), 300, 200)]),
            "b2.txt": image_seed("Story B2", [(server.url("/same-2.png"), 500, 300)]),
            "gone.txt": image_seed("Story gone", [(server.url("/gone.jpg"), 640, 480)]),
        }
        site = write_site(tmp_path / "site", seeds)
        assert status_of(site) == (5, 0, 5, 0, 0, 0)

        first = fetch_cli(site, server)
        assert summary_of(first).group(1, 5, 6) == ("4", "0", "1")
        assert status_of(site) == (5, 4, 0, 1, 3 + 2 + 1, 0)

        # A rerun fetches nothing again and does not retry the 404.
        again = fetch_cli(site, server)
        assert summary_of(again).group(1, 5, 6, 7) == (
            "0", "4", "0", ", 1 failed before (--retry-failed to retry)")
        assert set(server.hits.values()) == {1}

        # A new seed's image is missing until fetched.
        (site / "seeds" / "d.txt").write_text(
            image_seed("Story D", [(server.url("/d.jpg"), 640, 480)]), encoding="utf-8")
        assert status_of(site) == (6, 4, 1, 1, 6, 0)

    rows = manifest_rows(site)
    a_files = row_files(rows[server.url("/a.jpg")])
    shared = row_files(rows[server.url("/same-1.png")])
    assert shared == row_files(rows[server.url("/same-2.png")])  # same bytes, same files
    c_files = row_files(rows[server.url("/c.jpg")])

    # Seeds go: A (its own files), B (one image shared with B2), the seed whose image 404'd.
    for name in ("a.txt", "b.txt", "gone.txt"):
        (site / "seeds" / name).unlink()
    assert status_of(site) == (2, 1, 1, 0, 6, 4)
    pruned = cli("images", "prune", "--config", str(site / "site.toml"))
    assert pruned.code == 0, pruned.err
    assert pruned.out.startswith("Pruned 4 manifest rows and 4 files ("), pruned.out
    assert set(manifest_rows(site)) == {server.url("/same-2.png")}
    assert cache_files(site) == shared
    assert not (a_files | c_files) & cache_files(site)
    assert status_of(site) == (2, 1, 1, 0, 2, 0)
    again = cli("images", "prune", "--config", str(site / "site.toml"))
    assert again.out.startswith("Pruned 0 manifest rows and 0 files ("), again.out
    assert build_cli(site).code == 0
    assert files_under(site / "public" / "images") == shared
