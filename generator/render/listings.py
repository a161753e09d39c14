"""Name a listing: what a topic, provider, archive or the home listing is called, where its
first page is, and how it describes itself. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from generator.render.dates import archive_title
from generator.site.index import Site
from generator.site.plan import ArchivePeriod, ListingRef, Subject
from generator.urls import home_path, provider_path, topic_path


@dataclass(frozen=True)
class Listing:
    """What a listing page is about: its name, and the path of its first page."""

    name: str
    path: str
    description: str


def describe_listing(site: Site, subject: Subject) -> Listing:
    """The listing a page with this subject is (part of), or shows a feed of; the site's
    home listing for anything else."""
    title = site.config.site.title
    if isinstance(subject, ListingRef) and subject.kind == "topic":
        name = site.topics[subject.slug].name
        return Listing(name, topic_path(subject.slug), f"{name} news from {title}")
    if isinstance(subject, ListingRef) and subject.kind == "provider":
        name = site.providers[subject.slug].name
        return Listing(name, provider_path(subject.slug), f"Stories from {name} on {title}")
    if isinstance(subject, ArchivePeriod):
        return Listing(archive_title(subject.parts), subject.path(), "")
    return Listing(title, home_path(), site.config.site.description)
