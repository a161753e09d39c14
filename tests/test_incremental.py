"""Incremental builds are memoized full builds: after any edit, the output equals a clean
build of the same inputs, byte for byte."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import write_corpus
from generator.build import cache, pipeline
from generator.build.cache import CACHE_NAME, KeptState
from generator.build.pipeline import build, ready_other_tree
from generator.build.search import pagefind_binary
from generator.config import load_config
from generator.errors import BuildFailed
from generator.render.theme import SHIPPED_TEMPLATES
from tests.helpers import clean_copy_build, read_tree, run_build, seed_text

EDITS = ("add", "delete", "rename", "title", "title_same_url", "excerpt", "quality", "topic",
         "date", "provider", "related_url", "related_title", "template", "config",
         "timezone", "published", "static", "image", "touch", "code_version")
TINY_PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
"""Enough of a PNG for the cache's signature check (the build never decodes images)."""


def clean_build(site: Path, out: Path, *args: str) -> dict[str, bytes]:
    assert run_build(site, "--out", str(out), "--clean", "--quiet", *args) == 0
    return read_tree(out)


def apply_edit(site: Path, edit: str, rng: random.Random, step: int) -> None:
    seeds = sorted((site / "seeds").glob("*.txt"))
    victim = rng.choice(seeds)
    text = victim.read_text(encoding="utf-8")
    if edit == "add":
        (site / "seeds" / f"new-{step}.txt").write_text(seed_text(
            f"Fresh story {step}", topics=("Science", f"Topic {step % 3}"),
            url=f"https://example.com/new-{step}"))
    elif edit == "delete" and len(seeds) > 2:
        victim.unlink()
    elif edit == "rename":
        victim.rename(victim.with_name(f"renamed-{step}.txt"))
    elif edit == "title":
        victim.write_text(text.replace('title: "', f'title: "Edit {step} ', 1))
    elif edit == "title_same_url":  # `!` is not in the slug: the page keeps its address
        victim.write_text(re.sub(r'^(title: ".*)"$', r'\1!"', text, count=1, flags=re.M))
    elif edit == "excerpt":
        victim.write_text(text.replace('excerpt: "', f'excerpt: "Edit {step} ', 1))
    elif edit == "quality":
        victim.write_text(re.sub(r"^quality: \d+", f"quality: {rng.randint(0, 100)}", text,
                                 count=1, flags=re.M))
    elif edit == "related_title":
        head, found, tail = text.partition("related:")
        victim.write_text(head + found + tail.replace('title: "', f'title: "Edit {step} ', 1))
    elif edit == "topic":
        victim.write_text(text.replace("topics:\n", f"topics:\n  - Added {step % 2}\n", 1))
    elif edit == "date":
        victim.write_text(text.replace("publishedDateTime: 202", "publishedDateTime: 201", 1))
    elif edit == "provider":
        victim.write_text(text.replace("  name: ", f"  name: Renamed {step} ", 1))
    elif edit == "related_url":
        target = rng.choice(seeds).read_text(encoding="utf-8")
        url = target.split('webUrl: "', 1)[1].split('"', 1)[0] if 'webUrl: "' in target else ""
        if url and "related:" in text and 'webUrl: "' in text.split("related:", 1)[1]:
            head, tail = text.split("related:", 1)
            old = tail.split('webUrl: "', 1)[1].split('"', 1)[0]
            victim.write_text(head + "related:" + tail.replace(old, url, 1))
    elif edit == "template":
        templates = site / "templates"
        templates.mkdir(exist_ok=True)
        if step % 2:  # one page
            (templates / "404.html").write_text(f"Missing, edit {step}: {{{{ home_href }}}}\n")
        else:  # the provider listings, which show stories
            (templates / "provider.html").write_text(
                (SHIPPED_TEMPLATES / "provider.html").read_text(encoding="utf-8").replace(
                    "{% block main %}", f"{{% block main %}}<!-- edit {step} -->", 1))
    elif edit == "config":
        config = site / "site.toml"
        text = config.read_text()
        config.write_text(re.sub(r"related_count = \d+", f"related_count = {1 + step % 5}", text)
                          if step % 2 else text.replace('"Test News', '"Test'))
    elif edit == "timezone":
        # A time without an offset means another moment in another zone.
        victim.write_text(text.replace("Z\n", "\n", 1))
        config = site / "site.toml"
        text = config.read_text()
        config.write_text(text.replace('"Asia/Tokyo"', '"Europe/Berlin"') if "Tokyo" in text
                          else text.replace('"Europe/Berlin"', '"Asia/Tokyo"') if "Berlin" in text
                          else text.replace("[site]\n", '[site]\ntimezone = "Asia/Tokyo"\n'))
    elif edit == "published":
        victim.write_text(text.replace("published: true", "published: false", 1)
                          if "published: true" in text
                          else text.replace("published: false", "published: true", 1))
    elif edit == "static":
        static = site / "static" / "extra.css"
        if static.is_file() and step % 3 == 0:
            static.unlink()
        else:
            static.parent.mkdir(exist_ok=True)
            static.write_text(f"/* edit {step} */ body {{ margin: {step}px; }}\n")
    elif edit == "image":
        _toggle_cached_image(site, text, step)
    elif edit == "touch":
        os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 10**9))
    elif edit == "code_version":
        # What another newsgen version finds: a cache whose code version is not its own.
        with closing(sqlite3.connect(site / ".newsgen-cache" / CACHE_NAME)) as db, db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'version'", ("0" * 64,))


