"""Voucher issuance end to end against the running sandbox shop, counted in its ``oc_voucher`` table.

Admin channel: the real admin client of each version (3.0 ``AdminClient``, 4.0 ``Admin40Client``)
over loopback HTTP, with connection resets injected after the shop committed the voucher save, on
SQLite and PostgreSQL ledgers. The order channel needs the sandbox's catalog cart/checkout routes
(``api/voucher/add``, ``api/order/add``, payment routes); it is run only when the sandbox serves them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from oc_connector import errors
from oc_connector.api.client import OpenCartClient
from oc_connector.reverse.admin_stores import AdminVoucherStore
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.order_channel import Issuer, OrderChannelSettings, issue_vouchers_order
from oc_connector.reverse.validation import Rejected, VoucherRequest, parse_voucher_row
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox
from oc_connector_sandbox.app import ROUTES
from tests.support.admin_dialects import VERSIONS, AdminDialect, dialect_of


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start() as shop:
        yield shop


@pytest.fixture
def ledger(sqlite_engine: sa.Engine) -> VoucherLedger:
    metadata.create_all(sqlite_engine, tables=[voucher_ledger])
    return VoucherLedger(engine=sqlite_engine)


def _items(n: int) -> list[VoucherRequest | Rejected]:
    rows = [{"request_key": f"camp-{i}", "to_name": f"To {i}", "to_email": f"t{i}@x.io", "from_name": "Shop",
             "from_email": "s@x.io", "amount": str(5 + i), "voucher_theme_id": "8", "message": "hi"}
            for i in range(n)]
    rows.append({**rows[0], "request_key": "bad", "to_email": "nope"})
    return [parse_voucher_row(r) for r in rows]  # type: ignore[misc]


def _count(sb: Sandbox) -> int:
    return int(sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"])


@pytest.fixture(params=VERSIONS, ids=[f"oc{v}" for v in VERSIONS])
def dialect(request: pytest.FixtureRequest) -> AdminDialect:
    return dialect_of(request.param)


def test_admin_channel_resets_after_commit_and_rerun_issue_each_voucher_once(
    dialect: AdminDialect, warehouse_engine: sa.Engine
) -> None:
    metadata.create_all(warehouse_engine, tables=[voucher_ledger])
    ledger = VoucherLedger(engine=warehouse_engine)
    with dialect.start() as sb:
        before = _count(sb)
        reset = FaultRule("reset_after", route=dialect.vouchers.add, every=2, count=3)
        sb.set_faults(FaultSchedule([reset]))
        store = AdminVoucherStore(admin=dialect.client(sb))
        for _ in range(2):
            results = issue_vouchers_admin(_items(4), store=store, ledger=ledger, attempts=4)
        assert {r.request_key: r.state for r in results} == {
            "camp-0": "confirmed", "camp-1": "confirmed", "camp-2": "confirmed", "camp-3": "confirmed",
            "bad": "rejected",
        }
        assert reset.fired >= 1 and _count(sb) == before + 4
        assert any(fault == "reset_after" for _route, _status, fault in sb.request_log)
        codes = {r.code for r in ledger.rows() if r.state == "confirmed"}
        shop = sb.query("SELECT code, to_email, amount FROM oc_voucher")
    assert codes <= {row["code"] for row in shop}
    assert sorted(float(row["amount"]) for row in shop if row["code"] in codes) == [5.0, 6.0, 7.0, 8.0]


@pytest.mark.skipif(not {"api/voucher/add", "api/order/add"} <= set(ROUTES),
                    reason="the sandbox does not serve the catalog cart/checkout routes yet")
def test_order_channel_reset_after_order_add_issues_each_voucher_once(
    sb: Sandbox, ledger: VoucherLedger
) -> None:
    before = _count(sb)
    sb.set_faults(FaultSchedule([FaultRule("reset_after", route="api/order/add", count=1)]))
    client = OpenCartClient(sb.url, api_key=sb.api_key, allow_insecure_http=True, rate_limit=None)
    settings = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=3, scan_misses=5)
    waits: list[float] = []
    for _ in range(2):
        states = issue_vouchers_order(_items(4), client=client, ledger=ledger, settings=settings,
                                      sleep=waits.append)
    assert set(states.values()) == {"confirmed", "rejected"}
    assert _count(sb) == before + 4
    # the rerun came at once: it gave the lost order/add the settle time before looking for it
    assert len(waits) == 1 and 0 < waits[0] <= settings.settle_s

# -- the order channel when the shop drops a checkout session ----------------------------------------
# A refused call (PermissionDenied) did not run on the shop, so a checkout whose session was deleted
# mid-way (the sandbox's invalidate_token fault deletes the api session before the route runs) is
# started again on a new login, within the run, and each voucher is sold exactly once.


def _vouchers(sb: Sandbox) -> list[tuple[str, float]]:
    rows = sb.query("SELECT to_email, amount FROM oc_voucher WHERE to_email LIKE 't%@x.io' ORDER BY to_email")
    return [(str(r["to_email"]), float(r["amount"])) for r in rows]


def _catalog(sb: Sandbox) -> OpenCartClient:
    return OpenCartClient(sb.url, api_key=sb.api_key, allow_insecure_http=True, rate_limit=None)


@pytest.mark.parametrize("route", ["api/voucher/add", "api/payment/method", "api/order/add"])
def test_a_checkout_whose_session_is_dropped_is_started_again_within_the_run(
    sb: Sandbox, ledger: VoucherLedger, route: str
) -> None:
    drop = FaultRule("invalidate_token", route=route, count=2)
    sb.set_faults(FaultSchedule([drop]))
    settings = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=5)
    states = issue_vouchers_order(_items(3), client=_catalog(sb), ledger=ledger, settings=settings)
    assert states == {"camp-0": "confirmed", "camp-1": "confirmed", "camp-2": "confirmed", "bad": "rejected"}
    assert drop.fired == 2
    # a refused order/add ran nothing: the third one is the only order
    assert sb.request_count("api/order/add") == (3 if route == "api/order/add" else 1)
    assert _vouchers(sb) == [("t0@x.io", 5.0), ("t1@x.io", 6.0), ("t2@x.io", 7.0)]
    assert len({r.order_id for r in ledger.rows() if r.state == "confirmed"}) == 1


def test_a_shop_that_keeps_dropping_the_session_ends_the_run_and_the_rerun_sells_once(
    sb: Sandbox, ledger: VoucherLedger
) -> None:
    sb.set_faults(FaultSchedule([FaultRule("invalidate_token", route="api/payment/address", count=3)]))
    settings = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=5, checkout_attempts=3)
    with pytest.raises(errors.PermissionDenied):
        issue_vouchers_order(_items(2), client=_catalog(sb), ledger=ledger, settings=settings)
    assert _vouchers(sb) == [] and sb.request_count("api/order/add") == 0
    waits: list[float] = []
    states = issue_vouchers_order(_items(2), client=_catalog(sb), ledger=ledger, settings=settings,
                                  sleep=waits.append)
    assert len(waits) == 1  # the batch counts as sent: the rerun lets it settle before the scan
    assert states == {"camp-0": "confirmed", "camp-1": "confirmed", "bad": "rejected"}
    assert _vouchers(sb) == [("t0@x.io", 5.0), ("t1@x.io", 6.0)]
