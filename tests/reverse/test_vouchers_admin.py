"""Admin-channel voucher issuance: exactly once across faults, kills and reruns; dry runs write nothing."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
import sqlalchemy as sa

from oc_connector.reverse.codes import derive_code
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.validation import Rejected, VoucherRequest, parse_voucher_row
from oc_connector.reverse.vouchers import issue_vouchers_admin, plan_vouchers
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata
from tests.reverse.fakes import FakeStore


@pytest.fixture
def ledger(warehouse_engine: sa.Engine) -> VoucherLedger:
    metadata.create_all(warehouse_engine, tables=[voucher_ledger])
    return VoucherLedger(engine=warehouse_engine)


def _request(i: int, amount: str = "10") -> VoucherRequest:
    row = {"request_key": f"r{i}", "to_name": f"Ann {i}", "to_email": f"a{i}@x.io", "from_name": "Shop",
           "from_email": "s@x.io", "amount": amount, "voucher_theme_id": "8", "message": "=cmd()"}
    result = parse_voucher_row(row)
    assert isinstance(result, VoucherRequest)
    return result


def _items(n: int) -> list[VoucherRequest | Rejected]:
    items: list[VoucherRequest | Rejected] = [_request(i) for i in range(n)]
    items.append(Rejected(key="bad", reasons=("to_email is not a valid e-mail address",)))
    return items


def test_issue_twice_creates_each_voucher_once(ledger: VoucherLedger) -> None:
    store = FakeStore()
    first = issue_vouchers_admin(_items(5), store=store, ledger=ledger, prefix="GV", length=8)
    second = issue_vouchers_admin(_items(5), store=store, ledger=ledger, prefix="GV", length=8)
    assert [r.state for r in first] == ["confirmed"] * 5 + ["rejected"]
    assert [(r.request_key, r.state, r.code, r.reason) for r in first] == [
        (r.request_key, r.state, r.code, r.reason) for r in second]
    assert [r.action for r in first[:5]] == ["create"] * 5 and [r.action for r in second[:5]] == ["none"] * 5
    assert len(store.rows) == 5 and store.writes == 5
    assert sorted(r["code"] for r in store.rows.values()) == sorted(r.code or "" for r in first[:5])
    assert all(r.code and r.code.startswith("GV") and len(r.code) == 8 for r in first[:5])
    assert ledger.counts() == {"confirmed": 5, "rejected": 1}
    bad = ledger.get("bad")
    assert bad is not None and bad.reason == "to_email is not a valid e-mail address"


def test_reset_after_commit_is_reconciled_not_resent(ledger: VoucherLedger) -> None:
    store = FakeStore()
    store.fail("create", "after", "before", "after")
    results = issue_vouchers_admin(_items(3), store=store, ledger=ledger)
    assert [r.state for r in results[:3]] == ["confirmed"] * 3
    assert len(store.rows) == 3
    rows = {r.request_key: r for r in ledger.rows()}
    assert rows["r0"].attempts == 1  # adopted after the reset: no second create
    assert rows["r1"].attempts == 2  # reset before (nothing), reset after commit (adopted)
    assert rows["r2"].attempts == 1


def test_persistent_failure_is_marked_failed_then_resumed(ledger: VoucherLedger) -> None:
    store = FakeStore()
    store.fail("create", *["before"] * 4)
    results = issue_vouchers_admin([_request(1)], store=store, ledger=ledger, attempts=4)
    assert results[0].state == "failed" and results[0].reason is not None
    assert store.rows == {}
    again = issue_vouchers_admin([_request(1)], store=store, ledger=ledger)
    assert again[0].state == "confirmed" and len(store.rows) == 1
    assert again[0].code == results[0].code


def test_changed_request_updates_only_that_voucher(ledger: VoucherLedger) -> None:
    store = FakeStore()
    issue_vouchers_admin([_request(1), _request(2)], store=store, ledger=ledger)
    ledger.mark("r1", state="issued")  # force a re-check of r1
    changed = _request(1, amount="15")
    result = issue_vouchers_admin([changed], store=store, ledger=ledger)
    assert result[0].state == "confirmed"
    assert len(store.rows) == 2
    (voucher_id, fields) = store.find(result[0].code or "") or (0, {})
    assert fields["amount"] == "15.0000" and voucher_id > 0


def test_code_taken_by_a_foreign_voucher_moves_to_next_salt(ledger: VoucherLedger) -> None:
    store = FakeStore()
    foreign = derive_code("r1")
    store.rows[99] = {"code": foreign, "to_name": "Someone else", "amount": "5"}
    (result,) = issue_vouchers_admin([_request(1)], store=store, ledger=ledger)
    assert result.state == "confirmed"
    assert result.code == derive_code("r1", salt=1)
    assert store.rows[99]["to_name"] == "Someone else"


def test_email_is_sent_once_even_when_outcome_unknown(ledger: VoucherLedger) -> None:
    store = FakeStore()
    store.fail("send", "after")
    issue_vouchers_admin([_request(1), _request(2)], store=store, ledger=ledger, send_email=True)
    issue_vouchers_admin([_request(1), _request(2)], store=store, ledger=ledger, send_email=True)
    assert sorted(store.sent) == [1, 2]
    assert all(r.emailed for r in ledger.rows())


class Killed(Exception):
    pass


@pytest.mark.parametrize("seed", range(6))
def test_killed_at_random_steps_then_rerun_issues_exactly_once(ledger: VoucherLedger, seed: int) -> None:
    rng = random.Random(seed)
    store = FakeStore()
    store.fail("create", *rng.choices(["after", "before", "ok"], k=6))
    store.faults["create"] = [f for f in store.faults["create"] if f != "ok"]
    items = _items(6)
    runs = 0
    while True:
        runs += 1
        budget = rng.randint(0, 12)

        def hook(key: str, step: str, _left: list[int] = [budget]) -> None:  # noqa: B006
            _left[0] -= 1
            if _left[0] < 0:
                raise Killed(f"{key}:{step}")

        try:
            results = issue_vouchers_admin(items, store=store, ledger=ledger, hook=hook, attempts=8)
        except Killed:
            assert runs < 50
            continue
        break
    assert [r.state for r in results] == ["confirmed"] * 6 + ["rejected"]
    assert len(store.rows) == 6
    shop_codes = {f["code"] for f in store.rows.values()}
    assert shop_codes == {r.code for r in ledger.rows() if r.state == "confirmed"}


def test_dry_run_writes_nothing_and_plans(ledger: VoucherLedger, warehouse_engine: sa.Engine) -> None:
    store = FakeStore()
    items = _items(3)
    plan = plan_vouchers(items, store=store, ledger=ledger)
    assert plan.creates == ["r0", "r1", "r2"] and plan.updates == [] and len(plan.rejected) == 1
    assert plan.total_value == Decimal("30") and plan.calls == 6
    assert store.rows == {}
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(voucher_ledger)).scalar_one() == 0
    issue_vouchers_admin(items, store=store, ledger=ledger)
    again = plan_vouchers(items, store=store, ledger=ledger)
    assert again.unchanged == ["r0", "r1", "r2"] and again.creates == [] and again.total_value == 0


def test_update_reset_after_commit_is_not_repeated(ledger: VoucherLedger) -> None:
    store = FakeStore()
    issue_vouchers_admin([_request(1)], store=store, ledger=ledger)
    ledger.mark("r1", state="issued")
    store.fail("update", "after")
    writes = store.writes
    (result,) = issue_vouchers_admin([_request(1, amount="20")], store=store, ledger=ledger)
    assert result.state == "confirmed"
    assert store.writes == writes + 1  # the committed update is seen on re-read, not posted again
    assert len(store.rows) == 1 and next(iter(store.rows.values()))["amount"] == "20.0000"
