"""What the tests share: seeds and sites in tmp_path, builds through the real command line,
reading and scanning what a build wrote, and model records for tests that skip the loader.

Fixtures live in conftest.py and plain helpers here: a test file imports from this module
(or from tests/serving.py, tests/e2e/helpers.py), never from a conftest.py or another test.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import textwrap
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from benchmarks.corpus import write_corpus
from generator.build.pipeline import build
from generator.build.result import BuildResult
from generator.cli import main
from generator.config import LimitsSection, SiteConfig, SiteSection, load_config
from generator.content.loader import SeedResult, load_seed
from generator.model import Article, ProviderRef, RelatedItem

ROOT = Path(__file__).resolve().parent.parent
REAL_SEED = ROOT / "seeds" / "000_678fb8710ce2a97b.txt"
UTC_ZONE = ZoneInfo("UTC")
LIMITS = LimitsSection()

SITE_TOML = """\
[site]
title = "Test News"
description = "A test site."
base_url = "https://example.org/news/"
language = "en"
timezone = "Europe/Berlin"

[build]
include_unpublished = {include_unpublished}
page_size = {page_size}
related_count = 3
"""

MakeSite = Callable[..., Path]
"""conftest's `make_site` fixture: `write_site` into tmp_path/site."""


# ------------------------------------------------------------------------ seeds and sites

def seed_text(title: str = "A plain headline", *, date: str = "2024-03-05T10:00:00Z",
              provider: str = "Example Times", domain: str = "example.com",
              url: str = "https://example.com/story", topics: tuple[str, ...] = ("Science",),
              extra: str = "", body: str = "") -> str:
    """A valid seed with the given fields; `extra` is more YAML appended to the front matter."""
    topic_lines = "".join(f"  - {topic}\n" for topic in topics)
    return (
        "---\n"
        f"title: {json.dumps(title, ensure_ascii=False)}\n"
        f"excerpt: \"About {provider}.\"\n"
        f"publishedDateTime: {date}\n"
        f"webUrl: \"{url}\"\n"
        "provider:\n"
        f"  name: {provider}\n"
        f"  domain: {domain}\n"
        f"topics:\n{topic_lines}"
        f"{textwrap.dedent(extra)}"
        "---\n"
        f"{body}"
    )


def write_site(folder: Path, seeds: dict[str, str] | None = None, *,
               include_unpublished: bool = True, page_size: int = 20,
               real_seed: bool = False) -> Path:
    """Write a site into `folder`: SITE_TOML (base_url https://example.org/news/), the
    `seeds` by file name, and with `real_seed` the repository's seed. Returns `folder`."""
    (folder / "seeds").mkdir(parents=True, exist_ok=True)
    (folder / "site.toml").write_text(SITE_TOML.format(
        include_unpublished=str(include_unpublished).lower(), page_size=page_size))
    if real_seed:
        shutil.copy(REAL_SEED, folder / "seeds" / REAL_SEED.name)
    for name, text in (seeds or {}).items():
        (folder / "seeds" / name).write_text(text, encoding="utf-8")
    return folder


_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def split_seed(text: str) -> tuple[dict[str, Any], str]:
    """A seed's front matter and body, read with PyYAML independently of the generator."""
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    data = yaml.load(front, Loader=_YAML_LOADER)
    assert isinstance(data, dict)
    return data, body


def load_seed_text(folder: Path, text: str | bytes, zone: ZoneInfo = UTC_ZONE,
                   limits: LimitsSection = LIMITS) -> SeedResult:
    """Write `text` as the seed `folder/s.txt` and load it as a build would."""
    path = folder / "s.txt"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return load_seed(path, zone, limits)


# --------------------------------------------------------------------------------- builds

def run_build(site: Path, *args: str) -> int:
    """`newsgen build --config site/site.toml ARGS` in this process; its exit code."""
    return main(["build", "--config", str(site / "site.toml"), *args])


CACHE_FOLDER = ".newsgen-cache"
"""`[build] cache_dir` of the test sites (the default)."""


def assert_build_fails_with(site: Path, capsys: pytest.CaptureFixture[str],
                            expected_stderr: str, *args: str) -> None:
    """The build exits 1, prints exactly `expected_stderr` and nothing on stdout, and changes
    nothing: the site folder holds what it held (no staging folder, no output where there
    was none; the cache folder, where the build takes its lock, aside) and an earlier output
    is byte for byte as it was."""
    names = sorted(p.name for p in site.iterdir() if p.name != CACHE_FOLDER)
    output = read_tree(site / "public")
    code = run_build(site, *args)
    out, err = capsys.readouterr()
    assert code == 1
    assert err == expected_stderr
    assert out == ""
    assert sorted(p.name for p in site.iterdir() if p.name != CACHE_FOLDER) == names
    assert read_tree(site / "public") == output
    if not args:
        assert_check_reports(site, capsys, expected_stderr.rsplit("Build failed", 1)[0])


GITHUB_COMMAND = re.compile(
    r"::(error|warning) file=[^,:\n]+(,line=[1-9]\d*,col=\d+)?::[^\n\r]*")
"""A workflow command as GitHub documents it: `::error file={name},line={line},col={col}::
{message}`, the message's `%`, CR and LF escaped (`%25`, `%0D`, `%0A`)."""


