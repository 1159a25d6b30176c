"""Assets of one shop: its order tables (one sync run), their id-range re-reads, its marts.

Built per shop by the factories here (the app calls them through
:func:`oc_connector.orchestration.shop.build_shop_definitions`); every key is under the shop key
(``berlin/opencart_orders``) and every asset carries the shop's kinds, owners and tags, its column
schema from the data dictionary and, after each run, ``dagster/row_count``. Nothing here reads the
environment; the SQL lives in ``oc_connector.warehouse``.
"""

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
from pydantic import Field

from oc_connector.orchestration.checks import check_specs, evaluate_checks
from oc_connector.orchestration.metadata import LEDGER, ShopKeys, run_metadata, table_metadata
from oc_connector.orchestration.partitions import add_missing_ranges, order_id_partitions, parse_range
from oc_connector.orchestration.resources import OpenCartResource, ShopOverrides, WarehouseResource
from oc_connector.settings import ShopConfig
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse import marts
from oc_connector.warehouse.orders_schema import opencart_order_history, opencart_orders
from oc_connector.wire.concurrency import DEFAULT_MAX_CONCURRENCY

__all__ = ["SyncConfig", "backfill_asset", "ledger_assets", "mart_assets", "order_table_assets"]


class SyncConfig(ShopOverrides):
    """Run config of a sync: ``full`` and any of the shop's settings for this run only."""

    full: bool = Field(default=False, description="Re-read every loaded order, not only open and recent.")


def _common(shop: ShopConfig, kind: str) -> dict[str, Any]:
    return {
        "kinds": {"opencart", kind},
        "owners": list(shop.owners),
        "tags": dict(shop.tags),
        "group_name": shop.key,
    }


def _about(shop: ShopConfig, text: str) -> str:
    return f"{text}\n\n{shop.description}" if shop.description else text


def _sync_options(shop: ShopConfig, opencart: OpenCartResource, config: ShopOverrides, *,
                  full: bool = False) -> SyncOptions:
    return SyncOptions(shop=shop.key, workers=config.workers or opencart.workers or DEFAULT_MAX_CONCURRENCY,
                       full=full,
                       shop_timezone=opencart.shop_timezone)


def _resources(context: dg.AssetExecutionContext, keys: ShopKeys) -> tuple[OpenCartResource, Any]:
    opencart: OpenCartResource = getattr(context.resources, keys.resource)
    warehouse: WarehouseResource = context.resources.warehouse
    return opencart, warehouse.get_engine()


def order_table_assets(shop: ShopConfig, *, warehouse_kind: str) -> dg.AssetsDefinition:
    """``<shop>/opencart_orders`` and ``<shop>/opencart_order_history``: one incremental sync run.

    After the run, the order-id ranges up to the new high-water mark are added to the shop's
    partitions, so the backfill always covers the newest order. The shop's checks
    (:func:`oc_connector.orchestration.checks.check_specs`) are evaluated in the same step, after
    the sync; a failed blocking check fails the step, so the marts downstream are skipped. A
    selection of checks without the tables evaluates them without syncing.
    """
    keys = ShopKeys(shop.key)
    common = _common(shop, warehouse_kind)
    freshness = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=shop.freshness_hours))

    @dg.multi_asset(
        name=keys.name("order_tables"),
        specs=[
            dg.AssetSpec(
                keys.orders, deps=[keys.backfill], freshness_policy=freshness,
                metadata=table_metadata("opencart_orders"), **common,
                description=_about(shop, f"Orders of shop {shop.key}: its rows of opencart_orders, one per "
                                         "order id (warehouse/README.md)."),
            ),
            dg.AssetSpec(
                keys.history, deps=[keys.backfill], metadata=table_metadata("opencart_order_history"),
                description=f"Status history of shop {shop.key}'s orders (observed and admin rows).",
                **common,
            ),
        ],
        check_specs=check_specs(shop),
        can_subset=True,
        required_resource_keys={keys.resource, "warehouse"},
    )
    def _sync(context: dg.AssetExecutionContext, config: SyncConfig) -> Iterator[Any]:
        opencart, engine = _resources(context, keys)
        selected = context.selected_asset_keys
        if selected:
            yield from _run_sync(context, shop, keys, opencart, engine, config, selected)
        yield from evaluate_checks(engine, shop, context.selected_asset_check_keys)

    return _sync


def _run_sync(context: dg.AssetExecutionContext, shop: ShopConfig, keys: ShopKeys, opencart: OpenCartResource,
              engine: Any, config: SyncConfig, selected: AbstractSet[dg.AssetKey],
              ) -> Iterator[dg.MaterializeResult[Any]]:
    client, admin = opencart.get_sync_clients(rate_per_second=config.rate_per_second,
                                              max_concurrency=config.max_concurrency)
    options = _sync_options(shop, opencart, config, full=config.full)
    started = datetime.now(UTC).replace(tzinfo=None)
    result = OrderSync(client, engine, options, admin=admin).run()
    added = add_missing_ranges(context.instance, shop, max_id=result.hwm_after)
    meta = run_metadata(result, options=options, started=started) | {"partitions_added": len(added)}
    context.log.info("sync of %s: %s; %d id ranges added", shop.key, result.as_metadata(), len(added))
    for key, table in ((keys.orders, opencart_orders), (keys.history, opencart_order_history)):
        if key in selected:  # the sync writes both; a subset records only what was asked for
            yield dg.MaterializeResult(asset_key=key, metadata=meta | table_metadata(table.name) | {
                "dagster/row_count": marts.count_table_rows(engine, table, shop=shop.key)})


