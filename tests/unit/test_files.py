"""Which file names are an editor's temporary files, never content (the watcher and the
seed finder skip them); and replacing a file so no reader sees it half-written."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest

from generator.files import TEMP_PREFIX, is_editor_temp, write_atomically


@pytest.mark.parametrize("name", ["a.txt~", ".a.txt.swp", ".a.txt.swx", "4913", ".#a.txt",
                                  "#a.txt#", "a.txt.bck", ".goutputstream-XYZ12", "a.tmp"])
def test_editor_temp_files_are_recognised(name: str) -> None:
    assert is_editor_temp(name)


@pytest.mark.parametrize("name", ["a.txt", "base.html", "style.css", "4914.txt"])
def test_real_files_are_not_temp_files(name: str) -> None:
    assert not is_editor_temp(name)


def test_an_atomic_write_replaces_the_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")
    write_atomically(target, lambda file: file.write(b"new"))
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_an_atomic_write_that_fails_keeps_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")

    def half_then_fail(file: BinaryIO) -> None:
        file.write(b"ne")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_atomic_writes_name_their_temp_files_with_the_leftover_prefix(tmp_path: Path) -> None:
    seen: list[str] = []
    write_atomically(tmp_path / "a.webp",
                     lambda file: seen.extend(p.name for p in tmp_path.iterdir()))
    assert len(seen) == 1
    assert seen[0].startswith(TEMP_PREFIX) and seen[0].endswith(".webp")
