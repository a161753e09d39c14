"""Shared fixtures: tiny sites in tmp_path, built through the real command line.

Plain helpers (seed_text, run_build, read_tree, ...) live in tests/helpers.py.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from tests.helpers import MakeSite, write_site


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden sites' expected output from the current build")


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """`write_site` into tmp_path/site: `make_site(seeds, *, include_unpublished=True,
    page_size=20, real_seed=False)` writes site.toml and the seeds and returns the folder."""
    return partial(write_site, tmp_path / "site")