class BackfillConfig(ShopOverrides):
    """Run config of a backfill partition: any of the shop's settings for this run only."""


def backfill_asset(shop: ShopConfig, *, warehouse_kind: str) -> dg.AssetsDefinition:
    """``<shop>/opencart_orders_by_id_range``: re-reads one order-id range (a dynamic partition).

    It writes the rows of ``<shop>/opencart_orders`` and its history (drawn as that asset's
    upstream) and never moves the incremental high-water mark.
    """
    keys = ShopKeys(shop.key)

    @dg.asset(
        key=keys.backfill,
        partitions_def=order_id_partitions(shop),
        required_resource_keys={keys.resource, "warehouse"},
        description=(f"Re-reads one order-id range (partition first-last) of shop {shop.key} into "
                     f"{keys.orders.to_user_string()}; the incremental mark is not moved. The ranges grow "
                     f"with the shop ({shop.partition_size} ids each)."),
        kinds={"opencart", warehouse_kind}, owners=list(shop.owners), tags=dict(shop.tags),
        group_name=shop.key,
    )
    def _backfill(context: dg.AssetExecutionContext, config: BackfillConfig) -> dg.MaterializeResult[Any]:
        first, last = parse_range(context.partition_key)
        opencart, engine = _resources(context, keys)
        client, admin = opencart.get_sync_clients(rate_per_second=config.rate_per_second,
                                             max_concurrency=config.max_concurrency)
        options = _sync_options(shop, opencart, config)
        started = datetime.now(UTC).replace(tzinfo=None)
        result = OrderSync(client, engine, options, admin=admin).backfill(first, last)
        rows = result.orders_inserted + result.orders_updated + result.orders_unchanged
        return dg.MaterializeResult(
            metadata=run_metadata(result, options=options, started=started) | {"dagster/row_count": rows}
        )

    return _backfill


def mart_assets(shop: ShopConfig, *, warehouse_kind: str) -> dg.AssetsDefinition:
    """``<shop>_marts``: the shop's mart assets (``<shop>/mart_daily_sales``, ...) in one step.

    One spec per mart, downstream of the order tables; any subset of them can be materialised,
    and each records its row count (the marts are views over the order tables: this step counts
    their rows).
    """
    keys = ShopKeys(shop.key)
    names = [name for name in marts.MARTS if name not in marts.UNKEYED_MARTS]
    by_key = {keys.asset(name): name for name in names}

    @dg.multi_asset(
        name=keys.name("marts"),
        specs=[
            dg.AssetSpec(key, deps=[keys.orders, keys.history], metadata=table_metadata(name),
                         description=f"BI view {name}, the rows of shop {shop.key} (warehouse/README.md).",
                         kinds={"sql", warehouse_kind}, owners=list(shop.owners), tags=dict(shop.tags),
                         group_name=shop.key)
            for key, name in by_key.items()
        ],
        can_subset=True,
        required_resource_keys={"warehouse"},
    )
    def _marts(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult[Any]]:
        engine = context.resources.warehouse.get_engine()  # upgraded: the views exist
        for key, name in by_key.items():
            if key in context.selected_asset_keys:
                yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(name) | {
                    "dagster/row_count": marts.count_rows(engine, name=name, shop=shop.key)})

    return _marts


def ledger_assets(*, warehouse_kind: str) -> list[dg.AssetSpec | dg.AssetsDefinition]:
    """The voucher ledger (written by ``issue_vouchers``) and ``mart_voucher_liability`` over it.

    Shared by the fleet: the reverse-ETL tables have no shop column.
    """
    ledger = dg.AssetSpec(
        LEDGER, kinds={warehouse_kind}, group_name="reverse_etl", metadata=table_metadata(LEDGER.path[-1]),
        description="One row per voucher request and the state of its issue (written by issue_vouchers).",
    )
    name = "mart_voucher_liability"

    @dg.asset(name=name, deps=[LEDGER], group_name="reverse_etl", kinds={"sql", warehouse_kind},
              metadata=table_metadata(name), description="Gift-voucher liability per campaign and channel.")
    def _liability(warehouse: WarehouseResource) -> dg.MaterializeResult[Any]:
        engine = warehouse.get_engine()
        return dg.MaterializeResult(metadata=table_metadata(name) | {
            "dagster/row_count": marts.count_rows(engine, name=name)})

    return [ledger, _liability]
