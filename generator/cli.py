"""The `newsgen` command: arguments, messages and exit codes.

Exit codes: 0 ok, 1 content or config errors, 2 usage, 70 a bug in newsgen.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from generator import __version__
from generator.build.output import DELETING
from generator.build.pipeline import build
from generator.config import SiteConfig, load_config
from generator.console import (
    PROBLEM_FORMATS,
    ProblemFormat,
    checked_line,
    print_build,
    print_problems,
    progress_line,
)
from generator.errors import BuildFailed, SourceError, display_path
from generator.init import InitError, create_site
from generator.site.schedule import parse_moment

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


def run() -> NoReturn:
    """The `newsgen` command as installed: `main`, then the exit. A build leaves millions
    of objects that Python would otherwise free one by one, and collect, before exiting
    (0.6 s after an edit at 10,000 seeds): once the output streams are flushed and no
    other thread runs but those deleting a set-aside tree (which handed what is left to a
    process of its own; a preview server's thread would be waited for), the
    process ends without that. Every file newsgen writes is closed (and renamed into
    place) before `main` returns."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: Python's own exit says so
        sys.exit(code)
    if all(thread.name == DELETING for thread in threading.enumerate()
           if thread is not threading.current_thread()):
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            return _init(args.folder)
        if args.command == "check":
            return _check(args)
        if args.command == "new":
            return _new(args)
        config = load_config(args.config)
        if args.command == "build":
            config = config.with_dirs(args.seeds, args.out).with_base_url(args.base_url)
            return _build(config, args)
        if args.command == "images":
            return _images(config, args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "publish":
            return _publish(config, args)
        parser.print_help()
        return EXIT_USAGE
    except BuildFailed as exc:
        print_problems(exc.errors + exc.warnings)
        count = len(exc.errors)
        print(f"Build failed: {count} error{'s' if count != 1 else ''}; nothing was written.",
              file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        print("Interrupted; the previous output is unchanged.", file=sys.stderr)
        return 130
    except Exception:
        if args.debug:
            traceback.print_exc()
        else:
            print("newsgen: internal error (a bug in newsgen; rerun with --debug for details)",
                  file=sys.stderr)
        return EXIT_BUG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsgen", description="A static news-site generator.")
    parser.add_argument("--version", action="version", version=f"newsgen {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=Path("site.toml"),
                        help="the site's config file (default: ./site.toml)")
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_build_parser(commands, common)
    _add_check_parser(commands, common)
    _add_new_parser(commands, common)
    init_cmd = commands.add_parser("init", help="create a new site in a new folder")
    init_cmd.add_argument("folder", type=Path, help="the folder to create (new or empty)")
    init_cmd.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    _add_images_parser(commands, common)
    _add_serve_parser(commands, common)
    _add_publish_parser(commands, common)
    return parser


def _add_build_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                      common: argparse.ArgumentParser) -> None:
    command = commands.add_parser("build", parents=[common], help="build the site")
    command.add_argument("--seeds", type=Path, help="seeds folder (overrides [build] seeds_dir)")
    command.add_argument("--out", type=Path, help="output folder (overrides [build] output_dir)")
    command.add_argument("--base-url", metavar="URL",
                         help="the address the site is published at (overrides [site] "
                         "base_url)")
    command.add_argument("--no-search", action="store_true",
                         help="skip the search page and its index (Pagefind)")
    command.add_argument("--skip-invalid", action="store_true",
                         help="build the valid seeds and report the invalid ones as warnings")
    command.add_argument("--clean", action="store_true",
                         help="ignore the build cache: parse and render everything")
    command.add_argument("--jobs", type=_positive, metavar="N",
                         help="worker processes (default: one per core)")
    command.add_argument("--quiet", action="store_true", help="no progress display")
    command.add_argument("--timings", action="store_true",
                         help="print the seconds each phase took")
    command.add_argument("--now", type=_moment, metavar="ISO",
                         help="build as of this moment (default: now): stories due later "
                         "are left out, unless [build] future = true")


def _add_check_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                      common: argparse.ArgumentParser) -> None:
    command = commands.add_parser(
        "check", parents=[common],
        help="report what a build would about the seeds, config, templates and image "
        "manifest, writing nothing")
    command.add_argument("--seeds", type=Path, help="seeds folder (overrides [build] seeds_dir)")
    command.add_argument("--format", choices=PROBLEM_FORMATS, dest="form",
                         default="github" if os.environ.get("GITHUB_ACTIONS") == "true"
                         else "text",
                         help="text (the default), github (annotations on a pull request; "
                         "the default on GitHub Actions) or json (one object per line)")
    command.add_argument("--jobs", type=_positive, metavar="N",
                         help="worker processes (default: one per core)")


def _add_new_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                    common: argparse.ArgumentParser) -> None:
    command = commands.add_parser("new", parents=[common],
                                  help="write a new seed with every required field filled")
    command.add_argument("title", help="the story's headline")
    command.add_argument("--url", required=True, help="the publisher's page for the story")
    command.add_argument("--provider", required=True, help="the publisher's name")
    command.add_argument("--topic", action="append", default=[], dest="topics",
                         help="a topic (repeat for more)")
    command.add_argument("--date", help="when it was published, ISO 8601 (default: now; "
                         "without an offset, in the site's time zone)")
    command.add_argument("--seeds", type=Path, help="seeds folder (overrides [build] seeds_dir)")


