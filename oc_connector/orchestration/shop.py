"""The factory: everything Dagster needs for one shop, as one ``dg.Definitions``.

``build_shop_definitions(shop)`` is to an OpenCart shop what dagster-dlt's ``@dlt_assets`` is to a
dlt source: the app (``pipelines/definitions.py``) calls it once per configured shop and merges
the results with one shared ``warehouse`` resource. A shop's assets, checks, jobs, schedule,
sensor, partitions and resource all carry its key, so shops fail, run and backfill independently.

For shop ``berlin``:

- assets ``berlin/opencart_orders`` + ``berlin/opencart_order_history`` (one sync run),
  ``berlin/opencart_orders_by_id_range`` (dynamic partitions ``berlin_order_id_ranges``, upstream
  of the order tables) and ``berlin/mart_*`` (the shop's rows of each mart);
- checks on the order tables (three blocking ones, a warning, freshness), evaluated in the
  tables' step right after the sync;
- jobs ``berlin_sync`` (two steps: ``berlin_order_tables`` syncs and checks, then
  ``berlin_marts`` counts every mart, skipped when a blocking check failed) and
  ``berlin_backfill`` (one id range per run);
- schedule ``berlin_sync_schedule`` (hourly, stopped) and sensor ``berlin_order_id_ranges_sensor``;
- resource ``opencart_berlin`` (an ``OpenCartResource``; secrets as ``dg.EnvVar``).
"""

from collections.abc import Mapping

import dagster as dg

from oc_connector.orchestration.assets import backfill_asset, mart_assets, order_table_assets
from oc_connector.orchestration.metadata import ShopKeys
from oc_connector.orchestration.partitions import partitions_sensor
from oc_connector.orchestration.resources import OpenCartResource
from oc_connector.settings import ShopConfig

__all__ = ["build_shop_definitions"]


def build_shop_definitions(
    shop: ShopConfig,
    *,
    env: Mapping[str, str] | None = None,
    warehouse_kind: str = "sqlite",
    resource: OpenCartResource | None = None,
) -> dg.Definitions:
    """The assets, checks, jobs, schedule, sensor and resource of one shop.

    The ``warehouse`` resource is not included: the app supplies one for every shop.

    Args:
        shop: the shop (from :func:`oc_connector.settings.fleet_settings`).
        env: the variables at load time (which proxy variables are set); only when ``resource``
            is not given.
        warehouse_kind: the warehouse engine's kind tag (``sqlite``, ``postgres``, ``duckdb``).
        resource: the shop's resource instead of ``OpenCartResource.for_shop(shop, env)``.
    """
    keys = ShopKeys(shop.key)
    tables = order_table_assets(shop, warehouse_kind=warehouse_kind)
    backfill = backfill_asset(shop, warehouse_kind=warehouse_kind)
    shop_marts = mart_assets(shop, warehouse_kind=warehouse_kind)
    sync_job = dg.define_asset_job(
        keys.name("sync"),
        selection=dg.AssetSelection.assets(tables, shop_marts),
        description=f"Incremental sync of shop {shop.key}'s orders and history, checks, then its marts.",
        tags=dict(shop.tags),
    )
    backfill_job = dg.define_asset_job(
        keys.name("backfill"),
        selection=dg.AssetSelection.assets(backfill),
        description=f"Re-read order-id ranges of shop {shop.key} (one partition per range); the "
                    "incremental mark is not moved.",
        tags=dict(shop.tags),
    )
    schedule = dg.ScheduleDefinition(
        name=keys.name("sync_schedule"), job=sync_job, cron_schedule="0 * * * *",
        execution_timezone=shop.timezone, default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    return dg.Definitions(
        assets=[tables, backfill, shop_marts],
        jobs=[sync_job, backfill_job],
        schedules=[schedule],
        sensors=[partitions_sensor(shop)],
        resources={keys.resource: resource or OpenCartResource.for_shop(shop, env or {})},
    )
