"""What the search indexer reads of a page (`build.search_part`): the content element
whole, and of the rest its text, its tags' names, its `<html>` and `<img>` tags, in
order; the whole page whenever the markup cannot be followed with certainty."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.build.search_part import _SPACES, indexed_digest, indexed_part

PAGE = """<!doctype html><html lang="en"><head><title>Harbour · News</title>
<meta name="description" content="{description}"><script type="application/ld+json">
{{"headline": "Harbour"}}</script></head><body>
<header><a href="/">News</a>{header}</header><main>{before}<div class="layout">
<article class="story" data-pagefind-body><h1 data-pagefind-meta="title">Harbour</h1>
<div class="body"><p>{words}</p><!-- a note --></div></article>
<aside class="sidebar"><h2 id="more">More</h2><ul><li>{sidebar}</li></ul></aside></div>
</main></body></html>
"""


def page(**parts: str) -> bytes:
    values = {"description": "d", "header": "", "before": "", "words": "Ferries return.",
              "sidebar": "Market day"} | parts
    return PAGE.format(**values).encode()


def test_the_part_is_the_content_and_the_bare_markup_around_it() -> None:
    part = indexed_part(page())
    assert part != page()
    assert b'<article class="story" data-pagefind-body><h1 data-pagefind-meta="title">' \
        b"Harbour</h1>" in part
    assert b'<html lang="en">' in part and b"Harbour \xc2\xb7 News" in part
    assert b"Market day" in part  # text outside it: an ancestor's might be indexed
    assert b"sidebar" not in part and b"description" not in part and b"headline" not in part
    assert b"outside" not in indexed_part(page(before="<!-- outside -->"))


@pytest.mark.parametrize("change", [
    {"sidebar": '<a href="/x/">Market day</a>'.replace("/x/", "/y/")},
    {"description": "other"}, {"before": "<!-- edited -->"},
    {"header": '<nav class="menu"><a href="/topics/">Topics</a></nav>'.replace("menu", "m")},
])
def test_changes_the_indexer_does_not_read_leave_the_part(change: dict[str, str]) -> None:
    base = {key: value.replace("/y/", "/x/").replace('"m"', '"menu"')
            for key, value in change.items() if key in ("sidebar", "header")}
    assert indexed_part(page(**change)) == indexed_part(page(**base))


def test_white_space_and_comments_outside_the_content_count_as_one_space() -> None:
    lined = page().replace(b"<main>", b"<main>\n")
    spaced = page().replace(b"<main>", b"<main>\n<!-- edited -->\n  ")
    assert indexed_part(spaced) == indexed_part(lined) != indexed_part(page())
    joined = page().replace(b"<main>", b"<main>Edition")
    split = page().replace(b"<main>", b"<main>Edi<!-- x -->tion")
    assert indexed_part(split) == indexed_part(joined) != indexed_part(page())
    assert indexed_part(page(sidebar="Market  day")) == indexed_part(page())
    assert indexed_part(page(sidebar="Marketday")) != indexed_part(page())


def test_classes_links_and_head_tags_outside_the_content_leave_the_part() -> None:
    edited = (page().replace(b'class="layout"', b'class="layout wide"')
              .replace(b'<a href="/">', b'<a href="/news/">')
              .replace(b"</head>", b'<link rel="stylesheet" href="/x.css"><style>p{}</style>'
                                   b"</head>")
              .replace(b'id="more"', b'id="more-stories"'))
    assert indexed_part(edited) == indexed_part(page())


@pytest.mark.parametrize("change", [
    {"words": "Ferries return late."}, {"words": "<em>Ferries</em> return."},
    {"header": '<img src="/logo.png" alt="">'}, {"sidebar": '<img src="/thumb.png" alt="">'},
    {"header": "<h1>News</h1>"}, {"sidebar": "Rail strike"},
    {"sidebar": "<p>Market day</p>"}])
def test_changes_the_indexer_may_read_change_the_part(change: dict[str, str]) -> None:
    assert indexed_part(page(**change)) != indexed_part(page())


def test_text_after_the_content_in_its_ancestors_changes_the_part() -> None:
    after = page().replace(b"</article>", b"</article>Share this story")
    assert indexed_part(after) != indexed_part(page())


def test_a_script_in_the_content_does_not_end_it_whatever_it_holds() -> None:
    scripted = page(words="Ferries return.<script>var a = '</article>';</script> Late.")
    part = indexed_part(scripted)
    assert part != scripted
    assert b"<script>var a = '</article>';</script> Late.</p>" in part


@pytest.mark.parametrize("words", [
    '<a title="a<b">x</a>',  # a `<` this reading cannot place
    "<svg><title>x</title></svg>",  # foreign content
    "<textarea><b>x</b></textarea>",  # text that looks like markup
    "<!--> abrupt -->",  # a comment that ends where the text does not say
    "<!-- a --!> b -->",
    "<!-- <div data-pagefind-body> -->",  # a mark in a comment
    '<script data-pagefind-filter="topic:Ports"></script>',  # a mark on a script
    "a <b c",  # a `<` that begins no tag
])
def test_markup_it_cannot_follow_is_taken_whole(words: str) -> None:
    whole = page(words=words)
    assert indexed_part(whole) == whole


def test_a_page_without_a_content_element_or_with_marks_outside_it_is_taken_whole() -> None:
    for whole in (
            page().replace(b" data-pagefind-body", b""),  # without
            page(sidebar='<a data-pagefind-filter="topic">Ports</a>'),  # marked outside
            page().replace(b"</article>", b""),  # unclosed
            page().replace(b"data-pagefind-body", b"DATA-PAGEFIND-BODY"),
            page(sidebar="Pagefind reads what data-pagefind-body marks."),  # in text
            page().replace(b"<title>Harbour", b"<title><b>Harbour</b>")):
        assert indexed_part(whole) == whole, whole


def test_nested_elements_end_the_content_where_their_end_tags_say() -> None:
    nested = page(words="<article><p>Inner</p></article>After")
    part = indexed_part(nested)
    assert b"<p>Inner</p></article>After</p>" in part
    mixed = page(words="<Article><p>Inner</p></article>After</ARTICLE> more")
    length, rest = indexed_part(mixed).split(b":", 1)
    assert rest[:int(length)].endswith(b"<p>Inner</p></article>After</ARTICLE>")  # tags'
    # names are read in any case: `<Article>` opens, `</ARTICLE>` ends the content
    upper = page().replace(b"<article", b"<ARTICLE").replace(b"</article>", b"</ARTICLE>")
    assert b'<ARTICLE class="story" data-pagefind-body>' in indexed_part(upper)


def test_a_page_taken_whole_never_has_the_digest_of_another_pages_part() -> None:
    part = indexed_part(page())
    assert b"\0" in part and indexed_part(part) is part
    assert indexed_digest(part) != indexed_digest(page())


@given(st.binary(max_size=40).map(lambda data: bytes(b" \t\n\f\rab"[c % 7] for c in data)))
def test_white_space_is_made_one_space_where_pagefind_makes_it_one(text: bytes) -> None:
    """Runs of white space, and each line break, whatever the pattern is written as."""
    assert _SPACES.sub(b" ", text) == re.sub(rb"[ \t\n\f\r]{2,}|\n", b" ", text)


@pytest.mark.parametrize("hidden", [
    '<!-- <img src="old.png" alt=""> -->', "<script>let tag = '<IMG src=x>';</script>",
    "<!-- <html lang=fr> -->"])
def test_an_image_or_html_tag_in_hidden_text_is_not_read(hidden: str) -> None:
    assert indexed_part(page(header=hidden)) == indexed_part(page())
    assert indexed_part(page(header=hidden + '<img src="new.png" alt="">')) == \
        indexed_part(page(header='<img src="new.png" alt="">')) != indexed_part(page())
