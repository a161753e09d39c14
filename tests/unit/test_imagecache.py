from __future__ import annotations

import json
from pathlib import Path

from generator.imagecache import read_image_cache
from generator.model import Image

URL = "https://example.com/a.jpg"
IMAGE = Image(URL, 800, 600, True)


def write_cache(root: Path, entry: dict[str, object]) -> None:
    (root / "ab").mkdir(parents=True, exist_ok=True)
    (root / "ab" / "f.jpg").write_bytes(b"jpeg")
    (root / "ab" / "f-320.webp").write_bytes(b"webp")
    (root / "manifest.json").write_text(json.dumps({"version": 1, "images": {URL: entry}}))


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
