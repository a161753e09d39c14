from __future__ import annotations

from pathlib import Path

import pytest

from generator.build.cache import KeptBundles, PageRecord
from generator.build.output import OutputTrees
from generator.build.search import SearchFailed, bundle_records, update_index


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failed_month_leaves_the_months_not_started_unindexed(tmp_path: Path,
                                                                 jobs: int) -> None:
    """A failure (or Ctrl-C) ends the build: it does not wait for every month queued."""
    calls = tmp_path / "calls"
    indexer = tmp_path / "pagefind"
    indexer.write_text(f'#!/bin/sh\necho "$4" >> {calls}\necho "no pages" >&2\nexit 1\n')
    indexer.chmod(0o755)
    trees = OutputTrees(tmp_path / "public")
    trees.start(trusted=False)
    bundles = {f"pagefind/2024-{month:02}/": PageRecord(f"key {month}", b"")
               for month in range(1, 13)}
    with pytest.raises(SearchFailed, match="no pages"):
        update_index(indexer, trees, bundles, {}, {}, jobs=jobs)
    # Only the months the workers took up at once ran: each failed, and no worker took up
    # another after a failure, however late the main thread woke to cancel what was queued.
    started = calls.read_text().splitlines()
    assert 1 <= len(started) <= jobs
    assert set(started) <= {f"2024/{month:02}/**/*.html" for month in range(1, jobs + 1)}


def test_bundles_digested_again_month_by_month_are_those_digested_whole(tmp_path: Path) -> None:
    indexer = tmp_path / "pagefind"
    indexer.write_text("#!/bin/sh\n")
    pages = {f"2024/{month:02}/0{day}/story-{day}/index.html": PageRecord(f"{month} {day}", b"")
             for month in (1, 2, 3) for day in (1, 2)}
    kept = KeptBundles()
    first = bundle_records(indexer, pages, kept)
    assert sorted(first) == ["pagefind/2024-01/", "pagefind/2024-02/", "pagefind/2024-03/"]
    edited = {**pages, "2024/02/01/story-1/index.html": PageRecord("edited", b"", "build 2")}
    again = bundle_records(indexer, edited, kept)
    assert again == bundle_records(indexer, edited)
    assert [folder for folder in first if first[folder] != again[folder]] == ["pagefind/2024-02/"]
    added = {**edited, "2024/04/01/story-1/index.html": PageRecord("new", b"")}
    assert bundle_records(indexer, added, kept) == bundle_records(indexer, added)
