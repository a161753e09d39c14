"""`newsgen check` reports what a build would, writing nothing; `newsgen new` writes a seed
that passes it. (Every error case of tests/errors also runs `check` in its three formats:
see `helpers.assert_check_reports`.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import main
from generator.console import problem_line
from generator.errors import SourceError
from tests.helpers import GITHUB_COMMAND, MakeSite, run_build, seed_text


def _check(site: Path, *args: str) -> int:
    return main(["check", "--config", str(site / "site.toml"), *args])


def test_a_good_site_checks_clean_and_nothing_is_written(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text(), "b.txt": seed_text("Another", url="https://e.com/b")})
    before = sorted(path.relative_to(site) for path in site.rglob("*"))
    assert _check(site) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("Checked 2 seeds and ") and out.endswith(": 0 errors, 0 warnings.\n")
    assert sorted(path.relative_to(site) for path in site.rglob("*")) == before


def test_check_reuses_the_parse_cache_of_a_build(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text()})
    assert run_build(site) == 0

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a seed was parsed again")

    monkeypatch.setattr("generator.build.workers.load_seed", no_parsing)
    assert _check(site) == 0
    assert "0 errors" in capsys.readouterr().out


def test_github_is_the_default_format_on_github_actions(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text(), "bad.txt": "---\ntitle: [\n---\n"})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _check(site) == 1
    out, err = capsys.readouterr()
    assert out.startswith("::error file=") and all(
        GITHUB_COMMAND.fullmatch(line) for line in out.splitlines())
    assert "1 error" in err


def test_a_github_annotation_escapes_what_would_end_its_fields() -> None:
    problem = SourceError(Path("seeds/a,b:c%.txt"), 3, 7, "50% off\nnext line",
                          "check, then: fix", "warning")
    line = problem_line(problem, "github")
    assert line == ("::warning file=seeds/a%2Cb%3Ac%25.txt,line=3,col=7::"
                    "50%25 off%0Anext line%0Ahint: check, then: fix")
    assert GITHUB_COMMAND.fullmatch(line)


def test_a_problem_with_a_whole_file_has_no_line_in_any_format() -> None:
    problem = SourceError(Path("seeds"), 0, 0, "seeds folder not found")
    assert problem_line(problem, "github") == "::error file=seeds::seeds folder not found"
    assert json.loads(problem_line(problem, "json"))["line"] == 0
    assert problem_line(problem, "text") == "seeds: error: seeds folder not found"


def test_new_writes_a_seed_that_checks_and_builds(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.chdir(site)
    assert main(["new", "Harbour reopens: «a new day», 50% faster", "--url",
                 "https://example.org/harbour", "--provider", "Harbour Times", "--topic",
                 "Local", "--topic", "Weather", "--date", "2024-03-06T08:00:00Z"]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written.parent == Path("seeds") and written.name.startswith("20240306_")
    assert _check(site) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out
    assert run_build(site) == 0
    page = site / "public" / "2024" / "03" / "06" / "harbour-reopens-a-new-day-50-faster"
    html = (page / "index.html").read_text(encoding="utf-8")
    assert "Harbour reopens: «a new day», 50% faster" in html
    assert "Harbour Times" in html and "Weather" in html


def test_two_new_seeds_with_one_title_get_two_ids(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({})
    args = ["new", "Same title", "--url", "https://example.org/same", "--provider", "P",
            "--config", str(site / "site.toml")]
    assert main(args) == 0 and main(args) == 0
    paths = capsys.readouterr().out.split()
    assert len(set(paths)) == 2
    assert len(list((site / "seeds").iterdir())) == 2


def test_new_refuses_what_a_seed_cannot_hold(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({})
    config = ["--config", str(site / "site.toml")]
    assert main(["new", "T", "--url", "javascript:alert(1)", "--provider", "P", *config]) == 1
    assert "not a plain http or https URL" in capsys.readouterr().err
    assert main(["new", "T", "--url", "https://e.com/", "--provider", "P", "--date",
                 "yesterday", *config]) == 1
    assert "not an ISO 8601 date" in capsys.readouterr().err
    assert list((site / "seeds").iterdir()) == []
