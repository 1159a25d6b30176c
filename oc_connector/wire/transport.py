"""HTTP transport: one pooled requests.Session, timeouts, TLS policy, rate limit, retries.

Every answer goes through :func:`~oc_connector.wire.decode.status_error` first: a 429, 5xx or
404 is the same error on the catalog API and the admin channel (the caller names the shop's
version, whose table it is: on OpenCart 4.0 a refused api_token is a 500 or a 404). Safe calls are retried per
:class:`~oc_connector.wire.retry.RetryPolicy`; unsafe calls (writes) are sent once and a transport
failure or 5xx surfaces as :class:`~oc_connector.errors.OutcomeUnknown`.

The session does not read the environment (``trust_env`` off: no ``HTTPS_PROXY``, ``~/.netrc`` or
``REQUESTS_CA_BUNDLE`` lookups): proxies and CA bundles are explicit settings, which the CLI and
the Dagster resources fill from the environment. It also spares a file-system lookup per request.

A ``stateless`` call (the catalog API: the api_token is its only credential, it never needs a
cookie) skips ``requests.Session.request``: no cookie jar, hooks, settings merge or redirect
machinery. When the session's adapter for the shop is requests' own ``HTTPAdapter`` (unpatched),
the request goes straight to the urllib3 connection pool that adapter would pick, chosen once per
transport by the adapter itself (TLS verification, CA bundle, proxy and pool settings are
requests'), sent with the adapter's urllib3 retry setting and a connect/read timeout, and its
urllib3 errors are mapped as requests maps them; about 500 us of CPU less per request than
``requests.get`` (``bench/bench_pull.py --shared-cores``). An adapter mounted by the caller (a
replay, a mock, custom TLS) gets the prepared request through its ``send``. The admin channel,
which lives on its session cookie, keeps the full session path.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast
from urllib.parse import quote_plus, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, RequestEncodingMixin
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import exceptions as u3

from oc_connector._version import __version__
from oc_connector.dialect import ShopVersion
from oc_connector.errors import (
    ConfigurationError,
    ConnectError,
    OpenCartError,
    OutcomeUnknown,
    RateLimitedError,
    ReadTimeout,
    ServerError,
    TLSError,
    TransportError,
    UnexpectedResponseError,
)
from oc_connector.secret import redact
from oc_connector.wire.concurrency import AdaptiveConcurrency
from oc_connector.wire.decode import status_error
from oc_connector.wire.ratelimit import Limiter, RateLimit, shared_limiter
from oc_connector.wire.retry import RetryPolicy

DEFAULT_RATE_LIMIT = RateLimit()
DEFAULT_RETRY = RetryPolicy()

__all__ = ["Timeout", "Transport", "TransportStats", "check_url_security"]

@dataclass(frozen=True)
class Timeout:
    """Connect and read timeouts in seconds."""

    connect: float = 5.0
    read: float = 30.0


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url_security(url: str, *, allow_insecure_http: bool) -> str:
    """Validate and normalise a shop URL.

    Args:
        url: the shop base URL (``https://shop.example/``).
        allow_insecure_http: accept plain http off loopback.

    Returns:
        The URL with a trailing slash and without query/fragment.

    Raises:
        ConfigurationError: not http(s), no host, or plain http to a non-loopback host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"shop URL must be http(s)://host/...: {redact(url)[:80]!r}")
    if scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http:// to the non-loopback host {parts.hostname}: the API key and token "
            "would travel unencrypted; use https://, or set OPENCART_ALLOW_INSECURE_HTTP=1 "
            "(allow_insecure_http=True) if you accept that"
        )
    path = parts.path or "/"
    if not path.endswith("/"):
        path = path.rsplit("/", 1)[0] + "/" if path.endswith(".php") else path + "/"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


