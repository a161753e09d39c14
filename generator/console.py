"""What newsgen prints about a build: the progress line, the summary, the problems."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from generator.build.result import BuildResult
from generator.errors import SourceError, report_order

_KINDS = (("article", "article"), ("topic", "topic page"), ("provider", "provider page"),
          ("home", "home page"))


class ProgressLine:
    """A one-line progress display on the terminal, shown only once a build passes 1 s."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < 1.0:
            return
        counts = f": {done:,}/{total:,}" if total else ""
        sys.stderr.write(f"\r\x1b[K{phase}{counts}")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


@contextmanager
def progress_line(quiet: bool) -> Iterator[ProgressLine | None]:
    """A progress line while the block runs, on a terminal and unless `quiet`; then cleared."""
    show = ProgressLine() if sys.stderr.isatty() and not quiet else None
    try:
        yield show
    finally:
        if show is not None:
            show.clear()


def print_build(result: BuildResult, out: TextIO | None = None, timings: bool = False) -> None:
    """After a build: the cache notice, the warnings and (with `timings`) the seconds of each
    phase on stderr, then the summary line on `out` (default: stdout)."""
    if result.notice:
        print(f"newsgen: {result.notice}", file=sys.stderr)
    print_problems(result.warnings)
    if timings:
        print("  ".join(f"{phase} {seconds:.2f} s" for phase, seconds in result.phases.items()),
              file=sys.stderr)
    print(summary_line(result), file=out or sys.stdout)


def summary_line(result: BuildResult) -> str:
    """`Built 1 article, 2 topic pages, ... in 0.21 s (0 errors, 1 warning).`"""
    parts = [_count(result.pages[kind], noun) for kind, noun in _KINDS]
    indexes = (result.pages["topics"] + result.pages["providers"] + result.pages["not_found"]
               + result.pages["search"])
    parts.append(_count(result.pages["archive"], "archive page"))
    parts.append(_count(indexes, "index page"))
    machine = sum(result.pages[kind] for kind in ("feed", "sitemap", "sitemap_index",
                                                  "news_sitemap", "robots"))
    parts.append(_count(machine, "feed and sitemap file"))
    work = (f"{result.rendered:,} rendered, {result.unchanged:,} unchanged, "
            f"{result.removed:,} removed")
    tail = f"0 errors, {_count(len(result.warnings), 'warning')}"
    if result.skipped_seeds:
        tail += f", {_count(result.skipped_seeds, 'invalid seed')} skipped"
    return f"Built {', '.join(parts)} in {result.seconds:.2f} s ({work}; {tail})."


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def print_problems(problems: list[SourceError]) -> None:
    for problem in sorted(problems, key=report_order):
        print(problem.format(), file=sys.stderr)
