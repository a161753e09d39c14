"""S4 and S6 as pure functions: which Host and Origin are local, what a page gets injected."""

from __future__ import annotations

import pytest

from generator.serve.web import allowed_host, error_overlay, same_origin, with_preview_parts


@pytest.mark.parametrize("host", [
    "127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.2",
    "app.localhost:8000", "192.168.1.20:8000", "[fe80::1]:9",
])
def test_s4_a_host_naming_this_machine_is_allowed(host: str) -> None:
    assert allowed_host(host)


@pytest.mark.parametrize("host", [
    "attacker.example:5500", "attacker.example", "localhost.attacker.example",
    "127.0.0.1.nip.io:8000", "", "127.0.0.1:99999", "[::1", "evil.com@127.0.0.1",
])
def test_s4_any_other_name_is_refused(host: str) -> None:
    assert not allowed_host(host)


def test_s4_a_name_given_with_host_is_allowed() -> None:
    assert allowed_host("devbox.lan:8000", frozenset({"devbox.lan"}))
    assert not allowed_host("other.lan:8000", frozenset({"devbox.lan"}))


@pytest.mark.parametrize(("origin", "host", "same"), [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
    ("http://localhost:8000", "localhost:8000", True),
    ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
    ("https://attacker.example", "127.0.0.1:8000", False),
    ("null", "127.0.0.1:8000", False),
    ("http://127.0.0.1:8000.attacker.example", "127.0.0.1:8000", False),
])
def test_s4_the_reload_socket_takes_only_the_pages_own_origin(origin: str, host: str,
                                                               same: bool) -> None:
    assert same_origin(origin, host) is same


def test_the_reload_script_goes_before_the_end_of_the_body() -> None:
    page = b"<html><body><p>hi</p></body></html>"
    assert with_preview_parts(page, []) == (
        b'<html><body><p>hi</p><script src="/livereload.js" defer></script></body></html>')


def test_s6_the_overlay_lists_every_error_escaped() -> None:
    errors = ["seeds/a.txt:3:7: error: bad <script>alert(1)</script>", "site.toml:2:1: error: x"]
    page = with_preview_parts(b"<body></body>", errors).decode()
    assert 'id="newsgen-build-errors" role="alert"' in page
    assert "Build failed: 2 errors" in page
    assert "seeds/a.txt:3:7: error: bad &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert page.index("newsgen-build-errors") < page.index("livereload.js")


def test_the_overlay_counts_one_error_in_the_singular() -> None:
    assert "Build failed: 1 error<" in error_overlay(["x"])
