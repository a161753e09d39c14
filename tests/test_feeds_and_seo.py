"""What machines read about a built site: Atom and JSON feeds, sitemaps, the news sitemap,
robots.txt, JSON-LD, Open Graph and Twitter meta, canonical and pagination links, and the
date archives. Every check compares the machine-readable output with the pages it describes,
on a small hand-made site and on a generated 1,000-seed site (built once for the module).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

import extruct
import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from benchmarks.corpus import write_corpus
from tests.helpers import run_build, seed_text, write_site

BASE = "https://example.org/news/"
BASE_PATH = "/news/"
ORIGIN = "https://example.org"
SITE_TITLE = "Test News"
ZONE = ZoneInfo("Europe/Berlin")
DEFAULT_FEED_ENTRIES = 20
NEWS_WINDOW = timedelta(days=2)

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"a": ATOM_NS, "s": SITEMAP_NS, "n": NEWS_NS}

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
W3C_DATETIME = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$")
IRI = re.compile("^[A-Za-z][A-Za-z0-9+.-]*:[-A-Za-z0-9._~:/?#\\[\\]@!$&'()*+,;=%"
                 "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U000efffd]+$")
"""RFC 3987's characters (what atom:id must be); percent signs are checked apart."""
JSONLD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
ARCHIVE_FILE = re.compile(r"^(\d{4})/(?:(\d{2})/(?:(\d{2})/)?)?(?:page/(\d+)/)?index\.html$")
FEEDPARSER_READS_JSON = importlib.util.find_spec("feedparser.parsers.json") is not None
"""feedparser 6.0.x reads only XML feeds; JSON Feed support came after it."""

REMOTE_IMAGES = '[images]\nmissing = "remote"\n'
"""Show (and so share) uncached images by their publisher's URL."""
IMAGES_YAML = """\
images:
  - url: "https://example.com/img/lead.jpg"
    width: 800
    height: 450
"""


# --------------------------------------------------------------------------- helpers


def is_rfc3339(text: str) -> bool:
    if not RFC3339.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def is_iri(text: str) -> bool:
    return bool(IRI.match(text)) and not re.search("%(?![0-9A-Fa-f]{2})", text)


def is_w3c_datetime(text: str) -> bool:
    return bool(W3C_DATETIME.match(text))


def instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text!r} has no offset"
    return moment


def is_absolute(url: object) -> bool:
    if not isinstance(url, str):
        return False
    split = urlsplit(url)
    return split.scheme in ("http", "https") and bool(split.netloc)


def file_of(out: Path, url: str) -> Path:
    """The output file that serves a URL of the site (absolute, or an href with the base
    path); fails for a URL of another host or outside the base path."""
    split = urlsplit(urljoin(BASE, url))
    assert f"{split.scheme}://{split.netloc}" == ORIGIN, f"{url} is not on the site"
    path = unquote(split.path)
    assert path.startswith(BASE_PATH), f"{url} is outside the base path"
    rel = path[len(BASE_PATH):]
    return out / rel / "index.html" if rel == "" or rel.endswith("/") else out / rel


def url_of(out: Path, file: Path) -> str:
    """The absolute URL of an output file (folders' index.html as the folder)."""
    rel = file.relative_to(out).as_posix()
    rel = rel.removesuffix("index.html") if rel == "index.html" or rel.endswith(
        "/index.html") else rel
    return BASE + quote(rel, safe="/-._~")


def exists(out: Path, url: str) -> bool:
    return file_of(out, url).is_file()


def text_of(element: Any) -> str:
    return str(element.text_content()) if element is not None else ""


def with_section(site: Path, toml: str) -> None:
    """Append a section to the site.toml that make_site wrote."""
    with (site / "site.toml").open("a", encoding="utf-8") as config:
        config.write("\n" + toml)


def hostile_seed(title: str, excerpt: str, **fields: Any) -> str:
    """A seed whose title and excerpt are written as YAML escapes, so U+2028 and friends
    reach the loader as the characters themselves."""
    text = seed_text("PLACEHOLDER", **fields)
    text = text.replace('title: "PLACEHOLDER"', "title: " + json.dumps(title), 1)
    provider = fields.get("provider", "Example Times")
    return text.replace(f'excerpt: "About {provider}."', "excerpt: " + json.dumps(excerpt), 1)


@dataclass
class Page:
    """One HTML page of the output."""

    url: str
    file: Path
    raw: str

    @cached_property
    def doc(self) -> Any:
        return lxml_html.fromstring(self.raw)

    def meta(self, key: str) -> list[str]:
        return [str(v) for v in self.doc.xpath(
            "//head/meta[@name=$k or @property=$k]/@content", k=key)]

    def one_meta(self, key: str) -> str:
        values = self.meta(key)
        assert len(values) == 1, f"{self.url}: {len(values)} <meta {key}>"
        return values[0]

    def links(self, rel: str) -> list[Any]:
        return list(self.doc.xpath("//head/link[@rel=$r]", r=rel))

    @property
    def h1(self) -> str:
        return text_of(self.doc.find(".//h1"))

    @property
    def is_article(self) -> bool:
        return bool(self.doc.xpath("//article[contains(@class, 'story')]"))

    @property
    def jsonld_raw(self) -> list[str]:
        return JSONLD_BLOCK.findall(self.raw)


@dataclass(frozen=True)
class ArticleInfo:
    """What an article page says about its article."""

    url: str
    title: str
    excerpt: str
    topics: tuple[str, ...]
    topic_hrefs: tuple[str, ...]
    provider: str
    provider_href: str
    published: datetime
    """As its `<time datetime>` says: in the site's zone, with the offset."""
    day_href: str
    source_url: str
    shows_image: bool
    """The page shows a lead image (cached, or remote by `[images] missing = "remote"`),
    not a placeholder tile: only then is the image shared in previews, feeds and JSON-LD."""


