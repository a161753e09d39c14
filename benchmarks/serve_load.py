"""Load-test `newsgen serve`: concurrent keep-alive GETs while the site keeps rebuilding.

Usage: python benchmarks/serve_load.py [--clients 20] [--requests 10000] [--seeds 1000]
       [--jobs 2] [--interval 0.5] [--workdir DIR] [--json FILE]

On a generated site of --seeds seeds (benchmarks/corpus.py) served by `newsgen serve`,
--clients threads, each with one keep-alive http.client connection, make --requests GETs
in all over a fixed mix of URLs: home pages, topic and provider pages and their indexes,
articles, /style.css and a few missing pages. Meanwhile a thread edits a seed every
--interval seconds, alternating a title change of one seed (appending or removing `!`
marks, which keeps its URL; temp file + os.replace) with a change of another that
alters no page (a trailing blank line added or removed, written in place), so the
server rebuilds and swaps its output again and again under the load.

Every response is checked: the status is 200 (404 for the missing pages), Content-Length
equals the body's length, an HTML body starts with <!DOCTYPE html>, ends with </html>
(after stripping whitespace) and holds exactly one `<script src="/livereload.js"`, and
/style.css is byte for byte the built file. Prints totals, latency percentiles per kind
of URL and the problems found; nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serve_latency import (  # noqa: E402
    ANY_REBUILD,
    REBUILD,
    TimedServer,
    atomic_write,
    find_article,
    generated_site,
    with_title,
)

MIX = {"home": 10, "topics": 15, "providers": 15, "article": 45, "style.css": 10, "missing": 5}
MISSING = ["/no-such-page/", "/2023/01/01/no-such-article/", "/topics/no-such-topic/",
           "/providers/no-such-provider/", "/style.cs", "/images/none.png"]
RELOAD_SCRIPT = b'<script src="/livereload.js"'


@dataclass
class Outcome:
    """What one client saw."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    problems: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    partial: int = 0
    overlays: int = 0
    reconnects: int = 0
    bad: int = 0
    """Responses with at least one problem (or no response at all)."""


def site_urls(output: Path) -> dict[str, list[str]]:
    """The site paths of the built site, by kind."""
    urls: dict[str, list[str]] = {kind: [] for kind in MIX}
    for page in sorted(output.rglob("index.html")):
        relative = page.parent.relative_to(output).as_posix()
        path = "/" if relative == "." else f"/{relative}/"
        first = path.split("/")[1]
        if path == "/" or first == "page":
            urls["home"].append(path)
        elif first in ("topics", "providers"):
            urls[first].append(path)
        elif first.isdigit():
            urls["article"].append(path)
    urls["style.css"] = ["/style.css"]
    urls["missing"] = list(MISSING)
    return urls


def plan(urls: dict[str, list[str]], requests: int, clients: int) -> list[list[tuple[str, str]]]:
    """Each client's (kind, path) list; the same arguments give the same plan."""
    rng = random.Random(1)
    kinds, weights = list(MIX), list(MIX.values())
    every = [(kind, rng.choice(urls[kind]))
             for kind in rng.choices(kinds, weights=weights, k=requests)]
    return [every[i::clients] for i in range(clients)]


def check(kind: str, response: http.client.HTTPResponse, body: bytes, css: bytes,
          outcome: Outcome) -> list[str]:
    problems = []
    wanted = 404 if kind == "missing" else 200
    if response.status != wanted:
        problems.append(f"status {response.status} (wanted {wanted})")
    length = response.getheader("Content-Length")
    if length is None or int(length) != len(body):
        problems.append(f"Content-Length {length} but {len(body)} bytes")
    content_type = response.getheader("Content-Type") or ""
    if content_type.startswith("text/html"):
        text = body.strip()
        if not text.endswith(b"</html>") or text[:15].lower() != b"<!doctype html>":
            problems.append("partial HTML page")
            outcome.partial += 1
        scripts = body.count(RELOAD_SCRIPT)
        if scripts != 1:
            problems.append(f"{scripts} livereload scripts")
        if b'id="newsgen-build-errors"' in body:
            outcome.overlays += 1
    elif kind == "style.css":
        if body != css:
            problems.append("style.css differs from the built file")
    else:
        problems.append(f"Content-Type {content_type!r}")
    return problems


