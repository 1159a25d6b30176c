"""The warehouse schema: every table on the one MetaData, and its version."""

from __future__ import annotations

import contextlib

from warehouse import orders_schema
from warehouse.metadata import metadata
from warehouse.orders_schema import (
    opencart_order_history,
    opencart_orders,
    opencart_quarantine,
    opencart_sync_state,
)

with contextlib.suppress(ImportError):  # defined by the reverse-ETL side when present
    from warehouse import ledger_schema  # noqa: F401

SCHEMA_VERSION = 1
"""Bump when a table or column is added; migrate.upgrade() applies additive changes."""

__all__ = [
    "SCHEMA_VERSION",
    "metadata",
    "opencart_order_history",
    "opencart_orders",
    "opencart_quarantine",
    "opencart_sync_state",
    "orders_schema",
]
