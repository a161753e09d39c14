"""Check fetched bytes with Pillow and write the image's published files: the original
re-encoded, and WebP variants at a few widths. Fetched bytes are never published as such.

Decoding runs in a forked child with CPU-time and memory limits, so a decoder that loops or
balloons (a crafted file, a parser bug) costs one failed image, not the run.
"""

from __future__ import annotations

import io
import multiprocessing
import resource
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError, features

from generator.files import write_atomically

WIDTHS = (320, 640, 960, 1280)
MAX_PIXELS = 50_000_000
"""Our own cap, under Pillow's bomb threshold (89,478,485 pixels warns, twice that raises)."""
CHILD_SECONDS = 30
CHILD_MEMORY = 2 * 1024 ** 3

_FORMATS = ["JPEG", "PNG", "GIF", "WEBP"] + (["AVIF"] if features.check("avif") else [])
ACCEPTED = tuple(_FORMATS)
# What each accepted format is re-encoded as: the same where browsers take it, else WebP.
_OUTPUT = {"JPEG": ("JPEG", ".jpg"), "PNG": ("PNG", ".png"), "GIF": ("PNG", ".png"),
           "WEBP": ("WEBP", ".webp"), "AVIF": ("WEBP", ".webp")}
_ENCODER_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 2},
}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@dataclass(frozen=True)
class Processed:
    """The files written for one image, relative to the cache folder."""

    source_format: str
    file: str
    width: int
    height: int
    variants: tuple[tuple[str, int], ...]


class ImageRejected(Exception):
    """Bytes that are not an acceptable image; the message says why."""


def process_image(data: bytes, name: str, cache_dir: Path) -> Processed:
    """Decode `data` and write its files as `<name[:2]>/<name>…`; ImageRejected if unfit.
    Runs in the calling process: use `process_in_child` for untrusted bytes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
        except UnidentifiedImageError:
            raise ImageRejected(f"not a {', '.join(ACCEPTED)} image ({_looks_like(data)})"
                                ) from None
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ImageRejected(f"decompression bomb: {exc}") from None
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageRejected(f"{width:,}×{height:,} pixels is over the "
                                f"{MAX_PIXELS:,}-pixel cap (a decompression bomb?)")
        source_format = str(image.format)
        try:
            image.load()  # the first frame only: animations are not kept
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRejected(f"truncated or corrupt {source_format}: {exc}") from None
        except Image.DecompressionBombError as exc:
            raise ImageRejected(f"decompression bomb: {exc}") from None
    upright: Image.Image = ImageOps.exif_transpose(image)
    width, height = upright.size
    kind, suffix = _OUTPUT[source_format]
    folder = cache_dir / name[:2]
    folder.mkdir(parents=True, exist_ok=True)
    original = f"{name[:2]}/{name}{suffix}"
    _save(_for(kind, upright), cache_dir / original, kind)
    variants = []
    source = upright
    # Largest first, each from the one before: cheaper than every size from the original.
    for target in sorted((w for w in WIDTHS if w < width), reverse=True):
        source = source.resize((target, max(1, round(height * target / width))),
                               Image.Resampling.LANCZOS)
        relative = f"{name[:2]}/{name}-{target}.webp"
        _save(_for("WEBP", source), cache_dir / relative, "WEBP")
        variants.append((relative, target))
    variants.sort(key=lambda variant: variant[1])
    return Processed(source_format, original, width, height, tuple(variants))


def _for(kind: str, image: Image.Image) -> Image.Image:
    """`image` in a mode the output format can store."""
    if kind == "JPEG":
        return image.convert("RGB")
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        return image.convert("RGBA" if "transparency" in image.info or "A" in image.mode
                             else "RGB")
    return image


def _save(image: Image.Image, target: Path, kind: str) -> None:
    """Write atomically: a temp file in the same folder, flushed to disk, then renamed.
    No metadata is carried over (no EXIF, no ICC text, no comments)."""
    options = _ENCODER_OPTIONS[kind]
    write_atomically(target, lambda file: image.save(file, kind, **options))


def _looks_like(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()) or head.startswith(b"<svg"):
        return "it is SVG, which is never accepted"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "it is HTML"
    if not data:
        return "the body is empty"
    return f"it starts with {data[:8].hex(' ')}"


def process_in_child(data: bytes, name: str, cache_dir: Path) -> Processed:
    """`process_image` in a forked child limited to CHILD_SECONDS of CPU and CHILD_MEMORY."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(data, name, cache_dir, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(CHILD_SECONDS * 2):
            child.kill()
            raise ImageRejected(f"decoding took longer than {CHILD_SECONDS * 2} s")
        try:
            outcome = receiver.recv()
        except EOFError:
            outcome = None
    finally:
        receiver.close()
        child.join(5)
    if isinstance(outcome, Processed):
        return outcome
    if isinstance(outcome, str):
        raise ImageRejected(outcome)
    raise ImageRejected(f"the decoder died (exit code {child.exitcode}): over its CPU or "
                        "memory limit, or a crash")


def _child(data: bytes, name: str, cache_dir: Path, sender: Connection) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_SECONDS, CHILD_SECONDS + 1))
    # On top of what the fork already maps (the parent's heap, thread stacks and arenas).
    mapped = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize() \
        if Path("/proc/self/statm").is_file() else 0
    resource.setrlimit(resource.RLIMIT_AS, (mapped + CHILD_MEMORY, mapped + CHILD_MEMORY))
    try:
        sender.send(process_image(data, name, cache_dir))
    except ImageRejected as rejected:
        sender.send(str(rejected))
    except MemoryError:
        sender.send("decoding needed more memory than allowed")
    except Exception as exc:  # a decoder bug: this image fails, the run goes on
        sender.send(f"the decoder failed: {exc.__class__.__name__}: {exc}")
    finally:
        sender.close()