def assert_check_reports(site: Path, capsys: pytest.CaptureFixture[str],
                         problems_text: str) -> None:
    """`newsgen check` exits 1 and reports the problems a build printed (`problems_text`):
    the same text, and the same places (file, line, column) as GitHub annotations and as
    JSON. It writes nothing."""
    names = sorted(p.name for p in site.iterdir())
    places: dict[str, list[tuple[str, int, int]]] = {}
    for form in ("text", "github", "json"):
        code = main(["check", "--config", str(site / "site.toml"), "--format", form])
        out, err = capsys.readouterr()
        assert code == 1, form
        if form == "text":
            assert err == problems_text
            places[form] = [(m[1], int(m[2] or 0), int(m[3] or 0)) for m in re.finditer(
                r"^(\S[^\n]*?)(?::(\d+):(\d+))?: (?:error|warning): ", err, re.MULTILINE)]
        elif form == "github":
            lines = out.splitlines()
            assert all(GITHUB_COMMAND.fullmatch(line) for line in lines), lines
            places[form] = [(m[1].replace("%3A", ":").replace("%2C", ",").replace("%25", "%"),
                             int(m[2] or 0), int(m[3] or 0)) for m in (
                re.match(r"::\w+ file=([^,:]+)(?:,line=(\d+),col=(\d+))?::", line)
                for line in lines) if m]
        else:
            objects = [json.loads(line) for line in out.splitlines()]
            places[form] = [(o["file"], o["line"], o["column"]) for o in objects]
    assert places["text"] and places["github"] == places["text"] == places["json"], places
    assert sorted(p.name for p in site.iterdir()) == names


# --------------------------------------------------------------------- reading the output

SEARCH_INDEX = "pagefind/"


def every_file(root: Path) -> dict[str, bytes]:
    """Every file under root, by its posix path relative to root, the search index included."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def clean_copy_build(site: Path, folder: Path, *, search: bool = False) -> dict[str, bytes]:
    """A clean build of a copy of the site's inputs in `folder` (`read_tree` of it): the
    site's own cache and output are left as they are."""
    copy = folder / "site"
    shutil.copytree(site, copy, symlinks=True, ignore=shutil.ignore_patterns(
        "public", ".public*", ".newsgen-cache"))
    assert run_build(copy, "--clean", "--quiet", *([] if search else ["--no-search"])) == 0
    return read_tree(copy / "public")


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by its posix path relative to root; not the search index.

    Pagefind writes its filter index in hash-map order, so `pagefind/` is the one part of
    a build that two builds of the same input may write differently (README, Search)."""
    return {path: data for path, data in every_file(root).items()
            if not path.startswith(SEARCH_INDEX)}


URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "cite", "data"}


class PageScan(HTMLParser):
    """What a browser would act on: elements, event attributes, URLs and script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.script_bodies: list[str] = []
        self.event_attributes: list[str] = []
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "script":
            self.scripts.append(dict(attrs))
            self._in_script = True
            self.script_bodies.append("")
        for name, value in attrs:
            if name.startswith("on"):
                self.event_attributes.append(f"{tag} {name}={value}")
            if name in URL_ATTRIBUTES and value:
                parts = value.split(",") if name == "srcset" else [value]
                self.urls.extend(part.strip().split(" ")[0] for part in parts)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_bodies[-1] += data


class References(HTMLParser):
    """Every URL a page references in href, src and srcset."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)
            elif name == "srcset" and value:
                self.urls.extend(part.split()[0] for part in value.split(","))


def broken_internal_references(out: Path, base_path: str) -> list[str]:
    """Every link or asset of every page under `out` that names a file the build did not
    write; fails if there is no page, or no internal reference, to check."""
    pages = sorted(out.rglob("*.html"))
    assert pages, f"no HTML page under {out}"
    broken, checked = [], 0
    for page in pages:
        parser = References()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            split = urlsplit(url)
            if split.scheme or url.startswith("#"):
                continue
            assert split.path.startswith(base_path), f"{page}: {url} misses the base path"
            target = out / unquote(split.path[len(base_path):])
            if split.path.endswith("/"):
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(out)} → {url}")
    assert checked, f"no page under {out} links to another page or asset of the site"
    return broken


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# ------------------------------------------------------------------------- model records

def article(article_id: str, title: str = "A headline", *, day: int = 1, hour: int = 12,
            topics: tuple[str, ...] = ("Science",), domain: str = "example.com",
            related: tuple[RelatedItem, ...] = (), published: bool = True) -> Article:
    """An article of March 2024, as the loader would make it, without a seed file."""
    return Article(
        id=article_id, source=Path(f"{article_id}.txt"), title=title,
        published_at=datetime(2024, 3, day, hour, tzinfo=UTC),
        url=f"https://{domain}/{article_id}", web_url=f"https://{domain}/{article_id}",
        provider=ProviderRef(domain.split(".")[0].title(), domain), topics=topics,
        related=related, published=published, secured="SECRET-" + article_id,
    )


def related_item(url: str, domain: str = "other.org", title: str = "Other take") -> RelatedItem:
    return RelatedItem(title=title, url=url, provider=ProviderRef(domain.title(), domain),
                       published_at=datetime(2024, 3, 2, tzinfo=UTC))


def config(**build: object) -> SiteConfig:
    """A config for https://example.org/news/ with the given `[build]` settings."""
    base = SiteConfig(path=Path("/site/site.toml"),
                      site=SiteSection(base_url="https://example.org/news/"))
    return replace(base, build=replace(base.build, **build))  # type: ignore[arg-type]


# ------------------------------------------------------------------------- patches

def corpus_site(make_site: Callable[..., Path]) -> Path:
    """A site of 30 benchmark seeds, four stories a listing page."""
    site = make_site(page_size=4)
    write_corpus(site / "seeds", 30, seed=7)
    return site


def build_site(site: Path) -> BuildResult:
    return build(load_config(site / "site.toml"), search=False)


def patched(result: BuildResult) -> bool:
    """Whether the build was a patch: it neither loaded nor indexed the site."""
    return "load" not in result.phases and "index" not in result.phases
