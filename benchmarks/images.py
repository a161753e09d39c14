"""Benchmark the image cache: fetch throughput against a local server, and what images cost
a build. Prints a table; asserts nothing.

Usage: python benchmarks/images.py [--seeds 10000] [--workdir DIR] [--jobs 8]

It writes a generated corpus (benchmarks/corpus.py), points every image URL at a local
HTTP server on 127.0.0.1 that answers each path with a distinct JPEG (800–1600 px wide),
runs `newsgen images fetch --allow-host` (the one host means at most 4 at a time), then
builds the site with the cache and without it, clean and with nothing changed, and prints
the seconds of the build's image phase (`--timings`: "images and static") and of the
whole build.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_corpus  # noqa: E402

SITE_TOML = """[site]
title = "Benchmark News"
base_url = "https://example.org/"
[build]
include_unpublished = true
"""
IMAGE_URL = re.compile(r'url: "https://([^/"]+)/')


def _base_images() -> list[bytes]:
    images = []
    for number, width in enumerate((800, 1024, 1280, 1600)):
        picture = Image.new("RGB", (width, width * 9 // 16), (40 * number, 90, 160))
        for x in range(0, width, 40):  # some detail, so encoding is not trivially fast
            picture.paste((x % 255, 200 - number * 30, 80), (x, 0, x + 20, width * 9 // 16))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=80)
        images.append(out.getvalue())
    return images


class _Images(BaseHTTPRequestHandler):
    """Any path: one of four JPEGs, made distinct by a comment holding the path."""

    bases: ClassVar[list[bytes]] = []
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        digest = hashlib.sha256(self.path.encode()).digest()
        base = self.bases[digest[0] % len(self.bases)]
        comment = self.path.encode()[:200]
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        body = base[:2] + segment + base[2:]
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _run(command: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout + done.stderr


def _build(site: Path) -> tuple[float, float]:
    """Whole seconds and the image phase's seconds of one build."""
    seconds, output = _run([sys.executable, "-m", "generator", "build", "--quiet",
                            "--timings"], site)
    match = re.search(r"images and static ([\d.]+) s", output)
    return seconds, float(match.group(1)) if match else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsgen-images-"))
    site = workdir / "site"
    shutil.rmtree(site, ignore_errors=True)
    (site / "seeds").mkdir(parents=True)
    (site / "site.toml").write_text(SITE_TOML)
    write_corpus(site / "seeds", args.seeds)

    _Images.bases = _base_images()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for seed in (site / "seeds").iterdir():
        text = seed.read_text(encoding="utf-8")
        seed.write_text(IMAGE_URL.sub(rf'url: "http://127.0.0.1:{port}/\1/', text),
                        encoding="utf-8")

    rows: list[tuple[str, str]] = [("seeds", f"{args.seeds:,}")]
    no_cache_clean = _build(site)
    no_cache_again = _build(site)
    fetch_seconds, output = _run([sys.executable, "-m", "generator", "images", "fetch",
                                  "--jobs", str(args.jobs), "--allow-host",
                                  f"127.0.0.1:{port}"], site)
    summary = output.strip().splitlines()[-1]
    fetched = int(re.search(r"Fetched ([\d,]+) images", summary).group(1).replace(",", ""))  # type: ignore[union-attr]
    rows.append(("images fetched", f"{fetched:,}"))
    rows.append(("fetch seconds", f"{fetch_seconds:.1f}"))
    rows.append(("fetch images/s", f"{fetched / fetch_seconds:.1f}"))
    cache_bytes = sum(p.stat().st_size for p in (site / ".image-cache").rglob("*") if p.is_file())
    rows.append(("cache size", f"{cache_bytes / 1e6:.0f} MB"))
    shutil.rmtree(site / "public", ignore_errors=True)
    shutil.rmtree(site / ".newsgen-cache", ignore_errors=True)
    cached_clean = _build(site)
    cached_again = _build(site)
    title = re.compile(r'^title: "(.*)"$', re.M)
    first = sorted((site / "seeds").iterdir())[0]
    first.write_text(title.sub(r'title: "\1 (edited)"', first.read_text(encoding="utf-8"), 1),
                     encoding="utf-8")
    cached_edit = _build(site)
    server.shutdown()
    for label, (whole, images) in (("build, no cache, clean", no_cache_clean),
                                   ("build, no cache, nothing changed", no_cache_again),
                                   ("build, cache, clean", cached_clean),
                                   ("build, cache, nothing changed", cached_again),
                                   ("build, cache, one title edited", cached_edit)):
        rows.append((label, f"{whole:.2f} s (images and static {images:.2f} s)"))
    width = max(len(label) for label, _ in rows)
    print(f"{'measure':<{width}}  value")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(f"\n{summary}\nworkdir: {workdir}")


if __name__ == "__main__":
    main()
