from __future__ import annotations

from generator.site.delta import replaced_keys, replaced_places


def test_replaced_keys_are_those_whose_value_is_another_object() -> None:
    a, b, c = object(), object(), object()
    old = {"x": a, "y": b}
    assert replaced_keys(old, old) == []
    assert replaced_keys(old, {"x": a, "y": c}) == ["y"]
    # Equal is not enough: the value must be the very object.
    assert replaced_keys({"x": [1]}, {"x": [1]}) == ["x"]


def test_keys_that_came_went_or_moved_mean_every_key_is_looked_at() -> None:
    a, b = object(), object()
    assert replaced_keys({"x": a}, {"x": a, "y": b}) is None
    assert replaced_keys({"x": a, "y": b}, {"y": b, "x": a}) is None
    assert replaced_keys({"x": a, "y": b}, {"x": a, "z": b}) is None


def test_replaced_places_are_where_another_object_stands() -> None:
    a, b, c = object(), object(), object()
    assert replaced_places([a, b], [a, c]) == [1]
    assert replaced_places([a, b], [a, b]) == []
    assert replaced_places([a], [a, b]) is None
