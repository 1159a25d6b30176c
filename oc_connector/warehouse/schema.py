"""The warehouse schema: every table on the one MetaData, and its version."""

from __future__ import annotations

import sqlalchemy as sa

from oc_connector.warehouse import details_schema, ledger_schema, orders_schema, revenue
from oc_connector.warehouse.details_schema import DETAIL_TABLES
from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.orders_schema import (
    opencart_absent_ids,
    opencart_order_history,
    opencart_orders,
    opencart_quarantine,
    opencart_sync_range_lock,
    opencart_sync_state,
)

SCHEMA_VERSION = 8
"""Bump when a table or column is added; migrate.upgrade() applies additive changes.

1: orders, history, sync state, quarantine (and the ledger tables).
2: ``opencart_sync_range_lock`` (per-range backfill locks).
3: ``opencart_absent_ids`` (ids the shop answered not-found for, never loaded: explained gaps).
4: the admin-channel tables: order lines, totals, sold vouchers, products, customers.
5: ``opencart_sync_state.feed_day`` (the admin change feed's cursor).
6: exact money on SQLite (decimal text, converted once by migrate.convert_sqlite_money);
   ``opencart_revenue_statuses`` (which statuses count as revenue, per shop).
7: ``opencart_reverse_lock``; ledger row claims (``claimed_by``/``claimed_at``) and the voucher
   ledger's ``request`` fields.
8: ``opencart_sync_state.sweep_order_id`` and ``sweep_at`` (the rotating re-read of final orders).
"""

__all__ = [
    "SCHEMA_VERSION",
    "delete_shop_orders",
    "details_schema",
    "ledger_schema",
    "metadata",
    "opencart_absent_ids",
    "opencart_order_history",
    "opencart_orders",
    "opencart_quarantine",
    "opencart_sync_range_lock",
    "opencart_sync_state",
    "orders_schema",
    "revenue",
]


ORDER_TABLES = (
    opencart_absent_ids,
    opencart_order_history,
    opencart_quarantine,
    opencart_sync_range_lock,
    opencart_sync_state,
    opencart_orders,
    *DETAIL_TABLES,
)
"""The tables the order sync writes, all keyed by ``shop``."""


def delete_shop_orders(engine: sa.Engine, *, shop: str) -> int:
    """Delete everything the order sync loaded for one shop key (the demo starts from scratch with it).

    Returns:
        The number of rows deleted.
    """
    deleted = 0
    with engine.begin() as conn:
        for table in ORDER_TABLES:
            deleted += conn.execute(sa.delete(table).where(table.c.shop == shop)).rowcount or 0
    return deleted
