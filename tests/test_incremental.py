"""Incremental builds are memoized full builds: after any edit, the output equals a clean
build of the same inputs, byte for byte."""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import write_corpus
from generator.build.cache import CACHE_NAME, SUMMARY_NAME
from generator.config import load_config
from tests.helpers import read_tree, run_build, seed_text

EDITS = ("add", "delete", "rename", "title", "topic", "date", "provider", "related_url",
         "template", "config", "touch")


def clean_build(site: Path, out: Path) -> dict[str, bytes]:
    assert run_build(site, "--out", str(out), "--clean", "--quiet") == 0
    return read_tree(out)


def apply_edit(site: Path, edit: str, rng: random.Random, step: int) -> None:
    seeds = sorted((site / "seeds").glob("*.txt"))
    victim = rng.choice(seeds)
    text = victim.read_text(encoding="utf-8")
    if edit == "add":
        (site / "seeds" / f"new-{step}.txt").write_text(seed_text(
            f"Fresh story {step}", topics=("Science", f"Topic {step % 3}"),
            url=f"https://example.com/new-{step}"))
    elif edit == "delete" and len(seeds) > 2:
        victim.unlink()
    elif edit == "rename":
        victim.rename(victim.with_name(f"renamed-{step}.txt"))
    elif edit == "title":
        victim.write_text(text.replace('title: "', f'title: "Edit {step} ', 1))
    elif edit == "topic":
        victim.write_text(text.replace("topics:\n", f"topics:\n  - Added {step % 2}\n", 1))
    elif edit == "date":
        victim.write_text(text.replace("publishedDateTime: 202", "publishedDateTime: 201", 1))
    elif edit == "provider":
        victim.write_text(text.replace("  name: ", f"  name: Renamed {step} ", 1))
    elif edit == "related_url":
        target = rng.choice(seeds).read_text(encoding="utf-8")
        url = target.split('webUrl: "', 1)[1].split('"', 1)[0] if 'webUrl: "' in target else ""
        if url and "related:" in text and 'webUrl: "' in text.split("related:", 1)[1]:
            head, tail = text.split("related:", 1)
            old = tail.split('webUrl: "', 1)[1].split('"', 1)[0]
            victim.write_text(head + "related:" + tail.replace(old, url, 1))
    elif edit == "template":
        templates = site / "templates"
        templates.mkdir(exist_ok=True)
        (templates / "404.html").write_text(f"Missing, edit {step}: {{{{ home_href }}}}\n")
    elif edit == "config":
        config = site / "site.toml"
        text = config.read_text()
        config.write_text(re.sub(r"related_count = \d+", f"related_count = {1 + step % 5}", text)
                          if step % 2 else text.replace('"Test News', '"Test'))
    elif edit == "touch":
        os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 10**9))


@given(st.lists(st.sampled_from(EDITS), min_size=1, max_size=6), st.integers(0, 10**6))
@settings(max_examples=int(os.environ.get("NEWSGEN_INCREMENTAL_EXAMPLES", "8")),
          deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow])
def test_after_any_edits_an_incremental_build_equals_a_clean_build(
        tmp_path_factory: pytest.TempPathFactory, edits: list[str], seed: int) -> None:
    root = tmp_path_factory.mktemp("incremental")
    site = root / "site"
    (site / "seeds").mkdir(parents=True)
    (site / "site.toml").write_text(
        '[site]\ntitle = "Test News"\nbase_url = "https://example.org/news/"\n'
        "[build]\ninclude_unpublished = true\npage_size = 4\nrelated_count = 3\n")
    write_corpus(site / "seeds", 24, seed=seed % 50)
    rng = random.Random(seed)
    assert run_build(site, "--quiet") == 0
    for step, edit in enumerate(edits):
        apply_edit(site, edit, rng, step)
        assert run_build(site, "--quiet", "--jobs", str(1 + step % 2)) == 0
        assert read_tree(site / "public") == clean_build(site, root / f"clean-{step}"), edit


def test_serial_and_parallel_builds_write_identical_trees(make_site: Callable[..., Path],
                                                          tmp_path: Path) -> None:
    site = make_site(page_size=5)
    write_corpus(site / "seeds", 400, seed=9)
    assert run_build(site, "--out", str(tmp_path / "one"), "--jobs", "1", "--clean") == 0
    assert run_build(site, "--out", str(tmp_path / "two"), "--jobs", "2", "--clean") == 0
    one = read_tree(tmp_path / "one")
    assert len(one) > 400, "fewer files than articles"
    assert one == read_tree(tmp_path / "two")


def test_unchanged_pages_keep_their_file_and_mtime(make_site: Callable[..., Path]) -> None:
    # b shares no topic and no provider with a, so a's page does not show it.
    elsewhere = {"topics": ("Other",), "provider": "Other", "domain": "other.org"}
    site = make_site({"a.txt": seed_text("Stays"), "b.txt": seed_text("Changes", **elsewhere)})
    assert run_build(site) == 0
    stays = site / "public/2024/03/05/stays/index.html"
    before = stays.stat()
    (site / "seeds" / "b.txt").write_text(seed_text("Changed", **elsewhere))
    assert run_build(site) == 0
    after = stays.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize("damage", ["truncate", "random", "older"])
def test_a_damaged_cache_means_a_full_correct_build_with_a_notice(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str], tmp_path: Path,
        damage: str) -> None:
    site = make_site({"a.txt": seed_text("One"), "b.txt": seed_text("Two")})
    assert run_build(site) == 0
    cache = load_config(site / "site.toml").build.cache_dir
    state = cache / CACHE_NAME
    data = state.read_bytes()
    if damage == "truncate":
        state.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        state.write_bytes(random.Random(1).randbytes(len(data)))
    else:
        state.write_bytes(data.replace(data.split(b"\n")[1], b"0" * 64, 1))
    (cache / SUMMARY_NAME).unlink()
    (site / "seeds" / "c.txt").write_text(seed_text("Three"))
    capsys.readouterr()
    assert run_build(site) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("newsgen: cache is ")
    assert err[0].endswith("; building everything")
    assert read_tree(site / "public") == clean_build(site, tmp_path / "clean")


def test_clean_ignores_the_cache(make_site: Callable[..., Path],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()})
    assert run_build(site) == 0
    assert run_build(site, "--clean") == 0
    assert " (20 rendered, 0 unchanged, 0 removed;" in capsys.readouterr().out.splitlines()[-1]


def test_nothing_changed_renders_nothing(make_site: Callable[..., Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()})
    assert run_build(site) == 0
    mtime = (site / "public/index.html").stat().st_mtime_ns
    assert run_build(site) == 0
    assert " (0 rendered, 20 unchanged, 0 removed;" in capsys.readouterr().out.splitlines()[-1]
    assert (site / "public/index.html").stat().st_mtime_ns == mtime
    shutil.rmtree(site / "public")
    assert run_build(site) == 0  # the output is gone: build it again
    assert (site / "public/index.html").is_file()
