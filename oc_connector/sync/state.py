"""Per-shop sync state in the warehouse: high-water mark, run stats and the one-sync-per-shop lock."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from oc_connector.errors import OpenCartError
from oc_connector.sync.load import upsert
from oc_connector.warehouse.orders_schema import opencart_sync_state
from oc_connector.warehouse.transactions import begin_write

__all__ = [
    "SyncLockedError",
    "acquire_lock",
    "ensure_state_row",
    "heartbeat",
    "holder_is_dead",
    "read_hwm",
    "record_run",
    "release_lock",
    "set_hwm",
]


class SyncLockedError(OpenCartError):
    """Another sync of the same shop holds the lock (the message names the holder and since when)."""


def ensure_state_row(conn: sa.Connection, shop: str) -> None:
    """Create the shop's state row if missing (a write: on SQLite it takes the file's write lock)."""
    upsert(conn, opencart_sync_state, [{"shop": shop, "high_water_mark": 0}], keys=("shop",), update=())


def acquire_lock(
    engine: sa.Engine,
    *,
    shop: str,
    holder: str,
    now: Callable[[], datetime],
    wait: timedelta = timedelta(seconds=5),
    stale_after: timedelta = timedelta(hours=1),
    poll_s: float = 0.2,
) -> None:
    """Take the shop's sync lock, waiting up to ``wait``; a lock older than ``stale_after`` expires.

    Raises:
        SyncLockedError: another holder kept the lock for the whole wait.
    """
    t = opencart_sync_state
    deadline = time.monotonic() + wait.total_seconds()
    while True:
        with begin_write(engine) as conn:
            ensure_state_row(conn, shop)
            current = now()
            taken = conn.execute(
                t.update()
                .where(
                    t.c.shop == shop,
                    sa.or_(t.c.lock_holder.is_(None), t.c.locked_at < current - stale_after),
                )
                .values(lock_holder=holder, locked_at=current, last_run_started_at=current)
            ).rowcount
            if taken == 1:
                return
            row = conn.execute(sa.select(t.c.lock_holder, t.c.locked_at).where(t.c.shop == shop)).one()
            if row.lock_holder is not None and holder_is_dead(str(row.lock_holder)):
                # the holder was a process of this host that no longer exists (killed): take over
                conn.execute(
                    t.update()
                    .where(t.c.shop == shop, t.c.lock_holder == row.lock_holder)
                    .values(lock_holder=None, locked_at=None)
                )
                continue
        if time.monotonic() >= deadline:
            raise SyncLockedError(
                f"another sync of shop {shop!r} is running: held by {row.lock_holder} "
                f"since {row.locked_at:%Y-%m-%d %H:%M:%S} UTC; retry later"
            )
        time.sleep(poll_s)


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` (``host:pid:...``) names a process of this host that has exited."""
    parts = holder.split(":")
    if len(parts) < 2 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def heartbeat(conn: sa.Connection, *, shop: str, holder: str, now: datetime) -> None:
    """Refresh the lock inside a batch's transaction; fail (rolling the batch back) if it was lost.

    Raises:
        SyncLockedError: the lock expired and another sync took it over.
    """
    t = opencart_sync_state
    kept = conn.execute(
        t.update().where(t.c.shop == shop, t.c.lock_holder == holder).values(locked_at=now)
    ).rowcount
    if kept != 1:
        raise SyncLockedError(f"the sync lock of shop {shop!r} was taken over by another run; stopping")


def release_lock(engine: sa.Engine, *, shop: str, holder: str) -> None:
    """Release the lock if ``holder`` still owns it."""
    t = opencart_sync_state
    with begin_write(engine) as conn:
        conn.execute(
            t.update()
            .where(t.c.shop == shop, t.c.lock_holder == holder)
            .values(lock_holder=None, locked_at=None)
        )


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
