"""Two builds of one site at once: the second waits for the first, and nothing is lost."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from generator.build.lock import LOCK_NAME
from generator.build.pipeline import build
from generator.build.result import BuildResult
from generator.config import load_config
from tests.helpers import ROOT, MakeSite, read_tree, run_build, seed_text


def _site_of(make_site: MakeSite, count: int) -> Path:
    return make_site({f"s{n:03}.txt": seed_text(f"Story number {n}", topics=(f"T{n % 7}",),
                                                date=f"2024-03-{1 + n % 28:02}T10:00:00Z",
                                                url=f"https://example.com/{n}")
                      for n in range(count)})


def test_a_build_waits_while_another_build_holds_the_site(make_site: MakeSite) -> None:
    site = _site_of(make_site, 3)
    config = load_config(site / "site.toml")
    lock_file = config.build.cache_dir / LOCK_NAME
    lock_file.parent.mkdir(parents=True)
    reported = threading.Event()
    results: list[BuildResult] = []

    def progress(phase: str, done: int, total: int) -> None:
        if phase.startswith("waiting for another build"):
            reported.set()

    with lock_file.open("a+") as other:
        other.write("4242\n")
        other.flush()
        fcntl.flock(other, fcntl.LOCK_EX)  # another build of the site is running
        builder = threading.Thread(
            target=lambda: results.append(build(config, jobs=1, progress=progress, search=False)))
        builder.start()
        assert reported.wait(timeout=30)
        assert results == [] and not (site / "public").exists()
        fcntl.flock(other, fcntl.LOCK_UN)
    builder.join(timeout=60)
    assert len(results) == 1
    assert results[0].notice == "waited for another build of this site (process 4242) to end"
    assert (site / "public" / "index.html").is_file()


def test_builds_started_during_another_all_succeed_and_leave_a_whole_site(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = _site_of(make_site, 600)
    command = [sys.executable, "-m", "generator", "build", "--config", str(site / "site.toml"),
               "--no-search", "--jobs", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    builds = []
    for delay in (0.0, 1.0, 1.0):  # the later ones start while the first one renders
        time.sleep(delay)
        builds.append(subprocess.Popen(command, cwd=site, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True))
    outcomes = [process.communicate(timeout=300) for process in builds]
    assert [process.returncode for process in builds] == [0, 0, 0], outcomes
    # The later builds found nothing to do: one output tree, and nothing else left behind.
    assert sorted(p.name for p in site.iterdir()) == [
        ".newsgen-cache", ".public.tree-a", "public", "seeds", "site.toml"]
    assert run_build(site, "--out", str(tmp_path / "clean"), "--clean", "--no-search") == 0
    built = read_tree(site / "public")
    assert len(built) > 600
    assert built == read_tree(tmp_path / "clean")
