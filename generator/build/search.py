"""Search for the built site: Pagefind's indexer, run month by month over the output tree.

Pagefind is an optional dependency (`pip install 'newsgen[search]'` brings its binary). It
indexes article pages only (those marked `data-pagefind-body`), with their topics and
provider as filters and their date to sort by.

Pagefind cannot update an index, so the index is cut into one bundle per month of
stories, `/pagefind/<YYYY-MM>/`, and the search page merges them in the browser (Pagefind's
`mergeIndex`). A build indexes again only the months where what the indexer reads of an
article page changed (`build.search_part`), or the pages themselves; the others are kept,
or hard-linked from the live tree. Each bundle's record is a digest of that and of the
indexer, so a month is never left stale.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Mapping
from itertools import compress
from operator import is_not
from pathlib import Path

from generator.build.cache import KeptBundles, PageRecord
from generator.build.output import OutputTrees, link_folder
from generator.urls import search_bundle

SEARCH_FOLDER = "pagefind"
UNAVAILABLE = ("search is off: the Pagefind binary is not installed "
               "(pip install 'newsgen[search]')")


class SearchFailed(Exception):
    """The indexer ran and failed; the message holds what it said."""


def pagefind_binary() -> Path | None:
    """The `pagefind` executable: the one `pagefind_bin` ships, else one on the PATH."""
    try:
        import pagefind_bin  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        found = shutil.which("pagefind")
        return Path(found) if found else None
    candidate = Path(pagefind_bin.__file__).parent / "pagefind"
    return candidate if candidate.is_file() else None


def bundle_records(binary: Path, article_records: Mapping[str, PageRecord],
                   kept: KeptBundles | None = None) -> dict[str, PageRecord]:
    """Each month's bundle (by its folder, `pagefind/2024-05/`) → a record whose key is a
    digest of the indexer and of the month's article pages (their output files,
    `2024/05/06/slug/index.html`) with what the indexer reads of each
    (`PageRecord.indexed`). With what the last call `kept`, only the months with a page
    whose record is not the object it was there are digested again (and what this call
    gives is kept)."""
    indexer = _indexer(binary)
    if kept is not None and kept.indexer == indexer and \
            kept.articles.keys() == article_records.keys():
        known = kept.articles.get
        months, bundles = kept.months, dict(kept.bundles)
        replaced = compress(article_records, map(is_not, map(known, article_records),
                                                 article_records.values()))
        for month in {search_bundle("/" + path) for path in replaced}:
            bundles[_folder(month)] = _month_record(indexer, months[month], article_records)
    else:
        months = _by_month(article_records)
        bundles = {_folder(month): _month_record(indexer, paths, article_records)
                   for month, paths in sorted(months.items())}
    if kept is not None:
        kept.indexer, kept.articles, kept.months, kept.bundles = (indexer, article_records,
                                                                  months, bundles)
    return bundles


def month_records(binary: Path, articles: Iterable[str], records: Mapping[str, PageRecord]
                  ) -> dict[str, PageRecord]:
    """The records `bundle_records` gives the bundles of these article pages' months
    (their output files: every article page of each of those months), from their
    `records`."""
    indexer = _indexer(binary)
    return {_folder(month): _month_record(indexer, paths, records)
            for month, paths in sorted(_by_month(articles).items())}


def _by_month(articles: Iterable[str]) -> dict[str, list[str]]:
    """Article pages (output files) by the month of the search index they are in, sorted."""
    months: dict[str, list[str]] = {}
    for path in sorted(articles):
        months.setdefault(search_bundle("/" + path), []).append(path)
    return months


def _indexer(binary: Path) -> str:
    stat = binary.stat()
    return f"{binary}\0{stat.st_size}\0{stat.st_mtime_ns}"


def _folder(month: str) -> str:
    return f"{SEARCH_FOLDER}/{month}/"


def _month_record(indexer: str, paths: list[str], records: Mapping[str, PageRecord]
                  ) -> PageRecord:
    return PageRecord(_digest(indexer, *(f"{path}\0{_indexed(records[path])}" for path in paths)),
                      b"")


def _indexed(record: PageRecord) -> str:
    """What the indexer reads of the page, or (for a record that does not say) the page."""
    return record.indexed or f"{record.key}\0{record.made}"


BEHIND = PageRecord("search bundle behind its pages", b"")
"""The record of a bundle left as it was (see `update_index`): it holds for no build."""


def update_index(binary: Path, trees: OutputTrees, bundles: dict[str, PageRecord],
                 mine: Mapping[str, PageRecord], live: Mapping[str, PageRecord],
                 jobs: int, timeout: float = 600, later: bool = False) -> list[str]:
    """Bring the tree's search bundles up to date: kept when the tree's record holds, linked
    from the live tree when its record does, indexed otherwise; every other bundle goes.
    With `later`, a bundle the live tree has is linked from it even when its pages changed,
    not indexed: those bundles are returned (their record is to be BEHIND)."""
    folder = trees.root / SEARCH_FOLDER
    folder.mkdir(exist_ok=True)
    for entry in folder.iterdir():  # months gone, and anything else
        if f"{SEARCH_FOLDER}/{entry.name}/" not in bundles:
            _remove(entry)
    to_index, behind = [], []
    for key, record in bundles.items():
        bundle = trees.root / key
        if mine.get(key) == record and bundle.is_dir():
            continue
        _remove(bundle)
        if trees.live is not None and (live.get(key) == record or later) and \
                link_folder(trees.live / key, bundle):
            if live.get(key) != record:
                behind.append(key)
        else:
            to_index.append(key)
    from concurrent.futures import ThreadPoolExecutor  # (a build with nothing to do needs none)
    from threading import Event

    over = Event()  # set by the first failure, or when the main thread leaves

    def index(key: str) -> str:
        if over.is_set():
            return ""
        try:
            problem = _index(binary, trees.root, key, timeout)
        except BaseException:
            over.set()
            raise
        if problem:
            over.set()
        return problem

    pool = ThreadPoolExecutor(max(1, jobs))
    try:
        for problem in pool.map(index, to_index):
            if problem:
                raise SearchFailed(problem)
    finally:
        # On a failure or Ctrl-C, months not started yet are not indexed: the build is over.
        # The worker that failed says so itself, so no month starts after it, however late
        # the main thread wakes to cancel what is queued.
        over.set()
        pool.shutdown(wait=True, cancel_futures=True)
    return behind


def _index(binary: Path, site: Path, bundle: str, timeout: float) -> str:
    """Index one month into its bundle; what went wrong, or ""."""
    import subprocess

    month = bundle.split("/")[1]
    try:
        done = subprocess.run(
            [str(binary), "--site", str(site), "--glob", month.replace("-", "/") + "/**/*.html",
             "--output-subdir", bundle.rstrip("/"), "--silent"],
            capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the search indexer could not run: {exc}"
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return "the search indexer failed: " + " / ".join(said)
    return ""


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
