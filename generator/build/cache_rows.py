"""The build cache read and written a few rows at a time: what a patch of the live site
needs (`build.patch`). The output trees' records are compared, tested and copied
inside SQLite, so that the work done in Python grows with the change, not with the site.

Anything missing or damaged raises `Untrusted`: the caller then leaves the build to the
whole one, which reads the cache as `build.cache` does and says why it cannot use it.
"""

from __future__ import annotations

import pickle
import sqlite3
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.build.cache import (
    CACHE_NAME,
    PATCHED,
    TREE_PREFIX,
    CachedSeed,
    CacheUntrusted,
    LastBuild,
    PageRecord,
    connect,
    meta_text,
    meta_value,
    open_cache,
    seed_blob,
    unpickled,
)
from generator.site.reads import DIGEST_SIZE, LEAD_IMAGES, WHOLE

if TYPE_CHECKING:
    from generator.content.loader import SeedResult
    from generator.site.plan_rows import PlanRow
    from generator.site.saved_index import SiteIndex


class Untrusted(Exception):
    """The cache cannot be used for a patch of the live site."""


class StoredBuild:
    """The cache as the last build left it, read a row at a time."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    @contextmanager
    def opened(cls, cache_dir: Path) -> Iterator[StoredBuild]:
        try:
            with open_cache(cache_dir) as db:
                if db is None:
                    raise Untrusted("no cache")
                yield cls(db)
        except (CacheUntrusted, sqlite3.Error) as exc:
            raise Untrusted(str(exc)) from None

    def meta(self, key: str) -> str:
        return meta_text(self._db, key)

    def templates(self) -> bytes:
        found = meta_value(self._db, "templates")
        return found if isinstance(found, bytes) else b""

    def vouched(self, output: str) -> set[str]:
        """The output trees whose records the cache vouches for, when they are `output`'s."""
        if self.meta("trees_output") != output:
            raise Untrusted("another output folder")
        return {key.removeprefix(TREE_PREFIX) for (key,) in self._db.execute(
            "SELECT key FROM meta WHERE key LIKE ?", (TREE_PREFIX + "%",))}

    def seed_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM seeds").fetchone()[0])

    def seed_stats(self, paths: list[str] | None = None) -> dict[str, tuple[int, int, str]]:
        """Each seed file (of these `paths`) → its size, mtime and digest when it was
        parsed. Every seed must have a row: a path without one raises `Untrusted`."""
        if paths is None:
            return {path: (size, mtime_ns, sha256) for path, size, mtime_ns, sha256 in
                    self._db.execute("SELECT path, size, mtime_ns, sha256 FROM seeds")}
        found = {}
        for path in paths:
            row = self._db.execute("SELECT size, mtime_ns, sha256 FROM seeds WHERE path = ?",
                                   (path,)).fetchone()
            if row is None:
                raise Untrusted(f"no row for {path}")
            found[path] = row
        return found

    def seed_result(self, path: str) -> SeedResult:
        row = self._db.execute("SELECT result, crc FROM seeds WHERE path = ?",
                               (path,)).fetchone()
        if row is None:
            raise Untrusted(f"no row for {path}")
        return _loaded(*row)  # type: ignore[no-any-return]

    def seed_results(self) -> dict[str, SeedResult]:
        """Every seed's result, by its file: read in one pass, for a patch that renders
        many pages in forked workers (which cannot read the cache through this
        connection)."""
        return {path: _loaded(blob, crc)
                for path, blob, crc in self._db.execute("SELECT path, result, crc FROM seeds")}

    def readers(self, tree: str, wanted: list[bytes]) -> dict[str, str]:
        """The pages of the tree (output file → key) whose reads may hold one of the
        `wanted` digests (`site.reads.read_digests`): each looked for in the reads by
        SQLite. A digest found across two (misaligned) only renders a page needlessly;
        reads that are not whole digests (damaged) hold every one."""
        if not wanted:
            return {}
        holds = " OR ".join(["instr(reads, ?) > 0"] * len(wanted))
        return dict(self._db.execute(
            f"SELECT path, key FROM files WHERE tree = ? AND (length(reads) % {DIGEST_SIZE} "
            f"!= 0 OR {holds})", (tree, *wanted)))

    def paths(self, tree: str) -> list[str]:
        return [path for (path,) in self._db.execute(
            "SELECT path FROM files WHERE tree = ?", (tree,))]

    def keys(self, tree: str, paths: list[str]) -> dict[str, str]:
        found = {}
        for path in paths:
            row = self._db.execute("SELECT key FROM files WHERE tree = ? AND path = ?",
                                   (tree, path)).fetchone()
            if row is None:
                raise Untrusted(f"no record of {path}")
            found[path] = row[0]
        return found

    def differing(self, tree: str, other: str) -> tuple[list[str], list[str]]:
        """The files of `tree` whose record `other` does not have, and the files of
        `other` that `tree` does not have: what the patch that made `tree` from `other`
        changed, when that was the last build (`PATCHED`); else compared row by row."""
        last = meta_value(self._db, PATCHED)
        if isinstance(last, bytes):
            made, base, changed = _loaded(last, zlib.crc32(last))
            if (made, base) == (tree, other):
                return changed, []
        differing = [path for (path,) in self._db.execute(
            "SELECT t.path FROM files t WHERE t.tree = ? AND NOT EXISTS (SELECT 1 FROM files o "
            "WHERE o.tree = ? AND o.path = t.path AND o.key = t.key AND o.reads = t.reads "
            "AND o.made = t.made AND o.indexed = t.indexed)", (tree, other))]
        gone = [path for (path,) in self._db.execute(
            "SELECT o.path FROM files o WHERE o.tree = ? AND NOT EXISTS (SELECT 1 FROM files t "
            "WHERE t.tree = ? AND t.path = o.path)", (other, tree))]
        return differing, gone

    def records(self, tree: str, prefix: str = "", paths: list[str] | None = None
                ) -> dict[str, PageRecord]:
        """The tree's records of the files under `prefix`, or of these `paths`."""
        rows: Iterable[tuple[str, str, bytes, str, str]]
        if paths is None:
            rows = self._db.execute(
                "SELECT path, key, reads, made, indexed FROM files WHERE tree = ? "
                "AND substr(path, 1, ?) = ?", (tree, len(prefix), prefix))
        else:
            rows = (row for path in paths for row in self._db.execute(
                "SELECT path, key, reads, made, indexed FROM files WHERE tree = ? "
                "AND path = ?", (tree, path)))
        return {path: PageRecord(key, reads, made, indexed)
                for path, key, reads, made, indexed in rows}

    def made_from(self, tree: str, templates: set[str]) -> dict[str, str]:
        """The pages of the tree (output file → key) made from one of these `templates`."""
        if not templates:
            return {}
        marks = ", ".join("?" * len(templates))
        return dict(self._db.execute(
            "SELECT f.path, f.key FROM files f JOIN plans p ON p.key = f.key "
            f"WHERE f.tree = ? AND p.template IN ({marks})", (tree, *sorted(templates))))

    def plans(self, keys: set[str]) -> dict[str, PlanRow]:
        """Each page's plan (`site.plan_rows`), by its key."""
        found = {}
        for key in sorted(keys):
            row = self._db.execute("SELECT page, crc FROM plans WHERE key = ?",
                                   (key,)).fetchone()
            if row is None:
                raise Untrusted(f"no plan for {key}")
            found[key] = _loaded(*row)
        return found

    def model(self, names: tuple[str, ...]) -> dict[str, dict[str, object]]:
        model = {}
        for name in names:
            row = self._db.execute("SELECT snapshot, crc FROM model WHERE name = ?",
                                   (name,)).fetchone()
            if row is None or not isinstance(found := _loaded(*row), dict):
                raise Untrusted(f"no snapshot of {name}")
            for key, blob, crc in self._db.execute(
                    "SELECT key, value, crc FROM model_delta WHERE name = ?", (name,)):
                found[key] = _loaded(blob, crc)
            model[name] = found
        return model

    def lead_images(self) -> dict[str, str | None]:
        """Each article's lead image (`site.reads.lead_image`), as the snapshot holds them."""
        found = self.model((LEAD_IMAGES,))[LEAD_IMAGES][WHOLE]
        if not isinstance(found, tuple):
            raise Untrusted("no lead images")
        return dict(found)

    def index(self) -> SiteIndex:
        row = self._db.execute("SELECT value, crc FROM site WHERE name = 'index'").fetchone()
        if row is None:
            raise Untrusted("no site index")
        return _loaded(*row)  # type: ignore[no-any-return]


