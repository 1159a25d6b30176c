"""Many shops in one code location: a fleet file, two sandbox shops, one warehouse.

The app is built from a two-shop TOML file exactly as Dagster loads it (``build_definitions``),
each shop's sync job runs in-process on one Dagster instance, and the row counts and column schemas
are read back from that instance's event log. ``dagster definitions validate`` loads the same file,
and an environment without any file, from the repository root.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from oc_connector.orchestration.metadata import ShopKeys
from oc_connector.orchestration.partitions import partitions_sensor
from oc_connector.orchestration.resources import WarehouseResource
from oc_connector.settings import fleet_settings
from oc_connector_sandbox import Sandbox
from oc_connector_sandbox.generate import insert_orders
from pipelines.definitions import build_definitions

ROOT = Path(__file__).resolve().parents[2]

FLEET = """
[warehouse]
url_env = "FLEET_WAREHOUSE_URL"

[defaults]
allow_insecure_http = true
rate_per_second = 500
owners = ["team:data"]

[[shops]]
key = "north"
url_env = "NORTH_URL"
api_key_env = "NORTH_API_KEY"
admin_username = "admin"
admin_password_env = "NORTH_ADMIN_PASSWORD"
partition_size = 10
tags = { region = "north" }

[[shops]]
key = "south"
url_env = "SOUTH_URL"
api_key_env = "SOUTH_API_KEY"
timezone = "Europe/Berlin"
partition_size = 25
"""


@pytest.fixture
def shops() -> Iterator[tuple[Sandbox, Sandbox]]:
    north = Sandbox.start(orders=15, seed=3)
    south = Sandbox.start(orders=30, seed=4)
    try:
        yield north, south
    finally:
        north.stop()
        south.stop()


def _fleet_env(tmp_path: Path, north: Sandbox, south: Sandbox) -> dict[str, str]:
    path = tmp_path / "fleet.toml"
    path.write_text(FLEET, encoding="utf-8")
    return {
        "OC_CONNECTOR_CONFIG": str(path), "FLEET_WAREHOUSE_URL": f"sqlite:///{tmp_path / 'wh.db'}",
        "NORTH_URL": north.url, "NORTH_API_KEY": str(north.api_key),
        "NORTH_ADMIN_PASSWORD": north.admin_password,
        "SOUTH_URL": south.url, "SOUTH_API_KEY": str(south.api_key),
    }


def _rows(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def _latest(instance: dg.DagsterInstance, key: dg.AssetKey) -> Any:
    event = instance.get_latest_materialization_event(key)
    assert event is not None and event.asset_materialization is not None, key
    return event.asset_materialization.metadata


def test_two_shops_materialise_into_one_warehouse(
    shops: tuple[Sandbox, Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    north, south = shops
    env = _fleet_env(tmp_path, north, south)
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the EnvVars are resolved when a run starts
    defs = build_definitions(env)
    assert not any(value in repr(defs.resources) for value in (env["NORTH_API_KEY"], env["SOUTH_API_KEY"]))
    with dg.DagsterInstance.ephemeral() as instance:
        for shop in ("north", "south"):
            assert defs.resolve_job_def(f"{shop}_sync").execute_in_process(instance=instance).success
        counts = dict(_rows(tmp_path, "SELECT shop, COUNT(*) FROM opencart_orders GROUP BY shop"))
        assert counts == {"north": 15, "south": 30}
        for shop in ("north", "south"):
            keys = ShopKeys(shop)
            meta = _latest(instance, keys.orders)
            assert meta["dagster/row_count"].value == counts[shop]
            schema = meta["dagster/column_schema"].schema
            assert [c.name for c in schema.columns][:2] == ["shop", "order_id"]
            assert all(c.description for c in schema.columns)
            history = dict(_rows(tmp_path, "SELECT shop, COUNT(*) FROM opencart_order_history GROUP BY shop"))
            assert _latest(instance, keys.history)["dagster/row_count"].value == history[shop]
            mart = _latest(instance, keys.asset("mart_daily_sales"))
            assert mart["dagster/row_count"].value > 0
            assert [c.name for c in mart["dagster/column_schema"].schema.columns][:2] == ["shop", "day"]
        # the admin channel (north only) is counted next to the catalog's requests
        assert _latest(instance, ShopKeys("north").orders)["admin_calls"].value == 15
        assert _latest(instance, ShopKeys("south").orders)["admin_calls"].value == 0
        assert instance.get_dynamic_partitions("north_order_id_ranges") == ["1-10", "11-20"]
        assert instance.get_dynamic_partitions("south_order_id_ranges") == ["1-25", "26-50"]


def test_a_failing_shop_does_not_fail_the_other(
    shops: tuple[Sandbox, Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    north, south = shops
    env = _fleet_env(tmp_path, north, south) | {"SOUTH_API_KEY": "wrong-key-" + "x" * 54}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    defs = build_definitions(env)
    with dg.DagsterInstance.ephemeral() as instance:
        south_run = defs.resolve_job_def("south_sync").execute_in_process(
            instance=instance, raise_on_error=False)
        north_run = defs.resolve_job_def("north_sync").execute_in_process(instance=instance)
    assert not south_run.success and north_run.success
    assert dict(_rows(tmp_path, "SELECT shop, COUNT(*) FROM opencart_orders GROUP BY shop")) == {"north": 15}


def test_a_failing_blocking_check_keeps_that_shops_marts_back(
    shops: tuple[Sandbox, Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    north, south = shops
    env = _fleet_env(tmp_path, north, south)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    defs = build_definitions(env)
    with dg.DagsterInstance.ephemeral() as instance:
        first = defs.resolve_job_def("north_sync").execute_in_process(instance=instance)
        assert first.success
        # by hand: a later observed history row whose status is not the order's current one
        engine = sa.create_engine(env["FLEET_WAREHOUSE_URL"])
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO opencart_order_history (id, shop, order_id, source, order_status_id,"
                " order_status, changed_at, changed_on, comment, observed_at, event_key)"
                " SELECT (SELECT MAX(id) + 1 FROM opencart_order_history), shop, order_id, 'observed',"
                " order_status_id + 1000, 'edited by hand', '2999-01-01 00:00:00', '2999-01-01', '',"
                " '2999-01-01 00:00:00', 'by-hand' FROM opencart_orders WHERE shop = 'north' AND order_id ="
                " (SELECT MIN(order_id) FROM opencart_orders WHERE shop = 'north')"))
        engine.dispose()
        second = defs.resolve_job_def("north_sync").execute_in_process(
            instance=instance, raise_on_error=False)
        south_run = defs.resolve_job_def("south_sync").execute_in_process(instance=instance)
        north_mart = instance.get_latest_materialization_event(ShopKeys("north").asset("mart_daily_sales"))
        north_orders = instance.get_latest_materialization_event(ShopKeys("north").orders)
    assert not second.success and south_run.success
    checks = {e.check_name: e.passed for e in second.get_asset_check_evaluations()}
    assert checks["history_matches_status"] is False and checks["unique_order_ids"] is True
    (failed,) = [e for e in second.get_asset_check_evaluations() if not e.passed]
    assert failed.metadata["history_status_mismatches"].value == 1
    assert north_orders is not None and north_orders.run_id == second.run_id  # the tables were recorded
    assert north_mart is not None and north_mart.run_id == first.run_id  # the marts were not
    recorded = [e.asset_key.to_user_string() for e in second.get_asset_materialization_events()]
    assert sorted(recorded) == ["north/opencart_order_history", "north/opencart_orders"]
    assert {e.asset_key.path[0] for e in south_run.get_asset_materialization_events()} == {"south"}


def test_a_shop_that_grows_past_its_last_partition_gets_a_new_one(
    shops: tuple[Sandbox, Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    north, south = shops
    env = _fleet_env(tmp_path, north, south)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    defs = build_definitions(env)
    job = defs.resolve_job_def("north_sync")
    with dg.DagsterInstance.ephemeral() as instance:
        assert job.execute_in_process(instance=instance).success
        assert instance.get_dynamic_partitions("north_order_id_ranges") == ["1-10", "11-20"]
        insert_orders(north.state, 10, seed=11)  # ids 16-25: past the last range
        assert job.execute_in_process(instance=instance).success
        assert instance.get_dynamic_partitions("north_order_id_ranges") == ["1-10", "11-20", "21-30"]
        backfill = defs.resolve_job_def("north_backfill")
        assert backfill.execute_in_process(instance=instance, partition_key="21-30").success
        assert _latest(instance, ShopKeys("north").backfill)["dagster/row_count"].value == 5

        # the sensor adds ranges from the warehouse's mark (a sync the CLI ran, say)
        (north_shop,) = [s for s in fleet_settings(env).shops if s.key == "north"]
        engine = sa.create_engine(env["FLEET_WAREHOUSE_URL"])
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE opencart_sync_state SET high_water_mark = 47 WHERE shop = 'north'"))
        engine.dispose()
        sensor = partitions_sensor(north_shop)
        warehouse = WarehouseResource(url=env["FLEET_WAREHOUSE_URL"])
        context = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
        result = sensor(context)
        (request,) = result.dynamic_partitions_requests
        assert list(request.partition_keys) == ["31-40", "41-50"]


def _validate(env: dict[str, str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """``dagster definitions validate`` run from ``cwd``, with its instance storage kept in ``home``."""
    dagster = Path(sys.executable).with_name("dagster")
    home.mkdir(exist_ok=True)
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DAGSTER_HOME": str(home)}
    return subprocess.run(  # the installed dagster CLI, fixed arguments
        [str(dagster), "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=cwd, env=base | env, capture_output=True, text=True, check=False, timeout=300,
    )


def test_dagster_definitions_validate_loads_a_two_shop_file_and_no_file(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(FLEET, encoding="utf-8")
    for env in ({"OC_CONNECTOR_CONFIG": str(path)}, {}):  # no secret set: EnvVars, resolved at run time
        out = _validate(env, ROOT, tmp_path / "dagster_home")
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
        assert "Validation successful" in out.stdout + out.stderr
