from __future__ import annotations

from generator.site.index import index_site
from generator.site.plan import plan_pages
from tests.unit.factories import article, config, related_item


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
    assert [page.entries for page in home] == [("a4", "a3"), ("a2", "a1"), ("a0",)]
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
    assert [e if isinstance(e, str) else e.article_id for e in other.entries] == ["a", "b"]
