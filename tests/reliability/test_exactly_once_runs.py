"""Exactly once however a campaign is run: overlapping runs, a rerun against an empty warehouse, a
changed request. Against the sandbox shop, on SQLite and PostgreSQL; every count comes from the
shop's own tables (``oc_voucher``, ``oc_coupon``) or its request log. The admin-channel scenarios run
on OpenCart 3.0 and 4.0.2.x (``shop`` / ``dialect``: the sandbox in that version's mode and its
admin client); the order channel is 3.0's only (refused on 4.0).
"""

from __future__ import annotations

import csv
import dataclasses
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bench.matrix import (
    FAST,
    QUICK_RETRY,
    TIMEOUT,
    _admin,
    _catalog,
    coupon_items,
    record_posts,
    voucher_items,
)
from oc_connector.cli import reverse as cli_reverse
from oc_connector.errors import ConfigurationError, SyncLockedError
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.batch_orders import AdminOrders, ScanOrders, WarehouseOrders
from oc_connector.reverse.coupons import push_coupons
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.order_channel import Issuer, OrderChannelSettings, issue_vouchers_order
from oc_connector.reverse.validation import Rejected, VoucherRequest
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.sync.locks import ReverseLock, run_holder
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.migrate import upgrade
from oc_connector_sandbox import Sandbox
from tests.support.admin_dialects import VERSIONS, AdminDialect, dialect_of

CAMPAIGN = 200
"""Requests of the campaign that overlapping runs issue."""
RERUN = 60
"""Requests of the campaign run again against an empty warehouse."""
SETTINGS = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=50, settle_s=0)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=0, seed=3) as shop:
        yield shop


@pytest.fixture(params=VERSIONS, ids=[f"oc{v}" for v in VERSIONS])
def dialect(request: pytest.FixtureRequest) -> AdminDialect:
    """The admin channel of one OpenCart version."""
    return dialect_of(request.param)


@pytest.fixture
def shop(dialect: AdminDialect) -> Iterator[Sandbox]:
    """The sandbox speaking ``dialect``'s version."""
    with dialect.start(orders=0, seed=3) as running:
        yield running


def _admin_of(dialect: AdminDialect) -> Callable[[Sandbox], Any]:
    return lambda sb: dialect.client(sb, rate_limit=FAST, retry=QUICK_RETRY, timeout=TIMEOUT)


@pytest.fixture
def engine(warehouse_engine: sa.Engine) -> sa.Engine:
    upgrade(warehouse_engine)
    return warehouse_engine


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[sa.Engine]:
    """Another, empty warehouse (the ledger lost, another machine, another working folder)."""
    other = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    yield other
    other.dispose()


def _per_recipient(sb: Sandbox) -> Counter[str]:
    rows = sb.query("SELECT to_email FROM oc_voucher WHERE to_email LIKE 't%@x.io'")
    return Counter(str(r["to_email"]) for r in rows)


def _assert_one_each(sb: Sandbox, n: int) -> None:
    per = _per_recipient(sb)
    assert len(per) == n, f"{n - len(per)} requests have no voucher"
    assert set(per.values()) == {1}, {k: v for k, v in per.items() if v > 1}


def _admin_run(sb: Sandbox, engine: sa.Engine, items: list[VoucherRequest | Rejected],
               admin: Callable[[Sandbox], Any] = _admin) -> Callable[[], Any]:
    return lambda: issue_vouchers_admin(items, store=AdminVoucherStore(admin=admin(sb)),
                                        ledger=VoucherLedger(engine=engine))


def _order_run(sb: Sandbox, engine: sa.Engine, items: list[VoucherRequest | Rejected]) -> Callable[[], Any]:
    def run() -> dict[str, str]:
        client = _catalog(sb)
        try:
            return issue_vouchers_order(items, client=client, ledger=VoucherLedger(engine=engine),
                                        settings=SETTINGS)
        finally:
            client.close()

    return run


