"""Shared fixtures: tiny sites in tmp_path, built through the real command line."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
REAL_SEED = ROOT / "seeds" / "000_678fb8710ce2a97b.txt"

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden sites' expected output from the current build")


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


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """Write a site (site.toml and seeds) into tmp_path/site and return its folder."""

    def make(seeds: dict[str, str] | None = None, *, include_unpublished: bool = True,
             page_size: int = 20, real_seed: bool = False) -> Path:
        site = tmp_path / "site"
        (site / "seeds").mkdir(parents=True, exist_ok=True)
        (site / "site.toml").write_text(SITE_TOML.format(
            include_unpublished=str(include_unpublished).lower(), page_size=page_size))
        if real_seed:
            shutil.copy(REAL_SEED, site / "seeds" / REAL_SEED.name)
        for name, text in (seeds or {}).items():
            (site / "seeds" / name).write_text(text, encoding="utf-8")
        return site

    return make


def run_build(site: Path, *args: str) -> int:
    return main(["build", "--config", str(site / "site.toml"), *args])


SEARCH_INDEX = "pagefind/"


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by its posix path relative to root; not the search index.

    Pagefind writes its filter index in hash-map order, so `pagefind/` is the one part of
    a build that two builds of the same input may write differently (README, Search)."""
    tree = {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}
    return {path: data for path, data in tree.items() if not path.startswith(SEARCH_INDEX)}
