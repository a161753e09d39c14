"""Benchmark the search page in the browser: time to first results, and bytes downloaded.

Usage: python benchmarks/search_latency.py [--seeds 10000] [--site DIR] [--queries 8]
       [--workdir DIR] [--json FILE]

It builds a generated site of --seeds seeds (benchmarks/corpus.py) with search, or takes
--site, a folder with a `site.toml` whose output is already built with search. It serves
the output with Python's HTTP server (no compression, like a plain static host) and, for
each of --queries words taken from the seeds' bodies (a word of the body, not of the
title, so that the body's text is what is searched), opens `/search/?q=WORD` in a fresh
headless Chromium context (an empty cache: a reader arriving from a link), then:

- open → results: from the navigation's start to the results list being filled (the first
  results), then to the status line giving the count (every result of the search's first
  step shown: see the README's Search);
- query → results: in the same page, a second word typed and submitted, from the submit to
  the list being filled again (the index already loaded: a reader's next search);
- filtered: the same, narrowed to the first word's seed's first topic;
- the bytes and requests the server sent in each of the three: on opening, the page, its
  stylesheet and script besides the search index (each query starts with an empty cache).

Prints a table of medians and maxima. Nothing is asserted: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from benchmarks.bench import SITE_TOML  # noqa: E402
from benchmarks.corpus import write_corpus  # noqa: E402
from benchmarks.serve_latency import CHROMIUM, LAUNCH_ARGS  # noqa: E402
from generator.config import load_config  # noqa: E402

WORD = re.compile(r"\b[a-z]{7,}\b")
TOPIC_LINE = re.compile(r"^topics:\s*\n\s*-\s*(.+)$", re.MULTILINE)
# Set before any page script runs: `window.__filled` gets the time (ms since the page's
# start) of each change to the results list, `window.__done` of each status line that gives
# the count, `window.__submitted` of each submit or filter change.
RECORDER = """
window.__filled = []; window.__done = []; window.__submitted = [];
document.addEventListener('submit', () => window.__submitted.push(performance.now()), true);
document.addEventListener('change', () => window.__submitted.push(performance.now()), true);
new MutationObserver(() => {
  const list = document.getElementById('search-results');
  const status = document.getElementById('search-status');
  if (list && status && !window.__observing) {
    window.__observing = true;
    new MutationObserver(() => window.__filled.push(performance.now()))
      .observe(list, {childList: true});
    new MutationObserver(() => {
      if (/found/.test(status.textContent)) window.__done.push(performance.now());
    }).observe(status, {childList: true, characterData: true, subtree: true});
  }
}).observe(document, {childList: true, subtree: true});
"""
STATUS_DONE = """() => {
  const status = document.getElementById('search-status');
  return status !== null && /found/.test(status.textContent);
}"""


class Traffic:
    """Bytes and requests the server sent since the last `take`: the search index, and on
    opening the page, the page itself with its stylesheet and script."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bytes = 0
        self.requests = 0

    def add(self, size: int) -> None:
        with self.lock:
            self.bytes += size
            self.requests += 1

    def take(self) -> tuple[int, int]:
        with self.lock:
            taken = (self.bytes, self.requests)
            self.bytes = self.requests = 0
            return taken


class _Handler(SimpleHTTPRequestHandler):
    traffic: Traffic

    def send_header(self, keyword: str, value: str) -> None:
        if keyword == "Content-Length":
            self.traffic.add(int(value))
        super().send_header(keyword, value)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(root: Path, traffic: Traffic) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"traffic": traffic})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


STEPS = ("open", "query", "filtered")
SINCE = """(since) => ({first: window.__filled.find((t) => t > since),
                      done: window.__done.find((t) => t > since)})"""


