"""Turn an untrusted Markdown body into sanitized HTML. Pure: reads no files.

Python-Markdown passes raw HTML through and never sanitizes, so raw HTML is switched off
in the parser and the output then goes through nh3 with a fixed allow-list. The extension
list is fixed and reviewed: none of them reads files (no snippets, includes or b64).
Images in bodies are dropped: a body image would be a request to another host, and the
article's `images` field is the one place images come from.
"""

from __future__ import annotations

import re

import markdown as python_markdown
import nh3

from generator.urls import safe_external_url

EXTENSIONS = ("markdown.extensions.tables", "markdown.extensions.fenced_code",
              "markdown.extensions.sane_lists", "markdown.extensions.smarty")
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "del", "em", "figcaption",
    "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "td": {"align"}, "th": {"align", "scope"},
    "abbr": {"title"}, "q": {"cite"}, "blockquote": {"cite"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
MAX_BODY_CHARS = 500_000


def render_markdown(text: str) -> str:
    """Sanitized HTML for `text`; headings start at h2 because the page title is the h1."""
    if not text.strip():
        return ""
    html = sanitize_html(_renumber_headings(_CONVERTER.reset().convert(text)))
    # Dropped body images leave empty paragraphs behind.
    return html.replace("<p></p>", "").strip()


def _converter() -> python_markdown.Markdown:
    converter = python_markdown.Markdown(extensions=list(EXTENSIONS), output_format="html")
    # Raw HTML is escaped as text rather than passed through; nh3 below is the second wall.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return converter


_CONVERTER = _converter()


def sanitize_html(html: str) -> str:
    """The only place where untrusted HTML becomes trusted: nh3's allow-list."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow ugc",
        strip_comments=True,
        attribute_filter=_keep_attribute,
    )


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """Links keep only plain absolute http(s) or mailto addresses: a relative link would
    point into our site, and `//host` or `user@host` ones are how spoofed links hide."""
    if attribute not in ("href", "cite"):
        return value
    if value.lower().startswith("mailto:"):
        return value
    return safe_external_url(value)


def _renumber_headings(html: str) -> str:
    """Body headings as h2, h3, ... in the order of their levels, with no level skipped: the
    page title is the only h1, and a skipped level confuses screen-reader navigation."""
    levels = sorted({int(level) for level in _HEADING.findall(html)})
    new_level = {level: min(2 + rank, 6) for rank, level in enumerate(levels)}
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{new_level[int(m.group(2))]}>", html)


_HEADING = re.compile(r"<h([1-6])>")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
