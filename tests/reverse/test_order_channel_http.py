"""The order channel through the REAL OpenCartClient/CartSession against a mocked HTTP shop.

The shop answers with bodies recorded from OpenCart 3.0.5.0 (``tests/recorded/``); ``order/add`` can
drop the connection before or after committing, which the client reports as OutcomeUnknown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest
import responses
import sqlalchemy as sa

from oc_connector.api.client import OpenCartClient
from oc_connector.api.records import VoucherDraft
from oc_connector.errors import ValidationError
from oc_connector.reverse import order_channel
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.order_channel import (
    Issuer,
    OrderChannelSettings,
    batch_id_for,
    issue_vouchers_order,
)
from oc_connector.reverse.validation import Rejected, VoucherRequest, parse_voucher_row
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata
from oc_connector.wire.transport import Transport
from tests.reverse.http_shop import BASE, HttpShop, Order, bulk_vouchers

SETTINGS = OrderChannelSettings(
    issuer=Issuer(firstname="Gift", lastname="Desk", email="gifts@x.io", telephone="0123"),
    batch_size=3, scan_from=1, scan_misses=3, settle_s=0,
)


def client() -> OpenCartClient:
    transport = Transport(BASE, rate_limit=None, sleep=lambda _s: None)
    return OpenCartClient(BASE, api_key="reverse-key-0123456789", transport=transport)


@pytest.fixture
def ledger(sqlite_engine: sa.Engine) -> VoucherLedger:
    metadata.create_all(sqlite_engine, tables=[voucher_ledger])
    return VoucherLedger(engine=sqlite_engine)


def _items(n: int) -> list[VoucherRequest | Rejected]:
    out: list[VoucherRequest | Rejected] = []
    for i in range(n):
        r = parse_voucher_row({"request_key": f"k{i:02}", "to_name": f"To {i}", "to_email": f"t{i}@x.io",
                               "from_name": "Shop", "from_email": "s@x.io", "amount": str(10 + i),
                               "voucher_theme_id": "8", "message": f"hello {i}"})
        assert isinstance(r, VoucherRequest)
        out.append(r)
    return out


def _sold(shop: HttpShop) -> Counter[tuple[str, str]]:
    return Counter((v["to_email"], v["amount"]) for v in shop.sold)


def _wanted(n: int) -> Counter[tuple[str, str]]:
    return Counter((f"t{i}@x.io", str(Decimal(10 + i))) for i in range(n))


@responses.activate
def test_batches_sold_once_each_on_its_own_login(ledger: VoucherLedger) -> None:
    shop = HttpShop()
    shop.orders[1] = Order("someone else's order", 5, [], "x")
    shop.next_id = 2
    shop.install()
    states = issue_vouchers_order(_items(5), client=client(), ledger=ledger, settings=SETTINGS)
    assert states == {f"k{i:02}": "confirmed" for i in range(5)}
    assert _sold(shop) == _wanted(5)
    first = shop.orders[2]
    # all eight bulk sub-keys, the request key as session code (the shop drops entries lacking one)
    assert first.vouchers[0] == {"code": "k00", "from_name": "Shop", "from_email": "s@x.io",
                                 "to_name": "To 0", "to_email": "t0@x.io", "voucher_theme_id": "8",
                                 "message": "hello 0", "amount": "10"}
    assert [v["code"] for v in first.vouchers] == ["k00", "k01", "k02"]
    assert batch_id_for(["k00", "k01", "k02"]) in first.comment
    assert {o.status for i, o in shop.orders.items() if i > 1} == {5}
    assert shop.orders[2].token != shop.orders[3].token  # a fresh login per batch
    rows = {r.request_key: r for r in ledger.rows()}
    assert [rows[f"k{i:02}"].order_id for i in range(5)] == [2, 2, 2, 3, 3]
    # the same input again: nothing is sent (no login, no order/add)
    calls = len(shop.routes)
    issue_vouchers_order(_items(5), client=client(), ledger=ledger, settings=SETTINGS)
    assert shop.routes[calls:] == [] and _sold(shop) == _wanted(5)


@responses.activate
def test_reset_after_commit_is_reconciled_by_batch_comment_never_resold(ledger: VoucherLedger) -> None:
    shop = HttpShop()
    shop.install()
    shop.faults = ["reset_after"]
    first = issue_vouchers_order(_items(4), client=client(), ledger=ledger, settings=SETTINGS)
    # batch 1 committed but its answer was lost; batch 2 went through
    assert first == {"k00": "pending", "k01": "pending", "k02": "pending", "k03": "confirmed"}
    lost = {r.request_key: r for r in ledger.rows()}["k00"]
    assert lost.order_id is None and "outcome unknown" in (lost.reason or "")
    assert len(shop.orders) == 2 and shop.orders[1].status == 1
    adds = shop.routes.count("api/order/add")
    second = issue_vouchers_order(_items(4), client=client(), ledger=ledger, settings=SETTINGS)
    assert set(second.values()) == {"confirmed"}
    assert shop.routes.count("api/order/add") == adds  # adopted, not re-sent
    assert len(shop.orders) == 2 and _sold(shop) == _wanted(4)
    rows = {r.request_key: r for r in ledger.rows()}
    assert {rows[k].order_id for k in ("k00", "k01", "k02")} == {1}
    assert shop.orders[1].status == 5 and batch_id_for(["k00", "k01", "k02"]) in shop.orders[1].comment


@responses.activate
def test_reset_before_commit_is_resent_once_after_an_empty_scan(ledger: VoucherLedger) -> None:
    shop = HttpShop()
    shop.install()
    shop.faults = ["reset_before"]
    issue_vouchers_order(_items(2), client=client(), ledger=ledger, settings=SETTINGS)
    assert shop.orders == {}
    states = issue_vouchers_order(_items(2), client=client(), ledger=ledger, settings=SETTINGS)
    assert states == {"k00": "confirmed", "k01": "confirmed"}
    assert list(shop.orders) == [1] and _sold(shop) == _wanted(2)
    assert {r.attempts for r in ledger.rows()} == {2}


@responses.activate
def test_killed_after_order_add_then_rerun_completes_the_same_order(ledger: VoucherLedger) -> None:
    shop = HttpShop()
    shop.install()

    def kill(key: str, step: str) -> None:
        if step == "issued":
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        issue_vouchers_order(_items(3), client=client(), ledger=ledger, settings=SETTINGS, hook=kill)
    assert shop.orders[1].status == 1
    issue_vouchers_order(_items(3), client=client(), ledger=ledger, settings=SETTINGS)
    assert list(shop.orders) == [1] and shop.orders[1].status == 5 and _sold(shop) == _wanted(3)


@responses.activate
def test_history_reset_after_commit_is_not_repeated(ledger: VoucherLedger) -> None:
    shop = HttpShop()
    shop.install()
    shop.history_faults = ["reset_after"]
    first = issue_vouchers_order(_items(2), client=client(), ledger=ledger, settings=SETTINGS)
    assert first == {"k00": "issued", "k01": "issued"}
    row = ledger.get("k00")
    assert row is not None and row.order_id == 1 and "completing order 1" in (row.reason or "")
    assert shop.orders[1].status == 5  # the shop did move it
    second = issue_vouchers_order(_items(2), client=client(), ledger=ledger, settings=SETTINGS)
    assert second == {"k00": "confirmed", "k01": "confirmed"}
    assert shop.routes.count("api/order/history") == 1  # status read first: no second history entry
    assert shop.routes.count("api/order/add") == 1 and _sold(shop) == _wanted(2)


@responses.activate
def test_shop_drops_bulk_vouchers_lacking_a_sub_key_so_order_add_finds_an_empty_cart(
    ledger: VoucherLedger, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Guards the mocked shop: drafts without ``code`` (the old bug) sell nothing, like the real shop."""
    shop = HttpShop()
    shop.install()

    real_draft = order_channel.voucher_draft

    def without_code(request: VoucherRequest) -> VoucherDraft:
        return replace(real_draft(request), code=None)

    monkeypatch.setattr(order_channel, "voucher_draft", without_code)
    with pytest.raises(ValidationError, match=r"Products marked with \*\*\* are not available"):
        issue_vouchers_order(_items(2), client=client(), ledger=ledger, settings=SETTINGS)
    assert shop.routes.count("api/voucher/add") == 1 and shop.routes[-1] == "api/order/add"
    assert shop.orders == {} and shop.sold == []


def test_shop_keeps_complete_bulk_entries_keyed_by_code() -> None:
    form = {"voucher[0][code]": "a", "voucher[0][from_name]": "F", "voucher[0][from_email]": "f@x.io",
            "voucher[0][to_name]": "T", "voucher[0][to_email]": "t@x.io", "voucher[0][voucher_theme_id]": "8",
            "voucher[0][message]": "", "voucher[0][amount]": "5", "voucher[0][description]": "ignored"}
    lacking = {k.replace("[0]", "[1]"): v for k, v in form.items() if not k.endswith("[message]")}
    repeated = {k.replace("[0]", "[2]"): ("6" if k.endswith("[amount]") else v) for k, v in form.items()}
    vouchers = bulk_vouchers({**form, **lacking, **repeated})
    assert vouchers == [{"code": "a", "from_name": "F", "from_email": "f@x.io", "to_name": "T",
                         "to_email": "t@x.io", "voucher_theme_id": "8", "message": "", "amount": "6"}]
