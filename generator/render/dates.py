"""Write moments and periods as pages and machines read them. Pure; never locale-dependent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
"""Fixed English names, so output never depends on the machine's locale."""


@dataclass(frozen=True, slots=True)
class TimeView:
    iso: str
    text: str
    date_text: str
    utc: str = ""
    """`iso` in UTC with a `Z`: what sorts by time as text, across a change of offset."""


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, as Atom, JSON Feed and sitemaps want."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y has no leading zeros here
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f"{utc.year}-{utc.month:02}-{utc.day:02}T"
            f"{utc.hour:02}:{utc.minute:02}:{utc.second:02}Z")


def format_time(moment: datetime, zone: ZoneInfo) -> TimeView:
    """The moment in the site's zone, for `<time datetime>` and for readers."""
    local = moment.astimezone(zone)
    date_text = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
    return TimeView(local.isoformat(),
                    f"{date_text}, {local.hour:02}:{local.minute:02} {local.tzname()}",
                    date_text, iso(moment))


def archive_title(parts: tuple[int, ...]) -> str:
    """`2024`, `March 2024`, `5 March 2024`."""
    if len(parts) == 1:
        return f"{parts[0]}"
    month = MONTHS[parts[1] - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{parts[2]} {month} {parts[0]}"
