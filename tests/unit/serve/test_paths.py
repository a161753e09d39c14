"""S1, S2, S5: the preview server's path mapping, without sockets (MkDocs' FakeRequest way)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.serve.paths import Located, locate


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A built site in tmp_path/public, with a secret in a sibling folder whose name starts
    the same (`public-leak`), so a prefix check instead of a path check would leak it."""
    root = tmp_path / "public"
    (root / "topics" / "ai").mkdir(parents=True)
    (root / "index.html").write_text("home")
    (root / "404.html").write_text("missing")
    (root / "topics" / "ai" / "index.html").write_text("ai")
    (root / "style.css").write_text("body{}")
    (root / "empty").mkdir()
    (root / "a b").mkdir()
    (root / "a b" / "index.html").write_text("spaced")
    leak = tmp_path / "public-leak"
    leak.mkdir()
    (leak / "secret").write_text("secret")
    (tmp_path / "secret.txt").write_text("secret")
    return root


TRAVERSALS = [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/%252e%252e%252fsecret.txt",
    "/..%5c..%5csecret.txt",
    "/..\\secret.txt",
    "/%2e%2e%2fpublic-leak/secret",
    "/../public-leak/secret",
    "/%00",
    "/index.html%00.css",
    "//etc/passwd",
    "/%c0%ae%c0%ae/secret.txt",
    "/%e0%80%ae%e0%80%ae/secret.txt",
    "/./index.html",
    "/topics/../index.html",
    "/topics//ai/",
    "/%ff",
    "etc/passwd",
    "/etc/passwd",
]


@pytest.mark.parametrize("raw", TRAVERSALS)
def test_s1_no_path_leads_out_of_the_site(site: Path, raw: str) -> None:
    found = locate(site, "/", raw)
    assert found.status in (400, 404)
    assert found.file is None


@pytest.mark.parametrize("raw", TRAVERSALS)
def test_s1_no_path_leads_out_of_the_site_under_a_base_path(site: Path, raw: str) -> None:
    assert locate(site, "/repo/", "/repo" + raw).file is None


def test_pages_and_files_are_found(site: Path) -> None:
    assert locate(site, "/", "/") == Located(200, site / "index.html")
    assert locate(site, "/", "/topics/ai/") == Located(200, site / "topics" / "ai" / "index.html")
    assert locate(site, "/", "/topics/ai/index.html").file == site / "topics/ai/index.html"
    assert locate(site, "/", "/style.css") == Located(200, site / "style.css")
    assert locate(site, "/", "/a%20b/").file == site / "a b" / "index.html"


def test_a_folder_without_index_is_not_listed(site: Path) -> None:
    assert locate(site, "/", "/empty/") == Located(404)


def test_a_file_with_a_trailing_slash_is_not_found(site: Path) -> None:
    assert locate(site, "/", "/style.css/") == Located(404)


def test_s5_a_folder_redirects_only_by_appending_a_slash(site: Path) -> None:
    assert locate(site, "/", "/topics/ai") == Located(301, location="/topics/ai/")
    assert locate(site, "/", "/a%20b") == Located(301, location="/a%20b/")
    # An open-redirect attempt: the doubled slash is refused before any redirect is made.
    assert locate(site, "/", "//evil.com/%2e%2e").status == 404
    assert locate(site, "/", "//evil.com/topics").status == 404


def test_the_site_is_mounted_under_its_base_path(site: Path) -> None:
    assert locate(site, "/repo/", "/repo/") == Located(200, site / "index.html")
    assert locate(site, "/repo/", "/repo/style.css").file == site / "style.css"
    assert locate(site, "/repo/", "/") == Located(301, location="/repo/")
    assert locate(site, "/repo/", "/repo") == Located(301, location="/repo/")
    assert locate(site, "/repo/", "/style.css") == Located(404)
    assert locate(site, "/repo/", "/repository/") == Located(404)


def test_s2_a_symlink_to_a_file_outside_is_not_served(site: Path, tmp_path: Path) -> None:
    (site / "passwd").symlink_to(tmp_path / "secret.txt")
    assert locate(site, "/", "/passwd") == Located(404)


def test_s2_a_symlinked_folder_outside_is_not_served(site: Path, tmp_path: Path) -> None:
    (site / "leak").symlink_to(tmp_path / "public-leak", target_is_directory=True)
    assert locate(site, "/", "/leak/secret") == Located(404)
    assert locate(site, "/", "/leak/") == Located(404)
    assert locate(site, "/", "/leak") == Located(404)


def test_s2_a_symlink_inside_the_site_is_followed(site: Path) -> None:
    (site / "home.html").symlink_to(site / "index.html")
    assert locate(site, "/", "/home.html") == Located(200, site / "index.html")


def test_s2_a_symlink_loop_is_not_found(site: Path) -> None:
    os.symlink(site / "loop-b", site / "loop-a")
    os.symlink(site / "loop-a", site / "loop-b")
    assert locate(site, "/", "/loop-a") == Located(404)


def test_the_site_folder_itself_may_be_reached_through_a_symlink(tmp_path: Path,
                                                                  site: Path) -> None:
    link = tmp_path / "served"
    link.symlink_to(site, target_is_directory=True)
    assert locate(link, "/", "/style.css") == Located(200, site / "style.css")
