"""Turn an untrusted Markdown body into sanitized HTML. Pure: reads no files.

Python-Markdown passes raw HTML through and never sanitizes, so raw HTML is switched off
in the parser and the output then goes through the sanitizer's allow-list. The extension
list is fixed and reviewed: none of them reads files (no snippets, includes or b64).
Images in bodies are dropped: a body image would be a request to another host, and the
article's `images` field is the one place images come from.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import markdown as python_markdown
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension

from generator.content.sanitize import SanitizedHtml, sanitize_html, sanitized

# Not smarty: it doubles the conversion time and rewrites quotes inside escaped HTML text.
# Given as classes, not names: for a name Python-Markdown first looks through the entry
# points of every installed package, a tenth of a second at each start.
EXTENSIONS = (TableExtension, FencedCodeExtension, SaneListExtension)


class MarkdownTooSlow(Exception):
    """Converting a body took longer than its time limit."""


class MarkdownTooDeep(Exception):
    """A body nests lists or quotes deeper than the Markdown parser can follow. Since
    Python-Markdown 3.11.4 keeps what it cannot nest as text, no known body raises it; it
    stays as the wall behind that."""


def render_markdown(text: str, seconds: float = 0.0) -> SanitizedHtml:
    """Sanitized HTML for `text`; headings start at h2 because the page title is the h1.

    Python-Markdown is quadratic on some inputs (20,000 `[a](` take minutes), so with `seconds`
    the conversion is interrupted after that long and MarkdownTooSlow is raised. The limit
    needs the main thread (it uses a timer signal); elsewhere the body converts unbounded.
    """
    if not text.strip():
        return SanitizedHtml()
    try:
        with _fixed_stack_budget(), _time_limit(seconds):
            converted = _CONVERTER.reset().convert(text)
    except RecursionError:
        _reset_converter()
        raise MarkdownTooDeep from None
    html = sanitize_html(_renumber_headings(converted))
    # Dropped body images leave empty paragraphs behind. The result is sanitized once more
    # here, not on each page that shows it (see `sanitized_markup`).
    return sanitized(html.replace("<p></p>", "").strip())


def _converter() -> python_markdown.Markdown:
    converter = python_markdown.Markdown(extensions=[extension() for extension in EXTENSIONS],
                                          output_format="html")
    # Raw HTML is escaped as text rather than passed through; nh3 below is the second wall.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return converter


_CONVERTER = _converter()


def _reset_converter() -> None:
    global _CONVERTER
    _CONVERTER = _converter()


# Python-Markdown (3.11.4 on) stops nesting lists and quotes 100 frames short of the recursion
# limit and keeps deeper markers as text. How deep a body nests would then depend on how deep
# the stack already was (a worker, the parent, a test), so each conversion gets the same number
# of frames, counted from where it starts. The limit is only ever raised: lowering it under
# a deeper thread would abort the process. newsgen never raises it itself, so the budget is
# the same everywhere unless a program that embeds newsgen raised it past the budget.
_STACK_BUDGET = 1000
_CONVERTING = threading.Lock()  # the recursion limit is the process's, not the thread's


def _new_lock() -> None:
    global _CONVERTING
    _CONVERTING = threading.Lock()  # a fork keeps only the forking thread: no holder is left


os.register_at_fork(after_in_child=_new_lock)


@contextmanager
def _fixed_stack_budget() -> Iterator[None]:
    with _CONVERTING:
        previous = sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous, _stack_depth() + _STACK_BUDGET))
        try:
            yield
        finally:
            sys.setrecursionlimit(previous)


def _stack_depth() -> int:
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise MarkdownTooSlow

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except MarkdownTooSlow:
        _reset_converter()  # interrupted midway: its state is not to be trusted
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _renumber_headings(html: str) -> str:
    """Body headings as h2, h3, ... in the order of their levels, with no level skipped: the
    page title is the only h1, and a skipped level confuses screen-reader navigation."""
    levels = sorted({int(level) for level in _HEADING.findall(html)})
    new_level = {level: min(2 + rank, 6) for rank, level in enumerate(levels)}
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{new_level[int(m.group(2))]}>", html)


_HEADING = re.compile(r"<h([1-6])>")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
