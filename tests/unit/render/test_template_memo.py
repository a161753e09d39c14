"""The compiled templates a build keeps for the next: used while their source is the same."""

from __future__ import annotations

import pickle
from pathlib import Path

import jinja2

from generator.render.renderer import make_environment
from generator.render.template_memo import TemplateMemo, referenced_templates


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
    later.code, later.references = loaded.code, loaded.references
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


def test_anything_but_a_memo_of_this_jinja_is_an_empty_memo() -> None:
    for data in (b"", b"not a pickle",
                 pickle.dumps(("0.0", {"key": b"code"}, {})),
                 pickle.dumps((jinja2.__version__, ["not", "a", "dict"], {}))):
        memo = TemplateMemo.from_bytes(data)
        assert memo.code == {} and memo.references == {}
