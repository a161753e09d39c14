"""A build after edits to templates and static files alone renders only the pages made from
a template that changed and copies only the static files that changed (`build.patch`),
and gives the bytes a clean build gives; anything more is a whole build."""

from __future__ import annotations

import gzip
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from generator.build import workers
from generator.build.cache import CACHE_NAME, KeptState
from generator.build.cache_rows import StoredBuild
from generator.build.pipeline import build
from generator.build.search import pagefind_binary
from generator.config import load_config
from generator.content.loader import SeedResult
from generator.errors import BuildFailed
from generator.render.theme import SHIPPED_STATIC, SHIPPED_TEMPLATES
from tests.helpers import build_site, clean_copy_build, corpus_site, patched, read_tree, seed_text


def shipped(name: str) -> str:
    return (SHIPPED_TEMPLATES / name).read_text(encoding="utf-8")


def test_a_template_of_one_page_added_edited_and_removed_renders_that_page_alone(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    template = site / "templates" / "404.html"
    template.parent.mkdir()
    steps = [lambda: template.write_text(shipped("404.html").replace(
                 "{% block main %}", "{% block main %}<p>Lost?</p>", 1), encoding="utf-8"),
             lambda: template.write_text(shipped("404.html").replace(
                 "{% block main %}", "{% block main %}<p>Lost again?</p>", 1), encoding="utf-8"),
             template.unlink]
    for step, change in enumerate(steps):  # into one tree, the other, the first again
        change()
        result = build_site(site)
        assert patched(result), step
        assert result.rendered == 1, step
        assert read_tree(site / "public") == clean_copy_build(site, tmp_path / f"clean-{step}")
    assert b"Lost" not in (site / "public" / "404.html").read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_article_template_edited_renders_every_article_in_a_patch(
        make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        jobs: int) -> None:
    """With two jobs the pages are rendered in forked workers, which are given every
    article first (read in one pass): they cannot read the cache through the build's
    connection. With one, the articles are read one by one as pages ask for them."""
    # This small site's 30 articles are enough to fork for.
    monkeypatch.setattr(workers, "MIN_PARALLEL_ITEMS", 16)
    readers = tmp_path / "readers"  # the processes that read a seed's row from the cache
    read_row = StoredBuild.seed_result

    def seed_result(self: StoredBuild, path: str) -> SeedResult:
        with readers.open("a") as file:
            file.write(f"{os.getpid()}\n")
        return read_row(self, path)

    monkeypatch.setattr(StoredBuild, "seed_result", seed_result)
    site = corpus_site(make_site)
    build_site(site)
    (site / "templates").mkdir()
    template = site / "templates" / "article.html"
    for step in range(2):  # into one tree, then the other
        template.write_text(shipped("article.html").replace(
            "{% block main %}", f"{{% block main %}}<!-- a designer's edit {step} -->", 1),
            encoding="utf-8")
        result = build(load_config(site / "site.toml"), search=False, jobs=jobs)
        assert patched(result), step
        assert result.rendered == result.pages["article"] == 30
        assert read_tree(site / "public") == clean_copy_build(site, tmp_path / f"clean-{step}")
    if jobs == 1:
        assert set(readers.read_text().split()) == {str(os.getpid())}
    else:
        assert not readers.exists()


def test_a_template_every_page_is_made_from_renders_them_all_in_a_patch(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    (site / "templates").mkdir()
    (site / "templates" / "base.html").write_text(shipped("base.html").replace(
        "<body", "<!-- a designer's edit --><body", 1), encoding="utf-8")
    result = build_site(site)
    assert patched(result)
    assert result.rendered == sum(result.pages[kind] for kind in (
        "article", "home", "topic", "provider", "archive", "topics", "providers", "not_found"))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_static_file_edited_is_copied_alone(make_site: Callable[..., Path],
                                              tmp_path: Path) -> None:
    site = corpus_site(make_site)
    (site / "static").mkdir()
    style = site / "static" / "style.css"
    style.write_text((SHIPPED_STATIC / "style.css").read_text(encoding="utf-8"))
    build_site(site)
    for step in range(3):
        style.write_text(style.read_text(encoding="utf-8") + f"\n/* edit {step} */\n")
        result = build_site(site)
        assert patched(result), step
        assert result.rendered == 0, step
        assert (site / "public" / "style.css").read_bytes() == style.read_bytes()
        assert read_tree(site / "public") == clean_copy_build(site, tmp_path / f"clean-{step}")


def test_a_static_file_added_is_a_whole_build(make_site: Callable[..., Path],
                                              tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    (site / "static").mkdir()
    (site / "static" / "robots-extra.txt").write_text("Hello\n")
    assert not patched(build_site(site))
    assert (site / "public" / "robots-extra.txt").read_text() == "Hello\n"
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_template_edited_with_a_seed_is_a_whole_build(make_site: Callable[..., Path],
                                                        tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    seed = sorted((site / "seeds").glob("*.txt"))[3]
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        'excerpt: "', 'excerpt: "Corrected: ', 1), encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(shipped("404.html") + "\n")
    assert not patched(build_site(site))
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_broken_template_fails_the_build_and_leaves_the_site(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = corpus_site(make_site)
    build_site(site)
    before = read_tree(site / "public")
    (site / "templates").mkdir()
    broken = site / "templates" / "404.html"
    broken.write_text("{% block main %}never closed\n")
    with pytest.raises(BuildFailed) as failed:
        build_site(site)
    assert [problem.path for problem in failed.value.errors] == [broken]
    assert read_tree(site / "public") == before
    broken.write_text(shipped("404.html").replace("{% block main %}",
                                                  "{% block main %}<!-- fixed -->", 1))
    result = build_site(site)
    assert result.rendered == 1
    assert b"<!-- fixed -->" in (site / "public" / "404.html").read_bytes()
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_seed_saved_in_the_preview_and_put_back_is_seen_beside_a_template_edit(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    """A preview rebuild looks again at the seeds the watcher reported alone: the runs of
    seeds it saves must be those seeds' too, or a seed put back later with its old size and
    mtime (`cp -p`) would look unchanged since, and a template patch keep the edit."""
    site = corpus_site(make_site)
    kept = KeptState()
    build(load_config(site / "site.toml"), search=False, kept=kept)
    seed = sorted((site / "seeds").glob("*.txt"))[3]
    original, stat = seed.read_bytes(), seed.stat()
    seed.write_bytes(original.replace(b'excerpt: "', b'excerpt: "Edited in the preview ', 1))
    build(load_config(site / "site.toml"), search=False, kept=kept, changed=[seed])
    seed.write_bytes(original)
    os.utime(seed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(shipped("404.html") + "\n")
    build_site(site)
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_template_patches_keep_only_the_plans_a_tree_holds(
        make_site: Callable[..., Path]) -> None:
    site = corpus_site(make_site)
    build_site(site)
    (site / "templates").mkdir()
    for step in range(4):
        (site / "templates" / "topic.html").write_text(shipped("topic.html").replace(
            "{% block main %}", f"{{% block main %}}<!-- edit {step} -->", 1))
        assert patched(build_site(site)), step
    with closing(sqlite3.connect(site / ".newsgen-cache" / CACHE_NAME)) as db:
        plans = {key for (key,) in db.execute("SELECT key FROM plans")}
        held = {key for (key,) in db.execute("SELECT key FROM files")}
    assert plans == held - {key for key in held if key.startswith("file\0")}


def test_an_editors_temp_file_beside_the_static_files_leaves_their_edits_a_patch(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = corpus_site(make_site)
    (site / "static").mkdir()
    style = site / "static" / "extra.css"
    style.write_text("body { margin: 0; }\n")
    build_site(site)
    (site / "static" / ".extra.css.swp").write_bytes(b"b0VIM 9.0")  # the editor opens it
    style.write_text("body { margin: 1px; }\n")
    result = build_site(site)
    assert patched(result) and result.rendered == 0
    assert not (site / "public" / ".extra.css.swp").exists()
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean")


def test_a_month_of_search_left_behind_is_indexed_by_the_next_build_even_a_patch(
        make_site: Callable[..., Path]) -> None:
    """`serve` may leave a changed month of the search index as it was (the page reloads
    sooner); the next build catches it up, though its own change could be a patch."""
    assert pagefind_binary() is not None, "the test install includes Pagefind"
    site = make_site({"a.txt": seed_text("Harbour opens"), "b.txt": seed_text("Market day")})
    config = load_config(site / "site.toml")
    build(config)
    seed = site / "seeds" / "a.txt"
    seed.write_text(seed.read_text().replace("Harbour opens", "Ferry returns"))
    assert build(config, search_later=True).search_behind == 1
    other = site / "seeds" / "b.txt"
    other.write_text(other.read_text().replace('excerpt: "', 'excerpt: "Busy ', 1))
    result = build(config)
    assert not patched(result) and result.search_behind == 0
    fragments = site / "public" / "pagefind" / "2024-03" / "fragment"
    text = "".join(gzip.decompress(path.read_bytes()).decode()
                   for path in sorted(fragments.iterdir()))
    assert "Ferry returns" in text and "Harbour opens" not in text
