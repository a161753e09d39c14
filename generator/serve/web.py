"""The preview server's web side: the built site under its base path, the live-reload
socket and script (from the `livereload` package), and the build-error overlay.

Every request is checked for a local `Host` (against DNS rebinding); the socket accepts
only the page's own origin; nothing sends `Access-Control-Allow-Origin`. Pages are read
whole from the last swapped-in build, so a response is never a mix of two builds.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path

from livereload.handlers import (  # type: ignore[import-untyped]
    LiveReloadHandler,
    LiveReloadJSHandler,
)
from tornado import web
from tornado.websocket import WebSocketClosedError

from generator.serve.paths import inside, locate

_HOST = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))"
                   r"(?::(?P<port>\d{1,5}))?")
RELOAD_SCRIPT_PATH = "/livereload.js"
RELOAD_SOCKET_PATH = "/livereload"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "image/svg+xml", "application/atom+xml", "application/feed+json")
mimetypes.add_type("image/webp", ".webp")
mimetypes.add_type("image/avif", ".avif")


@dataclass
class PreviewState:
    """What the server shows. Changed only on the server's event loop."""

    root: Path
    base_path: str
    host_names: frozenset[str] = frozenset()
    """Names besides `localhost` and IP addresses that may appear in `Host`."""
    errors: list[str] = field(default_factory=list)
    """The last build's errors, shown over every page until a build succeeds."""


def allowed_host(host: str, names: frozenset[str] = frozenset()) -> bool:
    """A `Host` header naming this machine: an IP address, `localhost`, or a listed name.

    Any other name could be an attacker's domain that resolves to 127.0.0.1."""
    name = _host_name(host)
    if name is None:
        return False
    if name == "localhost" or name.endswith(".localhost") or name in names:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _host_name(host: str) -> str | None:
    """The name in a `Host` header (`name:port`, `[v6]:port`); None if it is malformed."""
    match = _HOST.fullmatch(host)
    if match is None or (match["port"] and int(match["port"]) > 65535):
        return None
    return (match["name"] or match["v6"]).lower()


def same_origin(origin: str, host: str) -> bool:
    """The socket's `Origin` is the page's own `http://host:port`."""
    return origin.lower() in (f"http://{host}".lower(), f"https://{host}".lower())


def with_preview_parts(page: bytes, errors: list[str]) -> bytes:
    """The page with the live-reload script, and the error overlay when the build failed."""
    extra = (error_overlay(errors) if errors else "") + \
        f'<script src="{RELOAD_SCRIPT_PATH}" defer></script>'
    end = page.rfind(b"</body>")
    at = end if end != -1 else len(page)
    return page[:at] + extra.encode("utf-8") + page[at:]


def error_overlay(errors: list[str]) -> str:
    count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
    items = "".join(f'<li style="margin:0 0 .75rem">{html.escape(error)}</li>'
                    for error in errors)
    return (
        '<div id="newsgen-build-errors" role="alert" style="position:fixed;inset:0;'
        "z-index:2147483647;overflow:auto;margin:0;padding:2rem;background:#1b1b1f;"
        'color:#fafafa;font:16px/1.5 ui-monospace,monospace;text-align:left">'
        f'<h2 style="margin:0 0 1rem;color:#ff8a80;font-size:1.25rem">Build failed: {count}'
        "</h2>"
        '<ul style="margin:0 0 1rem;padding:0;list-style:none;white-space:pre-wrap">'
        f"{items}</ul><p style=\"margin:0;color:#c7c7cc\">Fix the file and save: this page "
        "reloads by itself.</p></div>")


def fallback_page(title: str) -> bytes:
    """A page for when the site has no page of its own to show (no 404.html, no build)."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}'
            f"</title></head><body><h1>{title}</h1></body></html>").encode()


def refuse_foreign_host(host: str, state: PreviewState) -> None:
    """Answer 403 to a request whose `Host` is not this machine (DNS rebinding)."""
    if not allowed_host(host, state.host_names):
        raise web.HTTPError(403, reason="Invalid Host header")


class _LocalOnly(web.RequestHandler):
    """Refuses a request whose `Host` is not this machine (DNS rebinding)."""

    state: PreviewState

    def initialize(self, state: PreviewState) -> None:
        self.state = state

    def prepare(self) -> None:
        refuse_foreign_host(self.request.host, self.state)

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def write_error(self, status_code: int, **kwargs: object) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {self._reason}\n")


class SiteHandler(_LocalOnly):
    """Files of the built site; directories answer with their index.html, never a listing."""

    SUPPORTED_METHODS = ("GET", "HEAD")

    def get(self) -> None:
        self._answer(send_body=True)

    def head(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        found = locate(self.state.root, self.state.base_path, self.request.path)
        if found.status == 301:
            self.redirect(found.location, permanent=True)
            return
        if found.status == 400:
            raise web.HTTPError(400)
        body = _read(found.file) if found.file is not None else None
        if body is None:
            self.set_status(404)
            body = self._not_found_page()
            path = "404.html"
        else:
            path = found.file.name if found.file is not None else ""
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if kind == "text/html":
            body = with_preview_parts(body, self.state.errors)
        self.set_header("Content-Type", f"{kind}; charset=utf-8"
                        if kind.startswith(_TEXT_TYPES) else kind)
        self.set_header("Content-Length", str(len(body)))
        if send_body:
            self.write(body)

    def _not_found_page(self) -> bytes:
        site = self.state.root.resolve()
        page = inside(site, site / "404.html")
        body = _read(page) if page is not None else None
        if body is not None:
            return body
        title = "The site has not been built yet" if self.state.errors else "Not found"
        return fallback_page(title)

    def compute_etag(self) -> None:
        return None  # every answer is fresh: the site changes under the server


def _read(path: Path | None) -> bytes | None:
    """The whole file, or None if it went away (a rebuild swapped it out meanwhile)."""
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


class ReloadScript(_LocalOnly, LiveReloadJSHandler):  # type: ignore[misc]
    """`livereload.js`, the browser side of the LiveReload protocol."""


class ReloadSocket(LiveReloadHandler):  # type: ignore[misc]
    """The LiveReload protocol's socket; only pages of this server may connect."""

    state: PreviewState

    def initialize(self, state: PreviewState) -> None:
        self.state = state

    def prepare(self) -> None:
        refuse_foreign_host(self.request.host, self.state)

    def check_origin(self, origin: str) -> bool:
        return same_origin(origin, self.request.host)


def reload_browsers() -> int:
    """Tell every connected page to reload; the number told."""
    message = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
    told = 0
    for socket in list(LiveReloadHandler.waiters):
        try:
            socket.write_message(message)
            told += 1
        except WebSocketClosedError:
            LiveReloadHandler.waiters.discard(socket)
    return told


def make_app(state: PreviewState) -> web.Application:
    # One line per request would bury the rebuild lines; handler crashes are still shown.
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    settings = {"state": state}
    return web.Application([
        (RELOAD_SOCKET_PATH, ReloadSocket, settings),
        (RELOAD_SCRIPT_PATH, ReloadScript, settings),
        (r".*", SiteHandler, settings),
    ], debug=False, autoreload=False, compress_response=False)
