from __future__ import annotations

from generator.site.related import NEIGHBOURS_PER_KEY, Candidate, rank_related


def candidate(id: str, topics: tuple[str, ...], provider: str = "p", day: float = 0,
              title: str = "") -> Candidate:
    return Candidate(id, topics, provider, day * 86_400, title)


def test_articles_sharing_a_rare_topic_rank_above_those_sharing_a_common_one() -> None:
    articles = [candidate("a", ("common", "rare"), "p1"), candidate("b", ("rare",), "p2"),
                candidate("c", ("common",), "p3")]
    articles += [candidate(f"x{i}", ("common",), f"q{i}", day=100) for i in range(20)]
    assert rank_related(articles, 2)["a"][:2] == ("b", "c")


def test_an_article_is_never_related_to_itself() -> None:
    ranked = rank_related([candidate("a", ("t",)), candidate("b", ("t",))], 5)
    assert ranked == {"a": ("b",), "b": ("a",)}


def test_ties_break_on_id_so_the_ranking_is_deterministic() -> None:
    articles = [candidate(name, ("t",), f"p{name}") for name in "dcba"]
    assert rank_related(articles, 3)["a"] == ("b", "c", "d")


def test_a_similar_title_ranks_higher() -> None:
    articles = [candidate("a", ("t",), "p1", title="Solar power record in Spain"),
                candidate("b", ("t",), "p2", title="Football results"),
                candidate("c", ("t",), "p3", title="Spain sets solar power record")]
    assert rank_related(articles, 1)["a"] == ("c",)


def test_only_articles_near_in_time_are_considered_in_a_crowded_topic() -> None:
    articles = [candidate(f"{i:04}", ("big",), f"p{i}", day=i) for i in range(500)]
    ranked = rank_related(articles, 3)
    assert ranked["0250"] == ("0249", "0251", "0248")
    assert NEIGHBOURS_PER_KEY < 500


def test_a_count_of_zero_gives_no_related_articles() -> None:
    assert rank_related([candidate("a", ("t",)), candidate("b", ("t",))], 0) == {"a": (), "b": ()}
