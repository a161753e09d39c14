"""Fetch one URL's bytes under strict limits: the only code in newsgen that opens a connection.

Every hop's host is resolved and every address checked before a socket opens; the
connection then goes to the checked address (so DNS cannot swap it in between). Redirects
are followed by hand, at most `max_redirects`, each one checked again, never from https down
to http. The body is read in pieces against a byte cap (after decompression) and a total
deadline, whatever the headers claim. Network errors and 5xx answers are retried with
backoff inside the deadline; 4xx answers and refusals are not.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urljoin

from generator import __version__
from generator.images.addresses import Refused, Target, parse_target, refusal

USER_AGENT = f"newsgen/{__version__} (image cache; +https://github.com/)"
ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9"
REDIRECTS = (301, 302, 303, 307, 308)
PORTS = (80, 443)
"""Web servers' ports; any other (a database, a mail server) only through --allow-host."""


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 15_000_000
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    deadline: float = 60.0
    """Seconds for the whole fetch of one URL: every hop, retry and byte."""
    max_redirects: int = 5
    attempts: int = 3
    backoff: float = 0.5


@dataclass(frozen=True)
class Fetched:
    final_url: str
    body: bytes
    content_type: str
    etag: str
    last_modified: str


class FetchFailed(Exception):
    """Why a fetch gave up; `retryable` if a later run might succeed (network, 5xx)."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def fetch(url: str, limits: FetchLimits, allowed: frozenset[tuple[str, int]] = frozenset()
          ) -> Fetched:
    """The body at `url`, or FetchFailed."""
    deadline = time.monotonic() + limits.deadline
    for attempt in range(1, limits.attempts + 1):
        try:
            return _fetch_once(url, limits, allowed, deadline)
        except FetchFailed as failed:
            pause = limits.backoff * 2 ** (attempt - 1)
            if (not failed.retryable or attempt == limits.attempts
                    or time.monotonic() + pause >= deadline):
                raise
            time.sleep(pause)
    raise AssertionError("unreachable")


def _fetch_once(url: str, limits: FetchLimits, allowed: frozenset[tuple[str, int]],
                deadline: float) -> Fetched:
    current = url
    for _ in range(limits.max_redirects + 1):
        try:
            target = parse_target(current)
        except Refused as refused:
            raise FetchFailed(f"refused {redact(current)}: {refused}", False) from None
        address = _checked_address(target, allowed, deadline)
        connection = _connect(target, address, limits, deadline)
        # A server can trickle its headers a byte at a time: past the deadline, the socket
        # is shut so whatever read is waiting returns.
        guard = threading.Timer(_left(deadline), _shut, args=(connection,))
        guard.daemon = True
        guard.start()
        try:
            connection.request("GET", target.path, headers={
                "User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "identity"})
            response = connection.getresponse()
            if _past(deadline):  # the guard cut the headers short
                raise FetchFailed(f"took longer than {limits.deadline:g} s", False)
            status = response.status
            if status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchFailed(f"HTTP {status} without a Location", False)
                try:
                    following = urljoin(current, location.strip())
                except ValueError as exc:
                    raise FetchFailed(f"refused redirect to a malformed URL ({exc})",
                                      False) from None
                if current.lower().startswith("https:") and \
                        following.lower().startswith("http:"):
                    raise FetchFailed(f"redirect from https down to http ({redact(following)})",
                                      False)
                current = following
                continue
            if status >= 500:
                raise FetchFailed(f"HTTP {status} from {target.host}", True)
            if status != 200:
                raise FetchFailed(f"HTTP {status} from {target.host}", False)
            body = _read_body(response, connection, limits, deadline)
            if _past(deadline):
                raise FetchFailed(f"took longer than {limits.deadline:g} s", False)
            return Fetched(current, body, response.getheader("Content-Type") or "",
                           response.getheader("ETag") or "",
                           response.getheader("Last-Modified") or "")
        except (OSError, http.client.HTTPException) as exc:
            if _past(deadline):
                raise FetchFailed(f"took longer than {limits.deadline:g} s", False) from None
            raise FetchFailed(_network_reason(exc, deadline), True) from None
        finally:
            guard.cancel()
            connection.close()
    raise FetchFailed(f"more than {limits.max_redirects} redirects", False)


def _checked_address(target: Target, allowed: frozenset[tuple[str, int]],
                     deadline: float) -> str:
    """One address of the host, after every address it resolves to passed the check."""
    try:
        infos = _RESOLVER.submit(socket.getaddrinfo, target.host, target.port,
                                 type=socket.SOCK_STREAM).result(timeout=_left(deadline))
    except FutureTimeout:
        raise FetchFailed(f"looking up {target.host} took too long", True) from None
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(f"cannot resolve {target.host}: {exc}", True) from None
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise FetchFailed(f"{target.host} has no address", True)
    for address in addresses:
        why = refusal(address, target.port, allowed)
        if why is None and target.port not in PORTS and (address, target.port) not in allowed:
            why = f"port {target.port} is not {' or '.join(map(str, PORTS))}"
        if why is not None:
            raise FetchFailed(f"refused {target.host}:{target.port}: {why}", False)
    return addresses[0]


_RESOLVER = ThreadPoolExecutor(4, thread_name_prefix="newsgen-dns")


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to one checked address, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to one checked address; the certificate is checked for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=_TLS)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = _TLS.wrap_socket(raw, server_hostname=self.host)


_TLS = ssl.create_default_context()


def _connect(target: Target, address: str, limits: FetchLimits,
             deadline: float) -> http.client.HTTPConnection:
    timeout = min(limits.connect_timeout, _left(deadline))
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    return kind(target.host, target.port, address, timeout)


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read_body(response: http.client.HTTPResponse, connection: http.client.HTTPConnection,
               limits: FetchLimits, deadline: float) -> bytes:
    cap = limits.max_bytes
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise FetchFailed(f"unsupported Content-Encoding {encoding!r}", False)
    declared = _declared_length(response)
    if declared is not None and declared > cap and encoding == "identity":
        raise FetchFailed(f"Content-Length {declared:,} is over the {cap:,}-byte cap", False)
    # Any zlib or gzip stream (wbits 32 + 15 detects which); its output is capped as it comes.
    decoder = zlib.decompressobj(47) if encoding != "identity" else None
    pieces: list[bytes] = []
    received = decoded = 0
    while True:
        if connection.sock is not None:
            connection.sock.settimeout(min(limits.read_timeout, _left(deadline)))
        data = response.read1(65536)
        if not data:
            break
        received += len(data)
        if decoder is not None:
            try:
                data = decoder.decompress(data, cap + 1 - decoded)
            except zlib.error as exc:
                raise FetchFailed(f"corrupt {encoding} body: {exc}", False) from None
            if decoder.unconsumed_tail:
                decoded = cap + 1
        decoded += len(data)
        if received > cap or decoded > cap:
            raise FetchFailed(f"body is over the {cap:,}-byte cap"
                              + (" after decompression" if decoder is not None else ""), False)
        pieces.append(data)
        if _past(deadline):
            raise FetchFailed(f"took longer than {limits.deadline:g} s", False)
    if declared is not None and received != declared:
        raise FetchFailed(f"body ended after {received:,} of {declared:,} bytes", True)
    if decoder is not None and not decoder.eof:
        raise FetchFailed("compressed body is truncated", True)
    return b"".join(pieces)


def _declared_length(response: http.client.HTTPResponse) -> int | None:
    value = response.getheader("Content-Length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def _network_reason(exc: BaseException, deadline: float) -> str:
    if _past(deadline) or isinstance(exc, TimeoutError):
        return "timed out"
    return f"network error: {exc.__class__.__name__}: {exc}"


def _left(deadline: float) -> float:
    return max(0.01, deadline - time.monotonic())


def _past(deadline: float) -> bool:
    return time.monotonic() >= deadline


def redact(url: str) -> str:
    """The URL without its query, which may hold a token (kept out of logs)."""
    return url.split("?", 1)[0] + ("?…" if "?" in url else "")
