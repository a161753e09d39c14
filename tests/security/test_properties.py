"""Property tests: any input gives an article or an error, and no text can become markup.

Example counts stay modest for CI; `HYPOTHESIS_PROFILE=long pytest tests/security` runs
thousands of examples.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.content.loader import SeedResult
from generator.images.references import ImageCache
from generator.render.renderer import Renderer, make_environment
from generator.render.theme import SHIPPED_TEMPLATES
from generator.site.index import index_site
from generator.site.plan import plan_pages
from generator.urls import output_file, slug_for
from tests.helpers import PageScan, article, config, load_seed_text

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
HOSTILE_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                       max_size=80) | st.sampled_from([
                           "</script><script>alert(1)</script>", "<!--<script>", "\u2028",
                           "{{ 7*7 }}", '"><img src=x onerror=alert(1)>', "&amp;", "]]>"])


def load_text(text: bytes) -> SeedResult:
    # Not tmp_path: hypothesis runs many examples in one test, each needs a fresh folder.
    with tempfile.TemporaryDirectory() as folder:
        return load_seed_text(Path(folder), text)


@given(st.binary(max_size=400))
def test_any_bytes_give_an_article_or_an_error_never_an_exception(data: bytes) -> None:
    result = load_text(data)
    assert result.article is not None or result.problems


@given(st.text(max_size=300))
def test_any_front_matter_text_gives_an_article_or_an_error(text: str) -> None:
    result = load_text(f"---\n{text}\n---\n".encode("utf-8", "surrogatepass"))
    assert result.article is not None or result.problems


@given(title=HOSTILE_TEXT, excerpt=HOSTILE_TEXT, provider=HOSTILE_TEXT, topic=HOSTILE_TEXT,
       related=HOSTILE_TEXT, body=HOSTILE_TEXT)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_text_in_any_field_builds_pages_with_nothing_executable(
        title: str, excerpt: str, provider: str, topic: str, related: str, body: str) -> None:
    def q(value: str) -> str:
        return json.dumps(value)
    seed = (f"---\ntitle: {q(title or 'x')}\nexcerpt: {q(excerpt)}\n"
            "publishedDateTime: 2024-01-02T03:04:05Z\nwebUrl: https://example.com/a\n"
            f"provider:\n  name: {q(provider or 'p')}\n  domain: example.com\n"
            f"topics: [{q(topic or 't')}]\n"
            f"related:\n  - title: {q(related or 'r')}\n    webUrl: https://other.org/b\n"
            f"    excerpt: {q(related)}\n    provider:\n      name: {q(related or 'o')}\n"
            f"---\n{body}\n").encode("utf-8", "surrogatepass")
    result = load_text(seed)
    if result.article is None:
        # e.g. a title that is only control characters: reported as an error, not built.
        assert [p for p in result.problems if p.severity == "error"], result.problems
        return
    loaded = result.article
    site = index_site([loaded], config())
    renderer = Renderer(site, ImageCache(Path("/nonexistent")),
                        make_environment([SHIPPED_TEMPLATES]))
    pages = plan_pages(site)
    assert pages, "no page was planned"
    json_ld: Counter[str] = Counter()
    for page in pages:
        output = renderer.render(page)
        if page.template.endswith(".json"):
            json.loads(output)  # a feed: data, never parsed as HTML
            continue
        if page.template.endswith((".xml", ".txt")):
            if page.template.endswith(".xml"):
                etree.fromstring(output)  # well-formed whatever the text
            continue
        scan = PageScan()
        scan.feed(output.decode("utf-8"))
        assert all(s == {"type": "application/ld+json"} for s in scan.scripts)
        assert scan.event_attributes == []
        for body_text in scan.script_bodies:
            assert "</script" not in body_text.lower() and "<!--" not in body_text
            data = json.loads(body_text)
            json_ld[data["@type"]] += 1
            if data["@type"] == "NewsArticle":
                assert data["headline"] == loaded.title
            elif data["@type"] == "BreadcrumbList":
                last = data["itemListElement"][-1]
                assert last["name"] == loaded.title
    # The article page was among them: its headline was checked, not skipped.
    assert json_ld["NewsArticle"] == json_ld["BreadcrumbList"] == 1, json_ld


@given(st.lists(HOSTILE_TEXT, min_size=1, max_size=12))
def test_any_titles_give_valid_unique_bounded_paths(titles: list[str]) -> None:
    articles = [article(f"id{i}", title, hour=i % 24) for i, title in enumerate(titles)]
    site = index_site(articles, config())
    paths = list(site.article_paths.values())
    assert len({p.casefold() for p in paths}) == len(paths)
    for path in paths:
        slug = path.rstrip("/").rsplit("/", 1)[1]
        assert SLUG.match(slug) and len(slug.encode()) <= 200
        output_file(path)  # raises for anything unsafe


@given(HOSTILE_TEXT, st.text(min_size=1, max_size=30))
def test_a_slug_is_never_empty_and_uses_only_its_alphabet(title: str, fallback: str) -> None:
    slug = slug_for(title, fallback)
    assert SLUG.match(slug) and len(slug) <= 80

