"""Decide every URL path and output file of the site. Pure: no I/O, no Jinja.

A page is identified by its site path (`/2023/08/08/slug/`); its output file and its links
(with the base path of `base_url`) are derived from that one string here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Container
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

SLUG_MAX_CHARS = 80
SEGMENT_MAX_BYTES = 255
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#][^\x00-\x20\x7f-\x9f&]*)?")
"""A URL that `safe_external_url` would return as it is: http(s), a host of letters,
digits, dots and hyphens, no user, and nothing a browser would decode or drop (no
entity, control or space). Most seeds' URLs are such, and this test is ten times
cheaper than the general one."""


def slug_for(text: str, fallback: str, max_chars: int = SLUG_MAX_CHARS) -> str:
    """A `[a-z0-9-]` slug of `text`, transliterated, cut on a word boundary; never empty."""
    from slugify import slugify  # (imported by the builds that index a site, not by the rest)

    slug = _cut_on_word(slugify(text), max_chars)
    if not slug or not _SLUG.match(slug):
        slug = _cut_on_word(slugify(fallback), max_chars)
        if not _SLUG.match(slug):
            slug = "item-" + hashlib.sha256(fallback.encode()).hexdigest()[:8]
    return slug


def _cut_on_word(slug: str, max_chars: int) -> str:
    """The longest prefix of whole words within max_chars (python-slugify's own cut can skip
    a long word and keep later ones, so the slug would not read as the title's beginning)."""
    if len(slug) <= max_chars:
        return slug
    head = slug[: max_chars + 1]
    return head.rsplit("-", 1)[0] if "-" in head else slug[:max_chars]


def id_suffix(seed_id: str) -> str:
    """A short stable suffix from a seed id, to tell apart two pages that want one path."""
    return hashlib.sha256(seed_id.encode()).hexdigest()[:8]


def unique_slug(slug: str, identity: str, is_taken: Callable[[str], bool]) -> str:
    """`slug`, or `slug-<hash of identity>` when that is taken, re-hashed until it is free:
    a name can itself end like another's suffix."""
    candidate, attempt = slug, 0
    while is_taken(candidate):
        candidate = f"{slug}-{id_suffix(identity + '#' * attempt)}"
        attempt += 1
    return candidate


def collision_key(path: str) -> str:
    """Paths with equal keys are one file on macOS or Windows (case and Unicode
    normalisation are ignored there), so a site never holds two of them."""
    return unicodedata.normalize("NFC", path).casefold()


def article_path(published_local: datetime, slug: str) -> str:
    return f"/{published_local:%Y/%m/%d}/{slug}/"


def search_bundle(article_path: str) -> str:
    """The month of the search index an article page is in: `/2024/05/06/slug/` → `2024-05`."""
    return article_path[1:8].replace("/", "-")


def paged(path: str, page: int) -> str:
    """`/topics/ai/` for page 1, `/topics/ai/page/2/` after."""
    return path if page == 1 else f"{path}page/{page}/"


def home_path(page: int = 1) -> str:
    return paged("/", page)


def topic_path(slug: str, page: int = 1) -> str:
    return paged(f"/topics/{slug}/", page)


def provider_path(slug: str, page: int = 1) -> str:
    return paged(f"/providers/{slug}/", page)


def archive_path(year: int, month: int | None = None, day: int | None = None,
                 page: int = 1) -> str:
    """`/2024/`, `/2024/03/`, `/2024/03/05/`: the parents of an article's path."""
    path = f"/{year:04d}/"
    if month is not None:
        path += f"{month:02d}/"
        if day is not None:
            path += f"{day:02d}/"
    return paged(path, page)


def feed_paths(listing: str) -> tuple[str, str]:
    """The Atom and JSON feeds of a listing: `/feed.xml` for `/`, `/topics/ai/feed.xml`."""
    return f"{listing}feed.xml", f"{listing}feed.json"


def sitemap_part(number: int) -> str:
    return f"/sitemap-{number}.xml"


TOPICS_INDEX = "/topics/"
PROVIDERS_INDEX = "/providers/"
NOT_FOUND = "/404.html"
SITEMAP = "/sitemap.xml"
NEWS_SITEMAP = "/news-sitemap.xml"
ROBOTS = "/robots.txt"
SEARCH = "/search/"


def output_file(path: str) -> PurePosixPath:
    """The file, relative to the output folder, that serves site path `path`.

    Raises ValueError for anything that could leave the output folder.
    """
    return PurePosixPath(output_name(path))


def output_name(path: str) -> str:
    """`output_file` as a posix string (`a/b/index.html`): a build makes one per page."""
    if not path.startswith("/") or "\\" in path or "\0" in path or "//" in path:
        raise ValueError(f"unsafe site path {path!r}")
    parts = path.split("/")[1:]
    if "." in parts or ".." in parts:
        raise ValueError(f"unsafe site path {path!r}")
    if any(len(part) * 4 > SEGMENT_MAX_BYTES and len(part.encode()) > SEGMENT_MAX_BYTES
           for part in parts):
        raise ValueError(f"path segment longer than {SEGMENT_MAX_BYTES} bytes in {path!r}")
    return path[1:] + "index.html" if path.endswith("/") else path[1:]


def site_path_of(name: str, paths: Container[str]) -> str | None:
    """The site path among `paths` whose output file (`output_name`) is `name`, if any:
    `2024/05/06/slug/index.html` → `/2024/05/06/slug/`."""
    for path in ("/" + name.removesuffix("index.html"), "/" + name):
        if path in paths and output_name(path) == name:
            return path
    return None


class UrlScheme:
    """Turns site paths into links that honour the path part of `base_url`."""

    def __init__(self, base_url: str) -> None:
        split = urlsplit(base_url)
        base_path = split.path or "/"
        self.base_path = base_path if base_path.endswith("/") else base_path + "/"
        self.origin = f"{split.scheme}://{split.netloc}"
        self._hrefs: dict[str, str] = {}
        """Each path's href: a page links an article, its day and its topics from several
        places, and every listing its cards' pages."""

    def href(self, path: str) -> str:
        """`/2023/08/08/x/` → `/repo/2023/08/08/x/` (percent-encoded where needed)."""
        found = self._hrefs.get(path)
        if found is None:
            found = self._hrefs[path] = quote(self.base_path + path.lstrip("/"), safe="/-._~")
        return found

    def absolute(self, path: str) -> str:
        return self.origin + self.href(path)


def safe_external_url(raw: str) -> str | None:
    """The URL if a browser would treat it as plain http(s), else None.

    Normalises as a browser does before checking: entities decoded, controls and whitespace
    removed. Protocol-relative and credential-bearing URLs are refused.
    """
    if _PLAIN_URL.fullmatch(raw):
        return raw
    return _safe_in_general(raw)


def _safe_in_general(raw: str) -> str | None:
    import html

    text = _CONTROL.sub("", html.unescape(raw))
    if not text or text.startswith("//"):
        return None
    try:
        split = urlsplit(text)
    except ValueError:
        return None
    if split.scheme.lower() not in ("http", "https") or not split.hostname:
        return None
    if split.username is not None or split.password is not None or "@" in split.netloc:
        return None
    if text != raw.strip():
        # The text hid controls or entities: emit the browser's reading, never the raw one.
        return text
    return raw.strip()


def normalise_domain(domain: str) -> str:
    """`WWW.Forbes.com.` → `forbes.com`: the identity of a provider."""
    text = unicodedata.normalize("NFC", domain).strip().lower().rstrip(".")
    return text[4:] if text.startswith("www.") else text


def host_of(url: str) -> str:
    return normalise_domain(urlsplit(url).hostname or "")
