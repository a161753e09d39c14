"""Locate the shipped theme (templates and static files) in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def _theme_root() -> Path:
    # A wheel carries the theme inside the package; a checkout has it beside the package.
    bundled = _PACKAGE / "_theme"
    return bundled if (bundled / "templates").is_dir() else _PACKAGE.parent


SHIPPED_TEMPLATES = _theme_root() / "templates"
SHIPPED_STATIC = _theme_root() / "static"


def template_dirs(user_dir: Path) -> list[Path]:
    """The user's folder first, then the shipped theme."""
    dirs = [user_dir] if user_dir.is_dir() else []
    if SHIPPED_TEMPLATES.resolve() not in [d.resolve() for d in dirs]:
        dirs.append(SHIPPED_TEMPLATES)
    return dirs
