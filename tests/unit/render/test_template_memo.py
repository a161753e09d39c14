"""The compiled templates a build keeps for the next: used while their source is the same."""

from __future__ import annotations

import pickle
import zlib
from pathlib import Path

import jinja2
import pytest

from generator.render import template_memo
from generator.render.renderer import make_environment
from generator.render.template_memo import TemplateMemo, referenced_templates


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a process that has compiled and parsed nothing yet."""
    monkeypatch.setattr(template_memo, "_COMPILED", {})
    monkeypatch.setattr(template_memo, "_PARSED", {})


class CountingMemo(TemplateMemo):
    def __init__(self) -> None:
        super().__init__()
        self.compiled: list[str] = []

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled.append(bucket.key)
        super().dump_bytecode(bucket)


def _render(folder: Path, memo: TemplateMemo) -> str:
    env = make_environment([folder], memo)
    referenced_templates(env, (folder / "page.html").read_text())
    return env.get_template("page.html").render(name="x")


def test_a_later_build_reuses_the_code_and_compiles_a_changed_template(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text('{% include "part.html" %} {{ name }}')
    (tmp_path / "part.html").write_text("part")
    first = CountingMemo()
    assert _render(tmp_path, first) == "part x"
    assert len(first.compiled) == 2 and len(first.references) == 1

    later = CountingMemo()
    loaded = TemplateMemo.from_bytes(first.to_bytes())
    assert loaded.code == first.code and loaded.references == first.references
    later.code, later.references = loaded.code, loaded.references
    template_memo._COMPILED.clear()  # a later process: only the saved memo holds the code
    template_memo._PARSED.clear()
    assert _render(tmp_path, later) == "part x"
    assert later.compiled == []  # nothing compiled again

    (tmp_path / "part.html").write_text("changed")
    assert _render(tmp_path, later) == "changed x"
    assert len(later.compiled) == 1


def test_only_what_the_build_used_is_kept(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("one")
    memo = TemplateMemo()
    _render(tmp_path, memo)
    (tmp_path / "page.html").write_text("two")
    _render(tmp_path, memo)  # the same process: both sources' references are kept
    assert len(memo.references) == 2
    later = TemplateMemo.from_bytes(memo.to_bytes())
    assert _render(tmp_path, later) == "two"
    assert len(TemplateMemo.from_bytes(later.to_bytes()).references) == 1


def test_anything_but_a_whole_memo_of_this_jinja_is_an_empty_memo(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("one")
    memo = TemplateMemo()
    _render(tmp_path, memo)
    whole = memo.to_bytes()
    assert TemplateMemo.from_bytes(whole).code == memo.code
    for data in (b"", b"not a pickle", whole[:-1], whole[:10] + b"x" + whole[11:],
                 _with_crc(pickle.dumps((("0.0", "&lt;"), {"key": b"code"}, {}))),
                 _with_crc(pickle.dumps((template_memo._VERSIONS, ["not a dict"], {})))):
        loaded = TemplateMemo.from_bytes(data)
        assert loaded.code == {} and loaded.references == {}


def _with_crc(blob: bytes) -> bytes:
    return zlib.crc32(blob).to_bytes(4, "big") + blob


def test_a_preview_server_keeps_only_what_its_last_build_used(tmp_path: Path) -> None:
    memo = TemplateMemo()
    for text in ("one", "two", "three"):
        memo.next_build()
        (tmp_path / "page.html").write_text(text)
        _render(tmp_path, memo)
    # The sources of the last two builds: the first one's is gone.
    assert len(memo.references) == 2 and len(memo.code) == 1


def test_a_build_from_nothing_uses_what_this_process_compiled_and_keeps_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "page.html").write_text('{% include "part.html" %} {{ name }}')
    (tmp_path / "part.html").write_text("part")
    first = CountingMemo()
    assert _render(tmp_path, first) == "part x"
    assert len(first.compiled) == 2

    parsed = []
    parse = jinja2.Environment.parse

    def counted(env: jinja2.Environment, source: str, *args: str | None) -> jinja2.nodes.Template:
        parsed.append(source)
        return parse(env, source, *args)

    monkeypatch.setattr(jinja2.Environment, "parse", counted)
    clean = CountingMemo()  # as a build with no cache, or `--clean`, starts
    assert _render(tmp_path, clean) == "part x"
    assert clean.compiled == [] and parsed == []
    kept = TemplateMemo.from_bytes(clean.to_bytes())  # what it saves for the next build
    assert kept.code == first.code and kept.references == first.references

    (tmp_path / "part.html").write_text("changed")
    again = CountingMemo()
    assert _render(tmp_path, again) == "changed x"
    assert len(again.compiled) == 1  # the changed template alone


def test_what_the_process_keeps_is_bounded(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_memo, "_PROCESS_MAX", 2)
    for number in range(5):
        (tmp_path / "page.html").write_text(f"version {number}")
        (tmp_path / f"other-{number}.html").write_text("other")
        memo = TemplateMemo()
        assert _render(tmp_path, memo) == f"version {number}"
        make_environment([tmp_path], memo).get_template(f"other-{number}.html")
        assert len(template_memo._COMPILED) <= 2 and len(template_memo._PARSED) <= 2
