from __future__ import annotations

from dataclasses import replace

from generator.site.index import index_inputs, index_site, retitled
from tests.helpers import article, config, related_item


def test_two_articles_with_the_same_title_and_day_get_distinct_paths() -> None:
    site = index_site([article("b", "Same title", hour=9), article("a", "Same title", hour=10)],
                      config())
    assert site.article_paths["b"] == "/2024/03/01/same-title/"
    assert site.article_paths["a"].startswith("/2024/03/01/same-title-")
    assert site.article_paths["a"] != site.article_paths["b"]


def test_the_first_claimant_keeps_its_path_when_a_later_twin_arrives() -> None:
    alone = index_site([article("b", "Same title", hour=9)], config())
    both = index_site([article("b", "Same title", hour=9), article("a", "Same title", hour=10)],
                      config())
    assert alone.article_paths["b"] == both.article_paths["b"]


def test_paths_that_differ_only_by_case_or_normalisation_collide() -> None:
    site = index_site([article("x", "Café", hour=9), article("y", "Cafe\u0301", hour=10)],
                      config())
    assert site.article_paths["x"] != site.article_paths["y"]


def test_articles_are_newest_first_with_ties_broken_by_id() -> None:
    site = index_site([article("b", day=1), article("a", day=1), article("c", day=2)], config())
    assert site.newest_first == ("c", "a", "b")


def test_unpublished_articles_are_left_out_unless_the_config_includes_them() -> None:
    seeds = [article("a"), article("b", published=False)]
    assert list(index_site(seeds, config(include_unpublished=False)).articles) == ["a"]
    assert sorted(index_site(seeds, config(include_unpublished=True)).articles) == ["a", "b"]


def test_topics_that_slug_alike_are_one_topic_named_by_the_commoner_spelling() -> None:
    site = index_site([article("a", topics=("AI",)), article("b", topics=("AI",)),
                       article("c", topics=("ai",))], config())
    assert list(site.topics) == ["ai"]
    assert site.topics["ai"].name == "AI"
    assert site.topics["ai"].article_ids == ("a", "b", "c")


def test_providers_come_from_seeds_and_from_related_items() -> None:
    site = index_site([article("a", related=(related_item("https://forbes.com/x", "forbes.com"),))],
                      config())
    assert sorted(site.providers) == ["example-com", "forbes-com"]
    forbes = site.providers["forbes-com"]
    assert forbes.article_ids == () and [c.article_id for c in forbes.citations] == ["a"]


def test_related_coverage_links_to_our_page_when_we_have_the_story() -> None:
    site = index_site([
        article("a", related=(related_item("https://other.org/b/"),
                              related_item("https://elsewhere.org/z"))),
        article("b", domain="other.org"),
    ], config())
    assert [link.article_id for link in site.coverage["a"]] == ["b", None]


def test_related_coverage_never_links_to_an_excluded_article() -> None:
    site = index_site([
        article("a", related=(related_item("https://other.org/b"),)),
        article("b", domain="other.org", published=False),
    ], config(include_unpublished=False))
    assert [link.article_id for link in site.coverage["a"]] == [None]


def test_distinct_topics_whose_slugs_clash_keep_distinct_pages() -> None:
    site = index_site([article("a", topics=("C",), day=1), article("b", topics=("C++",), day=2),
                       article("c", topics=("C#",), day=3)], config())
    assert site.topic_slugs["C"] == "c"
    assert len({site.topic_slugs[name] for name in ("C", "C++", "C#")}) == 3
    assert sorted(topic.name for topic in site.topics.values()) == ["C", "C#", "C++"]


def test_an_article_has_each_of_its_topics_once_in_its_own_order() -> None:
    site = index_site([article("a", topics=("Space", "AI", "ai", "Space"))], config())
    assert [topic.slug for topic in site.topics_of(site.articles["a"])] == ["space", "ai"]


def test_an_articles_first_topic_is_the_one_it_names_first() -> None:
    site = index_site([article("a", topics=("Space", "AI")), article("b", topics=())],
                      config())
    first = site.first_topic(site.articles["a"])
    assert first is not None and first.slug == "space"
    assert site.first_topic(site.articles["b"]) is None


def test_the_index_inputs_change_with_what_indexing_reads_and_only_with_that() -> None:
    """`serve` indexes again only when `index_inputs` change (and ranks again only when
    titles alone did): the Site it reuses must be the one indexing would make."""
    stories = [replace(article(f"a{i}", f"{'Harvest' if i % 2 else 'Rocket'} news {i}",
                               day=i + 1, topics=("Space", "Science") if i % 3 else ("Space",),
                               related=(related_item(f"https://other.org/{i}"),)),
                       slug=f"story-{i}") for i in range(6)]
    site = index_site(stories, config(related_count=2))
    first = stories[0]
    edits = {
        "excerpt": replace(first, excerpt="A new excerpt"),
        "quality": replace(first, quality=3),
        "title": replace(first, title="Harvest festival"),
        "topics": replace(first, topics=("Science",)),
        "time": replace(first, published_at=first.published_at.replace(hour=1)),
        "related": replace(first, related=()),
        "slug": replace(first, slug="another-slug"),
    }
    for name, edited in edits.items():
        articles = [edited, *stories[1:]]
        fresh = index_site(articles, config(related_count=2))
        inputs, titles = index_inputs(articles, config(related_count=2))
        old_inputs, old_titles = index_inputs(stories, config(related_count=2))
        assert (inputs == old_inputs) == (name in ("excerpt", "quality", "title")), name
        if inputs == old_inputs:
            by_id = {a.id: a for a in articles}
            reused = replace(site, articles={key: by_id[key] for key in site.articles})
            if titles != old_titles:
                reused, _ = retitled(reused, {edited.id: edited.title})
            assert reused == fresh, name
            if name == "title":  # the case that ranks again, and here it matters
                assert fresh.related != site.related


def test_titles_changed_again_and_again_rank_as_indexing_anew() -> None:
    """`serve` keeps the inverted index `retitled` returns and passes it to the next
    change of titles: each step must rank as a fresh `index_site` would."""
    words = ("Harvest", "Rocket", "Budget", "Storm", "Match")
    stories = [replace(article(f"a{i}", f"{words[i % 5]} news {i}", day=i % 9 + 1,
                               topics=("Space", "Science")[:i % 2 + 1]),
                       slug=f"story-{i}") for i in range(60)]
    site = index_site(stories, config(related_count=3))
    index = None
    for step in range(8):
        titles = {a.id: a.title for a in stories}
        changed = {key: (f"{words[(step + j) % 5]} {words[j % 5]} {step}" if step % 2 else
                         titles[key] + "!")  # new words, or the same words
                   for j in range(step % 3 + 1) for key in [f"a{(step * 7 + j) % 60}"]}
        stories = [replace(a, title=changed.get(a.id, a.title)) for a in stories]
        site, index = retitled(replace(site, articles={a.id: a for a in stories}), changed,
                               index)
        fresh = index_site(stories, config(related_count=3))
        assert site.related == fresh.related and site.ranked_as == fresh.ranked_as, step