def _loaded(blob: bytes, crc: int) -> Any:
    try:
        return unpickled(blob, crc)
    except CacheUntrusted as exc:
        raise Untrusted(str(exc)) from None


@dataclass(frozen=True)
class Patch:
    """What a patch of the live site (`build.patch`) changed, for `save_patch`."""

    seeds: dict[str, CachedSeed]
    """The seeds parsed again."""
    tree: str
    """The tree made live: its records are the `live` tree's, but for the `changed` ones."""
    live: str
    differing: tuple[list[str], list[str]] | None
    """The files whose record that tree did not have, and those it had that the live one
    has not (`StoredBuild.differing`); None when the cache did not vouch for the tree."""
    changed: dict[str, PageRecord]
    model: dict[str, dict[str, object]]
    """Items of the snapshot's mappings that changed: mapping → key → value."""
    plans: dict[str, str] = field(default_factory=dict)
    """The new key of each page rendered from another template (`build.theme_patch`) →
    its key before: the plan is the same."""
    templates: bytes | None = None
    """The compiled templates (`render.template_memo`), when they changed."""


def save_patch(cache_dir: Path, patch: Patch, last: LastBuild) -> None:
    """Write what a patch of the live site changed, in one transaction: the cache then
    vouches for both trees, and its snapshot is of the new live one."""
    with closing(connect(cache_dir / CACHE_NAME)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = []
            for path, entry in sorted(patch.seeds.items()):
                blob = seed_blob(entry.result)
                rows.append((path, entry.size, entry.mtime_ns, entry.sha256, blob,
                             zlib.crc32(blob)))
            db.executemany("INSERT OR REPLACE INTO seeds VALUES (?, ?, ?, ?, ?, ?)", rows)
            tree, live = patch.tree, patch.live
            _copy_records(db, live, tree, patch.differing)
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                           [(tree, path, record.key, record.reads, record.made, record.indexed)
                            for path, record in sorted(patch.changed.items())])
            if patch.plans:  # pages under new keys: the keys no tree has any more go
                db.executemany("INSERT OR IGNORE INTO plans SELECT ?, page, crc, template "
                               "FROM plans WHERE key = ?", sorted(patch.plans.items()))
                db.execute("DELETE FROM plans WHERE key NOT IN (SELECT key FROM files)")
            if patch.templates is not None:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('templates', ?)",
                           (patch.templates,))
            deltas = []
            for name, items in sorted(patch.model.items()):
                for key, value in sorted(items.items()):
                    blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
                    deltas.append((name, key, blob, zlib.crc32(blob)))
            # Applied over the mappings as they are read (`build.cache`), until a whole
            # build writes them whole.
            db.executemany("INSERT OR REPLACE INTO model_delta VALUES (?, ?, ?, ?)", deltas)
            meta = {"model_tree": tree, "stamp": uuid.uuid4().hex, TREE_PREFIX + tree: "ok",
                    "last_build": pickle.dumps(last, protocol=pickle.HIGHEST_PROTOCOL),
                    PATCHED: pickle.dumps((tree, live, sorted(patch.changed)),
                                          protocol=pickle.HIGHEST_PROTOCOL)}
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _copy_records(db: sqlite3.Connection, live: str, tree: str,
                  differing: tuple[list[str], list[str]] | None) -> None:
    """Make the records of `tree` those of `live`: only the `differing` ones when known."""
    if differing is None:
        db.execute("DELETE FROM files WHERE tree = ?", (tree,))
        db.execute("INSERT INTO files SELECT ?, path, key, reads, made, indexed FROM files "
                   "WHERE tree = ?", (tree, live))
        return
    paths, gone = differing
    db.executemany("DELETE FROM files WHERE tree = ? AND path = ?",
                   [(tree, path) for path in gone])
    db.executemany("INSERT OR REPLACE INTO files SELECT ?, path, key, reads, made, indexed "
                   "FROM files WHERE tree = ? AND path = ?",
                   [(tree, live, path) for path in paths])
