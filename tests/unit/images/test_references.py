from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.images.references import read_image_cache
from generator.model import Image

URL = "https://example.com/a.jpg"
IMAGE = Image(URL, 800, 600, True)


def write_cache(root: Path, entry: dict[str, object]) -> None:
    (root / "ab").mkdir(parents=True, exist_ok=True)
    (root / "ab" / "f.jpg").write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    (root / "ab" / "f-320.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    (root / "manifest.json").write_text(json.dumps({"version": 1, "images": {URL: entry}}))


def add_row(root: Path, url: str, row: dict[str, object]) -> None:
    """Add `url` and its row to the manifest that `write_cache` wrote."""
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["images"][url] = row
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_a_cached_image_references_the_local_copy_and_its_variants(tmp_path: Path) -> None:
    write_cache(tmp_path, {"file": "ab/f.jpg", "width": 800, "height": 600,
                           "variants": [{"file": "ab/f-320.webp", "width": 320}]})
    cache, problems = read_image_cache(tmp_path)
    ref = cache.resolve(IMAGE, "placeholder")
    assert problems == []
    assert (ref.kind, ref.src, ref.width, ref.height) == ("local", "/images/ab/f.jpg", 800, 600)
    assert ref.srcset == (("/images/ab/f-320.webp", 320), ("/images/ab/f.jpg", 800))


def test_an_image_not_in_the_cache_follows_the_missing_policy(tmp_path: Path) -> None:
    cache, _ = read_image_cache(tmp_path)
    assert cache.resolve(IMAGE, "placeholder").kind == "placeholder"
    remote = cache.resolve(IMAGE, "remote")
    assert (remote.kind, remote.src, remote.width) == ("remote", URL, 800)


def test_an_entry_pointing_outside_the_cache_is_ignored_with_a_warning(tmp_path: Path) -> None:
    write_cache(tmp_path, {"file": "../../etc/passwd", "width": 1, "height": 1})
    cache, problems = read_image_cache(tmp_path)
    assert cache.entries == {}
    assert problems[0].severity == "warning"
    assert "outside the cache folder" in problems[0].message


def test_a_manifest_that_is_not_json_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{\n  "version": 1,\n  oops\n}')
    _, problems = read_image_cache(tmp_path)
    assert (problems[0].line, problems[0].severity) == (3, "error")
    assert problems[0].message.startswith("image manifest is not valid JSON")


@pytest.mark.parametrize(("name", "data"), [
    ("ab/x.html", b"<script>alert(1)</script>"),
    ("ab/x.svg", b"<svg onload=alert(1)>"),
    ("ab/x.jpg", b"<svg onload=alert(1)>"),
    ("manifest.json", None),
])
def test_only_raster_image_files_are_ever_published(tmp_path: Path, name: str,
                                                    data: bytes | None) -> None:
    write_cache(tmp_path, {"file": "ab/f.jpg", "width": 800, "height": 600})
    if data is not None:
        (tmp_path / name).write_bytes(data)
    add_row(tmp_path, "https://example.com/b.jpg", {"file": name, "width": 5, "height": 5})
    cache, problems = read_image_cache(tmp_path)
    assert list(cache.entries) == [URL]
    assert problems[0].severity == "warning"


def test_two_urls_may_not_share_a_file_that_differs_only_by_case(tmp_path: Path) -> None:
    write_cache(tmp_path, {"file": "ab/f.jpg", "width": 800, "height": 600})
    (tmp_path / "ab" / "F.jpg").write_bytes(b"\xff\xd8\xff\xe0 another")
    add_row(tmp_path, "https://example.com/z.jpg", {"file": "ab/F.jpg", "width": 5, "height": 5})
    cache, problems = read_image_cache(tmp_path)
    assert len(cache.entries) == 1
    assert "differs only by case from 'ab/f.jpg'" in problems[0].message


def test_urls_with_the_same_bytes_share_their_files(tmp_path: Path) -> None:
    write_cache(tmp_path, {"file": "ab/f.jpg", "width": 800, "height": 600})
    add_row(tmp_path, "https://mirror.example/f.jpg",
            {"file": "ab/f.jpg", "width": 800, "height": 600})
    cache, problems = read_image_cache(tmp_path)
    assert len(cache.entries) == 2 and problems == []


def test_a_failed_fetch_is_no_copy_and_no_warning(tmp_path: Path) -> None:
    write_cache(tmp_path, {"file": "ab/f.jpg", "width": 800, "height": 600})
    add_row(tmp_path, "https://example.com/gone.jpg", {"error": "HTTP 404", "attempts": 1})
    cache, problems = read_image_cache(tmp_path)
    assert list(cache.entries) == [URL] and problems == []


def test_rows_in_the_journal_count_and_a_torn_last_line_does_not(tmp_path: Path) -> None:
    write_cache(tmp_path, {"file": "ab/f.jpg", "width": 800, "height": 600})
    row = {"file": "ab/f.jpg", "width": 800, "height": 600}
    (tmp_path / "manifest.journal").write_text(
        json.dumps({"url": "https://example.com/j.jpg", "row": row}) + "\n"
        + '{"url": "https://example.com/torn.jpg", "row": {"fi')
    cache, problems = read_image_cache(tmp_path)
    assert sorted(cache.entries) == [URL, "https://example.com/j.jpg"] and problems == []


@pytest.mark.parametrize("text", ['{"version": 1, "images": {"u": {"file": "a.jpg", '
                                  '"width": 1, "height": 1, "variants": 5}}}',
                                  '{"version": 1, "images": {"u": {"width": 1' + "0" * 5000 +
                                  "}}}", '{"images": ' + "[" * 100_000])
def test_a_malformed_manifest_is_a_clear_problem_not_a_crash(tmp_path: Path, text: str) -> None:
    (tmp_path / "manifest.json").write_text(text)
    cache, problems = read_image_cache(tmp_path)
    assert cache.entries == {} and len(problems) == 1


def test_a_thumbnail_is_the_smallest_variant_scaled(tmp_path: Path) -> None:
    write_cache(tmp_path, {"file": "ab/f.jpg", "width": 800, "height": 600,
                           "variants": [{"file": "ab/f-320.webp", "width": 320}]})
    cache, _ = read_image_cache(tmp_path)
    ref = cache.thumbnail(IMAGE)
    assert ref is not None
    assert (ref.kind, ref.src, ref.width, ref.height) == ("local", "/images/ab/f-320.webp",
                                                          320, 240)


def test_an_image_not_in_the_cache_has_no_thumbnail(tmp_path: Path) -> None:
    cache, _ = read_image_cache(tmp_path)
    assert cache.thumbnail(IMAGE) is None
