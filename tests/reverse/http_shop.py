"""A stateful catalog-API shop behind ``responses``, answering with bodies recorded from OpenCart 3.0.5.0.

The real :class:`~oc_connector.api.client.OpenCartClient` / :class:`~oc_connector.api.cart.CartSession` talk
to it over mocked HTTP. It keeps per-token cart state like the shop does (a second ``order/add`` on the
same token sells the session's vouchers again), creates orders with increasing ids, and can inject a
connection reset on ``order/add`` before or after the order is committed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
import responses

from tests.support.recorded_exchanges import load

BASE = "https://shop.example/"
URL = BASE + "index.php"


def recorded(file: str, case_start: str) -> str:
    """The body the real shop answered in the first recorded case starting with ``case_start``."""
    return next(e.body for e in load(file) if e.case.startswith(case_start))


LOGIN = recorded("api_login.json", "success: username + key")
CUSTOMER_OK = recorded("api_customer.json", "voucher-only flow: set customer")
VOUCHER_ADD_OK = recorded("api_voucher_add.json", "array-voucher flow: voucher add")
ADDRESS_OK = recorded("api_payment_address.json", "voucher-only flow: payment address")
METHODS = recorded("api_payment_methods.json", "voucher-only flow: payment methods")
METHOD_OK = recorded("api_payment_method.json", "voucher-only flow: payment method bank_transfer")
ORDER_ADD_OK = recorded("api_order_add.json", "voucher-only flow: order add")
ORDER_EMPTY_CART = recorded("api_order_add.json", "error: empty session")
ORDER_INFO = recorded("api_order_info.json", "success: voucher-only order")
ORDER_NOT_FOUND = recorded("api_order_info.json", "error: unknown order_id")
HISTORY_OK = recorded("api_order_history.json", "success: order with vouchers -> Complete (5)")
HISTORY_NOT_FOUND = recorded("api_order_history.json", "error: unknown order_id")
VOUCHER_OK = recorded("api_voucher.json", "success: admin-issued voucher")
VOUCHER_REFUSED = recorded("api_voucher.json", "error: unknown voucher code")


@dataclass
class Order:
    """One order the shop holds."""

    comment: str
    status: int
    vouchers: list[dict[str, str]]
    token: str


@dataclass
class HttpShop:
    """The shop's state and the calls it saw; ``faults`` is consumed by ``order/add`` calls in order,
    ``history_faults`` by ``order/history`` calls.

    ``routes`` lists the routes called, ``forms`` the last form posted to each route.
    Fault kinds: ``"reset_before"`` (the connection drops, nothing is committed), ``"reset_after"``
    (the order is committed, then the connection drops), ``"ok"``.
    """

    orders: dict[int, Order] = field(default_factory=dict)
    carts: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    history_faults: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    logins: int = 0
    valid_codes: set[str] = field(default_factory=set)
    next_id: int = 1

    def install(self) -> None:
        """Answer every request to ``URL`` (call inside ``responses.activate``)."""
        responses.add_callback(responses.POST, URL, callback=self._handle)
        responses.add_callback(responses.GET, URL, callback=self._handle)

    @property
    def sold(self) -> list[dict[str, str]]:
        """Every voucher sold by any order."""
        return [v for o in self.orders.values() for v in o.vouchers]

    def _handle(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        raw = request.body or ""
        form = dict(parse_qsl(raw.decode() if isinstance(raw, bytes) else raw, keep_blank_values=True))
        route = query["route"]
        self.routes.append(route)
        self.forms[route] = form
        if route == "api/login":
            self.logins += 1
            token = f"tok{self.logins:023d}"
            self.carts[token] = []
            return 200, {}, LOGIN.replace("<TOKEN>", token)
        token = query["api_token"]
        assert token in self.carts, "a route called with a token the shop never issued"
        return 200, {}, self._route(route, token, query, form)

    def _route(self, route: str, token: str, query: Mapping[str, str], form: Mapping[str, str]) -> str:
        if route == "api/customer":
            return CUSTOMER_OK
        if route == "api/voucher/add":
            self.carts[token] = bulk_vouchers(form)
            return VOUCHER_ADD_OK
        if route == "api/payment/address":
            assert form["country_id"] and form["address_1"]
            return ADDRESS_OK
        if route == "api/payment/methods":
            return METHODS
        if route == "api/payment/method":
            assert form["payment_method"] == "bank_transfer"
            return METHOD_OK
        if route == "api/order/add":
            return self._order_add(token, form)
        if route == "api/order/info":
            return self._order_info(int(query.get("order_id", "0")))
        if route == "api/order/history":
            order = self.orders.get(int(query.get("order_id", "0")))
            if order is None:
                return HISTORY_NOT_FOUND
            fault = self.history_faults.pop(0) if self.history_faults else "ok"
            if fault == "reset_before":
                raise requests.exceptions.ConnectionError("Connection reset by peer")
            order.status = int(form["order_status_id"])
            if fault == "reset_after":
                raise requests.exceptions.ConnectionError("Connection reset by peer")
            return HISTORY_OK
        if route == "api/voucher":
            return VOUCHER_OK if form.get("voucher", "").upper() in self.valid_codes else VOUCHER_REFUSED
        raise AssertionError(f"unexpected route {route}")

    def _order_add(self, token: str, form: Mapping[str, str]) -> str:
        fault = self.faults.pop(0) if self.faults else "ok"
        if fault == "reset_before":
            raise requests.exceptions.ConnectionError("Connection reset by peer")
        if not self.carts[token]:  # no products and no session vouchers (spec 4.8 check 6)
            return ORDER_EMPTY_CART
        order_id = self.next_id
        self.next_id += 1
        # the shop keeps the session's vouchers after order/add (a second add sells them again)
        self.orders[order_id] = Order(form.get("comment", ""), 1, list(self.carts[token]), token)
        if fault == "reset_after":
            raise requests.exceptions.ConnectionError("Connection reset by peer")
        body = json.loads(ORDER_ADD_OK)
        body["order_id"] = order_id
        return json.dumps(body)

    def _order_info(self, order_id: int) -> str:
        order = self.orders.get(order_id)
        if order is None:
            return ORDER_NOT_FOUND
        body = json.loads(ORDER_INFO)
        body["order"].update(order_id=str(order_id), comment=order.comment, order_status_id=str(order.status))
        return json.dumps(body)


BULK_KEYS = frozenset({"code", "from_name", "from_email", "to_name", "to_email", "voucher_theme_id",
                       "message", "amount"})


def bulk_vouchers(form: Mapping[str, str]) -> list[dict[str, str]]:
    """``voucher[N][field]`` pairs -> the session's vouchers, like the real shop (spec 4.24 A).

    The bulk form replaces the session's vouchers; an entry lacking any of the eight sub-keys is
    silently dropped, other sub-keys are ignored, and entries are keyed by ``code`` (a repeated code
    overwrites the earlier entry).
    """
    out: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        if name.startswith("voucher["):
            index, _, rest = name[len("voucher["):].partition("][")
            out.setdefault(int(index), {})[rest.rstrip("]")] = value
    by_code: dict[str, dict[str, str]] = {}
    for i in sorted(out):
        if out[i].keys() >= BULK_KEYS:
            by_code[out[i]["code"]] = {k: v for k, v in out[i].items() if k in BULK_KEYS}
    return list(by_code.values())
