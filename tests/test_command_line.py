"""`newsgen build` as a user runs it: the summary line it ends with, and how an exception
that is a bug in newsgen is reported (exit 70, a traceback only with --debug)."""

from __future__ import annotations

import pytest

from generator import cli
from tests.helpers import MakeSite, run_build, seed_text


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something inside newsgen broke")


def test_an_unexpected_exception_is_reported_as_a_bug_with_exit_70(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.setattr(cli, "build", boom)
    assert run_build(site) == 70
    assert capsys.readouterr().err == (
        "newsgen: internal error (a bug in newsgen; rerun with --debug for details)\n")


def test_debug_shows_the_traceback_of_an_unexpected_exception(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.setattr(cli, "build", boom)
    assert run_build(site, "--debug") == 70
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "RuntimeError: something inside newsgen broke" in err


def test_the_summary_line_counts_each_kind_of_page(make_site: MakeSite,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()}, real_seed=True)
    assert run_build(site) == 0
    out = capsys.readouterr().out
    assert out.startswith("Built 2 articles, 3 topic pages, 5 provider pages, 1 home page, "
                          "6 archive pages, 4 index pages, 15 feed and sitemap files in ")
    assert out.endswith(" s (36 rendered, 0 unchanged, 0 removed; 0 errors, 0 warnings).\n")
