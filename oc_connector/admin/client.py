"""AdminClient: the OpenCart 3.0 admin panel driven over HTML (spec section 10).

The session (transport, cookie jar, shared rate limit, re-login, page checks, paging) is
:class:`~oc_connector.admin.session.AdminSession`'s; this module is what 3.0 adds: its login form,
its permission probes, its settings page and its coupon and voucher forms. Reads (lists, forms,
history fragments) are retried per the :class:`~oc_connector.wire.retry.RetryPolicy`; form posts
are sent once and a transport failure or 5xx raises :class:`~oc_connector.errors.OutcomeUnknown`
(callers reconcile by code, which is the idempotency key).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from urllib.parse import parse_qs, urlsplit

from oc_connector.admin.html import (
    is_login_page,
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
    OrderStatusSettings,
    VoucherForm,
    VoucherRow,
)
from oc_connector.admin.session import NEEDED_PERMISSIONS, AdminSession, FormData, find_code
from oc_connector.errors import AdminError, AdminFormError, AdminLoginError
from oc_connector.secret import Secret, register_secret

__all__ = ["NEEDED_PERMISSIONS", "AdminClient"]

log = logging.getLogger(__name__)

_LOCKED_MARK = "exceeded allowed number of login attempts"


class AdminClient(AdminSession, AdminReads):
    """A logged-in OpenCart 3.0 admin session (see :class:`~oc_connector.admin.session.AdminSession`).

    Args:
        base_url: The shop root, e.g. ``https://shop.example.com/``.
        username: Admin user name.
        password: Admin password (kept as a :class:`Secret`).
        **options: ``admin_path``, ``timeout``, ``verify``, ``ca_bundle``, ``allow_insecure_http``,
            ``proxies``, ``rate_limit``, ``retry``, ``transport``: as for
            :class:`~oc_connector.admin.session.AdminSession`.

    Raises:
        ConfigurationError: Not an http(s) URL, or plain http to a non-loopback host
            without ``allow_insecure_http``.
    """

    # -- session ---------------------------------------------------------------------------

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

    # -- permissions -----------------------------------------------------------------------

    def _has_permission(self, kind: str, controller: str) -> bool:
        """Probe one permission without writing anything.

        Access: open the controller's list page. Modify: post an empty form to its ``add`` page,
        which the shop always refuses (no name, no code): the refusal says "You do not have
        permission to modify" when the permission is missing.
        """
        route = controller if kind == "access" else f"{controller}/add"
        data: FormData | None = None if kind == "access" else [("code", "")]
        answer = self._request(route, data=data, safe=True)  # an empty form is never applied
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
        return find_code(self.iter_coupons(sort="code"), code)

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
        return find_code(self.iter_vouchers(sort="v.code"), code)

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
