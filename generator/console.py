"""What newsgen prints about a build: the progress line, the summary, the problems."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Literal, TextIO

from generator.build.result import BuildResult
from generator.errors import SourceError, display_path, report_order

ProblemFormat = Literal["text", "github", "json"]
PROBLEM_FORMATS: tuple[ProblemFormat, ...] = ("text", "github", "json")

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
    line = f"Built {', '.join(parts)} in {result.seconds:.2f} s ({work}; {tail})."
    schedule = result.schedule
    if schedule is not None and schedule.until is not None:
        count = len(schedule.scheduled)
        line += (f" {count:,} {'story is' if count == 1 else 'stories are'} scheduled; the "
                 f"next is due {schedule.until.astimezone(UTC):%Y-%m-%d %H:%M} UTC.")
    return line


def checked_line(problems: list[SourceError], seeds: int | None, templates: int = 0) -> str:
    """`Checked 12 seeds and 9 templates: 0 errors, 1 warning.` (templates only when some
    were rendered); `Checked the config: …` when `seeds` is None (it stopped there)."""
    errors = sum(problem.severity == "error" for problem in problems)
    what = "the config" if seeds is None else _count(seeds, "seed") + (
        f" and {_count(templates, 'template')}" if templates else "")
    return (f"Checked {what}: {_count(errors, 'error')}, "
            f"{_count(len(problems) - errors, 'warning')}.")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def print_problems(problems: list[SourceError], form: ProblemFormat = "text") -> None:
    """Each problem in file order: as text on stderr, or for a machine on stdout (see
    `problem_line`)."""
    out = sys.stderr if form == "text" else sys.stdout
    for problem in sorted(problems, key=report_order):
        print(problem_line(problem, form), file=out)


def problem_line(problem: SourceError, form: ProblemFormat) -> str:
    """`text`: `path:line:col: error: message` and a hint line. `github`: a workflow
    command (`::error file=…,line=…,col=…::message`) that GitHub Actions shows on the pull
    request's line. `json`: one object on one line."""
    if form == "text":
        return problem.format()
    path = display_path(problem.path)
    if form == "json":
        return json.dumps({"file": path, "line": problem.line, "column": problem.column,
                           "severity": problem.severity, "kind": problem.kind,
                           "message": problem.message, "hint": problem.hint},
                          ensure_ascii=False)
    where = [f"file={_property(path)}"]
    if problem.line:
        where += [f"line={problem.line}", f"col={problem.column}"]
    message = problem.message + (f"\nhint: {problem.hint}" if problem.hint else "")
    return f"::{problem.severity} {','.join(where)}::{_data(message)}"


def _data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's runner reads it back."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
