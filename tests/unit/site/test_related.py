from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.related import NEIGHBOURS_PER_KEY, Candidate, rank_related, stale_ids


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


def _random_site(rng: random.Random, size: int) -> list[Candidate]:
    # Few topics and providers, and times that often coincide, so lists are long and
    # windows meet at equal moments.
    return [Candidate(f"a{n}", tuple(rng.sample(["t1", "t2", "t3", "t4"], rng.randint(0, 2))),
                      rng.choice(["p1", "p2"]), float(rng.randint(0, 60) * 3600),
                      rng.choice(["Rates rise", "Rates fall", "Storm nears coast", "Vote"]))
            for n in range(size)]


def _change(rng: random.Random, articles: list[Candidate], step: int) -> list[Candidate]:
    changed = list(articles)
    what = rng.choice(["add", "remove", "time", "title", "typo", "topics", "provider"])
    if what == "add" or len(changed) < 3:
        changed.append(Candidate(f"new{step}", (rng.choice(["t1", "t2"]),), "p1",
                                 float(rng.randint(0, 60) * 3600), "Rates rise again"))
        return changed
    at = rng.randrange(len(changed))
    old = changed[at]
    if what == "remove":
        del changed[at]
    elif what == "time":
        changed[at] = replace(old, timestamp=old.timestamp + rng.choice([-1, 1]) * 7200)
    elif what == "title":
        changed[at] = replace(old, title="Storm hits coast")
    elif what == "typo":  # the same words: case and punctuation only
        changed[at] = replace(old, title=old.title.upper() + "!")
    elif what == "topics":
        changed[at] = replace(old, topics=(rng.choice(["t1", "t3", "t5"]),))
    else:
        changed[at] = replace(old, provider="p3" if old.provider != "p3" else "p1")
    return changed


@given(st.integers(0, 10**6), st.integers(60, 160))
@settings(max_examples=60, deadline=None)
def test_stale_ids_holds_every_ranking_a_change_can_reach(seed: int, size: int) -> None:
    """Every article left out of `stale_ids` keeps exactly the list a full ranking gives."""
    rng = random.Random(seed)
    before = _random_site(rng, size)
    ranked = rank_related(before, 5)
    after = before
    for step in range(rng.randint(1, 3)):
        after = _change(rng, after, step)
    stale = stale_ids(after, {a.id: a for a in before})
    full = rank_related(after, 5)
    kept = {a.id for a in after} - stale
    assert {i: full[i] for i in kept} == {i: ranked[i] for i in kept}


def test_a_title_edit_reranks_only_the_neighbourhood() -> None:
    articles = [Candidate(f"a{n:04}", ("t",), "p", float(n), "Words") for n in range(1000)]
    edited = [*articles[:500], replace(articles[500], title="Other words"), *articles[501:]]
    stale = stale_ids(edited, {a.id: a for a in articles})
    assert "a0500" in stale and len(stale) <= 2 * (NEIGHBOURS_PER_KEY + 2) + 1


def test_a_title_edit_of_case_and_punctuation_reranks_nothing() -> None:
    articles = [Candidate(f"a{n:04}", ("t",), "p", float(n), "Words here") for n in range(100)]
    edited = [*articles[:50], replace(articles[50], title="WORDS, here!"), *articles[51:]]
    assert stale_ids(edited, {a.id: a for a in articles}) == set()
    assert rank_related(edited, 5) == rank_related(articles, 5)


def test_a_topic_whose_weight_changes_reranks_all_its_members() -> None:
    """Stories added far away in time, but enough to move a topic's size into another
    class, change the ranking of a story whose windows they never enter."""
    far = [candidate(f"f{n:02}", ("a" if n < 50 else "b",), f"q{n}", day=1000 + n)
           for n in range(100)]
    articles = [candidate("x", ("a", "b"), "p"), candidate("y1", ("a",), "p"),
                candidate("y2", ("b",), "p"), *far]
    more = [candidate(f"g{n:02}", ("a",), f"r{n}", day=3000 + n) for n in range(30)]
    before, after = rank_related(articles, 1)["x"], rank_related([*articles, *more], 1)["x"]
    assert (before, after) == (("y1",), ("y2",))
    assert "x" in stale_ids([*articles, *more], {a.id: a for a in articles})
