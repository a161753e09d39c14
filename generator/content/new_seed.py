"""`newsgen new`: write a new seed with every required field filled, under a new id."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from generator.site.schedule import parse_moment
from generator.urls import host_of, safe_external_url

_NOT_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


class NewSeedError(Exception):
    """A value `newsgen new` cannot put in a seed; the message says which and why."""


@dataclass(frozen=True)
class NewSeed:
    title: str
    url: str
    provider: str
    topics: tuple[str, ...] = ()
    published: datetime | None = None
    """None: now."""


def write_new_seed(seeds_dir: Path, seed: NewSeed, now: datetime | None = None) -> Path:
    """Write `seed` to a new file in `seeds_dir` and return its path; never overwrites.
    The file's stem, its id, is the date and 16 random hex digits."""
    title, provider = seed.title.strip(), seed.provider.strip()
    if not title:
        raise NewSeedError("the title is empty")
    if not provider:
        raise NewSeedError("the provider name is empty")
    url = safe_external_url(seed.url)
    if url is None:
        raise NewSeedError(f"not a plain http or https URL: {seed.url!r}")
    moment = (seed.published or now or datetime.now(UTC)).astimezone(UTC)
    lines = ["---",
             f"title: {_quoted(title)}",
             f"publishedDateTime: {moment:%Y-%m-%dT%H:%M:%SZ}",
             f"originalUrl: {_quoted(url)}",
             f"webUrl: {_quoted(url)}",
             "published: true",
             "provider:",
             f"  name: {_quoted(provider)}",
             f"  domain: {_quoted(host_of(url))}"]
    topics = [topic.strip() for topic in seed.topics if topic.strip()]
    if topics:
        lines += ["topics:", *(f"  - {_quoted(topic)}" for topic in topics)]
    lines += ["---", ""]
    seeds_dir.mkdir(parents=True, exist_ok=True)
    path = seeds_dir / f"{moment:%Y%m%d}_{secrets.token_hex(8)}.txt"
    with path.open("x", encoding="utf-8") as file:  # "x": a file already there stays
        file.write("\n".join(lines))
    return path


def parse_date(text: str, zone: tzinfo) -> datetime:
    """`--date` as an ISO 8601 date and time; one without an offset is read in `zone` (the
    site's), as a seed's would be."""
    try:
        return parse_moment(text, zone)
    except ValueError as exc:
        raise NewSeedError(str(exc)) from None


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar: JSON's string syntax is a subset of it. Characters YAML
    does not take as they are (C1 controls, line separators) are escaped, and with them
    every non-ASCII one."""
    if _NOT_PRINTABLE.search(text):
        return json.dumps(text)
    return json.dumps(text, ensure_ascii=False)
