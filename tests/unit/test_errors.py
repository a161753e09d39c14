"""How messages quote the values they complain about, in seeds and in site.toml alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from generator.errors import TOML_NOUNS, show


@pytest.mark.parametrize(("value", "shown"), [
    ("wide", '"wide"'), (None, "null"), (True, "true"), (False, "false"), (12, "12"),
    ([1], "a list"), ({"a": 1}, "a mapping"), (10**12, "a number with more than ten digits"),
    (datetime(2024, 3, 5, 10, tzinfo=UTC), "2024-03-05T10:00:00+00:00"),
])
def test_a_seed_value_is_quoted_in_yaml_words(value: object, shown: str) -> None:
    assert show(value) == shown


def test_a_config_value_is_quoted_in_toml_words() -> None:
    assert (show([1], TOML_NOUNS), show({"a": 1}, TOML_NOUNS)) == ("an array", "a table")


def test_long_text_is_cut_to_forty_characters() -> None:
    assert show("x" * 41) == '"' + "x" * 37 + '..."'
    assert show("x" * 40) == '"' + "x" * 40 + '"'


def test_quotes_and_control_characters_are_escaped() -> None:
    assert show('say "hi"\x1b[2J\u202e') == '"say \\"hi\\"\\x1b[2J\\u202e"'
