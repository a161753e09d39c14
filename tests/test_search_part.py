"""Pagefind held to `build.search_part`'s reading of a page: a change outside what it
takes leaves what Pagefind stores of the page as it was, and a build after a template
edit outside the indexed content indexes no month again."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import search
from generator.build.pipeline import build
from generator.build.search import pagefind_binary
from generator.build.search_part import indexed_part
from generator.config import load_config
from tests.helpers import seed_text

ARTICLE = "2024/03/05/harbour-opens/index.html"
OUTSIDE = [  # changes a designer makes around the story
    (b'<aside class="sidebar"', b'<aside class="sidebar wide"'),
    (b'<div class="article-layout">', b'<!-- edited --><div class="article-layout">'),
    (b'<meta name="description" content="', b'<meta name="description" content="New. '),
    (b"</nav>", b'</nav><p class="edition">Morning edition</p>'),
    (b'<h2 id="more-heading">', b'<h2 id="more-heading" class="quiet">'),
]
INSIDE = [  # changes Pagefind sees
    (b"Ferries return", b"Ferries come back"),
    (b'<p class="source">', b'<p class="source">Subscribe. '),
    (b'data-pagefind-filter="topic"', b'data-pagefind-filter="section"'),
]
AROUND = [  # outside the content, but what Pagefind may take a result's title or image from
    (b"<body>", b'<body><img src="/logo.png" alt="Logo">'),
    (b"</nav>", b"</nav><h1>News</h1>"),
]


@pytest.fixture(scope="module")
def indexer() -> Path:
    found = pagefind_binary()
    assert found is not None, "the test install includes Pagefind"
    return found


def _site(make_site: Callable[..., Path]) -> Path:
    return make_site({
        "a.txt": seed_text("Harbour opens", body="Ferries return to the old quay.\n"),
        "b.txt": seed_text("Market day", url="https://example.com/market",
                           date="2024-03-06T10:00:00Z")})


def _stored(indexer: Path, root: Path, page: bytes) -> list[str]:
    """What Pagefind stores of `page` as the site's only article (its fragments)."""
    if root.exists():
        shutil.rmtree(root)
    (root / ARTICLE).parent.mkdir(parents=True)
    (root / ARTICLE).write_bytes(page)
    subprocess.run([str(indexer), "--site", str(root), "--output-subdir", "pagefind",
                    "--silent"], check=True)
    return sorted(gzip.decompress(path.read_bytes()).decode()
                  for path in (root / "pagefind" / "fragment").iterdir())


def test_pagefind_stores_the_same_when_the_part_is_the_same(
        make_site: Callable[..., Path], indexer: Path, tmp_path: Path) -> None:
    site = _site(make_site)
    build(load_config(site / "site.toml"))
    page = (site / "public" / ARTICLE).read_bytes()
    stored = _stored(indexer, tmp_path / "original", page)
    assert "Ferries return" in stored[0]
    for old, _new in OUTSIDE + INSIDE + AROUND:
        assert page.count(old) == 1, old
    for old, new in OUTSIDE:
        changed = page.replace(old, new)
        assert indexed_part(changed) == indexed_part(page), new
        assert _stored(indexer, tmp_path / "changed", changed) == stored, new
    for old, new in INSIDE:
        changed = page.replace(old, new)
        assert indexed_part(changed) != indexed_part(page), new
        assert _stored(indexer, tmp_path / "changed", changed) != stored, new
    for old, new in AROUND:
        assert indexed_part(page.replace(old, new)) != indexed_part(page), new


def test_a_template_edit_outside_the_indexed_content_indexes_no_month_again(
        make_site: Callable[..., Path], indexer: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(make_site)
    config = load_config(site / "site.toml")
    build(config)
    indexed: list[str] = []
    index = search._index
    monkeypatch.setattr(search, "_index", lambda binary, root, bundle, timeout: (
        indexed.append(bundle), index(binary, root, bundle, timeout))[1])
    shipped = (Path(__file__).parents[1] / "templates" / "article.html").read_text()
    (site / "templates").mkdir(exist_ok=True)
    template = site / "templates" / "article.html"

    template.write_text(shipped.replace('<aside class="sidebar"', '<aside class="sidebar wide"'))
    result = build(config)
    assert result.rendered >= 2 and indexed == []
    assert b"sidebar wide" in (site / "public" / ARTICLE).read_bytes()

    template.write_text(shipped.replace('<p class="source">', '<p class="source">Subscribe. '))
    build(config)
    assert indexed == ["pagefind/2024-03/"]
    fragments = (site / "public" / "pagefind" / "2024-03" / "fragment").iterdir()
    assert all("Subscribe" in gzip.decompress(path.read_bytes()).decode()
               for path in fragments)
