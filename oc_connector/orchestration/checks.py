"""Asset checks on the synced order tables (queries live in ``oc_connector.warehouse.marts``).

``CHECKS`` uses the default freshness limit; the app calls :func:`build_checks` with its settings.
"""


from datetime import UTC, datetime, timedelta

import dagster as dg

from oc_connector.orchestration.assets import DEFAULTS, HISTORY, ORDERS
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.settings import DagsterSettings
from oc_connector.warehouse import marts


@dg.asset_check(asset=ORDERS, description="No (shop, order_id) appears twice.")
def unique_order_ids(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Unique order ids."""
    n = marts.quality_counts(warehouse.get_engine())["duplicate_order_ids"]
    return dg.AssetCheckResult(passed=n == 0, metadata={"duplicates": n})


@dg.asset_check(asset=ORDERS, description="No live order has a negative total.")
def no_negative_totals(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """No negative totals."""
    n = marts.quality_counts(warehouse.get_engine())["negative_totals"]
    return dg.AssetCheckResult(passed=n == 0, metadata={"negative_totals": n})


@dg.asset_check(asset=HISTORY, description="Latest observed history row = the order's current status.")
def history_matches_status(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """History consistent with current status."""
    n = marts.quality_counts(warehouse.get_engine())["history_status_mismatches"]
    return dg.AssetCheckResult(passed=n == 0, metadata={"mismatches": n})


@dg.asset_check(
    asset=ORDERS,
    description="Ids under the high-water mark neither loaded, quarantined nor seen absent (warning).",
)
def no_unexplained_gaps(opencart: OpenCartResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """No unexplained id gaps: every id up to the mark was loaded, quarantined or seen absent."""
    gaps = marts.unexplained_gaps(warehouse.get_engine(), shop=opencart.shop)
    return dg.AssetCheckResult(
        passed=not gaps,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"gaps": len(gaps), "first_gaps": str(gaps[:20])},
    )


def freshness_check(hours: float) -> dg.AssetChecksDefinition:
    """``sync_is_fresh``: the last sync finished within ``hours``."""

    @dg.asset_check(
        asset=ORDERS, name="sync_is_fresh", description=f"Last sync finished within {hours:g} hours."
    )
    def sync_is_fresh(opencart: OpenCartResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        """Freshness of the last sync."""
        finished = marts.last_sync_finished(warehouse.get_engine(), shop=opencart.shop)
        if finished is None:
            return dg.AssetCheckResult(passed=False, metadata={"last_sync": "never"})
        if finished.tzinfo is None:
            finished = finished.replace(tzinfo=UTC)
        age = datetime.now(UTC) - finished
        return dg.AssetCheckResult(
            passed=age <= timedelta(hours=hours),
            metadata={"last_sync": finished.isoformat(), "age_hours": round(age.total_seconds() / 3600, 3)},
        )

    return sync_is_fresh


def build_checks(settings: DagsterSettings) -> list[dg.AssetChecksDefinition]:
    """Every check, the freshness limit taken from ``settings``."""
    return [unique_order_ids, no_negative_totals, history_matches_status, no_unexplained_gaps,
            freshness_check(settings.freshness_hours)]


sync_is_fresh = freshness_check(DEFAULTS.freshness_hours)
CHECKS = [unique_order_ids, no_negative_totals, history_matches_status, no_unexplained_gaps, sync_is_fresh]
