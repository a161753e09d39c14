"""Scheduled stories: a seed whose `publishedDateTime` is later than the build's "now" is
left out of the site until then (unless `[build] future = true`).

Time passing is then a change with no file changed: a build records the window of time in
which its set of stories holds (from its newest due story to the next scheduled one), and
the next build does nothing only while "now" is still inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.model import Article


@dataclass(frozen=True)
class Schedule:
    now: datetime
    scheduled: dict[str, datetime]
    """Each story not yet due (by id) → when it is."""
    since: datetime | None
    """The newest due story's time: before it, the site had one story fewer."""
    until: datetime | None
    """The next scheduled story's time: from it, the site has one story more."""

    def holds_at(self, moment: datetime) -> bool:
        """Whether a build at `moment` would see the same stories due."""
        return ((self.since is None or self.since <= moment)
                and (self.until is None or moment < self.until))


def schedule_of(articles: Iterable[Article], now: datetime) -> Schedule:
    scheduled: dict[str, datetime] = {}
    since: datetime | None = None
    for article in articles:
        when = article.published_at
        if when > now:
            scheduled[article.id] = when
        elif since is None or when > since:
            since = when
    return Schedule(now, scheduled, since, min(scheduled.values(), default=None))


def parse_moment(text: str, zone: tzinfo = UTC) -> datetime:
    """An ISO 8601 date and time (`2026-12-24T06:00:00Z`); one without an offset is read
    in `zone`. ValueError, with an example, for anything else."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date and time: {text!r} "
                         "(for example 2026-12-24T06:00:00Z)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
