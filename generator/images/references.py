"""Choose what each image reference points at: the local cached copy, the remote URL or a tile.

Reads the image cache's manifest; never touches the network and never writes.

Manifest (`<cache_dir>/manifest.json` and its journal, written by `newsgen images fetch`):
    {"version": 1,
     "images": {"<remote url>": {"file": "ab/<sha256>.jpg", "width": 1024, "height": 683,
                                 "variants": [{"file": "ab/<sha256>-320.webp", "width": 320}],
                                 ...}}}
`file` paths are relative to the cache folder; pages reference them under `/images/`. A row
with an `error` and no `file` is an image whose fetch failed: it has no local copy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from generator.config import MissingImagePolicy
from generator.errors import SourceError
from generator.images.manifest import MANIFEST_NAME, manifest_images, replay_journal
from generator.model import Image

PUBLISHED_UNDER = "/images/"


@dataclass(frozen=True)
class CachedImage:
    file: PurePosixPath
    width: int
    height: int
    variants: tuple[tuple[PurePosixPath, int], ...] = ()


@dataclass(frozen=True)
class ImageRef:
    """What a template prints for one image; `src` is a site path when `kind` is local."""

    kind: Literal["local", "remote", "placeholder"]
    src: str
    width: int
    height: int
    srcset: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ImageCache:
    root: Path
    entries: dict[str, CachedImage] = field(default_factory=dict)

    def resolve(self, image: Image, policy: MissingImagePolicy) -> ImageRef:
        cached = self.entries.get(image.url)
        if cached is not None:
            src = PUBLISHED_UNDER + str(cached.file)
            srcset = tuple((PUBLISHED_UNDER + str(file), width) for file, width in cached.variants
                           if width < cached.width)
            # With width descriptors a browser ignores `src`, so the original joins the set.
            if srcset:
                srcset += ((src, cached.width),)
            return ImageRef("local", src, cached.width, cached.height, srcset)
        if policy == "remote":
            return ImageRef("remote", image.url, image.width, image.height)
        return ImageRef("placeholder", "", image.width, image.height)

    def thumbnail(self, image: Image) -> ImageRef | None:
        """The smallest cached file of `image` (a variant if there is one), or None when it
        is not cached: thumbnails are never hotlinked or drawn as tiles."""
        cached = self.entries.get(image.url)
        if cached is None:
            return None
        file, width = cached.variants[0] if cached.variants else (cached.file, cached.width)
        height = max(1, round(cached.height * width / cached.width))
        return ImageRef("local", PUBLISHED_UNDER + str(file), width, height)

    def first_thumbnail(self, images: tuple[Image, ...]) -> ImageRef | None:
        """The thumbnail of the first of `images` that is cached, or None."""
        return next((ref for ref in map(self.thumbnail, images) if ref is not None), None)

    def source_file(self, site_path: str) -> Path:
        """The cache file behind a `/images/...` site path."""
        return self.root / site_path.removeprefix(PUBLISHED_UNDER)


def read_image_cache(cache_dir: Path) -> tuple[ImageCache, list[SourceError]]:
    """The cache's manifest; entries whose files are missing or unsafe are warned about."""
    manifest = cache_dir / MANIFEST_NAME
    if not manifest.is_file():
        return ImageCache(cache_dir), []
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return ImageCache(cache_dir), [_problem(manifest, exc.lineno, exc.colno,
                                                f"image manifest is not valid JSON: {exc.msg}")]
    except (ValueError, RecursionError) as exc:  # huge numbers, absurd nesting
        return ImageCache(cache_dir), [_problem(manifest, 1, 1,
                                                f"image manifest cannot be read: {exc}")]
    except (OSError, UnicodeDecodeError) as exc:
        return ImageCache(cache_dir), [_problem(manifest, 1, 1, f"cannot read manifest: {exc}")]
    images = manifest_images(data)
    if images is None:
        return ImageCache(cache_dir), [_problem(
            manifest, 1, 1, 'image manifest must be {"version": 1, "images": {...}}')]
    replay_journal(cache_dir, images)
    entries: dict[str, CachedImage] = {}
    problems: list[SourceError] = []
    files: dict[str, str] = {}
    for url in sorted(images):
        if _failed(images[url]):
            continue
        entry = _read_entry(cache_dir, images[url])
        if isinstance(entry, CachedImage):
            entry = _unclaimed(entry, files, url)
        if isinstance(entry, str):
            problems.append(_problem(manifest, 1, 1, f"image {url}: {entry}; using no local copy",
                                     severity="warning"))
        else:
            entries[url] = entry
    return ImageCache(cache_dir, entries), problems