def article_info(page: Page) -> ArticleInfo:
    story = page.doc.xpath("//article[contains(@class, 'story')]")[0]
    meta = story.xpath(".//header/p[contains(@class, 'meta')]")[0]
    provider = meta.xpath("./a[not(time)]")[0]
    day = meta.xpath("./a[time]")[0]
    tags = story.xpath(".//ul[contains(@class, 'tags')]/li/a")
    lede = story.xpath(".//p[contains(@class, 'lede')]")
    source = story.xpath(".//p[contains(@class, 'source')]/a/@href")
    return ArticleInfo(
        url=page.url,
        title=page.h1,
        excerpt=text_of(lede[0]) if lede else "",
        topics=tuple(text_of(a) for a in tags),
        topic_hrefs=tuple(str(a.get("href")) for a in tags),
        provider=text_of(provider),
        provider_href=str(provider.get("href")),
        published=instant(str(day.find("time").get("datetime"))),
        day_href=str(day.get("href")),
        source_url=str(source[0]),
        shows_image=bool(story.xpath(".//figure[contains(@class, 'story-image')]//img")),
    )


class Output:
    """A built output folder, its HTML pages parsed once."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.pages = {url_of(out, f): Page(url_of(out, f), f, f.read_text(encoding="utf-8"))
                      for f in sorted(out.rglob("*.html"))}
        self.articles = {url: article_info(page) for url, page in self.pages.items()
                         if page.is_article}
        assert self.articles, f"no article pages in {out}"

    @property
    def not_found(self) -> str:
        return BASE + "404.html"

    def html_urls(self) -> set[str]:
        """Every HTML page but the 404 page: what the sitemap must list."""
        return {url for url in self.pages if url != self.not_found}

    def exists(self, url: str) -> bool:
        return exists(self.out, url)


def build(site: Path, *args: str) -> Path:
    # Without search: its page is noindex (not in sitemaps) and runs a script by design.
    assert run_build(site, "--quiet", "--no-search", *args) == 0
    for flag, value in pairwise(args):
        if flag == "--out":
            return Path(value)
    return site / "public"


def machine_files(out: Path) -> dict[str, bytes]:
    """The feeds, sitemaps and robots.txt of an output folder."""
    names = ("feed.xml", "feed.json", "news-sitemap.xml", "robots.txt")
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and (p.name in names or re.fullmatch(r"sitemap(-\d+)?\.xml", p.name))}


# --------------------------------------------------------------------------- fixtures

SMALL_SEEDS = {
    "b.txt": seed_text('Q&A: <Live> "Game Changer" in AI', date="2024-03-05T23:30:00Z",
                       topics=("Science", "AI"), url="https://example.com/b",
                       extra=IMAGES_YAML, body="## Details\n\nSome *body* text.\n"),
    "c.txt": seed_text("Parliament backs the carbon tax", date="2024-03-04T08:00:00Z",
                       topics=("Politics",), provider="Other Post", domain="other.org",
                       url="https://other.org/web/c",
                       extra='originalUrl: "https://other.org/original/c"\n'),
    "d.txt": seed_text("Économie : la Banque annonce un plan", date="2024-03-04T08:00:00Z",
                       topics=("Économie", "Science"), provider="Le Journal",
                       domain="lejournal.fr", url="https://lejournal.fr/d"),
    "e.txt": seed_text("An older science story", date="2023-12-31T23:30:00Z",
                       topics=("Science",), url="https://example.com/e"),
}


@pytest.fixture
def small_site(make_site: Callable[..., Path]) -> Path:
    """The repo's shipped seed plus a few hand-made ones, images shown from their hosts."""
    site = make_site(dict(SMALL_SEEDS), real_seed=True)
    with_section(site, REMOTE_IMAGES)
    return site


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = write_site(tmp_path_factory.mktemp("big") / "site")
    with_section(site, REMOTE_IMAGES)
    write_corpus(site / "seeds", 1000)
    build(site, "--jobs", "2")
    return site


@pytest.fixture(scope="module")
def big(big_site: Path) -> Output:
    return Output(big_site / "public")


# --------------------------------------------------------------------------- feeds


def listing_of_feed(out: Path, feed: Path) -> str:
    """The site path of the listing a feed belongs to: `/`, `/topics/ai/`..."""
    if feed.parent == out:
        return "/"
    return "/" + feed.parent.relative_to(out).as_posix() + "/"


def expected_feed_listings(output: Output) -> set[str]:
    """The site, every topic page and every provider that has articles."""
    listings = {"/"}
    listings |= {"/" + p.parent.relative_to(output.out).as_posix() + "/"
                 for p in output.out.glob("topics/*/index.html")}
    listings |= {a.provider_href.removeprefix(BASE_PATH.rstrip("/"))
                 for a in output.articles.values()}
    return listings


def members_of(output: Output, listing: str) -> list[ArticleInfo]:
    href = BASE_PATH.rstrip("/") + listing
    articles = list(output.articles.values())
    if listing == "/":
        return articles
    if listing.startswith("/topics/"):
        return [a for a in articles if href in a.topic_hrefs]
    assert listing.startswith("/providers/"), listing
    return [a for a in articles if a.provider_href == href]


