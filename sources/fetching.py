"""Fetch a source's URL without letting it reach anything it should not.

Plain Python (no Django): the caller passes the limits. Only http(s), only hosts on the
source's allow-list (redirects included), a connect and a read timeout, a size cap, an
overall deadline, and no private, loopback, link-local, multicast or reserved address:
every address the name resolves to is checked, and the connection goes to a checked
address (so a DNS answer that changes between check and connect cannot slip through).
Proxies from the environment are ignored for the same reason.

The deadline holds inside a read too: a server that sends one byte every two seconds
never trips the read timeout, so at the deadline a watchdog shuts the connection's
sockets down, which ends any read in progress (TLS included). Name resolution is the
system's and cannot be interrupted; it has its own timeouts.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["FetchError", "FetchResult", "FetchTransientError", "Limits", "fetch"]


class FetchError(Exception):
    """The fetch is refused or failed for good (bad URL, host not allowed, 4xx, too big)."""


class FetchTransientError(FetchError):
    """Worth retrying later: timeout, connection refused or reset, 5xx, 429."""


@dataclass(frozen=True)
class Limits:
    allowed_hosts: tuple[str, ...]
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_bytes: int = 20 * 1024 * 1024
    allow_private: bool = False
    #: Seconds for the whole fetch: connecting, redirects, headers and every byte.
    deadline: float = 60.0


@dataclass
class FetchResult:
    status: int  # 200, or 304 when the cursor's validators say nothing changed
    body: bytes
    etag: str = ""
    last_modified: str = ""
    url: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == a.lower().rstrip(".") for a in allowed)


def check_url(url: str, limits: Limits) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {parts.scheme or '—'!r}")
    if not parts.hostname:
        raise FetchError("URL has no host")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are refused")
    if not _host_allowed(parts.hostname, limits.allowed_hosts):
        raise FetchError(f"host {parts.hostname!r} is not in the source's allowed hosts")


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _Deadline:
    """Shuts down every socket of one fetch when its time is up, ending blocked reads."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._started = time.monotonic()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return max(0.0, self.seconds - (time.monotonic() - self._started))

    def watch(self, sock: socket.socket) -> None:
        # A duplicate of the descriptor: a TLS wrapper detaches the original object,
        # but shutting down either end of the same socket stops both.
        with self._lock:
            self._sockets.append(sock.dup())
            if self.expired:
                self._shutdown(self._sockets[-1])

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def error(self) -> FetchTransientError:
        return FetchTransientError(f"no complete answer within the {self.seconds:g} s deadline")


def _safe_connector(limits: Limits, deadline: _Deadline):
    """A ``socket.create_connection`` replacement that checks every resolved address."""

    def create_connection(address, timeout=None, source_address=None, **kwargs):
        host, port = address
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchTransientError(f"cannot resolve {host!r}: {exc}") from None
        if not limits.allow_private:
            bad = [info[4][0] for info in infos if not _address_allowed(info[4][0])]
            if bad:
                raise FetchError(f"{host!r} resolves to a non-public address ({bad[0]})")
        last: OSError | None = None
        for family, socktype, proto, _, sockaddr in infos:
            if deadline.expired:
                raise deadline.error()
            sock = socket.socket(family, socktype, proto)
            try:
                deadline.watch(sock)
                sock.settimeout(max(0.01, min(limits.connect_timeout, deadline.remaining())))
                sock.connect(sockaddr)
                sock.settimeout(limits.read_timeout)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or OSError(f"cannot connect to {host!r}")

    return create_connection


def _handlers(limits: Limits, deadline: _Deadline) -> list[urllib.request.BaseHandler]:
    connector = _safe_connector(limits, deadline)

    # http.client sets ``_create_connection`` per instance in ``__init__``.
    class _HTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connector

    class _HTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connector

    class _HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_HTTPConnection, req)

    class _HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_HTTPSConnection, req, context=self._context)

    class _Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = 5

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            check_url(newurl, limits)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return [urllib.request.ProxyHandler({}), _HTTPHandler(), _HTTPSHandler(), _Redirects()]


def fetch(url: str, limits: Limits, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET ``url`` within ``limits``; 304 when ``etag``/``last_modified`` still hold."""
    check_url(url, limits)
    with _Deadline(limits.deadline) as deadline:
        try:
            return _fetch(url, limits, deadline, etag=etag, last_modified=last_modified)
        except (FetchError, OSError, http.client.HTTPException):
            if deadline.expired:
                raise deadline.error() from None
            raise


def _fetch(
    url: str, limits: Limits, deadline: _Deadline, *, etag: str, last_modified: str
) -> FetchResult:
    headers = {"User-Agent": "conscript-tracker-ingest/1", "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = urllib.request.OpenerDirector()
    for handler in [*_handlers(limits, deadline), urllib.request.HTTPErrorProcessor()]:
        opener.add_handler(handler)
    opener.add_handler(urllib.request.HTTPDefaultErrorHandler())
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked)
    try:
        with opener.open(request, timeout=limits.read_timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(f"response is {declared} bytes; the limit is {limits.max_bytes}")
            chunks, size = [], 0
            while True:
                chunk = response.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > limits.max_bytes:
                    raise FetchError(f"response exceeds {limits.max_bytes} bytes")
                chunks.append(chunk)
            if deadline.expired:  # the watchdog ended the body: it is incomplete
                raise deadline.error()
            return FetchResult(
                status=response.status,
                body=b"".join(chunks),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
                url=response.geturl(),
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FetchResult(status=304, body=b"", etag=etag, last_modified=last_modified)
        if exc.code >= 500 or exc.code == 429:
            raise FetchTransientError(f"HTTP {exc.code}") from None
        raise FetchError(f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FetchError):
            raise exc.reason from None
        raise FetchTransientError(f"cannot fetch: {exc.reason}") from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        raise FetchTransientError(f"cannot fetch: {exc}") from None
