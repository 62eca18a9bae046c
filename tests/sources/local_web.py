"""A real HTTP server on 127.0.0.1 in a thread, serving what each test puts on it.

Collectors are tested against real sockets, real headers and real redirects;
nothing in the HTTP path is mocked.  A route is a function of the request that
returns (status, headers, body); `body` may be an iterator of chunks to stream,
and a route can sleep to play a slow server.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = tuple[int, dict[str, str], bytes | Iterable[bytes]]
Route = Callable[["Request"], Reply]


@dataclass
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class LocalWeb:
    host: str
    port: int
    scheme: str = "http"
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
              status: int = 200, headers: dict[str, str] | None = None) -> str:
        """Serve a fixed answer at `path`; returns its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        fixed = {"Content-Type": content_type, **(headers or {})} if content_type else dict(headers or {})
        self.routes[path.split("?")[0]] = lambda _request: (status, fixed, data)
        return self.url(path)

    def route(self, path: str, handler: Route) -> str:
        self.routes[path.split("?")[0]] = handler
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for request in self.requests if request.path == path)


def start(site: LocalWeb, tls: ssl.SSLContext | None = None) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
            site.requests.append(request)
            route = site.routes.get(self.path.split("?")[0])
            if route is None:
                status, headers, body = 404, {"Content-Type": "text/plain"}, b"not here"
            else:
                status, headers, body = route(request)
            self.send_response(status)
            chunks = [body] if isinstance(body, bytes) else body
            if isinstance(body, bytes) and not any(k.lower() == "content-length" for k in headers):
                headers = {**headers, "Content-Length": str(len(body))}
            for key, value in headers.items():
                self.send_header(key, value)
            if not any(k.lower() == "content-length" for k in headers):
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                for chunk in chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False  # a test's slow route must not hold up the teardown
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


def running_site(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterable[LocalWeb]:
    """For a pytest fixture: yields a started site (HTTPS with `tls`), stops it afterwards."""
    site = LocalWeb(host, 0, scheme="https" if tls else "http")
    site.routes["/robots.txt"] = lambda _r: (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")
    server, thread = start(site, tls)
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
