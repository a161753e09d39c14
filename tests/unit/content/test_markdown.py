from __future__ import annotations

import os
import signal
import sys
import threading
import time
from html.parser import HTMLParser

import pytest

from generator.content import markdown
from generator.content.markdown import render_markdown


class Elements(HTMLParser):
    """The element names, attribute names and attribute values in some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.values.extend(value or "" for _, value in attrs)


def test_markdown_becomes_html_with_headings_below_the_page_title() -> None:
    html = render_markdown("# Head\n\nSome **bold** and a [link](https://example.org/).")
    assert html == (
        "<h2>Head</h2>\n<p>Some <strong>bold</strong> and a "
        '<a href="https://example.org/" rel="noopener noreferrer nofollow ugc">link</a>.</p>'
    )


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "\\<!--<img src onerror=alert(1)>-->",
    '<a href=" jav&#x09;ascript:alert(1)">x</a>',
    "<style>body{}</style>",
    "<form action=x><input></form>",
])
def test_raw_html_never_survives_as_markup(payload: str) -> None:
    parsed = Elements()
    parsed.feed(render_markdown(f"Text {payload} more"))
    assert parsed.tags <= {"p", "a"}
    assert all(not name.startswith("on") for name in parsed.attributes)
    assert all("script" not in value.lower() for value in parsed.values)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JAVASCRIPT:alert(1)",
                                  "data:text/html,x", "vbscript:x"])
def test_links_with_unsafe_schemes_lose_their_href(link: str) -> None:
    html = render_markdown(f"[click]({link})")
    assert "href" not in html and "click" in html


def test_images_in_a_body_are_dropped() -> None:
    assert "<img" not in render_markdown("![alt](https://example.org/a.png)")


def test_an_empty_body_is_empty_html() -> None:
    assert render_markdown("\n\n") == ""


@pytest.mark.parametrize("link", ["//evil.example/c", "https://user:pw@evil.example/d",
                                  "/relative/page", "#anchor"])
def test_links_that_are_not_plain_absolute_addresses_lose_their_href(link: str) -> None:
    assert "href" not in render_markdown(f"[x]({link})")


def test_a_mailto_link_is_kept() -> None:
    assert 'href="mailto:desk@example.org"' in render_markdown("[mail](mailto:desk@example.org)")


def test_a_paragraph_that_held_only_an_image_disappears() -> None:
    assert render_markdown("Text\n\n![alt](https://example.org/a.png)\n") == "<p>Text</p>"


def test_body_headings_start_at_h2_and_skip_no_level() -> None:
    html = render_markdown("## Two\n\ntext\n\n#### Four\n\ntext\n\n##### Five\n")
    assert [tag for tag in ("<h2>Two</h2>", "<h3>Four</h3>", "<h4>Five</h4>") if tag in html] == [
        "<h2>Two</h2>", "<h3>Four</h3>", "<h4>Five</h4>"]


def _rendered_at_depth(text: str, frames: int) -> str:
    return _rendered_at_depth(text, frames - 1) if frames else render_markdown(text)


@pytest.mark.parametrize("body", [
    "".join("\t" * depth + "- x\n" for depth in range(250)),
    "> " * 400 + "x",
    "- " * 600 + "x",
])
def test_nesting_too_deep_to_follow_converts_the_same_wherever_it_is_called_from(
        body: str) -> None:
    # Python-Markdown keeps markers as text 100 frames short of the recursion limit: a body
    # must not nest deeper in a worker with a short stack than in the parent with a long one.
    outputs = {_rendered_at_depth(body, frames) for frames in (0, 100, 400)}
    assert len(outputs) == 1
    html = outputs.pop()
    assert html.count("<ul>") + html.count("<blockquote>") > 200


def test_a_recursion_error_in_the_parser_is_reported_and_the_next_body_converts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def overflow(text: str) -> str:
        raise RecursionError

    limit = sys.getrecursionlimit()
    monkeypatch.setattr(markdown._CONVERTER, "convert", overflow)
    with pytest.raises(markdown.MarkdownTooDeep):
        render_markdown("- x")
    assert render_markdown("*x*") == "<p><em>x</em></p>"
    assert sys.getrecursionlimit() == limit


def test_a_worker_forked_while_another_thread_converts_can_convert() -> None:
    holding, release = threading.Event(), threading.Event()

    def convert_slowly() -> None:
        with markdown._CONVERTING:
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=convert_slowly)
    thread.start()
    holding.wait(10)
    child = os.fork()
    if child == 0:  # the lock's holder is not in the child
        os._exit(0 if render_markdown("*x*") == "<p><em>x</em></p>" else 1)
    try:
        deadline = time.monotonic() + 10
        while (waited := os.waitpid(child, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        if waited == (0, 0):
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        assert waited[0] == child and os.waitstatus_to_exitcode(waited[1]) == 0
    finally:
        release.set()
        thread.join()
