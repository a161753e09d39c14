"""Orchestrate a build: load → index → plan → render → stage → swap, and count what was made.

Never prints (the CLI does) and never touches the network.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.config import SiteConfig
from generator.errors import BuildFailed, SourceError
from generator.imagecache import ImageCache, read_image_cache
from generator.loader import load_seeds
from generator.output import OutputError, StagedOutput
from generator.pages import plan_pages
from generator.render import (
    Renderer,
    TemplateFailure,
    check_templates,
    make_environment,
    template_dirs,
)
from generator.site import Site, index_site
from generator.theme import SHIPPED_STATIC
from generator.urls import output_file


@dataclass
class BuildResult:
    pages: Counter[str] = field(default_factory=Counter)
    warnings: list[SourceError] = field(default_factory=list)
    skipped_seeds: int = 0
    files: int = 0
    seconds: float = 0.0


def build(config: SiteConfig, *, skip_invalid: bool = False) -> BuildResult:
    """Build the site into `config.build.output_dir`; raise BuildFailed with every error.

    Nothing is written to the output unless the whole build succeeds.
    """
    started = time.perf_counter()
    result = BuildResult()
    articles, problems = load_seeds(config.build.seeds_dir, config.zone, config.limits)
    images, image_problems = read_image_cache(config.images.cache_dir)
    env = make_environment(template_dirs(config.build.templates_dir))
    problems += image_problems + check_templates(env)
    errors = [p for p in problems if p.severity == "error"]
    bad_seeds = {p.path for p in errors if p.kind == "seed"}
    if skip_invalid and all(p.kind == "seed" for p in errors):
        result.skipped_seeds = len(bad_seeds)
        problems = [p.as_warning() for p in problems]
        errors = []
    result.warnings = [p for p in problems if p.severity == "warning"]
    if errors:
        raise BuildFailed(errors, result.warnings)
    site = index_site(articles, config)
    _write_site(site, images, Renderer(site, images, env), result)
    result.seconds = time.perf_counter() - started
    return result


def _write_site(site: Site, images: ImageCache, renderer: Renderer,
                result: BuildResult) -> None:
    output_dir = site.config.build.output_dir
    try:
        staged = StagedOutput(output_dir)
    except OutputError as exc:
        raise BuildFailed([SourceError(output_dir, 0, 0, str(exc), kind="output")]) from None
    try:
        for page in plan_pages(site):
            staged.write(output_file(page.path), renderer.render(page))
            result.pages[page.kind] += 1
        _copy_images(site, images, renderer, staged)
        _copy_static(site.config.build.static_dir, staged)
        result.files = staged.files_written
        staged.commit()
    except TemplateFailure as exc:
        staged.abort()
        raise BuildFailed([exc.error]) from None
    except OutputError as exc:
        staged.abort()
        raise BuildFailed([SourceError(output_dir, 0, 0, str(exc), kind="output")]) from None
    except BaseException:
        staged.abort()
        raise


def _copy_images(site: Site, images: ImageCache, renderer: Renderer,
                 staged: StagedOutput) -> None:
    """Publish the cached files that some page references, and no others."""
    used: set[str] = set()
    for article in site.articles.values():
        for view in renderer.views.images_of(article):
            if view.ref.kind == "local":
                used.add(view.ref.src)
                used.update(path for path, _ in view.ref.srcset)
    for site_path in sorted(used):
        staged.copy(output_file(site_path), images.source_file(site_path))


def _copy_static(user_static: Path, staged: StagedOutput) -> None:
    """The shipped static files, then the user's, which replace shipped ones of the same name."""
    files: dict[PurePosixPath, Path] = {}
    for folder in (SHIPPED_STATIC, user_static):
        if not folder.is_dir():
            continue
        root = folder.resolve()
        for directory, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                source = Path(directory, name)
                if name.startswith("."):
                    continue
                if not source.resolve().is_relative_to(root):
                    raise OutputError(f"{source} is a symlink leading outside {root}")
                files[PurePosixPath(source.relative_to(root).as_posix())] = source
    for relative in sorted(files):
        if staged.has(relative):
            raise OutputError(f"static file {relative} has the same path as a page")
        staged.copy(relative, files[relative])
