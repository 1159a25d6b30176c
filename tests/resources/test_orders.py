"""Orders end to end against the sandbox: read, create, update and upsert, with their requests pinned."""

from __future__ import annotations

from typing import Any

import pytest

from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.api.orders import OrderDraft
from oc_connector.api.records import Address, CartItem
from oc_connector.errors import ConfigurationError, NotFoundError, ValidationError
from oc_connector.resources import Orders, key_marker
from oc_connector_sandbox import Sandbox

CART_FLOW = [
    "api/login", "api/customer", "api/cart/add", "api/payment/address", "api/shipping/address",
    "api/shipping/methods", "api/shipping/method", "api/payment/methods", "api/payment/method",
    "api/order/add",
]
ADDRESS = Address(firstname="Ann", lastname="Buyer", address_1="1 Test Street", city="London",
                  country_id=222, zone_id=3563, postcode="SW1A 1AA")
DRAFT = OrderDraft(firstname="Ann", lastname="Buyer", email="ann@example.com", telephone="0123456",
                   items=[CartItem(28, 1)], payment_address=ADDRESS, comment="ring twice")


def _order(sb: Sandbox, order_id: int) -> dict[str, Any]:
    return sb.query("SELECT * FROM oc_order WHERE order_id = ?", (order_id,))[0]


def test_read_uses_the_api_and_with_admin_also_the_order_page(
    api: OpenCartClient, admin: AdminClient, routes: Any
) -> None:
    plain, sent = routes(lambda: Orders(api=api).read(1))
    assert (plain.channel, plain.value.page, sent) == ("api", None, ["api/login", "api/order/info"])
    full, sent = routes(lambda: Orders(api=api, admin=admin).read(1))
    assert full.channel == "admin" and sent == ["api/order/info", "common/login", "sale/order/info"]
    assert full.value.page is not None and full.value.page.totals[-1].title == "Total"
    with pytest.raises(NotFoundError):
        Orders(api=api).read(22)  # the generator leaves id 22 unused


def test_create_runs_the_cart_flow_once(sb: Sandbox, api: OpenCartClient, routes: Any) -> None:
    made, sent = routes(lambda: Orders(api=api).create(DRAFT))
    assert sent == CART_FLOW and (made.action, made.channel) == ("create", "api")
    row = _order(sb, made.id)
    assert (row["email"], row["comment"], row["order_status_id"]) == ("ann@example.com", "ring twice", 1)


def test_update_sends_only_the_given_fields(sb: Sandbox, api: OpenCartClient, routes: Any) -> None:
    status = _order(sb, 1)["order_status_id"]
    done, sent = routes(lambda: Orders(api=api).update(1, {"comment": "called the customer"}))
    assert sent == ["api/login", "api/order/info", "api/order/history"] and done.action == "update"
    history = sb.query("SELECT * FROM oc_order_history WHERE order_id = 1 ORDER BY order_history_id DESC")[0]
    assert (history["comment"], history["order_status_id"], history["notify"]) == (
        "called the customer", status, 0)
    assert _order(sb, 1)["order_status_id"] == status  # kept: no status was given

    _, sent = routes(lambda: Orders(api=api).update(1, {"order_status_id": 2, "notify": True}))
    assert sent == ["api/order/history"]  # a status given: nothing to read first
    assert _order(sb, 1)["order_status_id"] == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"order_status_id": None}, "order_status_id"),
        ({"order_status_id": 0}, "order_status_id"),
        ({"order_status_id": ""}, "order_status_id"),
        ({"total": 5}, "total"),
        ({"notify": "yes"}, "notify"),
        ({}, "changes"),
    ],
)
def test_bad_or_clearing_updates_are_refused_before_any_call(
    sb: Sandbox, api: OpenCartClient, changes: dict[str, Any], field: str
) -> None:
    before = len(sb.request_log)
    with pytest.raises(ValidationError) as caught:
        Orders(api=api).update(1, changes)
    assert field in caught.value.fields and len(sb.request_log) == before


def test_upsert_twice_with_the_same_key_leaves_one_order(
    sb: Sandbox, api: OpenCartClient, admin: AdminClient, routes: Any
) -> None:
    orders = Orders(api=api, admin=admin)
    first, sent = routes(lambda: orders.upsert("crm-1001", DRAFT))
    assert first.action == "create" and sent == ["common/login", "sale/order", *CART_FLOW]
    again, sent = routes(lambda: orders.upsert("crm-1001", DRAFT))
    assert (again.id, again.action, again.channel) == (first.id, "none", "admin")
    # the draft's customer listed, the comment checked (the client's own token: the cart had a fresh one)
    assert sent == ["sale/order", "api/login", "api/order/info"]
    changed, sent = routes(lambda: orders.upsert("crm-1001", {"order_status_id": 2}))
    assert (changed.id, changed.action) == (first.id, "update")
    assert sent == ["sale/order", "api/order/info", "api/order/history"]
    marker = key_marker("crm-1001")
    rows = sb.query("SELECT order_id, comment, order_status_id FROM oc_order WHERE comment LIKE ?",
                    (f"%{marker}%",))
    assert [(r["order_id"], r["comment"], r["order_status_id"]) for r in rows] == [
        (first.id, f"ring twice\n{marker}", 2)
    ]


def test_upsert_without_admin_scans_ids_for_the_key(sb: Sandbox, api: OpenCartClient) -> None:
    orders = Orders(api=api, scan_misses=3)
    first = orders.upsert("crm-7", DRAFT)
    second = orders.upsert("crm-7", DRAFT)
    assert (second.id, second.action) == (first.id, "none")
    assert len(sb.query("SELECT order_id FROM oc_order WHERE comment LIKE '%crm-7]%'")) == 1
    with pytest.raises(NotFoundError):
        orders.upsert("crm-unknown", {"comment": "x"})


def test_verbs_refuse_bad_arguments_and_missing_channels() -> None:
    with pytest.raises(ValidationError) as caught:
        Orders(api=None).upsert("bad key!", DRAFT)
    assert "key" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        Orders(api=None).create(OrderDraft(firstname="A", lastname="B", email="a@b.cd", telephone="123",
                                           items=[], payment_address=ADDRESS))
    assert caught.value.fields == {"items": "required"}
    with pytest.raises(ConfigurationError, match="catalog API"):
        Orders(api=None).read(1)
    with pytest.raises(ConfigurationError, match="admin credentials or a synced warehouse"):
        Orders(api=None).query(status=1)
    with pytest.raises(ValidationError):
        Orders(api=None).read(0)
