"""`newsgen init DIR`: write a new site a user owns, from the skeleton in this package."""

from __future__ import annotations

from pathlib import Path

from generator import __version__

SKELETON = Path(__file__).resolve().parent / "skeleton"
# Skeleton file → where it goes in the new site. Dot-names are stored without their dot,
# so packaging tools never mistake them for files of this repository.
_FILES = {
    "site.toml": "site.toml",
    "seeds/example.txt": "seeds/example.txt",
    "templates/README.md": "templates/README.md",
    "gitignore": ".gitignore",
    "github-pages.yml": ".github/workflows/pages.yml",
    "github-check.yml": ".github/workflows/check.yml",
    "dependabot.yml": ".github/dependabot.yml",
    "requirements.txt": "requirements.txt",
}


class InitError(Exception):
    """The folder cannot take a new site."""


def create_site(folder: Path) -> list[Path]:
    """Write the skeleton into `folder` (new or empty); the files written, in order."""
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} is a file")
    if folder.is_dir() and any(folder.iterdir()):
        raise InitError(f"{folder} is not empty; choose a new folder (newsgen init never "
                        "overwrites files)")
    written = []
    for source, target in _FILES.items():
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (SKELETON / source).read_text(encoding="utf-8")
        path.write_text(text.replace("VERSION", __version__), encoding="utf-8")
        written.append(path)
    (folder / "static").mkdir(exist_ok=True)
    return written
