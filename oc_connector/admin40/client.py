"""Admin40Client: the OpenCart 4.0.2.x admin driven over HTML and its AJAX JSON answers (spec 12.4).

The session (transport, cookie jar, shared rate limit, re-login, page checks, paging) is
:class:`~oc_connector.admin.session.AdminSession`'s, as for the 3.0 client; the read surface has the
3.0 client's names and records wherever 4.0 has the page, so the sync, the change feed and the
reverse ETL take either client. What 4.0.2.3 does differently:

* **Login** is two steps: ``GET common/login`` puts a ``login_token`` into the session and the form
  action (``common/login.login&login_token=...``); the POST there answers JSON, ``{"redirect":
  ".../common/dashboard&user_token=<32 hex>"}`` or ``{"error": "No match for Username and/or
  Password."}``. A login token the session does not hold (used, or from another login) answers a
  redirect to ``common/login``: the client fetches a new one once. 4.0.2.3 has no lock-out.
* **Routes** use ``.`` before the method (``sale/order.info``); lists are AJAX fragments
  (``sale/order.list``) with 10 rows a page; saves and deletes answer JSON.
* **Reads of an order**: ``sale/order.info`` is the whole order editor (175-185 KB), the only page
  with a line's ``product_id``, and for a deleted or unknown id it is the empty add-order editor
  (HTTP 200, no message), which :meth:`Admin40Client.order_info` turns into
  :class:`~oc_connector.errors.AdminNotFoundError`. Opening it starts a catalog session in the
  shop (an ``oc_session`` row), as it does in a browser.
* **Not recorded for 4.0, so not offered**: the product and customer lists, the settings page
  (:meth:`Admin40Client.shop_timezone` and :meth:`Admin40Client.order_status_settings` raise
  :class:`~oc_connector.errors.AdminError` without a request) and ``sale/voucher.send`` (sent as
  the 4.0.2.3 source reads it, never checked against a real answer).

Reads are retried per the :class:`~oc_connector.wire.retry.RetryPolicy`; saves and deletes are
sent once and a transport failure or 5xx raises :class:`~oc_connector.errors.OutcomeUnknown`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from bs4 import Tag

from oc_connector.admin.html import parse_order_history
from oc_connector.admin.order_records import AdminOrder, OrderListRow
from oc_connector.admin.reads import FilterValue, list_params
from oc_connector.admin.records import (
    AdminHistoryRow,
    CouponForm,
    ListPage,
    OrderStatusSettings,
    VoucherForm,
)
from oc_connector.admin.session import AdminSession, F, FormData, R, RecordPages
from oc_connector.admin40.marketing import (
    parse_coupon_form40,
    parse_coupon_list40,
    parse_save_answer,
    parse_voucher_form40,
    parse_voucher_list40,
)
from oc_connector.admin40.order_info import parse_order_info
from oc_connector.admin40.pages import parse_invoice_page, parse_order_list, selected_option, soup_of
from oc_connector.admin40.records import OrderInfo
from oc_connector.errors import (
    AdminError,
    AdminFormError,
    AdminLoginError,
    AdminNotFoundError,
    AdminPageError,
    ConfigurationError,
)
from oc_connector.secret import Secret, redact, register_secret
from oc_connector.wire.decode import json_document

__all__ = ["ORDER_FILTERS", "ORDER_SORTS", "Admin40Client", "order_list_params"]

log = logging.getLogger(__name__)

# Every login page the session is shown replaces its login token, so a read still in flight with
# the old user_token (answered by the login page) can spoil a login's token: one per read in flight.
_LOGIN_TOKENS = 4

ORDER_SORTS = frozenset(
    {"o.order_id", "o.store_name", "customer", "order_status", "o.total", "o.date_added", "o.date_modified"}
)
"""The sort keys of the 4.0.2.3 order list (any other sorts by ``o.order_id``)."""

ORDER_FILTERS = frozenset(
    {"order_id", "customer_id", "customer", "store_id", "order_status", "order_status_id", "total",
     "date_from", "date_to"}
)
"""The filters the 4.0.2.3 order list applies (without their ``filter_`` prefix)."""

_REFUSED_FILTERS = {
    "date_modified": "the OpenCart 4.0 order list has no date-modified filter "
    "(filter_date_from/filter_date_to filter the day added)",
    "email": "OpenCart 4.0.2.3 ignores filter_email (its list controller does not pass it on)",
}
_SORTS = ", ".join(sorted(ORDER_SORTS))
_FILTERS = ", ".join(sorted(ORDER_FILTERS))
_LOGIN = "common/login"
_LOGIN_POST = "common/login.login"
_ACCESS_PROBES = {"sale/order": "sale/order.history"}  # 587 bytes instead of a 13 KB list


def order_list_params(
    sort: str, order: str, filters: Mapping[str, FilterValue], page: int = 1
) -> dict[str, str]:
    """The query of a 4.0 order list page, the 3.0 filter names mapped where the meaning is the same.

    ``date_added=D`` (3.0: orders added on day D) becomes ``date_from=D&date_to=D``; the other 3.0
    names (``order_id``, ``customer``, ``order_status``, ``order_status_id``, ``total``) are the
    same in 4.0. ``None`` values are left out, ``0`` is kept (``order_status_id=0``: the
    status-0 "missing" orders, which are never listed otherwise).

    Raises:
        ConfigurationError: An unknown sort key, an order other than ASC/DESC, or a filter 4.0
            does not apply (``date_modified``, ``email``, a name it does not know).
    """
    if sort not in ORDER_SORTS:
        raise ConfigurationError(f"the OpenCart 4.0 order list cannot sort by {sort!r}; it sorts by {_SORTS}")
    if order not in ("ASC", "DESC"):
        raise ConfigurationError(f"order must be ASC or DESC, not {order!r}")
    mapped: dict[str, FilterValue] = {}
    day: FilterValue = None
    for key, value in filters.items():
        name = key.removeprefix("filter_")
        if name in _REFUSED_FILTERS:
            raise ConfigurationError(f"filter_{name}: {_REFUSED_FILTERS[name]}")
        if name == "date_added":
            day = value
        elif name not in ORDER_FILTERS:
            raise ConfigurationError(f"the OpenCart 4.0 order list has no filter_{name}; it has {_FILTERS}")
        elif name in mapped and mapped[name] != value:
            raise ConfigurationError(f"filter_{name} given twice")
        else:
            mapped[name] = value
    if day is not None:
        if mapped.get("date_from") is not None or mapped.get("date_to") is not None:
            raise ConfigurationError("give filter_date_added or filter_date_from/_to, not both")
        mapped["date_from"] = mapped["date_to"] = day
    return list_params(sort, order, mapped, page)


def _user_token(redirect: str) -> str | None:
    tokens = parse_qs(urlsplit(redirect).query).get("user_token")
    return tokens[0] if tokens and tokens[0] else None


class Admin40Client(AdminSession):
    """A logged-in OpenCart 4.0.2.x admin session (see :class:`~oc_connector.admin.session.AdminSession`).

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
        for _attempt in range(_LOGIN_TOKENS):
            page = self._send("GET", _LOGIN, {"route": _LOGIN}, None, safe=True)
            form = soup_of(page.text).find("form", id="form-login")
            action = str(form.get("action", "")) if isinstance(form, Tag) else ""
            login_token = parse_qs(urlsplit(action).query).get("login_token", [""])[0]
            if page.status_code != 200 or not login_token:
                raise AdminError("the admin login page has no login form", route=_LOGIN,
                                 status=page.status_code)
            register_secret(login_token)
            data = [("username", self._username), ("password", self._password.get()), ("redirect", "")]
            # A login changes nothing in the shop but a session, so it may be retried.
            answer = self._send(
                "POST", _LOGIN_POST, {"route": _LOGIN_POST, "login_token": login_token}, data, safe=True
            )
            try:
                body = json_document(answer.text)
            except ValueError:
                raise AdminError("the admin login answered no JSON", route=_LOGIN_POST) from None
            if isinstance(body, dict) and body.get("error"):
                raise AdminLoginError(
                    f"admin login refused for user {self._username!r}: wrong username or password "
                    f"({redact(str(body['error']))[:120]})",
                    route=_LOGIN_POST,
                )
            token = _user_token(str(body.get("redirect", ""))) if isinstance(body, dict) else None
            if token:
                register_secret(token)
                self._token = Secret(token)
                log.info("admin login ok for user %s", self._username)
                return self._token
            log.info("admin login token refused (sent back to the login page); fetching a new one")
        raise AdminError(f"the shop refused {_LOGIN_TOKENS} fresh login tokens in a row", route=_LOGIN_POST)

    # -- permissions and settings ------------------------------------------------------------

    def _has_permission(self, kind: str, controller: str) -> bool:
        """Access: open a small page of the controller (its history or list fragment).

        Modify: post the controller's save with an empty code, which the shop always refuses (the
        code must have 3 characters or more), so nothing is written; the refusal's warning says
        "You do not have permission to modify" when the permission is missing.
        """
        if kind == "access":
            self._request(_ACCESS_PROBES.get(controller, f"{controller}.list"))
            return True
        if controller == "marketing/coupon":
            data: FormData = [("coupon_id", "0"), *CouponForm(name="", code="").to_post()]
        elif controller == "sale/voucher":
            empty = VoucherForm("", "", "", "", "", None, "", Decimal("0"))
            data = [("voucher_id", "0"), *empty.to_post()]
        else:
            raise AdminError(f"no modify probe for {controller!r} on OpenCart 4.0")
        route = f"{controller}.save"
        try:
            parse_save_answer(self._request(route, data=data, safe=True).text, route=route, key="_")
        except AdminFormError as exc:
            return not (exc.warning and "permission" in exc.warning.lower())
        raise AdminError(f"{route} accepted an empty form", route=route)

    def shop_timezone(self) -> str | None:
        """Not read on OpenCart 4.0: its settings page (``setting/setting``) is not recorded.

        Raises:
            AdminError: always (callers fall back to the configured time zone).
        """
        raise AdminError("the shop's time zone is not read from an OpenCart 4.0 admin (setting/setting)")

    def order_status_settings(self) -> OrderStatusSettings:
        """Not read on OpenCart 4.0: its settings page (``setting/setting``) is not recorded.

        Raises:
            AdminError: always (the sync then keeps the recorded or default revenue statuses).
        """
        raise AdminError("the order status settings are not read from an OpenCart 4.0 admin "
                         "(setting/setting)")

    def default_currency(self) -> str:
        """The shop's default currency code, from the empty add-order editor (1 request, ~175 KB).

        The editor of no order selects the shop's ``config_currency``.

        Raises:
            AdminPageError: The page has no currency select.
        """
        found = selected_option(soup_of(self._request("sale/order.info").text), "currency")
        if not found or not found[0]:
            raise AdminError("the add-order editor selects no currency", route="sale/order.info")
        return found[0]

    # -- orders ----------------------------------------------------------------------------

    def order_list(
        self, page: int = 1, *, sort: str = "o.order_id", order: str = "DESC", **filters: FilterValue
    ) -> ListPage[OrderListRow]:
        """One page of ``sale/order.list`` (10 rows on a default shop).

        Args:
            page: 1-based page number.
            sort: One of :data:`ORDER_SORTS`; ``o.order_id`` is unique, the stable key for paging.
            order: ``DESC`` or ``ASC``.
            **filters: See :func:`order_list_params` (the ``filter_`` prefix may be left out).

        Raises:
            ConfigurationError: A sort key or filter 4.0 does not have.
            AdminPageError: A row cannot be read.
        """
        params = order_list_params(sort, order, filters, page)
        return parse_order_list(self._request("sale/order.list", params).text)

    def iter_order_pages(
        self, *, sort: str = "o.order_id", order: str = "DESC", **filters: FilterValue
    ) -> Iterator[ListPage[OrderListRow]]:
        """Every page of ``sale/order.list``, fetched lazily one at a time (see :meth:`order_list`)."""
        return self._pages("sale/order.list", order_list_params(sort, order, filters), parse_order_list)

    def order_info(self, order_id: int) -> OrderInfo:
        """The order editor of one order: header, lines, vouchers, totals, page 1 of its history.

        Raises:
            AdminNotFoundError: The shop has no such order (it shows the empty add-order editor).
            AdminPageError: A field of the page cannot be read.
        """
        route = "sale/order.info"
        info = parse_order_info(self._request(route, {"order_id": str(order_id)}).text)
        if info is None:
            raise AdminNotFoundError(f"the shop has no order {order_id} (deleted or never made)", route=route)
        if info.order.order_id != order_id:
            shown = info.order.order_id
            raise AdminPageError(f"asked for order {order_id}, got {shown}", page=route, field="order_id")
        return info

    def order_page(self, order_id: int) -> AdminOrder:
        """An order's lines (with product ids), sold vouchers (without ids), totals and status.

        Raises:
            AdminNotFoundError: The shop has no such order.
            AdminPageError: A field of the page cannot be read.
        """
        return self.order_info(order_id).order

    def order_history(self, order_id: int) -> list[AdminHistoryRow]:
        """Every visible history row of an order, all pages (newest first, day precision)."""
        rows: list[AdminHistoryRow] = []
        for listing in self._pages("sale/order.history", {"order_id": str(order_id)}, parse_order_history):
            rows.extend(listing.rows)
        return rows

    # -- coupons and vouchers (the shared methods are AdminSession's) ----------------------------

    _COUPONS = RecordPages(
        "coupon", "coupon_id", "marketing/coupon.list", "marketing/coupon.form", "marketing/coupon.save",
        "marketing/coupon.save", parse_coupon_list40, parse_coupon_form40,
    )
    _VOUCHERS = RecordPages(
        "voucher", "voucher_id", "sale/voucher.list", "sale/voucher.form", "sale/voucher.save",
        "sale/voucher.save", parse_voucher_list40, parse_voucher_form40,
    )
    _INVOICES = ("sale/order.invoice", parse_invoice_page)

    def _save_record(self, pages: RecordPages[R, F], record_id: int, data: FormData) -> None:
        """Post the form to ``.save`` with the record's id (0: a new one); the answer is JSON."""
        route = pages.edit_route if record_id else pages.add_route
        answer = self._request(route, data=[(pages.id_key, str(record_id)), *data], safe=False)
        created = parse_save_answer(answer.text, route=route, key=pages.id_key)
        if not record_id:
            log.info("%s %s created as %s %s", pages.noun, dict(data).get("code"), pages.id_key, created)

    def delete_coupons(self, coupon_ids: Iterable[int]) -> None:
        """Delete coupons (POST ``selected[]``; the shop answers success for any id).

        Raises:
            AdminFormError: The shop refused (no modify permission).
        """
        route = "marketing/coupon.delete"
        data = [("selected[]", str(i)) for i in coupon_ids]
        parse_save_answer(self._request(route, data=data, safe=False).text, route=route, key="_")

    def delete_vouchers(self, voucher_ids: Iterable[int]) -> None:
        """Delete vouchers (POST ``selected[]``).

        Raises:
            AdminFormError: The shop refused: a voucher sold in an order cannot be deleted (then
                none of the posted ids is), or no modify permission.
        """
        route = "sale/voucher.delete"
        data = [("selected[]", str(i)) for i in voucher_ids]
        parse_save_answer(self._request(route, data=data, safe=False).text, route=route, key="_")

    def send_voucher(self, voucher_id: int) -> None:
        """Ask the shop to e-mail the voucher (``sale/voucher.send``, POST ``voucher_id``).

        Not among the recorded 4.0 exchanges: sent as the 4.0.2.3 controller reads it.

        Raises:
            AdminFormError: The shop refused (no modify permission).
            OutcomeUnknown: The post failed in transit.
        """
        route = "sale/voucher.send"
        answer = self._request(route, data=[("voucher_id", str(voucher_id))], safe=False)
        parse_save_answer(answer.text, route=route, key="_")
