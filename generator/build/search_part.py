"""What the search indexer reads of a page, so that a month of the search index is made
again only when that changed, not whenever its pages' bytes did (a designer's edit of a
page's `<head>`, its classes or its links).

Pagefind (1.5) reads, of a page that marks its content with `data-pagefind-body`: that
element's markup; the text that its ancestors hold after it; the page's
`data-pagefind-*` attributes wherever they are; the `<html>` element's `lang`; and, for
a result's title and image when the content names none, the page's first `<h1>`, its
`<title>` and the first `<img>` after the title, wherever they are. `indexed_part` keeps
the content's bytes whole, and of the whole page every tag's name and all the text
between them, in order, with the `<html>` and `<img>` tags whole: it leaves out
comments, scripts, styles, `<meta>`, `<link>` and `<base>` tags, and the attributes of
other tags, none of which that reads outside the content, and outside it takes each run
of white space (or a line break) as one space, as Pagefind does. It reads the page once,
as an HTML parser does (a comment begins only where a tag could). A page whose markup it
cannot follow with certainty is taken whole: no content element, one it cannot find the
end of, a `data-pagefind-` attribute outside it or in what it leaves out, an element
whose content is not markup (a textarea, a template, SVG, a title holding a `<`), a `<`
in an attribute value, a comment or script that does not end, or any other `<` that
begins no tag it reads.
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


_HIDDEN = (rb"<!--(?!-?>)(?:[^-]++|-(?!-!?>))*+-->|" + _raw_text(b"script") + rb"|"
           + _raw_text(b"style") + rb"|<(?i:meta|link|base)(?=[ \t\n\f\r/>])" + _ATTRIBUTES)
"""Comments, scripts, styles, and the tags of `<head>` that hold no text: what no indexer
reads the text of."""
_TOKENS = re.compile(rb"(?=<)(?:(" + _HIDDEN + rb")|(</?[a-zA-Z][a-zA-Z0-9-]*|<!(?i:doctype))"
                     + _ATTRIBUTES + rb")")
"""What `_HIDDEN` leaves out, or a tag (or the doctype) whose attribute values hold no `<`,
whichever begins first, as an HTML parser reads them: `re.split` keeps the hidden text
and a tag's name (not its attributes) apart."""
_KEPT_TAG = rb"<(?:[hH][tT][mM][lL]|[iI][mM][gG])(?=[ \t\n\f\r/>])" + _ATTRIBUTES
_KEPT = re.compile(rb"(?=<)(?:" + _HIDDEN + rb"|(" + _KEPT_TAG + rb"))")
"""The tags whose attributes the indexer reads outside the content (`lang`, an image), not
in hidden text: `findall` gives "" for each of that."""
_KEPT_TAGS = re.compile(_KEPT_TAG)
"""The same tags, in a page whose hidden text holds no `<html` or `<img`: then none is in
hidden text. Ten times quicker: it begins with a `<`, which the engine looks for in one
pass, where `_KEPT` is tried at every position."""
_RAW_AS_TAG = (b"\0<script\0", b"\0</script\0", b"\0<style\0", b"\0</style\0")
"""Among the lower-case names of the tags `_TOKENS` read: a script or style whose text
`_HIDDEN` could not take whole (it holds a `<!--`), and so read as markup."""
_CONTENT = re.compile(
    rb"<((?i:article|div|main|section))(?=[ \t\n\f\r/>])[^<>]*?" + _SPACE
    + rb"data-pagefind-body(?=[ \t\n\f\r=/>])[^<>]*>")
"""The start tag of an element marked as the content: only elements that a later tag
never ends implicitly."""
_ENDS = {name: re.compile(rb"(?:" + _HIDDEN + rb")|<(/?)" + name + rb"(?=[ \t\n\f\r/>])",
                          re.IGNORECASE)
         for name in (b"article", b"div", b"main", b"section")}
"""For each element `_CONTENT` takes, its tags, in any case, or hidden text."""
_NOT_MARKUP = re.compile(rb"<(?:textarea|xmp|iframe|noembed|noframes|noscript|plaintext"
                         rb"|template|svg|math)")
