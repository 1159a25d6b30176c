"""The order channel when the shop drops a checkout session: the checkout starts again, nothing is lost.

A refused call (``PermissionDenied``) did not run on the shop, so a checkout whose session was deleted
mid-way (the sandbox's ``invalidate_token`` fault deletes the api session before the route runs) is
started again on a new login, within the run, and each voucher is sold exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from oc_connector import errors
from oc_connector.client import OpenCartClient
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.order_channel import Issuer, OrderChannelSettings, issue_vouchers_order
from oc_connector.reverse.requests import Rejected, VoucherRequest, parse_voucher_row
from oc_connector.sandbox import FaultRule, FaultSchedule, Sandbox
from warehouse.ledger_schema import voucher_ledger
from warehouse.metadata import metadata


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start() as shop:
        yield shop


@pytest.fixture
def ledger(sqlite_engine: sa.Engine) -> VoucherLedger:
    metadata.create_all(sqlite_engine, tables=[voucher_ledger])
    return VoucherLedger(engine=sqlite_engine)


def _items(n: int) -> list[VoucherRequest | Rejected]:
    rows = [{"request_key": f"drop-{i}", "to_name": f"To {i}", "to_email": f"t{i}@x.io", "from_name": "Shop",
             "from_email": "s@x.io", "amount": str(10 + i), "voucher_theme_id": "8", "message": "hi"}
            for i in range(n)]
    return [parse_voucher_row(r) for r in rows]


def _vouchers(sb: Sandbox) -> list[tuple[str, float]]:
    rows = sb.query("SELECT to_email, amount FROM oc_voucher WHERE to_email LIKE 't%@x.io' ORDER BY to_email")
    return [(str(r["to_email"]), float(r["amount"])) for r in rows]


def _client(sb: Sandbox) -> OpenCartClient:
    return OpenCartClient(sb.url, api_key=sb.api_key, allow_insecure_http=True, rate_limit=None)


@pytest.mark.parametrize("route", ["api/voucher/add", "api/payment/method", "api/order/add"])
def test_a_checkout_whose_session_is_dropped_is_started_again_within_the_run(
    sb: Sandbox, ledger: VoucherLedger, route: str
) -> None:
    drop = FaultRule("invalidate_token", route=route, count=2)
    sb.set_faults(FaultSchedule([drop]))
    settings = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=5)
    states = issue_vouchers_order(_items(3), client=_client(sb), ledger=ledger, settings=settings)
    assert states == {"drop-0": "confirmed", "drop-1": "confirmed", "drop-2": "confirmed"}
    assert drop.fired == 2
    # a refused order/add ran nothing: the third one is the only order
    assert sb.request_count("api/order/add") == (3 if route == "api/order/add" else 1)
    assert _vouchers(sb) == [("t0@x.io", 10.0), ("t1@x.io", 11.0), ("t2@x.io", 12.0)]
    assert len({r.order_id for r in ledger.rows()}) == 1


def test_a_shop_that_keeps_dropping_the_session_ends_the_run_and_the_rerun_sells_once(
    sb: Sandbox, ledger: VoucherLedger
) -> None:
    sb.set_faults(FaultSchedule([FaultRule("invalidate_token", route="api/payment/address", count=3)]))
    settings = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=5, checkout_attempts=3)
    with pytest.raises(errors.PermissionDenied):
        issue_vouchers_order(_items(2), client=_client(sb), ledger=ledger, settings=settings)
    assert _vouchers(sb) == [] and sb.request_count("api/order/add") == 0
    states = issue_vouchers_order(_items(2), client=_client(sb), ledger=ledger, settings=settings)
    assert states == {"drop-0": "confirmed", "drop-1": "confirmed"}
    assert _vouchers(sb) == [("t0@x.io", 10.0), ("t1@x.io", 11.0)]