@dataclass
class Query:
    word: str
    second: str
    topic: str
    found: str = ""
    first_ms: dict[str, float] = field(default_factory=dict)
    """Each step → milliseconds from its start to the first results shown."""
    done_ms: dict[str, float] = field(default_factory=dict)
    """Each step → milliseconds to the status line's count (the search's first step done)."""
    traffic: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Each step → (bytes, requests) the server sent."""


def pick_queries(seeds: Path, count: int) -> list[Query]:
    """Words of seeds' bodies, spread over the corpus; each with a second word and the
    first seed's first topic. Deterministic."""
    files = sorted(seeds.glob("*.txt"))
    picked: list[Query] = []
    words: list[tuple[str, str]] = []
    step = max(1, len(files) // (count * 20))
    for path in files[::step]:
        text = path.read_text(encoding="utf-8")
        _, _, body = text.partition("\n---\n")
        found = sorted(set(WORD.findall(body.lower())))
        first_topic = TOPIC_LINE.search(text)
        if found and first_topic:
            words.append((found[len(found) // 2], first_topic.group(1).strip().strip('"')))
    for index in range(min(count, len(words) // 2)):
        (word, topic), (second, _) = words[index * 2], words[index * 2 + 1]
        picked.append(Query(word, second, topic))
    return picked


def measure(page: Page, url: str, query: Query, traffic: Traffic) -> None:
    traffic.take()
    page.goto(f"{url}search/?q={query.word}")
    _timed(page, query, traffic, "open", 0.0)
    query.found = page.inner_text("#search-status")
    page.fill("#search-q", query.second)
    _timed(page, query, traffic, "query", _acted(page, lambda: page.press("#search-q", "Enter")))
    page.fill("#search-q", query.word)
    label = _option(page, query)
    _timed(page, query, traffic, "filtered",
           _acted(page, lambda: page.select_option("#search-topic", label=label)))


def _acted(page: Page, act: Any) -> float:
    """Do `act` (a submit or a filter change); the page's time of it."""
    before = page.evaluate("window.__submitted.length")
    act()
    page.wait_for_function(f"window.__submitted.length > {before}")
    return float(page.evaluate("window.__submitted[window.__submitted.length - 1]"))


def _timed(page: Page, query: Query, traffic: Traffic, step: str, since: float) -> None:
    """Wait for the step's results and count; note their times and the search traffic."""
    page.wait_for_function(f"window.__done.some((t) => t > {since})", timeout=60_000)
    times = page.evaluate(SINCE, since)
    query.first_ms[step] = times["first"] - since
    query.done_ms[step] = times["done"] - since
    query.traffic[step] = traffic.take()


def _option(page: Page, query: Query) -> str:
    page.focus("#search-topic")  # (a reader's click: its options are there then)
    labels: list[str] = page.eval_on_selector_all(
        "#search-topic option", "options => options.map(o => o.textContent)")
    return next(label for label in labels if label.rsplit(" (", 1)[0] == query.topic)


def build_site(workdir: Path, seeds: int) -> Path:
    site = workdir / f"search-{seeds}"
    shutil.rmtree(site, ignore_errors=True)
    (site / "seeds").mkdir(parents=True)
    write_corpus(site / "seeds", seeds, seed=1)
    (site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    print(f"building {seeds:,} seeds with search ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "generator", "build", "--quiet"], cwd=site,
                   check=True)
    return site


def print_table(site: Path, queries: list[Query]) -> None:
    print(f"\nSearch on {site} ({len(queries)} queries, each in a fresh browser context)\n")
    print(f"{'word':<14}" + "".join(f" {step + ' first/all ms':>22} {'KB':>6}" for step in STEPS)
          + f" {'reqs':>5}  found")
    for q in queries:
        print(f"{q.word:<14}" + "".join(
            f" {q.first_ms[step]:>10.0f} / {q.done_ms[step]:>9.0f} "
            f"{q.traffic[step][0] / 1024:>6.0f}" for step in STEPS)
            + f" {q.traffic['open'][1]:>5}  {q.found}")
    print()
    for step in STEPS:
        for label, values in (
                ("first results (ms)", [q.first_ms[step] for q in queries]),
                ("results and count (ms)", [q.done_ms[step] for q in queries]),
                ("KB downloaded", [q.traffic[step][0] / 1024 for q in queries])):
            print(f"{step + ': ' + label:<38} median {statistics.median(values):>7.0f}"
                  f"   max {max(values):>7.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10_000)
    parser.add_argument("--site", type=Path, help="a site folder already built with search")
    parser.add_argument("--queries", type=int, default=8)
    parser.add_argument("--workdir", type=Path,
                        help="where the site goes (default: a temporary folder, removed after)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsgen-search-latency-"))
    try:
        site = args.site or build_site(workdir, args.seeds)
        config = load_config(site / "site.toml")
        root = config.build.output_dir.resolve()
        if not (root / "pagefind").is_dir():
            raise SystemExit(f"{root} has no search index: build it with search first")
        traffic = Traffic()
        server = serve(root, traffic)
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        queries = pick_queries(config.build.seeds_dir, args.queries)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            for query in queries:
                context = browser.new_context()
                context.add_init_script(RECORDER)
                measure(context.new_page(), url, query, traffic)
                context.close()
            browser.close()
        server.shutdown()
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(site, queries)
    if args.json:
        args.json.write_text(json.dumps([vars(q) for q in queries], indent=2) + "\n")


if __name__ == "__main__":
    main()
