"""The build cache is keyed by newsgen's code: any edit to any module invalidates it, and so
does a new version of a library whose behaviour is part of the output."""

from __future__ import annotations

import pickle
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import markdown
import pytest
import yaml

import generator
from generator.build import cache
from generator.build.cache import CODE_VERSION, code_version, library_versions
from generator.content.loader import SeedResult
from generator.errors import SourceError
from generator.model import Article, ProviderRef, RelatedItem

PACKAGE = Path(generator.__file__).resolve().parent


def _copy_of_the_package(tmp_path: Path) -> Path:
    copy = tmp_path / "generator"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_code_version_is_that_of_the_installed_package() -> None:
    assert code_version(PACKAGE) == CODE_VERSION


def test_an_edit_inside_a_subpackage_changes_the_code_version(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    before = code_version(copy)
    loader = copy / "content" / "loader.py"
    loader.write_text(loader.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert code_version(copy) != before


def test_a_module_moved_between_folders_changes_the_code_version(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    before = code_version(copy)
    (copy / "site" / "related.py").rename(copy / "render" / "related.py")
    assert code_version(copy) != before


def test_a_new_module_in_a_folder_changes_the_code_version(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path)
    before = code_version(copy)
    (copy / "serve" / "extra.py").write_text('"""New."""\n', encoding="utf-8")
    assert code_version(copy) != before


def test_the_library_versions_are_those_installed() -> None:
    versions = dict(entry.split("=") for entry in library_versions().split())
    assert set(versions) >= {"markdown", "nh3", "pyyaml", "jinja2", "markupsafe",
                             "python_slugify", "text_unidecode"}
    assert (versions["markdown"], versions["pyyaml"], versions["jinja2"]) == (
        markdown.__version__, yaml.__version__, jinja2.__version__)


def test_a_stale_metadata_folder_beside_a_library_cannot_hide_its_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mdlike").mkdir()
    (tmp_path / "mdlike" / "__init__.py").write_text("")
    (tmp_path / "MdLike-3.11.4.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cache, "_OUTPUT_LIBRARIES", {"mdlike": "mdlike"})
    assert library_versions() == "mdlike=3.11.4"
    (tmp_path / "mdlike-3.12.0.dist-info").mkdir()
    assert library_versions() == "mdlike=3.11.4 mdlike=3.12.0"


def test_a_new_markdown_changes_the_code_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = code_version(PACKAGE)
    monkeypatch.setattr(cache, "library_versions", lambda: "markdown=99.0")
    assert code_version(PACKAGE) != before


def test_a_seed_row_reads_back_equal_with_its_paths_and_zones() -> None:
    """Paths and fixed-offset zones are stored by value (`_SeedPickler`); a zone with a
    name of its own, and any other zone, is pickled as it is."""
    east = timezone(timedelta(hours=5, minutes=30, microseconds=7))
    named = timezone(timedelta(hours=-3), "Newsroom")
    item = RelatedItem("Other", "https://b.example/x", ProviderRef("B", "b.example"),
                       published_at=datetime(2024, 1, 2, 3, 4, tzinfo=named))
    article = Article("a1", Path("/site/seeds/a1.txt"), "Title",
                      datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=east), "https://a.example/1",
                      ProviderRef("A", "a.example"), related=(item,),
                      extra=(("when", datetime(2020, 1, 1, tzinfo=ZoneInfo("Europe/Paris"))),
                             ("utc", datetime(2020, 1, 1, tzinfo=UTC))))
    result = SeedResult(article, (SourceError(Path("/site/seeds/a1.txt"), 3, 1, "odd",
                                              severity="warning"),))
    again = pickle.loads(cache.seed_blob(result))
    assert again == result and again.article is not None
    assert again.article.extra == article.extra
    assert type(again.article.source) is type(article.source)
    assert again.article.published_at.tzinfo == east
    assert again.article.related[0].published_at is not None
    assert again.article.related[0].published_at.tzname() == "Newsroom"
    assert again.article.extra[0][1].tzinfo is ZoneInfo("Europe/Paris")
