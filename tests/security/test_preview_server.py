"""S1–S7 over plain HTTP against a running `newsgen serve`, plus its rebuild behaviour."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from generator.render.theme import SHIPPED_TEMPLATES
from generator.serve.loop import SEARCH_CATCH_UP_AFTER
from tests.helpers import seed_text
from tests.serving import PreviewServer

TITLE = "Council approves the river park"


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Path:
    """A three-seed site served under /news/ (base_url https://example.org/news/)."""
    return make_site({
        "a.txt": seed_text(TITLE),
        "b.txt": seed_text("Second story", date="2024-03-04T10:00:00Z"),
        "c.txt": seed_text("Third story", date="2024-03-03T10:00:00Z", topics=("Health",)),
    })


@pytest.fixture
def server(site: Path) -> Iterator[PreviewServer]:
    with PreviewServer(site, "--jobs", "1") as running:
        yield running


def get(server: PreviewServer, path: str, headers: dict[str, str] | None = None,
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent exactly as given (no normalisation)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", (headers or {}).get("Host", f"127.0.0.1:{server.port}"))
        for name, value in (headers or {}).items():
            if name != "Host":
                connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def article_path(server: PreviewServer, title: str = TITLE) -> str:
    status, _, body = get(server, "/news/")
    assert status == 200
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    match = re.search(rf'href="(/news/\d{{4}}/\d\d/\d\d/{slug}/)"', body.decode())
    assert match, body.decode()[:500]
    return match.group(1)


def save_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


# ---- S1, S2, S5: paths -----------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/news/../../etc/passwd", "/news/%2e%2e/%2e%2e/etc/passwd",
    "/news/%252e%252e%252fsite.toml", "/news/..%5c..%5csite.toml", "/news/%2e%2e%2fsite.toml",
    "/news/%00", "//etc/passwd", "/news//etc/passwd", "/news/%c0%ae%c0%ae/site.toml",
    "/news/..%2f..%2fsite.toml", "/news/%2e%2e%2fpublic-leak/secret",
])
def test_s1_traversal_gets_no_file(server: PreviewServer, site: Path, path: str) -> None:
    (site / "public-leak").mkdir()
    (site / "public-leak" / "secret").write_text("TOP SECRET")
    status, _, body = get(server, path)
    assert status in (400, 403, 404)
    assert b"TOP SECRET" not in body and b"root:" not in body and b"[site]" not in body


def test_s2_a_symlink_out_of_the_output_is_not_served(server: PreviewServer, site: Path) -> None:
    (site / "public" / "leak.txt").symlink_to(site / "site.toml")
    status, _, body = get(server, "/news/leak.txt")
    assert status == 404 and b"[site]" not in body


def test_s5_a_folder_is_never_listed_and_no_redirect_leaves_the_site(
        server: PreviewServer, site: Path) -> None:
    hostile = site / "public" / "listing"
    hostile.mkdir()
    (hostile / '"><img src=x onerror=alert(1)>.html').write_text("x")
    status, _, body = get(server, "/news/listing/")
    assert status == 404 and b"onerror" not in body
    status, headers, _ = get(server, "//evil.com/%2e%2e")
    assert status == 404 and "location" not in headers
    status, headers, _ = get(server, "/news/topics")
    assert status == 301 and headers["location"] == "/news/topics/"


def test_s5_no_get_endpoint_changes_state(server: PreviewServer) -> None:
    assert get(server, "/forcereload")[0] == 404
    assert get(server, "/news/", method="POST")[0] == 405
    assert get(server, "/news/", method="DELETE")[0] == 405


