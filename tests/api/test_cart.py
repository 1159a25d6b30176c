"""Every CartSession route against recorded bodies: where each parameter goes, and the typed result."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import responses

from oc_connector import errors
from oc_connector.api.client import OpenCartClient
from oc_connector.api.orders import OrderDraft, OrderOperations
from oc_connector.api.records import Address, CartItem, VoucherDraft
from oc_connector.wire.transport import Transport
from tests.support.recorded_exchanges import load

BASE = "https://shop.example/"
URL = BASE + "index.php"
LOGIN = '{"success":"Success: API session successfully started!","api_token":"dddddddddddddddddddddddd04"}'
OK = '{"success":"Success"}'


def body(file: str, case_start: str) -> str:
    return next(e.body for e in load(file) if e.case.startswith(case_start))


def client() -> OpenCartClient:
    transport = Transport(BASE, rate_limit=None, sleep=lambda _s: None)
    return OpenCartClient(BASE, api_key="session-key-0123456789", transport=transport)


def last() -> tuple[str, dict[str, list[str]], list[tuple[str, str]]]:
    req = responses.calls[-1].request
    query = parse_qs(urlsplit(req.url).query)
    form = parse_qsl(req.body or "", keep_blank_values=True)
    return query.pop("route")[0], query, form


ADDR = Address(
    firstname="Alice",
    lastname="Archer",
    address_1="1 Test Street",
    city="Manchester",
    postcode="M1 1AA",
    country_id=222,
    zone_id=3563,
    custom_field={"1": "x"},
)


@responses.activate
def test_every_stateful_route() -> None:
    responses.post(URL, body=LOGIN)
    s = client().session()

    responses.post(URL, body=OK)
    s.set_currency("EUR")
    assert last()[0] == "api/currency" and last()[2] == [("currency", "EUR")]

    s.set_customer(
        firstname="A",
        lastname="B",
        email="a@b.c",
        telephone="123",
        customer_group_id=1,
        custom_field={"3": "v"},
    )
    route, query, form = last()
    assert route == "api/customer" and "api_token" in query
    assert form == [
        ("customer_id", "0"),
        ("customer_group_id", "1"),
        ("firstname", "A"),
        ("lastname", "B"),
        ("email", "a@b.c"),
        ("telephone", "123"),
        ("custom_field[3]", "v"),
    ]

    s.add_product(42, 2, {218: "6", 223: ["8", "10"]})
    assert last()[2] == [
        ("product_id", "42"),
        ("quantity", "2"),
        ("option[218]", "6"),
        ("option[223][0]", "8"),
        ("option[223][1]", "10"),
    ]

    s.replace_cart([CartItem(28, 1), CartItem(30, 2, {226: "15"})])
    assert last()[0] == "api/cart/add"
    assert last()[2] == [
        ("product[0][product_id]", "28"),
        ("product[0][quantity]", "1"),
        ("product[1][product_id]", "30"),
        ("product[1][quantity]", "2"),
        ("product[1][option][226]", "15"),
    ]

    s.edit_cart(7, 3)
    assert last()[:1] == ("api/cart/edit",) and last()[2] == [("key", "7"), ("quantity", "3")]
    s.remove_cart(7)
    assert last()[2] == [("key", "7")]
    s.apply_coupon("APITEST10")
    assert last()[2] == [("coupon", "APITEST10")]
    s.apply_voucher("V1")
    assert last()[2] == [("voucher", "V1")]
    s.apply_reward(100)
    assert last()[0] == "api/reward" and last()[2] == [("reward", "100")]
    draft = VoucherDraft("Gina", "g@x.y", "Ann", "a@x.y", 7, "hi", Decimal("25.00"))
    s.add_voucher(draft)
    assert last()[2][0] == ("from_name", "Gina") and ("amount", "25.00") in last()[2]
    s.add_vouchers([VoucherDraft("G", "g@x.y", "B", "b@x.y", 6, "m", Decimal("10"), code="API-ARR-2")])
    assert last()[2][:2] == [("voucher[0][code]", "API-ARR-2"), ("voucher[0][from_name]", "G")]
    s.set_payment_address(ADDR)
    assert last()[0] == "api/payment/address"
    assert ("country_id", "222") in last()[2] and ("custom_field[1]", "x") in last()[2]
    s.set_payment_method("cod")
    assert last()[2] == [("payment_method", "cod")]
    s.set_shipping_method("flat.flat")
    assert last()[2] == [("shipping_method", "flat.flat")]

    responses.post(URL, body="[]")  # nothing ships: no-op, not an error
    s.set_shipping_address(ADDR)
    assert last()[0] == "api/shipping/address"


@responses.activate
def test_reading_routes_return_typed_records() -> None:
    responses.post(URL, body=LOGIN)
    s = client().session()
    responses.post(URL, body=body("api_cart_products.json", "success: cart after edit/remove"))
    cart = s.cart()
    assert [(p.cart_id, p.product_id, p.quantity) for p in cart.products] == [(7, 30, 1), (6, 40, 3)]
    assert cart.totals[0] == ("Sub-Total", "$383.00") and cart.errors == {}
    responses.replace(responses.POST, URL, body=body("api_cart_products.json", "success with stock error"))
    assert "stock" in s.cart().errors
    responses.replace(responses.POST, URL, body='{"maximum":200}')
    assert s.reward_maximum() == 200
    responses.replace(responses.POST, URL, body='{"points":null}')
    assert s.reward_available() is None
    responses.replace(responses.POST, URL, body=body("api_payment_methods.json", "success"))
    methods = s.payment_methods()
    assert methods["bank_transfer"].title == "Bank Transfer" and methods["bank_transfer"].sort_order == 2
    responses.replace(
        responses.POST, URL, body=body("api_shipping_methods.json", "success: shipping methods")
    )
    flat = s.shipping_methods()["flat"]
    assert flat.quotes["flat"].code == "flat.flat" and flat.quotes["flat"].cost == Decimal("5.00")
    responses.replace(responses.POST, URL, body='{"shipping_methods":[]}')
    assert s.shipping_methods() == {}


@responses.activate
def test_order_add_and_edit_are_never_retried() -> None:
    responses.post(URL, body=LOGIN)
    s = client().session()
    responses.post(URL, body='{"success":"Success: You have modified orders!","order_id":5}')
    assert s.add_order(comment="c", order_status_id=2, payment_method="cod") == 5
    assert last()[2] == [("comment", "c"), ("order_status_id", "2"), ("payment_method", "cod")]
    responses.replace(responses.POST, URL, status=503)
    with pytest.raises(errors.OutcomeUnknown):
        s.edit_order(15, comment="e")
    assert last()[1]["order_id"] == ["15"]
    n = len(responses.calls)
    with pytest.raises(errors.OutcomeUnknown):
        s.add_order()
    assert len(responses.calls) == n + 1


@responses.activate
def test_session_has_its_own_token_and_never_silently_relogs() -> None:
    responses.post(URL, body=LOGIN)
    c = client()
    s = c.session()
    responses.post(URL, body=OK)
    s.set_currency("USD")
    responses.replace(
        responses.POST, URL, body='{"error":"Warning: You do not have permission to access the API!"}'
    )
    with pytest.raises(errors.PermissionDenied):
        s.set_currency("USD")
    assert c.stats["logins"] == 0  # the parent client never logged in


def test_update_refuses_an_empty_status_before_any_call() -> None:
    ops = OrderOperations(client())
    for bad in (None, 0, "", "0"):
        with pytest.raises(errors.ValidationError):
            ops.update(9, order_status_id=bad)


@responses.activate
def test_create_runs_the_whole_flow() -> None:
    responses.post(URL, body=LOGIN)
    routes = {
        "api/shipping/methods": body("api_shipping_methods.json", "success: shipping methods"),
        "api/payment/methods": body("api_payment_methods.json", "success"),
        "api/order/add": '{"success":"Success: You have modified orders!","order_id":77}',
    }
    for route in [
        "api/customer",
        "api/cart/add",
        "api/payment/address",
        "api/shipping/address",
        "api/shipping/methods",
        "api/shipping/method",
        "api/payment/methods",
        "api/payment/method",
        "api/order/add",
    ]:
        responses.post(URL, body=routes.get(route, OK))
    draft = OrderDraft(
        firstname="A",
        lastname="B",
        email="a@b.c",
        telephone="123",
        items=[CartItem(40, 1)],
        payment_address=ADDR,
        comment="hello",
    )
    assert OrderOperations(client()).create(draft) == 77
    sent = [parse_qs(urlsplit(c.request.url).query)["route"][0] for c in responses.calls]
    assert sent[0] == "api/login" and sent[-1] == "api/order/add"
    forms = {parse_qs(urlsplit(c.request.url).query)["route"][0]: c.request.body for c in responses.calls}
    assert forms["api/shipping/method"] == "shipping_method=flat.flat"
    assert forms["api/payment/method"] == "payment_method=free_checkout"
