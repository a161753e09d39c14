"""Read seed files into validated Articles, or into errors naming file, line and column.

Reads seeds; never writes. A seed either becomes an Article or yields errors, never half.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.config import LANGUAGE_TAG, LimitsSection
from generator.content.fields import FieldReader, clean_text
from generator.content.frontmatter import FrontMatterError, parse_document
from generator.content.markdown import MarkdownTooDeep, MarkdownTooSlow, render_markdown
from generator.content.seeds import find_seeds, missing_seeds_dir
from generator.errors import SourceError
from generator.model import Article, Image, ProviderRef, RelatedItem
from generator.urls import host_of, normalise_domain, slug_for

KNOWN_FIELDS = frozenset({
    "category", "title", "excerpt", "publishedDateTime", "originalUrl", "webUrl", "ampWebUrl",
    "cdnAmpWebUrl", "type", "quality", "heat", "published", "provider", "topics", "images",
    "related", "secured", "language",
})
PROVIDER_FIELDS = frozenset({"name", "domain"})
IMAGE_FIELDS = frozenset({"url", "width", "height", "isCached"})
RELATED_FIELDS = frozenset({
    "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type",
    "provider", "quality", "images",
})


@dataclass(frozen=True)
class SeedResult:
    article: Article | None
    problems: tuple[SourceError, ...]
    """Errors (then `article` is None) and warnings."""


def load_seed(path: Path, zone: ZoneInfo, limits: LimitsSection) -> SeedResult:
    """One seed file → an Article, or the errors that stop it."""
    try:
        size = path.stat().st_size
        if size > limits.seed_bytes:
            return _failed(path, 0, 0, f"seed is larger than {limits.seed_bytes:,} bytes "
                           f"({size:,})", "raise [limits] seed_bytes in site.toml if intended")
        data = path.read_bytes()
    except OSError as exc:
        return _failed(path, 0, 0, f"cannot read seed: {exc.strerror or exc}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return _failed(path, line, column,
                       f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                       "save the file as UTF-8")
    try:
        document = parse_document(text)
    except FrontMatterError as exc:
        return _failed(path, exc.line, exc.column, exc.message, exc.hint)
    reader = FieldReader(path, document.positions, zone, limits)
    article = _read_article(path, document.data, reader)
    if len(document.body) > limits.body_chars:
        reader.problems.append(SourceError(
            path, document.body_line, 1, f"body is longer than {limits.body_chars:,} characters",
            "raise [limits] body_chars in site.toml if this is intended"))
    elif article is not None:
        try:
            body = render_markdown(clean_text(document.body), limits.markdown_seconds)
            article = replace(article, body_html=body)
        except MarkdownTooDeep:
            reader.problems.append(SourceError(
                path, document.body_line, 1, "body nests lists or quotes too deeply to convert"))
        except MarkdownTooSlow:
            reader.problems.append(SourceError(
                path, document.body_line, 1,
                f"body took longer than {limits.markdown_seconds:g} s to convert",
                "long runs of [ or ( confuse the Markdown parser; simplify the body, or raise "
                "[limits] markdown_seconds in site.toml"))
    problems = tuple(reader.problems)
    if any(problem.severity == "error" for problem in problems):
        return SeedResult(None, problems)
    return SeedResult(article, problems)


def _failed(path: Path, line: int, column: int, message: str, hint: str = "") -> SeedResult:
    return SeedResult(None, (SourceError(path, line, column, message, hint),))


def _read_article(path: Path, data: dict[str, object], reader: FieldReader) -> Article | None:
    reader.near_misses(data, (), KNOWN_FIELDS)
    title = reader.text(data, ("title",), required=True, max_chars=reader.limits.title_chars)
    published_at = reader.moment(data, ("publishedDateTime",), required=True)
    original = reader.url(data, ("originalUrl",))
    web = reader.url(data, ("webUrl",))
    if not original and not web:
        given = "webUrl" in data or "originalUrl" in data
        reader.error(("webUrl" if "webUrl" in data or not given else "originalUrl",),
                     "no usable http or https URL" if given else "required field is missing",
                     "give the story's address as webUrl or originalUrl")
    for unused_url in ("ampWebUrl", "cdnAmpWebUrl"):
        reader.url(data, (unused_url,))
    provider = _read_provider(data, (), reader, fallback_url=original or web, required=True)
    # Every field is read, so every problem is reported, before deciding there is no article.
    excerpt = reader.text(data, ("excerpt",))
    topics = _read_topics(data, reader)
    images = _read_images(data, ("images",), reader)
    related = _read_related(data, reader)
    category = reader.text(data, ("category",))
    kind = reader.text(data, ("type",)) or "article"
    quality = reader.integer(data, ("quality",))
    heat = reader.integer(data, ("heat",))
    published = reader.boolean(data, ("published",), default=True)
    secured = reader.text(data, ("secured",))
    language = reader.text(data, ("language",))
    if language and not LANGUAGE_TAG.match(language):
        reader.error(("language",), f"expected a language tag such as \"en\" or \"zh-Hans\", "
                     f"got {language!r}")
        language = ""
    if provider is None or published_at is None:
        return None
    return Article(
        id=path.stem, source=path, title=title, published_at=published_at,
        url=original or web, web_url=web, provider=provider, excerpt=excerpt, topics=topics,
        images=images, related=related, category=category, kind=kind, quality=quality,
        heat=heat, published=published, secured=secured, language=language,
        extra=tuple((k, v) for k, v in data.items() if k not in KNOWN_FIELDS),
        slug=slug_for(title, fallback=path.stem))


def _read_provider(data: dict[str, object], at: tuple[str | int, ...], reader: FieldReader,
                   fallback_url: str, required: bool) -> ProviderRef | None:
    key = (*at, "provider")
    mapping = reader.mapping(data, key, required=required)
    if mapping is None:
        return None
    reader.near_misses(mapping, key, PROVIDER_FIELDS)
    name = reader.text(mapping, (*key, "name"), required=True, max_chars=300)
    domain = normalise_domain(reader.text(mapping, (*key, "domain"), max_chars=300))
    domain = domain or host_of(fallback_url)
    return ProviderRef(name, domain) if name else None


def _read_topics(data: dict[str, object], reader: FieldReader) -> tuple[str, ...]:
    topics: list[str] = []
    for index, value in enumerate(reader.items(data, ("topics",), "- Computer Vision")):
        name = reader.text_value(value, ("topics", index), required=True, max_chars=200)
        if name and name not in topics:
            topics.append(name)
    return tuple(topics)


def _read_images(data: dict[str, object], key: tuple[str | int, ...],
                 reader: FieldReader) -> tuple[Image, ...]:
    images: list[Image] = []
    for index, item in enumerate(reader.items(data, key, "- url: https://...")):
        at = (*key, index)
        if not isinstance(item, dict):
            reader.error(at, "expected a mapping with url, width and height",
                         "- url: https://example.com/a.jpg\n      width: 1024\n      height: 683")
            continue
        reader.near_misses(item, at, IMAGE_FIELDS)
        url = reader.url(item, (*at, "url"), required=True)
        width = reader.integer(item, (*at, "width"), positive=True, required=True)
        height = reader.integer(item, (*at, "height"), positive=True, required=True)
        cached = reader.boolean(item, (*at, "isCached"), default=False)
        if url and width and height:
            images.append(Image(url, width, height, cached))
    return tuple(images)


def _read_related(data: dict[str, object], reader: FieldReader) -> tuple[RelatedItem, ...]:
    related: list[RelatedItem] = []
    for index, item in enumerate(reader.items(data, ("related",), "- title: ...")):
        at: tuple[str | int, ...] = ("related", index)
        if not isinstance(item, dict):
            reader.error(at, "expected a mapping with title, webUrl and provider")
            continue
        reader.near_misses(item, at, RELATED_FIELDS)
        title = reader.text(item, (*at, "title"), required=True,
                            max_chars=reader.limits.title_chars)
        url = reader.url(item, (*at, "webUrl"), required=True)
        provider = _read_provider(item, at, reader, fallback_url=url, required=True)
        item_read = RelatedItem(
            title=title,
            url=url,
            provider=provider or ProviderRef("", ""),
            excerpt=reader.text(item, (*at, "excerpt")),
            published_at=reader.moment(item, (*at, "publishedDateTime")),
            quality=reader.integer(item, (*at, "quality")),
            images=_read_images(item, (*at, "images"), reader),
        )
        for unused_url in ("ampWebUrl", "cdnAmpWebUrl"):
            reader.url(item, (*at, unused_url))
        reader.text(item, (*at, "type"))
        if title and url and provider:
            related.append(item_read)
    return tuple(related)


def load_seeds(seeds_dir: Path, zone: ZoneInfo,
               limits: LimitsSection) -> tuple[list[Article], list[SourceError]]:
    """Every seed under `seeds_dir`: the valid articles, and every problem of every file."""
    if not seeds_dir.is_dir():
        return [], [missing_seeds_dir(seeds_dir)]
    paths, problems = find_seeds(seeds_dir)
    articles, more = combine_results([(path, load_seed(path, zone, limits)) for path in paths])
    return articles, problems + more


def combine_results(results: list[tuple[Path, SeedResult]]
                    ) -> tuple[list[Article], list[SourceError]]:
    """The articles and problems of seeds loaded in path order; a repeated id is an error."""
    articles: list[Article] = []
    problems: list[SourceError] = []
    first_by_id: dict[str, Path] = {}
    for path, result in results:
        problems.extend(result.problems)
        if result.article is None:
            continue
        earlier = first_by_id.get(result.article.id)
        if earlier is not None:
            problems.append(SourceError(path, 1, 1, f"duplicate seed id {result.article.id!r}",
                                        f"{earlier} has the same file name stem; rename one"))
            continue
        first_by_id[result.article.id] = path
        articles.append(result.article)
    return articles, problems
