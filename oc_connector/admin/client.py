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
from collections.abc import Mapping
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
from oc_connector.admin.order_pages import parse_invoice_page
from oc_connector.admin.reads import AdminReads
from oc_connector.admin.records import AdminHistoryRow, OrderStatusSettings
from oc_connector.admin.session import NEEDED_PERMISSIONS, AdminSession, F, FormData, R, RecordPages
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

    # -- coupons and vouchers (the shared methods are AdminSession's) ----------------------------

    _COUPONS = RecordPages(
        "coupon", "coupon_id", "marketing/coupon", "marketing/coupon/edit", "marketing/coupon/add",
        "marketing/coupon/edit", parse_coupon_list, parse_coupon_form,
    )
    _VOUCHERS = RecordPages(
        "voucher", "voucher_id", "sale/voucher", "sale/voucher/edit", "sale/voucher/add", "sale/voucher/edit",
        parse_voucher_list, parse_voucher_form,
    )
    _INVOICES = ("sale/order/invoice", parse_invoice_page)

    def _save_record(self, pages: RecordPages[R, F], record_id: int, data: FormData) -> None:
        """Post the add form (``record_id`` 0) or the edit form of the record: a redirect is success."""
        if record_id:
            self._post_form(pages.edit_route, {pages.id_key: str(record_id)}, data)
        else:
            self._post_form(pages.add_route, {}, data)

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
