from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator.build import output
from generator.build.output import OutputError, OutputTrees, tree_path


def build_tree(out: Path, files: dict[str, bytes], trusted: bool = True) -> OutputTrees:
    """One build's worth of output: `files` written into the inactive tree, then live."""
    trees = OutputTrees(out)
    trees.start(trusted)
    for name, data in files.items():
        trees.write(trees.claim(name), data)
    trees.commit()
    trees.finish()
    return trees


def test_each_build_makes_the_other_tree_live(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = build_tree(out, {"index.html": b"1"})
    second = build_tree(out, {"index.html": b"2"})
    assert (first.name, second.name) == ("a", "b")
    assert os.readlink(out) == ".public.tree-b"
    assert (out / "index.html").read_bytes() == b"2"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".public.tree-a", ".public.tree-b", "public"]


def test_a_file_linked_from_the_live_tree_shares_its_inode(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build_tree(out, {"a/index.html": b"kept"})
    trees = OutputTrees(out)
    trees.start(trusted=False)
    assert trees.link_live(trees.claim("a/index.html"))
    trees.commit()
    assert os.stat(out / "a" / "index.html").st_ino == \
        os.stat(tree_path(out, "a") / "a" / "index.html").st_ino


def test_writing_a_shared_file_never_changes_the_live_copy(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build_tree(out, {"index.html": b"live"})
    trees = OutputTrees(out)
    trees.start(trusted=False)
    target = trees.claim("index.html")
    assert trees.link_live(target)
    trees.write(target, b"new")
    assert (out / "index.html").read_bytes() == b"live"


def test_a_file_of_this_tree_alone_is_written_over_and_a_linked_one_made_anew(
        tmp_path: Path) -> None:
    out = tmp_path / "public"
    build_tree(out, {"own.html": b"a1, longer than what is written over it", "shared.html": b"a1"})
    build_tree(out, {"own.html": b"b1", "shared.html": b"b1"})
    own, shared = tree_path(out, "a") / "own.html", tree_path(out, "a") / "shared.html"
    elsewhere = tmp_path / "elsewhere.html"
    os.link(shared, elsewhere)  # another name for the tree's file: a user's `cp -al`, say
    inodes = own.stat().st_ino, shared.stat().st_ino
    build_tree(out, {"own.html": b"a2", "shared.html": b"a2"})
    assert (own.read_bytes(), shared.read_bytes()) == (b"a2", b"a2")
    assert own.stat().st_ino == inodes[0]  # no inode freed and another made
    assert shared.stat().st_ino != inodes[1]
    assert elsewhere.read_bytes() == b"a1"


def test_an_untrusted_tree_is_emptied_and_a_trusted_one_kept(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build_tree(out, {"index.html": b"a1", "stale.html": b"x"})
    build_tree(out, {"index.html": b"b1"})
    trees = OutputTrees(out)
    assert trees.name == "a"
    trees.start(trusted=True)
    assert (trees.root / "stale.html").is_file()
    trees.remove(["stale.html"])
    assert not (trees.root / "stale.html").exists()
    trees = OutputTrees(out)
    trees.start(trusted=False)
    assert list(trees.root.iterdir()) == []


def test_removing_files_removes_the_folders_left_empty(tmp_path: Path) -> None:
    out = tmp_path / "public"
    trees = build_tree(out, {"2024/01/02/story/index.html": b"s", "2024/index.html": b"y"})
    trees = OutputTrees(out)
    trees.start(trusted=False)
    root = tree_path(out, "a")
    trees.root = root
    trees.remove(["2024/01/02/story/index.html"])
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        "2024", "2024/index.html"]


def test_a_plain_output_folder_of_an_earlier_newsgen_is_replaced_by_the_link(
        tmp_path: Path) -> None:
    out = tmp_path / "public"
    (out / "old").mkdir(parents=True)
    for name in ("index.html", "404.html", "old/index.html"):
        (out / name).write_text("stale")
    build_tree(out, {"index.html": b"new"})
    assert out.is_symlink() and sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.tree-a", "public"]


def test_a_second_write_to_one_path_is_refused(tmp_path: Path) -> None:
    trees = OutputTrees(tmp_path / "public")
    trees.claim("a/index.html")
    with pytest.raises(OutputError, match="would overwrite"):
        trees.claim("A/index.html")


def test_leftovers_of_a_killed_build_are_cleaned_up(tmp_path: Path) -> None:
    (tmp_path / ".public.staging-99999").mkdir()
    os.symlink(".public.tree-a", tmp_path / ".public.link-99999")
    (tmp_path / "public").mkdir()
    OutputTrees(tmp_path / "public")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_an_output_moved_aside_by_an_interrupted_swap_is_restored(tmp_path: Path) -> None:
    aside = tmp_path / ".public.old-99999"
    aside.mkdir()
    (aside / "index.html").write_text("previous")
    (aside / "404.html").write_text("previous")
    OutputTrees(tmp_path / "public")
    assert (tmp_path / "public" / "index.html").read_text() == "previous"


def test_a_folder_that_is_not_an_earlier_build_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.txt").write_text("years of work")
    with pytest.raises(OutputError, match="not a newsgen build"):
        OutputTrees(tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.txt").read_text() == "years of work"


def test_a_link_to_somewhere_else_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    os.symlink("elsewhere", tmp_path / "public")
    with pytest.raises(OutputError, match="link to somewhere newsgen did not build"):
        OutputTrees(tmp_path / "public")


def test_a_deletion_still_going_once_the_site_is_live_is_left_to_a_process_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "public"
    build_tree(out, {"index.html": b"1"})
    build_tree(out, {"index.html": b"2"}, trusted=False)  # "a", untrusted, is next
    deleting = threading.Event()

    def slow_rmtree(path: str | Path, ignore_errors: bool = False) -> None:
        deleting.set()  # and never ends within the build: the disk is slow
        time.sleep(3)

    monkeypatch.setattr(output.shutil, "rmtree", slow_rmtree)
    trees = OutputTrees(out)
    trees.start(trusted=False)  # sets the untrusted tree aside, to be deleted
    trees.write(trees.claim("index.html"), b"3")
    trees.commit()
    assert deleting.wait(5)
    started = time.monotonic()
    assert trees.finish(patience=0.2)
    assert time.monotonic() - started < 2
    monkeypatch.undo()
    trash = [p for p in tmp_path.iterdir() if p.name.startswith(".public.trash-")]
    assert len(trash) == 1  # named for the process deleting it
    OutputTrees(out)  # the next build leaves it to that process
    deadline = time.monotonic() + 20
    while trash[0].exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".public.tree-a", ".public.tree-b", "public"]
    assert (out / "index.html").read_bytes() == b"3"


def test_a_trash_folder_whose_process_is_gone_is_deleted_by_the_next_build(
        tmp_path: Path) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    (tmp_path / f".public.trash-{ended.pid}" / "2024").mkdir(parents=True)
    (tmp_path / f".public.trash-{os.getpid()}").mkdir()  # a process that still runs
    (tmp_path / "public").mkdir()
    OutputTrees(tmp_path / "public")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".public.trash-{os.getpid()}",
                                                          "public"]