def _toggle_cached_image(site: Path, seed: str, step: int) -> None:
    """Add a seed's lead image to the image cache's manifest, or take the last one out."""
    cache = site / ".image-cache"
    manifest = cache / "manifest.json"
    rows = json.loads(manifest.read_text())["images"] if manifest.is_file() else {}
    if rows and step % 2:
        rows.pop(sorted(rows)[-1])
    elif "  - url: \"" in seed:
        url = seed.split("  - url: \"", 1)[1].split("\"", 1)[0]
        (cache / "ab").mkdir(parents=True, exist_ok=True)
        (cache / "ab" / f"image-{step}.png").write_bytes(TINY_PNG)
        rows[url] = {"file": f"ab/image-{step}.png", "width": 4, "height": 3}
    cache.mkdir(exist_ok=True)
    manifest.write_text(json.dumps({"version": 1, "images": rows}))


def edited_site(root: Path, seed: int) -> Path:
    """The site the edit property tests start from: 24 generated seeds, small pages."""
    site = root / "site"
    (site / "seeds").mkdir(parents=True)
    (site / "site.toml").write_text(
        '[site]\ntitle = "Test News"\nbase_url = "https://example.org/news/"\n'
        "[build]\ninclude_unpublished = false\npage_size = 4\nrelated_count = 3\n")
    write_corpus(site / "seeds", 24, seed=seed % 50)
    return site


@given(st.lists(st.sampled_from(EDITS), min_size=1, max_size=6), st.integers(0, 10**6))
@settings(max_examples=int(os.environ.get("NEWSGEN_INCREMENTAL_EXAMPLES", "8")),
          deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow])
def test_after_any_edits_an_incremental_build_equals_a_clean_build(
        tmp_path_factory: pytest.TempPathFactory, edits: list[str], seed: int) -> None:
    root = tmp_path_factory.mktemp("incremental")
    site = edited_site(root, seed)
    rng = random.Random(seed)
    assert run_build(site, "--quiet") == 0
    for step, edit in enumerate(edits):
        apply_edit(site, edit, rng, step)
        assert run_build(site, "--quiet", "--jobs", str(1 + step % 2)) == 0
        # Built beside, with a cache of its own: the next step builds on this one's cache.
        assert read_tree(site / "public") == clean_copy_build(site, root / f"clean-{step}",
                                                              search=True), edit


BREAKS = ("broken_seed", "broken_template")
"""Edits a preview rebuild fails on, undone before the next one."""


@given(st.lists(st.sampled_from(EDITS + BREAKS), min_size=1, max_size=6), st.integers(0, 10**6))
@settings(max_examples=max(1, int(os.environ.get("NEWSGEN_INCREMENTAL_EXAMPLES", "8")) // 2),
          deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow])
def test_after_any_edits_a_preview_rebuild_equals_a_clean_build(
        tmp_path_factory: pytest.TempPathFactory, edits: list[str], seed: int) -> None:
    """`serve`'s rebuilds start from the state, plan and keys the last one kept in memory
    (`KeptState`): the same edits, built that way, give what a clean build gives. The
    clean build is made of a copy, so that, as in `serve`, no other build writes the
    site's cache (which would make the next rebuild start from the cache instead)."""
    root = tmp_path_factory.mktemp("preview")
    site = edited_site(root, seed)
    rng = random.Random(seed)
    kept = KeptState()
    build(load_config(site / "site.toml"), search=False, kept=kept)
    files = _input_files(site)
    for step, edit in enumerate(edits):
        if edit in BREAKS:
            undo = _break(site, edit, rng)
            files = _rebuild(site, kept, files, step, fails=True)
            undo()
        else:
            apply_edit(site, edit, rng, step)
        files = _rebuild(site, kept, files, step)
        assert read_tree(site / "public") == clean_copy_build(site, root / f"clean-{step}"), \
            edit


