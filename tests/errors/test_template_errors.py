"""A broken user template fails `newsgen build` (exit 1); the first lines it prints name the
template's file and line, checked exactly.

Each test builds a site of one valid seed from inside its folder, so paths print as
`templates/404.html`; the user's templates/404.html overrides the shipped one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import MakeSite, run_build, seed_text


def _site_with_template(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
                        text: str) -> Path:
    """A site with one valid seed and a user templates/404.html holding `text`; the current
    directory is the site."""
    site = make_site({"a.txt": seed_text()})
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(text)
    monkeypatch.chdir(site)
    return site


def test_a_template_syntax_error_names_the_file_and_line(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site_with_template(make_site, monkeypatch, "line one\n{% if %}\n")
    assert run_build(site) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "templates/404.html:2:1: error: template error: Expected an expression, got 'end of "
        "statement block'")
    assert not (site / "public").exists()


def test_an_undefined_name_in_a_template_names_the_file_and_line(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site_with_template(make_site, monkeypatch, "one\n{{ no_such_name }}\n")
    assert run_build(site) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "templates/404.html:2:1: error: template error: UndefinedError: 'no_such_name' is "
        "undefined (while rendering /404.html)")


def test_l7_a_template_symlink_leading_outside_its_folder_is_refused(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
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
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site_with_template(make_site, monkeypatch, "one\ntwo\n{% include 'nope.html' %}\n")
    assert run_build(site) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "templates/404.html:3:1: error: template error: template 'nope.html' not found "
        "(while rendering /404.html)")
