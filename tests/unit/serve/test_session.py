"""The serve loop's rebuilds: a batch of changes that is not built is never forgotten."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

from generator.config import load_config
from generator.serve.loop import ServeOptions, _Session
from generator.serve.web import PreviewState
from tests.helpers import seed_text


class _NoServer:
    def call(self, function: Callable[..., None], *args: object, wait: bool = False) -> None:
        pass


def _served(site: Path) -> tuple[_Session, io.StringIO]:
    """A serve loop on the site after its first build, and what it prints."""
    config = load_config(site / "site.toml")
    out = io.StringIO()
    session = _Session(ServeOptions(config_path=site / "site.toml", search=False), config,
                       PreviewState(root=config.build.output_dir, base_path=config.base_path,
                                    host_names=frozenset()),
                       _NoServer(), out)  # type: ignore[arg-type]
    session.rebuild("first build")
    return session, out


def _pages_with(site: Path, text: str) -> list[Path]:
    return [page for page in (site / "public").rglob("*.html") if text in page.read_text()]


def test_a_seed_edit_in_a_batch_with_a_broken_site_toml_is_built_later(
        make_site: Callable[..., Path]) -> None:
    """The broken config stops the batch before its build; the next batch holds another
    seed alone, and its build must still see the first edit."""
    site = make_site({"a.txt": seed_text("Alpha original"), "b.txt": seed_text("Bravo")})
    session, out = _served(site)
    seeds, toml = (site / "seeds").resolve(), (site / "site.toml").resolve()
    good = toml.read_text()
    toml.write_text(good + "\n[[[ broken\n")
    (seeds / "a.txt").write_text(seed_text("Alpha edited"))
    session.rebuild("site.toml and a.txt changed", {toml, seeds / "a.txt"})
    assert "failed" in out.getvalue()
    (seeds / "b.txt").write_text(seed_text("Bravo edited"))
    session.rebuild("b.txt changed", {seeds / "b.txt"})
    assert _pages_with(site, "Alpha edited") and _pages_with(site, "Bravo edited")


def test_a_write_the_watcher_cannot_see_is_built_by_the_look_at_every_file(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    """A seed given a second name outside the seeds folder, and written through it: no
    watcher reports that, and a rebuild for another seed looks at that seed alone. The
    look at every file that follows a quiet while builds it."""
    site = make_site({"a.txt": seed_text("Alpha original"), "b.txt": seed_text("Bravo")})
    session, out = _served(site)
    seeds = (site / "seeds").resolve()
    alias = tmp_path / "alias.txt"
    os.link(seeds / "a.txt", alias)
    alias.write_text(seed_text("Alpha through its other name"))
    (seeds / "b.txt").write_text(seed_text("Bravo edited"))
    session.rebuild("b.txt changed", {seeds / "b.txt"})
    assert _pages_with(site, "Bravo edited") and session.unchecked
    session.rebuild("a look at every file", catch_up=True)
    assert _pages_with(site, "Alpha through its other name")
    assert "a look at every file: " in out.getvalue() and not session.unchecked


def test_a_page_deleted_from_the_live_site_comes_back_once_changes_stop(
        make_site: Callable[..., Path]) -> None:
    """A rebuild into a tree the server checked takes its files to be there; the look
    once changes stop finds the one deleted by hand, and the live site is whole again."""
    elsewhere = {"topics": ("Other",), "provider": "Other", "domain": "other.org"}
    site = make_site({"a.txt": seed_text("Stays"), "b.txt": seed_text("Changes", **elsewhere)})
    session, out = _served(site)
    session._ready_other_tree()
    seed = (site / "seeds" / "b.txt").resolve()
    page = site / "public" / "2024/03/05/stays/index.html"
    for step in range(3):
        if step == 1:
            page.unlink()
        seed.write_text(seed_text(f"Changes {step}", **elsewhere))
        session.rebuild("b.txt changed", {seed})
    assert not page.exists()  # the last rebuild took the tree missing it to be whole
    session.catch_up()
    assert page.exists() and "Stays" in page.read_text()
    assert "files missing from the output: " in out.getvalue()
