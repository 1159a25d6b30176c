"""The 4.0 sandbox's catalog API beyond the recordings: token lifetimes, the cookie quirk, order edits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from oc_connector_sandbox import Sandbox
from oc_connector_sandbox.v40.storefront import SESSION_FATAL
from tests.support.sandbox_helpers import wsgi_environ

KEY = "K" * 64
GUEST = {
    "customer_id": "0",
    "customer_group_id": "1",
    "firstname": "Ann",
    "lastname": "Guest",
    "email": "ann@example.com",
    "telephone": "0123",
}
US = {
    "firstname": "Ann",
    "lastname": "Guest",
    "company": "",
    "address_1": "1 Main Street",
    "address_2": "",
    "city": "Austin",
    "postcode": "73301",
    "country_id": "223",
    "zone_id": "3669",
}


class Api:
    """One API token of a 4.0 sandbox, called through the WSGI app."""

    def __init__(self, sb: Sandbox, token: str | None = None) -> None:
        self.sb = sb
        self.token = token or self.login()

    def login(self) -> str:
        body = urlencode({"username": "Default", "key": KEY}).encode()
        return str(
            json.loads(self.sb.app.handle(wsgi_environ("POST", "route=api/account/login", body)).body)[
                "api_token"
            ]
        )

    def raw(
        self, route: str, form: dict[str, str] | None = None, *, ip: str | None = None, **query: str
    ) -> Any:
        params = {"route": route, "api_token": self.token, **query}
        resp = self.sb.app.handle(
            wsgi_environ("POST", urlencode(params), urlencode(form or {}).encode(), ip=ip)
        )
        return resp

    def call(self, route: str, form: dict[str, str] | None = None, **query: str) -> Any:
        resp = self.raw(route, form, **query)
        assert resp.status.startswith("200"), (resp.status, resp.body[:200])
        body = resp.body.decode()
        return json.loads(body[min(i for i in (body.find("{"), body.find("[")) if i >= 0) :])

    def checkout(self, product_id: int = 40) -> dict[str, Any]:
        """Customer, one product, US addresses, flat rate and cash on delivery, confirmed."""
        self.call("api/sale/customer", GUEST)
        self.call("api/sale/cart.add", {"product_id": str(product_id), "quantity": "1"})
        self.call("api/sale/payment_address", {**US, "payment_address_id": "0"})
        self.call("api/sale/shipping_address", {**US, "shipping_address_id": "0"})
        self.call("api/sale/shipping_method")
        self.call("api/sale/shipping_method.save", {"shipping_method": "flat.flat"})
        self.call("api/sale/payment_method")
        self.call("api/sale/payment_method.save", {"payment_method": "cod.cod"})
        return dict(self.call("api/sale/order.confirm"))


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(version="4.0", fixtures="recorded", test_mode=True, api_key=KEY) as shop:
        yield shop


def test_the_version_is_kept_and_checked() -> None:
    with Sandbox.start() as sb3:
        assert sb3.state.version == "3.0"
    with pytest.raises(ValueError, match="unknown version"):
        Sandbox.start(version="5.0")  # type: ignore[arg-type]


def test_over_http_the_failures_are_not_json(sb: Sandbox) -> None:
    with requests.Session() as http:
        login = http.post(sb.url + "index.php", params={"route": "api/account/login"},
                          data={"username": "Default", "key": KEY}).json()  # fmt: skip
        token = login["api_token"]
        cart = http.get(sb.url + "index.php", params={"route": "api/sale/cart", "api_token": token})
        assert cart.status_code == 200 and cart.json()["products"] == []
        missing = http.get(sb.url + "index.php", params={"route": "api/sale/cart"})
        assert missing.status_code == 404 and "The page you requested cannot be found!" in missing.text
        bad = http.get(sb.url + "index.php", params={"route": "api/sale/cart", "api_token": "f" * 26})
        assert (bad.status_code, bad.headers["Content-Type"], bad.text) == (
            500,
            "text/html; charset=UTF-8",
            SESSION_FATAL,
        )
        old = http.get(sb.url + "index.php", params={"route": "api/login", "api_token": token})
        assert old.status_code == 404


def test_the_api_session_slides_for_an_hour(sb: Sandbox) -> None:
    api = Api(sb)
    for _ in range(3):  # 150 minutes in all, never 60 idle
        sb.clock.advance(50 * 60)
        assert api.call("api/sale/cart")["products"] == []
    sb.clock.advance(61 * 60)
    resp = api.raw("api/sale/cart")
    assert (resp.status, resp.body.decode()) == ("500 Internal Server Error", SESSION_FATAL)


def test_expired_session_data_is_a_missing_session(sb: Sandbox) -> None:
    sb.set_setting("config_session_expire", 60)
    api = Api(sb)
    sb.clock.advance(61)
    assert api.raw("api/sale/cart").status == "404 Not Found"  # the api session is fine, its data gone


def test_the_ocsessid_cookie_skips_the_ip_check(sb: Sandbox) -> None:
    api = Api(sb)
    assert api.raw("api/sale/cart", ip="10.9.9.9").status.startswith("500")
    environ = wsgi_environ("GET", "route=api/sale/cart", b"", form=False, ip="10.9.9.9")
    environ["HTTP_COOKIE"] = f"OCSESSID={api.token}"
    assert sb.app.handle(environ).status == "200 OK"


def test_a_disabled_user_or_a_revoked_ip_kills_the_token_at_once(sb: Sandbox) -> None:
    api = Api(sb)
    sb.disable_api_user()
    assert api.raw("api/sale/cart").status.startswith("500")
    sb.enable_api_user()
    assert api.raw("api/sale/cart").status.startswith("200")
    sb.revoke_ip("127.0.0.1")
    assert api.raw("api/sale/cart").status.startswith("500")


def test_a_second_confirm_edits_the_order_and_keeps_its_currency(sb: Sandbox) -> None:
    api = Api(sb)
    first = api.checkout()
    assert first["success"] == "Success: You have modified orders!" and first["points"] == 0
    api.call("api/localisation/currency", {"currency": "EUR"})
    api.call("api/sale/cart.add", {"product_id": "33", "quantity": "2"})
    second = api.call("api/sale/order.confirm", {"order_status_id": "2"})
    assert second["order_id"] == first["order_id"]
    (row,) = sb.query("SELECT * FROM oc_order WHERE order_id = ?", (first["order_id"],))
    assert (row["currency_code"], row["order_status_id"], row["payment_firstname"]) == ("USD", 2, "")
    assert (row["payment_method"], row["payment_code"]) == ("Cash On Delivery", "cod.cod")
    assert (row["shipping_method"], row["shipping_code"]) == ("Flat Shipping Rate", "flat.flat")
    lines = sb.query(
        "SELECT product_id, quantity FROM oc_order_product WHERE order_id = ? ORDER BY product_id",
        (first["order_id"],),
    )
    assert [(r["product_id"], r["quantity"]) for r in lines] == [(33, 2), (40, 1)]
    statuses = [
        r["order_status_id"]
        for r in sb.query(
            "SELECT order_status_id FROM oc_order_history WHERE order_id = ?", (first["order_id"],)
        )
    ]
    assert statuses == [1, 0, 2]
    assert len(api.call("api/sale/cart")["products"]) == 2  # the cart is not emptied


def test_sold_vouchers_get_hex_codes_and_an_edit_replaces_them(sb: Sandbox) -> None:
    api = Api(sb)
    voucher = {"from_name": "A", "from_email": "a@example.com", "to_name": "B", "to_email": "b@example.com",
               "voucher_theme_id": "8", "message": "", "amount": "10"}  # fmt: skip
    for _ in range(3):
        api.call("api/sale/voucher.add", voucher)
    assert api.call("api/sale/voucher.remove", {"key": "1"})["success"]
    api.call("api/sale/voucher.add", voucher)
    assert [v["key"] for v in api.call("api/sale/cart")["vouchers"]] == [0, 2, 3]
    first = api.checkout()
    codes = [
        r["code"] for r in sb.query("SELECT code FROM oc_voucher WHERE order_id = ?", (first["order_id"],))
    ]
    assert len(codes) == 3 and all(len(c) == 10 and set(c) <= set("0123456789abcdef") for c in codes)
    api.call("api/sale/order.confirm")
    again = [
        r["code"] for r in sb.query("SELECT code FROM oc_voucher WHERE order_id = ?", (first["order_id"],))
    ]
    assert len(again) == 3 and not set(again) & set(codes)
    sb.delete_order(first["order_id"])
    assert sb.query("SELECT COUNT(*) AS n FROM oc_voucher WHERE order_id = ?", (first["order_id"],)) == [
        {"n": 0}
    ]


def test_php_warnings_follow_the_notice_switch() -> None:
    with Sandbox.start(version="4.0", fixtures="recorded", api_key=KEY, php_notices=False) as sb:
        api = Api(sb)
        body = api.raw("api/sale/payment_address", US).body.decode()
    assert body == '{"success":"Success: Payment address has been set!"}'


def test_generated_orders_get_4_0_codes_and_load_into_a_cart() -> None:
    with Sandbox.start(version="4.0", orders=20, catalogue=True, test_mode=True, api_key=KEY) as sb:
        rows = sb.query("SELECT order_id, payment_code, shipping_code FROM oc_order")
        assert len(rows) == 20
        assert {r["payment_code"] for r in rows} <= {
            "cod.cod",
            "bank_transfer.bank_transfer",
            "free_checkout.free_checkout",
        }
        assert {r["shipping_code"] for r in rows} == {"flat.flat"}
        order_id = rows[0]["order_id"]
        api = Api(sb)
        assert api.call("api/sale/order.load", order_id=str(order_id))["success"]
        products = sb.query("SELECT product_id FROM oc_order_product WHERE order_id = ?", (order_id,))
        in_cart = api.call("api/sale/cart")["products"]
        assert sorted(int(p["product_id"]) for p in in_cart) == sorted(p["product_id"] for p in products)
