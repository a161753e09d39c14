"""What a listing is called, where its first page is and how it describes itself."""

from __future__ import annotations

from generator.render.listings import Listing, describe_listing
from generator.site.index import Site, index_site
from generator.site.plan import ArchivePeriod, ArticleRef, ListingRef
from tests.helpers import article, config


def _site() -> Site:
    return index_site([article("a", topics=("Space",), domain="forbes.com")], config())


def test_a_topic_listing_is_named_after_its_topic() -> None:
    assert describe_listing(_site(), ListingRef("topic", "space")) == Listing(
        "Space", "/topics/space/", "Space news from News")


def test_a_provider_listing_is_named_after_its_provider() -> None:
    assert describe_listing(_site(), ListingRef("provider", "forbes-com")) == Listing(
        "Forbes", "/providers/forbes-com/", "Stories from Forbes on News")


def test_an_archive_listing_is_named_after_its_period() -> None:
    assert describe_listing(_site(), ArchivePeriod(2024, 3, 5)) == Listing(
        "5 March 2024", "/2024/03/05/", "")


def test_the_home_listing_and_anything_else_are_the_site_itself() -> None:
    site = _site()
    home = Listing(site.config.site.title, "/", site.config.site.description)
    assert describe_listing(site, ListingRef("home")) == home
    assert describe_listing(site, ArticleRef("a")) == home
    assert describe_listing(site, None) == home
