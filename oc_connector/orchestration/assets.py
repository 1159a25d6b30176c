"""Assets: the synced order tables (one sync run, a multi-asset), the id-range backfill, the marts.

The backfill's partitions come from :class:`~oc_connector.settings.DagsterSettings`, which the app
passes to :func:`backfill_asset`; ``opencart_orders_backfill`` is that asset on the default
settings (ranges of 10000 ids up to 100000). Nothing here reads the environment.
"""


from collections.abc import Iterator
from typing import Any

import dagster as dg

from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.settings import DagsterSettings
from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
from oc_connector.warehouse import marts

ORDERS = dg.AssetKey("opencart_orders")
HISTORY = dg.AssetKey("opencart_order_history")
LEDGER = dg.AssetKey("opencart_voucher_ledger")  # written by the issue_vouchers job
DEFAULTS = DagsterSettings()


def id_ranges(*, size: int, max_id: int) -> list[str]:
    """Partition keys "first-last" covering 1..max_id in ranges of ``size`` ids."""
    return [f"{lo}-{min(lo + size - 1, max_id)}" for lo in range(1, max_id + 1, size)]


def order_id_ranges(settings: DagsterSettings) -> dg.StaticPartitionsDefinition:
    """The backfill's partitions: ``settings.partition_size`` ids each, up to ``settings.max_order_id``."""
    keys = id_ranges(size=settings.partition_size, max_id=settings.max_order_id)
    return dg.StaticPartitionsDefinition(keys)


class SyncConfig(dg.Config):
    """Run options of a sync."""

    full: bool = False


def _options(opencart: OpenCartResource, *, full: bool = False) -> SyncOptions:
    return SyncOptions(
        shop=opencart.shop, workers=opencart.workers, full=full, shop_timezone=opencart.shop_timezone
    )


def _metadata(result: SyncResult) -> dict[str, Any]:
    return result.as_metadata()


def _outputs(result: SyncResult) -> tuple[dg.MaterializeResult[Any], dg.MaterializeResult[Any]]:
    meta = _metadata(result)
    return (
        dg.MaterializeResult(asset_key=ORDERS, metadata=meta),
        dg.MaterializeResult(asset_key=HISTORY, metadata=meta),
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(ORDERS, description="Orders of the shop, one row per (shop, order_id)."),
        dg.AssetSpec(HISTORY, description="Order status history (observed and admin rows)."),
    ],
    group_name="opencart",
)
def opencart_order_tables(
    context: dg.AssetExecutionContext,
    config: SyncConfig,
    opencart: OpenCartResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult[Any]]:
    """One incremental (or full) sync run materialises both tables."""
    sync = OrderSync(
        opencart.get_client(),
        warehouse.get_engine(),
        _options(opencart, full=config.full),
        admin=opencart.get_admin_client(),
    )
    result = sync.run()
    context.log.info("sync: %s", result.as_metadata())
    yield from _outputs(result)


def backfill_asset(settings: DagsterSettings) -> dg.AssetsDefinition:
    """The id-range backfill of orders, partitioned as ``settings`` says."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(dg.AssetKey("opencart_orders_backfill"), description="Id-range backfill of orders."),
        ],
        partitions_def=order_id_ranges(settings),
        group_name="opencart",
    )
    def opencart_orders_backfill(
        context: dg.AssetExecutionContext, opencart: OpenCartResource, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult[Any]]:
        """Read one id range (partition "first-last") without moving the incremental high-water mark."""
        first, last = (int(x) for x in context.partition_key.split("-"))
        client, engine, admin = opencart.get_client(), warehouse.get_engine(), opencart.get_admin_client()
        sync = OrderSync(client, engine, _options(opencart), admin=admin)
        result = sync.backfill(first, last)
        yield dg.MaterializeResult(asset_key="opencart_orders_backfill", metadata=_metadata(result))

    return opencart_orders_backfill


opencart_orders_backfill = backfill_asset(DEFAULTS)


def _mart_asset(name: str, deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(name=name, deps=deps, group_name="marts", description=f"BI view {name} (warehouse/README.md).")
    def _mart(warehouse: WarehouseResource) -> dg.MaterializeResult[Any]:
        engine = warehouse.get_engine()
        marts.create_marts(engine)
        return dg.MaterializeResult(metadata={"rows": marts.count_rows(engine, name=name)})

    return _mart


mart_assets = [
    _mart_asset(name, [LEDGER] if name == "mart_voucher_liability" else [ORDERS, HISTORY])
    for name in marts.MARTS
]
