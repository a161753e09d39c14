"""Time and peak memory of loading each pathological seed (checklist L9), as a table.

Usage: python benchmarks/pathological.py [--json FILE]
Each case runs in its own process so its peak memory (ru_maxrss) is its own. Prints a
table; never asserts: the numbers are for the README and for review.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HEAD = ("---\npublishedDateTime: 2024-01-01T00:00:00Z\nwebUrl: https://example.com/a\n"
        "provider:\n  name: P\n")


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{','.join(['*' + previous] * 9)}]")
    return HEAD + "title: bomb\n" + "\n".join(lines) + "\n---\n"


def deep_nesting() -> str:
    return HEAD + "title: deep\nx: " + "[" * 10_000 + "]" * 10_000 + "\n---\n"


def huge_title() -> str:
    return HEAD + 'title: "' + "x" * 1_500_000 + '"\n---\n'


def many_topics() -> str:
    return HEAD + "title: t\ntopics:\n" + "".join(f"  - topic {i}\n" for i in range(10_000)) + \
        "---\n"


def fifty_megabytes() -> str:
    return HEAD + "title: big\n---\n" + ("word " * 10_000_000)


def bracket_body() -> str:
    return HEAD + "title: brackets\n---\n" + "[" * 65_000


def link_opener_body() -> str:
    # Still quadratic in Python-Markdown 3.11.4 (20,000 take about 100 s here).
    return HEAD + "title: link openers\n---\n" + "[a](" * 20_000


def emphasis_body() -> str:
    return HEAD + "title: emphasis\n---\n" + "*a **a " * 65_000


CASES: dict[str, Callable[[], str]] = {
    "alias bomb (9 levels of 9)": alias_bomb,
    "nesting 10,000 deep": deep_nesting,
    "1.5 MB title": huge_title,
    "10,000 topics": many_topics,
    "50 MB seed file": fifty_megabytes,
    "65,000 '[' in the body": bracket_body,
    "20,000 '[a](' in the body": link_opener_body,
    "65,000 '*a **a ' in the body": emphasis_body,
}

CHILD = """
import sys, tempfile, time, resource
from pathlib import Path
from zoneinfo import ZoneInfo
from benchmarks.pathological import CASES
from generator.config import LimitsSection
from generator.content.loader import load_seed
folder = tempfile.mkdtemp()
path = Path(folder) / "seed.txt"
path.write_text(CASES[sys.argv[1]](), encoding="utf-8")
started = time.perf_counter()
result = load_seed(path, ZoneInfo("UTC"), LimitsSection())
seconds = time.perf_counter() - started
outcome = "built" if result.article else "error: " + result.problems[0].message[:60]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
path.unlink()
print(f"{seconds:.3f}\\t{peak:.0f}\\t{outcome}")
"""


def run_case(name: str) -> tuple[float, float, str]:
    """Load one case in a fresh process; the text is made there, so the peak is its own."""
    done = subprocess.run([sys.executable, "-c", CHILD, name], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    seconds, peak, outcome = done.stdout.strip().split("\t", 2)
    return float(seconds), float(peak), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    print(f"{'case':32} {'seconds':>8} {'peak MB':>8}  outcome")
    for name in CASES:
        started = time.perf_counter()
        seconds, peak, outcome = run_case(name)
        rows.append({"case": name, "seconds": seconds, "peak_mb": peak, "outcome": outcome,
                     "wall_seconds": time.perf_counter() - started})
        print(f"{name:32} {seconds:8.3f} {peak:8.0f}  {outcome}")
    print("(peak MB is the whole process: Python and newsgen take about 30 MB of it, and the")
    print(" 50 MB case makes its 50 MB text in the same process before newsgen refuses it)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
