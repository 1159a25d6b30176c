"""The sync assets against a started sandbox shop over loopback HTTP, into a SQLite warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from oc_connector.orchestration.assets import mart_assets, order_table_assets
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.settings import ShopConfig

sandbox_mod = pytest.importorskip("oc_connector_sandbox")


@pytest.fixture
def shop() -> Iterator[Any]:
    sb = sandbox_mod.Sandbox.start(orders=40, seed=3, port=0)
    try:
        yield sb
    finally:
        sb.stop()


def test_sync_assets_against_the_sandbox(shop: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wh.db'}"
    shop_config = ShopConfig(key="sb", url=shop.url, api_key_env="SB_KEY", allow_insecure_http=True)
    assets = [order_table_assets(shop_config, warehouse_kind="sqlite"),
              mart_assets(shop_config, warehouse_kind="sqlite")]
    resources = {
        "opencart_sb": OpenCartResource(
            url=shop.url, api_key=str(shop.api_key), api_username=shop.api_username,
            allow_insecure_http=True, rate_per_second=200.0,
        ),
        "warehouse": WarehouseResource(url=url),
    }
    result = dg.materialize(assets, resources=resources)
    assert result.success
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT COUNT(*), MAX(order_id) FROM opencart_orders")).one()
        history = conn.execute(sa.text("SELECT COUNT(*) FROM opencart_order_history")).scalar()
    engine.dispose()
    meta = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert loaded[0] == 40
    assert meta["sb/opencart_orders"]["orders_inserted"].value == 40
    assert meta["sb/opencart_orders"]["hwm_after"].value == loaded[1]
    assert meta["sb/opencart_orders"]["api_calls"].value >= 40
    assert history == 40
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["unique_order_ids"] and checks["history_matches_status"] and checks["sync_is_fresh"]