def _at_once(run: Callable[[], Any], n: int) -> list[Any]:
    """``n`` runs started together in threads (each its own clients and claims, no run lock)."""
    results: list[Any] = [None] * n
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = run()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("runs", [2, 3])
def test_concurrent_admin_runs_issue_one_voucher_per_request(shop: Sandbox, dialect: AdminDialect,
                                                             engine: sa.Engine, runs: int) -> None:
    posts = record_posts(shop)
    items = voucher_items(CAMPAIGN, tag="co")
    results = _at_once(_admin_run(shop, engine, items, _admin_of(dialect)), runs)
    _assert_one_each(shop, CAMPAIGN)
    assert dialect.vouchers.writes(posts) == CAMPAIGN  # no second code, no refused duplicate
    for result in results:  # every run's results say what the shop holds for every row
        assert Counter(r.state for r in result) == {"confirmed": CAMPAIGN}
    assert sum(1 for result in results for r in result if r.action == "create") == CAMPAIGN


@pytest.mark.parametrize("runs", [2, 3])
def test_concurrent_order_runs_sell_one_voucher_per_request(sb: Sandbox, engine: sa.Engine,
                                                            runs: int) -> None:
    items = voucher_items(CAMPAIGN, tag="co")
    results = _at_once(_order_run(sb, engine, items), runs)
    _assert_one_each(sb, CAMPAIGN)
    assert sb.request_count("api/order/add") == CAMPAIGN // SETTINGS.batch_size
    for states in results:
        assert Counter(states.values()) == {"confirmed": CAMPAIGN}


def test_concurrent_coupon_runs_create_each_code_once(shop: Sandbox, dialect: AdminDialect,
                                                      engine: sa.Engine) -> None:
    items = coupon_items(40, tag="cc")
    admin = _admin_of(dialect)

    def run() -> Any:
        return push_coupons(items, store=AdminCouponStore(admin=admin(shop)),
                            ledger=CouponLedger(engine=engine), today=date(2026, 11, 27))

    posts = record_posts(shop)
    results = _at_once(run, 3)
    rows = shop.query("SELECT code FROM oc_coupon WHERE code LIKE 'CC%'")
    codes = Counter(str(r["code"]).lower() for r in rows)
    assert len(codes) == 40 and set(codes.values()) == {1}
    assert dialect.coupons.writes(posts) == 40
    for result in results:
        assert {r.state for r in result} <= {"confirmed", "unchanged"}


def test_a_second_run_waits_for_the_lock_then_names_its_holder(engine: sa.Engine) -> None:
    first = ReverseLock(engine=engine, scope="vouchers:test", holder=run_holder("first"))
    first.acquire()
    try:
        second = ReverseLock(engine=engine, scope="vouchers:test", holder=run_holder("second"),
                             wait=timedelta(seconds=0.3), poll_s=0.05)
        with pytest.raises(SyncLockedError, match=first.holder):
            second.acquire()
        other = ReverseLock(engine=engine, scope="coupons:test", holder=run_holder("coupons"))
        other.acquire()  # another scope is not blocked
        other.release()
    finally:
        first.release()
    second.acquire()  # released: taken at once
    second.release()


def test_a_dead_holder_is_taken_over(engine: sa.Engine) -> None:
    host = run_holder().split(":")[0]
    dead = ReverseLock(engine=engine, scope="vouchers:test", holder=f"{host}:999999:x:0")
    dead.acquire()  # pid 999999 does not exist on this host
    live = ReverseLock(engine=engine, scope="vouchers:test", holder=run_holder(), wait=timedelta(0))
    live.acquire()
    live.release()


def test_rerun_against_an_empty_warehouse_sends_nothing(shop: Sandbox, dialect: AdminDialect,
                                                       engine: sa.Engine, empty: sa.Engine) -> None:
    posts = record_posts(shop)
    admin_items = voucher_items(RERUN, tag="ad")
    _admin_run(shop, engine, admin_items, _admin_of(dialect))()
    writes = dialect.vouchers.writes(posts)
    assert writes == RERUN
    again = _admin_run(shop, empty, admin_items, _admin_of(dialect))()
    assert dialect.vouchers.writes(posts) == writes  # zero admin writes
    assert Counter((r.state, r.action) for r in again) == {("confirmed", "adopt"): RERUN}
    assert {r.code for r in again} == {r.code for r in VoucherLedger(engine=engine).rows()}  # not re-coded


