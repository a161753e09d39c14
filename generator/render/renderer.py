"""Render one planned page to bytes with Jinja. Pure: same inputs, same bytes; never writes.

Autoescape is on for every template whatever its name, undefined names are errors, and
the user's templates folder overrides the shipped theme file by file.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generator.content.sanitize import json_document, json_for_script, sanitized_markup
from generator.errors import SourceError
from generator.images.references import ImageCache
from generator.render.metadata import Metadata, ShareImage, archive_title, iso
from generator.render.theme import SHIPPED_TEMPLATES
from generator.render.views import ArticleCard, Link, ProviderHeader, TopicHeader, Views
from generator.site.index import Site
from generator.site.plan import HTML_KINDS, Page
from generator.urls import (
    NEWS_SITEMAP,
    NOT_FOUND,
    PROVIDERS_INDEX,
    SEARCH,
    SITEMAP,
    TOPICS_INDEX,
    archive_path,
    feed_paths,
    home_path,
    provider_path,
    slug_for,
    topic_path,
)

TOPIC_NAV_COUNT = 12
LISTING_KINDS = ("home", "topic", "provider", "archive")


class TemplateFailure(Exception):
    """A template could not be compiled or rendered; carries the file and line."""

    def __init__(self, error: SourceError) -> None:
        super().__init__(error.message)
        self.error = error


def template_dirs(user_dir: Path) -> list[Path]:
    """The user's folder first, then the shipped theme."""
    dirs = [user_dir] if user_dir.is_dir() else []
    if SHIPPED_TEMPLATES.resolve() not in [d.resolve() for d in dirs]:
        dirs.append(SHIPPED_TEMPLATES)
    return dirs


def make_environment(dirs: list[Path]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs], followlinks=False),
        # On for every template name: select_autoescape would leave `.j2` or `.rss` unescaped.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def check_templates(env: jinja2.Environment) -> list[SourceError]:
    """Compile every template up front so a syntax error stops the build before writing.

    A template that is a symlink leading out of its folder is refused, not followed.
    """
    problems = []
    assert isinstance(env.loader, jinja2.FileSystemLoader)
    for folder in map(Path, env.loader.searchpath):
        root = folder.resolve()
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                problems.append(SourceError(path, 0, 0, "template is a symlink leading outside "
                                            f"{folder}", "copy the file instead",
                                            kind="template"))
    if problems:
        return problems
    for name in sorted(env.list_templates(extensions=["html", "xml", "txt", "j2", "json"])):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(_template_error(exc.filename or name, exc.lineno, exc.message or ""))
    return problems


def templates_fingerprint(env: jinja2.Environment) -> str:
    """A digest of every template's name and source, in the order the loader searches."""
    digest = hashlib.sha256()
    assert isinstance(env.loader, jinja2.FileSystemLoader)
    for folder in env.loader.searchpath:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


