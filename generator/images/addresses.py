"""Which URLs and addresses the image fetcher may contact. Pure functions, no I/O.

Only http and https to public addresses: loopback, private, link-local, multicast,
reserved, unspecified and shared (CGNAT) addresses are refused, IPv4-mapped and other
embedded IPv4 forms unwrapped first. `--allow-host HOST:PORT` admits one exact address
and port, for tests and local mirrors; nothing else private gets through.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    """A URL the fetcher may try: its scheme, host (no brackets), port and request path."""

    scheme: str
    host: str
    port: int
    path: str


class Refused(Exception):
    """A URL or address the fetcher must not contact; the message says why."""


def parse_target(url: str) -> Target:
    """The URL's parts, or Refused for anything but a plain http(s) URL."""
    text = url.strip()
    if any(ord(c) < 0x21 or c == "\\" for c in text):
        raise Refused("URL holds spaces, control characters or backslashes")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"malformed URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Refused(f"scheme {scheme or '(none)'!r} is not http or https")
    if parts.username is not None or parts.password is not None:
        raise Refused("URL carries a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("URL has no host")
    try:
        host = host.encode("idna").decode("ascii")  # an internationalised name, as DNS has it
    except UnicodeError:
        raise Refused(f"host {host!r} is not a valid domain name") from None
    # Requests go out in ASCII: other characters are percent-encoded (as UTF-8), while
    # existing escapes and the URL's own punctuation stay as they are.
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return Target(scheme, host, port or DEFAULT_PORTS[scheme], path)


_PATH_SAFE = "/%:@!$&'()*+,;=-._~?"


def refusal(address: str, port: int, allowed: frozenset[tuple[str, int]] = frozenset()
            ) -> str | None:
    """Why `address:port` must not be contacted, or None if it may be."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if (str(ip), port) in allowed:
        return None
    unwrapped = _embedded_ipv4(ip) or ip
    if unwrapped.is_loopback:
        return f"{ip} is a loopback address"
    if unwrapped.is_link_local:
        return f"{ip} is a link-local address"
    if unwrapped.is_multicast:
        return f"{ip} is a multicast address"
    if unwrapped.is_unspecified:
        return f"{ip} is an unspecified address"
    if unwrapped.is_private or _shared(unwrapped) or _site_local(unwrapped):
        return f"{ip} is a private address"
    if unwrapped.is_reserved or not unwrapped.is_global:
        return f"{ip} is a reserved address"
    return None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, -compatible, 6to4 or Teredo IPv6 address."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d, the deprecated compatible form
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _site_local(ip: IPAddress) -> bool:
    """fec0::/10, deprecated but still routed privately on some networks."""
    return isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local


def _shared(ip: IPAddress) -> bool:
    return isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT


_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def parse_allowed(values: list[str]) -> frozenset[tuple[str, int]]:
    """`--allow-host` values (`127.0.0.1:8080`, `[::1]:8080`) as (address, port) pairs."""
    allowed = set()
    for value in values:
        host, _, port = value.rpartition(":")
        host = host.strip("[]")
        try:
            allowed.add((str(ipaddress.ip_address(host)), int(port)))
        except ValueError:
            raise ValueError(f"--allow-host takes ADDRESS:PORT, got {value!r}") from None
    return frozenset(allowed)
