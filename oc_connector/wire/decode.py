"""The one response decoder: turns an HTTP answer into data or a typed error.

:func:`status_error` is the one table of HTTP statuses that mean an error whatever the body says
(429, 5xx, 404). The transport applies it to every answer, so the catalog API and the admin HTML
channel turn a status into the same error.

:func:`decode_body` decodes an answer of an api/* route. It tolerates a UTF-8 BOM and PHP
notices/warnings printed before the JSON (it parses from the first ``{`` or ``[`` that yields
valid JSON). Maps ``{"error": ...}`` bodies to the error tree; bodies that carry data besides
``error`` (cart/products stock/minimum warnings) are data.

Both take the shop's ``version`` (default 3.0, whose rules never change with the 4.0 ones). On an
``api/*`` route of an OpenCart 4.0 shop other than its login, a refused token is not JSON:

======================================================  ==========================================
answer                                                  error
======================================================  ==========================================
HTTP 500, PHP fatal ``Session::$session_id must not be  :class:`PermissionDenied` (unknown, expired,
accessed before initialization``                        illegal token; API user disabled; IP removed)
HTTP 500, ``getApiByToken()`` TypeError                 :class:`PermissionDenied` (token not a string)
HTTP 404 storefront page whose echoed request URL has   :class:`PermissionDenied` (no token reached
no ``api_token``                                        the shop)
HTTP 404 otherwise (the token reached the shop)         :class:`RouteNotFoundError` (no such route)
any other 5xx                                           :class:`ServerError` (retried), as on 3.0
======================================================  ==========================================

4.0 login errors are strings: ``Warning: Incorrect API Key!`` is :class:`AuthenticationError`,
``Warning: Your IP X is not allowed ...`` :class:`IPNotAllowedError` with ``ip`` X, and a ``key[]``
array (a PHP TypeError printed with HTTP 200) :class:`AuthenticationError`. Other 4.0 errors are
strings or field maps (``sale/order.confirm`` lists every failing check at once): ``Order could
not be found`` is :class:`NotFoundError`, the rest :class:`ValidationError` with ``fields`` for a map.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

from oc_connector.dialect import ShopVersion
from oc_connector.errors import (
    AuthenticationError,
    IPNotAllowedError,
    NotFoundError,
    PermissionDenied,
    RateLimitedError,
    ResponseError,
    RouteNotFoundError,
    ServerError,
    UnexpectedResponseError,
    ValidationError,
)
from oc_connector.secret import redact

__all__ = ["EMPTY_IS_NOOP", "decode_body", "excerpt", "json_document", "status_error"]

# routes that answer ``[]`` when there was nothing to do (spec section 3)
EMPTY_IS_NOOP = frozenset({"api/cart/add", "api/cart/remove", "api/shipping/address", "api/shipping/method"})
_PERMISSION = "You do not have permission to access the API"
_NOT_FOUND = "Order could not be found"
_IP_RE = re.compile(r"Your IP (\S+?) is not allowed", re.IGNORECASE)
# OpenCart 4.0: what its api/* routes answer to a token they refuse (see the module docstring)
_SESSION_FATAL = "Session::$session_id must not be accessed before initialization"
_TOKEN_NOT_STRING = "getApiByToken(): Argument #1 ($token) must be of type string"  # noqa: S105 - a PHP message
_KEY_NOT_STRING = "login(): Argument #2 ($key) must be of type string"
_LOGIN40 = ShopVersion.V4_0.login_route
_TAG_RE = re.compile(r"<[^>]+>")
_decoder = json.JSONDecoder()


def excerpt(text: str, limit: int = 200) -> str:
    """A short, tag-free, redacted excerpt of a body for error messages."""
    flat = " ".join(_TAG_RE.sub(" ", text).split())
    return redact(flat)[:limit]


def _cut(body: str) -> str | None:
    """The excerpt for an error, computed only when one is raised (it scans the whole body)."""
    return excerpt(body) or None


def _parse_json(text: str) -> Any:
    text = text.lstrip("\ufeff")
    try:
        return orjson.loads(text)  # 3-5x faster than json; NaN, huge ints and the like fall through
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except ValueError:
        pass
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                value, end = _decoder.raw_decode(text, i)
            except ValueError:
                continue
            if not text[end:].strip():
                return value
    raise ValueError("no JSON document in body")


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return "; ".join(f"{k}: {v}" for k, v in error.items())
    return str(error)


def _map_error(route: str, error: Any, status: int, body: str, version: ShopVersion) -> Exception:
    text = _error_text(error)
    common: dict[str, Any] = {"route": route, "status": status, "excerpt": excerpt(body), "error": error}
    if version is ShopVersion.V4_0 and route == _LOGIN40:
        m = _IP_RE.search(text)
        if m:
            return IPNotAllowedError(
                "the shop does not allow this IP address (Admin > System > Users > API > IP Addresses)",
                ip=m.group(1),
                **common,
            )
        return AuthenticationError(
            "login refused: wrong API key or username, or the API user is disabled", **common
        )
    if _PERMISSION in text:
        return PermissionDenied("the shop refused the API token (no permission)", **common)
    if isinstance(error, dict) and "ip" in error:
        m = _IP_RE.search(str(error["ip"]))
        return IPNotAllowedError(
            "the shop does not allow this IP address (Admin > System > Users > API > IP Addresses)",
            ip=m.group(1) if m else None,
            **common,
        )
    if _NOT_FOUND in text:
        return NotFoundError("order could not be found", **common)
    if isinstance(error, dict):
        fields = {str(k): (v if isinstance(v, str) else json.dumps(v)) for k, v in error.items()}
        return ValidationError(f"the shop refused the request: {redact(text)[:200]}", fields=fields, **common)
    return ValidationError(f"the shop refused the request: {redact(text)[:200]}", **common)


def _token_reached_shop(route: str, page: str) -> bool:
    """False when the 4.0 storefront 404 page echoes the request URL without an ``api_token``.

    The page repeats the URL it was asked for (breadcrumb, currency form); a page that does not
    (another theme, a proxy's 404) says nothing, and the token counts as having arrived.
    """
    echoed = re.findall(r"index\.php\?route=" + re.escape(route) + r"((?:&[^\"'\s<>]*)?)[\"'\s<>]", page)
    return not echoed or any("api_token=" in query for query in echoed)


def _refused_token40(status: int, route: str, page: str, common: dict[str, Any]) -> PermissionDenied | None:
    """The token refusal a 4.0 shop's non-JSON answer on an api/* route means, or None."""
    if status >= 500 and _SESSION_FATAL in page:
        return PermissionDenied(
            "the shop refused the API token (unknown or expired, API user disabled, or IP removed from "
            "the allow-list: OpenCart 4.0 answers a PHP fatal error)",
            **common,
        )
    if status >= 500 and _TOKEN_NOT_STRING in page:
        return PermissionDenied("the shop could not read the API token (not a single string)", **common)
    if status == 404 and not _token_reached_shop(route, page):
        return PermissionDenied(
            "no API token reached the shop (OpenCart 4.0 answers its 404 page to an api/* call "
            "without one)",
            **common,
        )
    return None


def status_error(
    status: int,
    *,
    route: str,
    body: Callable[[], str],
    retry_after: float | None = None,
    version: ShopVersion = ShopVersion.V3_0,
) -> ResponseError | None:
    """The error an HTTP status means whatever the body says, or None when the body decides.

    ======  ============================  ====================================================
    status  error                         why
    ======  ============================  ====================================================
    429     :class:`RateLimitedError`     the shop or a proxy throttles (retriable)
    5xx     :class:`ServerError`          PHP fatal, empty 500, proxy 502/503/504 (retriable)
    404     :class:`RouteNotFoundError`   the shop's 404 page: no such route or folder
    ======  ============================  ====================================================

    Args:
        status: the HTTP status.
        route: the OpenCart route, for the error.
        body: returns the body text; called only when the status is an error (for the excerpt).
        retry_after: the ``Retry-After`` seconds, if the answer had one.
        version: the shop's major version; on 4.0 a refused token on an api/* route is a 500 or a
            404 (module docstring), :class:`PermissionDenied` instead.

    Returns:
        The error to raise, or None.
    """
    if status != 429 and status != 404 and status < 500:
        return None
    page = body()
    common: dict[str, Any] = {"route": route, "status": status, "excerpt": _cut(page)}
    if version is ShopVersion.V4_0 and route.startswith("api/") and route != _LOGIN40:
        refused = _refused_token40(status, route, page, common)
        if refused is not None:
            return refused
    if status == 429:
        return RateLimitedError("HTTP 429 Too Many Requests", retry_after=retry_after, **common)
    if status >= 500:
        return ServerError(f"HTTP {status} from the shop", retry_after=retry_after, **common)
    if version is ShopVersion.V4_0:
        return RouteNotFoundError("route not found on this OpenCart 4.0 shop", **common)
    return RouteNotFoundError("route not found (is this an OpenCart 3.0 shop?)", **common)


def decode_body(*, route: str, status: int, body: str, version: ShopVersion = ShopVersion.V3_0) -> Any:
    """Decode one answer of an api/* route.

    Args:
        route: the OpenCart route (``api/order/info``).
        status: HTTP status.
        body: the body text.
        version: the shop's major version (the dialect of its answers).

    Returns:
        The decoded JSON (``None`` for the ``[]`` no-op answers of the routes in EMPTY_IS_NOOP).

    Raises:
        The error of :mod:`oc_connector.errors` that the answer means (for a status, the one of
        :func:`status_error`).
    """
    err = status_error(status, route=route, body=lambda: body, version=version)
    if err is not None:
        raise err
    try:
        data = _parse_json(body)
    except ValueError:
        if version is ShopVersion.V4_0 and route == _LOGIN40 and _KEY_NOT_STRING in body:
            raise AuthenticationError(
                "login refused: the shop could not read the API key (not a single string)",
                route=route,
                status=status,
                excerpt=_cut(body),
            ) from None
        raise UnexpectedResponseError(
            "the shop did not answer JSON", route=route, status=status, excerpt=_cut(body)
        ) from None
    if status >= 400:
        raise UnexpectedResponseError(f"HTTP {status}", route=route, status=status, excerpt=_cut(body))
    if data == []:
        if route == "api/login":
            raise AuthenticationError(
                "login refused: wrong API key or username, or the API user is disabled",
                route=route,
                status=status,
            )
        if route in EMPTY_IS_NOOP:
            return None
        if route == "api/shipping/methods":
            return data
        raise UnexpectedResponseError("the shop answered an empty list", route=route, status=status)
    if isinstance(data, dict) and "error" in data:
        only_error = set(data) <= {"error"}
        err = data["error"]
        if only_error or _PERMISSION in _error_text(err):
            raise _map_error(route, err, status, body, version)
    if not isinstance(data, (dict, list)):
        raise UnexpectedResponseError("unexpected JSON value", route=route, status=status, excerpt=_cut(body))
    return data


def json_document(text: str) -> Any:
    """The JSON document of a body: a UTF-8 BOM and PHP warnings printed before it are skipped.

    Raises:
        ValueError: the body holds no JSON document.
    """
    return _parse_json(text)
