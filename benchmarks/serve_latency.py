"""Benchmark `newsgen serve`: seconds from saving a seed to the open page showing the change.

Usage: python benchmarks/serve_latency.py [--seeds 10000] [--runs 10] [--jobs 2]
       [--workdir DIR] [--no-shipped] [--json FILE]

For the shipped site (a copy of seeds/ with site.toml minus its templates_dir/static_dir
lines) and a generated site of --seeds seeds (benchmarks/corpus.py), it starts
`newsgen serve --port 0`, opens one article page in headless Chromium and then, --runs
times: saves the article's seed with a changed title (temp file + os.replace, as editors
do) and waits until the page's <h1> shows the new title. The new title only appends `!`
marks, which the slug drops, so the article keeps its URL and the reloaded page is still
the article (a title change that changes the slug moves the page: the reload shows 404).

Besides the latency it prints where the time went, per run and then as medians:
save → build start (file watcher, including its settle: 0.05 s for one whole file), the
server's own rebuild seconds (from its `... changed: N pages rewritten ...` line), build
end → the reload message reaching the page's LiveReload socket, and that message → the new
<h1> shown.
Nothing is asserted: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Error, Page, WebSocket, sync_playwright  # noqa: E402

from benchmarks.corpus import write_corpus  # noqa: E402
from generator.urls import slug_for  # noqa: E402
from tests.serving import PreviewServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
GENERATED_TOML = """[site]
title = "Benchmark News"
base_url = "http://localhost:8000/"
[build]
include_unpublished = true
"""
REBUILD = re.compile(r"^\d\d:\d\d:\d\d (?P<cause>.*) changed: (?P<pages>[\d,]+) pages "
                     r"rewritten, (?P<removed>[\d,]+) removed(, search index follows)? "
                     r"\((?P<seconds>[\d.]+) s\)$")
ANY_REBUILD = r"^\d\d:\d\d:\d\d .* changed"
FIRST_BUILD = re.compile(r"^Built .* in (?P<seconds>[\d.]+) s ")
TITLE_LINE = re.compile(r"^title: (.*)$", re.MULTILINE)
PLAIN_TITLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ,.:'-]*$")
H1_IS = """([want]) => {
  const h1 = document.querySelector('h1');
  return h1 !== null && h1.textContent.trim() === want;
}"""
NAVIGATION = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {origin: performance.timeOrigin, responseEnd: nav ? nav.responseEnd : 0,
          painted: paint ? paint.startTime : (nav ? nav.domInteractive : 0)};
}"""


class TimedServer(PreviewServer):
    """PreviewServer that also notes when each output line arrived (perf_counter)."""

    def __init__(self, site: Path, *args: str, start_timeout: float = 60) -> None:
        self.arrivals: list[tuple[float, str]] = []
        super().__init__(site, *args, start_timeout=start_timeout)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.arrivals.append((time.perf_counter(), line))
            self._new.put(line)

    def arrived(self, line: str) -> float:
        """When `line` (the latest one with that text) was read."""
        for at, text in reversed(self.arrivals):
            if text == line:
                return at
        raise KeyError(line)


class SocketLog:
    """The page's LiveReload sockets: whether the newest has said hello, reload arrivals."""

    def __init__(self, page: Page) -> None:
        self.lock = threading.Lock()
        self.sockets = 0
        self.ready = False
        self.reloads: list[float] = []
        self.navigations: list[float] = []
        """When the page's main frame committed each new document."""
        page.on("websocket", self._socket)
        page.on("framenavigated",
                lambda frame: self.navigations.append(time.perf_counter())
                if frame.parent_frame is None else None)

    def connected(self) -> bool:
        """The page now showing has its socket open (the server said hello)."""
        with self.lock:
            return self.ready and self.sockets == len(self.navigations)

    def _socket(self, socket: WebSocket) -> None:
        if not socket.url.endswith("/livereload"):
            return
        with self.lock:
            self.sockets += 1
            self.ready = False
        socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        text = payload.decode() if isinstance(payload, bytes) else payload
        try:
            command = json.loads(text).get("command")
        except (ValueError, AttributeError):
            return
        if command == "hello":
            with self.lock:
                self.ready = True
        elif command == "reload":
            self.reloads.append(time.perf_counter())


@dataclass
class Run:
    latency: float
    build: float
    pages: int
    watch: float
    to_socket: float
    to_page: float
    fetch: float
    painted: float
    navigations: int
    extra_rebuilds: int


@dataclass
class SiteResult:
    name: str
    seeds: int
    first_build: float
    page: str
    runs: list[Run] = field(default_factory=list)


def shipped_site(workdir: Path) -> Path:
    site = workdir / "shipped"
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    shutil.copytree(ROOT / "seeds", site / "seeds")
    lines = (ROOT / "site.toml").read_text(encoding="utf-8").splitlines(keepends=True)
    (site / "site.toml").write_text(
        "".join(line for line in lines
                if not line.startswith(("templates_dir", "static_dir"))), encoding="utf-8")
    return site


