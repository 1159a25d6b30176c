"""A lean threaded HTTP/1.1 server (keep-alive) around the sandbox app, with fault injection on the socket."""

from __future__ import annotations

import contextlib
import hashlib
import io
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from oc_connector_sandbox.faults import FaultRule, FaultSchedule
from oc_connector_sandbox.pages import maintenance_page

__all__ = ["SandboxServer"]

PHP_NOTICE = (
    b'<br />\n<b>Warning</b>: Undefined array key "sandbox" in '
    b"/var/www/html/catalog/controller/startup/startup.php on line <b>1</b><br />\n"
)
_REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        env: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                env[name] = value
        return env

    def _serve(self) -> None:
        workers = self.server.workers
        if workers is None:
            self._serve_one()
            return
        with workers:  # like PHP-FPM: at most N requests are worked on, the rest queue
            self._serve_one()

    def _serve_one(self) -> None:
        cpu0 = time.thread_time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = self._environ(body)
        route = dict(parse_qsl(env["QUERY_STRING"])).get("route", "")
        srv = self.server
        rule = srv.faults.pick(route) if srv.faults is not None else None
        kind = rule.kind if rule else None
        if rule is not None and kind in ("latency", "slow"):
            time.sleep(srv.faults.delay(rule) if srv.faults else 0)
        if kind == "reset_before":
            srv.log(route, 0, kind)
            self._reset()
            return
        if kind == "maintenance":
            self._send(
                503,
                [("Content-Type", "text/html; charset=utf-8")],
                maintenance_page(srv.base_url).encode(),
                route,
                kind,
            )
            return
        if kind and kind.startswith("http_") and rule is not None and not rule.after_commit:
            self._error(rule, route)
            return
        if kind == "invalidate_token":
            token = dict(parse_qsl(env["QUERY_STRING"])).get("api_token")
            if token:
                srv.invalidate_token(token)
        status, headers, payload = srv.call_app(env)
        if route in srv.cpu_routes and srv.cpu_s > 0:
            srv.burn(cpu0)
        if kind == "reset_after":
            srv.log(route, status, kind)
            self._reset()
            return
        if kind and kind.startswith("http_") and rule is not None:
            self._error(rule, route)
            return
        if kind == "php_notice" and not payload.startswith(PHP_NOTICE):
            payload = PHP_NOTICE + payload
        if kind == "truncated_json":
            cut = payload[: max(1, len(payload) // 2)]
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            srv.log(route, status, kind)
            self.wfile.write(cut)
            self.wfile.flush()
            self.close_connection = True
            self._reset()
            return
        self._send(status, headers, payload, route, kind)

    def _error(self, rule: FaultRule, route: str) -> None:
        code = int(rule.kind.removeprefix("http_"))
        headers = [("Content-Type", "text/html; charset=utf-8")]
        if rule.retry_after is not None or code == 429:
            headers.append(("Retry-After", str(rule.retry_after if rule.retry_after is not None else 1)))
        body = b"" if code == 500 else f"<html><body><h1>{code} {_REASONS[code]}</h1></body></html>".encode()
        self._send(code, headers, body, route, rule.kind)

    def _send(
        self, status: int, headers: list[tuple[str, str]], body: bytes, route: str, kind: str | None
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.server.log(route, status, kind)  # before the client can see the answer
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.close()


def _no_token(token: str) -> None:
    return None


_BURN = bytes(256 * 1024)


class SandboxServer(ThreadingHTTPServer):
    """Threaded HTTP/1.1 server with keep-alive serving one WSGI app and a fault schedule.

    ``php_workers`` bounds the requests worked on at once (the others wait, as for PHP-FPM's
    workers); ``cpu_ms`` makes each request of ``cpu_routes`` cost that much CPU time in total
    (the app's own work included), spent hashing a buffer, which releases the GIL: like PHP and
    MariaDB, the shop then uses every core, the client's included.
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        *,
        faults: FaultSchedule | None = None,
        log_size: int = 100_000,
        php_workers: int | None = None,
        cpu_ms: float = 0.0,
        cpu_routes: frozenset[str] = frozenset({"api/order/info"}),
    ) -> None:
        super().__init__((host, port), _Handler)
        self.workers = threading.BoundedSemaphore(php_workers) if php_workers else None
        self.cpu_s = cpu_ms / 1000
        self.cpu_routes = cpu_routes
        self.app = app
        self.faults = faults
        self.request_log: deque[tuple[str, int, str | None]] = deque(maxlen=log_size)
        self._log_lock = threading.Lock()
        self.base_url = f"http://{host}:{self.server_address[1]}/"
        self.invalidate_token: Callable[[str], None] = _no_token

    def log(self, route: str, status: int, fault: str | None) -> None:
        """Append one (route, status, fault) entry to the request log."""
        with self._log_lock:
            self.request_log.append((route, status, fault))

    def burn(self, since: float) -> None:
        """Spend CPU on this thread until it has used ``cpu_s`` since ``since`` (thread CPU time)."""
        target = since + self.cpu_s
        digest = hashlib.sha256()
        view = memoryview(_BURN)
        while time.thread_time() < target:
            digest.update(view[: 64 * 1024])  # > 2 KiB: hashlib releases the GIL

    def call_app(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run the WSGI app and collect its answer."""
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, start_response))
        return int(captured["status"].split()[0]), list(captured["headers"]), body
