"""A seed's own `language`: a `lang` attribute on its page and cards, and a clear error."""

from __future__ import annotations

import pytest

from tests.helpers import MakeSite, run_build, seed_text


def test_a_seed_in_another_language_gets_lang_on_its_page_and_cards(
        make_site: MakeSite) -> None:
    site = make_site({
        "zh.txt": seed_text("人脸识别技术应用须严格规范", extra="language: zh-Hans\n"),
        "en.txt": seed_text("An English story", url="https://example.com/en",
                            extra="language: en\n"),
    })
    assert run_build(site, "--no-search") == 0
    public = site / "public"
    article = next(public.glob("2024/03/05/ren-lian-*/index.html")).read_text()
    assert '<article class="story" lang="zh-Hans" data-pagefind-body>' in article
    home = (public / "index.html").read_text()
    assert home.count('lang="zh-Hans"') == 1  # its card, as lead story or under Latest
    english = next(public.glob("2024/03/05/an-english-story/index.html")).read_text()
    assert '<article class="story" data-pagefind-body>' in english  # the site's own language


def test_a_malformed_language_tag_is_an_error_with_its_line(
        make_site: MakeSite, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site({"a.txt": seed_text(extra='language: "en_US <b>"\n')})
    monkeypatch.chdir(site)
    assert run_build(site) == 1
    assert ('seeds/a.txt:11:1: error: language: expected a language tag such as "en" or '
            "\"zh-Hans\", got 'en_US <b>'") in capsys.readouterr().err
