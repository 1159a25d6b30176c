"""The public types of the order sync: options, progress, result, and what it reads from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from oc_connector.dialect import ShopVersion

__all__ = [
    "DEFAULT_FINAL_STATUSES",
    "AdminHistoryReader",
    "OrderReader",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
]

DEFAULT_FINAL_STATUSES = frozenset({5, 7, 8, 9, 10, 11, 12, 13, 14, 16})


class OrderReader(Protocol):
    """What the sync needs from :class:`oc_connector.api.client.OpenCartClient`."""

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        """The raw ``order`` object; raises NotFoundError when the id does not exist."""
        ...


class AdminHistoryReader(Protocol):
    """What the sync needs from :class:`oc_connector.admin.AdminClient`."""

    def order_history(self, order_id: int) -> list[Any]:
        """The order's full history rows (date_added, comment, status, notified)."""
        ...


@dataclass(frozen=True)
class SyncOptions:
    """How a sync runs."""

    shop: str = "default"
    workers: int = 4
    gap_tolerance: int = 50
    batch_size: int = 200
    final_statuses: frozenset[int] = DEFAULT_FINAL_STATUSES
    lookback: timedelta = timedelta(days=30)
    full: bool = False
    shop_timezone: str = "UTC"
    #: consecutive ids whose order/info stays unreadable (non-JSON, 5xx) after the client's retries
    #: before the run stops: fewer are quarantined one by one, this many is an outage
    max_consecutive_failures: int = 10
    #: with an admin client: read every new or changed order's full status history (1 request each)
    admin_history: bool = True
    #: with an admin client: load lines, totals, sold vouchers, products and customers
    admin_details: bool = True
    #: orders per invoice POST when reading the details
    invoice_batch: int = 100
    #: with an admin client that lists orders: re-read only what the admin order list shows as
    #: changed since the last run (oc_connector/sync/feed.py) instead of the open and recent orders
    change_feed: bool = True
    #: without the change feed: every final order older than the lookback is re-read at least
    #: once per this long, a slice per run sized by the time since the last (oc_connector/sync/sweep.py)
    staleness_window: timedelta = timedelta(days=7)
    #: the shop's OpenCart major version; None: the client's (configured or detected at its login).
    #: On 4.0 orders are read from the admin pages (oc_connector/sync/shop40.py)
    version: ShopVersion | None = None
    #: OpenCart 4.0 only: rates by currency code (``{"EUR": "0.78460002"}``) for the orders in a
    #: currency other than the shop's default, whose pages show no rate (``total`` and
    #: ``currency_value`` stay NULL without one; see warehouse/README.md)
    currency_values: Mapping[str, Decimal | str] | None = None


@dataclass(frozen=True)
class SyncProgress:
    """Progress report for a UI: phase ('reread' | 'probe'), ids read so far, current id, HWM."""

    phase: str
    ids_read: int
    total_hint: int | None
    current_id: int
    hwm: int


@dataclass(frozen=True)
class SyncResult:
    """What a run did."""

    shop: str
    orders_inserted: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    orders_deleted: int = 0
    history_rows: int = 0
    quarantined: int = 0
    api_calls: int = 0
    #: admin-page history reads (one per new or changed order when an admin client is given)
    admin_calls: int = 0
    retries: int = 0
    rate_limit_wait_s: float = 0.0
    hwm_before: int = 0
    hwm_after: int = 0
    ids_read: int = 0
    #: admin order-list pages read by the change feed (not in ``api_calls``)
    list_requests: int = 0
    duration_s: float = 0.0
    #: ``loaded`` or ``not loaded: <why>`` (the details tables are then left as they were)
    details: str = "not loaded: no admin credentials"
    order_lines: int = 0
    order_totals: int = 0
    order_vouchers: int = 0
    #: orders whose details page did not parse (quarantined as ``order_details``)
    details_quarantined: int = 0
    #: orders read from their own admin page instead of an invoice
    details_fallbacks: int = 0
    products: int = 0
    customers: int = 0
    #: where the run's processing and complete statuses come from: ``read from the shop`` (its
    #: admin settings, recorded in ``opencart_revenue_statuses``) or ``not read: <why>``
    revenue_statuses: str = "not read: no admin credentials"
    #: every admin request of the run (login, details, lists, history, settings)
    admin_requests: int = 0
    #: the adaptive concurrency limit at the end of the run (0: a fixed worker count)
    concurrency_limit: int = 0
    #: each change of the adaptive limit during the run: ``(seconds into the run, old, new, reason)``
    concurrency_changes: tuple[tuple[float, int, int, str], ...] = ()
    #: final orders re-read by the sweep (runs without the change feed)
    sweep_reads: int = 0
    #: how stale the warehouse may be after this run, said in words
    staleness: str = ""
    #: the shop's OpenCart major version the run read (``3.0``, ``4.0``; empty when not known)
    version: str = ""
    #: ``refreshed`` (``opencart_products`` and ``opencart_customers``) or ``not refreshed: <why>``
    dimensions: str = "not refreshed: no admin credentials"

    def as_metadata(self) -> dict[str, int | float | str]:
        """The result as a flat dict (for Dagster output metadata or logs).

        The concurrency changes become one text, a line per change (``+1.2s 4 -> 5: latency flat ...``).
        """
        flat: dict[str, int | float | str] = {
            k: v for k, v in asdict(self).items() if k != "concurrency_changes"
        }
        flat["concurrency_changes"] = "\n".join(
            f"+{at:.1f}s {old} -> {new}: {why}" for at, old, new, why in self.concurrency_changes
        )
        return flat