def _rebuild(site: Path, kept: KeptState, before: dict[Path, tuple[int, int, bytes]],
             step: int, fails: bool = False) -> dict[Path, tuple[int, int, bytes]]:
    """A preview rebuild told of what the watcher reports to `serve`: the files whose
    bytes or stat changed since `before`; the files as they are now."""
    after = _input_files(site)
    changed = {path for path in before.keys() | after.keys()
               if before.get(path) != after.get(path)}
    config = load_config(site / "site.toml")
    if fails:
        with pytest.raises(BuildFailed):
            build(config, search=False, kept=kept, jobs=1 + step % 2, changed=changed)
    else:
        build(config, search=False, kept=kept, jobs=1 + step % 2, changed=changed)
    return after


def _break(site: Path, edit: str, rng: random.Random) -> Callable[[], None]:
    """Make the next build fail (a seed whose front matter does not parse, or a template
    that does not compile); what undoes it."""
    if edit == "broken_seed":
        victim = rng.choice(sorted((site / "seeds").glob("*.txt")))
        text = victim.read_text(encoding="utf-8")
        victim.write_text(text.replace("title: ", "title: [unclosed ", 1))
        return lambda: victim.write_text(text)
    template = site / "templates" / "404.html"
    before = template.read_text() if template.is_file() else None
    template.parent.mkdir(exist_ok=True)
    template.write_text("{% if %}broken{% endif %}\n")
    return lambda: template.write_text(before) if before is not None else template.unlink()


def _input_files(site: Path) -> dict[Path, tuple[int, int, bytes]]:
    """Each file of the site outside its output and cache: its size, mtime and bytes."""
    files = {}
    for path in site.resolve().rglob("*"):
        if path.is_file() and not any(part.startswith((".newsgen", ".public", "public"))
                                      for part in path.relative_to(site.resolve()).parts):
            stat = path.stat()
            files[path] = (stat.st_size, stat.st_mtime_ns, path.read_bytes())
    return files


def test_serial_and_parallel_builds_write_identical_trees(make_site: Callable[..., Path],
                                                          tmp_path: Path) -> None:
    site = make_site(page_size=5)
    write_corpus(site / "seeds", 400, seed=9)
    assert run_build(site, "--out", str(tmp_path / "one"), "--jobs", "1", "--clean") == 0
    assert run_build(site, "--out", str(tmp_path / "two"), "--jobs", "2", "--clean") == 0
    one = read_tree(tmp_path / "one")
    assert len(one) > 400, "fewer files than articles"
    assert one == read_tree(tmp_path / "two")


def test_unchanged_pages_keep_their_file_and_mtime(make_site: Callable[..., Path]) -> None:
    # b shares no topic and no provider with a, so a's page does not show it.
    elsewhere = {"topics": ("Other",), "provider": "Other", "domain": "other.org"}
    site = make_site({"a.txt": seed_text("Stays"), "b.txt": seed_text("Changes", **elsewhere)})
    assert run_build(site) == 0
    stays = site / "public/2024/03/05/stays/index.html"
    before = stays.stat()
    (site / "seeds" / "b.txt").write_text(seed_text("Changed", **elsewhere))
    assert run_build(site) == 0
    after = stays.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def _cites(provider: str, domain: str, *numbers: int) -> str:
    """The `related` lines of a seed citing stories of one provider, by their numbers."""
    items = "".join(f"""  - title: "Wire story {n}"
    webUrl: "https://{domain}/story-{n}"
    publishedDateTime: 2024-02-{n + 1:02d}T08:00:00Z
    provider:
      name: {provider}
      domain: {domain}
""" for n in numbers)
    return "related:\n" + items


def test_an_old_storys_title_edit_leaves_the_pages_that_do_not_show_it(
        make_site: Callable[..., Path]) -> None:
    # Six stories cite one story of a wire each, so the wire's listing has three pages of
    # two (page_size 2); one of them shows the old story's citation. Past the newest 64
    # stories, the search for the site's share image reads no single story
    # (`render.previews`).
    seeds = {f"new{n}.txt": seed_text(
        f"Newer story {n}", date=f"2024-03-{n % 28 + 1:02d}T{n // 28 + 10}:00:00Z",
        url=f"https://example.com/new-{n}", topics=("Other",),
        extra=_cites("The Wire", "wire.example", n) if n < 5 else "") for n in range(70)}
    seeds["old.txt"] = seed_text("An old story", date="2024-01-02T10:00:00Z",
                                 extra=_cites("The Wire", "wire.example", 5))
    site = make_site(seeds, page_size=2)
    assert run_build(site, "--no-search") == 0
    public = site / "public"
    before = {path: (path.stat().st_ino, path.stat().st_mtime_ns)
              for path in public.rglob("*.html")}
    old = site / "seeds" / "old.txt"
    old.write_text(old.read_text().replace("An old story", "An old story!"))
    assert run_build(site, "--no-search") == 0
    changed = {path.relative_to(public).as_posix() for path, was in before.items()
               if path.exists() and (path.stat().st_ino, path.stat().st_mtime_ns) != was}
    # Pages that show no story of their own (their share image is the newest story's).
    for whole in ("404.html", "topics/index.html", "providers/index.html"):
        assert whole not in changed
    wire = {name for name in changed if name.startswith("providers/wire-example/")}
    assert len(wire) == 1, f"the wire's pages rendered again: {sorted(wire)}"
    assert "2024/01/02/an-old-story/index.html" in changed
    assert read_tree(public) == clean_build(site, site.parent / "clean", "--no-search")


