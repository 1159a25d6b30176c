"""The sync assets against a started OpenCart 4.0 sandbox shop: the 4.0 pair, the version in the metadata."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from oc_connector.admin40 import Admin40Client
from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.orchestration.assets import order_table_assets
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.settings import ShopConfig
from oc_connector_sandbox import Sandbox


@pytest.fixture
def shop() -> Iterator[Sandbox]:
    with Sandbox.start(orders=25, seed=3, catalogue=True, version="4.0") as sb:
        yield sb


def _resource(sb: Sandbox, **fields: Any) -> OpenCartResource:
    return OpenCartResource(url=sb.url, api_key=str(sb.api_key), api_username=sb.api_username,
                            allow_insecure_http=True, rate_per_second=200.0, **fields)


def test_the_sync_assets_read_a_4_0_shop_through_its_admin_and_say_its_version(
    shop: Sandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'wh.db'}"
    config = ShopConfig(key="sb", url=shop.url, api_key_env="SB_KEY", allow_insecure_http=True)
    resources = {
        "opencart_sb": _resource(
            shop, admin_username=shop.admin_username, admin_password=shop.admin_password
        ),
        "warehouse": WarehouseResource(url=url),
    }
    result = dg.materialize([order_table_assets(config, warehouse_kind="sqlite")], resources=resources)

    assert result.success
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT COUNT(*) FROM opencart_orders")).scalar_one()
        lines = conn.execute(sa.text("SELECT COUNT(*) FROM opencart_order_products")).scalar_one()
    engine.dispose()
    shop_orders = shop.query("SELECT COUNT(*) AS n FROM oc_order")[0]["n"]
    shop_lines = shop.query("SELECT COUNT(*) AS n FROM oc_order_product")[0]["n"]
    assert (loaded, lines) == (shop_orders, shop_lines)
    meta = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }["sb/opencart_orders"]
    assert meta["opencart/version"].value == "4.0"
    assert meta["catalog_calls"].value == 0  # every read is an admin page
    assert meta["requests_total"].value == meta["admin_requests"].value > shop_orders
    assert meta["dimensions"].value.startswith("not refreshed: OpenCart 4.0")


def test_the_resource_gives_the_4_0_admin_client_of_a_detected_4_0_shop(shop: Sandbox) -> None:
    resource = _resource(shop, admin_username=shop.admin_username, admin_password=shop.admin_password)
    _client, admin = resource.get_sync_clients()
    assert isinstance(admin, Admin40Client)
    assert resource.shop_version() is ShopVersion.V4_0
    assert shop.request_count("api/account/login") == 1  # detected once, at the catalog login


def test_the_resource_refuses_a_4_0_sync_without_admin_credentials(shop: Sandbox) -> None:
    with pytest.raises(ConfigurationError) as info:
        _resource(shop, version="4.0").get_sync_clients()
    assert "OPENCART_ADMIN_USERNAME" in str(info.value) and "OPENCART_ADMIN_PASSWORD" in str(info.value)
    assert shop.request_count() == 0  # configured: nothing was asked of the shop
