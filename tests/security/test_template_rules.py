"""R1, R2, R9: rules every template and every module keep, checked by reading them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.render.renderer import make_environment
from generator.render.theme import SHIPPED_TEMPLATES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(SHIPPED_TEMPLATES.rglob("*.html"))
TAG = re.compile(r"<[a-zA-Z][^>]*>")
QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# Once quoted values are blanked out, any `name=` left is followed by an unquoted value.
UNQUOTED = re.compile(r"\s[a-zA-Z-]+=(?![\"'])")


@pytest.mark.parametrize("name", ["page.html", "feed.xml", "article.html.j2", "feed.rss",
                                  "data.json", "robots.txt", "no-suffix"])
def test_r1_autoescape_is_on_for_every_template_name(name: str) -> None:
    env = make_environment([SHIPPED_TEMPLATES])
    assert env.autoescape is True or env.autoescape(name) is True  # type: ignore[operator]


def test_r1_a_template_of_any_name_escapes_its_data(tmp_path: Path) -> None:
    (tmp_path / "feed.rss").write_text("<title>{{ title }}</title>")
    env = make_environment([tmp_path])
    assert env.get_template("feed.rss").render(title="<b>&") == "<title>&lt;b&gt;&amp;</title>"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_r2_every_attribute_in_the_shipped_templates_is_quoted(template: Path) -> None:
    text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.S)
    tags = [QUOTED.sub('""', tag) for tag in TAG.findall(text)]
    assert [tag for tag in tags if UNQUOTED.search(tag)] == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_r2_r9_no_template_uses_xmlattr_or_marks_data_safe(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert "xmlattr" not in text and "|safe" not in text.replace(" ", "")


def test_r9_only_the_sanitizer_makes_markup() -> None:
    makers, modules = [], sorted((ROOT / "generator").rglob("*.py"))
    assert ROOT / "generator" / "content" / "sanitize.py" in modules
    for module in modules:
        text = module.read_text(encoding="utf-8")
        name = module.relative_to(ROOT / "generator").as_posix()
        if re.search(r"\bMarkup\(|\|\s*safe\b|mark_safe", text) and name != "content/sanitize.py":
            makers.append(name)
    assert makers == []
