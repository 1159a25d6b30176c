"""Per-shop sync state in the warehouse: the high-water mark and the last run's times and stats.

The same ``opencart_sync_state`` row also carries the shop lock; taking, refreshing and releasing
it is :mod:`oc_connector.sync.locks`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from oc_connector.sync.load import upsert
from oc_connector.warehouse.orders_schema import opencart_sync_state
from oc_connector.warehouse.transactions import begin_write

__all__ = ["ensure_state_row", "read_hwm", "record_run", "set_hwm"]


def ensure_state_row(conn: sa.Connection, shop: str) -> None:
    """Create the shop's state row if missing (a write: on SQLite it takes the file's write lock)."""
    upsert(conn, opencart_sync_state, [{"shop": shop, "high_water_mark": 0}], keys=("shop",), update=())


def read_hwm(conn: sa.Connection, *, shop: str) -> int:
    """The shop's high-water mark (0 when never synced)."""
    t = opencart_sync_state
    value = conn.execute(sa.select(t.c.high_water_mark).where(t.c.shop == shop)).scalar()
    return int(value or 0)


def set_hwm(conn: sa.Connection, *, shop: str, hwm: int) -> None:
    """Move the mark (only ever upward), in the caller's transaction with the data it describes."""
    t = opencart_sync_state
    ensure_state_row(conn, shop)
    conn.execute(t.update().where(t.c.shop == shop, t.c.high_water_mark < hwm).values(high_water_mark=hwm))


def record_run(
    engine: sa.Engine, *, shop: str, started_at: datetime, finished_at: datetime, stats: dict[str, Any]
) -> None:
    """Store the finished run's start and end time and statistics, as one consistent triple.

    The start is written here too, not only when the shop lock is taken: a backfill holds a range
    lock instead, and its start must not be paired with another run's end.
    """
    t = opencart_sync_state
    with begin_write(engine) as conn:
        conn.execute(
            t.update()
            .where(t.c.shop == shop)
            .values(
                last_run_started_at=started_at,
                last_run_finished_at=finished_at,
                last_run_stats=json.dumps(stats, sort_keys=True),
            )
        )
