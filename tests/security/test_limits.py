"""L8, L9: malformed and pathological seeds fail alone, with a clear error, in bounded time.

Times are measured by `python benchmarks/pathological.py`, never asserted here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.pathological import CASES
from generator.config import LimitsSection
from tests.helpers import LIMITS, UTC_ZONE, load_seed_text, seed_text


def problems(tmp_path: Path, text: str, limits: LimitsSection = LIMITS) -> list[str]:
    """What loading `text` as a seed reports, as `severity: message` lines."""
    result = load_seed_text(tmp_path, text, UTC_ZONE, limits)
    return [f"{p.severity}: {p.message}" for p in result.problems]


@pytest.mark.parametrize(("case", "message"), [
    ("alias bomb (9 levels of 9)", "error: YAML anchors and aliases are not allowed in seeds"),
    ("nesting 10,000 deep", "error: YAML nested too deeply"),
    ("1.5 MB title", "error: title: longer than 1,000 characters (1,500,000)"),
    ("10,000 topics", "error: topics: more than 100 items (10,000)"),
    ("50 MB seed file", "error: seed is larger than 2,000,000 bytes (50,000,109)"),
    ("20,000 '[a](' in the body", "error: body took longer than 2 s to convert"),
])
def test_l9_a_pathological_seed_is_refused_with_a_clear_error(
        tmp_path: Path, case: str, message: str) -> None:
    assert problems(tmp_path, CASES[case]()) == [message]


@pytest.mark.parametrize("case", ["65,000 '*a **a ' in the body", "65,000 '[' in the body"])
def test_l9_a_long_but_linear_body_still_builds(tmp_path: Path, case: str) -> None:
    # 65,000 '[' took hours before Python-Markdown 3.11.4, the oldest version we accept.
    assert problems(tmp_path, CASES[case]()) == []


def test_l9_limits_are_configurable(tmp_path: Path) -> None:
    generous = replace(LIMITS, list_items=20_000)
    assert problems(tmp_path, CASES["10,000 topics"](), generous) == []


@pytest.mark.parametrize(("value", "message"), [
    ("[a, b]", "error: title: expected text, got a list"),
    ("null", "error: title: must not be empty"),
    ('""', "error: title: must not be empty"),
    ("{x: 1}", "error: title: expected text, got a mapping"),
])
def test_l8_a_title_that_is_not_text_is_an_error(tmp_path: Path, value: str,
                                                 message: str) -> None:
    text = seed_text().replace('title: "A plain headline"', f"title: {value}")
    assert problems(tmp_path, text) == [message]


def test_l8_a_numeric_title_is_read_as_text(tmp_path: Path) -> None:
    assert problems(tmp_path, seed_text().replace('"A plain headline"', "2024")) == []


@pytest.mark.parametrize("date", ["1970-01-01T00:00:00Z", "9998-12-31T23:59:59Z",
                                  "2024-03-05T10:00:00", "2024-03-05"])
def test_l8_edge_dates_are_accepted_and_naive_ones_read_in_the_site_zone(
        tmp_path: Path, date: str) -> None:
    assert problems(tmp_path, seed_text(date=date)) == []


def test_l8_a_missing_url_is_an_error(tmp_path: Path) -> None:
    text = seed_text().replace('webUrl: "https://example.com/story"\n', "")
    assert problems(tmp_path, text) == ["error: webUrl: required field is missing"]


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_l8_a_year_at_the_edge_of_the_calendar_is_an_error(tmp_path: Path, date: str) -> None:
    year = int(date[:4])
    assert problems(tmp_path, seed_text(date=date)) == [
        f"error: publishedDateTime: year {year} is out of range (1000–9998)"]
