"""One shop's definitions from the factory load, and materialise in-process into a SQLite warehouse.

The shop is the in-memory FakeShop over the recorded OpenCart orders; the resource's
``get_clients`` / ``get_sync_clients`` are patched to return it (and records the run's overrides).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from oc_connector.orchestration.metadata import ShopKeys
from oc_connector.orchestration.partitions import id_ranges, missing_ranges, parse_range
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.orchestration.reverse import issue_vouchers
from oc_connector.orchestration.shop import build_shop_definitions
from oc_connector.settings import ShopConfig
from pipelines import definitions
from tests.sync.fakes import FakeShop

SHOP = ShopConfig(key="fake", url="http://127.0.0.1:1/", api_key_env="FAKE_KEY", partition_size=1000,
                  owners=("team:data",), tags={"region": "eu"})
KEYS = ShopKeys("fake")


def test_definitions_load_and_jobs_resolve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OC_CONNECTOR_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no oc-connector.toml here: the single shop of the variables
    defs = definitions.defs()  # the lazy @dg.definitions entry point, called as Dagster does
    dg.Definitions.validate_loadable(defs)
    for name in ("default_sync", "default_backfill", "issue_vouchers", "push_coupons"):
        assert defs.resolve_job_def(name).name == name
    schedule = defs.resolve_schedule_def("default_sync_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.cron_schedule == "0 * * * *"
    assert defs.resolve_sensor_def("default_order_id_ranges_sensor")


def test_id_ranges_are_full_width_and_cover_every_id_once() -> None:
    assert id_ranges(size=4, max_id=10) == ["1-4", "5-8", "9-12"]
    assert id_ranges(size=4, max_id=0) == []
    assert missing_ranges(["1-4"], size=4, max_id=5) == ["5-8"]
    assert parse_range("9-12") == (9, 12)
    with pytest.raises(ValueError, match="not an id range"):
        parse_range("12")


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> FakeShop:
    fake = FakeShop()
    fake.overrides = []  # type: ignore[attr-defined]

    def clients(self: OpenCartResource, **overrides: Any) -> tuple[FakeShop, None]:
        fake.overrides.append(overrides)  # type: ignore[attr-defined]
        return fake, None

    monkeypatch.setattr(OpenCartResource, "get_clients", clients)
    monkeypatch.setattr(OpenCartResource, "get_sync_clients", clients)
    return fake


def _defs(tmp_path: Path) -> dg.Definitions:
    resource = OpenCartResource.for_shop(SHOP, {}, api_key="k-not-used-by-fake")
    shop_defs = build_shop_definitions(SHOP, resource=resource, warehouse_kind="sqlite")
    url = f"sqlite:///{tmp_path / 'wh.db'}"
    warehouse = dg.Definitions(resources={"warehouse": WarehouseResource(url=url)})
    return dg.Definitions.merge(shop_defs, warehouse)


def _table(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _materialisations(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    return {e.materialization.asset_key.to_user_string(): e.materialization.metadata
            for e in result.get_asset_materialization_events()}


def test_sync_job_materialises_tables_marts_and_checks_with_metadata(shop: FakeShop, tmp_path: Path) -> None:
    defs = _defs(tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("fake_sync").execute_in_process(instance=instance)
        assert result.success
        partitions = instance.get_dynamic_partitions(KEYS.partitions)
    ids = sorted(shop.orders)
    rows = _table(tmp_path, "SELECT order_id FROM opencart_orders WHERE shop = 'fake' ORDER BY order_id")
    assert [r[0] for r in rows] == ids
    meta = _materialisations(result)
    orders = meta["fake/opencart_orders"]
    assert orders["orders_inserted"].value == len(ids) == orders["dagster/row_count"].value
    assert orders["api_calls"].value == orders["catalog_calls"].value == shop.total_calls
    assert orders["admin_calls"].value == 0 and orders["requests_total"].value == shop.total_calls
    assert orders["hwm_after"].value == max(ids)
    columns = [c.name for c in orders["dagster/column_schema"].schema.columns]
    assert columns[:2] == ["shop", "order_id"] and len(columns) >= 70
    assert partitions == id_ranges(size=1000, max_id=max(ids))
    assert orders["partitions_added"].value == len(partitions)
    history = _table(tmp_path, "SELECT COUNT(*) FROM opencart_order_history")[0][0]
    assert meta["fake/opencart_order_history"]["dagster/row_count"].value == history
    daily = _table(tmp_path, "SELECT COUNT(*) FROM mart_daily_sales WHERE shop = 'fake'")[0][0]
    assert meta["fake/mart_daily_sales"]["dagster/row_count"].value == daily > 0
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    for name in ("unique_order_ids", "no_negative_totals", "history_matches_status", "sync_is_fresh"):
        assert checks[name] is True, name


def test_asset_specs_carry_kinds_owners_tags_schema_and_freshness(tmp_path: Path) -> None:
    defs = _defs(tmp_path)
    graph = defs.resolve_asset_graph()
    orders = graph.get(KEYS.orders)
    assert {"opencart", "sqlite"} <= set(orders.kinds)
    assert orders.owners == ["team:data"] and orders.tags.get("region") == "eu"
    assert orders.freshness_policy is not None
    assert KEYS.backfill in orders.parent_keys  # the backfill is drawn as the table's upstream
    assert "dagster/column_schema" in orders.metadata
    checks = {k.name: graph.get(k).blocking for k in graph.asset_check_keys}
    assert checks["unique_order_ids"] and checks["no_negative_totals"] and checks["history_matches_status"]


def test_a_shops_sync_job_is_two_steps_the_checks_inside_the_first(tmp_path: Path) -> None:
    defs = _defs(tmp_path)
    job = defs.resolve_job_def("fake_sync")
    assert sorted(node.name for node in job.nodes) == ["fake_marts", "fake_order_tables"]
    tables = defs.resolve_assets_def(KEYS.orders)
    assert {k.name for k in tables.check_keys} == {
        "unique_order_ids", "no_negative_totals", "history_matches_status", "no_unexplained_gaps",
        "sync_is_fresh"}
    marts = defs.resolve_assets_def(KEYS.asset("mart_daily_sales"))
    assert marts.node_def.name == "fake_marts" and len(marts.keys) == 7 and marts.can_subset
    assert all(set(marts.asset_deps[k]) == {KEYS.orders, KEYS.history} for k in marts.keys)


def test_checks_run_on_their_own_without_a_sync(shop: FakeShop, tmp_path: Path) -> None:
    selection = dg.AssetSelection.checks_for_assets(KEYS.orders)
    checks_only = dg.define_asset_job("fake_checks", selection=selection)
    defs = dg.Definitions.merge(_defs(tmp_path), dg.Definitions(jobs=[checks_only]))
    with dg.DagsterInstance.ephemeral() as instance:
        assert defs.resolve_job_def("fake_sync").execute_in_process(instance=instance).success
        calls = shop.total_calls
        result = defs.resolve_job_def("fake_checks").execute_in_process(instance=instance)
    assert result.success
    assert shop.total_calls == calls  # no request: the checks read the warehouse only
    assert not result.get_asset_materialization_events()
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"unique_order_ids": True, "no_negative_totals": True, "no_unexplained_gaps": True,
                      "sync_is_fresh": True}


def test_a_mart_subset_materialises_only_the_marts_asked_for(shop: FakeShop, tmp_path: Path) -> None:
    defs = _defs(tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        assert defs.resolve_job_def("fake_sync").execute_in_process(instance=instance).success
        one = dg.define_asset_job("fake_one_mart", selection=[KEYS.asset("mart_customers")])
        job = dg.Definitions.merge(defs, dg.Definitions(jobs=[one])).resolve_job_def("fake_one_mart")
        result = job.execute_in_process(instance=instance)
    assert result.success
    meta = _materialisations(result)
    customers = _table(tmp_path, "SELECT COUNT(*) FROM mart_customers WHERE shop = 'fake'")[0][0]
    assert list(meta) == ["fake/mart_customers"]
    assert meta["fake/mart_customers"]["dagster/row_count"].value == customers


def test_a_failed_blocking_check_keeps_the_marts_back(shop: FakeShop, tmp_path: Path) -> None:
    first = min(shop.orders)
    shop.orders[first]["total"] = "-5.0000"
    result = _defs(tmp_path).resolve_job_def("fake_sync").execute_in_process(raise_on_error=False)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["no_negative_totals"] is False
    meta = _materialisations(result)
    assert "fake/opencart_orders" in meta
    assert not [k for k in meta if "mart_" in k]
    started = [e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START]
    assert started == ["fake_order_tables"]  # the marts' step never started


def test_run_config_changes_the_rate_without_repeating_the_secrets(shop: FakeShop, tmp_path: Path) -> None:
    job = _defs(tmp_path).resolve_job_def("fake_sync")
    config = {"ops": {"fake_order_tables": {"config": {"rate_per_second": 0.5, "workers": 2}}}}
    assert job.execute_in_process(run_config=config).success
    assert shop.overrides == [{"rate_per_second": 0.5, "max_concurrency": None}]  # type: ignore[attr-defined]


def test_a_partition_backfill_produces_the_same_rows(shop: FakeShop, tmp_path: Path) -> None:
    defs = _defs(tmp_path)
    with dg.DagsterInstance.ephemeral() as instance:
        assert defs.resolve_job_def("fake_sync").execute_in_process(instance=instance).success
        incremental = _table(tmp_path, "SELECT order_id, _hash FROM opencart_orders ORDER BY order_id")
        hwm = _table(tmp_path, "SELECT high_water_mark FROM opencart_sync_state")
        _table(tmp_path, "DELETE FROM opencart_orders")
        backfill = defs.resolve_job_def("fake_backfill")
        for key in instance.get_dynamic_partitions(KEYS.partitions):
            assert backfill.execute_in_process(instance=instance, partition_key=key).success
    assert _table(tmp_path, "SELECT order_id, _hash FROM opencart_orders ORDER BY order_id") == incremental
    assert _table(tmp_path, "SELECT high_water_mark FROM opencart_sync_state") == hwm


def test_the_voucher_channel_is_an_enum_a_typo_is_refused() -> None:
    with pytest.raises(dg.DagsterInvalidConfigError, match="channel"):
        issue_vouchers.execute_in_process(
            run_config={"ops": {"issue_vouchers_op": {"config": {"channel": "ordr"}}}},
            resources={"opencart": object(), "warehouse": object()},
        )
