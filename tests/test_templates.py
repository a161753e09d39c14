"""What a build does with seed data and templates: text is escaped once, template syntax in
data stays text, a user's template overrides the shipped one, links carry the base path.

Template errors, with their exact messages, are in tests/errors/test_template_errors.py.
"""

from __future__ import annotations

from tests.helpers import MakeSite, run_build, seed_text

ARTICLE = "public/2024/03/05/{}/index.html"


def test_a_hostile_title_is_escaped_exactly_once(make_site: MakeSite) -> None:
    site = make_site({"a.txt": seed_text('<script>alert(1)</script> Tom & "Jerry"')})
    assert run_build(site) == 0
    html = (site / ARTICLE.format("script-alert-1-script-tom-jerry")).read_text()
    assert ('<h1 data-pagefind-meta="title">&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; '
            "&#34;Jerry&#34;</h1>") in html
    assert "&amp;amp;" not in html and "<script>" not in html


def test_template_syntax_in_data_is_printed_literally(make_site: MakeSite) -> None:
    site = make_site({"a.txt": seed_text("{{ 7*7 }} {% include '/etc/passwd' %}")})
    assert run_build(site) == 0
    html = (site / "public/index.html").read_text()
    assert "{{ 7*7 }} {% include &#39;/etc/passwd&#39; %}" in html


def test_a_user_template_overrides_the_shipped_one(make_site: MakeSite) -> None:
    site = make_site({"a.txt": seed_text()})
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("Nothing at {{ home_href }}\n")
    assert run_build(site) == 0
    assert (site / "public/404.html").read_text() == "Nothing at /news/\n"


def test_every_link_carries_the_base_path(make_site: MakeSite) -> None:
    site = make_site({"a.txt": seed_text()})
    assert run_build(site) == 0
    html = (site / "public/index.html").read_text()
    assert 'href="/news/topics/science/"' in html and 'href="/news/style.css"' in html
    assert 'href="/topics/' not in html
