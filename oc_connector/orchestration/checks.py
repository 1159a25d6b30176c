"""Asset checks of one shop's order tables (queries live in ``oc_connector.warehouse.marts``).

The three data-quality checks are blocking: when one fails, the shop's marts are not
materialised in that run. The gap check warns; the freshness check compares the last sync with the
shop's ``freshness_hours`` (the same bound as the asset's freshness policy).
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from oc_connector.orchestration.metadata import ShopKeys
from oc_connector.settings import ShopConfig
from oc_connector.warehouse import marts

__all__ = ["build_checks"]


def _quality_check(
    shop: ShopConfig, asset: dg.AssetKey, name: str, count: str, description: str
) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset, name=name, description=description, blocking=True,
                    required_resource_keys={"warehouse"})
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        n = marts.quality_counts(context.resources.warehouse.get_engine(), shop=shop.key)[count]
        return dg.AssetCheckResult(passed=n == 0, metadata={count: n})

    return _check


def _gaps_check(shop: ShopConfig, keys: ShopKeys) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=keys.orders, name="no_unexplained_gaps", required_resource_keys={"warehouse"},
                    description="Ids under the high-water mark neither loaded, quarantined nor seen absent "
                                "(warning).")
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        gaps = marts.unexplained_gaps(context.resources.warehouse.get_engine(), shop=shop.key)
        return dg.AssetCheckResult(
            passed=not gaps,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"gaps": len(gaps), "first_gaps": str(gaps[:20])},
        )

    return _check


def _freshness_check(shop: ShopConfig, keys: ShopKeys) -> dg.AssetChecksDefinition:
    hours = shop.freshness_hours

    @dg.asset_check(asset=keys.orders, name="sync_is_fresh", required_resource_keys={"warehouse"},
                    description=f"Last sync finished within {hours:g} hours.")
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        finished = marts.last_sync_finished(context.resources.warehouse.get_engine(), shop=shop.key)
        if finished is None:
            return dg.AssetCheckResult(passed=False, metadata={"last_sync": "never"})
        if finished.tzinfo is None:
            finished = finished.replace(tzinfo=UTC)
        age = datetime.now(UTC) - finished
        return dg.AssetCheckResult(
            passed=age <= timedelta(hours=hours),
            metadata={"last_sync": finished.isoformat(), "age_hours": round(age.total_seconds() / 3600, 3)},
        )

    return _check


def build_checks(shop: ShopConfig) -> list[dg.AssetChecksDefinition]:
    """Every check of the shop's order tables."""
    keys = ShopKeys(shop.key)
    return [
        _quality_check(shop, keys.orders, "unique_order_ids", "duplicate_order_ids",
                       "No order id of the shop appears twice."),
        _quality_check(shop, keys.orders, "no_negative_totals", "negative_totals",
                       "No live order has a negative total."),
        _quality_check(shop, keys.history, "history_matches_status", "history_status_mismatches",
                       "Latest observed history row = the order's current status."),
        _gaps_check(shop, keys),
        _freshness_check(shop, keys),
    ]