def check_atom(output: Output, feed: Path, limit: int) -> list[tuple[str, str]]:
    """Check one Atom feed against the pages; return its (id, link) pairs in order."""
    raw = feed.read_bytes()
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, f"{feed}: {parsed.get('bozo_exception')}"
    assert parsed.version == "atom10", feed
    own_url = url_of(output.out, feed)
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [own_url]
    alternates = [link.href for link in parsed.feed.links
                  if link.rel == "alternate" and link.type == "text/html"]
    assert len(alternates) == 1 and output.exists(alternates[0]), feed
    assert parsed.feed.title, feed
    assert is_iri(parsed.feed.id), feed

    tree = etree.fromstring(raw)
    stamps = tree.xpath("/a:feed/a:updated/text() | /a:feed/a:entry/a:published/text()"
                        " | /a:feed/a:entry/a:updated/text()", namespaces=NS)
    assert len(stamps) == 1 + 2 * len(parsed.entries)
    assert all(is_rfc3339(str(stamp)) for stamp in stamps), (feed, stamps)

    listing = listing_of_feed(output.out, feed)
    members = members_of(output, listing)
    entries = parsed.entries
    assert len(entries) == min(limit, len(members)), (feed, len(entries), len(members))
    published = [instant(entry.published) for entry in entries]
    assert published == sorted(published, reverse=True), f"{feed}: not newest first"
    newest = sorted((a.published for a in members), reverse=True)[:limit]
    assert published == newest, f"{feed}: not the listing's newest articles"
    ids = [entry.id for entry in entries]
    assert len(set(ids)) == len(ids), f"{feed}: duplicate ids"
    for entry, moment in zip(entries, published, strict=True):
        assert output.exists(entry.link), f"{feed}: {entry.link} is not a page"
        article = output.articles[entry.link]
        assert entry.title == article.title, (feed, entry.title, article.title)
        assert [tag.term for tag in entry.get("tags", [])] == list(article.topics), (
            feed, entry.link)
        assert moment == article.published, (feed, entry.link)
        assert is_rfc3339(entry.updated), feed
        assert is_iri(entry.id), f"{feed}: atom:id {entry.id!r} is not an IRI"
        assert entry.get("summary", "") == article.excerpt, (feed, entry.link)
        enclosures = [link.href for link in entry.links if link.rel == "enclosure"]
        assert len(enclosures) == (1 if article.shows_image else 0), (feed, entry.link)
        assert all(is_absolute(href) for href in enclosures)
        assert article in members
    return list(zip(ids, (entry.link for entry in entries), strict=True))


# The JSON Feed 1.1 fields (https://www.jsonfeed.org/version/1.1/); others must start with `_`.
FEED_KEYS = {"version", "title", "home_page_url", "feed_url", "description", "user_comment",
             "next_url", "icon", "favicon", "authors", "author", "language", "expired", "hubs",
             "items"}
ITEM_KEYS = {"id", "url", "external_url", "title", "content_html", "content_text", "summary",
             "image", "banner_image", "date_published", "date_modified", "authors", "author",
             "tags", "language", "attachments"}


def json_feed_problems(document: object) -> list[str]:
    """What makes `document` not a JSON Feed 1.1 (with absolute home and feed URLs)."""
    problems: list[str] = []
    if not isinstance(document, dict):
        return ["the document is not an object"]
    unknown = {k for k in document if k not in FEED_KEYS and not k.startswith("_")}
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    if document.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {document.get('version')!r}")
    if not isinstance(document.get("title"), str) or not document["title"]:
        problems.append("title is not a non-empty string")
    for key in ("home_page_url", "feed_url"):
        if not is_absolute(document.get(key)):
            problems.append(f"{key} is not an absolute URL: {document.get(key)!r}")
    for key in ("description", "language"):
        if key in document and not isinstance(document[key], str):
            problems.append(f"{key} is not a string")
    items = document.get("items")
    if not isinstance(items, list):
        return [*problems, "items is not a list"]
    for number, item in enumerate(items):
        where = f"items[{number}]"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            continue
        unknown = {k for k in item if k not in ITEM_KEYS and not k.startswith("_")}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}.id is not a non-empty string")
        if not is_absolute(item.get("url")):
            problems.append(f"{where}.url is not an absolute URL")
        for key in ("title", "summary", "content_text", "content_html"):
            if key in item and not isinstance(item[key], str):
                problems.append(f"{where}.{key} is not a string")
        if "content_text" not in item and "content_html" not in item:
            problems.append(f"{where} has neither content_text nor content_html")
        for key in ("date_published", "date_modified"):
            if key in item and not (isinstance(item[key], str) and is_rfc3339(item[key])):
                problems.append(f"{where}.{key} is not RFC 3339: {item[key]!r}")
        if "date_published" not in item:
            problems.append(f"{where} has no date_published")
        authors = item.get("authors")
        if not isinstance(authors, list) or not authors or not all(
                isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"]
                for a in authors):
            problems.append(f"{where}.authors is not a list of objects with a name")
        elif any("url" in a and not is_absolute(a["url"]) for a in authors):
            problems.append(f"{where}.authors[].url is not an absolute URL")
        if "tags" in item and not (isinstance(item["tags"], list)
                                   and all(isinstance(t, str) for t in item["tags"])):
            problems.append(f"{where}.tags is not a list of strings")
        for key in ("image", "banner_image", "external_url"):
            if key in item and not is_absolute(item[key]):
                problems.append(f"{where}.{key} is not an absolute URL: {item[key]!r}")
    return problems


def check_json_feed(output: Output, feed: Path, atom: list[tuple[str, str]]) -> None:
    """Check one JSON Feed; it must hold the same entries as the listing's Atom feed."""
    raw = feed.read_bytes()
    if FEEDPARSER_READS_JSON:
        parsed = feedparser.parse(raw)
        assert not parsed.bozo, f"{feed}: {parsed.get('bozo_exception')}"
    document = json.loads(raw)
    assert json_feed_problems(document) == [], feed
    assert document["feed_url"] == url_of(output.out, feed)
    assert output.exists(document["home_page_url"]), feed
    items = document["items"]
    assert [(item["id"], item["url"]) for item in items] == atom, f"{feed} differs from Atom"
    for item in items:
        article = output.articles[item["url"]]
        assert item["title"] == article.title
        assert item.get("tags", []) == list(article.topics), (feed, item["url"])
        assert instant(item["date_published"]) == article.published
        assert item["authors"][0]["name"] == article.provider
        assert item.get("summary", "") == article.excerpt
        assert ("image" in item) == article.shows_image, (feed, item["url"])


