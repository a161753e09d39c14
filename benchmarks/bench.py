"""Benchmark newsgen builds (and Hugo's, when installed) on generated corpora; print a table.

Usage: python benchmarks/bench.py [--sizes 1000,10000] [--runs 3] [--json FILE] [--no-hugo]
       [--workdir DIR]

For each corpus size it measures, as the median of --runs runs: a clean full build (no
output, no cache), a rebuild with nothing changed, the first edit after it (which also
fills the second output tree), rebuilds after editing one seed's title, adding one seed,
deleting one seed and editing one template, the title edit again with `--no-search`, and
the peak memory (RSS) of a clean build and of a title edit's build.
With Hugo on the PATH (Debian's `hugo`), Hugo's full build of the equivalent site
(../shared/peers/hugo) runs in the same loop, alternating with ours, and the ratio of
medians is printed. Nothing is asserted: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_corpus  # noqa: E402

PEER = ROOT.parent / "shared" / "peers" / "hugo" / "convert.py"
SITE_TOML = """[site]
title = "Benchmark News"
base_url = "https://example.org/"
[build]
include_unpublished = true
"""


USER_ENVIRONMENT = {key: value for key, value in os.environ.items()
                    if key != "PYTHONDONTWRITEBYTECODE"}
"""A user's Python keeps the modules it compiled: a shell (or a CI image) that tells it not
to would time compiling newsgen on every run."""


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of `command`."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=USER_ENVIRONMENT)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {child.returncode}")
    # The largest of the process and the workers it forked and waited for.
    return seconds, usage.ru_maxrss / 1024


def newsgen(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--config", str(site / "site.toml"),
            "--quiet", *extra]


def clean_output(site: Path) -> None:
    """No output (the link and both trees) and no cache."""
    if (site / "public").is_symlink():
        (site / "public").unlink()
    shutil.rmtree(site / "public", ignore_errors=True)
    for tree in site.glob(".public.*"):
        shutil.rmtree(tree, ignore_errors=True)
    shutil.rmtree(site / ".newsgen-cache", ignore_errors=True)


def measure_size(size: int, runs: int, workdir: Path, hugo: bool) -> dict[str, object]:
    site = workdir / f"site-{size}"
    shutil.rmtree(site, ignore_errors=True)
    (site / "seeds").mkdir(parents=True)
    write_corpus(site / "seeds", size, seed=1)
    (site / "site.toml").write_text(SITE_TOML)
    samples: dict[str, list[float]] = {name: [] for name in (
        "clean", "nothing changed", "first edit", "edit title", "add seed", "delete seed",
        "edit template", "edit title, no search", "hugo clean")}
    peaks: list[float] = []
    incremental_peaks: list[float] = []
    hugo_peaks: list[float] = []
    hugo_site = workdir / f"hugo-{size}"
    if hugo:
        shutil.rmtree(hugo_site, ignore_errors=True)
        subprocess.run([sys.executable, str(PEER), str(site / "seeds"), str(hugo_site)],
                       check=True, stdout=subprocess.DEVNULL)
    seeds = sorted((site / "seeds").glob("*.txt"))
    for run in range(runs):
        clean_output(site)
        seconds, peak = timed(newsgen(site), ROOT)
        samples["clean"].append(seconds)
        peaks.append(peak)
        if hugo:
            shutil.rmtree(hugo_site / "public", ignore_errors=True)
            shutil.rmtree(hugo_site / "resources", ignore_errors=True)
            seconds, peak = timed(["hugo", "--buildDrafts", "--quiet", "--cacheDir",
                                   str(hugo_site / ".hugo_cache")], hugo_site)
            samples["hugo clean"].append(seconds)
            hugo_peaks.append(peak)
        samples["nothing changed"].append(timed(newsgen(site), ROOT)[0])
        victim = seeds[(run * 7919) % len(seeds)]
        text = victim.read_text(encoding="utf-8")
        # The first build after a clean one also fills the second output tree (links to
        # every file of the first); it is timed on its own, and the edits after it are
        # what an author's builds cost from then on.
        victim.write_text(text.replace('title: "', f'title: "First {run} ', 1))
        samples["first edit"].append(timed(newsgen(site), ROOT)[0])
        victim.write_text(text.replace('title: "', f'title: "Edited {run} ', 1))
        seconds, peak = timed(newsgen(site), ROOT)
        samples["edit title"].append(seconds)
        incremental_peaks.append(peak)
        added = site / "seeds" / f"zz-added-{run}.txt"
        shutil.copy(seeds[(run * 104729) % len(seeds)], added)
        samples["add seed"].append(timed(newsgen(site), ROOT)[0])
        added.unlink()
        samples["delete seed"].append(timed(newsgen(site), ROOT)[0])
        templates = site / "templates"
        templates.mkdir(exist_ok=True)
        (templates / "404.html").write_text(f"Not here ({run}). {{{{ home_href }}}}\n")
        samples["edit template"].append(timed(newsgen(site), ROOT)[0])
        shutil.rmtree(templates)
        # A site built without search: the build that turns search off changes every page,
        # and the edit after it brings the other output tree up to date (linking every
        # file); the edit after that is the one timed.
        timed(newsgen(site, "--no-search"), ROOT)
        for step in ("Again", "Once more"):
            victim.write_text(text.replace('title: "', f'title: "{step} {run} ', 1))
            seconds = timed(newsgen(site, "--no-search"), ROOT)[0]
        samples["edit title, no search"].append(seconds)
        victim.write_text(text)
    medians = {name: statistics.median(values) for name, values in samples.items() if values}
    result: dict[str, object] = {"seeds": size, "runs": runs, "median_seconds": medians,
                                 "samples": samples, "peak_rss_mb": max(peaks),
                                 "incremental_peak_rss_mb": max(incremental_peaks)}
    if hugo_peaks:
        result["hugo_peak_rss_mb"] = max(hugo_peaks)
        result["clean_ratio_to_hugo"] = medians["clean"] / medians["hugo clean"]
    return result


def print_table(results: list[dict[str, object]]) -> None:
    columns = ["clean", "nothing changed", "first edit", "edit title", "add seed",
               "delete seed", "edit template", "edit title, no search", "hugo clean"]
    print(f"{'seeds':>8} " + " ".join(f"{name:>15}" for name in columns) +
          f" {'peak MB':>8} {'incr. MB':>8} {'÷ hugo':>7}")
    for row in results:
        medians = row["median_seconds"]
        assert isinstance(medians, dict)
        cells = " ".join(f"{medians[name]:>14.2f}s" if name in medians else f"{'-':>15}"
                         for name in columns)
        ratio = row.get("clean_ratio_to_hugo")
        ratio_text = f"{ratio:>7.2f}" if isinstance(ratio, float) else f"{'-':>7}"
        print(f"{row['seeds']:>8,} {cells} {row['peak_rss_mb']:>8.0f} "
              f"{row['incremental_peak_rss_mb']:>8.0f} {ratio_text}")
    print("Medians of wall seconds; peak MB is the largest resident set of any newsgen "
          "process in a clean build, incr. MB the same in a title edit's build.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--workdir", type=Path,
                        help="where corpora and outputs go (default: a temporary folder)")
    args = parser.parse_args()
    hugo = not args.no_hugo and shutil.which("hugo") is not None and PEER.is_file()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsgen-bench-"))
    results = [measure_size(int(size), args.runs, workdir, hugo)
               for size in args.sizes.split(",")]
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
