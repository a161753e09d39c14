"""Benchmark newsgen builds (and Hugo's, when installed) on generated corpora; print a table.

Usage: python benchmarks/bench.py [--sizes 1000,10000] [--runs 3] [--json FILE] [--no-hugo]
       [--workdir DIR]

For each corpus size it measures, as the median of --runs runs: a clean full build (no
output, no cache) with search and one with `--no-search`, a rebuild with nothing changed,
the first edit after it (which also fills the second output tree), rebuilds after editing
one seed's title (its words, so its address changes too), fixing a typo in it (its
address stays), adding one seed, deleting one seed, editing one template (`404.html`,
one page) and editing the article template (every article's page) twice (a designer's
first save and the next, which finds its pages in the other tree), the title edit again
with `--no-search`, and the peak memory (RSS) of a clean build and of a title edit's
build: of the largest process, and of the whole process tree (Pagefind and the workers
included; proportional set sizes, so that pages a worker shares with its parent count
once), sampled every 50 ms.
With Hugo on the PATH (Debian's `hugo`), Hugo's full build of the equivalent site
(../shared/peers/hugo) runs in the same loop, alternating with ours, and the ratio of
medians is printed. Nothing is asserted: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

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


class Run(NamedTuple):
    seconds: float
    peak_mb: float
    """The largest resident set of the process or of any process it waited for."""
    tree_peak_mb: float
    """The largest sum of the proportional set sizes of the process and its descendants."""


def timed(command: list[str], cwd: Path, tree: bool = False) -> Run:
    """Wall seconds and peak memory of one run of `command`; the process tree's only with
    `tree` (sampling it takes CPU from the run: it is left out of the runs only timed)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=USER_ENVIRONMENT)
    tree_peak = [0]
    sampler = threading.Thread(target=_sample_tree, args=(child.pid, tree_peak), daemon=True)
    if tree:
        sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if tree:
        sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {child.returncode}")
    # The largest of the process and the workers it forked and waited for.
    return Run(seconds, usage.ru_maxrss / 1024, tree_peak[0] / 1024)


