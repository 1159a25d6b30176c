"""Coupon upsert by code: one coupon per code across faults and reruns; merge; dry runs."""

from __future__ import annotations

import random
from datetime import date

import pytest
import sqlalchemy as sa

from oc_connector.reverse.coupons import merge_coupon, plan_coupons, push_coupons
from oc_connector.reverse.ledger import CouponLedger
from oc_connector.reverse.validation import CouponRequest, Rejected, parse_coupon_row
from oc_connector.warehouse.ledger_schema import coupon_ledger
from oc_connector.warehouse.metadata import metadata
from tests.reverse.fakes import FakeStore

TODAY = date(2026, 11, 27)


@pytest.fixture
def ledger(warehouse_engine: sa.Engine) -> CouponLedger:
    metadata.create_all(warehouse_engine, tables=[coupon_ledger])
    return CouponLedger(engine=warehouse_engine)


def _req(**cells: str) -> CouponRequest:
    result = parse_coupon_row(cells)
    assert isinstance(result, CouponRequest), result
    return result


def _items() -> list[CouponRequest | Rejected]:
    return [
        _req(code="SUMMER10", name="Summer sale", type="P", discount="10", products="42;40"),
        _req(code="Ship5", name="Free shipping", type="F", discount="5", shipping="1"),
        Rejected("x", ("code must be 3..20 characters (got 1)",)),
    ]


def test_push_twice_one_coupon_per_code(ledger: CouponLedger) -> None:
    store = FakeStore()
    first = push_coupons(_items(), store=store, ledger=ledger, today=TODAY)
    second = push_coupons(_items(), store=store, ledger=ledger, today=TODAY)
    assert [(r.state, r.action) for r in first] == [("confirmed", "create"), ("confirmed", "create"),
                                                     ("rejected", None)]
    assert [(r.state, r.action) for r in second][:2] == [("unchanged", "none"), ("unchanged", "none")]
    assert len(store.rows) == 2 and store.writes == 2
    summer = store.find("summer10")
    assert summer is not None
    assert summer[1] == {"name": "Summer sale", "code": "SUMMER10", "type": "P", "discount": "10",
                         "total": "0", "logged": "0", "shipping": "0", "products": "42;40", "categories": "",
                         "date_start": "2026-11-27", "date_end": "2026-12-27", "uses_total": "1",
                         "uses_customer": "1", "status": "1"}
    assert {r.code: r.state for r in ledger.rows()} == {"summer10": "unchanged", "ship5": "unchanged",
                                                         "x": "rejected"}


def test_update_merges_only_given_fields_and_clears(ledger: CouponLedger) -> None:
    store = FakeStore()
    push_coupons(_items()[:1], store=store, ledger=ledger, today=TODAY)
    (result,) = push_coupons([_req(code="summer10", discount="15", products="<clear>")], store=store,
                             ledger=ledger, today=TODAY)
    assert (result.state, result.action) == ("confirmed", "update")
    found = store.find("SUMMER10")
    assert found is not None
    assert found[1]["discount"] == "15" and found[1]["products"] == ""
    assert found[1]["name"] == "Summer sale" and found[1]["code"] == "SUMMER10"


def test_creating_without_name_is_rejected(ledger: CouponLedger) -> None:
    store = FakeStore()
    (result,) = push_coupons([_req(code="NONAME1", discount="5")], store=store, ledger=ledger)
    assert result.state == "rejected" and result.reason == "name is required to create a coupon"
    assert store.rows == {}


def test_merge_refuses_nothing_it_was_not_given() -> None:
    current = {"name": "A coupon", "code": "ABC", "status": "1", "total": "20"}
    assert merge_coupon(current, _req(code="abc", status="<clear>")) == {
        "name": "A coupon", "code": "ABC", "status": "0", "total": "20"}


@pytest.mark.parametrize("seed", range(5))
def test_faults_and_kills_end_with_one_coupon_per_code(ledger: CouponLedger, seed: int) -> None:
    rng = random.Random(seed)
    store = FakeStore()
    store.fail("create", *rng.choices(["after", "before"], k=3))
    items = _items()
    for _ in range(30):
        budget = [rng.randint(0, 6)]

        def hook(key: str, step: str, _left: list[int] = budget) -> None:
            _left[0] -= 1
            if _left[0] < 0:
                raise RuntimeError("killed")

        try:
            results = push_coupons(items, store=store, ledger=ledger, hook=hook, today=TODAY, attempts=6)
        except RuntimeError:
            continue
        break
    assert [r.state for r in results][2] == "rejected"
    assert {r.state for r in results[:2]} <= {"confirmed", "unchanged"}
    assert sorted(f["code"] for f in store.rows.values()) == ["SUMMER10", "Ship5"]


def test_dry_run_writes_nothing(ledger: CouponLedger, warehouse_engine: sa.Engine) -> None:
    store = FakeStore()
    plan = plan_coupons([*_items(), _req(code="NONAME1")], store=store)
    assert plan.creates == ["SUMMER10", "Ship5"] and plan.calls == 4
    assert [r.key for r in plan.rejected] == ["x", "NONAME1"]
    assert store.rows == {}
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(coupon_ledger)).scalar_one() == 0
    push_coupons(_items(), store=store, ledger=ledger, today=TODAY)
    again = plan_coupons(
        [_req(code="summer10", discount="10"), _req(code="SHIP5", discount="7")], store=store
    )
    assert again.unchanged == ["summer10"] and again.updates == ["SHIP5"]


def test_rejected_row_keeps_ledger_of_existing_coupon(ledger: CouponLedger) -> None:
    store = FakeStore()
    push_coupons(_items()[:1], store=store, ledger=ledger, today=TODAY)
    bad = parse_coupon_row({"code": "summer10", "name": "<clear>"})
    (result,) = push_coupons([bad], store=store, ledger=ledger)
    assert result.state == "rejected" and result.reason == "name is required and cannot be cleared"
    row = ledger.get("SUMMER10")
    assert row is not None and row.state == "confirmed"
