"""The image cache's manifest on disk: `manifest.json`, plus a journal of rows added since.

The fetcher appends one line per finished image to `manifest.journal` (flushed to disk,
after the image's files), so a run that is killed loses nothing it finished; it folds
the journal into `manifest.json` (written to a temp file, then renamed) when it ends, and a
later run or build replays whatever journal is left. A torn last line is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from generator.files import write_atomically

MANIFEST_NAME = "manifest.json"
JOURNAL_NAME = "manifest.journal"
Row = dict[str, object]


class ManifestError(Exception):
    """A manifest that cannot be read; the fetcher refuses to overwrite it."""


def load_rows(cache_dir: Path) -> dict[str, Row]:
    """Every row, the journal's over the manifest's."""
    manifest = cache_dir / MANIFEST_NAME
    rows: dict[str, Row] = {}
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (ValueError, RecursionError, UnicodeDecodeError) as exc:
            raise ManifestError(f"{manifest}: not a readable image manifest ({exc}); move it "
                                "away to start a new cache") from None
        images = manifest_images(data)
        if images is None:
            raise ManifestError(f'{manifest}: expected {{"version": 1, "images": {{...}}}}')
        rows = {str(url): row for url, row in images.items() if isinstance(row, dict)}
    replay_journal(cache_dir, rows)
    return rows


def manifest_images(data: object) -> dict[str, Any] | None:
    """The `images` table of a parsed manifest, or None when it is not
    `{"version": 1, "images": {...}}`."""
    if not isinstance(data, dict) or data.get("version") != 1:
        return None
    images = data.get("images")
    return images if isinstance(images, dict) else None


def replay_journal(cache_dir: Path, rows: dict[str, Row]) -> None:
    """Apply the journal's rows to `rows`, in order."""
    journal = cache_dir / JOURNAL_NAME
    if not journal.is_file():
        return
    with journal.open("rb") as lines:
        for raw in lines:
            try:
                entry = json.loads(raw)
            except (ValueError, RecursionError):
                continue  # a line torn by a kill
            if isinstance(entry, dict) and isinstance(entry.get("url"), str) and \
                    isinstance(entry.get("row"), dict):
                rows[entry["url"]] = entry["row"]


def append_row(cache_dir: Path, url: str, row: Row) -> None:
    """Record one finished image; on disk when this returns."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"url": url, "row": row}, ensure_ascii=False, sort_keys=True) + "\n"
    with (cache_dir / JOURNAL_NAME).open("ab") as journal:
        journal.write(line.encode("utf-8"))
        journal.flush()
        os.fsync(journal.fileno())


def write_manifest(cache_dir: Path, rows: dict[str, Row]) -> None:
    """Replace the manifest with `rows` in one step, then drop the journal it includes."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": 1, "images": dict(sorted(rows.items()))}, indent=2,
                      ensure_ascii=False, sort_keys=True) + "\n"
    write_atomically(cache_dir / MANIFEST_NAME, lambda file: file.write(text.encode("utf-8")))
    (cache_dir / JOURNAL_NAME).unlink(missing_ok=True)
