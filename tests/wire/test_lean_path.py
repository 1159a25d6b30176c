"""The stateless (catalog) path on urllib3: same answers, TLS, CA bundle, timeouts, proxies, errors.

Real sockets on 127.0.0.1: a one-answer HTTP server, a TLS listener with a self-signed certificate,
a listener that never answers, and a forward proxy that records its request lines.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from oc_connector.errors import ConnectError, ReadTimeout, TLSError
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Timeout, Transport

ONCE = RetryPolicy(max_attempts=1, initial_backoff=0.0, jitter=0.0)
BODY = b'{"order":{"order_id":"7","firstname":"R\xc3\xa9my"}}'
PARAMS = {"route": "api/order/info", "api_token": "tok en&1", "order_id": 7}


class _Server:
    """Accepts connections on 127.0.0.1; ``handle`` gets each socket; records what was received."""

    def __init__(self, handle: str, context: ssl.SSLContext | None = None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.context = context
        self.requests: list[bytes] = []
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            try:
                if self.context is not None:
                    conn = self.context.wrap_socket(conn, server_side=True)
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                self.requests.append(head)
                if self.handle == "answer":
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(BODY), BODY)
                    )
                elif self.handle == "silent":
                    self._stop.wait(5)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def answering() -> Iterator[_Server]:
    server = _Server("answer")
    yield server
    server.stop()


def _read(transport: Transport) -> requests.Response:
    try:
        return transport.send("GET", "index.php", route="api/order/info", params=PARAMS, safe=True,
                              stateless=True)
    finally:
        transport.close()


class _MountedAdapter(requests.adapters.HTTPAdapter):
    """A caller's own adapter: the transport must hand it the request (no lean path)."""

    sent = 0

    def send(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
        type(self).sent += 1
        return super().send(*args, **kwargs)  # type: ignore[arg-type]


def test_lean_answer_equals_the_adapter_answer(answering: _Server) -> None:
    url = f"http://127.0.0.1:{answering.port}/"
    lean = _read(Transport(url, rate_limit=None, retry=ONCE))
    session = requests.Session()
    session.mount(url, _MountedAdapter())
    mounted = _read(Transport(url, rate_limit=None, retry=ONCE, session=session))
    assert _MountedAdapter.sent == 1
    assert (lean.status_code, lean.content, lean.text, lean.encoding) == (
        mounted.status_code, mounted.content, mounted.text, mounted.encoding
    )
    assert lean.json() == {"order": {"order_id": "7", "firstname": "Rémy"}}
    assert lean.headers["content-type"] == "application/json; charset=utf-8"
    lean_line, mounted_line = (r.split(b"\r\n", 1)[0] for r in answering.requests)
    query = b"route=api/order/info&api_token=tok+en%261&order_id=7"
    assert lean_line == mounted_line == b"GET /index.php?" + query + b" HTTP/1.1"
    lean_headers = answering.requests[0].lower()
    assert b"user-agent: oc-connector/" in lean_headers and b"accept-encoding: gzip" in lean_headers


def test_plain_http_through_a_proxy_sends_the_full_url(answering: _Server) -> None:
    shop = "http://shop.invalid/"
    proxy = f"http://127.0.0.1:{answering.port}"
    resp = _read(Transport(shop, allow_insecure_http=True, rate_limit=None, retry=ONCE,
                           proxies={"http": proxy}))
    assert resp.status_code == 200
    assert answering.requests[0].startswith(b"GET http://shop.invalid/index.php?route=api/order/info&")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_an_untrusted_certificate_is_a_tls_error_and_a_ca_bundle_trusts_it(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = _Server("answer", context)
    try:
        url = f"https://127.0.0.1:{server.port}/"
        with pytest.raises(TLSError) as info:
            _read(Transport(url, rate_limit=None, retry=ONCE))
        assert "SSLCertVerificationError" in str(info.value)
        assert "tok+en" not in str(info.value) and "api_token=***" in str(info.value)
        trusted = _read(Transport(url, rate_limit=None, retry=ONCE, ca_bundle=str(cert)))
        assert trusted.json()["order"]["order_id"] == "7"
    finally:
        server.stop()


def test_a_refused_connection_is_a_connect_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(ConnectError) as info:
        _read(Transport(f"http://127.0.0.1:{port}/", rate_limit=None, retry=ONCE))
    assert "connection refused" in str(info.value)


def test_a_shop_that_never_answers_is_a_read_timeout() -> None:
    server = _Server("silent")
    try:
        transport = Transport(f"http://127.0.0.1:{server.port}/", rate_limit=None, retry=ONCE,
                              timeout=Timeout(connect=5.0, read=0.3))
        with pytest.raises(ReadTimeout) as info:
            _read(transport)
        assert "tok en" not in str(info.value) and "tok+en" not in str(info.value)
    finally:
        server.stop()
