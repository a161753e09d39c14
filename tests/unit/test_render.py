from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_build, seed_text

ARTICLE = "public/2024/03/05/{}/index.html"


def test_a_hostile_title_is_escaped_exactly_once(make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text('<script>alert(1)</script> Tom & "Jerry"')})
    assert run_build(site) == 0
    html = (site / ARTICLE.format("script-alert-1-script-tom-jerry")).read_text()
    assert ('<h1 data-pagefind-meta="title">&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; '
            "&#34;Jerry&#34;</h1>") in html
    assert "&amp;amp;" not in html and "<script>" not in html


def test_template_syntax_in_data_is_printed_literally(make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text("{{ 7*7 }} {% include '/etc/passwd' %}")})
    assert run_build(site) == 0
    html = (site / "public/index.html").read_text()
    assert "{{ 7*7 }} {% include &#39;/etc/passwd&#39; %}" in html


def test_a_user_template_overrides_the_shipped_one(make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text()})
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("Nothing at {{ home_href }}\n")
    assert run_build(site) == 0
    assert (site / "public/404.html").read_text() == "Nothing at /news/\n"


def test_a_template_syntax_error_names_the_file_and_line(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.chdir(site)
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("line one\n{% if %}\n")
    assert run_build(site) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "templates/404.html:2:1: error: template error: Expected an expression, got 'end of "
        "statement block'")
    assert not (site / "public").exists()


def test_an_undefined_name_in_a_template_names_the_file_and_line(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.chdir(site)
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("one\n{{ no_such_name }}\n")
    assert run_build(site) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "templates/404.html:2:1: error: template error: UndefinedError: 'no_such_name' is "
        "undefined (while rendering /404.html)")


def test_every_link_carries_the_base_path(make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text()})
    assert run_build(site) == 0
    html = (site / "public/index.html").read_text()
    assert 'href="/news/topics/science/"' in html and 'href="/news/style.css"' in html
    assert 'href="/topics/' not in html


def test_l7_a_template_symlink_leading_outside_its_folder_is_refused(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.chdir(site)
    (site / "templates").mkdir()
    (site / "secret.txt").write_text("password")
    (site / "templates" / "404.html").symlink_to(site / "secret.txt")
    assert run_build(site) == 1
    assert capsys.readouterr().err.splitlines()[:2] == [
        f"templates/404.html: error: template is a symlink leading outside {site / 'templates'}",
        "  hint: copy the file instead"]


def test_a_missing_included_template_names_the_including_line(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.chdir(site)
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("one\ntwo\n{% include 'nope.html' %}\n")
    assert run_build(site) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "templates/404.html:3:1: error: template error: template 'nope.html' not found "
        "(while rendering /404.html)")