def check_feeds(output: Output, limit: int = DEFAULT_FEED_ENTRIES) -> int:
    """Check every feed of the output; return how many there are."""
    atoms = sorted(output.out.rglob("feed.xml"))
    jsons = sorted(output.out.rglob("feed.json"))
    assert [p.with_suffix("") for p in atoms] == [p.with_suffix("") for p in jsons]
    listings = {listing_of_feed(output.out, p) for p in atoms}
    assert listings == expected_feed_listings(output)
    ids_to_urls: dict[str, set[str]] = {}
    for atom_file in atoms:
        pairs = check_atom(output, atom_file, limit)
        check_json_feed(output, atom_file.with_suffix(".json"), pairs)
        for entry_id, link in pairs:
            ids_to_urls.setdefault(entry_id, set()).add(link)
    # One id per article across all feeds, and one article per id.
    assert all(len(urls) == 1 for urls in ids_to_urls.values())
    assert len({next(iter(urls)) for urls in ids_to_urls.values()}) == len(ids_to_urls)
    return len(atoms) + len(jsons)


def test_feeds_of_the_seed_site_parse_and_match_the_pages(small_site: Path) -> None:
    output = Output(build(small_site))
    assert check_feeds(output) == 2 * (1 + 5 + 4)  # site, 5 topics, 4 providers
    site_feed = feedparser.parse((output.out / "feed.xml").read_bytes())
    assert [e.title for e in site_feed.entries] == [
        # c and d share a moment: the lower seed id comes first.
        'Q&A: <Live> "Game Changer" in AI', "Parliament backs the carbon tax",
        "Économie : la Banque annonce un plan", "An older science story",
        "China Proposes Stricter Regulations on Facial Recognition to Protect Privacy"]


def test_feeds_of_the_generated_site_parse_and_match_the_pages(big: Output) -> None:
    assert check_feeds(big) > 100


def test_feeds_hold_at_most_the_configured_number_of_entries(
        make_site: Callable[..., Path]) -> None:
    seeds = {f"s{n}.txt": seed_text(f"Story number {n}", date=f"2024-03-0{n}T12:00:00Z",
                                    topics=("Science",) if n % 2 else ("AI", "Science"),
                                    url=f"https://example.com/{n}") for n in range(1, 8)}
    site = make_site(seeds)
    with_section(site, "[feeds]\nentries = 2\n")
    output = Output(build(site))
    check_feeds(output, limit=2)
    titles = [e.title for e in feedparser.parse((output.out / "feed.xml").read_bytes()).entries]
    assert titles == ["Story number 7", "Story number 6"]


def test_feed_ids_stay_the_same_when_another_seed_changes(small_site: Path) -> None:
    def ids_by_url(out: Path) -> dict[str, str]:
        pairs = {}
        atoms, jsons = sorted(out.rglob("feed.xml")), sorted(out.rglob("feed.json"))
        assert atoms and len(jsons) == len(atoms), (atoms, jsons)
        for atom in atoms:
            for entry in feedparser.parse(atom.read_bytes()).entries:
                pairs[entry.link] = entry.id
        for feed in jsons:
            for item in json.loads(feed.read_bytes())["items"]:
                assert pairs[item["url"]] == item["id"]
        return pairs

    first = ids_by_url(build(small_site))
    seed = small_site / "seeds" / "c.txt"
    seed.write_text(seed.read_text().replace("Parliament backs the carbon tax",
                                             "Parliament rejects the carbon tax"))
    second = ids_by_url(build(small_site))
    changed = {url for url in first if "carbon-tax" in url}
    assert len(changed) == 1 and len(first) == len(second) == 5
    for url, entry_id in first.items():
        if url not in changed:
            assert second[url] == entry_id, url
    (old_url,) = changed
    (new_url,) = set(second) - set(first)
    assert "rejects" in new_url
    # The id comes from the seed, not the title: a retitled story is the same entry.
    assert second[new_url] == first[old_url]
    check_feeds(Output(small_site / "public"))  # nothing left of the old title


def test_feeds_and_sitemaps_are_byte_identical_across_clean_builds(
        small_site: Path, tmp_path: Path) -> None:
    first = machine_files(build(small_site, "--clean", "--out", str(tmp_path / "one")))
    second = machine_files(build(small_site, "--clean", "--out", str(tmp_path / "two")))
    assert len(first) == 2 * 10 + 3
    assert first == second


def test_generated_site_feeds_are_byte_identical_across_clean_builds(
        big_site: Path, big: Output, tmp_path: Path) -> None:
    again = build(big_site, "--clean", "--jobs", "2", "--out", str(tmp_path / "again"))
    first, second = machine_files(big.out), machine_files(again)
    assert "feed.xml" in first and "sitemap.xml" in first
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


# --------------------------------------------------------------------------- JSON Feed


def test_the_json_feed_validator_catches_what_it_should() -> None:
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "T",
            "home_page_url": "https://e.org/", "feed_url": "https://e.org/feed.json",
            "items": [{"id": "1", "url": "https://e.org/1", "content_text": "x",
                       "date_published": "2024-03-05T10:00:00Z", "authors": [{"name": "A"}],
                       "tags": ["a"], "image": "https://e.org/i.jpg", "_ext": {}}]}
    assert json_feed_problems(good) == []
    bad = {"version": "https://jsonfeed.org/version/1", "title": 3, "home_page_url": "/",
           "items": [{"id": 1, "url": "/1", "date_published": "2024-03-05 10:00",
                      "authors": [{"url": "https://e.org/"}], "tags": "a", "image": "i.jpg",
                      "contents": ""}]}
    problems = "\n".join(json_feed_problems(bad))
    for fragment in ("version", "title", "home_page_url", "feed_url", ".id", ".url",
                     "content_text", "date_published", "authors", "tags", "image",
                     "unknown keys"):
        assert fragment in problems, fragment


def test_json_feeds_validate_as_json_feed_1_1(small_site: Path, big: Output) -> None:
    for out in (build(small_site), big.out):
        feeds = sorted(out.rglob("feed.json"))
        assert feeds
        for feed in feeds:
            document = json.loads(feed.read_bytes())
            assert json_feed_problems(document) == [], feed
    document = json.loads((big.out / "feed.json").read_bytes())
    assert any("image" in item for item in document["items"])