@dataclass
class TransportStats:
    """Thread-safe counters of one transport."""

    requests: int = 0
    retries: int = 0
    #: wall time during which at least one request was held by the rate limiter: with several
    #: workers waiting at once, the overlapping waits count once (a summary of a 200 s run never
    #: shows 800 s of waiting)
    rate_limit_wait_s: float = 0.0
    by_route: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _waited_until: float = field(default=0.0, repr=False, compare=False)

    def add_wait(self, start: float, waited: float) -> None:
        """Count a limiter wait from ``start`` (monotonic) lasting ``waited`` s, minus any overlap."""
        with self._lock:
            end = start + waited
            self.rate_limit_wait_s += max(0.0, end - max(start, self._waited_until))
            self._waited_until = max(self._waited_until, end)

    def count(self, route: str) -> None:
        """Count one request on ``route``."""
        with self._lock:
            self.requests += 1
            self.by_route[route] = self.by_route.get(route, 0) + 1

    def add(self, **kwargs: Any) -> None:
        """Add to counters (``route=`` counts one request on that route)."""
        with self._lock:
            route = kwargs.pop("route", None)
            if route is not None:
                self.by_route[route] = self.by_route.get(route, 0) + 1
            for k, v in kwargs.items():
                setattr(self, k, getattr(self, k) + v)

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of the counters."""
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "rate_limit_wait_s": self.rate_limit_wait_s,
                "by_route": dict(self.by_route),
                "errors": self.errors,
            }


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def _connect_reason(exc: BaseException) -> str:
    """The cause of a failed connection in a few whole words ("connection refused", "timed out")."""
    text = redact(str(exc))
    if isinstance(exc, requests.exceptions.ConnectTimeout) or "timed out" in text:
        return "the connection timed out"
    found = _ERRNO.search(text)
    if found:
        return found.group(1).strip().rstrip(".").lower()
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the connection was closed without an answer"
    if "reset" in text.lower():
        return "the connection was reset"
    words = text.split()
    return " ".join(words[:12]) + (" ..." if len(words) > 12 else "") if words else "no details"


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _quoted(text: str, safe: str) -> str:
    return quote_plus(text, safe=safe)


def _encode(values: Any, *, safe: str = "") -> str:
    """A query or form body encoded as requests does (None values dropped, UTF-8).

    A dict of plain strings and ints (every catalog read) is encoded here: requests' encoder
    checks each value against typing protocols, ~100 us per call. ``safe`` characters stay as
    they are: a query keeps the route's ``/`` (RFC 3986 allows it there, PHP decodes either
    form, OpenCart's own admin sends ``route=api/login``), so urllib3 finds no ``%`` in a
    catalog read's target and skips its per-byte re-encoding pass (~6 us per request).
    """
    if type(values) is dict and all(type(v) is str or type(v) is int for v in values.values()):
        # the same text as urlencode(values): ints need no quoting, strings (the route, the token)
        # repeat from call to call and are quoted once
        return "&".join(
            f"{_quoted(k, safe)}={v if type(v) is int else _quoted(v, safe)}" for k, v in values.items()
        )
    encoded: str = cast(Any, RequestEncodingMixin)._encode_params(values)
    return encoded


def _prepared(
    method: str,
    url: str,
    params: Mapping[str, Any] | None,
    data: Any,
    base_headers: Mapping[str, str | bytes],
    headers: Mapping[str, str] | None,
) -> PreparedRequest:
    """The request ``requests`` would prepare for a form or query call, without its generic machinery."""
    prep = PreparedRequest()
    prep.method = method.upper()
    query = _encode(params, safe="/") if params else ""
    prep.url = f"{url}?{query}" if query else url
    merged: CaseInsensitiveDict[str] = CaseInsensitiveDict(cast(Mapping[str, str], base_headers))
    merged.update(headers or {})
    body: str | None = None
    if data:
        body = _encode(data)
        merged.setdefault("Content-Type", "application/x-www-form-urlencoded")
        merged["Content-Length"] = str(len(body.encode("utf-8")))
    elif prep.method not in ("GET", "HEAD"):
        merged["Content-Length"] = "0"
    prep.headers = merged
    prep.body = body
    prep.hooks = {"response": []}
    return prep


def _stock_adapter(adapter: object) -> bool:
    """True for requests' own ``HTTPAdapter`` whose ``send`` no library has patched (a mock)."""
    send = HTTPAdapter.send
    return type(adapter) is HTTPAdapter and getattr(send, "__module__", None) == "requests.adapters"


