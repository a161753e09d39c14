"""The incremental-build cache: parsed seeds, per-page records and the last build's summary,
kept between builds in one SQLite file and updated row by row.

Seeds whose file is unchanged are not parsed again, and pages whose record (what they read,
see `build.records`) still gives the same key are not rendered again. A build writes only
the rows that changed, in one transaction, so a build killed while saving leaves the cache
as it was. The cache is trusted only when its format and
newsgen's code version match and every row it reads is whole; anything else means a full
build with a one-line notice. Only the build that holds the site's lock writes it.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import importlib.util
import io
import os
import pickle
import sqlite3
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from generator import __version__
from generator.content.seeds import seed_path

if TYPE_CHECKING:  # the parser is imported only by builds that have seeds to parse
    from generator.build.readers import Readers
    from generator.build.result import Scan
    from generator.content.loader import SeedResult
    from generator.errors import SourceError
    from generator.images.references import CachedImage
    from generator.model import Article
    from generator.render.template_memo import TemplateMemo
    from generator.site.index import Site
    from generator.site.plan import Page, PlanInputs
    from generator.site.related import Candidate, Ranking, RelatedIndex
    from generator.site.saved_index import SiteIndex
    from generator.site.schedule import Schedule

CACHE_NAME = "build-cache.sqlite"
_FORMAT_NAME = "newsgen build cache "
_FORMAT = _FORMAT_NAME + "9"
_EARLIER_FILES = ("build-state.pickle", "last-build.pickle")
"""What newsgen 0.2 kept instead; removed on the first save."""
_PACKAGE = Path(__file__).resolve().parents[1]
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS seeds (path TEXT PRIMARY KEY, size INTEGER NOT NULL, "
    "mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, result BLOB NOT NULL, "
    "crc INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS files (tree TEXT NOT NULL, path TEXT NOT NULL, "
    "key TEXT NOT NULL, reads BLOB NOT NULL, made TEXT NOT NULL, indexed TEXT NOT NULL, "
    "PRIMARY KEY (tree, path))",
    "CREATE TABLE IF NOT EXISTS ranking (id TEXT PRIMARY KEY, ranked BLOB NOT NULL, "
    "crc INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS model (name TEXT PRIMARY KEY, snapshot BLOB NOT NULL, "
    "crc INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS model_delta (name TEXT NOT NULL, key TEXT NOT NULL, "
    "value BLOB NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY (name, key))",
    "CREATE TABLE IF NOT EXISTS plans (key TEXT PRIMARY KEY, page BLOB NOT NULL, "
    "crc INTEGER NOT NULL, template TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS site (name TEXT PRIMARY KEY, value BLOB NOT NULL, "
    "crc INTEGER NOT NULL)",
)
_TABLES = ("meta", "seeds", "files", "ranking", "model", "model_delta", "plans", "site")
DAMAGED = "cache is damaged; building everything"
PATCHED = "patched"
"""Meta key: the tree a patch of the live site (`build.patch`) made live, the tree it made it
from, and the files whose record it changed (`build.cache_rows`); any other build that
saves removes it."""
TREE_PREFIX = "tree-"
"""Meta key prefix: `tree-a` present means the cache vouches for the files of tree a."""


_OUTPUT_LIBRARIES = {"markdown": "markdown", "nh3": "nh3", "yaml": "pyyaml", "jinja2": "jinja2",
                     "markupsafe": "markupsafe", "slugify": "python_slugify",
                     "text_unidecode": "text_unidecode", "unidecode": "unidecode"}
"""The libraries whose behaviour is part of the output, by module and by project name
(python-slugify uses Unidecode instead of text-unidecode when it is installed)."""


def library_versions() -> str:
    """The installed versions of the libraries in the output, from the names of the metadata
    folders beside each module: a new Markdown may convert a cached body differently.
    (importlib.metadata would cost 60 ms at every start.) Every version found beside a
    module counts, so a stale folder left by an upgrade cannot hide the new one."""
    listings: dict[Path, list[str]] = {}
    found: list[str] = []
    for module, project in sorted(_OUTPUT_LIBRARIES.items()):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None or not spec.has_location:
            continue
        origin = Path(spec.origin)
        folder = origin.parents[1] if spec.submodule_search_locations else origin.parent
        if folder not in listings:
            try:
                listings[folder] = sorted(os.listdir(folder))
            except OSError:  # a module imported from a zip file
                listings[folder] = []
        for name in listings[folder]:
            stem, _, kind = name.rpartition(".")
            named, _, version = stem.partition("-")
            if kind in ("dist-info", "egg-info") and \
                    named.lower().replace("-", "_").replace(".", "_") == project:
                found.append(f"{project}={version}")
    return " ".join(found)


def code_version(package: Path) -> str:
    """Changes with newsgen's version, the Python that pickled the cache, the versions of
    the libraries in the output and the source of every module in `package`, its folders'
    modules included."""
    digest = hashlib.sha256(f"{__version__} {sys.version} {library_versions()}".encode())
    for module in sorted(package.rglob("*.py")):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0"
                      + module.read_bytes())
    return digest.hexdigest()


CODE_VERSION = code_version(_PACKAGE)


@dataclass(frozen=True)
class CachedSeed:
    size: int
    mtime_ns: int
    sha256: str
    result: SeedResult


@dataclass(frozen=True)
class PageRecord:
    """What one output file was made from."""

    key: str
    """For a page, a digest of its template's fingerprint and its plan (see
    `build.records`); for another file, what it was copied from."""
    reads: bytes
    """What the page's context read of the site model (see `site.reads.read_digests`)."""
    made: str = ""
    """The build that rendered the page: two records with the same path and `made` are
    the same bytes."""
    indexed: str = ""
    """For an article page, a digest of what the search indexer reads of it
    (`build.search_part`)."""