def _damage(cache: Path, damage: str) -> None:
    """Spoil the saved cache the way a disk, a tool or another program might."""
    data = cache.read_bytes()
    if damage == "truncate":
        cache.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        cache.write_bytes(random.Random(1).randbytes(len(data)))
    else:
        with closing(sqlite3.connect(cache, isolation_level=None)) as db:
            if damage == "older":
                db.execute("UPDATE meta SET value = ? WHERE key = 'version'", ("0" * 64,))
            elif damage == "earlier format":  # a table with fewer columns
                db.execute("UPDATE meta SET value = 'newsgen build cache 5' "
                           "WHERE key = 'format'")
                db.execute("DROP TABLE files")
                db.execute("CREATE TABLE files (tree TEXT NOT NULL, path TEXT NOT NULL, "
                           "key TEXT NOT NULL, reads BLOB NOT NULL, made TEXT NOT NULL, "
                           "PRIMARY KEY (tree, path))")
            elif damage == "row":
                db.execute("UPDATE seeds SET result = zeroblob(length(result))")
            else:  # another program's database in its place
                tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                for (table,) in tables.fetchall():
                    db.execute(f"DROP TABLE {table}")
                db.execute("CREATE TABLE notes (text TEXT)")


@pytest.mark.parametrize(("damage", "notice"), [
    ("truncate", "cache is damaged"), ("random", "cache is damaged"),
    ("row", "cache is damaged"),
    ("older", "cache is from another version of newsgen or of a library it uses"),
    ("earlier format", "cache is from another version of newsgen or of a library it uses"),
    ("foreign", "cache is not a newsgen cache")])
def test_a_damaged_cache_means_a_full_correct_build_with_a_notice(
        make_site: Callable[..., Path], capsys: pytest.CaptureFixture[str], tmp_path: Path,
        damage: str, notice: str) -> None:
    site = make_site({"a.txt": seed_text("One"), "b.txt": seed_text("Two")})
    assert run_build(site) == 0
    cache = load_config(site / "site.toml").build.cache_dir / CACHE_NAME
    _damage(cache, damage)
    inode = cache.stat().st_ino
    (site / "seeds" / "c.txt").write_text(seed_text("Three"))
    capsys.readouterr()
    assert run_build(site) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"newsgen: {notice}; building everything"]
    if damage in ("older", "earlier format"):  # written anew in place, not thrown away
        assert cache.stat().st_ino == inode
    assert read_tree(site / "public") == clean_build(site, tmp_path / "clean")
    capsys.readouterr()
    (site / "seeds" / "c.txt").write_text(seed_text("Three again"))
    assert run_build(site) == 0  # the cache written anew is trusted again
    assert capsys.readouterr().err == ""


def test_a_new_time_zone_reads_times_without_an_offset_again(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    late = seed_text("Late night story").replace("T10:00:00Z", "T23:30:00")
    site = make_site({"a.txt": late, "b.txt": seed_text("Two")})
    assert run_build(site) == 0
    config = site / "site.toml"
    config.write_text(config.read_text().replace("Europe/Berlin", "America/New_York"))
    assert run_build(site) == 0
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean", search=True)
    # The cache's rows are the new zone's too: a later build that reuses them agrees.
    (site / "seeds" / "b.txt").write_text(seed_text("Two, edited"))
    assert run_build(site) == 0
    assert read_tree(site / "public") == clean_copy_build(site, tmp_path / "clean-2",
                                                          search=True)


def test_an_edit_rewrites_only_its_own_row_of_the_cache(make_site: Callable[..., Path]) -> None:
    site = make_site({f"s{n}.txt": seed_text(f"Story {n}", url=f"https://example.com/{n}")
                      for n in range(5)})
    assert run_build(site) == 0
    cache = load_config(site / "site.toml").build.cache_dir / CACHE_NAME

    def rows(table: str = "seeds", key: str = "path") -> dict[str, int]:
        with closing(sqlite3.connect(cache)) as db:
            return {Path(path).name: rowid
                    for rowid, path in db.execute(f"SELECT rowid, {key} FROM {table}")}

    before, model_before = rows(), rows("model", "name")
    assert len(before) == 5
    (site / "seeds" / "s2.txt").write_text(seed_text("Story 2, edited",
                                                     url="https://example.com/2"))
    assert run_build(site) == 0
    after, model_after = rows(), rows("model", "name")
    assert {name: rowid for name, rowid in after.items() if name != "s2.txt"} == \
        {name: rowid for name, rowid in before.items() if name != "s2.txt"}
    assert after["s2.txt"] != before["s2.txt"]
    # The snapshot of the site model is kept a mapping a row: those the edit left alone
    # are not written again.
    assert model_after.keys() == model_before.keys()
    assert model_after["articles"] != model_before["articles"]
    assert model_after["topics.name"] == model_before["topics.name"]


def test_clean_ignores_the_cache(make_site: Callable[..., Path],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()})
    assert run_build(site) == 0
    assert run_build(site, "--clean") == 0
    assert " (20 rendered, 0 unchanged, 0 removed;" in capsys.readouterr().out.splitlines()[-1]