def generated_site(workdir: Path, count: int) -> Path:
    site = workdir / f"generated-{count}"
    shutil.rmtree(site, ignore_errors=True)
    (site / "seeds").mkdir(parents=True)
    write_corpus(site / "seeds", count, seed=1)
    (site / "site.toml").write_text(GENERATED_TOML, encoding="utf-8")
    return site


def title_of(text: str) -> str:
    match = TITLE_LINE.search(text)
    if match is None:
        raise ValueError("seed has no top-level title line")
    value = match.group(1).strip()
    return str(json.loads(value)) if value.startswith('"') else value


def with_title(text: str, title: str) -> str:
    return TITLE_LINE.sub(lambda _: f"title: {json.dumps(title)}", text, count=1)


def find_article(site: Path) -> tuple[Path, str, str]:
    """A seed with a plain title, its title and its article page's site path."""
    output = site / "public"
    seeds = sorted((site / "seeds").glob("*.txt"))
    for seed in seeds[len(seeds) // 2:] + seeds[: len(seeds) // 2]:
        title = title_of(seed.read_text(encoding="utf-8"))
        slug = slug_for(title, fallback=seed.stem)
        if not PLAIN_TITLE.match(title) or \
                slug_for(title + " !!!!!!!!!!!!", fallback=seed.stem) != slug:
            continue
        heading = f">{html.escape(title, quote=False)}</h1>"  # the <h1> has attributes
        for page in sorted(output.glob(f"[0-9][0-9][0-9][0-9]/*/*/{slug}/index.html")):
            if heading in page.read_text(encoding="utf-8"):
                return seed, title, "/" + page.parent.relative_to(output).as_posix() + "/"
    raise RuntimeError(f"no seed with a plain title and a findable page in {site}")


def atomic_write(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")  # an editor temp name: the watcher skips it
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def shows(page: Page, title: str) -> bool:
    """Whether the page's <h1> is `title` now (False while the page is being replaced)."""
    try:
        return bool(page.evaluate(H1_IS, [title]))
    except Error:  # the execution context went away: the page is reloading
        return False


def wait_until(page: Page, check: Callable[[], bool], timeout: float,
               interval_ms: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for the page")
        page.wait_for_timeout(interval_ms)  # lets Playwright deliver events meanwhile


def measure_site(name: str, site: Path, seeds: int, runs: int, jobs: int,
                 start_timeout: float, playwright: Any) -> SiteResult:
    print(f"[{name}] starting newsgen serve on {seeds:,} seeds ...", file=sys.stderr)
    started = time.perf_counter()
    server = TimedServer(site, "--jobs", str(jobs), start_timeout=start_timeout)
    first = next((m for m in map(FIRST_BUILD.match, server.lines) if m), None)
    first_build = float(first.group("seconds")) if first else time.perf_counter() - started
    seed, title, path = find_article(site)
    original = seed.read_text(encoding="utf-8")
    result = SiteResult(name, seeds, first_build, path)
    print(f"[{name}] first build {first_build:.2f} s; page {path}", file=sys.stderr)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    try:
        page = browser.new_page()
        sockets = SocketLog(page)
        page.goto(server.url.rstrip("/") + path)
        page.wait_for_function(H1_IS, arg=[title], polling=5, timeout=30_000)
        seen = 0
        for run in range(runs):
            wait_until(page, sockets.connected, 30)
            new_title = f"{title} {'!' * (run + 1)}"
            navigations, reloads = len(sockets.navigations), len(sockets.reloads)
            wall0, t0 = time.time(), time.perf_counter()
            atomic_write(seed, with_title(original, new_title))
            # Wait without polling (polling costs CPU the rebuild needs) for the reload to
            # commit a new document, then poll its <h1> from here every ~2 ms: Playwright's
            # wait_for_function re-arms only ~0.1 s after a reload, which would count as latency.
            page.wait_for_event("framenavigated", lambda frame: frame.parent_frame is None,
                                timeout=start_timeout * 1000)
            wait_until(page, partial(shows, page, new_title), start_timeout, interval_ms=2)
            t1 = time.perf_counter()
            line = server.wait_for_line(ANY_REBUILD, start_timeout)
            match = REBUILD.match(line)
            if match is None:
                raise RuntimeError(f"unexpected rebuild line: {line}")
            line_at = server.arrived(line)
            build = float(match.group("seconds"))
            timing = page.evaluate(NAVIGATION)
            nav_start = t0 + timing["origin"] / 1000 - wall0
            # Anything rebuilt after the measured one (there should be nothing).
            server.drain(settle=0.5)
            total = len(server.rebuild_lines())
            extra, seen = total - seen - 1, total
            reload_at = sockets.reloads[reloads] if len(sockets.reloads) > reloads else t1
            result.runs.append(Run(
                latency=t1 - t0, build=build, pages=int(match.group("pages").replace(",", "")),
                watch=line_at - build - t0, to_socket=reload_at - line_at,
                to_page=t1 - reload_at, fetch=nav_start + timing["responseEnd"] / 1000 - t0,
                painted=nav_start + timing["painted"] / 1000 - t0,
                navigations=len(sockets.navigations) - navigations, extra_rebuilds=extra))
            r = result.runs[-1]
            print(f"[{name}] run {run + 1}: {r.latency:.3f} s (watch {r.watch:.3f}, build "
                  f"{r.build:.2f}, to socket {r.to_socket:.3f}, to page {r.to_page:.3f}; "
                  f"{r.pages} pages rewritten, {r.navigations} navigation(s), "
                  f"{r.extra_rebuilds} extra rebuild(s))", file=sys.stderr)
    finally:
        browser.close()
        server.stop()  # before restoring the seed: a rebuild cut short forgets the cache
        seed.write_text(original, encoding="utf-8")
    return result


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_tables(results: list[SiteResult]) -> None:
    print(f"{'site':<10} {'seeds':>7} {'runs':>5} {'median':>8} {'min':>8} {'max':>8} "
          f"{'server rebuild':>15} {'painted':>8} {'first build':>12}")
    for row in results:
        lat = [r.latency for r in row.runs]
        print(f"{row.name:<10} {row.seeds:>7,} {len(lat):>5} {med(lat):>7.3f}s "
              f"{min(lat):>7.3f}s {max(lat):>7.3f}s {med([r.build for r in row.runs]):>14.3f}s "
              f"{med([r.painted for r in row.runs]):>7.3f}s {row.first_build:>11.2f}s")
    print("median/min/max: os.replace of the seed → the open article page's <h1> reads the new "
          "title (polled every ~2 ms from Python). server rebuild: median of the seconds in "
          "serve's rebuild line. painted: save → the reloaded page's first contentful paint "
          "(median). first build: serve's first (clean) build.")
    print()
    print("Where the time goes (medians, seconds from the previous step):")
    print(f"{'site':<10} {'save→build':>11} {'build':>8} {'→socket':>8} {'→fetched':>9} "
          f"{'→painted':>9} {'→seen':>7} {'pages':>7} {'navs':>5} {'extra':>6}")
    for row in results:
        runs = row.runs
        print(f"{row.name:<10} {med([r.watch for r in runs]):>11.3f} "
              f"{med([r.build for r in runs]):>8.3f} {med([r.to_socket for r in runs]):>8.3f} "
              f"{med([r.fetch - r.watch - r.build - r.to_socket for r in runs]):>9.3f} "
              f"{med([r.painted - r.fetch for r in runs]):>9.3f} "
              f"{med([r.latency - r.painted for r in runs]):>7.3f} "
              f"{med([float(r.pages) for r in runs]):>7,.0f} "
              f"{max(r.navigations for r in runs):>5} "
              f"{sum(r.extra_rebuilds for r in runs):>6}")
    print("save→build: file watcher (inotify + its settle, 0.05 s for one whole file) until "
          "the rebuild starts; "
          "build: serve's rebuild seconds; →socket: build end → the reload message at the "
          "page's LiveReload socket; →fetched: → the reloaded page's response received; "
          "→painted: → its first contentful paint; →seen: → the benchmark's poll saw the new "
          "<h1>; pages: pages rewritten per rebuild; navs: most page loads in one run; "
          "extra: rebuilds beyond one per save, in all runs.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10_000,
                        help="seeds in the generated site (0: skip it)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2, help="newsgen serve --jobs")
    parser.add_argument("--start-timeout", type=float, default=300,
                        help="seconds to wait for the first build (and for each run)")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped site")
    parser.add_argument("--workdir", type=Path,
                        help="where the sites go (default: a temporary folder, removed after)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsgen-serve-latency-"))
    results: list[SiteResult] = []
    try:
        with sync_playwright() as playwright:
            if not args.no_shipped:
                site = shipped_site(workdir)
                count = len(list((site / "seeds").glob("*.txt")))
                results.append(measure_site("shipped", site, count, args.runs, args.jobs,
                                            args.start_timeout, playwright))
            if args.seeds:
                print(f"[generated] writing {args.seeds:,} seeds ...", file=sys.stderr)
                site = generated_site(workdir, args.seeds)
                results.append(measure_site("generated", site, args.seeds, args.runs,
                                            args.jobs, args.start_timeout, playwright))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print_tables(results)
    if args.json:
        args.json.write_text(json.dumps([vars(r) | {"runs": [vars(x) for x in r.runs]}
                                         for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
