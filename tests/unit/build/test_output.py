from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from generator.build.output import OutputError, StagedOutput


def test_a_committed_build_replaces_the_output_whole(tmp_path: Path) -> None:
    out = tmp_path / "public"
    (out / "old").mkdir(parents=True)
    for name in ("index.html", "404.html", "old/index.html"):
        (out / name).write_text("stale")
    staged = StagedOutput(out)
    staged.write(PurePosixPath("index.html"), b"new")
    staged.commit()
    staged.finish()
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_an_aborted_build_leaves_the_output_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_text("old")
    (out / "404.html").write_text("old")
    staged = StagedOutput(out)
    staged.write(PurePosixPath("index.html"), b"new")
    staged.abort()
    assert (out / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_a_second_write_to_one_path_is_refused(tmp_path: Path) -> None:
    staged = StagedOutput(tmp_path / "public")
    staged.write(PurePosixPath("a/index.html"), b"1")
    with pytest.raises(OutputError, match="would overwrite"):
        staged.write(PurePosixPath("A/index.html"), b"2")


def test_leftovers_of_a_killed_build_are_cleaned_up(tmp_path: Path) -> None:
    (tmp_path / ".public.staging-99999").mkdir()
    (tmp_path / "public").mkdir()
    StagedOutput(tmp_path / "public").abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_an_output_moved_aside_by_an_interrupted_swap_is_restored(tmp_path: Path) -> None:
    aside = tmp_path / ".public.old-99999"
    aside.mkdir()
    (aside / "index.html").write_text("previous")
    (aside / "404.html").write_text("previous")
    StagedOutput(tmp_path / "public").abort()
    assert (tmp_path / "public" / "index.html").read_text() == "previous"


def test_a_folder_that_is_not_an_earlier_build_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.txt").write_text("years of work")
    with pytest.raises(OutputError, match="not a newsgen build"):
        StagedOutput(tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.txt").read_text() == "years of work"
