"""Fetching from the open web without letting a page hurt the analyst's machine.

Every collector (feeds, web pages, robots.txt) goes through `Fetcher.fetch`, so
the rules are in one place:

- timeouts on connect and between bytes, and a deadline for the whole body
  (a server that trickles one byte a second must not hold a poll forever);
- a size cap, checked against Content-Length before reading and counted while
  streaming (decompressed), so a 5 GB answer costs nothing;
- redirects followed by hand, at most `max_redirects`, each hop re-checked;
- SSRF protection: the host is resolved and refused when any address is
  loopback, private, link-local (cloud metadata lives there), reserved or
  multicast, unless the user allowed that host by name; the connection then
  goes to the address that was checked, so DNS cannot answer differently
  between the check and the request;
- a clear User-Agent, a minimum interval between requests to one host, and
  robots.txt honoured unless the source says otherwise, each site's rules
  re-read daily (a monitor running for weeks), and kept between runs in a
  `RobotsCache` when one is given (cron runs of `watch --once`).

Refusals (policy) and failures (network, HTTP errors) are separate types: the
monitor retries failures with back-off and reports refusals as they are.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from frameline import __version__
from frameline.sources.robots_cache import MISSING, ROBOTS_TTL_S, RobotsCache

USER_AGENT = f"Frameline/{__version__} (open-source research collector; +https://frameline.invalid/collector)"
ROBOTS_AGENT = "Frameline"
MEGABYTE = 1024 * 1024
ROBOTS_MAX_BYTES = 512 * 1024
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# 100.64/10 (carrier-grade NAT) is not "private" to the ipaddress module but is never a public site.
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class FetchError(Exception):
    """A URL that could not be fetched; `reason` says why in words an analyst can act on."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class FetchRefused(FetchError):
    """Our own rules said no (address, robots.txt, size, redirects, scheme): retrying will not help."""


class FetchFailed(FetchError):
    """The network or the server failed (timeout, HTTP error, reset): worth retrying later."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(url, reason)


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 120.0
    max_bytes: int = 20 * MEGABYTE
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    min_interval: float = 1.0  # seconds between two requests to the same host
    respect_robots: bool = True
    allow_hosts: frozenset[str] = frozenset()  # host names or addresses exempt from the address check
    ca_file: str | None = None  # extra certificate authorities (an intranet's), instead of the public ones

    @classmethod
    def allowing(cls, hosts: Iterable[str], **changes: object) -> FetchPolicy:
        return cls(allow_hosts=frozenset(h.strip().lower().strip("[]") for h in hosts if h.strip()), **changes)


@dataclass
class FetchResult:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    content: bytes
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the server declared, if any (None is common and means: look inside)."""
        for parameter in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address must not be fetched from, or None for an ordinary public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for test, kind in ((address.is_unspecified, "an unspecified"), (address.is_loopback, "a loopback"),
                       (address.is_link_local, "a link-local"), (address.is_private, "a private"),
                       (address.is_multicast, "a multicast"), (address.is_reserved, "a reserved")):
        if test:
            return f"{kind} address"
    if isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE:
        return "a shared (carrier NAT) address"
    return None


def _ascii_host(url: str, host: str) -> str:
    """The host as DNS and the Host header need it: internationalised names (Arabic ones too) in IDNA."""
    try:
        return host.lower().encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError as error:
        raise FetchRefused(url, f"the host name {host!r} is not a valid domain name: {error}") from error


