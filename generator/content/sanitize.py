"""Make untrusted text safe to embed in a page: HTML through an allow-list, data for <script>.

The only module that may mark text as safe (`Markup`); a test fails on `Markup(` or
`|safe` anywhere else. Pure: no I/O.
"""

from __future__ import annotations

import json

import nh3
from markupsafe import Markup

from generator.urls import safe_external_url

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


def sanitize_html(html: str) -> str:
    """Untrusted HTML cut down to nh3's allow-list: no script, style, svg, math, form,
    iframe or event attribute; links only to plain http(s) and mailto addresses."""
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


class SanitizedHtml(str):
    """HTML as `sanitized` made it: the sanitizer's output, sanitized once more. Only this
    module makes one, so a template can take it as markup without sanitizing it again."""

    __slots__ = ()


def sanitized(html: str) -> SanitizedHtml:
    """`html` through the allow-list twice: what `sanitized_markup` would make of it, done
    once where a body is converted rather than on each page that shows it."""
    return SanitizedHtml(sanitize_html(html))


def sanitized_markup(html: str) -> Markup:
    """HTML for a template: sanitized here (unless `sanitized` made it), so that nothing
    unsanitized can be marked safe."""
    return Markup(html if type(html) is SanitizedHtml else sanitize_html(html))


_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                   ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
"""Each character and its escape. None of the escapes holds a character escaped after
it, so replacing them one after the other is one pass of `str.translate`, and much
cheaper than it: `translate` looks every character up in a dict."""


def json_for_script(data: object) -> Markup:
    """JSON that cannot end or confuse the <script> element it sits in: `<`, `>`, `&`, `'`
    and the JavaScript line separators are escaped, so `</script>` or `<!--` in the data
    stays data. Keys are sorted so the output is deterministic."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for character, escape in _SCRIPT_ESCAPES:
        text = text.replace(character, escape)
    return Markup(text)


def json_document(data: object) -> Markup:
    """A whole JSON file (a JSON Feed): indented, key order kept, nothing escaped for HTML
    since it is not inside HTML."""
    return Markup(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
