"""The `newsgen images` subcommands: their arguments and what they print."""

from __future__ import annotations

import argparse
import sys

from generator.config import SiteConfig
from generator.console import ProgressLine
from generator.images.addresses import parse_allowed
from generator.images.fetch import FetchLimits, redact
from generator.images.manifest import ManifestError
from generator.images.pool import FetchOptions, cache_status, fetch_images, prune_cache


def add_images_parser(commands: argparse._SubParsersAction,  # type: ignore[type-arg]
                      common: argparse.ArgumentParser) -> None:
    images = commands.add_parser("images", help="fetch, inspect or prune the image cache")
    actions = images.add_subparsers(dest="images_command", required=True)
    fetch = actions.add_parser(
        "fetch", parents=[common],
        help="download the images seeds mark isCached into [images] cache_dir")
    fetch.add_argument("--all", action="store_true",
                       help="every image, related coverage's included, not only isCached ones")
    fetch.add_argument("--jobs", type=_whole, default=8, metavar="N",
                       help="images fetched at once (default: 8; at most 4 per host)")
    fetch.add_argument("--retry-failed", action="store_true",
                       help="retry every failed image, not only network errors and 5xx")
    fetch.add_argument("--allow-host", action="append", default=[], metavar="ADDRESS:PORT",
                       help="admit this one private address and port (tests, local mirrors)")
    fetch.add_argument("--deadline", type=float, default=60.0, metavar="SECONDS",
                       help="most time for one image, redirects and retries included "
                            "(default: 60)")
    fetch.add_argument("--max-bytes", type=_whole, default=15_000_000, metavar="N",
                       help="largest image body, after decompression (default: 15000000)")
    fetch.add_argument("--quiet", action="store_true", help="no progress display")
    status = actions.add_parser("status", parents=[common],
                                help="count cached, missing and failed images")
    status.add_argument("--all", action="store_true", help="count every image, as fetch --all")
    actions.add_parser("prune", parents=[common],
                       help="remove rows and files that no seed references")


def _whole(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def run_images(config: SiteConfig, args: argparse.Namespace) -> int:
    """Exit code 0, or 1 when the manifest or the arguments cannot be used."""
    try:
        if args.images_command == "fetch":
            return _fetch(config, args)
        if args.images_command == "status":
            return _status(config, args)
        return _prune(config)
    except (ManifestError, ValueError) as exc:
        print(f"newsgen: {exc}", file=sys.stderr)
        return 1


def _fetch(config: SiteConfig, args: argparse.Namespace) -> int:
    limits = FetchLimits(max_bytes=args.max_bytes, deadline=args.deadline)
    options = FetchOptions(every_image=args.all, jobs=args.jobs, retry_failed=args.retry_failed,
                           limits=limits, allowed=parse_allowed(args.allow_host))
    show = ProgressLine() if sys.stderr.isatty() and not args.quiet else None
    try:
        summary = fetch_images(config, options,
                               (lambda done, total: show("images", done, total)) if show else None)
    finally:
        if show is not None:
            show.clear()
    for url, reason in summary.failures:
        print(f"warning: {redact(url)}: {reason}", file=sys.stderr)
    rate = summary.fetched / summary.seconds if summary.seconds else 0.0
    tail = f", {summary.skipped_failed:,} failed before (--retry-failed to retry)" \
        if summary.skipped_failed else ""
    if summary.invalid_seeds:
        tail += f", {summary.invalid_seeds:,} unreadable seeds skipped"
    print(f"Fetched {summary.fetched:,} images ({summary.bytes / 1e6:.1f} MB) in "
          f"{summary.seconds:.2f} s ({rate:.1f}/s); {summary.cached:,} already cached, "
          f"{summary.failed:,} failed{tail}.")
    return 0


def _status(config: SiteConfig, args: argparse.Namespace) -> int:
    status = cache_status(config, args.all)
    states = status.states
    print(f"{status.wanted:,} images wanted: {states['cached']:,} cached, "
          f"{states['missing']:,} missing, {states['failed']:,} failed; "
          f"{status.files:,} files, {status.bytes / 1e6:.1f} MB in "
          f"{config.images.cache_dir}; {status.unused_rows:,} rows no seed uses "
          "(newsgen images prune removes them)")
    return 0


def _prune(config: SiteConfig) -> int:
    rows, files, freed = prune_cache(config)
    print(f"Pruned {rows:,} manifest rows and {files:,} files ({freed / 1e6:.1f} MB).")
    return 0

