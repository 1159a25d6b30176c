"""Coupons end to end against the sandbox: each verb's requests, what the shop stores, the field rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from oc_connector.admin import AdminClient
from oc_connector.errors import AdminFormError, AdminNotFoundError, ConfigurationError, ValidationError
from oc_connector.resources import Coupons
from oc_connector_sandbox import Sandbox

LIST, FORM, ADD = "marketing/coupon", "marketing/coupon/edit", "marketing/coupon/add"
SPRING = {"name": "Spring sale", "type": "P", "discount": Decimal("10"), "date_start": date(2026, 3, 1),
          "date_end": date(2026, 3, 31), "products": (28, 30)}


def _row(sb: Sandbox, code: str) -> dict[str, Any]:
    rows = sb.query("SELECT * FROM oc_coupon WHERE code = ?", (code,))
    assert len(rows) == 1
    return rows[0]


def test_create_read_update_upsert_query_with_their_requests(
    sb: Sandbox, admin: AdminClient, routes: Any
) -> None:
    coupons = Coupons(admin=admin)
    made, sent = routes(lambda: coupons.create("SPRING26", SPRING))
    assert (made.action, made.channel, made.key) == ("create", "admin", "SPRING26")
    assert sent == ["common/login", LIST, ADD, FORM]  # scan, post, read back
    stored = _row(sb, "SPRING26")
    assert (stored["name"], stored["type"], float(stored["discount"])) == ("Spring sale", "P", 10.0)
    products = sb.query("SELECT product_id FROM oc_coupon_product WHERE coupon_id = ? ORDER BY 1",
                        (made.id,))
    assert [p["product_id"] for p in products] == [28, 30]

    found, sent = routes(lambda: coupons.read("spring26"))
    assert sent == [LIST, FORM] and found.channel == "admin" and found.id == made.id
    assert (found.value.name, found.value.date_end, found.value.products) == (
        "Spring sale", date(2026, 3, 31), (28, 30))

    before = _row(sb, "SPRING26")
    changed, sent = routes(lambda: coupons.update("SPRING26", {"discount": 15}))
    assert sent == [LIST, FORM, FORM, FORM] and changed.action == "update"  # find, post, read back
    after = _row(sb, "SPRING26")
    assert {k for k in after if after[k] != before[k]} == {"discount"}  # only the given field changed
    assert float(after["discount"]) == 15.0

    again, sent = routes(lambda: coupons.upsert("SPRING26", {"discount": 15}))
    assert (again.action, sent) == ("none", [LIST, FORM, FORM])  # already so: no post

    rows, sent = routes(lambda: coupons.query(name="spring", status=True, active_on=date(2026, 3, 15)).all())
    assert [r.code for r in rows] == ["SPRING26"] and sent == [LIST]
    assert coupons.query(active_on=date(2026, 4, 1)).all() == []
    assert [r.code for r in coupons.query(code="spring26")] == ["SPRING26"]


def test_upsert_twice_with_the_same_code_leaves_one_coupon(sb: Sandbox, admin: AdminClient) -> None:
    coupons = Coupons(admin=admin)
    first = coupons.upsert("ONCE26", {"name": "Once only", "discount": 5})
    second = Coupons(admin=admin).upsert("once26", {"name": "Once only", "discount": 5})
    assert (first.action, second.action, first.id) == ("create", "none", second.id)
    assert len(sb.query("SELECT coupon_id FROM oc_coupon WHERE lower(code) = 'once26'")) == 1


def test_create_refuses_a_taken_code_and_update_an_unknown_one(sb: Sandbox, admin: AdminClient) -> None:
    coupons = Coupons(admin=admin)
    coupons.create("TAKEN1", {"name": "Taken"})
    with pytest.raises(AdminFormError, match="in use"):
        coupons.create("TAKEN1", {"name": "Taken"})
    with pytest.raises(AdminNotFoundError):
        coupons.update("NOSUCH1", {"discount": 1})
    with pytest.raises(AdminNotFoundError):
        coupons.read("NOSUCH1")
    assert len(sb.query("SELECT coupon_id FROM oc_coupon WHERE code IN ('TAKEN1', 'NOSUCH1')")) == 1


@pytest.mark.parametrize(
    ("code", "fields", "field"),
    [
        ("SPRING26", {"name": None}, "name"),
        ("SPRING26", {"date_end": None}, "date_end"),
        ("SPRING26", {"type": None}, "type"),
        ("SPRING26", {"type": "X"}, "type"),
        ("SPRING26", {"colour": "red"}, "colour"),
        ("SPRING26", {"date_start": "1 March"}, "date_start"),
        ("X", {"discount": 1}, "_"),
        ("SPRING26", {}, "changes"),
    ],
)
def test_bad_or_clearing_updates_are_refused_before_any_call(
    sb: Sandbox, admin: AdminClient, code: str, fields: dict[str, Any], field: str
) -> None:
    before = len(sb.request_log)
    with pytest.raises(ValidationError) as caught:
        Coupons(admin=admin).update(code, fields)
    assert field in caught.value.fields or (field == "_" and "code" in str(caught.value))
    assert len(sb.request_log) == before


def test_create_needs_a_name_and_every_verb_needs_admin() -> None:
    with pytest.raises(ValidationError) as caught:
        Coupons(admin=None).create("NEW1", {"discount": 1})
    assert caught.value.fields == {"name": "required"}
    with pytest.raises(ConfigurationError, match="admin"):
        Coupons(admin=None).query()
    with pytest.raises(ConfigurationError):
        Coupons(admin=None).upsert("NEW1", {"name": "New"})