# --------------------------------------------------------------------------- sitemaps


def read_urlset(out: Path, file: Path) -> list[tuple[str, str | None]]:
    root = etree.parse(str(file)).getroot()
    assert root.tag == f"{{{SITEMAP_NS}}}urlset", file
    entries = []
    for url in root:
        assert url.tag == f"{{{SITEMAP_NS}}}url", file
        locs = url.findall("s:loc", NS)
        lastmods = url.findall("s:lastmod", NS)
        assert len(locs) == 1 and len(lastmods) <= 1, file
        lastmod = lastmods[0].text if lastmods else None
        assert lastmod is None or is_w3c_datetime(lastmod), (file, lastmod)
        entries.append((str(locs[0].text), lastmod))
    return entries


def check_sitemaps(output: Output, limit: int | None = None) -> list[Path]:
    """Check sitemap.xml (and its parts); return the part files of an index, else []."""
    out = output.out
    root = etree.parse(str(out / "sitemap.xml")).getroot()
    assert etree.QName(root).namespace == SITEMAP_NS
    parts: list[Path] = []
    if root.tag == f"{{{SITEMAP_NS}}}sitemapindex":
        entries: list[tuple[str, str | None]] = []
        for sitemap in root:
            assert sitemap.tag == f"{{{SITEMAP_NS}}}sitemap"
            loc = str(sitemap.findtext("s:loc", namespaces=NS))
            lastmod = sitemap.findtext("s:lastmod", namespaces=NS)
            assert lastmod is None or is_w3c_datetime(lastmod), lastmod
            part = file_of(out, loc)
            assert part.is_file(), loc
            part_entries = read_urlset(out, part)
            assert limit is None or 0 < len(part_entries) <= limit, (loc, len(part_entries))
            if lastmod is not None:
                assert instant(lastmod) == max(
                    instant(m) for _, m in part_entries if m is not None), loc
            entries += part_entries
            parts.append(part)
    else:
        assert root.tag == f"{{{SITEMAP_NS}}}urlset"
        entries = read_urlset(out, out / "sitemap.xml")
        assert limit is None or len(entries) <= limit
    listed = sorted(out.glob("sitemap-*.xml"))
    assert listed == sorted(parts), "sitemap parts not in the index"
    locs = [loc for loc, _ in entries]
    duplicates = [loc for loc, count in Counter(locs).items() if count > 1]
    assert duplicates == []
    assert all(output.exists(loc) for loc in locs)
    assert set(locs) == output.html_urls()
    for loc, lastmod in entries:
        if loc in output.articles:
            assert lastmod is not None and instant(lastmod) == output.articles[loc].published
    return parts


def check_news_sitemap(output: Output) -> list[str]:
    """Check news-sitemap.xml; return its URLs."""
    root = etree.parse(str(output.out / "news-sitemap.xml")).getroot()
    assert root.tag == f"{{{SITEMAP_NS}}}urlset"
    assert root.nsmap.get("news") == NEWS_NS
    locs = []
    for url in root:
        loc = str(url.findtext("s:loc", namespaces=NS))
        assert output.exists(loc), loc
        article = output.articles[loc]
        (news,) = url.findall("n:news", NS)
        assert news.findtext("n:publication/n:name", namespaces=NS) == SITE_TITLE
        assert news.findtext("n:publication/n:language", namespaces=NS) == "en"
        date = str(news.findtext("n:publication_date", namespaces=NS))
        assert is_w3c_datetime(date) and instant(date) == article.published, date
        assert news.findtext("n:title", namespaces=NS) == article.title
        locs.append(loc)
    assert len(set(locs)) == len(locs)
    newest = max(a.published for a in output.articles.values())
    assert set(locs) == {a.url for a in output.articles.values()
                         if a.published >= newest - NEWS_WINDOW}
    return locs


def check_robots(output: Output) -> None:
    lines = (output.out / "robots.txt").read_text(encoding="utf-8").splitlines()
    sitemaps = [line.split(":", 1)[1].strip() for line in lines
                if line.lower().startswith("sitemap:")]
    assert sitemaps == [BASE + "sitemap.xml", BASE + "news-sitemap.xml"]
    assert all(is_absolute(url) and output.exists(url) for url in sitemaps)
    assert any(line.lower().startswith("user-agent:") for line in lines)


def test_sitemaps_list_every_page_of_the_seed_site(small_site: Path) -> None:
    output = Output(build(small_site))
    assert check_sitemaps(output) == []
    assert len(check_news_sitemap(output)) == 3  # 3–5 March 2024, not December or 2023
    check_robots(output)


def test_sitemaps_list_every_page_of_the_generated_site(big: Output) -> None:
    assert check_sitemaps(big) == []
    assert check_news_sitemap(big)
    check_robots(big)