def _add_serve_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                      common: argparse.ArgumentParser) -> None:
    command = commands.add_parser(
        "serve", parents=[common],
        help="build, serve the site locally and rebuild it when a file changes")
    command.add_argument("--host", default="127.0.0.1",
                         help="address to listen on (default: 127.0.0.1, this machine only)")
    command.add_argument("--port", type=_port, default=8000,
                         help="port to listen on; 0 picks a free one (default: 8000)")
    command.add_argument("--open", action="store_true", help="open the site in a browser")
    command.add_argument("--seeds", type=Path, help="seeds folder (overrides [build] seeds_dir)")
    command.add_argument("--out", type=Path, help="output folder (overrides [build] output_dir)")
    command.add_argument("--jobs", type=_positive, metavar="N",
                         help="worker processes (default: one per core)")
    command.add_argument("--no-search", action="store_true",
                         help="skip the search index (faster rebuilds of large sites)")
    command.add_argument("--future", action="store_true",
                         help="show scheduled stories too, each marked on its page")


def _add_publish_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                        common: argparse.ArgumentParser) -> None:
    command = commands.add_parser(
        "publish", parents=[common],
        help="build, then commit the site to the gh-pages branch and push it")
    command.add_argument("--remote",
                         help="git remote to push to (default: [publish] remote, origin)")
    command.add_argument("--branch",
                         help="branch to publish to (default: [publish] branch, gh-pages)")
    command.add_argument("--cname", help="custom domain for CNAME (default: [publish] cname)")
    command.add_argument("--message", help="first line of the commit message")
    command.add_argument("--no-push", action="store_true", help="commit locally only")
    command.add_argument("--force", action="store_true",
                         help="replace the remote branch even if it has other commits")
    command.add_argument("--jobs", type=_positive, metavar="N",
                         help="worker processes (default: one per core)")