def client(host: str, port: int, work: list[tuple[str, str]], css: bytes,
           start: threading.Barrier, outcome: Outcome) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    start.wait()
    for kind, path in work:
        began = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            problems = [f"{type(exc).__name__}: {exc}"]
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
            outcome.reconnects += 1
        else:
            outcome.latencies.setdefault(kind, []).append(time.perf_counter() - began)
            problems = check(kind, response, body, css, outcome)
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
                outcome.reconnects += 1
        if problems:
            outcome.bad += 1
            for problem in problems:
                outcome.problems[problem.split(" (")[0] if "status" in problem
                                 else problem] += 1
            if len(outcome.samples) < 5:
                outcome.samples.append(f"GET {path}: {'; '.join(problems)}")
    connection.close()


class Editor(threading.Thread):
    """Edits a seed every `interval` seconds until stopped: a title change of `titled`
    (atomic) and a no-page change of `other` (in place), by turns."""

    def __init__(self, titled: Path, title: str, other: Path, interval: float) -> None:
        super().__init__(name="editor", daemon=True)
        self.titled, self.title, self.other, self.interval = titled, title, other, interval
        self.titled_text = titled.read_text(encoding="utf-8")
        self.other_text = other.read_text(encoding="utf-8")
        self.stop_event = threading.Event()
        self.edits: list[float] = []

    def run(self) -> None:
        if self.interval <= 0:
            return  # --interval 0: no edits, for a baseline
        turn = 0
        while not self.stop_event.wait(0 if turn == 0 else self.interval):
            if turn % 2 == 0:
                title = f"{self.title} {'!' * (turn // 2 % 3 + 1)}"
                atomic_write(self.titled, with_title(self.titled_text, title))
            else:
                extra = "\n" if turn // 2 % 2 == 0 else ""
                with self.other.open("w", encoding="utf-8") as file:
                    file.write(self.other_text + extra)
            self.edits.append(time.perf_counter())
            turn += 1

    def restore(self) -> None:
        self.stop_event.set()
        self.join()
        atomic_write(self.titled, self.titled_text)
        atomic_write(self.other, self.other_text)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    print(f"writing {args.seeds:,} seeds and starting newsgen serve ...", file=sys.stderr)
    site = generated_site(workdir, args.seeds)
    server = TimedServer(site, "--jobs", str(args.jobs), start_timeout=args.start_timeout)
    try:
        output = site / "public"
        urls = site_urls(output)
        css = (output / "style.css").read_bytes()
        titled, title, _ = find_article(site)
        other = next(p for p in sorted((site / "seeds").glob("*.txt")) if p != titled)
        work = plan(urls, args.requests, args.clients)
        outcomes = [Outcome() for _ in work]
        start = threading.Barrier(len(work) + 1)
        threads = [threading.Thread(target=client, args=(
            "127.0.0.1", server.port, items, css, start, outcome), name=f"client-{i}")
            for i, (items, outcome) in enumerate(zip(work, outcomes, strict=True))]
        for thread in threads:
            thread.start()
        editor = Editor(titled, title, other, args.interval)
        server.drain()
        before = len(server.arrivals)
        editor.start()
        if args.interval > 0:
            time.sleep(args.warmup)  # let the first edit's rebuild get going
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        ended = time.perf_counter()
        editor.restore()
        # Let the last rebuild (the restore's) finish, so its line can be counted as after.
        try:
            while True:
                server.wait_for_line(ANY_REBUILD, timeout=3 + 2 * max(args.interval, 0))
        except AssertionError:
            pass
    finally:
        server.stop()
    rebuilds = []  # (started, ended, pages, seconds) of every rebuild since the first edit
    failed = 0
    for at, line in server.arrivals[before:]:
        match = REBUILD.match(line)
        if match:
            seconds = float(match.group("seconds"))
            rebuilds.append((at - seconds, at, int(match.group("pages").replace(",", "")),
                             seconds))
        elif "build failed" in line:
            failed += 1
    during = [r for r in rebuilds if r[0] < ended and r[1] > began]
    latencies: dict[str, list[float]] = {}
    for outcome in outcomes:
        for kind, values in outcome.latencies.items():
            latencies.setdefault(kind, []).extend(values)
    everything = [v for values in latencies.values() for v in values]
    problems: Counter[str] = Counter()
    for outcome in outcomes:
        problems.update(outcome.problems)
    return {
        "seeds": args.seeds, "clients": args.clients, "requests": args.requests,
        "errors": sum(o.bad for o in outcomes), "partial": sum(o.partial for o in outcomes),
        "overlays": sum(o.overlays for o in outcomes),
        "reconnects": sum(o.reconnects for o in outcomes),
        "seconds": ended - began, "p50": percentile(everything, 0.5),
        "p99": percentile(everything, 0.99), "max": max(everything, default=float("nan")),
        "by_kind": {kind: {"count": len(values), "p50": percentile(values, 0.5),
                           "p99": percentile(values, 0.99), "max": max(values)}
                    for kind, values in sorted(latencies.items())},
        "edits": len(editor.edits),
        "rebuilds_during": len(during), "failed_builds": failed,
        "rebuild_seconds": statistics.median([r[3] for r in during]) if during else 0.0,
        "rebuild_busy": sum(min(r[1], ended) - max(r[0], began) for r in during),
        "pages_rewritten": [r[2] for r in during],
        "problems": dict(problems.most_common()),
        "samples": [s for o in outcomes for s in o.samples][:10],
    }