def test_nothing_changed_renders_nothing(make_site: Callable[..., Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()})
    assert run_build(site) == 0
    mtime = (site / "public/index.html").stat().st_mtime_ns
    assert run_build(site) == 0
    assert " (0 rendered, 20 unchanged, 0 removed;" in capsys.readouterr().out.splitlines()[-1]
    assert (site / "public/index.html").stat().st_mtime_ns == mtime
    (site / "public").unlink()  # what `rm -rf public` removes: the link
    assert run_build(site) == 0  # the output is gone: build it again
    assert (site / "public/index.html").is_file()
    shutil.rmtree((site / "public").resolve())  # the live tree, behind the link
    assert run_build(site) == 0
    assert (site / "public/index.html").is_file()
    assert read_tree(site / "public") == clean_build(site, site.parent / "clean")


def test_files_removed_from_the_live_output_come_back(make_site: Callable[..., Path]) -> None:
    """`rm -rf public/*` empties the live tree; the builds that follow refill both trees,
    static files and images included, not only the pages."""
    site = make_site({"a.txt": seed_text(), "b.txt": seed_text("Another story")})
    assert run_build(site, "--no-search") == 0
    for entry in (site / "public").iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for step in range(3):  # the other tree, then the emptied one, then the other again
        seed = site / "seeds" / "a.txt"
        seed.write_text(seed.read_text().replace('title: "', f'title: "Step {step} ', 1))
        assert run_build(site, "--no-search") == 0
        clean = clean_build(site, site.parent / f"clean-{step}", "--no-search")
        assert read_tree(site / "public") == clean, step


