"""Tiny sites built and compared byte for byte with their committed output.

`pytest --update-golden` rewrites the expected output on purpose; review the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import read_tree

HERE = Path(__file__).resolve().parent
SITES = sorted(p.name for p in HERE.iterdir() if (p / "site.toml").is_file())


@pytest.mark.parametrize("name", SITES)
def test_the_golden_site_builds_exactly_its_expected_output(
        name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # A copy, so the build's cache folder lands in tmp_path, not in the source tree.
    site = tmp_path / name
    shutil.copytree(HERE / name, site, ignore=shutil.ignore_patterns(".newsgen-cache"))
    out = tmp_path / "public"
    assert main(["build", "--config", str(site / "site.toml"), "--out", str(out)]) == 0
    expected_dir = HERE / f"{name}.expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=shutil.ignore_patterns("pagefind"))
    built, expected = read_tree(out), read_tree(expected_dir)
    assert "index.html" in expected and len(expected) > 10
    assert sorted(built) == sorted(expected)
    for path in sorted(built):
        assert built[path] == expected[path], f"{path} differs from {expected_dir / path}"
