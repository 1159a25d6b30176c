"""Vouchers end to end against the sandbox: each verb's requests, what the shop stores, the field rules."""

from __future__ import annotations

from typing import Any

import pytest

from oc_connector.admin import AdminClient
from oc_connector.errors import AdminNotFoundError, ConfigurationError, ValidationError
from oc_connector.resources import Vouchers
from oc_connector_sandbox import Sandbox

LIST, FORM, ADD = "sale/voucher", "sale/voucher/edit", "sale/voucher/add"
GIFT = {"from_name": "The Shop", "from_email": "shop@example.com", "to_name": "Ann Archer",
        "to_email": "ann@example.com", "voucher_theme_id": 8, "amount": "25", "message": "Enjoy"}


def _row(sb: Sandbox, code: str) -> dict[str, Any]:
    rows = sb.query("SELECT * FROM oc_voucher WHERE code = ?", (code,))
    assert len(rows) == 1
    return rows[0]


def test_create_read_update_upsert_query_with_their_requests(
    sb: Sandbox, admin: AdminClient, routes: Any
) -> None:
    vouchers = Vouchers(admin=admin)
    made, sent = routes(lambda: vouchers.create("GIFT0001", GIFT))
    assert (made.action, made.channel) == ("create", "admin")
    assert sent == ["common/login", LIST, ADD, FORM]
    stored = _row(sb, "GIFT0001")
    assert (stored["to_name"], float(stored["amount"]), stored["voucher_theme_id"]) == ("Ann Archer", 25.0, 8)

    found, sent = routes(lambda: vouchers.read("gift0001"))
    assert (sent, found.id, found.value.message) == ([LIST, FORM], made.id, "Enjoy")

    before = _row(sb, "GIFT0001")
    changed, sent = routes(lambda: vouchers.update("GIFT0001", {"amount": 30}))
    assert changed.action == "update" and sent == [LIST, FORM, FORM, FORM]
    after = _row(sb, "GIFT0001")
    assert {k for k in after if after[k] != before[k]} == {"amount"}  # only the given field changed

    again, sent = routes(lambda: vouchers.upsert("GIFT0001", {"amount": "30.00"}))
    assert (again.action, sent) == ("none", [LIST, FORM, FORM])

    rows, sent = routes(lambda: vouchers.query(to_name="ann", status=True).all())
    assert [r.code for r in rows] == ["GIFT0001"] and sent == [LIST]
    assert {r.code for r in vouchers.query(code="GIFT0001")} == {"GIFT0001"}


def test_upsert_twice_with_the_same_code_leaves_one_voucher(sb: Sandbox, admin: AdminClient) -> None:
    first = Vouchers(admin=admin).upsert("ONCE0001", GIFT)
    second = Vouchers(admin=admin).upsert("once0001", GIFT)
    assert (first.action, second.action, first.id) == ("create", "none", second.id)
    assert len(sb.query("SELECT voucher_id FROM oc_voucher WHERE upper(code) = 'ONCE0001'")) == 1


def test_update_of_an_unknown_code_creates_nothing(sb: Sandbox, admin: AdminClient) -> None:
    before = sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"]
    with pytest.raises(AdminNotFoundError):
        Vouchers(admin=admin).update("NOSUCH01", {"amount": 10})
    assert sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"] == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"to_email": None}, "to_email"),
        ({"amount": None}, "amount"),
        ({"to_email": "not-an-address"}, "to_email"),
        ({"amount": "5000"}, "amount"),
        ({"voucher_theme_id": 0}, "voucher_theme_id"),
        ({"status": "maybe"}, "status"),
        ({"colour": "red"}, "colour"),
        ({}, "changes"),
    ],
)
def test_bad_or_clearing_updates_are_refused_before_any_call(
    sb: Sandbox, admin: AdminClient, fields: dict[str, Any], field: str
) -> None:
    before = len(sb.request_log)
    with pytest.raises(ValidationError) as caught:
        Vouchers(admin=admin).update("GIFT0001", fields)
    assert field in caught.value.fields
    assert len(sb.request_log) == before


def test_create_needs_every_required_field_and_admin() -> None:
    with pytest.raises(ValidationError) as caught:
        Vouchers(admin=None).create("NEW00001", {"amount": 10})
    assert {"to_name", "to_email", "from_name", "from_email", "voucher_theme_id"} <= set(caught.value.fields)
    with pytest.raises(ValidationError):
        Vouchers(admin=None).read("X")
    with pytest.raises(ConfigurationError):
        Vouchers(admin=None).read("GIFT0001")