def test_order_rerun_against_an_empty_warehouse_sends_no_order_add(sb: Sandbox, engine: sa.Engine,
                                                                   empty: sa.Engine) -> None:
    items = voucher_items(RERUN, tag="or")
    _order_run(sb, engine, items)()
    sent = sb.request_count("api/order/add")
    states = _order_run(sb, empty, items)()
    assert sb.request_count("api/order/add") == sent  # zero order/add
    assert Counter(states.values()) == {"confirmed": RERUN}
    first = {r.request_key: r.order_id for r in VoucherLedger(engine=engine).rows()}
    assert {r.request_key: r.order_id for r in VoucherLedger(engine=empty).rows()} == first
    _assert_one_each(sb, RERUN)


def test_coupon_rerun_against_an_empty_warehouse_writes_nothing(shop: Sandbox, dialect: AdminDialect,
                                                                engine: sa.Engine, empty: sa.Engine) -> None:
    posts = record_posts(shop)
    items = coupon_items(20, tag="ce")
    admin = _admin_of(dialect)
    push_coupons(items, store=AdminCouponStore(admin=admin(shop)), ledger=CouponLedger(engine=engine),
                 today=date(2026, 11, 27))
    writes = dialect.coupons.writes(posts)
    assert writes == 20
    again = push_coupons(items, store=AdminCouponStore(admin=admin(shop)), ledger=CouponLedger(engine=empty),
                         today=date(2026, 11, 27))
    assert dialect.coupons.writes(posts) == writes  # zero writes
    assert {(r.state, r.action) for r in again} == {("unchanged", "none")}


def _changed(items: list[VoucherRequest | Rejected], index: int,
             **fields: Any) -> list[VoucherRequest | Rejected]:
    out = list(items)
    item = out[index]
    assert isinstance(item, VoucherRequest)
    out[index] = dataclasses.replace(item, **fields)
    return out


def test_a_changed_amount_updates_the_admin_voucher(shop: Sandbox, dialect: AdminDialect,
                                                    engine: sa.Engine) -> None:
    posts = record_posts(shop)
    items = voucher_items(5, tag="ch")
    admin = _admin_of(dialect)
    _admin_run(shop, engine, items, admin)()
    assert dialect.vouchers.writes(posts) == 5
    results = _admin_run(shop, engine, _changed(items, 2, amount=Decimal("99")), admin)()
    assert dialect.vouchers.writes(posts) == 6  # only the changed one
    if dialect.vouchers.edit != dialect.vouchers.add:
        assert (posts[dialect.vouchers.add], posts[dialect.vouchers.edit]) == (5, 1)
    expected = [("confirmed", "none")] * 5
    expected[2] = ("confirmed", "update")
    assert [(r.state, r.action) for r in results] == expected
    assert results[2].reason == "updated: amount"
    row = shop.query("SELECT amount FROM oc_voucher WHERE code = ?", (results[2].code,))
    assert [float(r["amount"]) for r in row] == [99.0]
    assert _per_recipient(shop)["t2@x.io"] == 1


def test_a_changed_amount_is_rejected_on_the_order_channel(sb: Sandbox, engine: sa.Engine) -> None:
    items = voucher_items(5, tag="cr")
    _order_run(sb, engine, items)()
    sent = sb.request_count("api/order/add")
    states = _order_run(sb, engine, _changed(items, 1, amount=Decimal("99")))()
    assert sb.request_count("api/order/add") == sent
    assert states["cr-1"] == "rejected" and Counter(states.values()) == {"confirmed": 4, "rejected": 1}
    row = VoucherLedger(engine=engine).get("cr-1")
    assert row is not None and row.state == "confirmed"  # the sold voucher is still there
    assert row.reason is not None and "amount '6.0000' -> '99.0000'" in row.reason


