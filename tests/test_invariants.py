"""Promises every build keeps, checked on the shipped site and on a generated corpus."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from tests.helpers import ROOT, broken_internal_references, read_tree, run_build, seed_text


def build_in_subprocess(site: Path, out: Path, **env: str) -> None:
    subprocess.run([sys.executable, "-m", "generator", "build", "--config",
                    str(site / "site.toml"), "--out", str(out)],
                   check=True, capture_output=True, env={**os.environ, **env}, cwd=ROOT)


def test_r11_two_builds_are_byte_identical_whatever_the_hash_seed_and_time_zone(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site(real_seed=True)
    write_corpus(site / "seeds", 60, seed=7)
    build_in_subprocess(site, tmp_path / "one", PYTHONHASHSEED="1", TZ="Asia/Tokyo")
    build_in_subprocess(site, tmp_path / "two", PYTHONHASHSEED="2", TZ="America/Lima",
                        LC_ALL="C")
    one = read_tree(tmp_path / "one")
    assert len(one) > 60, "fewer files than articles"
    assert one == read_tree(tmp_path / "two")


def test_the_secured_blob_never_appears_in_any_output_byte(
        make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text(extra='secured: "TOP-SECRET-BLOB=="\n')}, real_seed=True)
    assert run_build(site) == 0
    blobs = [b"TOP-SECRET-BLOB", b"FDGCkgf/+KdpwuEqgWdYJnjDQjxwdoGZ", b"VWsUAgyTzIuRnzRcnxlp3A"]
    files = read_tree(site / "public")
    assert files, "the build wrote no file"
    for path, data in files.items():
        assert not any(blob in data for blob in blobs), path


def test_an_excluded_unpublished_article_appears_in_no_file(
        make_site: Callable[..., Path]) -> None:
    hidden = seed_text("Embargoed Zebra Story", url="https://example.com/zebra",
                       topics=("Zebras",), provider="Zebra Post", domain="zebra.example",
                       extra="published: false\n")
    citing = seed_text("Visible story", extra=(
        "related:\n  - title: Other take\n    webUrl: https://example.com/zebra\n"
        "    provider:\n      name: Other\n      domain: other.org\n"))
    site = make_site({"hidden.txt": hidden, "citing.txt": citing}, include_unpublished=False)
    assert run_build(site) == 0
    files = read_tree(site / "public")
    assert files, "the build wrote no file"
    assert not any("zebra" in path for path in files)
    for path, data in files.items():
        assert b"Embargoed Zebra" not in data and b"Zebra Post" not in data, path
        assert not re.search(rb'href="[^"]*embargoed', data), path


def test_every_internal_link_and_asset_of_the_shipped_site_resolves(tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert subprocess.run([sys.executable, "-m", "generator", "build", "--out", str(out)],
                          cwd=ROOT, capture_output=True).returncode == 0
    assert broken_internal_references(out, "/") == []
    assert len(list(out.rglob("*.html"))) >= 9


@pytest.mark.parametrize("page_size", [5, 20])
def test_every_internal_link_of_a_generated_corpus_resolves(
        make_site: Callable[..., Path], page_size: int) -> None:
    site = make_site(page_size=page_size)
    write_corpus(site / "seeds", 150, seed=3)
    assert run_build(site) == 0
    assert broken_internal_references(site / "public", "/news/") == []


def test_p2_the_page_of_a_removed_seed_is_gone_after_the_next_build(
        make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text("Stays"), "b.txt": seed_text("Goes away",
                                                                      topics=("Gone",))})
    assert run_build(site) == 0
    assert (site / "public/2024/03/05/goes-away/index.html").is_file()
    (site / "seeds" / "b.txt").unlink()
    assert run_build(site) == 0
    assert not (site / "public/2024/03/05/goes-away").exists()
    assert not (site / "public/topics/gone").exists()
    assert b"Goes away" not in b"".join(read_tree(site / "public").values())