class Renderer:
    """Renders pages of one site; `render(page)` is a pure function of the page."""

    def __init__(self, site: Site, images: ImageCache, env: jinja2.Environment,
                 search: bool = False) -> None:
        self.site = site
        self.search = search
        self.env = env
        self.views = Views(site, images)
        self.meta = Metadata(site, images)
        self.common = self._common_context()
        self._card_texts: dict[str, str] = {}
        # Everything besides the context that a page's bytes depend on.
        self.fingerprint = hashlib.sha256(
            (site.config.fingerprint() + templates_fingerprint(env)).encode()).hexdigest()

    def render(self, page: Page) -> bytes:
        return self.render_context(page, self.context(page))

    def context(self, page: Page) -> dict[str, Any]:
        context = {**self.common, "page": page, **self._page_context(page)}
        if page.kind in HTML_KINDS or page.kind in ("not_found", "search"):
            context.update(self._head_context(page, context))
        return context

    def _head_context(self, page: Page, context: dict[str, Any]) -> dict[str, Any]:
        """What `<head>` says to search engines, feed readers and link previews."""
        meta, site = self.meta, self.site
        article = site.articles[page.key] if page.kind == "article" else None
        description = ((article.excerpt if article else "")
                       or (meta.listing(page).description if page.kind in LISTING_KINDS
                           else "") or site.config.site.description
                       or f"The latest news from {site.config.site.title}.")
        if article is not None:
            jsonld = [meta.article_jsonld(page.key), meta.breadcrumb_jsonld(page.key)]
        elif page.kind in ("not_found", "search"):
            jsonld = []
        else:
            jsonld = [meta.collection_jsonld(page, str(context["title"]))]
        section = (site.topics[site.topic_slugs[article.topics[0]]].name
                   if article is not None and article.topics else "")
        return {
            "canonical": meta.canonical(page),
            "description": description,
            "feeds": meta.feed_links(page),
            "jsonld": [json_for_script(block) for block in jsonld],
            "social": Social(
                type="article" if article is not None else "website",
                title=article.title if article is not None else str(context["title"]),
                url=self.views.urls.absolute(page.path),
                image=meta.page_image(page),
                published=iso(article.published_at) if article is not None else "",
                section=section),
            "prev_href": context.get("prev_href"),
            "next_href": context.get("next_href"),
        }

    def digest(self, context: dict[str, Any]) -> str:
        """A digest of all the page's bytes depend on: templates, config and the context's
        data (helpers such as `href` are covered by the config's fingerprint)."""
        digest = hashlib.sha256(self.fingerprint.encode())
        for key in sorted(context):
            if not callable(context[key]):
                digest.update(f"{key}={self._text_of(context[key])}\0".encode())
        return digest.hexdigest()

    def _text_of(self, value: object) -> str:
        """repr(value), with each article card's repr made once: cards recur on many pages."""
        if isinstance(value, ArticleCard):
            text = self._card_texts.get(value.id)
            if text is None:
                text = self._card_texts[value.id] = repr(value)
            return text
        if isinstance(value, (list, tuple)):
            return "[" + ",".join(self._text_of(item) for item in value) + "]"
        return repr(value)

    def render_context(self, page: Page, context: dict[str, Any]) -> bytes:
        try:
            text = self.env.get_template(page.template).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateFailure(_template_error(exc.filename or page.template, exc.lineno,
                                                  exc.message or "")) from None
        except Exception as exc:  # a template's runtime error: name the template line
            raise TemplateFailure(_runtime_error(exc, page)) from None
        return text.encode("utf-8")

    def _common_context(self) -> dict[str, Any]:
        site = self.site
        by_size = sorted(site.topics.values(), key=lambda t: (-len(t.article_ids), t.slug))
        href = self.views.href
        return {
            "site": site.config.site,
            "href": href,
            "home_href": href(home_path()),
            "topics_href": href(TOPICS_INDEX),
            "providers_href": href(PROVIDERS_INDEX),
            "stylesheet_href": href("/style.css"),
            "favicon_href": href("/favicon.svg"),
            "search_href": href(SEARCH) if self.search else "",
            "search_script_href": href("/search.js"),
            "topic_nav": [Link(t.name, href(topic_path(t.slug)))
                          for t in by_size[:TOPIC_NAV_COUNT]],
        }

    def _page_context(self, page: Page) -> dict[str, Any]:
        views, site = self.views, self.site
        if page.kind == "article":
            article = site.articles[page.key]
            first_topic = site.topic_slugs[article.topics[0]] if article.topics else ""
            return {
                "article": views.card(page.key),
                "images": views.images_of(article),
                "source_url": article.url,
                "body": sanitized_markup(article.body_html),
                "coverage": [views.coverage(link) for link in site.coverage[page.key]],
                "related": [views.card(other) for other in site.related[page.key]],
                "more_heading": (f"More on {site.topics[first_topic].name}" if first_topic
                                 else f"More from {article.provider.name}"),
                "title": article.title,
                "related_count": site.config.build.related_count,
            }
        if page.kind in LISTING_KINDS:
            return self._listing_context(page)
        if page.kind == "feed":
            if page.template.endswith(".json"):
                return {"document": json_document(self.meta.json_feed(page))}
            return {"feed": self.meta.feed(page)}
        if page.kind in ("sitemap", "sitemap_index"):
            return {"urls": [(self.views.urls.absolute(path), iso(lastmod) if lastmod else "")
                             for path, lastmod in page.urls]}
        if page.kind == "news_sitemap":
            return {"publication": site.config.site.title,
                    "language": site.config.site.language.split("-")[0].lower(),
                    "entries": [self.meta.feed_entry(site.articles[str(e)])
                                for e in page.entries]}
        if page.kind == "robots":
            return {"sitemaps": [self.views.urls.absolute(SITEMAP),
                                 self.views.urls.absolute(NEWS_SITEMAP)]}
        if page.kind == "topics":
            # By slug: transliterated, so `Économie` files under E, not after Z.
            topics = sorted(site.topics.values(), key=lambda t: (t.slug, t.name))
            return {"title": "Topics", "items": [
                (Link(t.name, views.href(topic_path(t.slug))), len(t.article_ids))
                for t in topics]}
        if page.kind == "providers":
            providers = sorted(site.providers.values(),
                               key=lambda p: (slug_for(p.name, p.slug), p.slug))
            return {"title": "Providers", "items": [
                (Link(p.name, views.href(provider_path(p.slug))), len(p.article_ids),
                 len(p.citations), p.domain) for p in providers]}
        if page.kind == "search":
            return {"title": "Search"}
        return {"title": "Page not found", "not_found_path": NOT_FOUND}

    def _archive_trail(self, parts: list[int]) -> list[Link]:
        """Links up from a day to its month and year (the page's own period last)."""
        return [Link(archive_title(parts[:depth]), self.views.href(archive_path(*parts[:depth])))
                for depth in range(1, len(parts) + 1)]

    def _listing_context(self, page: Page) -> dict[str, Any]:
        views = self.views
        shown = {page.lead, *(i for _, ids in page.sections for i in ids)}  # above Latest
        entries = [views.card(e) if isinstance(e, str) else views.citation(e)
                   for e in page.entries if e not in shown]
        context: dict[str, Any] = {
            "entries": entries,
            "prev_href": views.href(page.prev_path) if page.prev_path else None,
            "next_href": views.href(page.next_path) if page.next_path else None,
        }
        if page.kind == "home":
            context["title"] = self.site.config.site.title
            context["lead"] = views.card(page.lead) if page.lead else None
            context["sections"] = [
                (Link(self.site.topics[slug].name, views.href(topic_path(slug))),
                 [views.card(article_id) for article_id in ids])
                for slug, ids in page.sections]
        elif page.kind == "archive":
            parts = [int(part) for part in page.key.split("-")]
            context.update(title=archive_title(parts), archive=self._archive_trail(parts))
        elif page.kind == "topic":
            topic = self.site.topics[page.key]
            context.update(title=topic.name, topic=TopicHeader(
                topic.name, topic.slug, len(topic.article_ids), views.period(topic.article_ids),
                views.href(feed_paths(topic_path(page.key))[0])))
        else:
            provider = self.site.providers[page.key]
            feed = (views.href(feed_paths(provider_path(page.key))[0])
                    if provider.article_ids else "")
            context.update(title=provider.name, provider=ProviderHeader(
                provider.name, provider.domain, len(provider.article_ids),
                len(provider.citations), views.period(provider.article_ids), feed))
        return context


@dataclass(frozen=True)
class Social:
    """Open Graph and Twitter card data of a page."""

    type: str
    title: str
    url: str
    image: ShareImage | None
    published: str
    section: str


def _template_error(filename: str, line: int | None, message: str) -> SourceError:
    return SourceError(Path(filename), line or 1, 1, f"template error: {message}",
                       kind="template")


def _runtime_error(exc: Exception, page: Page) -> SourceError:
    """The innermost template frame of the traceback Jinja rewrote, else the page's template."""
    filename, line = page.template, 1
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".j2", ".txt", ".json")):
            filename, line = frame.filename, frame.lineno or 1
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template {exc.name!r} not found (while rendering {page.path})"
    else:
        message = f"{type(exc).__name__}: {exc} (while rendering {page.path})"
    return _template_error(filename, line, message)