@dataclass
class LastBuild:
    """What the last successful build saw and reported; small, so it is read first."""

    inputs: str = ""
    """Fingerprint of every input file's size and mtime: equal means nothing changed."""
    others: str = ""
    """The same of the input files that are not seeds, and of the config and options:
    equal means that only seeds changed."""
    seed_chunks: tuple[str, ...] = ()
    """The same of each run of seeds (`pipeline._Look.seed_chunks`): the runs whose
    fingerprint differs hold the seeds that changed."""
    output: str = ""
    """The output folder it wrote."""
    warnings: list[SourceError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    schedule: Schedule | None = None
    """Its scheduled stories, and while which moments its set of due ones holds."""
    settings: str = ""
    """The fingerprint of the config, options and image manifest: equal means that only
    seeds, templates and static files changed."""
    static_lines: tuple[str, ...] = ()
    """The size and mtime of each static file (`pipeline._Look.static_lines`)."""
    fingerprints: dict[str, str] = field(default_factory=dict)
    """Each template a page is made from → its fingerprint (`Renderer.fingerprint`), as
    the keys of the live tree's pages have it."""


@dataclass
class BuildState:
    seeds: dict[str, CachedSeed] = field(default_factory=dict)
    """By the seed's absolute path."""
    reading: str = ""
    """The config's reading fingerprint the seeds were parsed under."""
    trees: dict[str, dict[str, PageRecord]] = field(default_factory=dict)
    """For each output tree the cache vouches for (see `build.output`), each of its files
    (relative posix path) → what it was made from."""
    output: str = ""
    """The output folder the trees belong to."""
    ranking: Ranking | None = None
    """The related lists and what they were ranked from."""
    model: dict[str, dict[str, object]] = field(default_factory=dict)
    """What pages could read of the site model as the build that made `model_tree` saw it
    (`build.records.Snapshot`)."""
    model_tree: str = ""
    templates: bytes = b""
    """The compiled templates and what each refers to (`render.template_memo`)."""
    index: SiteIndex | None = None
    """The site's index as the build that made `model_tree` made it (kept only when saved
    by this process; none when loaded)."""
    plans: dict[str, Page] = field(default_factory=dict)
    """The plan of each page the build made, by its key (`build.records.page_key`)."""
    plan_row: Callable[[Page], object] | None = None
    """A plan as the cache keeps it (`site.plan_rows`)."""

    def seeds_read_under(self, reading: str) -> dict[str, CachedSeed]:
        """The parsed seeds, if they were read under these reading settings (a new time
        zone changes what a time without an offset means), else none."""
        return self.seeds if reading == self.reading else {}


@dataclass
class KeptLoad:
    """What the last `build.workers.load_in_workers` of a process was given and gave."""

    loaded: LoadedSeeds | None = None
    combined: tuple[list[tuple[Path, SeedResult]], list[Article], list[SourceError]] | None = None
    """The last results combined (`content.loader.combine_results`): the articles and
    problems they gave."""


@dataclass(frozen=True)
class LoadedSeeds:
    """The seeds' paths, the look at them (`Scan.stats`) and the cache entries it loaded
    them with, and each one's result, in order."""

    paths: list[Path]
    stats: Mapping[Path, os.stat_result]
    entries: dict[str, CachedSeed]
    results: list[tuple[Path, SeedResult]]
    places: dict[Path, int]
    """Each path's place in `paths`."""


@dataclass
class KeptBundles:
    """What the last `build.search.bundle_records` of a process was given, and gave."""

    indexer: str = ""
    articles: Mapping[str, PageRecord] = field(default_factory=dict)
    months: dict[str, list[str]] = field(default_factory=dict)
    """Each month → its article pages, in order."""
    bundles: dict[str, PageRecord] = field(default_factory=dict)


@dataclass
class KeptState:
    """What a process that builds again and again (`newsgen serve`) keeps of its last
    build, so that the next one need not read the cache: the state as saved, and the stamp
    the save gave the cache. Any other writer changes the stamp."""

    state: BuildState | None = None
    stamp: str = ""
    index: KeptIndex | None = None
    plan: KeptPlan | None = None
    templates: TemplateMemo | None = None
    images: KeptImages | None = None
    model: KeptModel | None = None
    scan: KeptScan | None = None
    load: KeptLoad = field(default_factory=KeptLoad)
    """The seeds loaded and combined last (`build.workers.load_in_workers`)."""
    readers: Readers | None = None
    """Who reads what among the records of the tree built last (`build.readers`)."""
    bundles: KeptBundles = field(default_factory=KeptBundles)
    """The search bundles' records made last (`build.search.bundle_records`)."""
    checked: set[str] = field(default_factory=set)
    """Output trees that a build of this process brought up to date, with every file
    looked for or written, and in which no look found a file missing since
    (`pipeline.find_missing_files`): while `state` is still the cache's, the next build
    into one of them takes the files the records name to be there."""


class ScanInputs(NamedTuple):
    """What a look at the input files depends on besides the files."""

    config_path: Path
    seeds_dir: Path
    template_folders: tuple[Path, ...]
    static_dir: Path
    images_dir: Path
    options: str
    """The build's options that the fingerprint covers."""


@dataclass(frozen=True)
class KeptScan:
    """The last build's look at the input files (`build.result.Scan`), with what its
    fingerprint was made of: the next build of the process, told which files changed,
    looks again at those alone when they are seeds this one found (`pipeline._rescan`)."""

    inputs: ScanInputs
    scan: Scan
    prefix: bytes
    """What the fingerprint hashes before the files' lines."""
    lines: list[str]
    """Each input file's line, seeds first."""
    seeds: dict[Path, int]
    """Each seed's place in `lines`."""
    trusted: bool
    """Whether a watcher's report of changed files tells all that changed: no seed is a
    symlink or has another name (a change through the other name is reported by that
    name only)."""


@dataclass
class KeptIndex:
    """The last build's site model, reused (with the new articles) while what indexing
    reads is unchanged (`site.index.index_inputs`): a pure function of those."""

    inputs: object
    titles: tuple[str, ...]
    site: Site
    related: RelatedIndex | None = None
    """The inverted index of `site.ranked_as`, once a change of titles needed it."""
    articles: list[Article] = field(default_factory=list)
    """The articles it was indexed with, in order."""
    rows: list[tuple[object, ...]] = field(default_factory=list)
    """Each one's row of the inputs (`site.index.index_row`)."""


@dataclass(frozen=True)
class KeptModel:
    """A snapshot of a site model (`build.records.snapshot`) and the site it was taken of.
    A value of the site is immutable, so a later site's value that is the very same object
    has the same form in the snapshot: the next snapshot takes only what is new."""

    site: Site
    snapshot: dict[str, dict[str, object]]


@dataclass
class KeptImages:
    """Which cached files each article's page shows (`render.views.Views.local_images`),
    found with these entries of the image cache in this folder: a pure function of the
    article (the very object, as the parse cache keeps it), the folder and the entries."""

    root: Path
    entries: dict[str, CachedImage]
    articles: dict[str, Article] = field(default_factory=dict)
    """The site's articles it was found for."""
    shown: dict[str, tuple[Article, set[str]]] = field(default_factory=dict)
    """By article id: the article and what its page shows."""
    used: tuple[set[str], dict[PurePosixPath, Path]] | None = None
    """The last union of those, and the files it gave (`build.reuse.used_images`)."""


@dataclass(frozen=True)
class PageOutputs:
    """The output files of a plan's pages."""

    names: list[str]
    """Each page's, in the plan's order (`urls.output_name`)."""
    articles: list[str]
    """Those of the article pages."""
    kinds: Counter[str]
    """How many pages of each kind."""


@dataclass
class KeptPlan:
    """The last build's plan and its pages' keys. Each is a pure function of what it was
    made from, so it holds whatever the cache says: the plan while `site.plan.plan_inputs`
    are equal, the keys while the templates' fingerprints are too."""

    inputs: PlanInputs
    pages: list[Page]
    made_from: tuple[Site, PlanInputs] | None = None
    """The last site whose inputs were these, and its inputs as `plan_inputs` took them
    (each part the object it was while what it was read from is)."""
    fingerprints: dict[str, str] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    outputs: PageOutputs | None = None
    """Its pages' output files (`build.reuse.page_outputs`)."""
    claims: dict[str, tuple[dict[str, str], list[str]]] = field(default_factory=dict)
    """For each output tree (its path), the paths the pages claimed in it and each
    page's file there (`build.output.OutputTrees.claimed`)."""


class CacheUntrusted(Exception):
    """The cache file exists but cannot be used; the message is the notice."""


def load_state(cache_dir: Path, output_dir: Path, kept: KeptState | None = None
               ) -> tuple[BuildState, str]:
    """The saved state, or an empty one and why the saved one was not used ("" if none);
    the records of output trees only if they are `output_dir`'s. The `kept` state when
    the cache is still as this process saved it."""
    try:
        with _collector_paused(), open_cache(cache_dir) as db:
            if db is None:
                return BuildState(), ""
            if kept is not None and kept.state is not None and kept.stamp and \
                    kept.state.output == str(output_dir) and \
                    kept.stamp == meta_text(db, "stamp"):
                return kept.state, ""
            output = meta_text(db, "trees_output")
            state = BuildState(seeds=dict(_read_seeds(db)),
                               reading=meta_text(db, "reading"),
                               trees=read_trees(db) if output == str(output_dir) else {},
                               output=output, ranking=_read_ranking(db))
            state.model_tree = meta_text(db, "model_tree")
            templates = meta_value(db, "templates")
            state.templates = templates if isinstance(templates, bytes) else b""
            if state.model_tree in state.trees:
                state.model = _read_model(db)
            else:
                state.model_tree = ""
    except CacheUntrusted as exc:
        return BuildState(), str(exc)
    return state, ""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading the cache makes hundreds of thousands of objects that live as long as the
    build, and no garbage: each collection their allocation triggers would walk the
    growing heap for nothing (half the time of reading 10,000 seeds), and so would the
    first one after. So the collector is off while they are made, and they are frozen
    (out of its sight) after, until the build ends (`pipeline.build` unfreezes)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def load_parsed_seeds(cache_dir: Path, reading: str) -> dict[str, CachedSeed]:
    """The cache's parsed seeds if they were read under these reading settings, else none:
    what `newsgen check` reuses, reading nothing else."""
    try:
        with _collector_paused(), open_cache(cache_dir) as db:
            if db is None or meta_text(db, "reading") != reading:
                return {}
            return dict(_read_seeds(db))
    except CacheUntrusted:
        return {}


def load_last_build(cache_dir: Path) -> LastBuild:
    try:
        with open_cache(cache_dir) as db:
            blob = meta_value(db, "last_build") if db is not None else None
            last = pickle.loads(blob) if isinstance(blob, bytes) else None
    except Exception:  # never trust a summary that cannot be read whole
        return LastBuild()
    return last if isinstance(last, LastBuild) else LastBuild()


def forget_tree(cache_dir: Path, tree: str) -> None:
    """Before a build changes an output tree, the cache stops vouching for it (and for the
    summary of the last build, and for a state kept in memory): a build killed before it
    saves leaves the tree untrusted.
    Parsed seeds and the other tree stay valid."""
    path = cache_dir / CACHE_NAME
    if not path.is_file():
        return
    try:
        with closing(connect(path)) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM meta WHERE key IN (?, 'last_build', 'stamp')",
                       (TREE_PREFIX + tree,))
            db.execute("COMMIT")
    except sqlite3.Error:  # damaged or foreign: the next load says so and starts anew
        _remove(path)


