"""The shared upsert state machine with a toy entity: reconcile, refusals, counting, error policy."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
import sqlalchemy as sa

from oc_connector.errors import AdminError
from oc_connector.reverse.coupons import CouponEntity
from oc_connector.reverse.ledger import CouponLedger
from oc_connector.reverse.upsert import Entity, Refused, classify, upsert
from oc_connector.reverse.validation import CouponRequest, parse_coupon_row
from oc_connector.reverse.vouchers import VOUCHERS
from oc_connector.warehouse.ledger_schema import coupon_ledger
from oc_connector.warehouse.metadata import metadata
from tests.reverse.fakes import FakeStore


class Notes(Entity[str]):
    """Records whose ``text`` is the request; only requests starting with ``ok`` can be created."""

    kind = "note"

    def __init__(self, *, fail_item: bool = True) -> None:
        self.shop_errors_fail_item = fail_item

    def create_fields(self, request: str, code: str) -> dict[str, str] | Refused:
        return {"code": code, "text": request} if request.startswith("ok") else Refused("not ok")

    def update_fields(self, request: str, code: str, current: Mapping[str, str]) -> dict[str, str]:
        return {**current, "text": request}

    def matches(self, request: str, code: str, current: Mapping[str, str]) -> bool:
        return current.get("text") == request

    def attempts(self, sent: int, *, gave_up: bool) -> int:
        return sent


@pytest.fixture
def ledger(sqlite_engine: sa.Engine) -> CouponLedger:
    """Any ledger table serves the machine; the coupon one has the fewest required columns."""
    metadata.create_all(sqlite_engine, tables=[coupon_ledger])
    return CouponLedger(engine=sqlite_engine)


def _run(store: FakeStore, ledger: CouponLedger, request: str, *, entity: Entity[str] | None = None,
         steps: list[str] | None = None) -> tuple[str, str | None, str | None]:
    ledger.ensure("n1", state="validated")
    done = upsert(entity or Notes(), request, key="n1", code="N1", store=store, ledger=ledger, attempts=3,
                  hook=None if steps is None else lambda _k, s: steps.append(s))
    return done.state, done.action, done.reason


def test_create_then_nothing_then_update(ledger: CouponLedger) -> None:
    store = FakeStore()
    steps: list[str] = []
    assert _run(store, ledger, "ok one", steps=steps) == ("confirmed", "create", None)
    assert _run(store, ledger, "ok one") == ("confirmed", "none", None)
    assert _run(store, ledger, "ok two") == ("confirmed", "update", None)
    assert steps == ["issued", "confirmed"]
    assert store.writes == 2 and list(store.rows.values()) == [{"code": "N1", "text": "ok two"}]
    row = ledger.get("n1")
    assert row is not None and row.attempts == 2  # the entity counts write calls


def test_a_lost_answer_is_reconciled_by_reading_not_by_resending(ledger: CouponLedger) -> None:
    store = FakeStore()
    store.fail("create", "before", "after")
    assert _run(store, ledger, "ok") == ("confirmed", "create", None)
    assert store.writes == 1 and len(store.rows) == 1
    row = ledger.get("n1")
    assert row is not None and row.attempts == 2


def test_every_round_unknown_fails_with_the_last_error(ledger: CouponLedger) -> None:
    store = FakeStore()
    store.fail("create", "before", "before", "before")
    state, _action, reason = _run(store, ledger, "ok")
    assert state == "failed" and reason == "write failed: connection reset before the shop answered"
    assert store.rows == {}


def test_a_record_that_cannot_be_created_is_rejected_unsent(ledger: CouponLedger) -> None:
    store = FakeStore()
    assert _run(store, ledger, "nope") == ("rejected", None, "not ok")
    assert store.writes == 0
    row = ledger.get("n1")
    assert row is not None and (row.state, row.reason) == ("rejected", "not ok")


def test_read_back_mismatch_fails(ledger: CouponLedger) -> None:
    class Deaf(FakeStore):
        def update(self, rid: int, fields: Mapping[str, str]) -> None:
            self.writes += 1  # answers, writes nothing

    store = Deaf()
    store.rows[1] = {"code": "N1", "text": "old"}
    assert _run(store, ledger, "new") == ("failed", "update", "read-back mismatch")


def test_shop_errors_fail_the_item_or_end_the_run_as_the_entity_says(ledger: CouponLedger) -> None:
    class Broken(FakeStore):
        def find(self, code: str) -> tuple[int, dict[str, str]] | None:
            raise AdminError("permission denied")

    assert _run(Broken(), ledger, "ok") == ("failed", None, "write failed: permission denied")
    with pytest.raises(AdminError):
        _run(Broken(), ledger, "ok", entity=Notes(fail_item=False))


def _coupon(**cells: str) -> CouponRequest:
    result = parse_coupon_row(cells)
    assert isinstance(result, CouponRequest), result
    return result


def test_classify_is_the_plans_decision() -> None:
    coupons = CouponEntity()
    assert classify(coupons, _coupon(code="ABC", discount="5"), code="ABC", found=None) == Refused(
        "name is required to create a coupon")
    current = {"code": "ABC", "name": "A", "discount": "5.0000"}
    assert classify(coupons, _coupon(code="abc", discount="5"), code="ABC", found=(1, current)) == "none"
    assert classify(coupons, _coupon(code="abc", discount="6"), code="ABC", found=(1, current)) == "update"
    assert VOUCHERS.kind == "voucher" and VOUCHERS.attempts(3, gave_up=True) == 3
    assert coupons.attempts(3, gave_up=False) == coupons.attempts(0, gave_up=True) == 1
