"""addOrderHistory over HTTP (spec 5): stock moves with the processing/complete set, sold vouchers
keep ``status = 1`` and are redeemable only while the order is complete, corrupted rows in order/info.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from oc_connector_sandbox import Sandbox
from tests.support.sandbox_helpers import GB_ADDRESS, HttpApi, carl, session_voucher

OK = "Success: You have modified orders!"


class Api(HttpApi):
    """One logged-in API token that checks out and moves orders along."""

    def checkout(self, vouchers: dict[str, Any] | None = None, **data: str) -> int:
        """Customer, payment address and method in place, then ``api/order/add``; returns order_id."""
        self.patch(customer=carl(), **({"vouchers": vouchers} if vouchers else {}))
        assert "success" in self.call("api/payment/address", GB_ADDRESS)
        self.call("api/payment/methods")
        assert "success" in self.call("api/payment/method", {"payment_method": "bank_transfer"})
        resp = self.call("api/order/add", data)
        assert resp["success"] == OK, resp
        return int(resp["order_id"])

    def history(self, order_id: int, status_id: int) -> None:
        resp = self.call("api/order/history", {"order_status_id": str(status_id)}, order_id=order_id)
        assert resp == {"success": OK}


@pytest.fixture
def api() -> Iterator[Api]:
    with Sandbox.start(orders=0) as sb, requests.Session() as http:
        yield Api(sb, http)


def _stock(sb: Sandbox, product_id: int) -> int:
    return int(sb.query("SELECT quantity FROM oc_product WHERE product_id = ?", (product_id,))[0]["quantity"])


def _option_stock(sb: Sandbox, value_id: int) -> int:
    rows = sb.query(
        "SELECT quantity FROM oc_product_option_value WHERE product_option_value_id = ?", (value_id,)
    )
    return int(rows[0]["quantity"])


def _add_select_option(sb: Sandbox, product_id: int, *, quantity: int, subtract: int) -> tuple[int, int]:
    """A required select option with one value; returns (product_option_id, product_option_value_id)."""
    sb.execute("INSERT INTO oc_option (option_id, type, sort_order) VALUES (901, 'select', 1)")
    sb.execute("INSERT INTO oc_option_description (option_id, language_id, name) VALUES (901, 1, 'Size')")
    sb.execute(
        "INSERT INTO oc_option_value_description (option_value_id, language_id, option_id, name) "
        "VALUES (951, 1, 901, 'Large')"
    )
    sb.execute(
        "INSERT INTO oc_product_option (product_option_id, product_id, option_id, value, required) "
        "VALUES (801, ?, 901, '', 1)",
        (product_id,),
    )
    sb.execute(
        "INSERT INTO oc_product_option_value (product_option_value_id, product_option_id, product_id, "
        "option_id, option_value_id, quantity, subtract, price, price_prefix, points, points_prefix, "
        "weight, weight_prefix) VALUES (851, 801, ?, 901, 951, ?, ?, '0.0000', '+', 0, '+', '0', '+')",
        (product_id, quantity, subtract),
    )
    return 801, 851


def test_stock_follows_the_processing_set(api: Api) -> None:
    sb = api.sb
    lamp = sb.add_product(name="Lamp", quantity=10, shipping=0)
    free = sb.add_product(name="Ebook", quantity=10, shipping=0)
    sb.execute("UPDATE oc_product SET subtract = 0 WHERE product_id = ?", (free,))
    api.add_to_cart(lamp, 3)
    api.add_to_cart(free, 2)
    order_id = api.checkout()  # default status 1 (Pending) is a processing status
    assert sb.query("SELECT order_status_id FROM oc_order WHERE order_id = ?", (order_id,)) == [
        {"order_status_id": 1}
    ]
    assert (_stock(sb, lamp), _stock(sb, free)) == (7, 10)
    api.history(order_id, 5)  # Pending -> Complete: inside P, nothing moves
    assert _stock(sb, lamp) == 7
    api.history(order_id, 7)  # Canceled: leaves P, restock
    assert (_stock(sb, lamp), _stock(sb, free)) == (10, 10)
    api.history(order_id, 16)  # Canceled -> Voided: outside P both times
    assert _stock(sb, lamp) == 10
    api.history(order_id, 2)  # back into P: subtract again
    assert _stock(sb, lamp) == 7
    assert api.call("api/order/delete", order_id=order_id) == {"success": OK}  # status 0 restocks
    assert _stock(sb, lamp) == 10


def test_option_stock_moves_with_the_product(api: Api) -> None:
    sb = api.sb
    shirt = sb.add_product(name="Shirt", quantity=20, shipping=0)
    po_id, pov_id = _add_select_option(sb, shirt, quantity=5, subtract=1)
    api.add_to_cart(shirt, 2, {str(po_id): str(pov_id)})
    order_id = api.checkout()
    assert sb.query(
        "SELECT product_option_value_id FROM oc_order_option WHERE order_id = ?", (order_id,)
    ) == [{"product_option_value_id": pov_id}]
    assert (_stock(sb, shirt), _option_stock(sb, pov_id)) == (18, 3)
    api.history(order_id, 10)  # Failed: leaves P
    assert (_stock(sb, shirt), _option_stock(sb, pov_id)) == (20, 5)
    sb.execute("UPDATE oc_product_option_value SET subtract = 0 WHERE product_option_value_id = ?", (pov_id,))
    api.history(order_id, 3)  # Shipped: enters P; the option value no longer subtracts
    assert (_stock(sb, shirt), _option_stock(sb, pov_id)) == (18, 5)


def test_order_placed_outside_processing_moves_no_stock(api: Api) -> None:
    sb = api.sb
    lamp = sb.add_product(name="Lamp", quantity=10, shipping=0)
    api.add_to_cart(lamp, 4)
    order_id = api.checkout(order_status_id="7")
    assert _stock(sb, lamp) == 10
    api.history(order_id, 5)
    assert _stock(sb, lamp) == 6


def test_sold_voucher_is_usable_only_while_the_order_is_complete(api: Api) -> None:
    sb = api.sb
    order_id = api.checkout(vouchers={"SESSION1": session_voucher("30")})
    [voucher] = sb.query("SELECT code, status FROM oc_voucher WHERE order_id = ?", (order_id,))
    code = voucher["code"]

    def redeem() -> Any:
        return api.call("api/voucher", {"voucher": code})

    bad = {"error": "Warning: Gift Voucher is either invalid or the balance has been used up!"}
    good = {"success": "Success: Your gift voucher discount has been applied!"}
    steps = [(None, bad), (5, good), (2, bad), (3, good), (7, bad)]  # Pending, Complete, ..., Canceled
    for status, expected in steps:
        if status is not None:
            api.history(order_id, status)
        assert redeem() == expected, status
        assert sb.query("SELECT status FROM oc_voucher WHERE code = ?", (code,)) == [{"status": 1}]
    assert api.call("api/order/delete", order_id=order_id) == {"success": OK}
    assert sb.query("SELECT status FROM oc_voucher WHERE code = ?", (code,)) == [{"status": 0}]


def test_order_info_returns_a_corrupted_status_as_stored(api: Api) -> None:
    sb = api.sb
    lamp = sb.add_product(name="Lamp", quantity=10, shipping=0)
    api.add_to_cart(lamp, 1)
    order_id = api.checkout()
    sb.execute("UPDATE oc_order SET order_status_id = 'garbage' WHERE order_id = ?", (order_id,))
    resp = api.call("api/order/info", order_id=order_id)
    assert resp["success"] == OK
    assert (resp["order"]["order_status_id"], resp["order"]["order_status"]) == ("garbage", None)
    assert resp["order"]["order_id"] == str(order_id)
    api.history(order_id, 7)  # MySQL reads 'garbage' as 0: outside P, so no restock
    assert _stock(sb, lamp) == 9
    info = api.call("api/order/info", order_id=order_id)["order"]
    assert (info["order_status_id"], info["order_status"]) == ("7", "Canceled")