"""In lower case: elements whose content is not markup as `_TOKENS` reads it."""
_SPACES = re.compile(rb"[ \t\n\f\r](?:[ \t\n\f\r]+|(?<=\n))")
"""What Pagefind makes one space of in a title: runs of white space, and a line break (a
lone tab, say, stays). Written to begin with a set of characters, which the regex engine
looks for in one pass: `[ \t\n\f\r]{2,}|\n`, the same matches, is tried at every
position (a third of the time it takes to read a page)."""
_BODY = b"data-pagefind-body"
_MARK = b"data-pagefind-"


def indexed_part(page: bytes) -> bytes:
    """The parts of an HTML page that the search indexer may read (see the module)."""
    if _BODY not in page or b"\0" in page or b"\1" in page:
        return page
    lower = page.lower()
    if _NOT_MARKUP.search(lower) or not _plain_titles(lower) or not _closed(lower):
        return page
    pieces = _TOKENS.split(page)  # text, hidden text or None, a tag's name or None, ...
    hidden = b"".join(filter(None, pieces[1::3])).lower()
    names = b"\0" + b"\0".join(filter(None, pieces[2::3])).lower() + b"\0"
    if b"<" in b"".join(pieces[::3]) or _MARK in hidden or \
            any(name in names for name in _RAW_AS_TAG):
        return page  # a `<` begins no token, a mark is hidden, or raw text read as markup
    del pieces[1::3]
    pieces[1::2] = [name or b"\1" for name in pieces[1::2]]  # \1: hidden text was here
    contents: list[bytes] = []
    start = 0
    at = page.find(_BODY)
    while at != -1:
        opened = page.rfind(b"<", start, at)
        tag = _CONTENT.match(page, opened) if opened != -1 else None
        if tag is None or tag.end() <= at:  # the mark is not in a content tag it can follow
            return page
        end = _end_of(page, tag)
        if end is None or _MARK in lower[start:opened]:
            return page
        contents.append(page[opened:end])
        start = end
        at = page.find(_BODY, start)
    if _MARK in lower[start:]:
        return page
    # The contents, then every tag's name and the text between them (the `<`s say where
    # the contents were), then the tags whose attributes count. Text that hidden text
    # split is one again, and its runs of white space one space: the indexer reads the
    # text outside the content with its white space made one so.
    bare = _SPACES.sub(b" ", b"\0".join(pieces).replace(b"\0\1\0", b""))
    kept = (_KEPT_TAGS.findall(page) if b"<html" not in hidden and b"<img" not in hidden
            else filter(None, _KEPT.findall(page)))
    parts = [*contents, bare, *kept]
    return b"".join(b"%d:%s" % (len(part), part) for part in parts)


def indexed_digest(page: bytes) -> str:
    """A digest of `indexed_part(page)`, and of whether that is the page taken whole: a
    page is never taken for another page's part."""
    part = indexed_part(page)
    return hashlib.sha256((b"whole\0" if part is page else b"part\0") + part).hexdigest()


def _plain_titles(lower: bytes) -> bool:
    """Whether every `<title>` holds text alone (it is read as text, comments and all)."""
    at = lower.find(b"<title")
    while at != -1:
        text = lower.find(b">", at) + 1
        if not text or not lower.startswith(b"</title", lower.find(b"<", text)):
            return False
        at = lower.find(b"<title", text)
    return True


def _closed(lower: bytes) -> bool:
    """Whether every comment, script and style may end: one that cannot would make
    `_TOKENS` look for its end from each of its beginnings."""
    return (lower.count(b"<!--") <= lower.count(b"-->")
            and lower.count(b"<script") <= lower.count(b"</script")
            and lower.count(b"<style") <= lower.count(b"</style"))


def _end_of(page: bytes, start_tag: re.Match[bytes]) -> int | None:
    """Where the element whose start tag this is ends (after its end tag), in a page where
    every `<` begins a token of `_TOKENS`: the first of its end tags that closes as many of
    its start tags as came before, hidden text skipped. None when it has none."""
    depth = 1
    for tag in _ENDS[start_tag.group(1).lower()].finditer(page, start_tag.end()):
        if tag.group(1) is None:  # hidden text
            continue
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page.index(b">", tag.end()) + 1
    return None