def print_report(r: dict[str, object]) -> None:
    seconds = float(r["seconds"])  # type: ignore[arg-type]
    requests = int(r["requests"])  # type: ignore[call-overload]
    print(f"{'seeds':>6} {'clients':>7} {'requests':>8} {'errors':>6} {'partial':>7} "
          f"{'seconds':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'rebuilds':>8} {'edits':>5}")
    print(f"{r['seeds']:>6,} {r['clients']:>7} {requests:>8,} {r['errors']:>6} "
          f"{r['partial']:>7} {seconds:>8.2f} {requests / seconds:>7.0f} "
          f"{float(r['p50']) * 1000:>7.1f} {float(r['p99']) * 1000:>7.1f} "  # type: ignore[arg-type]
          f"{float(r['max']) * 1000:>7.1f} {r['rebuilds_during']:>8} {r['edits']:>5}")
    print("errors: responses failing any check (or none at all); partial: HTML pages cut "
          "short; rebuilds: rebuilds that overlapped the run; edits: seed saves made.")
    print()
    print(f"{'kind':<10} {'count':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for kind, row in r["by_kind"].items():  # type: ignore[attr-defined]
        print(f"{kind:<10} {row['count']:>6} {row['p50'] * 1000:>7.1f} "
              f"{row['p99'] * 1000:>7.1f} {row['max'] * 1000:>7.1f}")
    print()
    print(f"rebuilds during the run: {r['rebuilds_during']} (median {r['rebuild_seconds']:.2f} s, "
          f"busy {r['rebuild_busy']:.1f} s of {seconds:.1f} s; pages rewritten "
          f"{r['pages_rewritten']}); failed builds: {r['failed_builds']}; error overlays "
          f"served: {r['overlays']}; reconnects: {r['reconnects']}")
    if r["problems"]:
        print("problems:", json.dumps(r["problems"]))
        for sample in r["samples"]:  # type: ignore[attr-defined]
            print("  e.g.", sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=1_000)
    parser.add_argument("--jobs", type=int, default=2, help="newsgen serve --jobs")
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between seed edits during the run (0: no edits)")
    parser.add_argument("--warmup", type=float, default=0.3,
                        help="seconds between the first edit and the first request")
    parser.add_argument("--start-timeout", type=float, default=300)
    parser.add_argument("--workdir", type=Path,
                        help="where the site goes (default: a temporary folder, removed after)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsgen-serve-load-"))
    try:
        result = run(args, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