def _failed(raw: object) -> bool:
    return isinstance(raw, dict) and bool(raw.get("error")) and not raw.get("file")


def _read_entry(cache_dir: Path, raw: object) -> CachedImage | str:
    if not isinstance(raw, dict):
        return "entry is not an object"
    main = _cache_file(cache_dir, raw.get("file"))
    width, height = raw.get("width"), raw.get("height")
    if isinstance(main, str):
        return main
    if not (_positive(width) and _positive(height)):
        return "width and height must be positive integers"
    variants: list[tuple[PurePosixPath, int]] = []
    if not isinstance(raw.get("variants") or [], list):
        return "variants must be a list"
    for variant in raw.get("variants") or []:
        if not isinstance(variant, dict) or not _positive(variant.get("width")):
            return "each variant needs a file and a positive width"
        file = _cache_file(cache_dir, variant.get("file"))
        if isinstance(file, str):
            return file
        variants.append((file, int(variant["width"])))
    return CachedImage(main, int(width), int(height),  # type: ignore[arg-type]
                       tuple(sorted(variants, key=lambda v: v[1])))


def _cache_file(cache_dir: Path, raw: object) -> PurePosixPath | str:
    """A file inside the cache folder, or why it cannot be used."""
    if not isinstance(raw, str) or not raw:
        return "file is missing"
    relative = PurePosixPath(raw)
    if relative.is_absolute() or ".." in relative.parts or "\\" in raw or "\0" in raw:
        return f"file {raw!r} is outside the cache folder"
    path = cache_dir / relative
    if not path.resolve().is_relative_to(cache_dir.resolve()) or not path.is_file():
        return f"file {raw!r} not found in the cache folder"
    kind = IMAGE_SUFFIXES.get(relative.suffix.lower())
    if kind is None:
        return f"file {raw!r} is not a JPEG, PNG, GIF, WebP or AVIF file name"
    if not _has_signature(path, kind):
        return f"file {raw!r} does not hold {kind} data"
    return relative


IMAGE_SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF",
                  ".webp": "WebP", ".avif": "AVIF"}


def _has_signature(path: Path, kind: str) -> bool:
    """Whether the file starts as an image of `kind` does: only raster images are published,
    never HTML or SVG that would run script on the site's origin."""
    with path.open("rb") as file:
        head = file.read(16)
    if kind == "JPEG":
        return head.startswith(b"\xff\xd8\xff")
    if kind == "PNG":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "GIF":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if kind == "WebP":
        return head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    return head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis")


def _unclaimed(entry: CachedImage, files: dict[str, str], url: str) -> CachedImage | str:
    """The entry, unless one of its files differs from another URL's only by case (the
    published site may be checked out on a case-insensitive file system). URLs whose bytes
    are the same share their files."""
    names = [str(entry.file)] + [str(file) for file, _ in entry.variants]
    for name in names:
        owner = files.get(name.casefold())
        if owner is not None and owner != name:
            return f"file {name!r} differs only by case from {owner!r}"
    for name in names:
        files[name.casefold()] = name
    return entry


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _problem(path: Path, line: int, column: int, message: str,
             severity: Literal["error", "warning"] = "error") -> SourceError:
    return SourceError(path, line, column, message, severity=severity, kind="image")
