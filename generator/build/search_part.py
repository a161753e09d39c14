"""What the search indexer reads of a page, so that a month of the search index is made
again only when that changed, not whenever its pages' bytes did (a designer's edit of a
page's `<head>`, its classes or its links).

Pagefind (1.5) reads, of a page that marks its content with `data-pagefind-body`: that
element's markup; the text that its ancestors hold after it; the page's
`data-pagefind-*` attributes wherever they are; the `<html>` element's `lang`; and, for
a result's title and image when the content names none, the page's first `<h1>`, its
`<title>` and the first `<img>` after the title, wherever they are. `indexed_part` keeps
the content whole, and of the whole page every tag's name and all the text between them,
in order, with the `<html>` and `<img>` tags whole: it leaves out comments, scripts,
styles, `<meta>`, `<link>` and `<base>` tags and the attributes of other tags, which none
of that reads. A page whose markup
it cannot follow with certainty is taken whole: no content element, one it cannot find
the end of, a `data-pagefind-` attribute outside it or in a comment or script, an
element whose content is not markup (a textarea, a template, SVG), a `<` inside an
attribute value or a title, or any other `<` that begins no tag it reads.
`tests/test_search_part.py` holds Pagefind to this reading.
"""

from __future__ import annotations

import hashlib
import re

_SPACE = rb"[ \t\n\f\r]"
_ATTRIBUTE_LIST = (rb"(?:" + _SPACE + rb"+[^ \t\n\f\r\"'<>/=]+(?:" + _SPACE + rb"*=" + _SPACE
                   + rb"*(?:\"[^\"<]*\"|'[^'<]*'|[^ \t\n\f\r\"'=<>`]+))?)*+")
"""A start tag's attributes, where no value holds a `<`."""
_ATTRIBUTES = _ATTRIBUTE_LIST + _SPACE + rb"*/?>"


def _raw_text(name: bytes) -> bytes:
    """An element of this name whose text holds no `<!--` and no tag of the name."""
    tag = rb"(?i:" + name + rb")"
    return (rb"<" + tag + rb"(?=[ \t\n\f\r/>])" + _ATTRIBUTES + rb"[^<]*+(?:<(?!/?" + tag
            + rb"[ \t\n\f\r/>]|!--)[^<]*+)*+</" + tag + _SPACE + rb"*>")


_HIDDEN = re.compile(rb"<!--(?!-?>)(?:(?!--!?>).)*?-->|" + _raw_text(b"script") + rb"|"
                     + _raw_text(b"style") + rb"|<(?i:meta|link|base)(?=[ \t\n\f\r/>])"
                     + _ATTRIBUTES, re.DOTALL)
"""Comments, scripts, styles, and the tags of `<head>` that hold no text: what no indexer
reads the text of. (In one pattern, so that whichever starts first is taken whole, as an
HTML parser does.)"""
_TAG = re.compile(rb"(</?[a-zA-Z][a-zA-Z0-9-]*|<!(?i:doctype))" + _ATTRIBUTES)
"""A tag (or the doctype) whose attribute values hold no `<`; `re.split` keeps its name,
not its attributes."""
_KEPT = re.compile(rb"<(?:[hH][tT][mM][lL]|[iI][mM][gG])(?=[ \t\n\f\r/>])" + _ATTRIBUTES)
"""The tags whose attributes the indexer reads outside the content: `lang`, an image."""
_CONTENT = re.compile(
    rb"<((?i:article|div|main|section))(?=[ \t\n\f\r/>])[^<>]*?" + _SPACE
    + rb"data-pagefind-body(?=[ \t\n\f\r=/>])[^<>]*>")
"""The start tag of an element marked as the content: only elements that a later tag
never ends implicitly."""
_NOT_MARKUP = re.compile(rb"<(?:!--|/?script|/?style|textarea|xmp|iframe|noembed|noframes"
                         rb"|noscript|plaintext|template|svg|math)")
"""In lower case, what may begin text that is no markup (a comment or a script left, as
their patterns did not take them whole)."""
_BODY = b"data-pagefind-body"
_MARK = b"data-pagefind-"


def indexed_part(page: bytes) -> bytes:
    """The parts of an HTML page that the search indexer may read (see the module)."""
    if _BODY not in page or b"\0" in page:
        return page
    markup = _HIDDEN.sub(b"", page)
    lower = markup.lower()
    if _NOT_MARKUP.search(lower) or not _plain_titles(lower) or \
            lower.count(_MARK) != page.lower().count(_MARK):  # a mark hidden
        return page
    pieces = _TAG.split(markup)
    if len(pieces) != 2 * markup.count(b"<") + 1:  # a `<` that begins no tag it reads
        return page
    contents: list[bytes] = []
    start = 0
    at = markup.find(_BODY)
    while at != -1:
        opened = markup.rfind(b"<", start, at)
        tag = _CONTENT.match(markup, opened) if opened != -1 else None
        if tag is None or tag.end() <= at:  # the mark is not in a content tag it can follow
            return page
        end = _end_of(markup, tag)
        if end is None or _MARK in lower[start:opened]:
            return page
        contents.append(markup[opened:end])
        start = end
        at = markup.find(_BODY, start)
    if _MARK in lower[start:]:
        return page
    # The contents, then every tag's name and the text between them (the `<`s say where
    # the contents were), then the tags whose attributes count.
    parts = [*contents, b"\0".join(pieces), *_KEPT.findall(markup)]
    return b"".join(b"%d:%s" % (len(part), part) for part in parts)


def indexed_digest(page: bytes) -> str:
    """A digest of `indexed_part(page)`."""
    return hashlib.sha256(indexed_part(page)).hexdigest()


def _plain_titles(lower: bytes) -> bool:
    """Whether every `<title>` holds text alone (it is read as text, tags and all)."""
    at = lower.find(b"<title")
    while at != -1:
        text = lower.find(b">", at) + 1
        if not lower.startswith(b"</title", lower.find(b"<", text)):
            return False
        at = lower.find(b"<title", text)
    return True


def _end_of(markup: bytes, start_tag: re.Match[bytes]) -> int | None:
    """Where the element whose start tag this is ends (after its end tag) in markup of
    tags and text alone: the first of its end tags that closes as many of its start tags
    as came before. None when it has none."""
    tags = re.compile(rb"<(/?)" + re.escape(start_tag.group(1)) + rb"(?=[ \t\n\f\r/>])",
                      re.IGNORECASE)
    depth = 1
    for tag in tags.finditer(markup, start_tag.end()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return markup.index(b">", tag.end()) + 1
    return None
