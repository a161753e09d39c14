"""Search for the built site: Pagefind's indexer, run over the staged output.

Pagefind is an optional dependency (`pip install 'newsgen[search]'` brings its binary). It
indexes article pages only (those marked `data-pagefind-body`), with their topics and
provider as filters and their date to sort by, and writes `/pagefind/` beside the pages.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SEARCH_FOLDER = "pagefind"
UNAVAILABLE = ("search is off: the Pagefind binary is not installed "
               "(pip install 'newsgen[search]')")


class SearchFailed(Exception):
    """The indexer ran and failed; the message holds what it said."""


def pagefind_binary() -> Path | None:
    """The `pagefind` executable: the one `pagefind_bin` ships, else one on the PATH."""
    try:
        import pagefind_bin  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        found = shutil.which("pagefind")
        return Path(found) if found else None
    candidate = Path(pagefind_bin.__file__).parent / "pagefind"
    return candidate if candidate.is_file() else None


def index_site(binary: Path, site: Path, timeout: float = 600) -> None:
    """Write the search index into `site/pagefind/`."""
    try:
        done = subprocess.run(
            [str(binary), "--site", str(site), "--output-subdir", SEARCH_FOLDER, "--silent"],
            capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchFailed(f"the search indexer could not run: {exc}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SearchFailed("the search indexer failed: " + " / ".join(said))
