"""A build of a few edited seeds that leave the site's index as it was renders only the
pages that show them, from the plans and records the cache keeps (`build.patch`), and
gives the bytes a clean build gives."""

from __future__ import annotations

import gzip
import json
import os
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from generator.build import pipeline
from generator.build.cache import CACHE_NAME
from generator.build.pipeline import build
from generator.build.search import pagefind_binary
from generator.config import load_config
from tests.helpers import build_site, clean_copy_build, corpus_site, patched, read_tree


def edit(seed: Path, pattern: str, replacement: str) -> None:
    text = seed.read_text(encoding="utf-8")
    edited = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert edited != text
    seed.write_text(edited, encoding="utf-8")


def test_an_excerpt_edit_renders_only_the_pages_that_show_the_story(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = corpus_site(make_site)
    first = build_site(site)
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    edit(seed, r'^excerpt: "', 'excerpt: "Corrected: ')
    result = build_site(site)
    assert patched(result)
    assert 0 < result.rendered < first.rendered / 4
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_typo_fixed_in_a_title_keeps_the_address_and_is_patched(
        make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "SEED_CHUNK", 4)  # runs of seeds, most of them unchanged
    site = corpus_site(make_site)
    build_site(site)
    seed = sorted((site / "seeds").glob("*.txt"))[9]
    for step in range(3):  # into one tree, then the other, then the first again
        edit(seed, r'^(title: ".*)"$', r'\1!"')
        assert patched(build_site(site)), step
        assert read_tree(site / "public") == clean_copy_build(site, tmp_path / f"clean-{step}")


def fragments_holding(bundle: Path, word: str) -> list[str]:
    """The pages (URLs) whose fragment in this month's search bundle holds `word`."""
    found = []
    for fragment in (bundle / "fragment").glob("*.pf_fragment"):
        data = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        if word in data["content"]:
            found.append(data["url"])
    return found


def test_a_patch_indexes_again_the_month_of_the_story_and_links_the_others(
        make_site: Callable[..., Path]) -> None:
    assert pagefind_binary() is not None, "the test install includes Pagefind"
    site = corpus_site(make_site)
    build(load_config(site / "site.toml"))
    seed = sorted((site / "seeds").glob("*.txt"))[5]
    edit(seed, r'^excerpt: "', 'excerpt: "Quixotically ')  # into the second tree
    assert patched(build(load_config(site / "site.toml")))
    edit(seed, r'^excerpt: "Quixotically ', 'excerpt: "Zanzibarian ')
    live = (site / "public").resolve() / "pagefind"  # the tree that is live until the flip
    before = {bundle.name: bundle for bundle in live.iterdir()}
    assert len(before) > 1  # other months, to be linked
    assert patched(build(load_config(site / "site.toml")))
    after = site / "public" / "pagefind"
    found = {bundle.name: fragments_holding(after / bundle.name, "Zanzibarian")
             for bundle in after.iterdir()}
    [month] = [name for name, urls in found.items() if urls]
    assert len(found[month]) == 1 and month == found[month][0][1:8].replace("/", "-")
    assert fragments_holding(after / month, "Quixotically") == []
    for name, bundle in before.items():  # the other months: the very files of the last tree
        entry = "pagefind-entry.json"
        if name != month:
            assert os.path.samefile(bundle / entry, after / name / entry), name


def test_an_edit_that_moves_the_story_in_the_index_is_built_whole(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    seed = sorted((site / "seeds").glob("*.txt"))[3]
    edit(seed, r"^topics:\n", "topics:\n  - A topic of its own\n")
    result = build_site(site)
    assert not patched(result)
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_whole_build_after_patches_sees_what_they_changed(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    """Patches leave the snapshot's changed items as deltas over its mappings: the next
    whole build must read them, or it would leave the pages that show the edits stale."""
    site = corpus_site(make_site)
    build_site(site)
    seeds = sorted((site / "seeds").glob("*.txt"))
    edit(seeds[2], r'^excerpt: "', 'excerpt: "First fix: ')
    assert patched(build_site(site))
    edit(seeds[2], r'^excerpt: "', 'excerpt: "Second fix: ')
    assert patched(build_site(site))
    edit(seeds[11], r"^topics:\n", "topics:\n  - Moved\n")  # a whole build
    assert not patched(build_site(site))
    edit(seeds[2], r'^excerpt: "', 'excerpt: "Third fix: ')
    assert patched(build_site(site))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_page_deleted_by_hand_from_the_output_comes_back_in_a_patch(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    seed = sorted((site / "seeds").glob("*.txt"))[1]
    edit(seed, r'^excerpt: "', 'excerpt: "One: ')
    assert patched(build_site(site))  # both trees now hold the site
    for page in ("topics/index.html", "providers/index.html"):
        (site / "public" / page).unlink()  # from the live tree, which the next build leaves
    edit(seed, r'^excerpt: "', 'excerpt: "Two: ')
    assert patched(build_site(site))
    edit(seed, r'^excerpt: "', 'excerpt: "Three: ')  # into the tree they were deleted from
    assert patched(build_site(site))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_missing_plan_means_a_whole_build(make_site: Callable[..., Path],
                                            tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    with closing(sqlite3.connect(site / ".newsgen-cache" / CACHE_NAME)) as db, db:
        db.execute("DELETE FROM plans")
    seed = sorted((site / "seeds").glob("*.txt"))[4]
    edit(seed, r'^excerpt: "', 'excerpt: "Edited: ')
    assert not patched(build_site(site))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")
    edit(seed, r'^excerpt: "', 'excerpt: "Edited again: ')
    assert patched(build_site(site))  # the whole build stored every plan again
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean-2")


def test_a_seed_removed_beside_an_edit_is_not_missed(
        make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs of seeds whose sizes and mtimes are unchanged are not looked at one by one:
    a seed gone from one of them must still end the patch."""
    monkeypatch.setattr(pipeline, "SEED_CHUNK", 4)
    site = corpus_site(make_site)
    build_site(site)
    seeds = sorted((site / "seeds").glob("*.txt"))
    edit(seeds[0], r'^excerpt: "', 'excerpt: "Edited: ')
    seeds[-1].unlink()
    assert not patched(build_site(site))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")
    edit(seeds[0], r'^excerpt: "', 'excerpt: "Edited again: ')
    (site / "seeds" / "zz-new.txt").write_text(seeds[1].read_text(encoding="utf-8").replace(
        'title: "', 'title: "Another ', 1), encoding="utf-8")
    assert not patched(build_site(site))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean-2")
    # One gone and one come, as many as before: the new one has no row, in its run.
    seeds[5].unlink()
    (site / "seeds" / "zz-other.txt").write_text(seeds[2].read_text(encoding="utf-8").replace(
        'title: "', 'title: "Other ', 1), encoding="utf-8")
    edit(seeds[0], r'^excerpt: "', 'excerpt: "Third: ')
    assert not patched(build_site(site))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean-3")
