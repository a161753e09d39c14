"""A page's plan as the build cache keeps it: plain tuples, with what the articles hold
left in them. Pure.

The cache keeps a plan for every page (a build of a few edited stories renders a page
from its plan: `build.patch`), so a clean build writes one per page. Pickling the Page
objects themselves cost 3 s of a 44 s clean build and wrote 17 MB at 10,000 stories:
class references in every row, and each cited story whole. So an article page is kept as
its article's id (its path, template and time are the index's and the article's), and a
cited story as the citing article and the story's place in its `related`, read from that
article again with the plan: what a citation shows is the article's as it is now.
Whatever reads a plan back checks that it gives the page's key.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.model import Article
from generator.site.plan import ArchivePeriod, ArticleRef, Entry, ListingRef, Page, Subject

PlanRow = tuple[object, ...]


def plan_row(page: Page, articles: Callable[[str], Article]) -> PlanRow:
    """`page` as the cache keeps it, with the site's articles (by id)."""
    if page.kind == "article" and isinstance(page.subject, ArticleRef):
        return ("article", page.subject.id)
    entries = tuple(entry.article_id if entry.cited is None else
                    (entry.article_id, articles(entry.article_id).related.index(entry.cited))
                    for entry in page.entries)
    return (page.path, page.kind, page.template, _subject_row(page.subject), entries,
            page.number, page.count, page.prev_path, page.next_path, page.lastmod, page.urls,
            page.lead, page.sections)


def page_of(row: PlanRow, article_paths: dict[str, str],
            articles: Callable[[str], Article]) -> Page:
    """The Page a `plan_row` was made from, with the site's article paths and its articles
    (by id). Raises KeyError or ValueError for a row that does not fit them."""
    if row[0] == "article":
        key = str(row[1])
        return Page(article_paths[key], "article", "article.html", ArticleRef(key),
                    lastmod=articles(key).published_at)
    (path, kind, template, subject, entries, number, count, prev_path, next_path, lastmod,
     urls, lead, sections) = row
    return Page(path, kind, template, _subject(subject),  # type: ignore[arg-type]
                tuple(_entry(entry, articles) for entry in entries),  # type: ignore[attr-defined]
                number, count, prev_path, next_path, lastmod, urls,  # type: ignore[arg-type]
                lead, sections)  # type: ignore[arg-type]


def _subject_row(subject: Subject) -> tuple[object, ...] | None:
    if isinstance(subject, ArticleRef):
        return ("article", subject.id)
    if isinstance(subject, ListingRef):
        return ("listing", subject.kind, subject.slug)
    if isinstance(subject, ArchivePeriod):
        return ("period", subject.year, subject.month, subject.day)
    return None


def _subject(row: object) -> Subject:
    if row is None:
        return None
    assert isinstance(row, tuple)
    if row[0] == "article":
        return ArticleRef(row[1])
    if row[0] == "listing":
        return ListingRef(row[1], row[2])
    if row[0] == "period":
        return ArchivePeriod(row[1], row[2], row[3])
    raise ValueError(f"a plan's subject {row!r}")


def _entry(row: object, articles: Callable[[str], Article]) -> Entry:
    if isinstance(row, str):
        return Entry(row)
    assert isinstance(row, tuple)
    citing, place = row
    return Entry(citing, articles(citing).related[place])
