"""OpenCartClient: the catalog API (``index.php?route=api/...``) with token lifecycle.

One transport (pooled session, limiter, retries) per client; the api_token is obtained lazily under
a lock and shared by all threads; it is renewed proactively after ``token_max_idle`` seconds idle and
reactively when a route answers the permission error (the shop deleted the session: idle purge, an
admin, another client's cleanup). The refused call did not run on the shop, so it is sent again on
the renewed token, writes included. Only one thread renews; the others reuse the renewed token.

Two bounds keep a shop that never keeps its sessions from causing a login loop:

- ``token_renewals``: renewals one call may go through before it raises ``PermissionDenied``;
- ``dead_tokens``: fresh tokens in a row refused before they served a single answer; then every
  call stops with ``PermissionDenied`` saying so (a token that served an answer resets the count).

A revoked IP or a disabled API user shows at the renewal: the login itself fails
(``IPNotAllowedError`` / ``AuthenticationError``), which is raised as it is, never retried. A cart
session (``stateful``) never re-logs in silently: its cart lives on its token.

The shop's OpenCart version (:attr:`OpenCartClient.version`, :mod:`oc_connector.api.version`) is
configured or detected at the first login, at most one extra request: ``api/login`` first (a 3.0
shop answers it, even to refuse a wrong key), then, only when that is the shop's 404 page,
``api/account/login`` (4.0). On 4.0 the token lifecycle is the same, fed by the 4.0 dialect of
:mod:`oc_connector.wire.decode` (a refused token is a 500 fatal or a 404 page there), the order
writes use the ``api/sale/order.*`` routes, and what 4.0 cannot do through the API (read an order,
a cart session) raises :class:`~oc_connector.errors.UnsupportedOnVersion` before anything is sent.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypedDict

import requests

from oc_connector.api.cart import CartSession
from oc_connector.api.records import Order
from oc_connector.api.version import CART_REFUSED_40, ORDER_READ_REFUSED_40, VersionInfo, parse_version
from oc_connector.dialect import ShopVersion
from oc_connector.errors import (
    APIError,
    PermissionDenied,
    RouteNotFoundError,
    UnexpectedResponseError,
    UnsupportedOnVersion,
)
from oc_connector.secret import Secret, register_secret
from oc_connector.wire.concurrency import AdaptiveConcurrency
from oc_connector.wire.decode import decode_body
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import DEFAULT_RATE_LIMIT, DEFAULT_RETRY, Timeout, Transport

__all__ = ["ClientStats", "OpenCartClient"]

log = logging.getLogger("oc_connector.api.client")
_DEFAULT_TIMEOUT = Timeout()


class ClientStats(TypedDict):
    """Counters of one client (a snapshot)."""

    requests: int
    retries: int
    logins: int
    relogins: int
    rate_limit_wait_s: float
    by_route: dict[str, int]
    errors: int


class _VersionSlot:
    """The version found, shared by a client and the cart sessions made from it."""

    __slots__ = ("info",)

    def __init__(self, info: VersionInfo | None) -> None:
        self.info = info


class OpenCartClient:
    """Client of one shop's catalog API.

    Args:
        base_url: the shop URL (``https://shop.example/``).
        api_key: the API user's key (Admin > System > Users > API).
        api_username: the API user's name.
        credentials_in: send username/key in the login POST body, an ``Authorization: Basic``
            header, or both (OpenCart itself reads the body only; 4.0 needs the username too).
        timeout, verify, ca_bundle, allow_insecure_http, proxies, rate_limit, max_concurrency, retry:
            passed to :class:`~oc_connector.wire.transport.Transport`.
        store_id: the store whose catalog API is called.
        token_max_idle: seconds of idleness after which the token is renewed before use.
        token_renewals: renewals of a refused token one call may go through before it raises.
        dead_tokens: fresh tokens in a row refused before serving any answer, after which calls stop.
        clock: monotonic clock (injectable for tests).
        transport: a ready transport (tests); the URL/TLS settings above are then ignored.
        concurrency: an adaptive in-flight limit for the transport (replaces ``max_concurrency``).
        version: the shop's OpenCart major version (a :class:`~oc_connector.dialect.ShopVersion`,
            or ``"3.0"`` / ``"4.0"``); None (``"auto"``) detects it at the first login.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: Secret | str,
        api_username: str = "Default",
        credentials_in: Literal["body", "header", "both"] = "body",
        timeout: Timeout = _DEFAULT_TIMEOUT,
        verify: bool = True,
        ca_bundle: str | None = None,
        allow_insecure_http: bool = False,
        proxies: Mapping[str, str] | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        max_concurrency: int = 8,
        retry: RetryPolicy = DEFAULT_RETRY,
        store_id: int = 0,
        token_max_idle: float = 20 * 60,
        token_renewals: int = 5,
        dead_tokens: int = 5,
        clock: Callable[[], float] = time.monotonic,
        transport: Transport | None = None,
        concurrency: AdaptiveConcurrency | None = None,
        version: ShopVersion | str | None = None,
    ) -> None:
        configured = parse_version(version, name="version")
        self._found = _VersionSlot(
            None if configured is None else VersionInfo(configured, "configured", "set in the configuration")
        )
        self._key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self.api_username = api_username
        self.credentials_in = credentials_in
        self.store_id = store_id
        self.token_max_idle = token_max_idle
        self.token_renewals = token_renewals
        self.dead_tokens = dead_tokens
        self._clock = clock
        self.transport = transport or Transport(
            base_url,
            timeout=timeout,
            verify=verify,
            ca_bundle=ca_bundle,
            allow_insecure_http=allow_insecure_http,
            proxies=proxies,
            rate_limit=rate_limit,
            max_concurrency=max_concurrency,
            retry=retry,
            concurrency=concurrency,
        )
        self.base_url = self.transport.base_url
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_served = False  # the current token answered at least one call
        self._dead_in_a_row = 0  # fresh tokens refused before serving an answer, in a row
        self._last_used = 0.0
        self.logins = 0
        self.relogins = 0
        # a cart session's state lives on its token: a new token would silently start an empty cart
        self._stateful = False

    def __repr__(self) -> str:
        return f"OpenCartClient({self.base_url!r}, api_username={self.api_username!r})"

    @property
    def stats(self) -> ClientStats:
        """Counters: requests, retries, logins, relogins, rate_limit_wait_s, by_route, errors."""
        snap = self.transport.stats.snapshot()
        return ClientStats(
            requests=snap["requests"],
            retries=snap["retries"],
            logins=self.logins,
            relogins=self.relogins,
            rate_limit_wait_s=snap["rate_limit_wait_s"],
            by_route=snap["by_route"],
            errors=snap["errors"],
        )

    @property
    def concurrency(self) -> AdaptiveConcurrency | None:
        """The transport's adaptive in-flight limit, if it has one."""
        return self.transport.concurrency

    @property
    def version(self) -> ShopVersion | None:
        """The shop's OpenCart major version: configured, or detected at the first login; None before."""
        info = self._found.info
        return None if info is None else info.version

    @property
    def version_info(self) -> VersionInfo | None:
        """The version and how it was found (``.describe()``: ``OpenCart 4.0 (detected: ...)``)."""
        return self._found.info

    def detect_version(self) -> ShopVersion:
        """The shop's version, logging in first if it is not known yet (no request when it is).

        Raises:
            AuthenticationError, IPNotAllowedError: the login was refused; the version is known
                anyway when the refusal came from a login route (:attr:`version`).
            RouteNotFoundError: neither login route exists at the URL.
        """
        info = self._found.info
        if info is None:
            self._current_token()
            info = self._found.info
        assert info is not None  # noqa: S101 - a login that returns has found the version
        return info.version

    # -- token ---------------------------------------------------------------------------------

    def _login_request(self) -> str:
        """Log in on the known version's route, or detect the version with the login (module docstring)."""
        info = self._found.info
        if info is not None:
            try:
                return self._login_on(info.version, detecting=False)
            except RouteNotFoundError as exc:
                if info.source != "configured":
                    raise
                other = ShopVersion.V4_0 if info.version is ShopVersion.V3_0 else ShopVersion.V3_0
                raise RouteNotFoundError(
                    f"{info.version.login_route} answered a 404 page, but the configuration says "
                    f"OpenCart {info.version.value}: is the shop on OpenCart {other.value}? (set "
                    "OPENCART_VERSION=auto to detect it)",
                    route=exc.route,
                    status=exc.status,
                    excerpt=exc.excerpt,
                ) from None
        try:
            return self._login_on(ShopVersion.V3_0, detecting=True)
        except RouteNotFoundError:
            pass  # a 4.0 shop answers api/login with its 404 page
        try:
            return self._login_on(ShopVersion.V4_0, detecting=True)
        except RouteNotFoundError as exc:
            raise RouteNotFoundError(
                "neither api/login (OpenCart 3.0) nor api/account/login (OpenCart 4.0) exists at this URL "
                "(both answered a 404 page): is it an OpenCart shop, and the URL its root?",
                route=exc.route,
                status=exc.status,
                excerpt=exc.excerpt,
            ) from None

    def _found_by(self, version: ShopVersion) -> None:
        """Record the version a login route answered for (detection)."""
        evidence = f"{version.login_route} answered"
        if version is ShopVersion.V4_0:
            evidence += f", {ShopVersion.V3_0.login_route} is a 404 page"
        self._found.info = VersionInfo(version, "detected", evidence)
        log.info("%s runs OpenCart %s", self.base_url, version.value)

    def _login_on(self, version: ShopVersion, *, detecting: bool) -> str:
        route = version.login_route
        form: dict[str, str] = {}
        headers: dict[str, str] = {}
        if self.credentials_in in ("body", "both"):
            form = {"username": self.api_username, "key": self._key.get()}
        if self.credentials_in in ("header", "both"):
            raw = f"{self.api_username}:{self._key.get()}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        resp = self.transport.send(
            "POST",
            "index.php",
            route=route,
            params={"route": route},
            data=form,
            headers=headers,
            safe=True,
            version=version,
        )
        try:
            data = decode_body(route=route, status=resp.status_code, body=resp.text, version=version)
        except APIError:
            if detecting:  # a refusal from the route itself: this is the shop's version
                self._found_by(version)
            raise
        if detecting:
            self._found_by(version)
        token = data.get("api_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedResponseError("login answered without an api_token", route=route)
        register_secret(token)
        if self._stateful and version is ShopVersion.V4_0:
            raise UnsupportedOnVersion(CART_REFUSED_40, version=version.value, route=route)
        self.logins += 1
        log.info("logged in to %s as %s", self.base_url, self.api_username)
        return token

    def login(self) -> None:
        """Log in now (normally lazy) and keep the token."""
        with self._lock:
            self._install(self._login_request())

    def _install(self, token: str) -> str:
        """Make ``token`` the shared token (caller holds the lock); returns it."""
        self._token = token
        self._token_served = False
        self._last_used = self._clock()
        return token

    def _current_token(self) -> str:
        """The token to send: the shared one, or a new login when there is none or it sat idle."""
        with self._lock:
            idle = self._clock() - self._last_used
            if self._token is not None and (idle <= self.token_max_idle or self._stateful):
                return self._token
            if self._token is not None:
                self.relogins += 1
            return self._install(self._login_request())

    def _renew_after_denial(self, refused: str) -> str:
        """A token to send again with after ``refused`` was denied; one login shared by all threads.

        Only the first thread to report ``refused`` logs in; a thread that finds the token already
        replaced reuses the replacement.

        Raises:
            PermissionDenied: ``dead_tokens`` fresh tokens in a row were refused before serving.
        """
        with self._lock:
            if self._token is not None and self._token != refused:
                return self._token  # another thread already renewed it
            if self._token == refused and not self._token_served:
                self._dead_in_a_row += 1
            if self._dead_in_a_row >= self.dead_tokens:
                self._token = None
                raise PermissionDenied(
                    f"the shop refused {self._dead_in_a_row} new api_tokens in a row before they answered "
                    "any call: it does not keep API sessions (check the session storage and the "
                    "api_session table, or a proxy dropping the query string)",
                    route="api/login",
                )
            self.relogins += 1
            log.info("api_token refused on %s; logging in again", self.base_url)
            return self._install(self._login_request())

    def _served(self, token: str) -> None:
        """``token`` got an answer other than the permission error: the shop keeps its session."""
        with self._lock:
            if self._token == token:
                self._token_served = True
                self._dead_in_a_row = 0
                self._last_used = self._clock()

    def _drop(self, refused: str) -> None:
        """Forget ``refused`` (unless already replaced) so the next call logs in afresh."""
        with self._lock:
            if self._token == refused and not self._stateful:
                self._token = None

    # -- calls ---------------------------------------------------------------------------------

    def _send(
        self,
        route: str,
        token: str,
        query: Mapping[str, Any] | None,
        form: Any,
        method: str,
        safe: bool,
    ) -> Any:
        params: dict[str, Any] = {"route": route, "api_token": token}
        if self.store_id:
            params["store_id"] = self.store_id
        params.update(query or {})
        decoded: list[Any] = []

        version = self.version or ShopVersion.V3_0  # known: the token came from a login

        def validate(resp: requests.Response) -> None:
            decoded[:] = [decode_body(route=route, status=resp.status_code, body=resp.text, version=version)]

        self.transport.send(
            method, "index.php", route=route, params=params, data=form, safe=safe, validate=validate,
            stateless=True, version=version,
        )
        return decoded[0]

    def call(
        self,
        route: str,
        *,
        query: Mapping[str, Any] | None = None,
        form: Any = None,
        method: str = "POST",
        safe: bool,
    ) -> Any:
        """Call one api/* route with the shared token.

        Args:
            route: ``api/order/info``.
            query: query parameters besides route/api_token.
            form: POST body fields (a mapping or a list of pairs for bracket syntax).
            method: HTTP method.
            safe: True when repeating the call is harmless (retried); False for writes.

        Returns:
            The decoded JSON.

        Raises:
            PermissionDenied: the token was still refused after ``token_renewals`` renewals (it is
                then dropped: the next call logs in afresh), ``dead_tokens`` new tokens in a row were
                refused, or a cart session's token was refused (never renewed silently).
            IPNotAllowedError, AuthenticationError: a renewal's login failed (IP revoked, user
                disabled or key changed).
        """
        token = self._current_token()
        renewals = 0
        while True:
            try:
                data = self._send(route, token, query, form, method, safe)
            except PermissionDenied:
                if self._stateful:
                    raise  # a cart session's cart lives on its token: never silently replace it
                if renewals >= self.token_renewals:
                    self._drop(token)
                    raise
                renewals += 1
                token = self._renew_after_denial(token)
            except APIError:
                self._served(token)  # the shop answered on this token (not found, validation...)
                raise
            else:
                self._served(token)
                return data

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        """The ``order`` object of ``api/order/info`` as the shop sent it (strings).

        Raises:
            NotFoundError: "Order could not be found!".
            UnsupportedOnVersion: the shop runs OpenCart 4.0, which has no API route that reads an
                order (nothing is sent but the login that finds the version).
        """
        if self.detect_version() is ShopVersion.V4_0:
            raise UnsupportedOnVersion(ORDER_READ_REFUSED_40, version="4.0", route="api/order/info")
        data = self.call("api/order/info", query={"order_id": int(order_id)}, method="GET", safe=True)
        order = data.get("order") if isinstance(data, dict) else None
        if not isinstance(order, dict):
            raise UnexpectedResponseError("order/info answered without an order", route="api/order/info")
        return order

    def order_info(self, order_id: int) -> Order:
        """The order as a typed :class:`~oc_connector.api.records.Order` (3.0 only, see order_info_raw)."""
        return Order.from_api(self.order_info_raw(order_id))

    def add_order_history(
        self,
        order_id: int,
        *,
        order_status_id: int,
        comment: str = "",
        notify: bool = False,
        override: bool = False,
    ) -> None:
        """Add a history entry (and set the status). Never retried: OutcomeUnknown on failure.

        3.0: ``api/order/history`` with ``order_id`` in the query. 4.0: ``api/sale/order.addHistory``
        with ``order_id`` in the POST body (the only place it reads it) and, as always here,
        ``order_status_id`` (4.0 sets status 0 when it is missing).

        Raises:
            NotFoundError: "Order could not be found!".
        """
        form = {
            "order_status_id": str(int(order_status_id)),
            "comment": comment,
            "notify": "1" if notify else "0",
            "override": "1" if override else "0",
        }
        if self.detect_version() is ShopVersion.V4_0:
            self.call("api/sale/order.addHistory", form={"order_id": str(int(order_id)), **form}, safe=False)
            return
        self.call("api/order/history", query={"order_id": int(order_id)}, form=form, safe=False)

    def delete_order(self, order_id: int) -> None:
        """Delete an order. Never retried: OutcomeUnknown on failure.

        3.0: ``api/order/delete``; "Order could not be found!" is a :class:`NotFoundError`.
        4.0: ``api/sale/order.delete`` (``order_id`` in the query), which answers success for any
        id, unknown or already deleted ones included: success does not prove an order was deleted
        (look in the admin order list).
        """
        route = "api/sale/order.delete" if self.detect_version() is ShopVersion.V4_0 else "api/order/delete"
        self.call(route, query={"order_id": int(order_id)}, safe=False)

    def session(self) -> CartSession:
        """A new cart/checkout session with its own login and token (same transport).

        Raises:
            UnsupportedOnVersion: the shop runs OpenCart 4.0 (the reason is in the message: its
                order writes cannot be made exactly once through the API). When the version is not
                known yet, the session's first call finds it at its login and raises this.
        """
        if self.version is ShopVersion.V4_0:
            raise UnsupportedOnVersion(CART_REFUSED_40, version="4.0")
        other = OpenCartClient.__new__(OpenCartClient)
        other.__dict__.update(self.__dict__)
        other._lock = threading.Lock()
        other._token = None
        other._last_used = 0.0
        other._stateful = True
        return CartSession(other)

    def close(self) -> None:
        """Close the transport."""
        self.transport.close()

    def __enter__(self) -> OpenCartClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
