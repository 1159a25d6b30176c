"""The Dagster definitions load, and materialise in-process into a SQLite warehouse.

The shop is the in-memory FakeShop over the recorded OpenCart orders (the sandbox server had not
landed when these tests were written); the resource's get_client is patched to return it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from oc_connector.orchestration.assets import (
    id_ranges,
    mart_assets,
    opencart_order_tables,
    opencart_orders_backfill,
)
from oc_connector.orchestration.checks import CHECKS
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from pipelines import definitions
from tests.sync.fakes import FakeShop


def test_definitions_load_and_jobs_resolve() -> None:
    defs = definitions.defs()  # the lazy @dg.definitions entry point, called as Dagster does
    dg.Definitions.validate_loadable(defs)
    for name in ("opencart_sync", "opencart_backfill", "issue_vouchers", "push_coupons"):
        assert defs.resolve_job_def(name).name == name
    schedule = defs.resolve_schedule_def("opencart_sync_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 * * * *"


def test_id_ranges_cover_every_id_once() -> None:
    assert id_ranges(size=4, max_id=10) == ["1-4", "5-8", "9-10"]


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> FakeShop:
    fake = FakeShop()
    monkeypatch.setattr(OpenCartResource, "get_client", lambda self: fake)
    monkeypatch.setattr(OpenCartResource, "get_admin_client", lambda self: None)
    return fake


def _resources(tmp_path: Path) -> dict[str, Any]:
    return {
        "opencart": OpenCartResource(url="http://127.0.0.1:1/", api_key="k-not-used-by-fake"),
        "warehouse": WarehouseResource(url=f"sqlite:///{tmp_path / 'wh.db'}"),
    }


def _table(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_materialise_sync_marts_and_checks(shop: FakeShop, tmp_path: Path) -> None:
    result = dg.materialize(
        [opencart_order_tables, *mart_assets, *CHECKS], resources=_resources(tmp_path)
    )
    assert result.success
    ids = sorted(shop.orders)
    rows = _table(tmp_path, "SELECT order_id FROM opencart_orders ORDER BY order_id")
    assert [r[0] for r in rows] == ids
    meta = {
        m.asset_key.to_user_string(): m.metadata
        for m in result.get_asset_materialization_events()
        for m in [m.materialization]
    }
    orders_meta = meta["opencart_orders"]
    assert orders_meta["orders_inserted"].value == len(ids)
    assert orders_meta["api_calls"].value == shop.total_calls
    assert orders_meta["hwm_before"].value == 0
    assert orders_meta["hwm_after"].value == max(ids)
    assert {"retries", "rate_limit_wait_s", "duration_s"} <= set(orders_meta)
    live = _table(tmp_path, "SELECT COUNT(*) FROM opencart_orders WHERE order_status_id <> 0")[0][0]
    daily = _table(tmp_path, "SELECT SUM(orders) FROM mart_daily_sales")[0][0]
    assert daily == live
    mart_rows = _table(tmp_path, "SELECT COUNT(*) FROM mart_daily_sales")[0][0]
    assert meta["mart_daily_sales"]["rows"].value == mart_rows > 0
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    for name in ("unique_order_ids", "no_negative_totals", "history_matches_status", "sync_is_fresh"):
        assert checks[name] is True, name


def test_partition_backfill_produces_the_same_rows(shop: FakeShop, tmp_path: Path) -> None:
    resources = _resources(tmp_path)
    assert dg.materialize([opencart_order_tables], resources=resources).success
    incremental = _table(tmp_path, "SELECT order_id, _hash FROM opencart_orders ORDER BY order_id")
    hwm = _table(tmp_path, "SELECT high_water_mark FROM opencart_sync_state")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM opencart_orders"))
    engine.dispose()
    first = opencart_orders_backfill.partitions_def.get_partition_keys()[0]
    lo, hi = (int(x) for x in first.split("-"))
    assert lo == 1 and hi >= max(shop.orders)  # default ranges: 1-10000, ...
    backfill = dg.materialize([opencart_orders_backfill], resources=resources, partition_key=first)
    assert backfill.success
    assert _table(tmp_path, "SELECT order_id, _hash FROM opencart_orders ORDER BY order_id") == incremental
    assert _table(tmp_path, "SELECT high_water_mark FROM opencart_sync_state") == hwm