def test_a_lowered_url_limit_splits_the_sitemap_behind_an_index(
        make_site: Callable[..., Path]) -> None:
    seeds = {f"s{n}.txt": seed_text(f"Story number {n}", date=f"2024-03-0{n}T12:00:00Z",
                                    topics=(f"Topic {n % 3}",), url=f"https://example.com/{n}")
             for n in range(1, 8)}
    site = make_site(seeds, page_size=2)
    with_section(site, "[seo]\nsitemap_urls = 10\n")
    output = Output(build(site))
    assert len(output.html_urls()) > 20
    parts = check_sitemaps(output, limit=10)
    count = -(-len(output.html_urls()) // 10)
    assert [p.name for p in parts] == [f"sitemap-{n}.xml" for n in range(1, count + 1)]
    check_robots(output)
    check_news_sitemap(output)
    # At the limit one sitemap holds everything; one URL fewer allowed makes two parts.
    total = len(output.html_urls())
    config = (site / "site.toml").read_text()
    for limit, parts_wanted in ((total, 0), (total - 1, 2)):
        (site / "site.toml").write_text(config.replace("sitemap_urls = 10",
                                                       f"sitemap_urls = {limit}"))
        output = Output(build(site))
        assert len(check_sitemaps(output, limit=limit)) == parts_wanted, limit
        check_robots(output)


def test_the_news_sitemap_holds_the_two_days_before_the_newest_article(
        make_site: Callable[..., Path]) -> None:
    dates = {
        "newest": "2024-03-10T12:00:00Z",
        "middle": "2024-03-09T03:00:00+05:00",
        "boundary": "2024-03-08T12:00:00Z",  # exactly two days before: in
        "just-out": "2024-03-08T11:59:59Z",
        "local": "2024-03-08T13:30:00",  # no offset: Berlin time, 12:30Z: in
        "old": "2024-02-01T12:00:00Z",
    }
    seeds = {f"{name}.txt": seed_text(f"Story {name}", date=date,
                                      url=f"https://example.com/{name}")
             for name, date in dates.items()}
    seeds["hidden.txt"] = seed_text("Story hidden", date="2024-03-10T00:00:00Z",
                                    url="https://example.com/hidden", extra="published: false\n")
    output = Output(build(make_site(seeds, include_unpublished=False)))
    titles = [output.articles[loc].title for loc in check_news_sitemap(output)]
    assert titles == ["Story newest", "Story middle", "Story local", "Story boundary"]
    assert "Story hidden" not in (output.out / "feed.xml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- JSON-LD


def jsonld_blocks(page: Page) -> list[dict[str, Any]]:
    """The page's JSON-LD as extruct reads it, after checking the raw blocks are inert."""
    raw = page.jsonld_raw
    assert len(re.findall(r"<script", page.raw, re.I)) == len(raw), (
        f"{page.url}: a <script> that is not JSON-LD")
    for block in raw:
        assert "</script" not in block.lower() and "<!--" not in block, page.url
        json.loads(block)
    data = extruct.extract(page.raw, base_url=page.url, syntaxes=["json-ld"])["json-ld"]
    assert len(data) == len(raw), page.url
    return list(data)


def check_article_jsonld(output: Output, page: Page) -> dict[str, Any]:
    article = output.articles[page.url]
    data = jsonld_blocks(page)
    types = Counter(block.get("@type") for block in data)
    assert types == {"NewsArticle": 1, "BreadcrumbList": 1}, (page.url, types)
    news = next(block for block in data if block["@type"] == "NewsArticle")
    assert news["headline"] == article.title
    assert news.get("description", "") == article.excerpt
    assert is_rfc3339(news["datePublished"]) and is_rfc3339(news["dateModified"])
    assert instant(news["datePublished"]) == article.published
    assert instant(news["dateModified"]) >= instant(news["datePublished"])
    if article.shows_image:
        image = news["image"]
        assert is_absolute(image["url"]) and image["url"] == page.one_meta("og:image")
        assert isinstance(image["width"], int) and image["width"] > 0
        assert isinstance(image["height"], int) and image["height"] > 0
    else:
        assert "image" not in news
    assert news["publisher"]["@type"] == "Organization"
    assert news["publisher"]["name"] == article.provider
    assert news["isBasedOn"] == article.source_url
    assert [thing["name"] for thing in news.get("about", [])] == list(article.topics)
    main = news["mainEntityOfPage"]
    assert (main["@id"] if isinstance(main, dict) else main) == page.url
    crumbs = next(block for block in data if block["@type"] == "BreadcrumbList")
    items = crumbs["itemListElement"]
    assert [item["position"] for item in items] == list(range(1, len(items) + 1))
    assert items[0]["item"] == BASE and items[-1]["item"] == page.url
    assert items[-1]["name"] == article.title
    assert all(output.exists(item["item"]) for item in items)
    return news


def check_structured_data(output: Output) -> None:
    for url, page in output.pages.items():
        if url == output.not_found:
            continue
        if page.is_article:
            check_article_jsonld(output, page)
            continue
        data = jsonld_blocks(page)
        assert [block.get("@type") for block in data] == ["CollectionPage"], url
        assert data[0]["url"] == url and data[0]["name"], url


def test_structured_data_of_the_seed_site_matches_its_pages(small_site: Path) -> None:
    output = Output(build(small_site))
    check_structured_data(output)
    news = {output.articles[url].title: check_article_jsonld(output, page)
            for url, page in output.pages.items() if page.is_article}
    lead = news['Q&A: <Live> "Game Changer" in AI']
    assert lead["image"]["url"] == "https://example.com/img/lead.jpg"
    assert (lead["image"]["width"], lead["image"]["height"]) == (800, 450)
    assert [thing["name"] for thing in lead["about"]] == ["Science", "AI"]
    assert news["Parliament backs the carbon tax"]["isBasedOn"] == "https://other.org/original/c"
    real = news["China Proposes Stricter Regulations on Facial Recognition to Protect Privacy"]
    assert real["isBasedOn"] == (
        "https://www.coinspeaker.com/china-regulations-facial-recognition/")
    assert real["publisher"]["name"] == "coinspeaker"
    assert (real["image"]["width"], real["image"]["height"]) == (1024, 683)


def test_structured_data_of_the_generated_site_matches_its_pages(big: Output) -> None:
    check_structured_data(big)


HOSTILE = (
    "</script><script>alert(1)</script>",
    "Quotes \" and ' in a title",
    "<!-- opens a comment",
    "Line\u2028separator and\u2029paragraph",
    "Mixed </SCRIPT > and <!--> and ]]> end",
)


def test_structured_data_stays_inert_and_exact_with_hostile_titles(
        make_site: Callable[..., Path]) -> None:
    seeds = {f"h{n}.txt": hostile_seed(title, f"Excerpt {n}: {title}",
                                       date=f"2024-03-05T1{n}:00:00Z",
                                       url=f"https://example.com/h{n}")
             for n, title in enumerate(HOSTILE)}
    output = Output(build(make_site(seeds)))
    check_structured_data(output)
    check_feeds(output)
    check_sitemaps(output)
    check_news_sitemap(output)
    check_head(output)
    by_title = {a.title: (url, a) for url, a in output.articles.items()}
    assert sorted(by_title) == sorted(HOSTILE)
    for n, title in enumerate(HOSTILE):
        url, article = by_title[title]
        page = output.pages[url]
        news = check_article_jsonld(output, page)
        assert news["headline"] == title
        assert news["description"] == article.excerpt == f"Excerpt {n}: {title}"
        assert page.one_meta("description") == article.excerpt
        assert page.one_meta("og:title") == title
    json_feeds = sorted(output.out.rglob("feed.json"))
    assert json_feeds, "no JSON feed was written"
    for feed in json_feeds:
        titles = {item["title"] for item in json.loads(feed.read_bytes())["items"]}
        assert titles <= set(HOSTILE)
    atom = feedparser.parse((output.out / "feed.xml").read_bytes())
    assert not atom.bozo
    news_titles = etree.parse(str(output.out / "news-sitemap.xml")).xpath(
        "//n:title/text()", namespaces=NS)
    assert sorted(news_titles) == sorted(HOSTILE)


# --------------------------------------------------------------------------- head meta


def listing_root(url: str) -> str:
    """The first page of the listing a page belongs to."""
    return re.sub(r"page/\d+/$", "", url)


def check_head(output: Output) -> None:
    """Open Graph, Twitter, description, canonical, prev/next and feed links of every page."""
    provider_feeds = {a.provider_href for a in output.articles.values()}
    for url, page in output.pages.items():
        article = output.articles.get(url)
        assert page.one_meta("og:title"), url
        assert page.one_meta("og:type") == ("article" if article else "website"), url
        assert page.one_meta("og:url") == url
        card = page.one_meta("twitter:card")
        images = page.meta("og:image")
        assert card == ("summary_large_image" if images else "summary"), url
        if article is not None:
            assert len(images) == (1 if article.shows_image else 0), url
        else:  # a listing may show its newest article's image in previews
            assert len(images) <= 1, url
        assert all(is_absolute(image) for image in images)
        if images:
            assert int(page.one_meta("og:image:width")) > 0
            assert int(page.one_meta("og:image:height")) > 0
        description = page.one_meta("description")
        if article is not None:
            assert page.one_meta("og:title") == article.title
            if article.excerpt:
                assert description == article.excerpt, url
        canonical = [str(link.get("href")) for link in page.links("canonical")]
        if url != output.not_found:
            assert canonical == [url]
        # Feed links: the site's on every page, a topic's or provider's on its pages.
        feeds = {str(link.get("href")): str(link.get("type")) for link in page.links("alternate")}
        assert all(output.exists(href) for href in feeds), url
        expected = {BASE_PATH + "feed.xml", BASE_PATH + "feed.json"}
        own = listing_root(url).removeprefix(ORIGIN)
        if re.match(r"^/news/topics/[^/]+/$", own) or own in provider_feeds:
            expected |= {own + "feed.xml", own + "feed.json"}
        assert set(feeds) == expected, url
        assert all(feeds[h] == ("application/atom+xml" if h.endswith(".xml")
                                else "application/feed+json") for h in feeds)
    check_pagination(output)


def check_pagination(output: Output) -> int:
    """rel=prev/next chains visit every page of each listing once, in order; return how
    many listings have more than one page."""
    chains = 0
    for url, page in output.pages.items():
        prev = page.links("prev")
        nexts = page.links("next")
        assert len(prev) <= 1 and len(nexts) <= 1, url
        is_later = bool(re.search(r"/page/\d+/$", url))
        assert bool(prev) == is_later, url
        if prev or not nexts:
            continue
        chain, current = [url], page
        while current.links("next"):
            following = urljoin(BASE, str(current.links("next")[0].get("href")))
            assert output.exists(following), following
            nxt = output.pages[following]
            assert urljoin(BASE, str(nxt.links("prev")[0].get("href"))) == chain[-1]
            chain.append(following)
            current = nxt
        assert chain[1:] == [f"{url}page/{n}/" for n in range(2, len(chain) + 1)]
        on_disk = {u for u in output.pages if re.fullmatch(re.escape(url) + r"page/\d+/", u)}
        assert on_disk == set(chain[1:]), url
        chains += 1
    return chains


def test_every_page_of_the_seed_site_with_small_pages_has_the_right_head_meta(
        make_site: Callable[..., Path]) -> None:
    site = make_site(dict(SMALL_SEEDS), real_seed=True, page_size=2)
    output = Output(build(site))
    check_head(output)
    assert check_pagination(output) >= 4  # home, Science, 2024, 2024/03 at least
    home = output.pages[BASE + "page/2/"]
    assert [str(link.get("href")) for link in home.links("prev")] == [BASE_PATH]
    science = output.pages[BASE + "topics/science/"]
    assert {str(link.get("href")) for link in science.links("alternate")} >= {
        "/news/topics/science/feed.xml", "/news/topics/science/feed.json"}


def test_every_page_of_the_generated_site_has_the_right_head_meta(big: Output) -> None:
    check_head(big)


def test_a_site_without_a_description_still_describes_every_page(
        make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text(extra="")})
    config = site / "site.toml"
    config.write_text(config.read_text().replace('description = "A test site."\n', ""))
    assert run_build(site, "--no-search") == 0
    home = (site / "public" / "index.html").read_text()
    assert '<meta name="description" content="The latest news from Test News.">' in home


def test_canonical_is_the_original_url_when_configured(make_site: Callable[..., Path]) -> None:
    site = make_site(dict(SMALL_SEEDS), real_seed=True)
    with_section(site, '[seo]\ncanonical = "original"\n')
    output = Output(build(site))
    expected = {
        "Parliament backs the carbon tax": "https://other.org/original/c",
        "An older science story": "https://example.com/e",
        "China Proposes Stricter Regulations on Facial Recognition to Protect Privacy":
            "https://www.coinspeaker.com/china-regulations-facial-recognition/",
    }
    for url, page in output.pages.items():
        canonical = [str(link.get("href")) for link in page.links("canonical")]
        article = output.articles.get(url)
        if article is None:
            assert canonical == [url]
            continue
        assert canonical == [article.source_url], url
        if article.title in expected:
            assert canonical == [expected[article.title]]
        # The structured data still names this page as the one it describes.
        assert check_article_jsonld(output, page)["mainEntityOfPage"]["@id"] == url


# --------------------------------------------------------------------------- archives


def check_archives(output: Output) -> dict[tuple[int, ...], list[str]]:
    """Every archive page is a period with articles, lists exactly that period's articles
    newest first across its pages; return period → listed URLs."""
    periods: dict[tuple[int, ...], set[str]] = {}
    for article in output.articles.values():
        local = article.published.astimezone(ZONE)
        assert article.published.utcoffset() == local.utcoffset()
        for period in ((local.year,), (local.year, local.month),
                       (local.year, local.month, local.day)):
            periods.setdefault(period, set()).add(article.url)
        day = f"{BASE_PATH}{local:%Y/%m/%d}/"
        assert article.day_href == day, article.url
        assert article.url.startswith(ORIGIN + day)
        assert output.exists(day)
    listed: dict[tuple[int, ...], list[str]] = {}
    archive_files = []
    for file in output.out.rglob("index.html"):
        match = ARCHIVE_FILE.match(file.relative_to(output.out).as_posix())
        if match is not None:
            period = tuple(int(part) for part in match.groups()[:3] if part)
            archive_files.append((period, int(match.group(4) or 1), file))
    for period, _, file in sorted(archive_files):
        page = output.pages[url_of(output.out, file)]
        assert not page.is_article, file
        cards = [urljoin(BASE, str(href)) for href in page.doc.xpath(
            "//div[@class='cards']//h3[@class='card-title']/a/@href")]
        assert cards, f"{file}: an archive page without articles"
        listed.setdefault(period, []).extend(cards)
    assert set(listed) == set(periods), "archive pages for periods without articles"
    for period, urls in listed.items():
        assert len(urls) == len(set(urls)), period
        assert set(urls) == periods[period], period
        moments = [output.articles[url].published for url in urls]
        assert moments == sorted(moments, reverse=True), period
    return listed


def test_archives_exist_for_every_date_with_articles_and_nowhere_else(
        make_site: Callable[..., Path]) -> None:
    seeds = {
        "late.txt": seed_text("Late on the fifth in UTC", date="2024-03-05T23:30:00Z"),
        "morning.txt": seed_text("Morning of the sixth", date="2024-03-06T07:00:00Z"),
        "noon.txt": seed_text("Noon of the sixth", date="2024-03-06T11:00:00Z"),
        "night.txt": seed_text("Night of the sixth", date="2024-03-06T22:59:00Z"),
        "leap.txt": seed_text("A leap day story", date="2024-02-29T12:00:00Z"),
        "new-year.txt": seed_text("New Year in Berlin", date="2023-12-31T23:30:00Z"),
    }
    output = Output(build(make_site(seeds, page_size=2)))
    listed = check_archives(output)
    assert sorted(listed) == [(2024,), (2024, 1), (2024, 1, 1), (2024, 2), (2024, 2, 29),
                              (2024, 3), (2024, 3, 6)]
    for path in ("2023/", "2023/12/", "2023/12/31/", "2024/03/05/", "2024/03/07/"):
        assert not (output.out / path).exists(), path
    late = next(a for a in output.articles.values() if a.title == "Late on the fifth in UTC")
    assert late.day_href == "/news/2024/03/06/" and "/2024/03/06/" in late.url
    # Four articles that day with two a page: two pages, linked both ways.
    assert output.exists(BASE + "2024/03/06/page/2/")
    assert not output.exists(BASE + "2024/03/06/page/3/")
    second = output.pages[BASE + "2024/03/06/page/2/"]
    assert [str(link.get("href")) for link in second.links("prev")] == ["/news/2024/03/06/"]
    assert second.links("next") == []
    assert second.h1.startswith("6 March 2024")
    assert output.pages[BASE + "2024/"].h1 == "2024"
    assert output.pages[BASE + "2024/03/"].h1 == "March 2024"
    assert check_pagination(output) >= 3  # 2024, March and 6 March
    check_head(output)


def test_archives_of_the_generated_site_list_each_periods_articles_newest_first(
        big: Output) -> None:
    listed = check_archives(big)
    assert any(len(period) == 1 for period in listed)
    assert max(len(urls) for urls in listed.values()) > 20  # some archive is paginated


# --------------------------------------------------------------------------- regressions


def test_a_topic_written_in_two_spellings_is_one_category(
        make_site: Callable[..., Path]) -> None:
    seeds = {"a.txt": seed_text("Two spellings of one topic", topics=("AI", "ai", "Science")),
             "b.txt": seed_text("Another AI story", topics=("AI",), url="https://example.com/b",
                                date="2024-03-04T10:00:00Z")}
    output = Output(build(make_site(seeds)))
    page = next(p for p in output.pages.values() if p.h1 == "Two spellings of one topic")
    topics = list(output.articles[page.url].topics)
    assert len(topics) == 2  # the page: one AI, one Science
    entry = next(e for e in feedparser.parse((output.out / "feed.xml").read_bytes()).entries
                 if e.link == page.url)
    assert [tag.term for tag in entry.tags] == topics
    item = next(i for i in json.loads((output.out / "feed.json").read_bytes())["items"]
                if i["url"] == page.url)
    assert item["tags"] == topics
    assert [thing["name"] for thing in check_article_jsonld(output, page)["about"]] == topics


def test_entry_ids_are_iris_whatever_the_seed_file_is_called(
        make_site: Callable[..., Path]) -> None:
    seeds = {"my story.txt": seed_text("A seed whose file name has a space"),
             "plain.txt": seed_text("A plain seed", url="https://example.com/plain")}
    output = Output(build(make_site(seeds)))
    check_feeds(output)
