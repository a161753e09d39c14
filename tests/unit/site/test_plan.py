from __future__ import annotations

from dataclasses import replace

from generator.site.index import index_site
from generator.site.plan import (
    ArchivePeriod,
    ArticleRef,
    Entry,
    ListingRef,
    plan_inputs,
    plan_pages,
)
from tests.helpers import article, config, related_item


def test_every_kind_of_page_is_planned_once() -> None:
    site = index_site([article("a", related=(related_item("https://forbes.com/x", "forbes.com"),))],
                      config())
    paths = [page.path for page in plan_pages(site)]
    assert paths == ["/2024/03/01/a-headline/", "/", "/topics/science/", "/providers/example-com/",
                     "/providers/forbes-com/", "/2024/03/01/", "/2024/03/", "/2024/",
                     "/topics/", "/providers/", "/404.html",
                     "/feed.xml", "/feed.json", "/topics/science/feed.xml",
                     "/topics/science/feed.json", "/providers/example-com/feed.xml",
                     "/providers/example-com/feed.json",
                     "/sitemap.xml", "/news-sitemap.xml", "/robots.txt"]


def test_listings_are_paginated_with_links_both_ways() -> None:
    site = index_site([article(f"a{i}", f"Story {i}", day=i + 1) for i in range(5)],
                      config(page_size=2))
    home = [page for page in plan_pages(site) if page.kind == "home"]
    assert [page.path for page in home] == ["/", "/page/2/", "/page/3/"]
    assert [[e.article_id for e in page.entries] for page in home] == [
        ["a4", "a3"], ["a2", "a1"], ["a0"]]
    assert (home[0].prev_path, home[0].next_path) == (None, "/page/2/")
    assert (home[1].prev_path, home[1].next_path) == ("/", "/page/3/")
    assert home[2].next_path is None and home[2].count == 3


def test_an_empty_site_still_has_a_home_page() -> None:
    pages = plan_pages(index_site([], config()))
    assert [page.kind for page in pages] == ["home", "topics", "providers", "not_found",
                                             "feed", "feed", "sitemap", "news_sitemap",
                                             "robots"]


def test_a_provider_page_lists_its_stories_and_the_citations_of_them_newest_first() -> None:
    site = index_site([
        article("a", day=5, related=(related_item("https://other.org/x"),)),
        article("b", day=1, domain="other.org"),
    ], config())
    other = next(p for p in plan_pages(site) if p.path == "/providers/other-org/")
    assert other.entries == (Entry("a", site.articles["a"].related[0]), Entry("b"))


def test_every_page_says_what_it_is_about_with_a_typed_subject() -> None:
    site = index_site([article("a", related=(related_item("https://forbes.com/x", "forbes.com"),))],
                      config())
    subjects = {page.path: page.subject for page in plan_pages(site)}
    assert subjects["/2024/03/01/a-headline/"] == ArticleRef("a")
    assert subjects["/"] == ListingRef("home")
    assert subjects["/feed.xml"] == ListingRef("home")
    assert subjects["/topics/science/"] == ListingRef("topic", "science")
    assert subjects["/topics/science/feed.json"] == ListingRef("topic", "science")
    assert subjects["/providers/forbes-com/"] == ListingRef("provider", "forbes-com")
    assert subjects["/2024/"] == ArchivePeriod(2024)
    assert subjects["/2024/03/01/"] == ArchivePeriod(2024, 3, 1)
    assert subjects["/topics/"] is None and subjects["/sitemap.xml"] is None


def test_an_archive_period_gives_its_parts_and_paths() -> None:
    assert ArchivePeriod(2024).parts == (2024,)
    assert ArchivePeriod(2024, 3, 5).parts == (2024, 3, 5)
    assert ArchivePeriod(2024, 3).path() == "/2024/03/"
    assert ArchivePeriod(2024, 3, 5).path(2) == "/2024/03/05/page/2/"


def test_the_plan_inputs_change_with_what_planning_reads_and_only_with_that() -> None:
    """`serve` plans again only when `plan_inputs` change: equal inputs must mean an equal
    plan, and an edit that changes the plan must change them."""
    stories = [article("a", related=(related_item("https://other.org/x"),)),
               article("b", "Second", day=2, topics=("Science", "Health"))]
    site = index_site(stories, config())
    edits = {
        "excerpt": replace(stories[0], excerpt="A new excerpt"),
        "body": replace(stories[0], body_html="<p>New words</p>"),
        "title, same address": replace(stories[0], title="A headline!"),
        "quality": replace(stories[0], quality=99),
        "time": replace(stories[0], published_at=stories[0].published_at.replace(hour=13)),
        "related title": replace(stories[0], related=(
            related_item("https://other.org/x", title="Renamed"),)),
    }
    for name, edited in edits.items():
        other = index_site([edited, stories[1]], config())
        same_inputs = plan_inputs(other) == plan_inputs(site)
        assert same_inputs == (plan_pages(other) == plan_pages(site)), name
        assert same_inputs == (name in ("excerpt", "body", "title, same address")), name
    assert plan_inputs(site, search=True) != plan_inputs(site)
    assert plan_inputs(index_site(stories, config(page_size=1))) != plan_inputs(site)


def test_plan_inputs_taken_after_others_equal_those_taken_anew() -> None:
    """`serve` passes the inputs of its last site: parts read from the same objects are
    reused, and an article that is a new object (a new quality) gives its row anew."""
    stories = [article(f"a{i}", f"Story {i}", day=i + 1) for i in range(5)]
    site = index_site(stories, config())
    before = (site, plan_inputs(site))
    for step, quality in enumerate((3, 7, 3)):
        articles = dict(site.articles)
        articles["a2"] = replace(articles["a2"], quality=quality)
        site = replace(site, articles=articles)  # as `serve` reuses its model
        again = plan_inputs(site, before=before)
        assert again == plan_inputs(site), step
        assert again != before[1], step
        before = (site, again)
    reindexed = index_site(list(site.articles.values()), config(page_size=1))
    assert plan_inputs(reindexed, before=before) == plan_inputs(reindexed)