def _requests_error(exc: Exception, prep: PreparedRequest) -> Exception:
    """The requests exception ``HTTPAdapter.send`` raises for a urllib3 error of ``urlopen``."""
    ex = requests.exceptions
    if isinstance(exc, u3.MaxRetryError):
        reason = exc.reason
        if isinstance(reason, u3.ConnectTimeoutError) and not isinstance(reason, u3.NewConnectionError):
            return ex.ConnectTimeout(exc, request=prep)
        if isinstance(reason, u3.ResponseError):
            return ex.RetryError(exc, request=prep)
        if isinstance(reason, u3.ProxyError):
            return ex.ProxyError(exc, request=prep)
        if isinstance(reason, u3.SSLError):
            return ex.SSLError(exc, request=prep)
        return ex.ConnectionError(exc, request=prep)
    if isinstance(exc, u3.ProxyError):
        return ex.ProxyError(exc)
    if isinstance(exc, u3.SSLError):
        return ex.SSLError(exc, request=prep)
    if isinstance(exc, u3.ReadTimeoutError):
        return ex.ReadTimeout(exc, request=prep)
    if isinstance(exc, (u3.ProtocolError, u3.ClosedPoolError, OSError)):
        return ex.ConnectionError(exc, request=prep)
    return exc


def _body_error(exc: Exception, prep: PreparedRequest) -> Exception:
    """The requests exception reading ``Response.content`` raises for a urllib3 error of ``read``."""
    ex = requests.exceptions
    if isinstance(exc, u3.ProtocolError):
        return ex.ChunkedEncodingError(exc)
    if isinstance(exc, u3.DecodeError):
        return ex.ContentDecodingError(exc)
    if isinstance(exc, u3.ReadTimeoutError):
        return ex.ConnectionError(exc)
    if isinstance(exc, u3.SSLError):
        return ex.SSLError(exc)
    return exc


_U3_ERRORS = (u3.HTTPError, OSError)