class Fetcher:
    """One HTTP client with the rules above; reuse it for a whole import or monitor cycle."""

    def __init__(self, policy: FetchPolicy | None = None, robots_cache: RobotsCache | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.robots_cache = robots_cache
        timeout = httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout)
        # No kept-alive connections: they are pooled by address, and a TLS connection verified for one
        # host must not carry a request for another host on the same address (a CDN).
        verify = ssl.create_default_context(cafile=self.policy.ca_file) if self.policy.ca_file else True
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=verify,
                                    limits=httpx.Limits(max_keepalive_connections=0),
                                    headers={"User-Agent": self.policy.user_agent})
        self._next_turn: dict[str, float] = {}
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}  # origin -> (fetched at, rules)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              accept: str | None = None, max_bytes: int | None = None, robots: bool | None = None) -> FetchResult:
        """GET `url` under the policy; a 304 answer comes back as a result with `not_modified`."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        check_robots = self.policy.respect_robots if robots is None else robots
        current, chain = url, []
        for _ in range(self.policy.max_redirects + 1):
            target = self._target(current)  # refuse a bad address before asking it for robots.txt
            if check_robots:
                self._check_robots(current)
            result = self._get_once(current, target, headers, max_bytes or self.policy.max_bytes)
            if result.status in REDIRECT_STATUSES and result.headers.get("location"):
                chain.append(current)
                current = urljoin(current, result.headers["location"])
                continue
            result.redirects = chain
            if result.status >= 400:
                raise FetchFailed(current, f"the server answered HTTP {result.status}", status=result.status)
            return result
        raise FetchRefused(url, f"more than {self.policy.max_redirects} redirects ({' -> '.join(chain[:8])} ...)")

    # -- one request ------------------------------------------------------------

    def _target(self, url: str) -> str:
        """The URL to request: the same, with the host replaced by the address that passed the checks."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchRefused(url, f"only http and https URLs are fetched, not {parts.scheme or 'a bare path'!r}")
        if not parts.hostname:
            raise FetchRefused(url, "the URL has no host")
        if parts.username or parts.password:
            raise FetchRefused(url, "URLs with credentials in them are not fetched")
        host = _ascii_host(url, parts.hostname)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            raise FetchRefused(url, f"bad port: {error}") from error
        address = self._checked_address(url, host, port)
        # Connect to the address we checked; Host and TLS SNI still name the host.
        netloc = f"[{address}]" if ":" in address else address
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))

    def _get_once(self, url: str, pinned: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        parts = urlsplit(url)
        host = _ascii_host(url, parts.hostname or "")
        self._wait_turn(host)
        netloc = f"[{host}]" if ":" in host else host
        request_headers = {**headers, "Host": f"{netloc}:{parts.port}" if parts.port else netloc}
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        deadline = time.monotonic() + self.policy.total_timeout
        try:
            with self._client.stream("GET", pinned, headers=request_headers, extensions=extensions) as response:
                return self._read(url, response, max_bytes, deadline)
        except httpx.TimeoutException as error:
            raise FetchFailed(url, f"timed out ({type(error).__name__}: no answer within "
                                   f"{self.policy.read_timeout:g} s)") from error
        except httpx.HTTPError as error:
            raise FetchFailed(url, f"network error: {type(error).__name__}: {error}") from error

    def _read(self, url: str, response: httpx.Response, max_bytes: int, deadline: float) -> FetchResult:
        if response.status_code in REDIRECT_STATUSES or response.status_code == 304 or response.status_code >= 400:
            return FetchResult(url, response.status_code, response.headers, b"")
        announced = response.headers.get("content-length", "").strip()
        if announced.isdigit() and int(announced) > max_bytes:
            raise FetchRefused(url, f"the server announces {int(announced):,} bytes, over the "
                                    f"{max_bytes / MEGABYTE:g} MB limit; nothing was read")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused(url, f"the answer grew past the {max_bytes / MEGABYTE:g} MB limit; stopped reading")
            if time.monotonic() > deadline:
                raise FetchFailed(url, f"the answer took longer than {self.policy.total_timeout:g} s; stopped reading")
            chunks.append(chunk)
        return FetchResult(url, response.status_code, response.headers, b"".join(chunks))

    def _checked_address(self, url: str, host: str, port: int) -> str:
        """The address to connect to, after refusing hosts that resolve somewhere internal."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise FetchFailed(url, f"cannot resolve {host}: {error}") from error
        addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
        addresses.sort(key=lambda address: ":" in address)  # IPv4 first: IPv6 routes are often broken on laptops
        if not addresses:
            raise FetchFailed(url, f"{host} resolves to no address")
        if host.strip("[]") not in self.policy.allow_hosts:
            for address in addresses:
                problem = address_problem(ipaddress.ip_address(address))
                if problem:
                    shown = f"{host} is" if host == address else f"{host} resolves to {address},"
                    raise FetchRefused(url, f"{shown} {problem}; refused to protect internal services "
                                            f"(allow the host explicitly if you mean it)")
        return addresses[0]

    def _wait_turn(self, host: str) -> None:
        now = time.monotonic()
        turn = self._next_turn.get(host, now)
        if turn > now:
            time.sleep(turn - now)
        self._next_turn[host] = max(turn, now) + self.policy.min_interval

    # -- robots.txt -------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return  # _get_once refuses it with the real reason
        origin = f"{parts.scheme}://{parts.netloc}"
        fetched_at, rules = self._robots.get(origin, (None, None))
        if fetched_at is None or not 0 <= time.time() - fetched_at <= ROBOTS_TTL_S:
            fetched_at, rules = self._robots_rules(origin)
            self._robots[origin] = (fetched_at, rules)
        if rules is not None and not rules.can_fetch(ROBOTS_AGENT, url):
            raise FetchRefused(url, f"{origin}/robots.txt disallows it for crawlers "
                                    "(switch robots off for this source if monitoring must ignore it)")

    def _robots_rules(self, origin: str) -> tuple[float, RobotFileParser | None]:
        """The site's rules and when they were fetched: from the cache while fresh, else from the site."""
        cached = self.robots_cache.get(origin) if self.robots_cache is not None else MISSING
        if cached is not MISSING:
            fetched_at, text = cached  # type: ignore[misc]
        else:
            fetched_at, text = time.time(), self._load_robots(origin)
            if self.robots_cache is not None:
                self.robots_cache.put(origin, text, fetched_at)
        if text is None:
            return fetched_at, None
        rules = RobotFileParser(origin + "/robots.txt")
        rules.parse(text.splitlines())
        return fetched_at, rules

    def _load_robots(self, origin: str) -> str | None:
        """The site's robots.txt, None when it has none; a server error is taken as 'keep out for now' (RFC 9309)."""
        robots_url = origin + "/robots.txt"
        try:
            result = self.fetch(robots_url, robots=False, max_bytes=ROBOTS_MAX_BYTES, accept="text/plain")
        except FetchFailed as error:
            if error.status is not None and 400 <= error.status < 500:
                return None
            raise FetchFailed(error.url, f"robots.txt could not be read ({error.reason}); not fetching from "
                                         f"{origin} until it can", status=error.status) from error
        except FetchRefused as error:
            if "over the" in error.reason or "past the" in error.reason:
                return None  # a robots.txt too large to be one
            raise
        return result.content.decode("utf-8", errors="replace")