def _sample_tree(root: int, peak: list[int]) -> None:
    """Every 50 ms until `root` is gone, the sum of Pss (kB) over it and its descendants."""
    while True:
        parents: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(entry.path, "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        if root not in parents:
            return
        tree = {root}
        for pid in sorted(parents):
            chain, ancestor = [], pid
            while ancestor not in tree and ancestor in parents and ancestor > 1:
                chain.append(ancestor)
                ancestor = parents[ancestor]
            if ancestor in tree:
                tree.update(chain)
        peak[0] = max(peak[0], sum(_proportional_kb(pid) for pid in tree))
        time.sleep(0.05)


def _proportional_kb(pid: int) -> int:
    """Pss: a page a forked worker shares with its parent counts half in each."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))


def newsgen(site: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "generator", "build", "--config", str(site / "site.toml"),
            "--quiet", *extra]


def clean_output(site: Path, trash: Path) -> None:
    """No output (the link and both trees) and no cache: moved into `trash`."""
    if (site / "public").is_symlink():
        (site / "public").unlink()
    for path in (site / "public", *site.glob(".public.*"), site / ".newsgen-cache"):
        set_aside(path, trash)


def set_aside(path: Path, trash: Path) -> None:
    """Move `path` (if there) into `trash`, deleted when the benchmark ends (see above)."""
    if path.exists() or path.is_symlink():
        trash.mkdir(parents=True, exist_ok=True)
        path.rename(trash / f"{len(list(trash.iterdir()))}-{path.name}")


def measure_size(size: int, runs: int, workdir: Path, hugo: bool) -> dict[str, object]:
    trash = workdir / "trash"
    site = workdir / f"site-{size}"
    set_aside(site, trash)  # a site left by an earlier benchmark in this workdir
    (site / "seeds").mkdir(parents=True)
    write_corpus(site / "seeds", size, seed=1)
    (site / "site.toml").write_text(SITE_TOML)
    samples: dict[str, list[float]] = {name: [] for name in (
        "clean", "clean, no search", "nothing changed", "first edit", "edit title",
        "edit title, same URL", "add seed", "delete seed", "edit template",
        "edit article template", "edit article template again", "edit title, no search",
        "hugo clean")}
    peaks: list[Run] = []
    no_search_peaks: list[Run] = []
    incremental_peaks: list[Run] = []
    hugo_peaks: list[float] = []
    hugo_site = workdir / f"hugo-{size}"
    if hugo:
        set_aside(hugo_site, trash)
        subprocess.run([sys.executable, str(PEER), str(site / "seeds"), str(hugo_site)],
                       check=True, stdout=subprocess.DEVNULL)
    seeds = sorted((site / "seeds").glob("*.txt"))
    for run in range(runs):
        clean_output(site, trash)
        measured = timed(newsgen(site, "--no-search"), ROOT, tree=True)
        samples["clean, no search"].append(measured.seconds)
        no_search_peaks.append(measured)
        clean_output(site, trash)  # the runs below start from this one
        measured = timed(newsgen(site), ROOT, tree=True)
        samples["clean"].append(measured.seconds)
        peaks.append(measured)
        if hugo:
            set_aside(hugo_site / "public", trash)
            set_aside(hugo_site / "resources", trash)
            measured = timed(["hugo", "--buildDrafts", "--quiet", "--cacheDir",
                              str(hugo_site / ".hugo_cache")], hugo_site, tree=True)
            samples["hugo clean"].append(measured.seconds)
            hugo_peaks.append(measured.tree_peak_mb)
        samples["nothing changed"].append(timed(newsgen(site), ROOT).seconds)
        victim = seeds[(run * 7919) % len(seeds)]
        text = victim.read_text(encoding="utf-8")
        # The first build after a clean one also fills the second output tree (links to
        # every file of the first); it is timed on its own, and the edits after it are
        # what an author's builds cost from then on.
        victim.write_text(text.replace('title: "', f'title: "First {run} ', 1))
        samples["first edit"].append(timed(newsgen(site), ROOT).seconds)
        victim.write_text(text.replace('title: "', f'title: "Edited {run} ', 1))
        measured = timed(newsgen(site), ROOT, tree=True)
        samples["edit title"].append(measured.seconds)
        incremental_peaks.append(measured)
        # A typo fixed: the title changes, its address (the slug of its words) does not.
        victim.write_text(re.sub(r'^(title: ".*)"$', r'\1!"', victim.read_text(encoding="utf-8"),
                                 count=1, flags=re.MULTILINE))
        samples["edit title, same URL"].append(timed(newsgen(site), ROOT).seconds)
        added = site / "seeds" / f"zz-added-{run}.txt"
        shutil.copy(seeds[(run * 104729) % len(seeds)], added)
        samples["add seed"].append(timed(newsgen(site), ROOT).seconds)
        added.unlink()
        samples["delete seed"].append(timed(newsgen(site), ROOT).seconds)
        templates = site / "templates"
        templates.mkdir(exist_ok=True)
        (templates / "404.html").write_text(f"Not here ({run}). {{{{ home_href }}}}\n")
        samples["edit template"].append(timed(newsgen(site), ROOT).seconds)
        # Every article's page uses this one: a designer's edit.
        article = (ROOT / "templates" / "article.html").read_text(encoding="utf-8")
        (templates / "article.html").write_text(article.replace(
            "{% block main %}", f"{{% block main %}}<!-- edited {run} -->", 1))
        samples["edit article template"].append(timed(newsgen(site), ROOT).seconds)
        # The designer's next save: every article's page again, into the other tree.
        (templates / "article.html").write_text(article.replace(
            "{% block main %}", f"{{% block main %}}<!-- edited {run} again -->", 1))
        samples["edit article template again"].append(timed(newsgen(site), ROOT).seconds)
        shutil.rmtree(templates)
        # A site built without search: the build that turns search off changes every page,
        # and the edit after it brings the other output tree up to date (linking every
        # file); the edit after that is the one timed.
        timed(newsgen(site, "--no-search"), ROOT)
        for step in ("Again", "Once more"):
            victim.write_text(text.replace('title: "', f'title: "{step} {run} ', 1))
            seconds = timed(newsgen(site, "--no-search"), ROOT).seconds
        samples["edit title, no search"].append(seconds)
        victim.write_text(text)
    medians = {name: statistics.median(values) for name, values in samples.items() if values}
    result: dict[str, object] = {
        "seeds": size, "runs": runs, "median_seconds": medians, "samples": samples,
        "peak_rss_mb": max(run.peak_mb for run in peaks),
        "tree_peak_pss_mb": max(run.tree_peak_mb for run in peaks),
        "no_search_tree_peak_pss_mb": max(run.tree_peak_mb for run in no_search_peaks),
        "incremental_peak_rss_mb": max(run.peak_mb for run in incremental_peaks),
        "incremental_tree_peak_pss_mb": max(run.tree_peak_mb for run in incremental_peaks)}
    if hugo_peaks:
        result["hugo_tree_peak_pss_mb"] = max(hugo_peaks)
        result["clean_ratio_to_hugo"] = medians["clean"] / medians["hugo clean"]
        result["no_search_ratio_to_hugo"] = medians["clean, no search"] / medians["hugo clean"]
        result["article_template_ratio_to_hugo"] = (medians["edit article template"]
                                                    / medians["hugo clean"])
        result["article_template_again_ratio_to_hugo"] = (
            medians["edit article template again"] / medians["hugo clean"])
    return result


def print_table(results: list[dict[str, object]]) -> None:
    columns = ["clean", "clean, no search", "nothing changed", "first edit", "edit title",
               "edit title, same URL", "add seed", "delete seed", "edit template",
               "edit article template", "edit article template again",
               "edit title, no search", "hugo clean"]
    memory = ["peak_rss_mb", "tree_peak_pss_mb", "no_search_tree_peak_pss_mb",
              "incremental_tree_peak_pss_mb", "hugo_tree_peak_pss_mb"]
    print(f"{'seeds':>8} " + " ".join(f"{name:>15}" for name in columns) +
          f" {'peak MB':>8} {'tree MB':>8} {'no s. MB':>8} {'incr. MB':>8} {'hugo MB':>8}"
          f" {'÷ hugo':>7} {'no s. ÷':>7} {'art. ÷':>7} {'again ÷':>7}")
    for row in results:
        medians = row["median_seconds"]
        assert isinstance(medians, dict)
        cells = " ".join(f"{medians[name]:>14.2f}s" if name in medians else f"{'-':>15}"
                         for name in columns)
        megabytes = " ".join(f"{row[name]:>8.0f}" if isinstance(row.get(name), float)
                             else f"{'-':>8}" for name in memory)
        ratios = " ".join(f"{row[name]:>7.2f}" if isinstance(row.get(name), float)
                          else f"{'-':>7}"
                          for name in ("clean_ratio_to_hugo", "no_search_ratio_to_hugo",
                                       "article_template_ratio_to_hugo",
                                       "article_template_again_ratio_to_hugo"))
        print(f"{row['seeds']:>8,} {cells} {megabytes} {ratios}")
    print("Medians of wall seconds. peak MB: the largest resident set of one newsgen process "
          "in a clean build; tree MB: the largest sum of proportional set sizes over the "
          "process tree (workers and Pagefind) in a clean build, no s. MB the same with "
          "--no-search, incr. MB in a title edit's build, hugo MB in Hugo's build.")


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
    try:
        results = [measure_size(int(size), args.runs, workdir, hugo)
                   for size in args.sizes.split(",")]
    finally:
        shutil.rmtree(workdir / "trash", ignore_errors=True)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