class Transport:
    """Sends requests to one shop. See module docstring.

    ``concurrency``: an adaptive limit of the requests in flight, fed each request's latency and
    outcome (5xx, timeouts, resets: overload; 429: throttled); it replaces the fixed
    ``max_concurrency`` (its policy's ``max_limit`` is then the cap). A rate limit, when set,
    still applies on top: the controller can slow a client down, never past its rate.

    ``proxies`` maps a scheme to a proxy URL (``{"https": "http://proxy:3128"}``), as in requests.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: Timeout = Timeout(),
        verify: bool = True,
        ca_bundle: str | None = None,
        allow_insecure_http: bool = False,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        max_concurrency: int = 8,
        retry: RetryPolicy = DEFAULT_RETRY,
        user_agent: str = f"oc-connector/{__version__}",
        proxies: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
        limiter: Limiter | None = None,
        sleep: Callable[[float], None] | None = None,
        concurrency: AdaptiveConcurrency | None = None,
    ) -> None:
        self.base_url = check_url_security(base_url, allow_insecure_http=allow_insecure_http)
        self.timeout = timeout
        self.retry = retry
        self._verify: bool | str = ca_bundle if (verify and ca_bundle) else verify
        self._session = session or requests.Session()
        self._session.trust_env = False
        self._session.proxies = dict(proxies or {})
        self._session.headers["User-Agent"] = user_agent
        parts = urlsplit(self.base_url)
        key = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self._limiter = limiter or (shared_limiter(key, rate_limit) if rate_limit else None)
        self._slots = threading.BoundedSemaphore(max(1, max_concurrency))
        self._concurrency = concurrency
        self._sleep = sleep
        self._netloc = parts.netloc
        self.stats = TransportStats()
        # the lean path's pool: (adapter, pool, full URL in the request line) chosen once
        self._pool: tuple[HTTPAdapter, urllib3.HTTPConnectionPool, bool] | None = None

    def _once(
        self,
        method: str,
        path: str,
        route: str,
        params: Mapping[str, Any] | None,
        data: Any,
        headers: Mapping[str, str] | None,
        allow_redirects: bool,
        stateless: bool = False,
        version: ShopVersion = ShopVersion.V3_0,
    ) -> requests.Response:
        if self._limiter is not None:
            start = time.monotonic()
            waited = self._limiter.acquire()
            if waited:
                self.stats.add_wait(start, waited)
        self.stats.count(route)
        if self._concurrency is None:
            with self._slots:
                return self._exchange(
                    method, path, route, params, data, headers, allow_redirects, stateless, version
                )
        with self._concurrency.slot() as report:
            try:
                resp = self._exchange(
                    method, path, route, params, data, headers, allow_redirects, stateless, version
                )
            except RateLimitedError as exc:
                report("throttled", exc.retry_after)
                raise
            except ServerError as exc:
                report("overload", exc.retry_after)  # 5xx: the shop is past its knee
                raise
            except (ConnectError, ReadTimeout):
                report("overload")  # timeouts and resets: the same
                raise
            return resp

    def _exchange(
        self,
        method: str,
        path: str,
        route: str,
        params: Mapping[str, Any] | None,
        data: Any,
        headers: Mapping[str, str] | None,
        allow_redirects: bool,
        stateless: bool,
        version: ShopVersion,
    ) -> requests.Response:
        """One request and its answer, mapped: a transport failure, 429 or 5xx raise."""
        try:
            url = self.base_url + path.lstrip("/")
            timeout = (self.timeout.connect, self.timeout.read)
            if stateless and not allow_redirects:
                prep = _prepared(method, url, params, data, self._session.headers, headers)
                adapter = self._session.get_adapter(url)
                if _stock_adapter(adapter):
                    resp = self._lean_send(cast(HTTPAdapter, adapter), prep)
                else:
                    proxies = self._session.proxies
                    resp = adapter.send(prep, timeout=timeout, verify=self._verify, proxies=proxies)
                    resp.content  # noqa: B018 - read the body here, where a broken read is mapped
            else:
                resp = self._session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=dict(headers or {}),
                    timeout=timeout,
                    verify=self._verify,
                    allow_redirects=allow_redirects,
                )
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(exc, route) from None
        err = status_error(
            resp.status_code, route=route, body=lambda: resp.text, retry_after=_retry_after(resp),
            version=version,
        )
        if err is not None:
            raise err
        return resp

    def _transport_error(self, exc: requests.exceptions.RequestException, route: str) -> OpenCartError:
        """Our error for a failed exchange (TLS, connect, read timeout, anything else)."""
        if isinstance(exc, requests.exceptions.SSLError):
            return TLSError(f"TLS failure: {redact(str(exc))[:200]}", route=route)
        if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ConnectionError)):
            return ConnectError(
                f"could not connect to {self._netloc}: {_connect_reason(exc)}; "
                f"is the shop running at {self.base_url}?",
                route=route,
            )
        if isinstance(exc, requests.exceptions.Timeout):
            return ReadTimeout(f"no answer in time: {redact(str(exc))[:200]}", route=route)
        return ConnectError(f"request failed: {redact(str(exc))[:200]}", route=route)

    def _lean_pool(
        self, adapter: HTTPAdapter, prep: PreparedRequest
    ) -> tuple[urllib3.HTTPConnectionPool, bool]:
        """The urllib3 pool ``adapter`` sends ``prep`` through, and whether its request line is a full URL."""
        cached = self._pool
        if cached is not None and cached[0] is adapter:
            return cached[1], cached[2]
        proxies = self._session.proxies
        pool = cast(
            urllib3.HTTPConnectionPool,
            adapter.get_connection_with_tls_context(prep, self._verify, proxies=proxies),
        )
        cast(Any, adapter).cert_verify(pool, prep.url, self._verify, None)
        full = adapter.request_url(prep, proxies) == prep.url  # plain http through a proxy
        self._pool = (adapter, pool, full)
        return pool, full

    def _lean_send(self, adapter: HTTPAdapter, prep: PreparedRequest) -> requests.Response:
        """``prep`` sent on the urllib3 pool ``adapter`` would use; a requests Response without cookies."""
        try:
            pool, full = self._lean_pool(adapter, prep)
            answer = pool.urlopen(
                method=cast(str, prep.method),
                url=cast(str, prep.url) if full else prep.path_url,
                body=cast(Any, prep.body),
                headers=cast(Any, prep.headers),
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=adapter.max_retries,
                timeout=urllib3.Timeout(connect=self.timeout.connect, read=self.timeout.read),
                chunked=False,
            )
        except _U3_ERRORS as exc:
            raise _requests_error(exc, prep) from None
        try:
            content = answer.read(decode_content=True)
        except _U3_ERRORS as exc:
            raise _body_error(exc, prep) from None
        finally:
            answer.release_conn()
        resp = requests.Response()
        resp.status_code = answer.status
        resp.headers = CaseInsensitiveDict(cast(Any, answer.headers))
        resp.encoding = get_encoding_from_headers(resp.headers)
        resp.reason = answer.reason or ""
        resp.url = cast(str, prep.url)
        resp.request = prep
        resp.raw = answer
        resp.connection = adapter
        resp._content = content
        cast(Any, resp)._content_consumed = True
        return resp

    def send(
        self,
        method: str,
        path: str,
        *,
        route: str,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        safe: bool,
        allow_redirects: bool = False,
        validate: Callable[[requests.Response], None] | None = None,
        stateless: bool = False,
        version: ShopVersion = ShopVersion.V3_0,
    ) -> requests.Response:
        """Send one request (retried when ``safe``).

        Args:
            method: HTTP method.
            path: path relative to the base URL (``index.php``).
            route: the OpenCart route, for stats and errors.
            params: query parameters.
            data: form body.
            headers: extra headers.
            safe: True when repeating the request is harmless.
            allow_redirects: follow redirects.
            validate: called on each answer inside the retry loop; a retriable error it raises
                (truncated JSON, maintenance page) makes a safe call try again.
            stateless: the call needs no cookie (see the module docstring): the lean path.
            version: the shop's major version, for the status table
                (:func:`~oc_connector.wire.decode.status_error`: on 4.0 a refused api_token is a 500
                or 404, mapped to ``PermissionDenied`` before any retry).

        Returns:
            The raw response (status not 429, 5xx or 404).

        Raises:
            OutcomeUnknown: an unsafe call failed at transport level or got a 5xx.
            TransportError, RateLimitedError, ServerError: a safe call failed after its retries.
            RouteNotFoundError: the shop answered 404 (never retried).
            PermissionDenied: (``version`` 4.0) the shop refused the api_token with a 500 or 404
                page; the route did not run, so a write's outcome is known (not OutcomeUnknown).
        """

        def once() -> requests.Response:
            resp = self._once(method, path, route, params, data, headers, allow_redirects, stateless, version)
            if validate is not None:
                validate(resp)
            return resp

        try:
            if not safe:
                try:
                    return once()
                except (TransportError, ServerError, UnexpectedResponseError) as exc:
                    if isinstance(exc, TLSError):
                        raise
                    raise OutcomeUnknown(
                        f"write to {route} may or may not have been applied: {exc.message}",
                        cause=exc,
                        route=route,
                        status=exc.status,
                    ) from None
            kwargs: dict[str, Any] = {"on_retry": lambda _e: self.stats.add(retries=1)}
            if self._sleep is not None:
                kwargs["sleep"] = self._sleep
            return self.retry.run(once, **kwargs)
        except OpenCartError:
            self.stats.add(errors=1)
            raise

    @property
    def concurrency(self) -> AdaptiveConcurrency | None:
        """The adaptive in-flight limit, if this transport has one."""
        return self._concurrency

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool = None
        self._session.close()
