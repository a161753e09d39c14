from __future__ import annotations

import pytest

from generator.content.frontmatter import FrontMatterError, parse_document
from tests.helpers import REAL_SEED


def test_the_real_seed_parses_with_the_line_of_every_key() -> None:
    document = parse_document(REAL_SEED.read_text(encoding="utf-8"))
    assert document.data["title"].startswith("China Proposes")  # type: ignore[union-attr]
    assert document.positions[("title",)] == (3, 1)
    assert document.positions[("images", 0, "width")] == (25, 5)
    assert document.positions[("related", 1, "provider", "name")][0] == 52


def test_the_body_follows_the_closing_line() -> None:
    document = parse_document("---\ntitle: x\n---\nHello\n")
    assert document.body == "Hello\n"
    assert document.body_line == 4


def test_a_closing_line_of_dots_also_ends_the_front_matter() -> None:
    assert parse_document("---\ntitle: x\n...\nbody").body == "body"


def test_a_byte_order_mark_is_ignored() -> None:
    assert parse_document("\ufeff---\ntitle: x\n---\n").data == {"title": "x"}


def test_anchors_and_aliases_are_refused() -> None:
    with pytest.raises(FrontMatterError) as caught:
        parse_document("---\na: &x [1, 2]\nb: *x\n---\n")
    assert caught.value.message == "YAML anchors and aliases are not allowed in seeds"


def test_yaml_tags_that_build_python_objects_are_refused() -> None:
    with pytest.raises(FrontMatterError) as caught:
        parse_document("---\ntitle: !!python/object/apply:os.system ['true']\n---\n")
    assert caught.value.line == 2
