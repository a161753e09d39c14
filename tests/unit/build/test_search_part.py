"""What the search indexer reads of a page (`build.search_part`): the content element, the
page's title, first headings and images, and its `<html>` tag; the whole page whenever the
markup cannot be followed with certainty."""

from __future__ import annotations

import pytest

from generator.build.search_part import indexed_part

PAGE = """<!doctype html><html lang="en"><head><title>Harbour · News</title>
<meta name="description" content="{description}"></head><body>
<header><a href="/">News</a>{header}</header><main>{before}<div class="layout">
<article class="story" data-pagefind-body><h1 data-pagefind-meta="title">Harbour</h1>
<div class="body"><p>{words}</p><!-- a note --></div></article>
<aside class="sidebar"><h2>More</h2><ul><li>{sidebar}</li></ul></aside></div></main></body></html>
"""


def page(**parts: str) -> bytes:
    values = {"description": "d", "header": "", "before": "", "words": "Ferries return.",
              "sidebar": "Market day"} | parts
    return PAGE.format(**values).encode()


def test_the_part_is_the_content_with_what_the_indexer_reads_around_it() -> None:
    part = indexed_part(page())
    assert part.split(b":", 1)[1].startswith(b'<article class="story" data-pagefind-body>')
    assert b"Ferries return." in part and b"<!-- a note -->" in part
    assert b'<html lang="en">' in part and b"<title>Harbour \xc2\xb7 News</title>" in part
    assert b"sidebar" not in part and b"description" not in part


@pytest.mark.parametrize("change", [
    {"sidebar": "Rail strike"}, {"description": "other"}, {"before": "<!-- edited -->"},
    {"header": '<nav class="menu"><a href="/topics/">Topics</a></nav>'}])
def test_changes_the_indexer_does_not_read_leave_the_part(change: dict[str, str]) -> None:
    assert indexed_part(page(**change)) == indexed_part(page())


@pytest.mark.parametrize("change", [
    {"words": "Ferries return late."}, {"words": "<em>Ferries</em> return."},
    {"header": '<img src="/logo.png" alt="">'}, {"sidebar": '<img src="/thumb.png" alt="">'},
    {"header": "<h1>News</h1>"}])
def test_changes_the_indexer_may_read_change_the_part(change: dict[str, str]) -> None:
    assert indexed_part(page(**change)) != indexed_part(page())


@pytest.mark.parametrize("words", [
    "<script>var a = '</article>';</script>",  # raw text: its tags are not tags
    '<a title="a<b">x</a>',  # a `<` this reading cannot place
    "<svg><title>x</title></svg>",  # foreign content
    "<!--> abrupt -->",  # a comment that ends where the text does not say
    "<!-- a --!> b -->",
])
def test_markup_it_cannot_follow_is_taken_whole(words: str) -> None:
    whole = page(words=words)
    assert indexed_part(whole) == whole


def test_a_page_without_a_content_element_or_with_marks_outside_it_is_taken_whole() -> None:
    without = page().replace(b" data-pagefind-body", b"")
    assert indexed_part(without) == without
    marked = page(sidebar='<a data-pagefind-filter="topic">Ports</a>')
    assert indexed_part(marked) == marked
    unclosed = page().replace(b"</article>", b"")
    assert indexed_part(unclosed) == unclosed
    upper = page().replace(b"data-pagefind-body", b"DATA-PAGEFIND-BODY")
    assert indexed_part(upper) == upper
    told = page(sidebar="Pagefind reads what data-pagefind-body marks.")
    assert indexed_part(told) == told


def test_nested_elements_and_commented_tags_end_the_content_where_the_parser_does() -> None:
    nested = page(words="<article><p>Inner</p><!-- </article> --></article>After")
    part = indexed_part(nested)
    assert b"After" in part and b"Market day" not in part
    upper = page().replace(b"<article", b"<ARTICLE").replace(b"</article>", b"</ARTICLE>")
    assert indexed_part(upper).split(b":", 1)[1].startswith(b"<ARTICLE")
