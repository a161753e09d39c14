"""What the search indexer reads of a page, so that a month of the search index is made
again only when that changed, not whenever its pages' bytes did (a designer's edit of
the article template's layout, a new related list in a sidebar).

Pagefind (1.5) reads of a page that marks its content with `data-pagefind-body`: that
element's markup; the page's `data-pagefind-*` attributes wherever they are; the `<html>`
element's `lang`; and, for the result's title and image when the content names none, the
page's first `<h1>` and first `<img>` wherever they are. `indexed_part` takes that, and
more: the `<title>`, every `<h1>` and every `<img>` outside the content, and the content's
comments. A page whose markup it cannot follow with certainty (no content element, one it
cannot find the end of, a `data-pagefind-` attribute outside the content, a raw-text or
foreign element in it, or a token it cannot read) is taken whole.
`tests/test_search_part.py` holds Pagefind to this reading.
"""

from __future__ import annotations

import hashlib
import re

_CONTENT = re.compile(
    rb"<(article|div|main|section)(?=[\s/>])[^<>]*?\sdata-pagefind-body(?=[\s=/>])[^<>]*>",
    re.IGNORECASE)
"""The start tag of an element marked as the content: only elements that a later tag
never ends implicitly."""
_ATTRIBUTES = rb"""(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"<]*"|'[^'<]*'|[^\s"'=<>`]+))?)*+"""
_TOKENS = re.compile(
    rb"(?:[^<]++"
    rb"|<!--(?!-?>)(?:(?!--!?>).)*?-->"
    rb"|</[a-zA-Z][a-zA-Z0-9-]*\s*>"
    rb"|<[a-zA-Z][a-zA-Z0-9-]*" + _ATTRIBUTES + rb"\s*/?>)*+",
    re.DOTALL)
"""Markup made of text, comments and tags whose attribute values hold no `<`: in it, a
`<` always begins a token these patterns see."""
_RAW_OR_FOREIGN = re.compile(
    rb"<(?:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext"
    rb"|template|svg|math)(?=[\s/>])", re.IGNORECASE)
"""Elements whose content is not markup as `_TOKENS` reads it."""
_OUTSIDE = re.compile(
    rb"<html(?=[\s>])[^>]*>|<title(?=[\s>]).*?(?:</title\s*>|\Z)|<h1(?=[\s>]).*?(?:</h1\s*>|\Z)"
    rb"|<img(?=[\s/>])[^>]*>", re.IGNORECASE | re.DOTALL)
"""What of the rest of a page goes with its content: an element left open takes the rest."""
_BODY = b"data-pagefind-body"
_MARK = re.compile(rb"data-pagefind-", re.IGNORECASE)


def indexed_part(page: bytes) -> bytes:
    """The parts of an HTML page that the search indexer may read (see the module)."""
    contents: list[bytes] = []
    outside: list[bytes] = []
    start = 0
    at = page.find(_BODY)
    while at != -1:
        opened = page.rfind(b"<", start, at)
        tag = _CONTENT.match(page, opened) if opened != -1 else None
        if tag is None or tag.end() <= at:  # the mark is not in a content tag it can follow
            return page
        end = _end_of(page, tag)
        if end is None:
            return page
        content = page[opened:end]
        if _RAW_OR_FOREIGN.search(content) or _TOKENS.fullmatch(content) is None:
            return page
        outside.append(page[start:opened])
        contents.append(content)
        start = end
        at = page.find(_BODY, start)
    outside.append(page[start:])
    rest = b"".join(outside)
    if not contents or _MARK.search(rest):
        return page
    parts = [*contents, b"", *_OUTSIDE.findall(rest)]
    return b"".join(b"%d:%s" % (len(part), part) for part in parts)


def indexed_digest(page: bytes) -> str:
    """A digest of `indexed_part(page)`."""
    return hashlib.sha256(indexed_part(page)).hexdigest()


def _end_of(page: bytes, start_tag: re.Match[bytes]) -> int | None:
    """Where the element whose start tag this is ends (after its end tag): the first of
    its end tags that closes as many of its start tags as came before, comments skipped.
    None when it has none."""
    name = start_tag.group(1)
    tags = re.compile(rb"<!--.*?-->|<(/?)" + re.escape(name) + rb"(?=[\s/>])[^>]*>",
                      re.IGNORECASE | re.DOTALL)
    depth = 1
    for tag in tags.finditer(page, start_tag.end()):
        if tag.group(1) is None:  # a comment
            continue
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return None
