"""P1: a build killed at any moment leaves the previous output as it was, never a mix."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.corpus import write_corpus
from tests.helpers import ROOT, read_tree, seed_text

KILLS = 24
EDITS = ("title", "add", "delete", "template", "static", "excerpt")
"""One kill of an incremental build after each kind of edit (an excerpt's is built as a
patch of the live site: `build.patch`)."""
KILL_WINDOWS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 1.0), (1.0, 1.1), (0.3, 1.0))
"""When those builds are killed, as fractions of how long the same build takes unkilled: one
early, one mid-render, three at the end (the swap, the cache save, deleting the old output)."""


def start_build(site: Path, out: Path, *args: str,
                config: Path | None = None) -> subprocess.Popen[bytes]:
    """`newsgen build` of `site` (with its site.toml unless `config`) into `out`."""
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--config",
                             str(config or site / "site.toml"), "--out", str(out), *args],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def running_builds(site: Path, wait: float = 2.0) -> list[str]:
    """Command lines of processes still building `site`, after up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(site / "site.toml") in text and "generator" in text:
                found.append(text)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def leftovers(site: Path) -> list[str]:
    """What builds left beside the output link `site/public` and its two trees."""
    return sorted(p.name for p in site.iterdir() if p.name.startswith(".public")
                  and p.name not in (".public.tree-a", ".public.tree-b"))


def write_reference_config(site: Path) -> Path:
    """The site's config with a cache of its own: building into another folder with it
    leaves the cache of `site/public` as the last build there left it."""
    text = (site / "site.toml").read_text()
    assert "cache_dir" not in text
    (site / "reference.toml").write_text(
        text.replace("[build]\n", '[build]\ncache_dir = ".reference-cache"\n', 1))
    return site / "reference.toml"


def add_own_theme_files(site: Path) -> None:
    """A template and a static file of the site's own, for `edit_site` to change."""
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("Missing: {{ home_href }}\n")
    (site / "static").mkdir()
    (site / "static" / "notice.txt").write_text("Notice -\n")


def edit_site(site: Path, edit: str, rng: random.Random, step: int) -> None:
    """One edit an author makes between two builds: a seed's title or excerpt edited, a
    seed added or deleted, the site's template or static file changed."""
    seeds = sorted((site / "seeds").glob("*.txt"))
    if edit == "title":
        victim = rng.choice(seeds)
        victim.write_text(victim.read_text(encoding="utf-8").replace(
            'title: "', f'title: "Edit {step} ', 1), encoding="utf-8")
    elif edit == "add":
        (site / "seeds" / f"new-{step}.txt").write_text(seed_text(
            f"Fresh story {step}", topics=("Science", f"Topic {step}"),
            url=f"https://example.com/new-{step}"), encoding="utf-8")
    elif edit == "delete":
        rng.choice(seeds).unlink()
    elif edit == "template":
        (site / "templates" / "404.html").write_text(
            f"Missing, edit {step}: {{{{ home_href }}}}\n")
    elif edit == "static":
        # The same size: only the content and the mtime tell the new file from the old.
        (site / "static" / "notice.txt").write_text(f"Notice {step}\n")
    elif edit == "excerpt":
        victim = rng.choice(seeds)
        victim.write_text(victim.read_text(encoding="utf-8").replace(
            'excerpt: "', f'excerpt: "Edit {step} ', 1), encoding="utf-8")


def test_p1_a_build_killed_at_any_point_leaves_the_previous_output_or_the_new_one(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site()
    write_corpus(site / "seeds", 150, seed=11)
    out = site / "public"
    assert start_build(site, out).wait() == 0
    previous = read_tree(out)
    (site / "seeds" / "extra.txt").write_text(seed_text("A new story changes every listing"))
    started = time.perf_counter()
    assert start_build(site, tmp_path / "new").wait() == 0
    duration = time.perf_counter() - started
    new = read_tree(tmp_path / "new")
    rng = random.Random(5)
    outcomes = []
    for _ in range(KILLS):
        build = start_build(site, out)
        time.sleep(rng.uniform(0.0, duration * 1.1))
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        tree = read_tree(out)
        assert tree in (previous, new)
        outcomes.append("new" if tree == new else "previous")
        if tree == new:
            previous = new
    assert "previous" in outcomes  # some kills did land mid-build
    assert running_builds(site) == []  # no worker outlives its killed build
    assert start_build(site, out).wait() == 0
    assert read_tree(out) == new
    assert leftovers(site) == []


def test_p1_an_incremental_build_killed_at_any_point_leaves_the_previous_output_or_the_new_one(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site()
    write_corpus(site / "seeds", 150, seed=11)
    add_own_theme_files(site)
    reference = write_reference_config(site)
    out, reference_out = site / "public", tmp_path / "reference"
    assert start_build(site, out, "--no-search").wait() == 0
    assert start_build(site, reference_out, "--no-search", config=reference).wait() == 0
    previous = read_tree(out)
    rng = random.Random(3)
    edits = zip(rng.sample(EDITS, len(EDITS)), KILL_WINDOWS, strict=True)
    outcomes = []
    for step, (edit, (earliest, latest)) in enumerate(edits):
        edit_site(site, edit, rng, step)
        # The same edit built without a kill, beside the output and with a cache of its own:
        # how long the killed build takes, and what it must leave if it gets to the end.
        started = time.perf_counter()
        assert start_build(site, reference_out, "--no-search", config=reference).wait() == 0
        duration = time.perf_counter() - started
        new = read_tree(reference_out)
        build = start_build(site, out, "--no-search")
        time.sleep(duration * rng.uniform(earliest, latest))
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        assert running_builds(site) == []  # no worker outlives its killed build
        tree = read_tree(out)
        assert tree in (previous, new)
        outcomes.append("new" if tree == new else "previous")
        # Whatever the kill left in the cache, the next build must not trust it wrongly; it
        # ends with a cache that describes `out`, so the next kill hits an incremental build.
        assert start_build(site, out, "--no-search").wait() == 0
        assert read_tree(out) == new
        assert leftovers(site) == []
        previous = new
    assert "previous" in outcomes  # some kills did land mid-build
    assert start_build(site, tmp_path / "clean", "--no-search", "--clean").wait() == 0
    assert read_tree(tmp_path / "clean") == previous


def test_a_build_with_nothing_to_do_still_removes_what_a_killed_build_left(
        make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text()})
    assert start_build(site, site / "public", "--no-search").wait() == 0
    # What a build leaves when it is killed after saving its cache: the plain output folder
    # of an earlier newsgen, swapped out for the link and deleted in the background; or
    # the new link, not yet renamed over the old one.
    shutil.copytree(site / "public", site / ".public.link-999999")
    os.symlink(".public.tree-a", site / ".public.link-999998")
    assert start_build(site, site / "public", "--no-search").wait() == 0
    assert leftovers(site) == []