def test_a_kept_state_is_used_until_another_build_writes_the_cache(
        make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` keeps its last build's state in memory; a build from the command line in
    between makes it stale, and the next build reads the cache again."""
    site = make_site({"a.txt": seed_text(), "b.txt": seed_text("Another story")})
    config = load_config(site / "site.toml")
    kept = KeptState()
    seed = site / "seeds" / "a.txt"

    def edit(step: int) -> None:
        seed.write_text(seed.read_text().replace('title: "', f'title: "Step {step} ', 1))

    build(config, search=False, kept=kept)
    assert kept.state is not None
    with monkeypatch.context() as patch:  # the cache's rows are not read again
        patch.setattr(cache, "_read_seeds", _never)
        for step in range(2):
            edit(step)
            build(config, search=False, kept=kept)
    built = read_tree(site / "public")
    # A clean build elsewhere is another writer of the same cache.
    assert built == clean_build(site, site.parent / "clean-2", "--no-search")
    edit(3)
    reads = []
    with monkeypatch.context() as patch:
        patch.setattr(cache, "_read_seeds", lambda db: reads.append(1) or iter(()))
        build(config, search=False, kept=kept)
    assert reads, "the stale kept state was used"
    assert read_tree(site / "public") == clean_build(site, site.parent / "clean-3",
                                                     "--no-search")


def _never(*args: object) -> None:
    raise AssertionError("the cache was read")


def test_a_preview_rebuild_looks_again_only_at_the_seeds_the_watcher_reported(
        make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text(), "b.txt": seed_text("Another story")})
    config = load_config(site / "site.toml")
    kept = KeptState()
    build(config, search=False, kept=kept)
    seed = (site / "seeds" / "a.txt").resolve()
    seed.write_text(seed.read_text().replace('title: "', 'title: "Edited ', 1))
    with monkeypatch.context() as patch:  # the seeds folder is not listed again
        patch.setattr(pipeline, "find_seed_names", _never)
        build(config, search=False, kept=kept, changed={seed})
    assert kept.scan is not None
    whole = pipeline._look(config, kept.scan.inputs).kept()
    # What looking at every file finds (reading a file may have changed its atime since).
    assert (kept.scan.scan.fingerprint, kept.scan.scan.seed_paths, kept.scan.lines,
            kept.scan.seeds, kept.scan.trusted) == (whole.scan.fingerprint,
                                                    whole.scan.seed_paths, whole.lines,
                                                    whole.seeds, whole.trusted)
    assert {path: (stat.st_size, stat.st_mtime_ns, stat.st_ino)
            for path, stat in kept.scan.scan.stats.items()} == {
        path: (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        for path, stat in whole.scan.stats.items()}
    assert read_tree(site / "public") == clean_build(site, site.parent / "clean",
                                                     "--no-search")


@pytest.mark.parametrize("case", [
    "new seed", "deleted seed", "folder", "new template", "edited template", "symlinked seed",
    "hard-linked seed", "hard link made later", "seed made a symlink", "many", "options",
    "unknown"])
def test_a_preview_rebuild_looks_at_every_file_unless_the_report_can_be_trusted(
        make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        case: str) -> None:
    site = make_site({"a.txt": seed_text(), "b.txt": seed_text("Another story")})
    seeds = (site / "seeds").resolve()
    templates = (site / "templates").resolve()
    if case == "symlinked seed":
        (seeds / "c.txt").symlink_to(seeds / "b.txt")
    elif case == "hard-linked seed":
        os.link(seeds / "b.txt", seeds / "c.txt")
    elif case == "edited template":
        templates.mkdir()
        (templates / "404.html").write_text("Gone")
    config = load_config(site / "site.toml")
    kept = KeptState()
    build(config, search=False, kept=kept)
    changed: set[Path] | None = {seeds / "a.txt"}
    (seeds / "a.txt").write_text(seed_text("Edited"))
    skip_invalid = False
    if case == "new seed":
        (seeds / "d.txt").write_text(seed_text("New"))
        changed = {seeds / "d.txt"}
    elif case == "deleted seed":
        (seeds / "a.txt").unlink()
    elif case == "folder":
        changed = {seeds}  # how the watcher reports a folder, or changes it lost
    elif case == "new template":
        templates.mkdir()
        (templates / "404.html").write_text("Gone")
        changed = {templates / "404.html"}
    elif case == "edited template":
        (templates / "404.html").write_text("Gone for good")
        changed = {templates / "404.html"}
    elif case == "hard link made later":  # the seed's count of names is its stat's
        os.link(seeds / "a.txt", tmp_path / "elsewhere.txt")
    elif case == "seed made a symlink":
        (seeds / "a.txt").unlink()
        (seeds / "a.txt").symlink_to(seeds / "b.txt")
    elif case == "many":
        monkeypatch.setattr(pipeline, "_TRUSTED_BATCH", 1)
        (seeds / "b.txt").write_text(seed_text("Edited too"))
        changed = {seeds / "a.txt", seeds / "b.txt"}
    elif case == "options":
        skip_invalid = True
    elif case == "unknown":
        changed = None
    looked = []
    find_seed_names = pipeline.find_seed_names
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "find_seed_names",
                      lambda *args: looked.append(1) or find_seed_names(*args))
        build(config, search=False, kept=kept, changed=changed, skip_invalid=skip_invalid)
    assert looked
    assert read_tree(site / "public") == clean_build(site, site.parent / "clean",
                                                     "--no-search")


def test_a_seed_gone_between_the_listing_and_its_stat_is_reported(
        make_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text()})
    find_seed_names = pipeline.find_seed_names

    def listing_a_seed_that_went(*args: Any) -> tuple[list[str], list[Any]]:
        found, problems = find_seed_names(*args)
        return [*found, str(Path(found[0]).with_name("gone.txt"))], problems

    monkeypatch.setattr(pipeline, "find_seed_names", listing_a_seed_that_went)
    with pytest.raises(BuildFailed) as failed:
        build(load_config(site / "site.toml"), search=False, kept=KeptState())
    assert any(error.path.name == "gone.txt" for error in failed.value.errors)


_ELSEWHERE = {"topics": ("Other",), "provider": "Other", "domain": "other.org"}
"""A story that shares no topic and no provider with `seed_text()`'s: editing it leaves
that one's page alone."""
_STAYS = "2024/03/05/stays/index.html"


def _two_stories(make_site: Callable[..., Path]) -> Path:
    return make_site({"a.txt": seed_text("Stays"), "b.txt": seed_text("Changes", **_ELSEWHERE)})


def _clean_elsewhere(site: Path) -> dict[str, bytes]:
    """A clean build of the site's seeds in another folder, with its own cache: the site's
    cache stays the kept state's."""
    other = site.parent / "elsewhere"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(site / "seeds", other / "seeds")
    shutil.copy2(site / "site.toml", other / "site.toml")
    return clean_build(other, other / "public", "--no-search")


def _edit(site: Path, step: int) -> set[Path]:
    seed = (site / "seeds" / "b.txt").resolve()
    seed.write_text(seed_text(f"Changes {step}", **_ELSEWHERE))
    return {seed}


def test_a_file_deleted_from_a_kept_tree_is_found_and_made_again(
        make_site: Callable[..., Path]) -> None:
    """A `serve` build into a tree it checked takes the files its records name to be
    there; once changes stop, `serve` looks for each (`find_missing_files`): a tree missing
    one is checked whole by the next build into it, and a live one is replaced at once."""
    site = _two_stories(make_site)
    config = load_config(site / "site.toml")
    kept = KeptState()
    build(config, search=False, kept=kept)
    assert ready_other_tree(config, kept)
    build(config, search=False, kept=kept, changed=_edit(site, 1))
    assert kept.checked == {"a", "b"}
    assert not pipeline.find_missing_files(config, kept)
    (site / "public" / _STAYS).unlink()  # by hand, from the live tree
    for step in (2, 3):  # into the other tree, then into the one missing the file
        build(config, search=False, kept=kept, changed=_edit(site, step))
    live = pipeline.live_tree_name(site / "public")
    # A save during the look stops it, and the next quiet time looks again.
    assert pipeline.find_missing_files(config, kept, lambda: True) is None
    assert kept.checked == {"a", "b"}
    asked = []  # stopped after the first tree: what it found there counts
    assert pipeline.find_missing_files(config, kept, lambda: asked.append(1) or
                                       len(asked) > 1) is None
    first = next(iter(kept.state.trees)) if kept.state is not None else ""
    assert kept.checked == {"a", "b"} - ({first} if first == live else set())
    kept.checked = {"a", "b"}
    assert pipeline.find_missing_files(config, kept)
    assert kept.checked == {live} ^ {"a", "b"}
    result = build(config, search=False, kept=kept, force=True)  # what serve does then
    assert result.rendered == 0  # the other tree is whole
    assert read_tree(site / "public") == _clean_elsewhere(site)
    result = build(config, search=False, kept=kept, changed=_edit(site, 4))
    assert result.unchanged > 0  # the tree missing the file, looked at whole
    assert not pipeline.find_missing_files(config, kept)
    assert read_tree(site / "public") == _clean_elsewhere(site)


def test_a_file_deleted_before_serve_starts_is_made_again(
        make_site: Callable[..., Path]) -> None:
    """Trees that no build of the process checked (the live one it found, the other one it
    filled with links to that) are looked at whole by the first build into each."""
    site = _two_stories(make_site)
    assert run_build(site, "--no-search") == 0
    (site / "public" / _STAYS).unlink()
    config = load_config(site / "site.toml")
    kept = KeptState()
    build(config, search=False, kept=kept)  # nothing changed
    assert ready_other_tree(config, kept)
    assert kept.checked == set()
    for step in (1, 2):
        result = build(config, search=False, kept=kept, changed=_edit(site, step))
        assert result.unchanged > 0  # the trees' records were used
        assert read_tree(site / "public") == _clean_elsewhere(site)


def test_a_tree_filled_with_links_after_another_build_is_looked_at_whole(
        make_site: Callable[..., Path]) -> None:
    """`newsgen build` in another terminal between serve's first build and the filling of
    its other tree: the tree filled with links to that build's is no tree serve checked."""
    site = _two_stories(make_site)
    config = load_config(site / "site.toml")
    kept = KeptState()
    build(config, search=False, kept=kept)
    assert run_build(site, "--no-search", "--clean", "--quiet") == 0
    (site / "public" / _STAYS).unlink()
    assert ready_other_tree(config, kept)
    assert kept.checked == set()
    build(config, search=False, kept=kept, changed=_edit(site, 1))
    assert read_tree(site / "public") == _clean_elsewhere(site)


def test_search_left_behind_by_a_rebuild_is_caught_up_by_the_next_build(
        make_site: Callable[..., Path]) -> None:
    """`serve` leaves a changed month of the search index as it was, so the page reloads
    sooner; the next build, though no file changed since, indexes it."""
    assert pagefind_binary() is not None, "the test install includes Pagefind"
    site = make_site({"a.txt": seed_text("Harbour opens"), "b.txt": seed_text("Market day")})
    config = load_config(site / "site.toml")
    month = site / "public" / "pagefind" / "2024-03"
    assert build(config).search_behind == 0
    assert "Harbour opens" in _indexed_text(month)
    seed = site / "seeds" / "a.txt"
    seed.write_text(seed.read_text().replace("Harbour opens", "Ferry returns"))

    later = build(config, search_later=True)
    assert later.search_behind == 1 and later.rendered > 0
    assert "Ferry returns" in (site / "public/2024/03/05/ferry-returns/index.html").read_text()
    assert "Harbour opens" in _indexed_text(month)  # the live month, as it was

    caught_up = build(config)
    assert caught_up.search_behind == 0 and caught_up.rendered == 0
    text = _indexed_text(month)
    assert "Ferry returns" in text and "Harbour opens" not in text


def _indexed_text(bundle: Path) -> str:
    """What Pagefind stored of the bundle's pages (its fragments are gzipped JSON)."""
    fragments = sorted((bundle / "fragment").iterdir())
    assert fragments, f"no fragments in {bundle}"
    return "".join(gzip.decompress(path.read_bytes()).decode() for path in fragments)


def test_serve_readies_the_other_tree_before_the_first_save(
        make_site: Callable[..., Path]) -> None:
    """After its first build `serve` links the live tree's files into the other one, and
    the cache vouches for it: the first save then renders only what it changed."""
    site = make_site({f"s{n}.txt": seed_text(f"Story {n}", url=f"https://example.com/{n}",
                                             date=f"2024-03-{n + 1:02}T10:00:00Z")
                      for n in range(8)})
    config = load_config(site / "site.toml")
    kept = KeptState()
    build(config, search=False, kept=kept)
    live = (site / "public").resolve()
    assert ready_other_tree(config, kept)
    assert not ready_other_tree(config, kept)  # nothing left to do
    other = next(tree for tree in site.glob(".public.tree-*") if tree != live)
    assert read_tree(other) == read_tree(live)
    assert all((other / name).stat().st_ino == (live / name).stat().st_ino
               for name in read_tree(live))
    with closing(sqlite3.connect(config.build.cache_dir / CACHE_NAME)) as db:
        vouched = {key for (key,) in db.execute("SELECT key FROM meta WHERE key LIKE 'tree-%'")}
    assert vouched == {"tree-a", "tree-b"}
    seed = site / "seeds" / "s0.txt"
    seed.write_text(seed.read_text() + "A body for the oldest story.\n")
    with pytest.MonkeyPatch.context() as patch:  # the cache is not read again either
        patch.setattr(cache, "_read_seeds", _never)
        result = build(config, search=False, kept=kept)
    assert (site / "public").resolve() == other
    assert 0 < result.rendered < len(read_tree(live))
    assert read_tree(site / "public") == clean_build(site, site.parent / "clean", "--no-search")


def test_a_kept_state_follows_the_image_cache_to_another_folder(
        make_site: Callable[..., Path]) -> None:
    """What `serve` keeps of the images each story shows names files in the image cache's
    folder: moved to another folder with the same manifest, they are taken from there."""
    lead = ("images:\n  - url: \"https://example.com/img/lead.png\"\n"
            "    width: 800\n    height: 450\n")
    site = make_site({"s1.txt": seed_text("Story one", extra=lead)})
    cache = site / ".image-cache"
    (cache / "ab").mkdir(parents=True)
    (cache / "ab" / "x.png").write_bytes(TINY_PNG)
    (cache / "manifest.json").write_text(json.dumps({"version": 1, "images": {
        "https://example.com/img/lead.png": {"file": "ab/x.png", "width": 4, "height": 3}}}))
    kept = KeptState()
    build(load_config(site / "site.toml"), search=False, kept=kept)
    shutil.move(cache, site / "img2")
    config = site / "site.toml"
    config.write_text(config.read_text() + '\n[images]\ncache_dir = "img2"\n')
    build(load_config(config), search=False, kept=kept)
    assert read_tree(site / "public") == clean_build(site, site.parent / "clean", "--no-search")
    assert any(name.endswith("x.png") for name in read_tree(site / "public"))


def test_a_kept_state_takes_the_first_topic_of_a_site_without_any(
        make_site: Callable[..., Path]) -> None:
    """A site model whose topics are none has no topic fields in its snapshot: the next
    snapshot, taken after it, finds them anew."""
    site = make_site({"a.txt": seed_text("One", topics=()),
                      "b.txt": seed_text("Two", topics=(), date="2024-03-04T10:00:00Z")})
    config = load_config(site / "site.toml")
    kept = KeptState()
    build(config, search=False, kept=kept)
    seed = site / "seeds" / "a.txt"
    seed.write_text(seed_text("One", topics=("Science",)))
    build(config, search=False, kept=kept)
    assert read_tree(site / "public") == clean_build(site, site.parent / "clean", "--no-search")
