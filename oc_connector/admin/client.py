"""AdminClient: the OpenCart 3.0 admin panel driven over HTML (spec section 10).

Everything goes through a shared-code :class:`~oc_connector.wire.transport.Transport` of the
client's own (so its own cookie jar), whose per-shop rate limiter is the process-wide one
from :func:`~oc_connector.wire.ratelimit.shared_limiter`: admin and catalog calls to one shop
respect one limit together. Reads (lists, forms, history fragments) are retried per the
:class:`~oc_connector.wire.retry.RetryPolicy`; form posts are sent once and a transport failure
or 5xx raises :class:`~oc_connector.errors.OutcomeUnknown` (callers reconcile by code,
which is the idempotency key). Redirects are never followed: a 302 is the answer. HTTP 429, 5xx
and 404 become the same errors as on the catalog API (the transport's
:func:`~oc_connector.wire.decode.status_error`); any other 4xx is an :class:`AdminError`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests

from oc_connector.admin.html import (
    is_login_page,
    is_page_not_found,
    is_permission_denied,
    login_error,
    parse_coupon_form,
    parse_coupon_list,
    parse_form_errors,
    parse_order_history,
    parse_order_status_settings,
    parse_voucher_form,
    parse_voucher_list,
    select_value,
)
from oc_connector.admin.reads import AdminReads
from oc_connector.admin.records import (
    AdminHistoryRow,
    CouponForm,
    CouponRow,
    ListPage,
    OrderStatusSettings,
    VoucherForm,
    VoucherRow,
)
from oc_connector.errors import AdminError, AdminFormError, AdminLoginError, AdminNotFoundError
from oc_connector.secret import Secret, register_secret
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import DEFAULT_RATE_LIMIT, DEFAULT_RETRY, Timeout, Transport

__all__ = ["NEEDED_PERMISSIONS", "AdminClient"]

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

_LOCKED_MARK = "exceeded allowed number of login attempts"
_DEFAULT_TIMEOUT = Timeout()


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


def _find_code(rows: Iterable[C], code: str) -> C | None:
    """The row with this code (case-insensitive) from rows sorted by code; stops once past it."""
    wanted = code.casefold()
    for row in rows:
        if row.code.casefold() == wanted:
            return row
        if row.code.casefold() > wanted:
            return None
    return None


class AdminClient(AdminReads):
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

    def __repr__(self) -> str:
        return f"AdminClient({self._url!r}, username={self._username!r})"

    def close(self) -> None:
        """Close the pooled connections (the session cookie jar goes with them)."""
        self.transport.close()

    def __enter__(self) -> AdminClient:
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
        self._login()

    def _login(self) -> Secret:
        route = "common/login"
        data = [("username", self._username), ("password", self._password.get())]
        # A login changes nothing in the shop but a session, so it may be retried.
        response = self._send("POST", route, {"route": route}, data, safe=True)
        location = response.headers.get("Location")
        if response.status_code == 302 and location:
            tokens = parse_qs(urlsplit(location).query).get("user_token")
            if tokens and tokens[0]:
                register_secret(tokens[0])
                self._token = Secret(tokens[0])
                log.info("admin login ok for user %s", self._username)
                return self._token
        if response.status_code == 200 and is_login_page(response.text):
            message = login_error(response.text) or ""
            if _LOCKED_MARK in message:
                raise AdminLoginError(
                    f"admin user {self._username!r} is locked out after too many failed logins; "
                    "try again in 1 hour or reset the password",
                    route="common/login",
                )
            raise AdminLoginError(
                f"admin login refused for user {self._username!r}: wrong username or password",
                route="common/login",
            )
        raise AdminError("unexpected answer to the admin login", route=route, status=response.status_code)

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
            token = self._token if self._token is not None else self._login()
            query = {"route": route, "user_token": token.get(), **(params or {})}
            response = self._send(method, route, query, data, safe=safe)
            if response.status_code == 200 and is_login_page(response.text):
                # The session died (expired, logged out): the token check runs before the
                # controller, so nothing was applied and one re-login + resend is safe.
                log.info("admin session ended on %s; logging in again", route)
                self._token = None
                if attempt == 0:
                    continue
                raise AdminError("admin session ended again right after a new login", route=route)
            self._check_page(route, response, write=not safe, missing=missing)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_page(
        self, route: str, response: requests.Response, *, write: bool, missing: str | None = None
    ) -> None:
        if response.status_code >= 400:
            raise AdminError("admin request failed", route=route, status=response.status_code)
        if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
            return
        if is_permission_denied(response.text):
            controller = "/".join(route.split("/")[:2])
            kind = "modify" if write else "access"
            raise AdminError(
                f"admin user {self._username!r} lacks the {kind} permission for {controller!r}; "
                "grant it under Admin > System > Users > User Groups",
                route=route,
            )
        if is_page_not_found(response.text):
            if missing is not None:
                raise AdminNotFoundError(f"the shop has no {missing} (deleted or never made)", route=route)
            raise AdminError("admin page not found (route unknown to this shop)", route=route)

    # -- permissions -----------------------------------------------------------------------

    def missing_permissions(self) -> dict[str, list[str]]:
        """Which features (:data:`NEEDED_PERMISSIONS`) lack which ``permission controller`` pairs.

        Access is probed by opening the controller's list page; modify by posting an empty form to
        its ``add`` page, which the shop always refuses (no name, no code), so nothing is written:
        the refusal says "You do not have permission to modify" when the permission is missing.

        Raises:
            AdminLoginError: Wrong credentials, or the account is locked out.
        """
        granted: dict[tuple[str, str], bool] = {}
        for needs in NEEDED_PERMISSIONS.values():
            for kind, controller in needs:
                if (kind, controller) not in granted:
                    granted[(kind, controller)] = self._has_permission(kind, controller)
        missing = {
            feature: [f"{kind} {controller}" for kind, controller in needs if not granted[(kind, controller)]]
            for feature, needs in NEEDED_PERMISSIONS.items()
        }
        return {feature: lacks for feature, lacks in missing.items() if lacks}

    def _has_permission(self, kind: str, controller: str) -> bool:
        route = controller if kind == "access" else f"{controller}/add"
        data: FormData | None = None if kind == "access" else [("code", "")]
        try:
            answer = self._request(route, data=data, safe=True)  # an empty form is never applied
        except AdminError as exc:
            if "lacks the" in exc.message:
                return False
            raise
        if kind == "access":
            return True
        _fields, warning = parse_form_errors(answer.text)
        return not (warning and "permission" in warning.lower())

    def shop_timezone(self) -> str | None:
        """The shop's time zone from System > Settings > Local (``config_timezone``, OpenCart 3.0.3+).

        Returns:
            The IANA name, or None when the settings page has no time zone (before 3.0.3).

        Raises:
            AdminError: the admin user may not open ``setting/setting``.
        """
        return select_value(self._request("setting/setting").text, "config_timezone")

    def order_status_settings(self) -> OrderStatusSettings:
        """The shop's processing and complete order statuses (System > Settings > Option).

        Returns:
            ``config_processing_status`` and ``config_complete_status`` as status id sets.

        Raises:
            AdminError: the admin user may not open ``setting/setting``.
            AdminPageError: the page has no readable status lists.
        """
        return parse_order_status_settings(self._request("setting/setting").text)

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

    def _post_form(self, route: str, params: Mapping[str, str], data: FormData) -> None:
        response = self._request(route, params, data=data, safe=False)
        if response.status_code == 302:
            return
        fields, warning = parse_form_errors(response.text)
        if fields or warning:
            summary = "; ".join([*(f"{k}: {v}" for k, v in fields.items()), *([warning] if warning else [])])
            raise AdminFormError(
                f"admin form refused: {summary}", fields=fields, warning=warning, route=route
            )
        raise AdminError(
            "admin form post neither redirected nor showed errors",
            route=route,
            status=response.status_code,
        )

    # -- coupons ---------------------------------------------------------------------------

    def iter_coupons(self, sort: str = "code", order: str = "ASC") -> Iterator[CouponRow]:
        """Every coupon, all pages, in the shop's order for ``sort``."""
        for listing in self._pages("marketing/coupon", {"sort": sort, "order": order}, parse_coupon_list):
            yield from listing.rows

    def find_coupon(self, code: str) -> CouponRow | None:
        """The coupon with this code (case-insensitive), or None; stops once past it."""
        return _find_code(self.iter_coupons(sort="code"), code)

    def coupon_form(self, coupon_id: int) -> CouponForm:
        """The coupon's current form values.

        Raises:
            AdminError: No coupon has this id (the shop shows an empty form).
        """
        route = "marketing/coupon/edit"
        form = parse_coupon_form(self._request(route, {"coupon_id": str(coupon_id)}).text)
        if not form.code:
            raise AdminError(f"coupon {coupon_id} does not exist", route=route)
        return form

    def create_coupon(self, form: CouponForm) -> None:
        """Create a coupon (all form fields posted).

        Raises:
            AdminFormError: The shop refused the form (field errors, duplicate code).
            OutcomeUnknown: The post failed in transit.
        """
        self._post_form("marketing/coupon/add", {}, form.to_post())

    def update_coupon(self, coupon_id: int, form: CouponForm) -> None:
        """Replace every field of a coupon (see :meth:`create_coupon` for errors)."""
        self._post_form("marketing/coupon/edit", {"coupon_id": str(coupon_id)}, form.to_post())

    # -- vouchers --------------------------------------------------------------------------

    def iter_vouchers(self, sort: str = "v.code", order: str = "ASC") -> Iterator[VoucherRow]:
        """Every gift voucher, all pages."""
        for listing in self._pages("sale/voucher", {"sort": sort, "order": order}, parse_voucher_list):
            yield from listing.rows

    def find_voucher(self, code: str) -> VoucherRow | None:
        """The voucher with this code (case-insensitive), or None; stops once past it."""
        return _find_code(self.iter_vouchers(sort="v.code"), code)

    def voucher_form(self, voucher_id: int) -> VoucherForm:
        """The voucher's current form values.

        Raises:
            AdminError: No voucher has this id.
        """
        route = "sale/voucher/edit"
        form = parse_voucher_form(self._request(route, {"voucher_id": str(voucher_id)}).text)
        if not form.code:
            raise AdminError(f"voucher {voucher_id} does not exist", route=route)
        return form

    def create_voucher(self, form: VoucherForm) -> None:
        """Create a gift voucher with the form's code (errors as :meth:`create_coupon`)."""
        self._post_form("sale/voucher/add", {}, form.to_post())

    def update_voucher(self, voucher_id: int, form: VoucherForm) -> None:
        """Replace every field of a voucher."""
        self._post_form("sale/voucher/edit", {"voucher_id": str(voucher_id)}, form.to_post())

    def send_voucher(self, voucher_id: int) -> None:
        """Ask the shop to e-mail the voucher (the shop reports success for any id).

        Raises:
            AdminError: The shop answered with an error (e.g. no modify permission).
            OutcomeUnknown: The post failed in transit.
        """
        route = "sale/voucher/send"
        response = self._request(route, data=[("voucher_id", str(voucher_id))], safe=False)
        try:
            answer = json.loads(response.text)
        except ValueError:
            raise AdminError("voucher send answered with no JSON", route=route) from None
        if isinstance(answer, dict) and "success" in answer:
            return
        if isinstance(answer, dict) and answer.get("error") == "error_permission":
            raise AdminError(
                f"admin user {self._username!r} lacks the modify permission for 'sale/voucher'; "
                "grant it under Admin > System > Users > User Groups",
                route=route,
            )
        raise AdminError(f"voucher send refused: {answer!r}"[:300], route=route)

    # -- order history ---------------------------------------------------------------------

    def order_history(self, order_id: int) -> list[AdminHistoryRow]:
        """Every visible history row of an order (newest first, day precision)."""
        rows: list[AdminHistoryRow] = []
        for listing in self._pages("sale/order/history", {"order_id": str(order_id)}, parse_order_history):
            rows.extend(listing.rows)
        return rows
