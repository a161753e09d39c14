"""The `newsgen images` subcommands: what each one runs and prints."""

from __future__ import annotations

import argparse
import sys

from generator.config import SiteConfig
from generator.console import progress_line
from generator.images.addresses import parse_allowed
from generator.images.fetch import FetchLimits, redact
from generator.images.manifest import ManifestError
from generator.images.pool import FetchOptions, cache_status, fetch_images, prune_cache


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
    with progress_line(args.quiet) as show:
        summary = fetch_images(config, options,
                               (lambda done, total: show("images", done, total)) if show else None)
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