def _csv(path: Path, items: list[VoucherRequest | Rejected]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(cli_reverse.VOUCHER_COLUMNS)
        for i in items:
            assert isinstance(i, VoucherRequest)
            writer.writerow([i.request_key, i.to_name, i.to_email, i.from_name, i.from_email, i.amount,
                             i.voucher_theme_id, i.message])


def _results(path: Path) -> list[dict[str, str]]:
    with path.with_name(path.stem + ".results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("channel", ["admin", "order"])
def test_results_csv_says_what_each_rerun_did(sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              channel: str) -> None:
    monkeypatch.setattr(cli_reverse, "voucher_store", lambda: AdminVoucherStore(admin=_admin(sb)))
    monkeypatch.setattr(cli_reverse, "order_client", lambda: _catalog(sb))
    monkeypatch.setattr(cli_reverse, "order_admin", lambda: None)
    items = voucher_items(6, tag="cs")
    src = tmp_path / "campaign.csv"
    _csv(src, items)
    args = ["issue", str(src), "--channel", channel, "--settle-s", "0", "--batch-size", "4"]
    monkeypatch.setenv("WAREHOUSE_URL", f"sqlite:///{tmp_path / 'one.db'}")
    first = CliRunner().invoke(cli_reverse.vouchers, args)
    assert first.exit_code == 0, first.output
    created = "create" if channel == "admin" else "sell"
    assert {(r["state"], r["action"]) for r in _results(src)} == {("confirmed", created)}
    monkeypatch.setenv("WAREHOUSE_URL", f"sqlite:///{tmp_path / 'two.db'}")  # another warehouse
    second = CliRunner().invoke(cli_reverse.vouchers, args)
    assert second.exit_code == 0, second.output
    assert {(r["state"], r["action"]) for r in _results(src)} == {("confirmed", "adopt")}
    _assert_one_each(sb, 6)


def _order_rerun_with(sb: Sandbox, engine: sa.Engine, empty: sa.Engine,
                      orders_for: Callable[[Any], Any]) -> None:
    items = voucher_items(RERUN, tag="ol")
    _order_run(sb, engine, items)()
    sent = sb.request_count("api/order/add")
    client = _catalog(sb)
    try:
        states = issue_vouchers_order(items, client=client, ledger=VoucherLedger(engine=empty),
                                      settings=SETTINGS, orders=orders_for(client))
    finally:
        client.close()
    assert sb.request_count("api/order/add") == sent
    assert Counter(states.values()) == {"confirmed": RERUN}
    _assert_one_each(sb, RERUN)


def test_order_rerun_finds_the_batches_through_the_admin_order_list(sb: Sandbox, engine: sa.Engine,
                                                                    empty: sa.Engine) -> None:
    _order_rerun_with(sb, engine, empty, lambda client: AdminOrders(
        _admin(sb), client=client, customer=f"{SETTINGS.issuer.firstname} {SETTINGS.issuer.lastname}"))
    assert sb.request_count("sale/order") >= 1


def test_order_rerun_finds_the_batches_in_the_synced_orders(sb: Sandbox, engine: sa.Engine,
                                                            empty: sa.Engine) -> None:
    items = voucher_items(RERUN, tag="ol")
    _order_run(sb, engine, items)()
    sent = sb.request_count("api/order/add")
    sync_client = _catalog(sb)
    try:
        OrderSync(sync_client, empty, SyncOptions(shop="m", gap_tolerance=10),
                  now=lambda: sb.clock.now() + timedelta(minutes=5)).run()
    finally:
        sync_client.close()
    assert WarehouseOrders.covers(empty, shop="m")
    infos = sb.request_count("api/order/info")
    client = _catalog(sb)
    try:
        orders = WarehouseOrders(empty, shop="m", client=client)
        states = issue_vouchers_order(items, client=client, ledger=VoucherLedger(engine=empty),
                                      settings=SETTINGS, orders=orders)
    finally:
        client.close()
    assert sb.request_count("api/order/add") == sent
    assert Counter(states.values()) == {"confirmed": RERUN}
    # the synced comments answered: only the ids above the synced ones were read, and each order once
    assert sb.request_count("api/order/info") - infos <= SETTINGS.scan_misses + 2 * 2


def test_a_scan_that_cannot_reach_the_end_of_the_shop_stops_before_sending() -> None:
    class Endless:
        def order_info_raw(self, order_id: int) -> dict[str, Any]:
            return {"comment": ""}

    scan = ScanOrders(Endless(), start=1, misses=5, limit=50)
    with pytest.raises(ConfigurationError, match="admin credentials"):
        scan.find("ocv-0123456789abcdef")
