"""Warehouse tables for OpenCart orders, their status history, sync state and quarantine."""

from __future__ import annotations

import sqlalchemy as sa

from oc_connector.api.order_fields import (
    INT_FIELDS,
    JSON_FIELDS,
    MONEY_FIELDS,
    RATE_FIELDS,
    TEXT_FIELDS,
)
from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.types import ExactDecimal

MONEY = ExactDecimal(15, 4)
"""Every money column: ``NUMERIC(15, 4)``, exact on SQLite too (decimal text, see warehouse/types.py)."""
RATE = ExactDecimal(15, 8)
"""Currency rates (``currency_value``): ``NUMERIC(15, 8)``, exact like MONEY."""
TS = sa.DateTime(timezone=False)

opencart_orders = sa.Table(
    "opencart_orders",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True, autoincrement=False),
    *(sa.Column(name, sa.BigInteger, nullable=True) for name in INT_FIELDS),
    *(sa.Column(name, MONEY, nullable=True) for name in MONEY_FIELDS),
    *(sa.Column(name, RATE, nullable=True) for name in RATE_FIELDS),
    *(sa.Column(name, sa.Text, nullable=True) for name in TEXT_FIELDS),
    *(sa.Column(name, sa.Text, nullable=True) for name in JSON_FIELDS),
    sa.Column("date_added", TS, nullable=True),
    sa.Column("date_modified", TS, nullable=True),
    sa.Column("date_added_utc", TS, nullable=True),
    sa.Column("date_modified_utc", TS, nullable=True),
    sa.Column("_raw", sa.Text, nullable=False),
    sa.Column("_hash", sa.String(64), nullable=False),
    sa.Column("_first_seen_at", TS, nullable=False),
    sa.Column("_last_synced_at", TS, nullable=False),
    sa.Column("_deleted_at", TS, nullable=True),
)

opencart_order_history = sa.Table(
    "opencart_order_history",
    metadata,
    # an explicit sequence (not SERIAL/IDENTITY) so DuckDB can create the table too
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.Sequence("opencart_order_history_id_seq"),
        primary_key=True,
    ),
    sa.Column("shop", sa.String(64), nullable=False),
    sa.Column("order_id", sa.BigInteger, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("order_status_id", sa.BigInteger, nullable=True),
    sa.Column("order_status", sa.Text, nullable=True),
    sa.Column("changed_at", TS, nullable=True),
    sa.Column("changed_on", sa.Date, nullable=False),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("notify", sa.Boolean, nullable=True),
    sa.Column("observed_at", TS, nullable=False),
    sa.Column("event_key", sa.String(64), nullable=False),
    sa.UniqueConstraint("shop", "order_id", "source", "event_key", name="uq_order_history_event"),
    sa.CheckConstraint("source IN ('observed', 'admin')", name="ck_order_history_source"),
)

opencart_sync_state = sa.Table(
    "opencart_sync_state",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("high_water_mark", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("last_run_started_at", TS, nullable=True),
    sa.Column("last_run_finished_at", TS, nullable=True),
    sa.Column("last_run_stats", sa.Text, nullable=True),
    sa.Column("lock_holder", sa.String(200), nullable=True),
    sa.Column("locked_at", TS, nullable=True),
    # the change feed's cursor (oc_connector/sync/feed.py): shop-local day from which the next
    # run lists changed orders; written with the data of the run that read up to it
    sa.Column("feed_day", sa.Date, nullable=True),
    # the sweep of final orders without a feed (oc_connector/sync/sweep.py): the last id re-read,
    # written with each batch, and the start of the run whose slice finished
    sa.Column("sweep_order_id", sa.BigInteger, nullable=True),
    sa.Column("sweep_at", TS, nullable=True),
)

opencart_quarantine = sa.Table(
    "opencart_quarantine",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("entity", sa.String(32), primary_key=True),
    sa.Column("entity_id", sa.String(64), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("first_seen_at", TS, nullable=False),
    sa.Column("last_seen_at", TS, nullable=False),
    sa.Column("resolved", sa.Boolean, nullable=False, server_default=sa.false()),
)

opencart_absent_ids = sa.Table(
    "opencart_absent_ids",
    metadata,
    # ids below the high-water mark that the shop answered "not found" for and that were never
    # loaded (deleted before the first sync, or skipped by the shop): they explain id gaps
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("observed_at", TS, nullable=False),
)

opencart_sync_range_lock = sa.Table(
    "opencart_sync_range_lock",
    metadata,
    # one row per id range a backfill holds; overlapping ranges of a shop are refused while the
    # holder lives (oc_connector/sync/locks.py: RangeLock), disjoint ones run in parallel
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("first_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("last_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("locked_at", TS, nullable=False),
)
