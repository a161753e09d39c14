"""Read `site.toml` into a typed, frozen SiteConfig, collecting every problem.

Reads one file; never writes. Paths in the config are relative to the config's folder.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import TOML_NOUNS, BuildFailed, SourceError, show

MissingImagePolicy = Literal["placeholder", "remote"]
CanonicalPolicy = Literal["self", "original"]


@dataclass(frozen=True)
class SiteSection:
    title: str = "News"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    timezone: str = "UTC"


@dataclass(frozen=True)
class BuildSection:
    seeds_dir: Path = Path("seeds")
    output_dir: Path = Path("public")
    templates_dir: Path = Path("templates")
    static_dir: Path = Path("static")
    cache_dir: Path = Path(".newsgen-cache")
    include_unpublished: bool = False
    future: bool = False
    """Build stories whose publishedDateTime is still to come (each page says so)."""
    page_size: int = 20
    related_count: int = 5


@dataclass(frozen=True)
class ImagesSection:
    cache_dir: Path = Path(".image-cache")
    missing: MissingImagePolicy = "placeholder"


@dataclass(frozen=True)
class LimitsSection:
    """Caps on what one seed may hold, so a hostile seed fails alone and fast."""

    seed_bytes: int = 2_000_000
    title_chars: int = 1_000
    text_chars: int = 20_000
    body_chars: int = 500_000
    list_items: int = 100
    markdown_seconds: float = 2.0


@dataclass(frozen=True)
class SeoSection:
    canonical: CanonicalPolicy = "self"
    """`self`: an article's canonical URL is its page here; `original`: the publisher's."""
    sitemap_urls: int = 50_000
    """URLs per sitemap file; more make a sitemap index (the protocol's limit is 50,000)."""


@dataclass(frozen=True)
class FeedsSection:
    entries: int = 20
    """Entries in each Atom and JSON feed (newest first)."""


@dataclass(frozen=True)
class PublishSection:
    remote: str = "origin"
    branch: str = "gh-pages"
    cname: str = ""
    """A custom domain for GitHub Pages, written as `CNAME` on every publish."""


@dataclass(frozen=True)
class SiteConfig:
    path: Path
    site: SiteSection = SiteSection()
    build: BuildSection = BuildSection()
    images: ImagesSection = ImagesSection()
    limits: LimitsSection = LimitsSection()
    seo: SeoSection = SeoSection()
    feeds: FeedsSection = FeedsSection()
    publish: PublishSection = PublishSection()
    explicit: frozenset[str] = frozenset()
    """Keys the file set (`build.templates_dir`), so a missing folder the user named is an error."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url, always with leading and trailing slash: `/repo/`."""
        path = urlsplit(self.site.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def fingerprint(self) -> str:
        """A digest of every setting that can change a page's bytes."""
        text = repr((self.site, self.build, self.images, self.limits, self.seo, self.feeds))
        return hashlib.sha256(text.encode()).hexdigest()

    def reading_fingerprint(self) -> str:
        """A digest of the settings that reading a seed depends on: the time zone (a time
        without an offset is read in it) and the limits. Parsed seeds are reused only
        under the same reading settings."""
        return hashlib.sha256(repr((self.site.timezone, self.limits)).encode()).hexdigest()

    def with_base_url(self, base_url: str | None) -> SiteConfig:
        """The command line's `--base-url` overrides `[site] base_url`."""
        if base_url is None:
            return self
        split = urlsplit(base_url)
        if split.scheme not in ("http", "https") or not split.netloc or split.query \
                or split.fragment:
            raise BuildFailed([SourceError(self.path, 0, 0, f"--base-url: expected an http(s) "
                                           f"URL without query or fragment, got {show(base_url)}",
                                           kind="config")])
        return replace(self, site=replace(self.site, base_url=base_url))

    def with_future(self, future: bool) -> SiteConfig:
        """`serve --future` builds scheduled stories whatever the file says."""
        return replace(self, build=replace(self.build, future=True)) if future else self

    def with_dirs(self, seeds_dir: Path | None, output_dir: Path | None) -> SiteConfig:
        """The command line's `--seeds` and `--out` override the file's values."""
        build = self.build
        if seeds_dir is not None:
            build = replace(build, seeds_dir=seeds_dir.resolve())
        if output_dir is not None:
            build = replace(build, output_dir=real_parent(output_dir))
        config = replace(self, build=build)
        problem = output_dir_problem(config)
        if problem:
            raise BuildFailed([SourceError(config.build.output_dir, 0, 0,
                                           f"output folder {problem}",
                                           "choose an output folder of its own with --out",
                                           kind="config")])
        return config


_Section = (type[SiteSection] | type[BuildSection] | type[ImagesSection] | type[LimitsSection]
            | type[SeoSection] | type[FeedsSection] | type[PublishSection])
_SECTIONS: dict[str, _Section] = {
    "site": SiteSection,
    "build": BuildSection,
    "images": ImagesSection,
    "limits": LimitsSection,
    "seo": SeoSection,
    "feeds": FeedsSection,
    "publish": PublishSection,
}
_RANGES = {"page_size": (1, 1000), "related_count": (0, 50), "markdown_seconds": (0.01, 600),
           "seed_bytes": (1_000, 10**9), "title_chars": (10, 10**6), "text_chars": (10, 10**7),
           "body_chars": (0, 10**8), "list_items": (1, 10**5), "sitemap_urls": (1, 50_000),
           "entries": (1, 1000)}
_DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                     r"[A-Za-z]{2,63}$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
"""A BCP 47 language tag as the site and its seeds may give it (`en`, `zh-Hans`, `pt-BR`)."""


def load_config(path: Path) -> SiteConfig:
    """Parse and validate `path`; raise BuildFailed listing every problem."""
    path = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildFailed([_error(path, 0, 0, "config file not found",
                                  "run newsgen from the site's folder or pass --config PATH")]
                          ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildFailed([_error(path, 1, 1, f"cannot read config: {exc}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BuildFailed([_toml_error(path, text, str(exc))]) from None
    return _validate(path, text, data)


def _validate(path: Path, text: str, data: dict[str, object]) -> SiteConfig:
    lines = _KeyLines(text)
    errors: list[SourceError] = []
    sections: dict[str, object] = {}
    explicit: set[str] = set()
    for name, value in data.items():
        if name not in _SECTIONS:
            errors.append(_unknown(path, lines.find(None, name), name, list(_SECTIONS), "section"))
            continue
        if not isinstance(value, dict):
            errors.append(_error(path, lines.find(None, name), 1, f"{name}: expected a table"))
            continue
        section_type = _SECTIONS[name]
        values: dict[str, object] = {}
        known = {f.name: f for f in fields(section_type)}
        for key, raw in value.items():
            line = lines.find(name, key)
            if key not in known:
                errors.append(_unknown(path, line, f"{name}.{key}", list(known), "key", key))
                continue
            default = getattr(section_type(), key)
            checked, problem = _check_value(f"{name}.{key}", raw, default, path.parent)
            if problem:
                errors.append(_error(path, line, 1, problem))
                continue
            values[key] = checked
            explicit.add(f"{name}.{key}")
        sections[name] = section_type(**values)  # type: ignore[arg-type]
    config = SiteConfig(path=path, explicit=frozenset(explicit), **sections)  # type: ignore[arg-type]
    config = _resolve_default_dirs(config, path.parent)
    errors.extend(_check_semantics(config, path, lines))
    if errors:
        raise BuildFailed(errors)
    return config


def _check_value(key: str, raw: object, default: object, base: Path) -> tuple[object, str]:
    """The value converted to the default's type, and an error message or ""."""
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw, ""
        return None, f"{key}: expected true or false, got {show(raw, TOML_NOUNS)}"
    if isinstance(default, (int, float)):
        wanted = "an integer" if isinstance(default, int) else "a number"
        allowed = int if isinstance(default, int) else (int, float)
        if isinstance(raw, bool) or not isinstance(raw, allowed):
            return None, f"{key}: expected {wanted}, got {show(raw, TOML_NOUNS)}"
        low, high = _RANGES.get(key.split(".")[1], (0, 10**9))
        if not low <= raw <= high:
            return None, f"{key}: expected {wanted} from {low:,} to {high:,}, got {raw}"
        return raw, ""
    if not isinstance(raw, str):
        return None, f"{key}: expected a string, got {show(raw, TOML_NOUNS)}"
    if isinstance(default, Path):
        if not raw.strip():
            return None, f"{key}: expected a folder path, got an empty string"
        return (real_parent(base / raw) if key == "build.output_dir"
                else (base / raw).resolve()), ""
    return raw, ""


def real_parent(path: Path) -> Path:
    """`path` absolute, with links resolved in its parent but not in its own name: the
    output folder is a link that each build points at a new tree."""
    path = path.absolute()
    return path.parent.resolve() / path.name


def _resolve_default_dirs(config: SiteConfig, base: Path) -> SiteConfig:
    """Default folders are relative to the config's folder too."""
    build = config.build
    images = config.images
    for name in ("seeds_dir", "output_dir", "templates_dir", "static_dir", "cache_dir"):
        value = getattr(build, name)
        if not value.is_absolute():
            folder: Any = (real_parent(base / value) if name == "output_dir"
                           else (base / value).resolve())
            build = replace(build, **{name: folder})
    if not images.cache_dir.is_absolute():
        images = replace(images, cache_dir=(base / images.cache_dir).resolve())
    return replace(config, build=build, images=images)


def _check_semantics(config: SiteConfig, path: Path, lines: _KeyLines) -> list[SourceError]:
    errors: list[SourceError] = []

    def fail(section: str, key: str, message: str, hint: str = "") -> None:
        line = lines.find(section, key)
        errors.append(_error(path, line, 1, f"{section}.{key}: {message}", hint))

    url = urlsplit(config.site.base_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        fail("site", "base_url", f"expected an http(s) URL, got {show(config.site.base_url)}",
             'for example base_url = "https://user.github.io/repo/"')
    elif url.query or url.fragment:
        fail("site", "base_url", "must not have a query or fragment")
    try:
        ZoneInfo(config.site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fail("site", "timezone", f"unknown time zone {show(config.site.timezone)}",
             'use an IANA name such as "UTC" or "Europe/Berlin"')
    if not LANGUAGE_TAG.match(config.site.language):
        fail("site", "language", f"expected a language tag such as \"en\" or \"pt-BR\", "
             f"got {show(config.site.language)}")
    if config.images.missing not in ("placeholder", "remote"):
        fail("images", "missing", f"expected \"placeholder\" or \"remote\", "
             f"got {show(config.images.missing)}")
    if config.seo.canonical not in ("self", "original"):
        fail("seo", "canonical", f"expected \"self\" or \"original\", "
             f"got {show(config.seo.canonical)}")
    if config.publish.cname and not is_domain(config.publish.cname):
        fail("publish", "cname", f"expected a domain name such as \"news.example.org\", "
             f"got {show(config.publish.cname)}")
    for key in ("templates_dir", "static_dir"):
        folder = getattr(config.build, key)
        if f"build.{key}" in config.explicit and not folder.is_dir():
            fail("build", key, f"folder not found: {folder}")
    problem = output_dir_problem(config)
    if problem:
        fail("build", "output_dir", problem, "the output folder is replaced whole on every build")
    return errors


def is_domain(text: str) -> bool:
    """A host name such as `news.example.org` (what GitHub Pages takes as a custom domain)."""
    return _DOMAIN.match(text) is not None


def output_dir_problem(config: SiteConfig) -> str:
    """Why the output folder would be unsafe to replace, or "".

    The build swaps a new folder in for the output folder, deleting the old one, so the
    output must never be, hold or sit inside anything else the user owns.
    """
    output = config.build.output_dir.resolve()
    if output.exists() and not output.is_dir():
        return f"{output} is a file, not a folder"
    if output == Path(output.anchor) or output == Path.home().resolve():
        return f"{output} is the root or home folder"
    if config.path.parent.resolve().is_relative_to(output):
        return "must not be or contain the folder of the config file"
    owned = {"seeds": config.build.seeds_dir, "templates": config.build.templates_dir,
             "static": config.build.static_dir, "image cache": config.images.cache_dir,
             "build cache": config.build.cache_dir}
    for name, folder in owned.items():
        folder = folder.resolve()
        if folder.is_relative_to(output) or output.is_relative_to(folder):
            return f"must not be, contain or sit inside the {name} folder ({folder})"
    return ""


class _KeyLines:
    """Find the line of `[section] key = ...` in TOML text, for error positions."""

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str | None, str], int] = {}
        section: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            header = re.match(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]", line)
            if header:
                section = header.group(1)
                self._lines.setdefault((None, section), number)
                continue
            key = re.match(r"^([A-Za-z0-9_-]+)\s*=", line)
            if key:
                self._lines.setdefault((section, key.group(1)), number)

    def find(self, section: str | None, key: str) -> int:
        return self._lines.get((section, key), self._lines.get((None, section or key), 1))


def _unknown(path: Path, line: int, name: str, known: list[str], what: str,
             short: str | None = None) -> SourceError:
    close = difflib.get_close_matches(short or name, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known {what}s: {', '.join(known)}"
    return _error(path, line, 1, f"unknown {what} {name!r}", hint)


def _error(path: Path, line: int, column: int, message: str, hint: str = "") -> SourceError:
    return SourceError(path, line, column, message, hint, kind="config")


def _toml_error(path: Path, text: str, raw: str) -> SourceError:
    """tomllib's message at its position, in plainer words for the commonest slips."""
    found = re.search(r"at line (\d+), column (\d+)", raw)
    line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", raw)
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    hint = ""
    if message.startswith("Illegal character") and source.count('"') % 2 == 1:
        message, hint = "string is never closed", "end the string with '\"' on the same line"
    elif message == "Invalid value":
        hint = 'text values need quotes, for example language = "en"'
    return _error(path, line, column, f"invalid TOML: {message}", hint)
