"""What changed between two mappings or lists that a process building again and again
keeps from one build to the next, found by identity, in C.

The parse cache gives an unchanged seed's article as the very object it gave before, and
what is made from unchanged objects is kept as the objects it was (see `KeptState`): so
an item that is the same object is the same value. Comparing 100,000 items that way in a
Python loop costs a tenth of a second; `map(operator.is_not, ...)` over the values costs a
hundredth. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import compress
from operator import is_not
from typing import TypeVar

Key = TypeVar("Key")
Item = TypeVar("Item")
FEW = 32
"""Up to this many items replaced, each is looked for (by a search in C) where it stands
in a longer list, rather than every item of that list being looked at."""


def replaced_keys(old: Mapping[Key, object], new: Mapping[Key, object]) -> list[Key] | None:
    """The keys whose value in `new` is not the very object `old` has; None when the two
    do not have the same keys in the same order (then every key is to be looked at)."""
    if old is new:
        return []
    if len(old) != len(new) or list(old) != list(new):
        return None
    return list(compress(new, map(is_not, old.values(), new.values())))


def replaced_places(old: Sequence[Item], new: Sequence[Item]) -> list[int] | None:
    """The places where `new` holds another object than `old`; None when their lengths
    differ."""
    if len(old) != len(new):
        return None
    return list(compress(range(len(new)), map(is_not, old, new)))