def save_state(cache_dir: Path, state: BuildState, last: LastBuild,
               previous: BuildState | None = None) -> str:
    """Write what changed since the `previous` state (as loaded by this build, which holds
    the lock) and the summary, in one transaction; every row when there is none (the saved
    state was not trusted, or not used). Returns the stamp it gave the cache (see
    `KeptState`)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / CACHE_NAME
    import uuid  # (its import costs a build with nothing to do 5 ms)

    stamp = uuid.uuid4().hex
    try:
        _save(path, state, last, previous, stamp)
    except sqlite3.DatabaseError:  # a damaged file: start a new one
        _remove(path)
        _save(path, state, last, None, stamp)
    for name in _EARLIER_FILES:
        (cache_dir / name).unlink(missing_ok=True)
    return stamp


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def open_cache(cache_dir: Path) -> Iterator[sqlite3.Connection | None]:
    """The cache, checked for format and version; None when there is none yet."""
    path = cache_dir / CACHE_NAME
    if not path.is_file():
        yield None
        return
    try:
        with closing(connect(path)) as db:
            stored = meta_text(db, "format")
            if stored != _FORMAT and not stored.startswith(_FORMAT_NAME):
                raise CacheUntrusted("cache is not a newsgen cache; building everything")
            if stored != _FORMAT or meta_text(db, "version") != CODE_VERSION:
                raise CacheUntrusted("cache is from another version of newsgen or of a library it "
                                 "uses; building everything")
            yield db
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            raise CacheUntrusted("cache is not a newsgen cache; building everything") from None
        raise CacheUntrusted(DAMAGED) from None
    except sqlite3.Error as exc:
        raise CacheUntrusted(f"cache not readable ({exc}); building everything") from None


def _read_seeds(db: sqlite3.Connection) -> Iterator[tuple[str, CachedSeed]]:
    for path, size, mtime_ns, sha256, blob, crc in db.execute(
            "SELECT path, size, mtime_ns, sha256, result, crc FROM seeds"):
        yield path, CachedSeed(size, mtime_ns, sha256, unpickled(blob, crc))


def _path(path: Path) -> tuple[Callable[[str], Path], tuple[str]]:
    return seed_path, (str(path),)  # read back as the Path the look at the seeds made


def _offset(zone: timezone) -> tuple[Callable[..., timezone], tuple[object, ...]]:
    offset, name = zone.utcoffset(None), zone.tzname(None)
    if name == timezone(offset).tzname(None):  # no name of its own
        return _zone, (offset // _MICROSECOND,)
    return timezone, (offset, name)


def _zone(microseconds: int) -> timezone:
    zone = _ZONES.get(microseconds)
    if zone is None:
        zone = _ZONES[microseconds] = timezone(microseconds * _MICROSECOND)
    return zone


_MICROSECOND = timedelta(microseconds=1)
_ZONES: dict[int, timezone] = {}
"""Each fixed-offset zone read back, by its offset: immutable, so shared."""


_REDUCERS: dict[type, Callable[[Any], Any]] = {
    **copyreg.dispatch_table, type(Path()): _path, timezone: _offset}


class _SeedPickler(pickle.Pickler):
    """Pickles a seed's result with each path as its text, and each time zone of a fixed
    offset (and no name of its own) as that offset in microseconds: otherwise, reading a
    row back parses each path from its parts and makes each time's zone anew, a third of
    the time of reading 10,000 seeds. Looked up by type, in C: no Python call for the
    other objects."""

    dispatch_table = _REDUCERS


def seed_blob(result: SeedResult) -> bytes:
    buffer = io.BytesIO()
    _SeedPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return buffer.getvalue()


def unpickled(blob: bytes, crc: int) -> Any:
    """A pickled row's value; damage (a wrong checksum, a row that does not load) means the
    cache is not trusted."""
    if zlib.crc32(blob) != crc:
        raise CacheUntrusted(DAMAGED)
    try:
        return pickle.loads(blob)
    except Exception:  # a pickling bug or damage the checksum missed: never trust it
        raise CacheUntrusted(DAMAGED) from None


def read_trees(db: sqlite3.Connection) -> dict[str, dict[str, PageRecord]]:
    trees: dict[str, dict[str, PageRecord]] = {
        key.removeprefix(TREE_PREFIX): {} for (key,) in
        db.execute("SELECT key FROM meta WHERE key LIKE ?", (TREE_PREFIX + "%",))}
    for tree, path, key, reads, made, indexed in db.execute(
            "SELECT tree, path, key, reads, made, indexed FROM files"):
        if tree in trees:
            trees[tree][path] = PageRecord(key, reads, made, indexed)
    return trees


def _read_model(db: sqlite3.Connection) -> dict[str, dict[str, object]]:
    model = {}
    for name, blob, crc in db.execute("SELECT name, snapshot, crc FROM model"):
        model[name] = unpickled(blob, crc)
        if not isinstance(model[name], dict):
            raise CacheUntrusted(DAMAGED)
    for name, key, blob, crc in db.execute("SELECT name, key, value, crc FROM model_delta"):
        if key not in model.get(name, {}):
            raise CacheUntrusted(DAMAGED)
        model[name][key] = unpickled(blob, crc)
    return model


def _read_ranking(db: sqlite3.Connection) -> Ranking | None:
    from generator.site.related import Ranking

    count = meta_value(db, "related_count")
    if not isinstance(count, int) or count < 0:
        return None
    ranked_as: dict[str, Candidate] = {}
    related: dict[str, tuple[str, ...]] = {}
    for article_id, blob, crc in db.execute("SELECT id, ranked, crc FROM ranking"):
        candidate, related[article_id] = unpickled(blob, crc)
        ranked_as[article_id] = candidate
    return Ranking(count, ranked_as, related)


def _save(path: Path, state: BuildState, last: LastBuild, previous: BuildState | None,
          stamp: str) -> None:
    with closing(connect(path)) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            if _format_of(db) != _FORMAT:  # another format's tables may have other columns
                for table in _TABLES:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA:
                db.execute(statement)
            if previous is None or (meta_text(db, "format"), meta_text(db, "version")) != (
                    _FORMAT, CODE_VERSION):
                previous = None
                db.execute("DELETE FROM seeds")
                db.execute("DELETE FROM files")
                db.execute("DELETE FROM ranking")
                db.execute("DELETE FROM model")
                db.execute("DELETE FROM model_delta")
                db.execute("DELETE FROM plans")
                db.execute("DELETE FROM site")
                db.execute("DELETE FROM meta")
            if meta_text(db, "reading") != state.reading:
                # Parsed under other settings: a row whose file is unchanged is not the
                # same parse (a time without an offset is read in another zone).
                db.execute("DELETE FROM seeds")
                _save_seeds(db, state.seeds, {})
            else:
                _save_seeds(db, state.seeds, previous.seeds if previous else None)
            if meta_text(db, "trees_output") != state.output:
                previous = None
                db.execute("DELETE FROM files")
                db.execute("DELETE FROM meta WHERE key LIKE ?", (TREE_PREFIX + "%",))
            for tree, records in state.trees.items():
                save_files(db, tree, records, previous.trees.get(tree) if previous else None)
            _save_ranking(db, state.ranking, previous.ranking if previous else None)
            _save_model(db, state.model, previous.model if previous else None)
            _save_plans(db, state.plans, state.plan_row)
            if state.index is None:
                db.execute("DELETE FROM site")
            elif previous is None or state.index is not previous.index:
                _save_blob(db, "site", "index", state.index)
            if previous is None or state.templates != previous.templates:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('templates', ?)",
                           (state.templates,))
            meta = {"format": _FORMAT, "version": CODE_VERSION, "reading": state.reading,
                    "model_tree": state.model_tree, "stamp": stamp,
                    "trees_output": state.output,
                    **{TREE_PREFIX + tree: "ok" for tree in state.trees},
                    "related_count": state.ranking.count if state.ranking else -1,
                    "last_build": pickle.dumps(last, protocol=pickle.HIGHEST_PROTOCOL)}
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            db.execute("DELETE FROM meta WHERE key = ?", (PATCHED,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


# Each `_save_*` compares with what the cache holds: the rows as this build loaded them when
# it has them in memory, else the rows read back.

def _save_seeds(db: sqlite3.Connection, seeds: dict[str, CachedSeed],
                before: dict[str, CachedSeed] | None) -> None:
    saved = ({path: (entry.size, entry.mtime_ns, entry.sha256)
              for path, entry in before.items()} if before is not None else
             {path: (size, mtime_ns, sha256) for path, size, mtime_ns, sha256 in
              db.execute("SELECT path, size, mtime_ns, sha256 FROM seeds")})
    db.executemany("DELETE FROM seeds WHERE path = ?",
                   [(path,) for path in sorted(saved.keys() - seeds.keys())])
    rows = []
    for path, entry in seeds.items():
        if saved.get(path) != (entry.size, entry.mtime_ns, entry.sha256):
            blob = seed_blob(entry.result)
            rows.append((path, entry.size, entry.mtime_ns, entry.sha256, blob,
                         zlib.crc32(blob)))
    db.executemany("INSERT OR REPLACE INTO seeds VALUES (?, ?, ?, ?, ?, ?)", rows)


def save_files(db: sqlite3.Connection, tree: str, files: dict[str, PageRecord],
                before: dict[str, PageRecord] | None) -> None:
    # A page's reads are those of the render that `made` names: the key and `made` say
    # whether a row changed, without reading every page's reads back.
    saved = ({path: (record.key, record.made) for path, record in before.items()}
             if before is not None else
             {path: (key, made) for path, key, made in
              db.execute("SELECT path, key, made FROM files WHERE tree = ?", (tree,))})
    db.executemany("DELETE FROM files WHERE tree = ? AND path = ?",
                   [(tree, path) for path in sorted(saved.keys() - files.keys())])
    rows = []
    for path, record in files.items():
        if saved.get(path) != (record.key, record.made):
            rows.append((tree, path, record.key, record.reads, record.made, record.indexed))
    db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", rows)


def _save_model(db: sqlite3.Connection, model: dict[str, dict[str, object]],
                before: dict[str, dict[str, object]] | None) -> None:
    # A mapping kept from the last snapshot is the very object (`KeptModel`): no need to
    # compare it item by item, nor to pickle and write it again. One with items changed
    # by a build of a few edited stories (`build.cache_rows.save_patch`) is written whole.
    saved = before.keys() if before else {
        name for (name,) in db.execute("SELECT name FROM model")}
    db.executemany("DELETE FROM model WHERE name = ?",
                   [(name,) for name in sorted(saved - model.keys())])
    patched = {name for (name,) in db.execute("SELECT DISTINCT name FROM model_delta")}
    db.execute("DELETE FROM model_delta")
    rows = []
    for name, mapping in model.items():
        if before is not None and name in before and name not in patched and (
                before[name] is mapping or before[name] == mapping):
            continue
        blob = pickle.dumps(mapping, protocol=pickle.HIGHEST_PROTOCOL)
        rows.append((name, blob, zlib.crc32(blob)))
    db.executemany("INSERT OR REPLACE INTO model VALUES (?, ?, ?)", rows)


def _save_plans(db: sqlite3.Connection, plans: dict[str, Page],
                plan_row: Callable[[Page], object] | None) -> None:
    """Each page's plan (as `plan_row` gives it) that is not there yet, by its key, with
    its template; those that no page of any tree has any more go. A build of a few edited
    stories renders a page from its plan; one of a few edited templates finds the pages
    made from them by it."""
    stored = {key for (key,) in db.execute("SELECT key FROM plans")}
    rows = []
    for key in plans.keys() - stored:
        assert plan_row is not None
        blob = pickle.dumps(plan_row(plans[key]), protocol=pickle.HIGHEST_PROTOCOL)
        rows.append((key, blob, zlib.crc32(blob), plans[key].template))
    db.executemany("INSERT INTO plans VALUES (?, ?, ?, ?)", sorted(rows))
    db.execute("DELETE FROM plans WHERE key NOT IN (SELECT key FROM files)")


def _save_blob(db: sqlite3.Connection, table: str, name: str, value: object) -> None:
    blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    db.execute(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)", (name, blob, zlib.crc32(blob)))


def _save_ranking(db: sqlite3.Connection, ranking: Ranking | None,
                  before: Ranking | None) -> None:
    ranked_as = ranking.ranked_as if ranking is not None else {}
    if before is not None:
        gone = before.ranked_as.keys() - ranked_as.keys()
    else:
        saved = dict(db.execute("SELECT id, ranked FROM ranking"))
        gone = saved.keys() - ranked_as.keys()
    db.executemany("DELETE FROM ranking WHERE id = ?", [(key,) for key in sorted(gone)])
    rows = []
    for article_id, candidate in ranked_as.items():
        assert ranking is not None
        related = ranking.related[article_id]
        if before is not None and before.ranked_as.get(article_id) == candidate and \
                before.related.get(article_id) == related:
            continue
        blob = pickle.dumps((candidate, related), protocol=pickle.HIGHEST_PROTOCOL)
        if before is not None or saved.get(article_id) != blob:
            rows.append((article_id, blob, zlib.crc32(blob)))
    db.executemany("INSERT OR REPLACE INTO ranking VALUES (?, ?, ?)", rows)


def connect(path: Path) -> sqlite3.Connection:
    # Autocommit, with explicit transactions; WAL, so a reader (`newsgen images`) never
    # waits for the build that writes; NORMAL sync: a crash of the machine may lose the
    # last transaction, never corrupt the file.
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def meta_value(db: sqlite3.Connection, key: str) -> object:
    """A meta value as stored: text, or bytes for the pickled summary; None when absent."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def _format_of(db: sqlite3.Connection) -> str:
    """The format the file says it has; "" for a file with no meta table."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
                  ).fetchone() is None:
        return ""
    return meta_text(db, "format")


def meta_text(db: sqlite3.Connection, key: str) -> str:
    value = meta_value(db, key)
    return value if isinstance(value, str) else ""


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
