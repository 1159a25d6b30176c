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
from oc_connector.errors import APIError, PermissionDenied, UnexpectedResponseError
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


class OpenCartClient:
    """Client of one shop's catalog API.

    Args:
        base_url: the shop URL (``https://shop.example/``).
        api_key: the API user's key (Admin > System > Users > API).
        api_username: the API user's name.
        credentials_in: send username/key in the login POST body, an ``Authorization: Basic``
            header, or both.
        timeout, verify, ca_bundle, allow_insecure_http, proxies, rate_limit, max_concurrency, retry:
            passed to :class:`~oc_connector.wire.transport.Transport`.
        store_id: the store whose catalog API is called.
        token_max_idle: seconds of idleness after which the token is renewed before use.
        token_renewals: renewals of a refused token one call may go through before it raises.
        dead_tokens: fresh tokens in a row refused before serving any answer, after which calls stop.
        clock: monotonic clock (injectable for tests).
        transport: a ready transport (tests); the URL/TLS settings above are then ignored.
        concurrency: an adaptive in-flight limit for the transport (replaces ``max_concurrency``).
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
    ) -> None:
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

    # -- token ---------------------------------------------------------------------------------

    def _login_request(self) -> str:
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
            route="api/login",
            params={"route": "api/login"},
            data=form,
            headers=headers,
            safe=True,
        )
        data = decode_body(route="api/login", status=resp.status_code, body=resp.text)
        token = data.get("api_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise UnexpectedResponseError("login answered without an api_token", route="api/login")
        register_secret(token)
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

        def validate(resp: requests.Response) -> None:
            decoded[:] = [decode_body(route=route, status=resp.status_code, body=resp.text)]

        self.transport.send(
            method, "index.php", route=route, params=params, data=form, safe=safe, validate=validate,
            stateless=True,
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
        """
        data = self.call("api/order/info", query={"order_id": int(order_id)}, method="GET", safe=True)
        order = data.get("order") if isinstance(data, dict) else None
        if not isinstance(order, dict):
            raise UnexpectedResponseError("order/info answered without an order", route="api/order/info")
        return order

    def order_info(self, order_id: int) -> Order:
        """The order as a typed :class:`~oc_connector.api.records.Order`."""
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
        """Add a history entry (and set the status). Never retried: OutcomeUnknown on failure."""
        form = {
            "order_status_id": str(int(order_status_id)),
            "comment": comment,
            "notify": "1" if notify else "0",
            "override": "1" if override else "0",
        }
        self.call("api/order/history", query={"order_id": int(order_id)}, form=form, safe=False)

    def delete_order(self, order_id: int) -> None:
        """Delete an order. Never retried: OutcomeUnknown on failure."""
        self.call("api/order/delete", query={"order_id": int(order_id)}, safe=False)

    def session(self) -> CartSession:
        """A new cart/checkout session with its own login and token (same transport)."""
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
