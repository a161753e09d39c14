"""`newsgen images fetch | status | prune`: fill, describe and tidy the image cache.

Fetching is the only network use in newsgen; builds read what it left. Each image is
fetched once, checked and re-encoded (`imagework`), written under the hash of its bytes, and
recorded in the manifest's journal; a rerun skips what is cached and retries only failures
that may pass later (network errors, 5xx), unless asked to retry them all.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from generator.build.cache import load_state
from generator.build.result import default_jobs
from generator.build.workers import load_in_workers
from generator.config import SiteConfig
from generator.content.loader import combine_results
from generator.content.seeds import find_seeds
from generator.files import TEMP_PREFIX
from generator.images.fetch import FetchFailed, FetchLimits, fetch
from generator.images.manifest import (
    JOURNAL_NAME,
    MANIFEST_NAME,
    Row,
    append_row,
    load_rows,
    write_manifest,
)
from generator.images.process import CONTENT_TYPES, ImageRejected, process_in_child
from generator.model import Article

Report = Callable[[int, int], None]
PER_HOST = 4


@dataclass(frozen=True)
class FetchOptions:
    every_image: bool = False
    """Every image, related items' included, not only those marked isCached."""
    jobs: int = 8
    retry_failed: bool = False
    limits: FetchLimits = field(default_factory=FetchLimits)
    allowed: frozenset[tuple[str, int]] = frozenset()


@dataclass
class FetchSummary:
    fetched: int = 0
    cached: int = 0
    failed: int = 0
    skipped_failed: int = 0
    bytes: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    invalid_seeds: int = 0


def wanted_images(config: SiteConfig, every_image: bool, jobs: int | None = None
                  ) -> tuple[list[str], int]:
    """The image URLs the seeds ask to cache, sorted; and how many seeds could not be read."""
    articles, invalid = _articles(config, jobs or default_jobs())
    return sorted(_image_urls(articles, every_image)), invalid


def _articles(config: SiteConfig, jobs: int) -> tuple[list[Article], int]:
    paths, _ = find_seeds(config.build.seeds_dir)
    state, _ = load_state(config.build.cache_dir, config.build.output_dir)
    results, _ = load_in_workers(paths, state.seeds_read_under(config.reading_fingerprint()),
                                 config, jobs, lambda *_: None)
    articles, problems = combine_results(results)
    invalid = len({p.path for p in problems if p.severity == "error"})
    return articles, invalid


def _image_urls(articles: Iterable[Article], every_image: bool) -> set[str]:
    urls: set[str] = set()
    for article in articles:
        urls.update(image.url for image in article.images if every_image or image.is_cached)
        if every_image:
            for item in article.related:
                urls.update(image.url for image in item.images)
    return urls


def fetch_images(config: SiteConfig, options: FetchOptions, report: Report | None = None
                 ) -> FetchSummary:
    started = time.perf_counter()
    cache_dir = config.images.cache_dir
    rows = load_rows(cache_dir)  # before anything is written: a broken manifest stops here
    _remove_leftovers(cache_dir)
    urls, invalid = wanted_images(config, options.every_image)
    summary = FetchSummary(invalid_seeds=invalid)
    todo = []
    for url in urls:
        state = row_state(cache_dir, rows.get(url))
        if state == "cached":
            summary.cached += 1
        elif state == "failed" and not options.retry_failed and \
                not rows[url].get("retryable"):
            summary.skipped_failed += 1
        else:
            todo.append(url)
    known = {str(row["sha256"]): row for row in rows.values()
             if row_state(cache_dir, row) == "cached" and isinstance(row.get("sha256"), str)}
    worker = _Worker(cache_dir, options, known)
    with ThreadPoolExecutor(max(1, options.jobs), thread_name_prefix="newsgen-fetch") as pool:
        futures = [pool.submit(worker.one, url) for url in todo]
        for done, future in enumerate(as_completed(futures), 1):
            url, row = future.result()
            rows[url] = row
            if row.get("error"):
                summary.failed += 1
                summary.failures.append((url, str(row["error"])))
            else:
                summary.fetched += 1
                summary.bytes += int(row.get("bytes") or 0)  # type: ignore[call-overload]
            if report is not None:
                report(done, len(todo))
    write_manifest(cache_dir, rows)
    summary.failures.sort()
    summary.seconds = time.perf_counter() - started
    return summary