def test_the_site_is_served_under_its_base_path(server: PreviewServer) -> None:
    assert server.url.endswith("/news/")
    status, headers, _ = get(server, "/")
    assert status == 301 and headers["location"] == "/news/"
    status, headers, body = get(server, "/news/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body.count(b'<script src="/livereload.js" defer></script></body>') == 1
    assert int(headers["content-length"]) == len(body)
    status, headers, _ = get(server, "/news/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css")
    status, _, _ = get(server, "/news/", method="HEAD")
    assert status == 200


def test_a_missing_page_gets_the_sites_404_page(server: PreviewServer, site: Path) -> None:
    status, _, body = get(server, "/news/no/such/page/")
    assert status == 404
    assert body.startswith((site / "public" / "404.html").read_bytes().split(b"</body>")[0])


# ---- S3, S4: who may connect -------------------------------------------------------------

def test_s3_the_default_address_is_loopback_only(server: PreviewServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert not any(line.startswith("warning:") for line in server.lines)


def test_s3_binding_all_interfaces_warns_but_serves(site: Path) -> None:
    with PreviewServer(site, "--host", "0.0.0.0", "--jobs", "1") as running:
        assert any("warning: serving on 0.0.0.0" in line for line in running.lines)
        assert get(running, "/news/")[0] == 200


@pytest.mark.parametrize("path", ["/news/", "/livereload.js", "/news/style.css"])
def test_s4_a_foreign_host_header_is_refused(server: PreviewServer, path: str) -> None:
    status, _, body = get(server, path, {"Host": f"attacker.example:{server.port}"})
    assert status == 403 and b"<html" not in body


def test_s4_no_response_allows_other_origins(server: PreviewServer) -> None:
    for path in ("/news/", "/livereload.js", "/news/nope", "/news/style.css"):
        _, headers, _ = get(server, path, {"Origin": "https://attacker.example"})
        assert "access-control-allow-origin" not in headers


def _socket(server: PreviewServer, origin: str, host: str | None = None) -> HTTPRequest:
    headers = {"Origin": origin}
    if host is not None:
        headers["Host"] = host
    return HTTPRequest(f"ws://127.0.0.1:{server.port}/livereload", headers=headers)


def _handshake(request: HTTPRequest) -> dict[str, object]:
    async def run() -> dict[str, object]:
        connection = await websocket_connect(request)
        await connection.write_message(json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"]}))
        answer = await connection.read_message()
        connection.close()
        assert isinstance(answer, str)
        return dict(json.loads(answer))
    return asyncio.run(run())


def test_s4_the_reload_socket_takes_the_pages_own_origin(server: PreviewServer) -> None:
    answer = _handshake(_socket(server, server.origin))
    assert answer["command"] == "hello"


@pytest.mark.parametrize("origin", ["https://attacker.example", "null",
                                    "http://127.0.0.1:1"])
def test_s4_the_reload_socket_refuses_other_origins(server: PreviewServer, origin: str) -> None:
    with pytest.raises(HTTPClientError) as refused:
        _handshake(_socket(server, origin))
    assert refused.value.code == 403


def test_s4_the_reload_socket_refuses_a_rebound_host(server: PreviewServer) -> None:
    host = f"attacker.example:{server.port}"
    with pytest.raises(HTTPClientError) as refused:
        _handshake(_socket(server, f"http://{host}", host))
    assert refused.value.code == 403


# ---- S6: reload only after a whole build; errors over the last good site ---------------

def test_s6_pages_are_told_to_reload_after_the_new_build_is_in_place(
        server: PreviewServer, site: Path) -> None:
    page = article_path(server)
    seen: list[str] = []

    async def listen() -> None:
        connection = await websocket_connect(_socket(server, server.origin))
        await connection.write_message(json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"]}))
        await connection.read_message()
        await connection.write_message(json.dumps({"command": "info", "url": server.url}))
        await asyncio.sleep(0.3)
        save_atomically(site / "seeds" / "a.txt", seed_text(TITLE, body="A new paragraph."))
        message = await asyncio.wait_for(connection.read_message(), timeout=20)
        assert isinstance(message, str)
        seen.append(message)
        # The moment the page is told, the new build must already be what is served.
        seen.append(get(server, page)[2].decode())
        connection.close()

    asyncio.run(listen())
    assert json.loads(seen[0])["command"] == "reload"
    assert "A new paragraph." in seen[1]


def test_s6_a_failed_build_keeps_the_site_and_shows_the_errors(server: PreviewServer,
                                                               site: Path) -> None:
    page = article_path(server)
    good = get(server, page)[2]
    (site / "seeds" / "a.txt").write_text('---\ntitle: "unclosed\n---\n', encoding="utf-8")
    server.wait_for_line(r"a\.txt changed: build failed with 1 error")
    status, _, body = get(server, page)
    assert status == 200
    assert body.split(b'<div id="newsgen-build-errors"')[0] == good.split(b"<script src=")[0]
    text = body.decode()
    assert 'id="newsgen-build-errors" role="alert"' in text
    assert re.search(r"seeds/a\.txt:\d+:\d+: error: ", text)
    assert 'id="newsgen-build-errors"' in get(server, "/news/nope/")[2].decode()
    save_atomically(site / "seeds" / "a.txt", seed_text(TITLE))
    server.wait_for_line(r"a\.txt changed: \d+ pages rewritten")
    assert b"newsgen-build-errors" not in get(server, page)[2]
    assert server.process.poll() is None


def test_s6_a_site_that_never_built_shows_the_errors(make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": "---\ntitle: [\n---\n"})
    with PreviewServer(site, "--jobs", "1") as running:
        status, _, body = get(running, "/news/")
        assert status == 404
        assert re.search(r"seeds/a\.txt:\d+:\d+: error: ", body.decode())
        assert b"/livereload.js" in body
        save_atomically(site / "seeds" / "a.txt", seed_text(TITLE))
        running.wait_for_line(r"a\.txt changed: \d+ pages rewritten")
        status, _, body = get(running, "/news/")
        assert status == 200 and TITLE.encode() in body


def test_s6_a_broken_site_toml_keeps_the_last_settings(server: PreviewServer,
                                                       site: Path) -> None:
    config = site / "site.toml"
    good = config.read_text()
    config.write_text(good.replace("page_size = 20", "page_size = 'many'"))
    server.wait_for_line(r"site\.toml changed")
    status, _, body = get(server, "/news/")
    assert status == 200 and "site.toml:" in body.decode()
    config.write_text(good)
    server.wait_for_line(r"site\.toml changed: \d+ pages rewritten")
    assert b"newsgen-build-errors" not in get(server, "/news/")[2]


# ---- S7: one rebuild per burst ------------------------------------------------------------

def _rebuilds_after(server: PreviewServer, action: Callable[[], None]) -> list[str]:
    before = len(server.rebuild_lines())
    action()
    server.wait_for_line(r"changed: ", timeout=30)
    server.drain(settle=1.5)  # time for a second, unwanted rebuild to show up
    return server.rebuild_lines()[before:]


def test_s7_an_editors_atomic_save_is_one_rebuild(server: PreviewServer, site: Path) -> None:
    def editor_save() -> None:
        seed = site / "seeds" / "a.txt"
        swap = site / "seeds" / ".a.txt.swp"
        swap.write_text("swap")
        (site / "seeds" / "a.txt~").write_text(seed.read_text())
        save_atomically(seed, seed_text("An edited headline"))
        swap.unlink()
    lines = _rebuilds_after(server, editor_save)
    assert len(lines) == 1 and "seeds/a.txt changed:" in lines[0]


def test_s7_a_burst_of_200_seeds_is_one_rebuild(server: PreviewServer, site: Path) -> None:
    def checkout() -> None:
        for number in range(200):
            (site / "seeds" / f"burst-{number:03}.txt").write_text(
                seed_text(f"Burst story {number}", url=f"https://example.com/{number}"))
    lines = _rebuilds_after(server, checkout)
    assert len(lines) == 1 and "and 199 more changed:" in lines[0], lines
    status, _, body = get(server, "/news/")
    assert status == 200 and b"Burst story" in body


def test_s7_a_change_during_a_build_gets_one_more_build(server: PreviewServer,
                                                        site: Path) -> None:
    seed = site / "seeds" / "b.txt"
    for round_ in range(5):
        save_atomically(seed, seed_text(f"Second story, take {round_}",
                                        date="2024-03-04T10:00:00Z"))
        time.sleep(0.25)  # longer than the settle time: each save can start a build
    server.wait_for_line(r"changed: ")
    deadline = time.monotonic() + 20
    while b"take 4" not in get(server, "/news/")[2]:
        assert time.monotonic() < deadline, "the last change never reached the site"
        time.sleep(0.1)


def test_a_rebuild_leaves_search_to_a_catch_up_once_changes_stop(server: PreviewServer,
                                                                   site: Path) -> None:
    seed = site / "seeds" / "a.txt"
    save_atomically(seed, seed_text("A retitled river park"))
    server.wait_for_line(r"a\.txt changed: \d+ pages rewritten, \d+ removed, search index "
                         r"follows \(", timeout=30)
    server.wait_for_line(r"^\d\d:\d\d:\d\d search index caught up \(", timeout=30)
    server.drain(settle=SEARCH_CATCH_UP_AFTER + 1)
    caught_up = [line for line in server.lines if "caught up" in line]
    assert len(caught_up) == 1, server.lines  # once: nothing is left behind after it


# ---- stopping ------------------------------------------------------------------------------

@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_the_server_stops_cleanly(site: Path, stop: signal.Signals) -> None:
    running = PreviewServer(site, "--jobs", "1")
    running.process.send_signal(stop)
    assert running.process.wait(timeout=15) == 0
    running.drain()
    assert running.lines[-1] == "Stopped."
    assert not any("Traceback" in line for line in running.lines)


# ---- load while rebuilding --------------------------------------------------------------

def test_20_clients_10000_requests_during_rebuilds_get_whole_pages(server: PreviewServer,
                                                                   site: Path) -> None:
    paths = ["/news/", article_path(server), "/news/topics/", "/news/style.css",
             "/news/providers/", "/news/no-such-page/"]
    failures: list[str] = []
    done = threading.Event()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for request in range(500):
            path = paths[(number + request) % len(paths)]
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{path}: {exc!r}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                continue
            expected = 404 if "no-such" in path else 200
            if response.status != expected or len(body) != int(response.headers[
                    "Content-Length"]):
                failures.append(f"{path}: {response.status}, {len(body)} bytes")
            elif path.endswith("/") and not body.rstrip().endswith(b"</html>"):
                failures.append(f"{path}: partial page")
        connection.close()

    def edit() -> None:
        number = 0
        while not done.is_set():
            save_atomically(site / "seeds" / "c.txt", seed_text(
                f"Third story, edit {number}", date="2024-03-03T10:00:00Z", topics=("Health",)))
            number += 1
            done.wait(0.3)

    editor = threading.Thread(target=edit)
    editor.start()
    clients = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    done.set()
    editor.join()
    assert failures == []
    assert len(server.rebuild_lines()) >= 1


def test_s7_a_templates_folder_made_after_the_start_is_watched(server: PreviewServer,
                                                               site: Path) -> None:
    overrides = site / "templates"
    overrides.mkdir()
    server.wait_for_line(r"templates changed: ")
    base = (SHIPPED_TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert "</footer>" in base
    save_atomically(overrides / "base.html",
                    base.replace("</footer>", "<p>Override works</p></footer>"))
    server.wait_for_line(r"templates/base\.html changed: \d+ pages rewritten")
    assert b"Override works" in get(server, "/news/")[2]
