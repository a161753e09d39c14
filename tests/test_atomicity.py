"""P1: a build killed at any moment leaves the previous output as it was, never a mix."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.corpus import write_corpus
from tests.helpers import ROOT, read_tree, seed_text

KILLS = 24


def start_build(site: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--config",
                             str(site / "site.toml"), "--out", str(out)],
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
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".public")) == []