class _Worker:
    """Fetches and processes one URL at a time, on any of the pool's threads."""

    def __init__(self, cache_dir: Path, options: FetchOptions, known: dict[str, Row]) -> None:
        self.cache_dir = cache_dir
        self.options = options
        self.known = known
        self.lock = threading.Lock()
        self.hosts: dict[str, threading.Semaphore] = {}

    def one(self, url: str) -> tuple[str, Row]:
        with self._host_slot(url):
            try:
                row = self._fetch(url)
            except Exception as exc:  # a bug for one URL must not end the run for all
                row = {"error": f"internal error: {exc.__class__.__name__}: {exc}",
                       "retryable": False, "failed": _now()}
        append_row(self.cache_dir, url, row)  # after the files: the row vouches for them
        return url, row

    def _host_slot(self, url: str) -> threading.Semaphore:
        host = (urlsplit(url.strip()).hostname or "").lower()
        with self.lock:
            return self.hosts.setdefault(host, threading.Semaphore(PER_HOST))

    def _fetch(self, url: str) -> Row:
        now = _now()
        try:
            fetched = fetch(url, self.options.limits, self.options.allowed)
        except FetchFailed as failed:
            return {"error": failed.reason, "retryable": failed.retryable, "failed": now}
        sha = hashlib.sha256(fetched.body).hexdigest()
        with self.lock:
            same = self.known.get(sha)
        if same is None:
            try:
                done = process_in_child(fetched.body, sha, self.cache_dir)
            except ImageRejected as rejected:
                return {"error": str(rejected), "retryable": False, "failed": now,
                        "final_url": fetched.final_url, "bytes": len(fetched.body)}
            files: Row = {"file": done.file, "width": done.width, "height": done.height,
                          "variants": [{"file": f, "width": w} for f, w in done.variants]}
        else:
            files = {key: same[key] for key in ("file", "width", "height", "variants")}
        row: Row = {**files, "sha256": sha, "bytes": len(fetched.body), "fetched": now,
                    "content_type": CONTENT_TYPES.get(Path(str(files["file"])).suffix, ""),
                    "served_type": fetched.content_type[:100], "final_url": fetched.final_url,
                    "etag": fetched.etag[:200], "last_modified": fetched.last_modified[:100]}
        with self.lock:
            self.known.setdefault(sha, row)
        return row


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _remove_leftovers(cache_dir: Path) -> None:
    """Temp files of a run that was killed while writing (never named by any row)."""
    if cache_dir.is_dir():
        for leftover in [*cache_dir.glob(f"*/{TEMP_PREFIX}*"), *cache_dir.glob(f"{TEMP_PREFIX}*")]:
            leftover.unlink(missing_ok=True)


def row_state(cache_dir: Path, row: Row | None) -> str:
    """`cached` (its files are there), `failed`, or `missing`."""
    if row is None:
        return "missing"
    file = row.get("file")
    if isinstance(file, str) and (cache_dir / file).is_file() and all(
            isinstance(v, dict) and (cache_dir / str(v.get("file"))).is_file()
            for v in row.get("variants") or []):  # type: ignore[attr-defined]
        return "cached"
    return "failed" if row.get("error") else "missing"


@dataclass(frozen=True)
class CacheStatus:
    wanted: int
    states: Counter[str]
    files: int
    bytes: int
    unused_rows: int


def cache_status(config: SiteConfig, every_image: bool) -> CacheStatus:
    cache_dir = config.images.cache_dir
    rows = load_rows(cache_dir)
    urls, _ = wanted_images(config, every_image)
    states = Counter(row_state(cache_dir, rows.get(url)) for url in urls)
    files = list(_cache_files(cache_dir))
    return CacheStatus(len(urls), states, len(files), sum(f.stat().st_size for f in files),
                       len(rows.keys() - set(urls)))


def prune_cache(config: SiteConfig) -> tuple[int, int, int]:
    """Drop manifest rows no seed references (any image, related items' too) and files no
    row names. Returns (rows removed, files removed, bytes freed)."""
    cache_dir = config.images.cache_dir
    rows = load_rows(cache_dir)
    urls, invalid = wanted_images(config, every_image=True)
    if invalid:
        raise ValueError(f"{invalid} seed(s) cannot be read; fix them first, or their images "
                         "would be pruned")
    keep = {url: row for url, row in rows.items() if url in set(urls)}
    write_manifest(cache_dir, keep)
    named = {str(row.get("file")) for row in keep.values()}
    named |= {str(v.get("file")) for row in keep.values()
              for v in (row.get("variants") or []) if isinstance(v, dict)}  # type: ignore[attr-defined]
    removed = freed = 0
    for path in _cache_files(cache_dir):
        if path.relative_to(cache_dir).as_posix() not in named:
            freed += path.stat().st_size
            path.unlink()
            removed += 1
    return len(rows) - len(keep), removed, freed


def _cache_files(cache_dir: Path) -> Iterable[Path]:
    if not cache_dir.is_dir():
        return
    for path in sorted(cache_dir.rglob("*")):
        if path.is_file() and path.name not in (MANIFEST_NAME, JOURNAL_NAME):
            yield path
