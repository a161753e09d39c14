"""`newsgen serve`: build, serve the site under its base path, rebuild when a source
changes, and reload open pages once the new build is swapped in whole.

The main thread watches and builds, one build at a time; a burst of changes (an editor's
atomic save, a `git checkout`) becomes one rebuild, and changes made during a build
queue one more. The web server runs on its own thread and only ever reads the output
folder, which a build replaces in one step. A failed build leaves the last good site up
with the errors over every page; nothing a user's files can do stops the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
import socket
import sqlite3
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import TextIO

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application

from generator.build.cache import KeptState
from generator.build.output import OutputError
from generator.build.pipeline import build, find_missing_files, ready_other_tree
from generator.build.result import BuildResult
from generator.config import SiteConfig, load_config
from generator.console import print_problems, summary_line
from generator.content.seeds import SEED_SUFFIXES
from generator.errors import BuildFailed, SourceError, report_order
from generator.images.manifest import MANIFEST_NAME
from generator.render.theme import SHIPPED_STATIC, SHIPPED_TEMPLATES
from generator.serve.watch import ChangeWatcher, WatchRoot
from generator.serve.web import PreviewState, make_app, reload_browsers


@dataclass(frozen=True)
class ServeOptions:
    config_path: Path
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False
    jobs: int | None = None
    seeds_dir: Path | None = None
    output_dir: Path | None = None
    search: bool = True
    future: bool = False
    """Build scheduled stories too, each marked on its page (`--future`)."""


class ServeError(Exception):
    """The server cannot start (the port is taken, the address is not this machine's)."""


def serve(options: ServeOptions, out: TextIO = sys.stdout) -> None:
    """Run until Ctrl-C (or SIGTERM). Raises BuildFailed for a broken `site.toml` at start
    and ServeError when the address cannot be bound."""
    config = _load(options)
    if not _loopback(options.host):
        print(f"warning: serving on {options.host}, not only this machine; the preview "
              "server is for local use, not for publishing a site", file=sys.stderr)
    try:
        sockets = bind_sockets(options.port, options.host)
    except OSError as exc:
        raise ServeError(f"cannot listen on {options.host}:{options.port}: "
                         f"{exc.strerror or exc}") from exc
    port = sockets[0].getsockname()[1]
    state = PreviewState(root=config.build.output_dir, base_path=config.base_path,
                         host_names=_host_names(options.host))
    server = ServerThread(make_app(state), sockets)
    session = _Session(options, config, state, server, out)
    # Ctrl-C and SIGTERM both stop the server cleanly, even where SIGINT was inherited as
    # ignored (a background job of a non-interactive shell).
    _STOPPING.clear()
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        session.run(f"http://{_url_host(options.host)}:{port}{config.base_path}")
    except KeyboardInterrupt:
        print("Stopped.", file=out, flush=True)
    finally:
        session.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


SEARCH_CATCH_UP_AFTER = 1.0
"""Seconds without a change after which `serve` brings the search index up to date."""
CHECK_AFTER = 5.0
"""Seconds without a change after which `serve` looks at every input file once (a build
for changed seeds looks at those alone): what the watcher could not report (a write
through a second name a seed was given meanwhile) is then built."""


class _Session:
    """The watch-and-build loop of one `newsgen serve`."""

    def __init__(self, options: ServeOptions, config: SiteConfig, state: PreviewState,
                 server: ServerThread, out: TextIO) -> None:
        self.options = options
        self.config = config
        self.state = state
        self.server = server
        self.out = out
        self.watcher = _watcher(options.config_path, config)
        self.kept = KeptState()
        """The last build's state, which the next one starts from."""
        self.search_behind = 0
        """Months of the search index that a rebuild left behind its pages."""
        self.unchecked = False
        """Whether a rebuild was made since the last look at every input file."""
        self.shown_early = False
        """Whether this rebuild's site was shown as soon as it went live."""

    def run(self, url: str) -> None:
        self.watcher.start()  # before the first build, so edits made during it are seen
        self.rebuild("first build")
        self.server.start()
        print(f"Serving {url} (Ctrl-C to stop)", file=self.out, flush=True)
        if self.options.open_browser:
            webbrowser.open(url)
        self._ready_other_tree()
        while not _STOPPING.is_set():
            quiet = (SEARCH_CATCH_UP_AFTER if self.search_behind
                     else CHECK_AFTER if self.unchecked else None)
            changed = self.watcher.wait(quiet, stop=_STOPPING)
            if _STOPPING.is_set():
                break
            if changed:
                self.rebuild(_describe(changed, self.config.path.parent), changed)
            elif self.search_behind or self.unchecked:
                self.catch_up()
        raise KeyboardInterrupt  # its own was lost in what the signal interrupted

    def catch_up(self) -> None:
        """What follows once changes stop: a look for every file the output trees should
        hold (a build for a change takes those it left to be there: a tree missing one is
        looked at whole by the next build into it), then a catch-up build, made even if
        nothing changed when the live tree misses a file. A change that comes during the
        look stops it, and both wait for the next quiet time."""
        missing = find_missing_files(self.config, self.kept, self.watcher.pending)
        if missing is None:
            return
        if missing:
            self.rebuild("files missing from the output", catch_up=True, force=True)
        else:
            self.rebuild("a look at every file", catch_up=True)

    def rebuild(self, cause: str, changed: set[Path] | None = None,
                catch_up: bool = False, force: bool = False) -> None:
        """Build, then show the result. A rebuild for a change leaves the months of the
        search index it changed as they were, so that the page reloads sooner; once no
        change has come for a while, a `catch_up` build indexes them and looks at every
        input file (and shows nothing unless it rewrote pages or failed). With `force`, it
        builds and makes the site live even when no input changed."""
        started = time.perf_counter()
        errors: list[SourceError] = []
        result: BuildResult | None = None
        self.shown_early = False
        behind = self.search_behind
        if catch_up:  # tried once; a failure waits for the next change
            self.search_behind, self.unchecked = 0, False
        elif changed is not None:
            self.unchecked = True
        try:
            try:
                if changed and _holds(changed, self.options.config_path.resolve()):
                    self._reload_config()
                self._follow_folders()
            except BaseException:  # the batch is not built: the next build looks at every file
                self.kept.scan = None
                raise
            result = build(self.config, jobs=self.options.jobs, search=self.options.search,
                           kept=self.kept, search_later=changed is not None,
                           on_live=self._show_early if changed is not None else None,
                           changed=changed, force=force)
            self.search_behind = result.search_behind
        except BuildFailed as exc:
            errors = sorted(exc.errors, key=report_order)
            print_problems(exc.errors + exc.warnings)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # a bug in newsgen must not stop the preview either
            traceback.print_exc()
            errors = [SourceError(self.config.path, 0, 0, f"internal error: {exc!r}",
                                  "this is a bug in newsgen", kind="output")]
        seconds = time.perf_counter() - started
        if catch_up and not force and result is not None and \
                not (result.rendered or result.removed):
            if behind:
                print(f"{time.strftime('%H:%M:%S')} search index caught up ({seconds:.2f} s)",
                      file=self.out, flush=True)
            return
        self._show(cause, result, errors, seconds)

    def _show(self, cause: str, result: BuildResult | None, errors: list[SourceError],
              seconds: float) -> None:
        if result is not None and cause == "first build":
            line = summary_line(result)
        else:
            what = (f"{result.rendered:,} pages rewritten, {result.removed:,} removed"
                    + (", search index follows" if result.search_behind else "")
                    if result is not None else f"build failed with {len(errors)} error"
                    f"{'s' if len(errors) != 1 else ''}; {self._fallback()}")
            line = f"{time.strftime('%H:%M:%S')} {cause}: {what} ({seconds:.2f} s)"
        if errors or not self.shown_early:  # shown before it is reported
            shown = [error.format(self.config.path.parent) for error in errors]
            self.server.call(self._publish, shown, wait=True)
        print(line, file=self.out, flush=True)

    def _show_early(self) -> None:
        """The rebuild's site is live: reload the pages now, while the build saves its
        cache."""
        self.shown_early = True
        self.server.call(self._publish, [])

    def _fallback(self) -> str:
        if (self.config.build.output_dir / "index.html").is_file():
            return "still serving the last good build"
        return "nothing to serve until it is fixed"

    def _publish(self, errors: list[str]) -> None:
        """On the server's loop: show the new build (or its errors) and reload the pages."""
        self.state.errors = errors
        self.state.root = self.config.build.output_dir
        self.state.base_path = self.config.base_path
        reload_browsers()

    def _follow_folders(self) -> None:
        """Watch anew when the folders to watch changed: new settings, or a folder that
        appeared (a first template override) or went away."""
        watcher = _watcher(self.options.config_path, self.config)
        if watcher.roots != self.watcher.roots:
            self.watcher.stop()
            self.watcher = watcher
            self.watcher.start()
            # What the old watcher saw but had not handed over is lost: the next build
            # looks at every file.
            self.kept.scan = None

    def _ready_other_tree(self) -> None:
        """Fill the output's other tree now, while the first build is served, rather than
        in the first save's rebuild (`ready_other_tree`). Should that fail, that rebuild
        fills it, as a build always can."""
        try:
            ready_other_tree(self.config, self.kept)
        except (OSError, OutputError, sqlite3.Error) as exc:
            print(f"{time.strftime('%H:%M:%S')} the second output tree is left to the first "
                  f"rebuild: {exc}", file=self.out, flush=True)

    def _reload_config(self) -> None:
        """Take the new settings; a broken site.toml raises BuildFailed and changes nothing."""
        config = _load(self.options)
        self.config = config

    def close(self) -> None:
        self.watcher.stop()
        self.server.stop()


def _load(options: ServeOptions) -> SiteConfig:
    return load_config(options.config_path).with_dirs(
        options.seeds_dir, options.output_dir).with_future(options.future)


def _watcher(config_path: Path, config: SiteConfig) -> ChangeWatcher:
    ignored = [config.build.output_dir, config.build.cache_dir]
    return ChangeWatcher(_watch_roots(config_path, config), ignored)


def _watch_roots(config_path: Path, config: SiteConfig) -> list[WatchRoot]:
    """Seeds, templates (the user's and the shipped), static files, site.toml and the image
    manifest: everything a build reads. Never the output or the caches."""
    folders = [config.build.static_dir, SHIPPED_STATIC, config.build.templates_dir,
               SHIPPED_TEMPLATES]
    roots = [replace(_root(config.build.seeds_dir, SEED_SUFFIXES), standalone=True)]
    roots += [_root(folder) for folder in folders]
    roots.append(WatchRoot(config_path.resolve().parent, config_path.name, standalone=True))
    images = config.images.cache_dir
    roots.append(WatchRoot(images, MANIFEST_NAME) if images.is_dir() else _root(images))
    return sorted(set(roots), key=lambda r: (str(r.folder), r.only or ""))


def _root(folder: Path, suffixes: tuple[str, ...] = ()) -> WatchRoot:
    """The folder, or while it does not exist, its parent for the folder's creation."""
    if folder.is_dir():
        return WatchRoot(folder, suffixes=suffixes)
    return WatchRoot(folder.parent, folder.name)


def _holds(changed: set[Path], path: Path) -> bool:
    """Whether `path` or a folder holding it is among the changed paths (a watcher that
    lost changes reports its folder)."""
    return any(path.is_relative_to(changed_path) for changed_path in changed)


def _describe(changed: set[Path], base: Path) -> str:
    names = sorted(_shown(path, base) for path in changed)
    more = f" and {len(names) - 1:,} more" if len(names) > 1 else ""
    return f"{names[0]}{more} changed"


def _shown(path: Path, base: Path) -> str:
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def _host_names(host: str) -> frozenset[str]:
    """The bound name, when it is one, is a valid `Host` besides localhost and addresses."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return frozenset({host.lower()}) if host else frozenset()
    return frozenset()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


_STOPPING = threading.Event()
"""Set by Ctrl-C and SIGTERM. The handler also raises KeyboardInterrupt, but code it
interrupts may swallow that (a library's cleanup, a finalizer): the loop then still ends
at its next wait, within half a second."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _STOPPING.set()
    raise KeyboardInterrupt


class ServerThread(threading.Thread):
    """Tornado's event loop on its own thread, serving the preview application."""

    def __init__(self, app: Application, sockets: list[socket.socket]) -> None:
        super().__init__(name="newsgen-preview", daemon=True)
        self.app = app
        self.sockets = sockets
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._pending: list[tuple[Callable[..., None], tuple[object, ...]]] = []

    def start(self) -> None:
        super().start()
        self._ready.wait()

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        server = HTTPServer(self.app, xheaders=False)
        server.add_sockets(self.sockets)
        for function, args in self._pending:
            function(*args)
        self._ready.set()
        await self._stop_event.wait()
        server.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.close_all_connections(), timeout=2)

    def call(self, function: Callable[..., None], *args: object, wait: bool = False) -> None:
        """Run `function(*args)` on the server's loop (or when it starts); with `wait`,
        return once it has run there (at most a few seconds later)."""
        if self._loop is None:
            self._pending.append((function, args))
            return
        done = threading.Event()

        def run() -> None:
            try:
                function(*args)
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        if wait:
            done.wait(timeout=5)

    def stop(self) -> None:
        if self._loop is not None and self._stop_event is not None:
            self._loop.call_soon_threadsafe(self._stop_event.set)
            self.join(timeout=5)
        else:
            for sock in self.sockets:
                sock.close()
