"""The one response decoder: turns an HTTP answer into data or a typed error.

:func:`status_error` is the one table of HTTP statuses that mean an error whatever the body says
(429, 5xx, 404). The transport applies it to every answer, so the catalog API and the admin HTML
channel turn a status into the same error.

:func:`decode_body` decodes an answer of an api/* route. It tolerates a UTF-8 BOM and PHP
notices/warnings printed before the JSON (it parses from the first ``{`` or ``[`` that yields
valid JSON). Maps ``{"error": ...}`` bodies to the error tree; bodies that carry data besides
``error`` (cart/products stock/minimum warnings) are data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

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


def _map_error(route: str, error: Any, status: int, body: str) -> Exception:
    text = _error_text(error)
    common: dict[str, Any] = {"route": route, "status": status, "excerpt": excerpt(body), "error": error}
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


def status_error(
    status: int, *, route: str, body: Callable[[], str], retry_after: float | None = None
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

    Returns:
        The error to raise, or None.
    """
    if status != 429 and status != 404 and status < 500:
        return None
    common: dict[str, Any] = {"route": route, "status": status, "excerpt": _cut(body())}
    if status == 429:
        return RateLimitedError("HTTP 429 Too Many Requests", retry_after=retry_after, **common)
    if status >= 500:
        return ServerError(f"HTTP {status} from the shop", retry_after=retry_after, **common)
    return RouteNotFoundError("route not found (is this an OpenCart 3.0 shop?)", **common)


def decode_body(*, route: str, status: int, body: str) -> Any:
    """Decode one answer of an api/* route.

    Args:
        route: the OpenCart route (``api/order/info``).
        status: HTTP status.
        body: the body text.

    Returns:
        The decoded JSON (``None`` for the ``[]`` no-op answers of the routes in EMPTY_IS_NOOP).

    Raises:
        The error of :mod:`oc_connector.errors` that the answer means (for a status, the one of
        :func:`status_error`).
    """
    err = status_error(status, route=route, body=lambda: body)
    if err is not None:
        raise err
    try:
        data = _parse_json(body)
    except ValueError:
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
            raise _map_error(route, err, status, body)
    if not isinstance(data, (dict, list)):
        raise UnexpectedResponseError("unexpected JSON value", route=route, status=status, excerpt=_cut(body))
    return data


def json_document(text: str) -> Any:
    """The JSON document of a body: a UTF-8 BOM and PHP warnings printed before it are skipped.

    Raises:
        ValueError: the body holds no JSON document.
    """
    return _parse_json(text)
