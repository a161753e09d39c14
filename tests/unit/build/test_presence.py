"""The files of a folder that are not there, looked for in a thread (`build.presence`)."""

from __future__ import annotations

from pathlib import Path

from generator.build.presence import AbsentFiles


def test_the_files_not_there_are_found(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("a")
    (tmp_path / "b.xml").write_text("b")
    absent = AbsentFiles()
    absent.look_for(str(tmp_path), ["a/index.html", "b.xml", "c/index.html", "a/d.html"])
    assert absent.found() == {"c/index.html", "a/d.html"}
    absent.stop()


def test_nothing_looked_for_has_no_answer() -> None:
    absent = AbsentFiles()
    assert absent.found() is None
    absent.stop()


def test_a_look_that_fails_has_no_answer_rather_than_a_partial_one(tmp_path: Path) -> None:
    absent = AbsentFiles()
    absent.look_for(str(tmp_path), ["gone.html", "bad\0name.html", "also-gone.html"])
    assert absent.found() is None  # the caller then looks for each file itself


def test_stop_ends_a_long_look_which_then_has_no_answer(tmp_path: Path) -> None:
    absent = AbsentFiles()
    absent.look_for(str(tmp_path), [f"{n}/index.html" for n in range(3_000_000)])
    absent.stop()  # long before three million files are looked for
    assert absent.found() is None
