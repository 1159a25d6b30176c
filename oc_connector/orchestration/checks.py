"""Asset checks of one shop's order tables (queries live in ``oc_connector.warehouse.marts``).

The checks are declared as check specs of the shop's ``<shop>_order_tables`` multi-asset
(:func:`check_specs`) and evaluated in that step, right after the sync (:func:`evaluate_checks`):
one process per shop's tables and checks, not one per check. The three data-quality checks are
blocking: when one fails, the step fails after recording the tables and the results, so the
shop's marts are not materialised in that run. The gap check warns; the freshness check compares
the last sync with the shop's ``freshness_hours`` (the same bound as the asset's freshness policy).
The multi-asset can be subset, so a selection of checks alone evaluates them without a sync.
"""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from oc_connector.orchestration.metadata import ShopKeys
from oc_connector.settings import ShopConfig
from oc_connector.warehouse import marts

__all__ = ["check_specs", "evaluate_checks"]


@dataclass(frozen=True)
class _Quality:
    name: str
    table: str  # "orders" or "history": the ShopKeys property of the checked asset
    count: str  # the key of marts.quality_counts
    description: str


_QUALITY = (
    _Quality("unique_order_ids", "orders", "duplicate_order_ids", "No order id of the shop appears twice."),
    _Quality("no_negative_totals", "orders", "negative_totals", "No live order has a negative total."),
    _Quality("history_matches_status", "history", "history_status_mismatches",
             "Latest observed history row = the order's current status."),
)
GAPS = "no_unexplained_gaps"
FRESH = "sync_is_fresh"


def check_specs(shop: ShopConfig) -> list[dg.AssetCheckSpec]:
    """Every check of the shop's order tables, as specs of the tables' multi-asset."""
    keys = ShopKeys(shop.key)
    quality = [dg.AssetCheckSpec(q.name, asset=getattr(keys, q.table), description=q.description,
                                 blocking=True) for q in _QUALITY]
    return [
        *quality,
        dg.AssetCheckSpec(GAPS, asset=keys.orders,
                          description="Ids under the high-water mark neither loaded, quarantined nor seen "
                                      "absent (warning)."),
        dg.AssetCheckSpec(FRESH, asset=keys.orders,
                          description=f"Last sync finished within {shop.freshness_hours:g} hours."),
    ]


def evaluate_checks(
    engine: sa.Engine, shop: ShopConfig, selected: Collection[dg.AssetCheckKey]
) -> Iterator[dg.AssetCheckResult]:
    """The results of the ``selected`` checks of the shop (keys from :func:`check_specs`)."""
    keys = ShopKeys(shop.key)
    names = {k.name for k in selected}
    wanted = [q for q in _QUALITY if q.name in names]
    if wanted:
        counts = marts.quality_counts(engine, shop=shop.key)  # one query for the three
        for q in wanted:
            n = counts[q.count]
            yield dg.AssetCheckResult(asset_key=getattr(keys, q.table), check_name=q.name, passed=n == 0,
                                      metadata={q.count: n})
    if GAPS in names:
        gaps = marts.unexplained_gaps(engine, shop=shop.key)
        yield dg.AssetCheckResult(asset_key=keys.orders, check_name=GAPS, passed=not gaps,
                                  severity=dg.AssetCheckSeverity.WARN,
                                  metadata={"gaps": len(gaps), "first_gaps": str(gaps[:20])})
    if FRESH in names:
        yield _freshness(engine, shop, keys)


def _freshness(engine: sa.Engine, shop: ShopConfig, keys: ShopKeys) -> dg.AssetCheckResult:
    finished = marts.last_sync_finished(engine, shop=shop.key)
    if finished is None:
        return dg.AssetCheckResult(asset_key=keys.orders, check_name=FRESH, passed=False,
                                   metadata={"last_sync": "never"})
    if finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)
    age = datetime.now(UTC) - finished
    return dg.AssetCheckResult(
        asset_key=keys.orders, check_name=FRESH, passed=age <= timedelta(hours=shop.freshness_hours),
        metadata={"last_sync": finished.isoformat(), "age_hours": round(age.total_seconds() / 3600, 3)},
    )
