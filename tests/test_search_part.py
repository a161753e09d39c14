"""Pagefind held to `build.search_part`'s reading of a page: a change that leaves the part
as it was leaves what Pagefind stores as it was, pages that Pagefind reads differently
have different parts, and a build after a template edit around the indexed content
indexes no month again."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import search
from generator.build.pipeline import build
from generator.build.search import pagefind_binary
from generator.build.search_part import indexed_digest, indexed_part
from generator.config import load_config
from tests.helpers import seed_text

ARTICLE = "2024/03/05/harbour-opens/index.html"
OTHER = (b'<!doctype html><html lang="en"><head><title>O</title></head><body>'
         b"<article data-pagefind-body><h1>Other</h1><p>Another page</p></article></body></html>")
LEAVE = [  # what a designer changes around the story
    (b'<aside class="sidebar"', b'<aside class="sidebar wide"'),
    (b'<div class="article-layout">', b'<!-- edited -->\n  <div class="article-layout wide">'),
    (b'<aside class="sidebar"', b'\n\n<aside class="sidebar"'),
    (b'<meta name="description" content="', b'<meta name="description" content="New. '),
    (b"</head>", b'<link rel="preload" href="/font.woff2" as="font"><style>h1{}</style>'
                 b'<script src="/stats.js"></script></head>'),
    (b'<a class="site-title" href="/', b'<a class="site-title" href="/index.html#'),
    (b'<h2 id="more-heading">', b'<h2 id="more" class="quiet">'),
]
SEEN = [  # what Pagefind reads
    (b"Ferries return", b"Ferries come back"),
    (b'<p class="source">', b'<p class="source">Subscribe. '),
    (b"</article>", b"</article>Share this story"),  # an ancestor's text after the content
    (b'data-pagefind-filter="topic:', b'data-pagefind-filter="section:'),
    (b'<html lang="en">', b'<html lang="fr">'),
    (b'<footer class="site-footer">', b'<footer class="site-footer"><img src="/l.png" alt="">'),
    (b"</article>", b"</article>Share<!-- a -->this"),  # text split by a comment is one
]


def _page(before: str = "", content: str = "<h1>Story</h1><p>Body</p>", after: str = "",
          tail: str = "", html: str = 'lang="en"', name: str = "article",
          title: str = "T") -> bytes:
    return (f"<!doctype html><html {html}><head><title>{title}</title></head><body><header>"
            f'{before}</header><main><div class="l"><{name} data-pagefind-body>{content}'
            f"</{name}>{after}</div></main>{tail}</body></html>").encode()


READ_APART = [  # pairs that Pagefind stores differently
    (_page(tail="Loose one"), _page(tail="Loose two")),
    (_page(before='<img src="/logo.png" alt="">'), _page(after='<img src="/logo.png" alt="">')),
    (_page(before="<h1>Site</h1>"), _page(after="<h1>Site</h1>")),
    (_page(html='data-x="a>b" lang="en"'), _page(html='data-x="a>b" lang="fr"')),
    (_page(after='<img alt="a>b" src="/one.png">'), _page(after='<img alt="a>b" src="/two.png">')),
    (_page(before="<h1/>Site one</h1>", content="<p>B</p>"),
     _page(before="<h1/>Site two</h1>", content="<p>B</p>")),
    (_page(name="div", content="Text</div\x0b>More one"),
     _page(name="div", content="Text</div\x0b>More two")),
    (_page(before="<h1>Ti<!--</h1>-->tle one</h1>", content="<p>B</p>"),
     _page(before="<h1>Ti<!--</h1>-->tle two</h1>", content="<p>B</p>")),
    (_page(after="Middle one<section data-pagefind-body><p>Two</p></section>"),
     _page(after="Middle two<section data-pagefind-body><p>Two</p></section>")),
    (_page(content="<h1>H</h1>Real</div>More one",
           before="<!-- <div data-pagefind-body> -->"),
     _page(content="<h1>H</h1>Real</div>More two",
           before="<!-- <div data-pagefind-body> -->")),
    *(tuple(f'<!doctype html><html lang="en"><head><title>T</title></head><body><main>'
            f"<section data-x=a<div data-pagefind-body><h1>H</h1><p>A</p></div><p>{words}</p>"
            f"</section></main></body></html>".encode() for words in ("B one", "B two")),),
    (_page(content='<h1>S</h1><p>B</p><script id="one"></script>'),  # an anchor
     _page(content='<h1>S</h1><p>B</p><script id="two"></script>')),
    (_page(content='<h1>S</h1><p>B<link id="one"></p>'),
     _page(content='<h1>S</h1><p>B<link id="two"></p>')),
    (_page(content="<h1>S</h1><p>x<<!---->b>bold</b></p>"),
     _page(content="<h1>S</h1><p>x<b>bold</b></p>")),
    (_page(after='<img alt="A<!--1-->" src="/a.png">'),
     _page(after='<img alt="A<!--2-->" src="/a.png">')),
    (_page(html='lang="e<!---->n"'), _page(html='lang="en"')),
    (_page(content="<p>B</p>", title="T<!--1-->"), _page(content="<p>B</p>", title="T<!--2-->")),
    (_page(content='<h1>S</h1><p data-pagefind-filter="topic:A<!--x-->">B</p>'),
     _page(content='<h1>S</h1><p data-pagefind-filter="topic:A">B</p>')),
    (_page().replace(b"<html", b'<!--<html lang="fr">--><html', 1),  # a tag in a comment
     _page(html='lang="fr"').replace(b"<head>", b'<!--<html lang="en">--><head>', 1)),
    (_page(after='<!--<img src="/a.png" alt="">--><img src="/b.png" alt="">'),
     _page(after='<img src="/a.png" alt=""><!--<img src="/b.png" alt="">-->')),
    (_page(after='<script>"<img src=/a.png>"</script><img src="/b.png" alt="">'),
     _page(after='<img src="/a.png"><script>"<img src=/b.png alt=x>"</script>')),
    *(tuple(_page(before=f"<script>x<!--y</script><h1>Site {n}</h1><!-- z -->",  # a script
                  content="<p>B</p>", after="<p>a --> b</p>") for n in ("one", "two")),),
    *(tuple(_page(before=f"<style>/*<!--*/</style><h1>Site {n}</h1><!-- z -->",
                  content="<p>B</p>", after="<p>a --> b</p>") for n in ("one", "two")),),
    (_page(content="<p>B</p>", title="Site\t· News"),  # a lone tab in a title stays
     _page(content="<p>B</p>", title="Site · News")),
    (_page(before="<h1>A\tB</h1>", content="<p>B</p>"),
     _page(before="<h1>A B</h1>", content="<p>B</p>")),
]
"""Each found by a review of an earlier reading of a page, which took them as the same."""


@pytest.fixture(scope="module")
def indexer() -> Path:
    found = pagefind_binary()
    assert found is not None, "the test install includes Pagefind"
    return found


def _stored(indexer: Path, root: Path, page: bytes) -> dict[str, bytes]:
    """What Pagefind writes for a site of `page` and one other article: every file but its
    scripts, styles and WebAssembly, each decompressed (its metadata file's bytes sorted)."""
    if root.exists():
        shutil.rmtree(root)
    for path, data in ((ARTICLE, page), ("2024/03/06/other/index.html", OTHER)):
        (root / path).parent.mkdir(parents=True)
        (root / path).write_bytes(data)
    subprocess.run([str(indexer), "--site", str(root), "--output-subdir", "pagefind",
                    "--silent"], check=True)
    stored = {}
    for path in sorted((root / "pagefind").rglob("*")):
        if path.is_file() and not re.search(r"\.(js|css)$|wasm", path.name):
            data = path.read_bytes()
            data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            name = path.relative_to(root).as_posix()
            # Its metadata file is written in hash-map order, and named by its digest.
            if name.endswith(".pf_meta"):
                name, data = re.sub(r"_[0-9a-f]+\.pf_meta$", "", name), bytes(sorted(data))
            elif name.endswith("pagefind-entry.json"):
                data = re.sub(rb'"hash":"[^"]*"', b"", data)
            stored[name] = data
    return stored


def _site(make_site: Callable[..., Path]) -> Path:
    return make_site({
        "a.txt": seed_text("Harbour opens", body="Ferries return to the old quay.\n"),
        "b.txt": seed_text("Market day", url="https://example.com/market",
                           date="2024-03-06T10:00:00Z")})


def test_pagefind_stores_the_same_when_the_part_is_the_same(
        make_site: Callable[..., Path], indexer: Path, tmp_path: Path) -> None:
    site = _site(make_site)
    build(load_config(site / "site.toml"))
    page = (site / "public" / ARTICLE).read_bytes()
    stored = _stored(indexer, tmp_path / "original", page)
    assert stored == _stored(indexer, tmp_path / "again", page)  # what compares is stable
    for old, _new in LEAVE + SEEN:
        assert page.count(old) == 1, old
    for old, new in LEAVE:
        changed = page.replace(old, new)
        assert indexed_part(changed) == indexed_part(page), new
        assert _stored(indexer, tmp_path / "changed", changed) == stored, new
    for old, new in SEEN:
        changed = page.replace(old, new)
        assert indexed_part(changed) != indexed_part(page), new
        assert _stored(indexer, tmp_path / "changed", changed) != stored, new


@pytest.mark.parametrize("pair", range(len(READ_APART)))
def test_pages_pagefind_reads_apart_have_different_parts(
        indexer: Path, tmp_path: Path, pair: int) -> None:
    one, two = READ_APART[pair]
    assert _stored(indexer, tmp_path / "one", one) != _stored(indexer, tmp_path / "two", two)
    assert indexed_digest(one) != indexed_digest(two)


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
