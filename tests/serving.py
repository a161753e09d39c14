"""Run `newsgen serve` as a real process for tests: start it on a free port, read its
output lines as they come, and stop it with Ctrl-C (SIGINT) as a user would."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
SERVING = re.compile(r"^Serving (http://\S+) \(Ctrl-C to stop\)$")


class PreviewServer:
    """`newsgen serve --port 0` on a site folder; `url` is where it serves the site."""

    def __init__(self, site: Path, *args: str, start_timeout: float = 60) -> None:
        self.site = site
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT),
               "PYTHONFAULTHANDLER": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--config", str(site / "site.toml"),
             "--port", "0", *args],
            cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        match = SERVING.match(self.wait_for_line(SERVING.pattern, start_timeout))
        assert match is not None
        self.url = match.group(1)
        self.origin = self.url.split("/", 3)[0] + "//" + self.url.split("/", 3)[2]
        self.port = int(self.origin.rsplit(":", 1)[1])

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._new.put(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 30) -> str:
        """The next output line matching `pattern` (a regex), waiting up to `timeout` s."""
        wanted = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line matching {pattern!r} in {timeout} s; output:\n"
                                     + "\n".join(self.lines)) from None
            try:
                line = self._new.get(timeout=min(left, 0.2))
            except queue.Empty:
                if self.process.poll() is not None and self._new.empty():
                    raise AssertionError(f"newsgen serve exited ({self.process.returncode}) "
                                         "with output:\n" + "\n".join(self.lines)) from None
                continue
            self.lines.append(line)
            if wanted.search(line):
                return line

    def rebuild_lines(self) -> list[str]:
        """Every rebuild line printed so far (after the first build)."""
        self.drain()
        return [line for line in self.lines if re.match(r"^\d\d:\d\d:\d\d .* changed", line)]

    def drain(self, settle: float = 0.0) -> None:
        """Collect the lines printed so far, after waiting `settle` seconds."""
        time.sleep(settle)
        while True:
            try:
                self.lines.append(self._new.get_nowait())
            except queue.Empty:
                return

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                # Hung: SIGABRT makes faulthandler print every thread's stack, for the report.
                self.process.send_signal(signal.SIGABRT)
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
                time.sleep(0.2)
                self.drain()
                raise AssertionError("newsgen serve did not stop within 20 s of Ctrl-C:\n"
                                     + "\n".join(self.lines)) from None
        self.drain()
        return self.process.returncode

    def __enter__(self) -> PreviewServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
