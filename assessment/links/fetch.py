"""Fetching a page a desa gave as evidence, without letting that page reach inside our network or hold a worker.

The rules of a safe fetch, written once (:func:`fetch` applies them; each has a test named after it):

- **Only http and https.** Any other scheme (``file:``, ``ftp:``, ``gopher:``, ``javascript:`` ...) is refused,
  and so is an address carrying a user name or password (a link with credentials in it is a leak, and we never
  send credentials).
- **Resolve first, then check every address.** The host name is resolved and *every* address it resolves to must
  be public: loopback, private (RFC 1918, unique-local ``fc00::/7``), shared/CGNAT (``100.64.0.0/10``, where
  some clouds put their metadata service), link-local (``169.254.0.0/16``, ``fe80::/10``: the cloud-metadata
  address ``169.254.169.254`` is one), multicast, reserved, unspecified and documentation addresses are refused,
  also when written as an IPv4-mapped IPv6 address (``::ffff:127.0.0.1``). One bad address refuses the host: an
  attacker's name that resolves to a public and a private address could otherwise win on the second try.
- **Special-use names are never looked up.** Names under ``localhost``, ``test``, ``example``, ``invalid``,
  ``local``, ``internal``, ``lan``, ``home.arpa`` and ``onion`` (RFC 6761 and their kin) are refused as
  unresolvable without asking any resolver: they cannot name a public site, and the demo's links
  (``*.desa.example``) then never leave the machine, not even as a DNS query.
- **Connect to the address that was checked.** The socket is opened to the checked IP itself (the host name goes
  only in the ``Host`` header and, for https, in SNI and the certificate check), so a name re-resolved between the
  check and the connection (DNS rebinding) cannot point us elsewhere.
- **Redirects are fetched again under the same rules**, at most 5 of them; the 6th is refused.
- **At most 5 MB of body, counted after decompression.** A ``Content-Length`` above the limit is refused before
  reading; otherwise reading stops at the limit. Only ``gzip`` (and ``deflate``) is accepted as encoding, and it
  is decompressed in bounded steps, so a gzip bomb (a few kilobytes inflating to gigabytes) stops at 5 MB too.
- **15 seconds in all**, from the first DNS look-up to the last byte of the last redirect: a watchdog closes the
  connection at the deadline, so a server trickling one byte a second cannot keep a worker, and a name look-up
  that hangs is given up at the deadline too.
- **Nothing of ours is sent:** no cookies, no ``Authorization``, no proxy (environment proxies are ignored), a
  plain ``User-Agent`` naming the system.
- **``LINK_CAPTURE_ALLOW``** (comma-separated host names or CIDR ranges, empty by default) lifts the address
  check for those hosts or addresses. It exists for tests (a local server on 127.0.0.1) and must stay empty in
  production.

A response with an error status (404, 500) is not a refusal: it is returned with its status, for the capture to
say "not found". Everything else that goes wrong raises :class:`FetchRefused` with a :class:`Refusal` reason.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote, urljoin, urlsplit

MAX_REDIRECTS = 5
MAX_BYTES = 5 * 1024 * 1024
TOTAL_SECONDS = 15.0
USER_AGENT = "PenilaianDesaDigital-LinkCapture/1.0 (+evidence archive)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024

AllowedNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]


class Refusal(StrEnum):
    """Why a link could not be fetched (stored with the capture; the operator reads it in words)."""

    scheme = "scheme"
    """Not an http or https address (or one with credentials in it)."""
    address = "address"
    """The host resolves to an address we never contact (loopback, private, link-local, metadata ...)."""
    unresolvable = "unresolvable"
    """The host name does not resolve."""
    unreachable = "unreachable"
    """No connection (refused, reset, TLS failure)."""
    timeout = "timeout"
    """Not finished within the 15 seconds."""
    redirects = "redirects"
    """More than 5 redirects."""
    too_large = "too_large"
    """More than 5 MB (after decompression)."""
    bad_response = "bad_response"
    """Not a valid HTTP response (or an encoding we do not accept)."""


class FetchRefused(Exception):
    """The fetch was refused or failed; ``reason`` says why, ``url`` is the address it stopped at."""

    def __init__(self, reason: Refusal, url: str, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {url} {detail}".strip())
        self.reason = reason
        self.url = url
        self.detail = detail


@dataclass(frozen=True)
class Fetched:
    """What a fetch brought back."""

    url: str
    """The address asked for."""
    final_url: str
    """The address after the redirects."""
    status: int
    media_type: str
    """The content type without its parameters, lower case ("" when none was sent)."""
    charset: str | None
    body: bytes
    """The body after decompression (at most 5 MB)."""
    redirects: tuple[str, ...] = ()
    """Every address redirected to, in order."""
    headers: dict[str, str] = field(default_factory=dict)
    """A few headers worth keeping (Last-Modified, ETag, Server)."""


@dataclass(frozen=True)
class Allow:
    """The ``LINK_CAPTURE_ALLOW`` exceptions: host names and address ranges exempt from the address check."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[AllowedNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str | Iterable[str] | None) -> Allow:
        """``"localhost, 127.0.0.0/8"`` -> an :class:`Allow`; entries that are neither a range nor a name are
        dropped."""
        if text is None:
            return cls()
        parts = text.split(",") if isinstance(text, str) else list(text)
        hosts: set[str] = set()
        networks: list[AllowedNetwork] = []
        for part in (piece.strip().lower() for piece in parts):
            if not part:
                continue
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                hosts.add(part.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def address_allowed(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def forbidden_address(address: IPAddress) -> bool:
    """True for every address a link fetch must never contact (see the module docstring): anything that is not a
    globally routable unicast address, an IPv4-mapped IPv6 address judged by the IPv4 address inside it."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
    )


SPECIAL_USE_SUFFIXES = ("localhost", "test", "example", "invalid", "local", "internal", "lan", "home.arpa", "onion")


def special_use_name(host: str) -> bool:
    """A name under a special-use or private-use top-level domain (never a public site; never looked up)."""
    name = host.lower().rstrip(".")
    return any(name == suffix or name.endswith(f".{suffix}") for suffix in SPECIAL_USE_SUFFIXES)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def _resolve_within(resolve: Resolver, host: str, port: int, seconds: float | None) -> Sequence[str]:
    """``resolve(host, port)``, given up after ``seconds`` (a resolver that hangs must not hold the fetch: the
    look-up goes on in a thread of its own, whose answer is then ignored)."""
    if seconds is None:
        return resolve(host, port)
    answer: list[Sequence[str]] = []
    failure: list[BaseException] = []

    def look_up() -> None:
        try:
            answer.append(resolve(host, port))
        except BaseException as error:  # handed to the waiting thread, which raises it
            failure.append(error)

    thread = threading.Thread(target=look_up, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(max(seconds, 0.0))
    if failure:
        raise failure[0]
    if not answer:
        raise TimeoutError(f"no answer for {host} within the deadline")
    return answer[0]


def checked_addresses(
    host: str, port: int, allow: Allow, resolve: Resolver, url: str, seconds: float | None = None
) -> list[IPAddress]:
    """The addresses to connect to for ``host``, every one of them checked; refuses the whole host when one is
    forbidden (and neither the host nor that address is allowed). The look-up ends after ``seconds``."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    elif special_use_name(host) and not allow.host_allowed(host):
        raise FetchRefused(Refusal.unresolvable, url, "special-use name")
    else:
        try:
            addresses = [
                ipaddress.ip_address(item.split("%", 1)[0]) for item in _resolve_within(resolve, host, port, seconds)
            ]
        except TimeoutError as error:
            raise FetchRefused(Refusal.timeout, url, str(error)) from error
        except (OSError, UnicodeError, ValueError) as error:
            raise FetchRefused(Refusal.unresolvable, url, str(error)) from error
        if not addresses:
            raise FetchRefused(Refusal.unresolvable, url)
    if allow.host_allowed(host):
        return addresses
    for address in addresses:
        if forbidden_address(address) and not allow.address_allowed(address):
            raise FetchRefused(Refusal.address, url, str(address))
    return addresses


class _Deadline:
    """The one deadline of a whole fetch, with a watchdog that closes the connection in hand when it passes."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds
        self.passed = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            self.passed = True
        return max(left, 0.0)

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket = sock
            if self.passed and sock is not None:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            if self._socket is not None:
                self._shut(self._socket)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address, with the host name kept for the ``Host`` header."""

    def __init__(self, host: str, port: int, address: IPAddress, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=max(deadline.remaining(), 0.01))
        self._address = address
        self._deadline = deadline

    def _open(self) -> socket.socket:
        sock = socket.create_connection((str(self._address), self.port), timeout=max(self._deadline.remaining(), 0.01))
        self._deadline.watch(sock)
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """As :class:`_PinnedHTTPConnection`, with TLS checked against the host name (not the address)."""

    def __init__(self, host: str, port: int, address: IPAddress, deadline: _Deadline, context: ssl.SSLContext) -> None:
        super().__init__(host, port, address, deadline)
        self._context = context

    def connect(self) -> None:
        raw = self._open()
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
        self._deadline.watch(self.sock)


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise FetchRefused(Refusal.scheme, url, str(error)) from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(Refusal.scheme, url)
    if parts.username is not None or parts.password is not None:
        raise FetchRefused(Refusal.scheme, url, "credentials in the address")
    try:
        # An internationalised name travels as IDNA (xn--...), in DNS, SNI and the Host header alike.
        host = parts.hostname.encode("idna").decode("ascii") if not parts.hostname.isascii() else parts.hostname
    except UnicodeError as error:
        raise FetchRefused(Refusal.scheme, url, "invalid host name") from error
    # Characters a request line cannot carry (spaces, non-ASCII) are percent-encoded; existing escapes are kept.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path = f"{path}?{quote(parts.query, safe='/%:@!$&()*+,;=?-._~')}"
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _media_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    media, _, rest = value.partition(";")
    charset = None
    for parameter in rest.split(";"):
        name, _, content = parameter.partition("=")
        if name.strip().lower() == "charset" and content.strip():
            charset = content.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _read_body(response: http.client.HTTPResponse, url: str, max_bytes: int) -> bytes:
    """The body, decompressed in bounded steps; refuses past ``max_bytes`` of either the wire or the result."""
    length = response.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise FetchRefused(Refusal.too_large, url, f"Content-Length {length}")
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 47 = 32 + 15: accept a gzip or zlib header, whichever comes.
        inflater: zlib._Decompress | None = zlib.decompressobj(47)
    elif encoding in ("identity", ""):
        inflater = None
    else:
        raise FetchRefused(Refusal.bad_response, url, f"Content-Encoding {encoding}")
    received = 0
    out = bytearray()
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            break
        received += len(chunk)
        if received > max_bytes:
            raise FetchRefused(Refusal.too_large, url)
        if inflater is None:
            out += chunk
        else:
            pending = chunk
            while pending:
                try:
                    # Never more than one byte past the limit per step, however much the chunk would inflate to.
                    out += inflater.decompress(pending, max_bytes + 1 - len(out))
                except zlib.error as error:
                    raise FetchRefused(Refusal.bad_response, url, str(error)) from error
                if len(out) > max_bytes:
                    raise FetchRefused(Refusal.too_large, url, "after decompression")
                pending = inflater.unconsumed_tail
                if pending and len(out) >= max_bytes + 1:
                    raise FetchRefused(Refusal.too_large, url, "after decompression")
        if len(out) > max_bytes:
            raise FetchRefused(Refusal.too_large, url)
    if inflater is not None:
        try:
            out += inflater.flush(max_bytes + 1 - len(out))
        except zlib.error as error:
            raise FetchRefused(Refusal.bad_response, url, str(error)) from error
        if len(out) > max_bytes:
            raise FetchRefused(Refusal.too_large, url, "after decompression")
    return bytes(out)


def _one_request(
    url: str, deadline: _Deadline, allow: Allow, resolve: Resolver, max_bytes: int, context: ssl.SSLContext
) -> tuple[int, http.client.HTTPMessage, bytes]:
    target = _target(url)
    addresses = checked_addresses(target.host, target.port, allow, resolve, url, deadline.remaining())
    last_error: OSError | None = None
    for address in addresses:
        if deadline.remaining() <= 0:
            raise FetchRefused(Refusal.timeout, url)
        connection: _PinnedHTTPConnection
        if target.scheme == "https":
            connection = _PinnedHTTPSConnection(target.host, target.port, address, deadline, context)
        else:
            connection = _PinnedHTTPConnection(target.host, target.port, address, deadline)
        response: http.client.HTTPResponse | None = None
        try:
            try:
                connection.connect()
            except (OSError, ssl.SSLError) as error:
                last_error = error
                continue
            connection.putrequest("GET", target.path, skip_accept_encoding=True)
            connection.putheader("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            connection.putheader("Accept-Encoding", "gzip")
            connection.putheader("User-Agent", USER_AGENT)
            connection.endheaders()
            response = connection.getresponse()
            if response.status in REDIRECT_STATUSES:
                return response.status, response.msg, b""
            body = _read_body(response, url, max_bytes)
            # The watchdog ends a slow body by closing the socket, which reads as an early end of file.
            if deadline.passed:
                raise FetchRefused(Refusal.timeout, url)
            if response.length:
                raise FetchRefused(Refusal.bad_response, url, "body shorter than its Content-Length")
            return response.status, response.msg, body
        except FetchRefused:
            raise
        except (OSError, http.client.HTTPException, ValueError) as error:
            if deadline.passed or isinstance(error, TimeoutError):
                raise FetchRefused(Refusal.timeout, url) from error
            if isinstance(error, OSError) and not isinstance(error, ssl.SSLError):
                raise FetchRefused(Refusal.unreachable, url, str(error)) from error
            raise FetchRefused(Refusal.bad_response, url, str(error)) from error
        finally:
            deadline.watch(None)
            if response is not None:
                response.close()
            connection.close()
    if deadline.passed or isinstance(last_error, TimeoutError):
        raise FetchRefused(Refusal.timeout, url)
    raise FetchRefused(Refusal.unreachable, url, str(last_error or ""))


KEPT_HEADERS = ("Last-Modified", "ETag", "Server")


RESOLVER: Resolver = system_resolver
"""The resolver :func:`fetch` uses when given none (the test suite replaces it with one that never asks DNS)."""


def fetch(
    url: str,
    *,
    allow: Allow | None = None,
    resolve: Resolver | None = None,
    max_redirects: int = MAX_REDIRECTS,
    max_bytes: int = MAX_BYTES,
    seconds: float = TOTAL_SECONDS,
    tls_context: ssl.SSLContext | None = None,
) -> Fetched:
    """GET ``url`` under the rules of the module docstring; the final response, or :class:`FetchRefused`.

    ``resolve`` is the name resolver (:data:`RESOLVER`, the system's, by default; tests give their own to show
    that the checked address is the one connected to).
    """
    allow = allow or Allow()
    resolve = resolve or RESOLVER
    context = tls_context or ssl.create_default_context()
    deadline = _Deadline(seconds)
    redirects: list[str] = []
    current = url.strip()
    try:
        while True:
            status, headers, body = _one_request(current, deadline, allow, resolve, max_bytes, context)
            if status in REDIRECT_STATUSES:
                location = headers.get("Location")
                if not location:
                    raise FetchRefused(Refusal.bad_response, current, "redirect without Location")
                if len(redirects) >= max_redirects:
                    raise FetchRefused(Refusal.redirects, current)
                current = urljoin(current, location.strip())
                redirects.append(current)
                continue
            media_type, charset = _media_type(headers.get("Content-Type"))
            kept = {name: str(headers.get(name)) for name in KEPT_HEADERS if headers.get(name)}
            return Fetched(
                url=url,
                final_url=current,
                status=status,
                media_type=media_type,
                charset=charset,
                body=body,
                redirects=tuple(redirects),
                headers=kept,
            )
    finally:
        deadline.cancel()
