"""The connector's error tree: one root, split by what the caller should do.

::

    OpenCartError                      every error this package raises
    ├── ConfigurationError             fix the settings (bad URL, http off loopback, missing value);
    │                                  also a ``ValueError``, as the bad value is an argument
    ├── TransportError                 network-level failure; retriable for safe calls
    │   ├── ConnectError                  could not connect / connection reset
    │   ├── ReadTimeout                   no (complete) answer in time
    │   └── TLSError                      certificate or handshake failure; never retried
    ├── OutcomeUnknown                 a non-idempotent write may or may not have happened:
    │                                  reconcile before sending it again (never retried blindly)
    ├── ResponseError                  the shop answered; the answer is the problem
    │   ├── APIError                      ``{"error": ...}`` from an api/* route
    │   │   ├── AuthenticationError          login refused (wrong key/username, disabled user)
    │   │   ├── IPNotAllowedError            login refused: caller's IP not on the allow-list
    │   │   ├── PermissionDenied             "no permission": token unknown, expired or revoked
    │   │   ├── NotFoundError                the object does not exist (e.g. order not found)
    │   │   └── ValidationError              field errors (``fields`` map) or a refused value
    │   ├── RateLimitedError              HTTP 429; ``retry_after`` seconds when the proxy said so
    │   ├── ServerError                   HTTP 5xx (empty 500, PHP fatal, 502/503/504 from a proxy)
    │   ├── RouteNotFoundError            HTTP 404 HTML page: the route does not exist here
    │   └── UnexpectedResponseError       not JSON / not the expected shape (HTML page, truncated body,
    │                                     maintenance or login page)
    ├── WarehouseError                 the warehouse database cannot be reached (server down, bad login):
    │                                  :func:`oc_connector.warehouse.connect.connect` says so plainly
    ├── AdminError                     the admin (HTML) channel refused or answered oddly
    │   ├── AdminLoginError               wrong admin username/password, or locked out
    │   ├── AdminFormError                a form post came back with field errors / warnings
    │   ├── AdminNotFoundError            "Page Not Found!" for an object id (order deleted or never made)
    │   └── AdminPageError                a page field the connector cannot read (``page``, ``field``):
    │                                     unparsable or ambiguous money, date or count
    ├── SyncLockedError                another sync of the shop (or a backfill of overlapping ids) holds
    │                                  the warehouse lock, or took it over mid-run: run again later
    └── UnsupportedOnVersion           the shop's OpenCart version has no way to do this (``version``):
                                       nothing was sent for it; the message says what to use instead

``SyncLockedError`` sits directly under the root: it is not retriable by the client, only by
running the sync again once the holder has finished. ``UnsupportedOnVersion`` too: no retry or
setting makes the shop's version grow the missing route. ``WarehouseError`` is raised only when
connecting; a database that fails later raises SQLAlchemy's own errors, which are not wrapped.

Every error carries the ``route`` it concerns and a cleaned, secret-free ``excerpt`` of the body.
Texts are redacted before they reach the error (see :mod:`oc_connector.secret`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "AdminError",
    "AdminFormError",
    "AdminLoginError",
    "AdminNotFoundError",
    "AdminPageError",
    "AuthenticationError",
    "ConfigurationError",
    "ConnectError",
    "IPNotAllowedError",
    "NotFoundError",
    "OpenCartError",
    "OutcomeUnknown",
    "PermissionDenied",
    "RateLimitedError",
    "ReadTimeout",
    "ResponseError",
    "RouteNotFoundError",
    "ServerError",
    "SyncLockedError",
    "TLSError",
    "TransportError",
    "UnexpectedResponseError",
    "UnsupportedOnVersion",
    "ValidationError",
    "WarehouseError",
]


class OpenCartError(Exception):
    """Root of every error raised by oc-connector.

    Attributes:
        message: human-readable, secret-free description.
        route: the OpenCart route concerned (``api/order/info``), when there is one.
        status: the HTTP status of the answer, when there was one.
        excerpt: a short, cleaned excerpt of the response body, when there was one.
    """

    retriable: bool = False

    def __init__(
        self,
        message: str,
        *,
        route: str | None = None,
        status: int | None = None,
        excerpt: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.route = route
        self.status = status
        self.excerpt = excerpt

    def __str__(self) -> str:
        parts = [self.message]
        if self.route:
            parts.append(f"[route={self.route}]")
        if self.status is not None:
            parts.append(f"[http={self.status}]")
        if self.excerpt:
            parts.append(f"[body: {self.excerpt}]")
        return " ".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        # keep keyword attributes across pickling (Dagster ships errors between processes)
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[OpenCartError], message: str, state: dict[str, Any]) -> OpenCartError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ConfigurationError(OpenCartError, ValueError):
    """The connector is configured wrongly; nothing was sent. Fix the setting the message names.

    It is also a :class:`ValueError`: the bad value reached the library as an argument, and code
    that guards a call with ``except ValueError`` keeps working.
    """


class WarehouseError(OpenCartError):
    """The warehouse database did not answer or refused the connection (server down, bad login)."""


class TransportError(OpenCartError):
    """The request did not get a complete HTTP answer. Safe calls are retried."""

    retriable = True


class ConnectError(TransportError):
    """Could not connect, or the connection was reset."""


class ReadTimeout(TransportError):
    """The shop did not answer (completely) within the read timeout."""


class TLSError(TransportError):
    """The TLS handshake or certificate check failed. Never retried: fix the certificate or CA bundle."""

    retriable = False


class OutcomeUnknown(OpenCartError):
    """A write that is not safe to repeat failed in a way that leaves its outcome unknown.

    The shop may or may not have applied it. The caller must reconcile (look for the effect)
    before sending it again. ``cause`` is the underlying transport or server error.
    """

    def __init__(self, message: str, *, cause: OpenCartError | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.cause = cause


class ResponseError(OpenCartError):
    """The shop answered, and the answer is an error."""


class APIError(ResponseError):
    """An api/* route answered ``{"error": ...}``.

    Attributes:
        error: the decoded ``error`` value (a string, or a map of field to message).
    """

    def __init__(self, message: str, *, error: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.error = error


class AuthenticationError(APIError):
    """``api/login`` refused the credentials (wrong key or username, or the API user is disabled)."""


class IPNotAllowedError(APIError):
    """``api/login`` refused the caller's IP address.

    Attributes:
        ip: the address the shop saw (add it in Admin > System > Users > API > IP Addresses).
    """

    def __init__(self, message: str, *, ip: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.ip = ip


class PermissionDenied(APIError):
    """"You do not have permission to access the API": the token is unknown, expired or revoked.

    The client logs in again once on its own; this reaches the caller only when a fresh token is
    refused too (IP removed from the allow-list, API user disabled).
    """


class NotFoundError(APIError):
    """The requested object does not exist (``Warning: Order could not be found!``)."""


class ValidationError(APIError):
    """The shop, or the connector before sending, refused a value.

    Attributes:
        fields: map of field name to message (empty when the shop answered a single string).
    """

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.fields: dict[str, str] = dict(fields or {})


class RateLimitedError(ResponseError):
    """HTTP 429. ``retry_after`` is the delay the server asked for, in seconds, when given."""

    retriable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ResponseError):
    """HTTP 5xx: an empty 500 (PHP TypeError), a PHP fatal error, or a proxy's 502/503/504."""

    retriable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RouteNotFoundError(ResponseError):
    """HTTP 404 with the shop's HTML page: the route does not exist (wrong URL or OpenCart version)."""


class UnexpectedResponseError(ResponseError):
    """The body is not the JSON the route answers with (HTML page, truncated JSON, maintenance page)."""

    retriable = True


class AdminError(OpenCartError):
    """The admin HTML channel refused a request or answered with a page the connector cannot read."""


class AdminLoginError(AdminError):
    """Admin login failed: wrong username/password, or the account is locked out for an hour."""


class AdminFormError(AdminError):
    """An admin form post came back with errors.

    Attributes:
        fields: field name to message (``text-danger`` blocks); ``warning``: the ``alert-danger`` text.
    """

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        warning: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.fields: dict[str, str] = dict(fields or {})
        self.warning = warning


class AdminNotFoundError(AdminError):
    """The admin shows "Page Not Found!" for this id: the object was deleted or never existed."""


class AdminPageError(AdminError):
    """A field of an admin page could not be read unambiguously (money, date, count, id).

    Attributes:
        page: the page concerned (``sale/order/info``, ``sale/order``, ...).
        field: the field that could not be read (``total``, ``line 2 price``, ...).
    """

    def __init__(self, message: str, *, page: str, field: str, **kwargs: Any) -> None:
        kwargs.setdefault("route", page)
        super().__init__(f"{page}: {field}: {message}", **kwargs)
        self.page = page
        self.field = field


class SyncLockedError(OpenCartError):
    """The warehouse lock of a sync is held by another run, or was taken over during this one.

    Raised before anything is read when another sync of the shop (or a backfill of overlapping
    ids) kept its lock for the whole wait; the message names the holder and since when. Raised
    inside a batch transaction, which is rolled back, when this run's lock expired and another run
    took it over. Either way nothing inconsistent was committed: run the sync again later.
    """


class UnsupportedOnVersion(OpenCartError):
    """The shop's OpenCart version cannot do this through the channel asked; nothing was sent for it.

    OpenCart 4.0 has no catalog API route that reads an order, and its order writes cannot be made
    exactly once through the API; the message names the way that works (e.g. the admin pages).

    Attributes:
        version: the shop's major version (``"4.0"``).
    """

    def __init__(self, message: str, *, version: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.version = version
