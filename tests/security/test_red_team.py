"""Regressions from an adversarial review: each seed once crashed, hung or clashed a build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import workers
from tests.helpers import read_tree, run_build, seed_text


@pytest.mark.parametrize("extra", [
    "deep: " + "[" * 30_000 + "]" * 30_000 + "\n",
    "deep: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
])
def test_l9_flow_nesting_that_would_overflow_libyaml_is_an_error_not_a_crash(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str], extra: str) -> None:
    site = make_site({"ok.txt": seed_text(), "deep.txt": seed_text("Deep", extra=extra)})
    assert run_build(site, "--skip-invalid") == 0
    assert "error: YAML nested too deeply" not in capsys.readouterr().err  # skipped: warning
    assert (site / "public/2024/03/05/a-plain-headline/index.html").is_file()


@pytest.mark.parametrize(("field", "exit_code"), [
    ("title: 0x{}", 1), ("topics: [0b{}]", 1), ("? 0x{}\n: 1", 0),
    ("images:\n  - url: https://e.com/a.jpg\n    width: 0x{}\n    height: 10", 1)])
def test_l8_numbers_too_big_to_print_are_seed_errors_or_ignored_keys(
        make_site: Callable[..., Path], field: str, exit_code: int) -> None:
    digits = "f" * 4000 if "0x" in field else "1" * 15000
    text = seed_text().replace('title: "A plain headline"\n', "") if field.startswith(
        "title") else seed_text()
    bad = text.replace("---\n", "---\n" + field.format(digits) + "\n", 1)
    site = make_site({"ok.txt": seed_text("Fine"), "bad.txt": bad})
    assert run_build(site) == exit_code
    assert run_build(site, "--skip-invalid") == 0


def test_r5_a_deeply_nested_markdown_list_builds_serially_and_in_workers_alike(
        make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # It once overflowed the parser's recursion; Python-Markdown 3.11.4 keeps the markers it
    # cannot nest as text, at a depth that must not depend on where the body is converted.
    body = "".join("\t" * depth + "- x\n" for depth in range(250))
    site = make_site({f"deep{n}.txt": seed_text(f"Deep {n}", body=body) for n in range(4)})
    monkeypatch.setattr(workers, "MIN_PARALLEL_ITEMS", 2)  # forked workers for four seeds
    assert run_build(site, "--jobs", "1") == 0
    serial = read_tree(site / "public")
    assert run_build(site, "--jobs", "2", "--clean") == 0
    assert read_tree(site / "public") == serial
    page = serial["2024/03/05/deep-0/index.html"].decode()
    assert page.count("<ul>") > 200


def test_l4_a_title_that_looks_like_a_collision_suffix_cannot_block_the_build(
        make_site: Callable[..., Path]) -> None:
    site = make_site({
        "a.txt": seed_text("Foo", date="2024-03-05T01:00:00Z"),
        "c.txt": seed_text("Foo 3e23e816", date="2024-03-05T02:00:00Z"),  # sha256("b")[:8]
        "b.txt": seed_text("Foo", date="2024-03-05T03:00:00Z"),
    })
    assert run_build(site) == 0
    assert len([p for p in (site / "public/2024/03/05").iterdir() if p.is_dir()]) == 3


def test_l4_providers_and_topics_whose_names_look_like_suffixes_keep_their_own_pages(
        make_site: Callable[..., Path]) -> None:
    site = make_site({
        "a.txt": seed_text("One", domain="a-com", topics=("c 951a4d36",),
                           date="2024-03-01T00:00:00Z"),
        "b.txt": seed_text("Two", domain="a-com-d6c1754d", topics=("C",),
                           date="2024-03-02T00:00:00Z"),
        "c.txt": seed_text("Three", domain="a.com", topics=("C#",), date="2024-03-03T00:00:00Z"),
    })
    assert run_build(site) == 0
    assert len(list((site / "public/providers").glob("*/index.html"))) == 3
    assert len(list((site / "public/topics").glob("*/index.html"))) == 3


def test_l1_a_seed_file_name_that_is_not_utf8_is_an_error(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text("Dup")})
    (site / "seeds" / (b"\xff".decode("utf-8", "surrogateescape") + ".txt")).write_text(
        seed_text("Dup"))
    assert run_build(site) == 1
    assert "error: file name is not valid UTF-8" in capsys.readouterr().err


def test_l1_bidi_overrides_are_removed_from_text(make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text("\u202eelppa")})
    assert run_build(site) == 0
    files = read_tree(site / "public")
    assert files, "the build wrote no file"
    assert not any("\u202e" in data.decode("utf-8", "replace") for data in files.values())
