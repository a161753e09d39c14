"""`newsgen check`: what a build would report about a site, without building it.

The seeds are loaded (from the parse cache where unchanged), the image manifest read and
every template compiled, as a build does; then one page of each template is rendered in
memory, so that a name a template uses but no page has is caught too. Nothing is written:
neither the output nor the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.build.cache import load_parsed_seeds
from generator.build.result import default_jobs
from generator.build.workers import Report, load_in_workers, related_ranker
from generator.config import SiteConfig
from generator.content.loader import combine_results
from generator.content.seeds import find_seeds, missing_seeds_dir
from generator.errors import SourceError
from generator.images.references import read_image_cache
from generator.render.renderer import Renderer, TemplateFailure, check_templates, make_environment
from generator.render.template_memo import TemplateMemo
from generator.render.theme import template_dirs
from generator.site.index import index_site
from generator.site.plan import plan_pages


@dataclass
class CheckResult:
    problems: list[SourceError] = field(default_factory=list)
    seeds: int = 0
    templates: int = 0
    """Templates rendered, one page of each."""


def check_site(config: SiteConfig, jobs: int | None = None,
               report: Report = lambda phase, done, total: None) -> CheckResult:
    """Every problem a build of `config` would report before it writes anything."""
    build = config.build
    if not build.seeds_dir.is_dir():
        return CheckResult([missing_seeds_dir(build.seeds_dir)])
    seed_paths, problems = find_seeds(build.seeds_dir)
    cached = load_parsed_seeds(build.cache_dir, config.reading_fingerprint())
    jobs = jobs or default_jobs()
    results, _ = load_in_workers(seed_paths, cached, config, jobs, report)
    articles, more = combine_results(results)
    images, image_problems = read_image_cache(config.images.cache_dir)
    env = make_environment(template_dirs(build.templates_dir), TemplateMemo())
    problems += more + image_problems + check_templates(env)
    result = CheckResult(problems, len(seed_paths))
    if any(problem.severity == "error" for problem in problems):
        return result  # as a build, which stops here
    site = index_site(articles, config, related_ranker(jobs, report))
    renderer = Renderer(site, images, env, search=True)
    tried: set[str] = set()
    for page in plan_pages(site, search=True):
        if page.template in tried:
            continue
        tried.add(page.template)
        try:
            renderer.render(page)
        except TemplateFailure as exc:
            result.problems.append(exc.error)
    result.templates = len(tried)
    return result
