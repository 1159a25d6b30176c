"""AdminSession: what every admin client shares, whatever the OpenCart version.

An admin client is a logged-in browser session: its own :class:`~oc_connector.wire.transport.Transport`
(so its own cookie jar), whose per-shop rate limiter is the process-wide one from
:func:`~oc_connector.wire.ratelimit.shared_limiter`: admin and catalog calls to one shop respect
one limit together. Every request carries the session's ``user_token``; a login page in place of
the answer means the session died (expired, logged out), and since the token check runs before
any controller, nothing was applied: the session logs in once more and resends. Redirects are
never followed: a 302 is the answer. HTTP 429, 5xx and 404 become the same errors as on the
catalog API (the transport's :func:`~oc_connector.wire.decode.status_error`); any other 4xx is an
:class:`~oc_connector.errors.AdminError`.

The version-specific part (how to log in, how to probe a permission) is the subclass's:
:class:`~oc_connector.admin.client.AdminClient` (3.0) and
:class:`~oc_connector.admin40.client.Admin40Client` (4.0.2.x).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol, Self, TypeVar

import requests

from oc_connector.admin.html import is_login_page, is_page_not_found, is_permission_denied
from oc_connector.admin.records import ListPage
from oc_connector.errors import AdminError, AdminNotFoundError
from oc_connector.secret import Secret, register_secret
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import DEFAULT_RATE_LIMIT, DEFAULT_RETRY, Timeout, Transport

__all__ = ["NEEDED_PERMISSIONS", "AdminSession", "FormData", "find_code"]

#: what each connector feature needs from the admin user's group: (permission, controller)
NEEDED_PERMISSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "history": (("access", "sale/order"),),
    "lines": (("access", "sale/order"),),
    "coupons": (("access", "marketing/coupon"), ("modify", "marketing/coupon")),
    "vouchers": (("access", "sale/voucher"), ("modify", "sale/voucher")),
}

log = logging.getLogger(__name__)
T = TypeVar("T")
C = TypeVar("C", bound="_Coded")
FormData = Sequence[tuple[str, str]]

_DEFAULT_TIMEOUT = Timeout()
_LACKS = "lacks the"


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


def find_code(rows: Iterable[C], code: str) -> C | None:
    """The row with this code (case-insensitive) from rows sorted by code; stops once past it."""
    wanted = code.casefold()
    for row in rows:
        if row.code.casefold() == wanted:
            return row
        if row.code.casefold() > wanted:
            return None
    return None


class AdminSession:
    """A logged-in admin session (own cookie jar, ``user_token`` in every query).

    Args:
        base_url: The shop root, e.g. ``https://shop.example.com/`` (checked by
            :func:`~oc_connector.wire.transport.check_url_security`).
        username: Admin user name.
        password: Admin password (kept as a :class:`Secret`).
        admin_path: Path of the admin folder under the shop root.
        timeout, verify, ca_bundle, allow_insecure_http, proxies, rate_limit, retry: passed to
            :class:`~oc_connector.wire.transport.Transport` (``ca_bundle`` applies when ``verify``).
        transport: A ready transport (tests); ``base_url`` and the settings above are then
            ignored. Give the admin client its own, never the catalog client's: the
            session cookie jar must stay separate.

    Raises:
        ConfigurationError: Not an http(s) URL, or plain http to a non-loopback host
            without ``allow_insecure_http``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: Secret | str,
        admin_path: str = "admin/",
        timeout: Timeout = _DEFAULT_TIMEOUT,
        verify: bool = True,
        ca_bundle: str | None = None,
        allow_insecure_http: bool = False,
        proxies: Mapping[str, str] | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: Transport | None = None,
    ) -> None:
        self.transport = transport or Transport(
            base_url,
            timeout=timeout,
            verify=verify,
            ca_bundle=ca_bundle,
            allow_insecure_http=allow_insecure_http,
            proxies=proxies,
            rate_limit=rate_limit,
            retry=retry,
        )
        self._path = admin_path.strip("/") + "/index.php"
        self._url = self.transport.base_url + self._path
        self._username = username
        self._password = password if isinstance(password, Secret) else Secret(password)
        register_secret(self._password.get())
        self._token: Secret | None = None
        # one login at a time: a login is a session change, two at once would undo each other
        self._login_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url!r}, username={self._username!r})"

    def close(self) -> None:
        """Close the pooled connections (the session cookie jar goes with them)."""
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- session ---------------------------------------------------------------------------

    def login(self) -> None:
        """Log in and keep the ``user_token`` (later requests log in by themselves).

        Raises:
            AdminLoginError: Wrong credentials, or the account is locked out.
            AdminError: The shop answered with something that is not a login result.
        """
        with self._login_lock:
            self._login()

    def _login(self) -> Secret:
        """Log in (the caller holds the login lock), keep and return the new ``user_token``."""
        raise NotImplementedError  # pragma: no cover - each version logs in its own way

    def _session_token(self) -> Secret:
        with self._login_lock:
            return self._token if self._token is not None else self._login()

    def _send(
        self, method: str, route: str, params: Mapping[str, str], data: FormData | None, *, safe: bool
    ) -> requests.Response:
        return self.transport.send(
            method,
            self._path,
            route=route,
            params=dict(params),
            data=list(data) if data is not None else None,
            safe=safe,
            allow_redirects=False,
        )

    def _request(
        self,
        route: str,
        params: Mapping[str, str] | None = None,
        *,
        data: FormData | None = None,
        safe: bool = True,
        missing: str | None = None,
    ) -> requests.Response:
        """Send with the session's token; ``missing`` names the object a "Page Not Found!" means."""
        method = "GET" if data is None else "POST"
        for attempt in range(2):
            token = self._session_token()
            query = {"route": route, "user_token": token.get(), **(params or {})}
            response = self._send(method, route, query, data, safe=safe)
            if response.status_code == 200 and _shows_login(response.text):
                # The session died (expired, logged out): the token check runs before the
                # controller, so nothing was applied and one re-login + resend is safe.
                log.info("admin session ended on %s; logging in again", route)
                with self._login_lock:
                    if self._token is token:  # not already renewed by another thread
                        self._token = None
                if attempt == 0:
                    continue
                raise AdminError("admin session ended again right after a new login", route=route)
            self._check_page(route, response, write=not safe, missing=missing)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _permission_error(self, kind: str, route: str) -> AdminError:
        controller = "/".join(route.split("/")[:2]).split(".")[0]
        return AdminError(
            f"admin user {self._username!r} {_LACKS} {kind} permission for {controller!r}; "
            "grant it under Admin > System > Users > User Groups",
            route=route,
        )

    def _check_page(
        self, route: str, response: requests.Response, *, write: bool, missing: str | None = None
    ) -> None:
        if response.status_code >= 400:
            raise AdminError("admin request failed", route=route, status=response.status_code)
        if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
            return
        text = response.text
        if "Permission Denied!" in text and is_permission_denied(text):
            raise self._permission_error("modify" if write else "access", route)
        if "Page Not Found!" in text and is_page_not_found(text):
            if missing is not None:
                raise AdminNotFoundError(f"the shop has no {missing} (deleted or never made)", route=route)
            raise AdminError("admin page not found (route unknown to this shop)", route=route)

    # -- permissions -----------------------------------------------------------------------

    def missing_permissions(self) -> dict[str, list[str]]:
        """Which features (:data:`NEEDED_PERMISSIONS`) lack which ``permission controller`` pairs.

        Each pair is probed once with a request the shop always refuses to apply (see the
        subclass's ``_has_permission``), so nothing is written.

        Raises:
            AdminLoginError: Wrong credentials, or the account is locked out.
        """
        granted: dict[tuple[str, str], bool] = {}
        for needs in NEEDED_PERMISSIONS.values():
            for kind, controller in needs:
                if (kind, controller) not in granted:
                    granted[(kind, controller)] = self._probe_permission(kind, controller)
        missing = {
            feature: [f"{kind} {controller}" for kind, controller in needs if not granted[(kind, controller)]]
            for feature, needs in NEEDED_PERMISSIONS.items()
        }
        return {feature: lacks for feature, lacks in missing.items() if lacks}

    def _probe_permission(self, kind: str, controller: str) -> bool:
        try:
            return self._has_permission(kind, controller)
        except AdminError as exc:
            if _LACKS in exc.message:
                return False
            raise

    def _has_permission(self, kind: str, controller: str) -> bool:
        """True when the user holds ``kind`` (access/modify) on ``controller``; nothing is written."""
        raise NotImplementedError  # pragma: no cover - each version probes its own pages

    # -- helpers ---------------------------------------------------------------------------

    def _pages(
        self, route: str, params: Mapping[str, str], parse: Callable[[str], ListPage[T]]
    ) -> Iterator[ListPage[T]]:
        page = 1
        while True:
            query = {**params, "page": str(page)} if page > 1 else dict(params)
            listing = parse(self._request(route, query).text)
            yield listing
            if page >= listing.pages or not listing.rows:
                return
            page += 1


def _shows_login(text: str) -> bool:
    """The login form in place of a page (the substring test spares parsing every large page twice)."""
    return "route=common/login" in text and is_login_page(text)