def _add_images_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                      common: argparse.ArgumentParser) -> None:
    images = commands.add_parser("images", help="fetch, inspect or prune the image cache")
    actions = images.add_subparsers(dest="images_command", required=True)
    fetch = actions.add_parser(
        "fetch", parents=[common],
        help="download the images seeds mark isCached into [images] cache_dir")
    fetch.add_argument("--all", action="store_true",
                       help="every image, related coverage's included, not only isCached ones")
    fetch.add_argument("--jobs", type=_positive, default=8, metavar="N",
                       help="images fetched at once (default: 8; at most 4 per host)")
    fetch.add_argument("--retry-failed", action="store_true",
                       help="retry every failed image, not only network errors and 5xx")
    fetch.add_argument("--allow-host", action="append", default=[], metavar="ADDRESS:PORT",
                       help="admit this one private address and port (tests, local mirrors)")
    fetch.add_argument("--deadline", type=float, default=60.0, metavar="SECONDS",
                       help="most time for one image, redirects and retries included "
                            "(default: 60)")
    fetch.add_argument("--max-bytes", type=_positive, default=15_000_000, metavar="N",
                       help="largest image body, after decompression (default: 15000000)")
    fetch.add_argument("--quiet", action="store_true", help="no progress display")
    status = actions.add_parser("status", parents=[common],
                                help="count cached, missing and failed images")
    status.add_argument("--all", action="store_true", help="count every image, as fetch --all")
    actions.add_parser("prune", parents=[common],
                       help="remove rows and files that no seed references")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return int(text)


def _moment(text: str) -> datetime:
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _init(folder: Path) -> int:
    try:
        written = create_site(folder)
    except (InitError, OSError) as exc:
        print(f"newsgen: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    for path in written:
        print(f"  wrote {path}")
    print(f"Created a site in {folder}. Next: cd {folder} && newsgen build "
          "(or newsgen serve to preview it).")
    return EXIT_OK


# Each command below imports what only it needs (the web server, git, the image fetcher)
# when it runs, so that `newsgen build` with nothing to do starts in a blink.

def _images(config: SiteConfig, args: argparse.Namespace) -> int:
    from generator.images.commands import run_images

    return run_images(config, args)


def _serve(args: argparse.Namespace) -> int:
    from generator.serve.loop import ServeError, ServeOptions, serve

    try:
        serve(ServeOptions(args.config, args.host, args.port, args.open, args.jobs,
                           args.seeds, args.out, search=not args.no_search,
                           future=args.future))
    except ServeError as exc:
        print(f"newsgen: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _publish(config: SiteConfig, args: argparse.Namespace) -> int:
    from generator.publish import PublishError, PublishOptions, publish

    try:
        publish(config, PublishOptions(
            remote=args.remote, branch=args.branch, cname=args.cname, message=args.message,
            push=not args.no_push, force=args.force, jobs=args.jobs))
    except PublishError as exc:
        print(f"newsgen: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from generator.content.new_seed import NewSeed, NewSeedError, parse_date, write_new_seed

    config = load_config(args.config).with_dirs(args.seeds, None)
    try:
        published = parse_date(args.date, config.zone) if args.date else None
        path = write_new_seed(config.build.seeds_dir, NewSeed(
            args.title, args.url, args.provider, tuple(args.topics), published))
    except (NewSeedError, OSError) as exc:
        print(f"newsgen: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    print(display_path(path))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from generator.build.check import check_site

    try:
        config = load_config(args.config).with_dirs(args.seeds, None)
    except BuildFailed as exc:
        return _checked(exc.errors + exc.warnings, args.form, None)
    result = check_site(config, args.jobs)
    return _checked(result.problems, args.form, result.seeds, result.templates)


def _checked(problems: list[SourceError], form: ProblemFormat, seeds: int | None,
             templates: int = 0) -> int:
    """Print the problems and the summary line (on stderr when stdout is for a machine);
    the exit code a build would give."""
    print_problems(problems, form)
    print(checked_line(problems, seeds, templates),
          file=sys.stdout if form == "text" else sys.stderr)
    return EXIT_ERRORS if any(p.severity == "error" for p in problems) else EXIT_OK


def _build(config: SiteConfig, args: argparse.Namespace) -> int:
    with progress_line(args.quiet) as show:
        result = build(config, skip_invalid=args.skip_invalid, clean=args.clean, jobs=args.jobs,
                       progress=show, search=not args.no_search, now=args.now)
    print_build(result, timings=args.timings)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
