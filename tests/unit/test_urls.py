from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import urls
from generator.urls import (
    UrlScheme,
    article_path,
    collision_key,
    id_suffix,
    output_file,
    provider_path,
    safe_external_url,
    site_path_of,
    slug_for,
    topic_path,
    unique_slug,
)


def test_a_title_becomes_a_lowercase_hyphenated_slug() -> None:
    assert slug_for("China Proposes Stricter Rules!", "x") == "china-proposes-stricter-rules"


def test_a_long_title_is_cut_on_a_word_boundary() -> None:
    slug = slug_for("word " * 40, "x")
    assert len(slug) <= 80 and not slug.endswith("-") and slug.startswith("word-word")


def test_a_cjk_title_is_transliterated() -> None:
    assert slug_for("影師嗎", "x") == "ying-shi-ma"


@pytest.mark.parametrize("title", ["😀😃", "!!!", "", "   "])
def test_a_title_with_nothing_to_slug_falls_back_to_the_seed_id(title: str) -> None:
    assert slug_for(title, "000_678fb8710ce2a97b") == "000-678fb8710ce2a97b"


def test_article_paths_hold_the_local_date() -> None:
    assert article_path(datetime(2023, 8, 8, 23, 0), "x") == "/2023/08/08/x/"


def test_listing_paths_are_paged_under_their_own_path() -> None:
    assert topic_path("ai") == "/topics/ai/"
    assert topic_path("ai", 3) == "/topics/ai/page/3/"
    assert provider_path("forbes-com", 2) == "/providers/forbes-com/page/2/"


def test_a_folder_path_is_written_as_its_index_file() -> None:
    assert output_file("/2023/08/08/x/") == PurePosixPath("2023/08/08/x/index.html")
    assert output_file("/") == PurePosixPath("index.html")
    assert output_file("/404.html") == PurePosixPath("404.html")


@pytest.mark.parametrize("path", ["/../etc/", "/a/../../b/", "a/b/", "/a\\b/", "/a\0/", "//x/"])
def test_paths_that_could_leave_the_output_folder_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        output_file(path)


def test_a_segment_longer_than_255_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        output_file("/" + "字" * 90 + "/")


def test_links_carry_the_base_path_of_base_url() -> None:
    urls = UrlScheme("https://user.github.io/repo/")
    assert urls.href("/topics/ai/") == "/repo/topics/ai/"
    assert urls.href("/") == "/repo/"
    assert urls.absolute("/topics/ai/") == "https://user.github.io/repo/topics/ai/"


def test_a_base_url_without_final_slash_still_makes_a_folder() -> None:
    assert UrlScheme("https://example.org/repo").href("/a/") == "/repo/a/"


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "\x01javascript:alert(1)", "javascript&colon;alert(1)", "&#106;avascript:alert(1)",
    "vbscript:x", "data:text/html,<script>", "//evil.example/", "https://good.com@evil.com/",
    "file:///etc/passwd", "ftp://example.com/", "https://",
])
def test_anything_but_plain_http_urls_is_refused(url: str) -> None:
    assert safe_external_url(url) is None


def test_http_and_https_urls_pass_unchanged() -> None:
    url = "https://imageio.forbes.com/x/0x0.jpg?format=jpg&width=1200"
    assert safe_external_url(url) == url
    assert safe_external_url("http://example.com/a") == "http://example.com/a"


URL_PIECES = ["http", "https", "HTTP", "://", "//", ":", "@", "&", "&amp;", "&#x09;", "#", "?",
              "/", ".", "-", "[", "]", "\\", " ", "\t", "\x00", "\x85", "é", "例", "a", "Z",
              "9", "example.com", "user:pw@"]


@given(st.builds("{}{}".format, st.sampled_from(["http://", "https://", ""]),
                 st.lists(st.sampled_from(URL_PIECES), max_size=12).map("".join)))
def test_the_plain_url_shortcut_agrees_with_the_general_test(text: str) -> None:
    """`safe_external_url` returns a URL its shortcut matches as it is; the general test,
    run on any such URL, must say the same."""
    if urls._PLAIN_URL.fullmatch(text):
        assert urls._safe_in_general(text) == text


def test_a_cut_slug_is_the_beginning_of_the_title() -> None:
    title = ("New Chinese Facial Recognition Regulations Could Shield Citizens From "
             "Surveillance Capitalism")
    assert slug_for(title, "x") == (
        "new-chinese-facial-recognition-regulations-could-shield-citizens-from")


def test_a_single_overlong_word_is_cut_inside_the_word() -> None:
    assert slug_for("a" * 100, "x") == "a" * 80


def test_a_free_slug_is_kept_as_it_is() -> None:
    assert unique_slug("ai", "AI", lambda slug: False) == "ai"


def test_a_taken_slug_gets_the_hash_of_its_identity() -> None:
    assert unique_slug("ai", "A.I.", {"ai"}.__contains__) == "ai-" + id_suffix("A.I.")


def test_a_suffixed_slug_that_is_itself_taken_is_hashed_again() -> None:
    taken = {"ai", "ai-" + id_suffix("A.I.")}
    assert unique_slug("ai", "A.I.", taken.__contains__) == "ai-" + id_suffix("A.I.#")


def test_paths_that_differ_only_by_case_or_normalisation_share_a_collision_key() -> None:
    assert collision_key("/2024/03/05/Cafe\u0301/") == collision_key("/2024/03/05/CAFÉ/")
    assert collision_key("/a/") != collision_key("/b/")


def test_site_path_of_finds_the_path_whose_output_file_is_named() -> None:
    paths = {"/", "/2024/05/06/slug/", "/feed.xml", "/a/index.html"}
    assert site_path_of("2024/05/06/slug/index.html", paths) == "/2024/05/06/slug/"
    assert site_path_of("index.html", paths) == "/"
    assert site_path_of("feed.xml", paths) == "/feed.xml"
    assert site_path_of("a/index.html", paths) == "/a/index.html"
    assert site_path_of("2024/05/06/other/index.html", paths) is None
    assert site_path_of("2024/05/06/slug/", paths) is None  # a folder is no output file
