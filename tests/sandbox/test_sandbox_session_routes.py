"""Session-state routes over the WSGI app: customer, coupon, reward*, currency, voucher, voucher/add."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oc_connector_sandbox import Sandbox
from tests.support.sandbox_helpers import DENIED, GIFT_VOUCHER, GUEST_ALICE, MODIFIED, WsgiClient

COUPON_BAD = {"error": "Warning: Coupon is either invalid, expired or reached it's usage limit!"}
VOUCHER_BAD = {"error": "Warning: Gift Voucher is either invalid or the balance has been used up!"}


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=0, test_mode=True) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> WsgiClient:
    return WsgiClient(sb)


def test_permission_shapes_and_keys_dropped_before_the_check(sb: Sandbox) -> None:
    anon = WsgiClient(sb, token="nosuchtoken")
    for route in ("api/customer", "api/voucher/add"):
        assert anon.call(route) == {"error": {"warning": DENIED}}
    for route in (
        "api/coupon",
        "api/currency",
        "api/reward",
        "api/reward/maximum",
        "api/reward/available",
        "api/voucher",
    ):
        assert anon.call(route) == {"error": DENIED}


# -- customer --------------------------------------------------------------------------------------
def test_customer_validation_guest_and_login(sb: Sandbox, client: WsgiClient) -> None:
    assert client.call("api/customer") == {
        "error": {
            "firstname": "First Name must be between 1 and 32 characters!",
            "lastname": "Last Name must be between 1 and 32 characters!",
            "email": "E-Mail Address does not appear to be valid!",
            "telephone": "Telephone must be between 3 and 32 characters!",
        }
    }
    assert client.call("api/customer", {**GUEST_ALICE, "email": "not-an-email", "telephone": "1"}) == {
        "error": {
            "email": "E-Mail Address does not appear to be valid!",
            "telephone": "Telephone must be between 3 and 32 characters!",
        }
    }
    assert client.call("api/customer", {**GUEST_ALICE, "customer_id": "9999"}) == {
        "error": {"warning": "You must select a customer!"}
    }
    assert client.call("api/customer", {**GUEST_ALICE, "firstname": "X" * 33}) == {
        "error": {"firstname": "First Name must be between 1 and 32 characters!"}
    }
    ok = {"success": "You have successfully modified customers"}
    assert (
        client.call("api/customer", {**GUEST_ALICE, "customer_group_id": "77", "custom_field[1]": "x"}) == ok
    )
    customer = client.session()["customer"]
    assert customer["customer_group_id"] == 1 and customer["custom_field"] == {"1": "x"}
    assert "customer_id" not in client.session()
    cid = sb.add_customer(firstname="Carl", reward_points=1000)
    assert client.call("api/customer", {**GUEST_ALICE, "customer_id": str(cid)}) == ok
    assert client.session()["customer_id"] == cid
    assert sb.query("SELECT ip FROM oc_customer WHERE customer_id = ?", (cid,))[0]["ip"] == "127.0.0.1"
    # A guest afterwards does not log the customer out.
    assert client.call("api/customer", GUEST_ALICE) == ok
    assert client.session()["customer_id"] == cid
    assert client.call("api/reward/available") == {"points": "1000"}
    # A failed attempt removes the session customer.
    client.call("api/customer", {**GUEST_ALICE, "email": ""})
    assert "customer" not in client.session()
    disabled = sb.add_customer(status=0)
    assert client.call("api/customer", {**GUEST_ALICE, "customer_id": str(disabled)})["error"] == {
        "warning": "You must select a customer!"
    }


# -- coupon ----------------------------------------------------------------------------------------
def test_coupon_rules(sb: Sandbox, client: WsgiClient) -> None:
    sb.add_coupon(code="SESS10")
    sb.add_coupon(code="SESSBIG", total="500.0000")
    sb.add_coupon(code="SESSOFF", status=0)
    sb.add_coupon(code="SESSLOG", logged=1)
    ok = {"success": "Success: Your coupon discount has been applied!"}
    assert client.call("api/coupon", {"coupon": "SESS10"}) == ok  # empty cart is fine
    assert client.session()["coupon"] == "SESS10"
    assert client.call("api/coupon", {"coupon": "NOSUCH"}) == COUPON_BAD
    assert "coupon" not in client.session()
    assert client.call("api/coupon") == COUPON_BAD
    assert client.call("api/coupon", {"coupon": "SESSOFF"}) == COUPON_BAD
    assert client.call("api/coupon", {"coupon": "SESSBIG"}) == COUPON_BAD
    assert client.call("api/coupon", {"coupon": "SESSLOG"}) == COUPON_BAD
    assert client.call("api/coupon", {"coupon": "sess10"}) == ok
    pid = sb.add_product(name="Big", price="600.0000")
    client.call("api/cart/add", {"product_id": str(pid)})
    assert client.call("api/coupon", {"coupon": "SESSBIG"}) == ok
    totals = [t["title"] for t in client.call("api/cart/products")["totals"]]
    assert "Coupon (SESSBIG)" in totals


# -- voucher redeem --------------------------------------------------------------------------------
def test_voucher_redeem(sb: Sandbox, client: WsgiClient) -> None:
    sb.add_voucher(code="SESSGIFT")
    sb.add_voucher(code="SESSNOTHEME", voucher_theme_id=999)
    ok = {"success": "Success: Your gift voucher discount has been applied!"}
    assert client.call("api/voucher", {"voucher": "SESSGIFT"}) == ok
    assert client.session()["voucher"] == "SESSGIFT"
    assert client.call("api/voucher", {"voucher": "NOSUCH"}) == VOUCHER_BAD
    assert "voucher" not in client.session()
    assert client.call("api/voucher") == VOUCHER_BAD
    assert client.call("api/voucher", {"voucher": "SESSNOTHEME"}) == VOUCHER_BAD


# -- reward ----------------------------------------------------------------------------------------
def test_reward_checks_last_error_wins(sb: Sandbox, client: WsgiClient) -> None:
    assert client.call("api/reward/available") == {"points": None}
    assert client.call("api/reward/maximum") == {"maximum": 0}
    pid = sb.add_product(name="Pointy", points=200)
    cid = sb.add_customer(reward_points=1000)
    client.call("api/customer", {**GUEST_ALICE, "customer_id": str(cid)})
    client.call("api/cart/add", {"product_id": str(pid)})
    assert client.call("api/reward/maximum") == {"maximum": 200}
    assert client.call("api/reward", {"reward": "0"}) == {
        "error": "Warning: Please enter the amount of reward points to use!"
    }
    assert client.call("api/reward", {"reward": "300"}) == {
        "error": "Warning: The maximum number of points that can be applied is 200!"
    }
    assert client.call("api/reward", {"reward": "5000"}) == {
        "error": "Warning: The maximum number of points that can be applied is 200!"
    }
    assert client.call("api/reward", {"reward": "100"}) == {
        "success": "Success: Your reward points discount has been applied!"
    }
    assert client.session()["reward"] == 100
    assert client.raw("api/reward") == (
        '<b>Warning</b>: Undefined array key "reward" in <b><OC_ROOT>/catalog/controller/api/reward.php</b> '
        'on line <b>28</b><b>Warning</b>: Undefined array key "reward" in '
        "<b><OC_ROOT>/catalog/controller/api/reward.php</b> on line <b>32</b>"
        '{"error":"Warning: Please enter the amount of reward points to use!"}'
    )
    assert "reward" not in client.session()
    guest = WsgiClient(sb)
    guest.call("api/cart/add", {"product_id": str(pid)})
    assert guest.call("api/reward", {"reward": "50"}) == {
        "error": "Warning: You don't have 50 reward points!"
    }


# -- currency --------------------------------------------------------------------------------------
def test_currency(sb: Sandbox, client: WsgiClient) -> None:
    ok = {"success": "Success: Your currency has been changed!"}
    client.patch(shipping_method={"code": "flat.flat"}, payment_method={"code": "cod"})
    assert client.call("api/currency", {"currency": "EUR"}) == ok
    session = client.session()
    assert session["currency"] == "EUR" and "shipping_method" not in session and "payment_method" in session
    assert client.call("api/currency", {"currency": "XXX"}) == {"error": "Warning: Currency code is invalid!"}
    assert client.raw("api/currency") == (
        '<b>Warning</b>: Undefined array key "currency" in '
        "<b><OC_ROOT>/catalog/controller/api/currency.php</b> "
        'on line <b>13</b>{"error":"Warning: Currency code is invalid!"}'
    )
    assert client.call("api/currency", {"currency": "eur"}) == ok
    assert client.session()["currency"] == "eur"
    assert client.call("api/currency", {"currency": "USD"}) == ok


# -- voucher/add -----------------------------------------------------------------------------------
def test_voucher_add_single_form(sb: Sandbox, client: WsgiClient) -> None:
    assert client.call("api/voucher/add") == {
        "error": {
            "from_name": "Your Name must be between 1 and 64 characters!",
            "from_email": "E-Mail Address does not appear to be valid!",
            "to_name": "Recipient's Name must be between 1 and 64 characters!",
            "to_email": "E-Mail Address does not appear to be valid!",
            "amount": "Amount must be between $1.00 and $1,000.00!",
        }
    }
    assert client.call("api/voucher/add", {**GIFT_VOUCHER, "from_email": "x", "to_email": "y@"}) == {
        "error": {
            "from_email": "E-Mail Address does not appear to be valid!",
            "to_email": "E-Mail Address does not appear to be valid!",
        }
    }
    for amount in ("0.5", "5000"):
        assert client.call("api/voucher/add", {**GIFT_VOUCHER, "amount": amount}) == {
            "error": {"amount": "Amount must be between $1.00 and $1,000.00!"}
        }
    client.patch(payment_methods={"cod": {}})
    assert client.call("api/voucher/add", GIFT_VOUCHER) == MODIFIED
    assert client.call("api/voucher/add", {**GIFT_VOUCHER, "amount": "10"}) == MODIFIED
    assert "payment_methods" not in client.session()
    cart = client.call("api/cart/products")
    assert [v["description"] for v in cart["vouchers"]] == [
        "$25.00 Gift Certificate for Rex Receiver",
        "$10.00 Gift Certificate for Rex Receiver",
    ]
    first = cart["vouchers"][0]
    assert isinstance(first["code"], int) and first["amount"] == 25 and first["voucher_theme_id"] == "8"
    assert cart["totals"] == [{"title": "Sub-Total", "text": "$35.00"}, {"title": "Total", "text": "$35.00"}]
    # cart/remove with the session code drops that voucher.
    assert client.call("api/cart/remove", {"key": str(cart["vouchers"][1]["code"])}) == MODIFIED
    assert len(client.call("api/cart/products")["vouchers"]) == 1


def test_voucher_add_bulk_form(sb: Sandbox, client: WsgiClient) -> None:
    client.call("api/voucher/add", GIFT_VOUCHER)
    form = []
    for i, (code, name, amount) in enumerate(
        (("API-ARR-1", "Ann One", "200"), ("API-ARR-2", "Ben Two", "99999"))
    ):
        form += [
            (f"voucher[{i}][{k}]", v)
            for k, v in {**GIFT_VOUCHER, "code": code, "to_name": name, "amount": amount}.items()
        ]
    assert client.call("api/voucher/add", form) == MODIFIED
    vouchers = client.call("api/cart/products")["vouchers"]
    assert [(v["code"], v["description"], v["amount"]) for v in vouchers] == [
        ("API-ARR-1", "$200.00 Gift Certificate for Ann One", 200),
        ("API-ARR-2", "$99,999.00 Gift Certificate for Ben Two", 99999),
    ]
    incomplete = [
        ("voucher[0][code]", "INCOMPLETE"),
        ("voucher[0][to_name]", "Nobody"),
        ("voucher[0][amount]", "5"),
    ]
    assert client.call("api/voucher/add", incomplete) == MODIFIED
    assert client.call("api/cart/products")["vouchers"] == []
    client.call("api/voucher/add", GIFT_VOUCHER)
    assert client.raw("api/voucher/add", {"voucher": "notanarray"}) == (
        "<b>Warning</b>: foreach() argument must be of type array|object, string given in "
        "<b><OC_ROOT>/catalog/controller/api/voucher.php</b> on line <b>65</b>"
        '{"success":"Success: You have modified your shopping cart!"}'
    )
    assert client.session()["vouchers"] == {}


def test_voucher_amount_converted_from_session_currency(sb: Sandbox, client: WsgiClient) -> None:
    client.call("api/currency", {"currency": "EUR"})
    assert client.call("api/voucher/add", {**GIFT_VOUCHER, "amount": "25"}) == MODIFIED
    voucher = client.call("api/cart/products")["vouchers"][0]
    assert voucher["description"] == "25.00\u20ac Gift Certificate for Rex Receiver"
    assert abs(voucher["amount"] - 25 / 0.7846) < 1e-6
