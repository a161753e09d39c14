"""The `newsgen` command: arguments, messages and exit codes.

Exit codes: 0 ok, 1 content or config errors, 2 usage, 70 a bug in newsgen.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from generator import __version__
from generator.build import BuildResult, build
from generator.config import SiteConfig, load_config
from generator.errors import BuildFailed, SourceError, report_order

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70
_KINDS = (("article", "article"), ("topic", "topic page"), ("provider", "provider page"),
          ("home", "home page"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.command == "build":
            config = config.with_dirs(args.seeds, args.out)
            return _build(config, args)
        parser.print_help()
        return EXIT_USAGE
    except BuildFailed as exc:
        _print_problems(exc.errors + exc.warnings)
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
    build_cmd = commands.add_parser("build", parents=[common], help="build the site")
    build_cmd.add_argument("--seeds", type=Path, help="seeds folder (overrides [build] seeds_dir)")
    build_cmd.add_argument("--out", type=Path, help="output folder (overrides [build] output_dir)")
    build_cmd.add_argument("--skip-invalid", action="store_true",
                           help="build the valid seeds and report the invalid ones as warnings")
    build_cmd.add_argument("--clean", action="store_true",
                           help="ignore the build cache: parse and render everything")
    build_cmd.add_argument("--jobs", type=_positive, metavar="N",
                           help="worker processes (default: one per core)")
    build_cmd.add_argument("--quiet", action="store_true", help="no progress display")
    build_cmd.add_argument("--timings", action="store_true",
                           help="print the seconds each phase took")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _build(config: SiteConfig, args: argparse.Namespace) -> int:
    show = ProgressLine() if sys.stderr.isatty() and not args.quiet else None
    try:
        result = build(config, skip_invalid=args.skip_invalid, clean=args.clean, jobs=args.jobs,
                       progress=show)
    finally:
        if show is not None:
            show.clear()
    if result.notice:
        print(f"newsgen: {result.notice}", file=sys.stderr)
    _print_problems(result.warnings)
    if args.timings:
        print("  ".join(f"{phase} {seconds:.2f} s" for phase, seconds in result.phases.items()),
              file=sys.stderr)
    print(summary_line(result))
    return EXIT_OK


class ProgressLine:
    """A one-line progress display on the terminal, shown only once a build passes 1 s."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        if time.monotonic() - self.started < 1.0:
            return
        sys.stderr.write(f"\r\x1b[K{phase}: {done:,}/{total:,}")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def summary_line(result: BuildResult) -> str:
    """`Built 1 article, 2 topic pages, ... in 0.21 s (0 errors, 1 warning).`"""
    parts = [_count(result.pages[kind], noun) for kind, noun in _KINDS]
    indexes = result.pages["topics"] + result.pages["providers"] + result.pages["not_found"]
    parts.append(_count(indexes, "index page"))
    work = (f"{result.rendered:,} rendered, {result.unchanged:,} unchanged, "
            f"{result.removed:,} removed")
    tail = f"0 errors, {_count(len(result.warnings), 'warning')}"
    if result.skipped_seeds:
        tail += f", {_count(result.skipped_seeds, 'invalid seed')} skipped"
    return f"Built {', '.join(parts)} in {result.seconds:.2f} s ({work}; {tail})."


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _print_problems(problems: list[SourceError]) -> None:
    for problem in sorted(problems, key=report_order):
        print(problem.format(), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
