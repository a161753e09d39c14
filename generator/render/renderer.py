"""Render one planned page to bytes with Jinja. Pure: same inputs, same bytes; never writes.

Autoescape is on for every template whatever its name, undefined names are errors, and
the user's templates folder overrides the shipped theme file by file.
"""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import replace
from pathlib import Path

import jinja2

from generator.errors import SourceError
from generator.images.references import ImageCache
from generator.render.contexts import Context, PageContexts
from generator.render.template_memo import TemplateMemo, referenced_templates
from generator.site.index import Site
from generator.site.plan import Page
from generator.site.reads import ReadLog, read_digests, recording_images, recording_site


class TemplateFailure(Exception):
    """A template could not be compiled or rendered; carries the file and line."""

    def __init__(self, error: SourceError) -> None:
        super().__init__(error.message)
        self.error = error


def make_environment(dirs: list[Path], memo: TemplateMemo | None = None) -> jinja2.Environment:
    """The one way newsgen makes a Jinja environment: the code `TemplateMemo` keeps, by
    template file and source alone, was compiled with these options."""
    return jinja2.Environment(
        bytecode_cache=memo,
        loader=jinja2.FileSystemLoader([str(d) for d in dirs], followlinks=False),
        # On for every template name: select_autoescape would leave `.j2` or `.rss` unescaped.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def check_templates(env: jinja2.Environment) -> list[SourceError]:
    """Compile every template up front so a syntax error stops the build before writing.

    A template that is a symlink leading out of its folder is refused, not followed.
    """
    problems = []
    assert isinstance(env.loader, jinja2.FileSystemLoader)
    for folder in map(Path, env.loader.searchpath):
        root = folder.resolve()
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                problems.append(SourceError(path, 0, 0, "template is a symlink leading outside "
                                            f"{folder}", "copy the file instead",
                                            kind="template"))
    if problems:
        return problems
    for name in sorted(env.list_templates(extensions=["html", "xml", "txt", "j2", "json"])):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(_template_error(exc.filename or name, exc.lineno, exc.message or ""))
    return problems


def templates_fingerprint(env: jinja2.Environment) -> str:
    """A digest of every template's name and source, in the order the loader searches."""
    digest = hashlib.sha256()
    assert isinstance(env.loader, jinja2.FileSystemLoader)
    for folder in env.loader.searchpath:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def _template_sources(env: jinja2.Environment, name: str) -> str:
    """The file and source of `name` and of every template it reaches through `extends`,
    `include`, `import` and `from`, as the loader finds them; every template's, when one
    of those names is computed at render time and so cannot be known here."""
    assert env.loader is not None
    seen: dict[str, str] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        try:
            source, filename, _ = env.loader.get_source(env, current)
        except jinja2.TemplateNotFound:
            seen[current] = "missing"
            continue
        seen[current] = f"{filename}\0{source}"
        for referenced in referenced_templates(env, source):
            if referenced is None:
                return templates_fingerprint(env)
            todo.append(referenced)
    return "\0".join(f"{key}\0{value}" for key, value in sorted(seen.items()))


class Renderer:
    """Renders pages of one site; `render(page)` is a pure function of the page.

    Its contexts read the site through a `ReadLog`, so `render_recorded` also says what the
    page read (see `site.reads`).
    """

    def __init__(self, site: Site, images: ImageCache, env: jinja2.Environment,
                 search: bool = False) -> None:
        self.env = env
        self.search = search
        """Whether the site has search (its pages link to it, and a build indexes them)."""
        self.log = ReadLog()
        self.contexts = PageContexts(
            recording_site(site, self.log),
            replace(images, entries=recording_images(images.entries, self.log)),
            search, self.log)
        # What every page's bytes depend on besides its template, its plan and its reads.
        self._shared = "\0".join((
            site.config.fingerprint(), str(search),
            repr({key: value for key, value in self.contexts.common.items()
                  if not callable(value)})))
        self._fingerprints: dict[str, str] = {}
        self._templates: dict[str, jinja2.Template] = {}
        """Each template by name, as the environment (which never reloads) gave it: its own
        cache costs a weak reference and a lookup for each page."""

    def fingerprint(self, template: str) -> str:
        """A digest of what every page has in common and of the sources of `template` and
        of every template it extends, includes or imports: a page made from it depends on
        nothing else besides its plan and its reads."""
        found = self._fingerprints.get(template)
        if found is None:
            sources = _template_sources(self.env, template)
            found = self._fingerprints[template] = hashlib.sha256(
                (self._shared + "\0" + sources).encode()).hexdigest()
        return found

    def render(self, page: Page) -> bytes:
        return self.render_context(page, self.context(page))

    def render_recorded(self, page: Page) -> tuple[bytes, bytes]:
        """The page's bytes and what it read of the site (see `site.reads.read_digests`)."""
        with self.log.capture() as reads:
            data = self.render(page)
        return data, read_digests(reads)

    def context(self, page: Page) -> Context:
        return self.contexts.context(page)

    def render_context(self, page: Page, context: Context) -> bytes:
        try:
            template = self._templates.get(page.template)
            if template is None:
                template = self._templates[page.template] = self.env.get_template(page.template)
            text = template.render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateFailure(_template_error(exc.filename or page.template, exc.lineno,
                                                  exc.message or "")) from None
        except Exception as exc:  # a template's runtime error: name the template line
            raise TemplateFailure(_runtime_error(exc, page)) from None
        return text.encode("utf-8")


def _template_error(filename: str, line: int | None, message: str) -> SourceError:
    return SourceError(Path(filename), line or 1, 1, f"template error: {message}",
                       kind="template")


def _runtime_error(exc: Exception, page: Page) -> SourceError:
    """The innermost template frame of the traceback Jinja rewrote, else the page's template."""
    filename, line = page.template, 1
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".j2", ".txt", ".json")):
            filename, line = frame.filename, frame.lineno or 1
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template {exc.name!r} not found (while rendering {page.path})"
    else:
        message = f"{type(exc).__name__}: {exc} (while rendering {page.path})"
    return _template_error(filename, line, message)
