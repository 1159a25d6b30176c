"""Per-range backfill locks in the warehouse: disjoint id ranges of a shop are backfilled in parallel.

A backfill holds a row of ``opencart_sync_range_lock`` (shop, first_id, last_id, holder,
locked_at) instead of the shop-wide lock of :mod:`oc_connector.sync.state`. Taking a range is a
check-then-insert in one transaction: overlapping ranges of the same shop held by a live holder
refuse it, expired ones (older than ``stale_after``, as for the shop lock) and those of a dead
process of this host (:func:`~oc_connector.sync.state.holder_is_dead`) are deleted and taken over.

Two processes must never both pass the check for overlapping ranges. The transaction's first
statement writes the shop's ``opencart_sync_state`` row (insert-or-ignore): on SQLite a write takes
the file's single write lock, so the check-then-insert of two processes runs one after the other.
On PostgreSQL (and MySQL) the check additionally starts with ``SELECT ... FOR UPDATE`` on that row:
the row always exists (it was just ensured), the row lock is held until commit, and it is released
with the transaction whatever happens. It was chosen over an advisory lock because it needs no
hashing of the shop key into the one bigint namespace that all applications of the database share
and it is visible as an ordinary row lock; its cost is that it waits for an incremental run's batch
commit, whose heartbeat updates the same row (milliseconds, once per backfill start).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from oc_connector.sync.state import SyncLockedError, ensure_state_row, holder_is_dead
from oc_connector.warehouse.orders_schema import opencart_sync_range_lock, opencart_sync_state
from oc_connector.warehouse.transactions import begin_write

__all__ = ["acquire_range_lock", "range_heartbeat", "release_range_lock"]

_ROW_LOCK_DIALECTS = frozenset({"postgresql", "mysql", "mariadb"})


class _Held(NamedTuple):
    holder: str
    first_id: int
    last_id: int
    locked_at: datetime


def _serialize(conn: sa.Connection, shop: str) -> None:
    """Make concurrent takers of the shop's ranges run their check-then-insert one at a time."""
    ensure_state_row(conn, shop)
    if conn.dialect.name in _ROW_LOCK_DIALECTS:
        t = opencart_sync_state
        conn.execute(sa.select(t.c.shop).where(t.c.shop == shop).with_for_update()).all()


def _try_take(
    conn: sa.Connection,
    *,
    shop: str,
    first_id: int,
    last_id: int,
    holder: str,
    current: datetime,
    stale_after: timedelta,
) -> _Held | None:
    """Insert the range unless a live holder has an overlapping one; return that one's row then."""
    t = opencart_sync_range_lock
    _serialize(conn, shop)
    overlapping = [t.c.shop == shop, t.c.first_id <= last_id, t.c.last_id >= first_id]
    rows = conn.execute(
        sa.select(t.c.holder, t.c.first_id, t.c.last_id, t.c.locked_at)
        .where(*overlapping)
        .order_by(t.c.first_id)
    ).all()
    live: list[_Held] = []
    for r in rows:
        if r.locked_at >= current - stale_after and not holder_is_dead(str(r.holder)):
            live.append(_Held(str(r.holder), int(r.first_id), int(r.last_id), r.locked_at))
            continue
        # expired, or its process of this host was killed: take over
        conn.execute(
            t.delete().where(
                t.c.shop == shop,
                t.c.first_id == r.first_id,
                t.c.last_id == r.last_id,
                t.c.holder == r.holder,
            )
        )
    if live:
        return live[0]
    conn.execute(
        t.insert().values(shop=shop, first_id=first_id, last_id=last_id, holder=holder, locked_at=current)
    )
    return None


def acquire_range_lock(
    engine: sa.Engine,
    *,
    shop: str,
    first_id: int,
    last_id: int,
    holder: str,
    now: Callable[[], datetime],
    wait: timedelta = timedelta(seconds=5),
    stale_after: timedelta = timedelta(hours=1),
    poll_s: float = 0.2,
) -> None:
    """Take the lock of ids ``first_id..last_id`` of ``shop``, waiting up to ``wait``.

    Args:
        engine: the warehouse engine (schema upgraded).
        shop: the shop key.
        first_id: first id of the range (inclusive).
        last_id: last id of the range (inclusive).
        holder: who takes it (``host:pid:...``, as for the shop lock).
        now: clock returning naive UTC datetimes.
        wait: how long to poll while an overlapping range is held.
        stale_after: a range not refreshed for this long expires.
        poll_s: pause between attempts.

    Raises:
        SyncLockedError: a live holder kept an overlapping range for the whole wait (the message
            names it, its range and since when).
    """
    if first_id > last_id:
        raise ValueError("first_id must not exceed last_id")
    deadline = time.monotonic() + wait.total_seconds()
    while True:
        with begin_write(engine) as conn:
            blocker = _try_take(
                conn,
                shop=shop,
                first_id=first_id,
                last_id=last_id,
                holder=holder,
                current=now(),
                stale_after=stale_after,
            )
        if blocker is None:
            return
        if time.monotonic() >= deadline:
            raise SyncLockedError(
                f"ids {first_id}..{last_id} of shop {shop!r} overlap ids "
                f"{blocker.first_id}..{blocker.last_id}, being backfilled by {blocker.holder} "
                f"since {blocker.locked_at:%Y-%m-%d %H:%M:%S} UTC; retry later"
            )
        time.sleep(poll_s)


def range_heartbeat(
    conn: sa.Connection, *, shop: str, first_id: int, last_id: int, holder: str, now: datetime
) -> None:
    """Refresh the range's lock inside a batch's transaction; fail (rolling it back) if it was lost.

    Raises:
        SyncLockedError: the range expired and another backfill took it over.
    """
    t = opencart_sync_range_lock
    kept = conn.execute(
        t.update()
        .where(t.c.shop == shop, t.c.first_id == first_id, t.c.last_id == last_id, t.c.holder == holder)
        .values(locked_at=now)
    ).rowcount
    if kept != 1:
        raise SyncLockedError(
            f"the lock of ids {first_id}..{last_id} of shop {shop!r} was taken over by another run; stopping"
        )


def release_range_lock(engine: sa.Engine, *, shop: str, first_id: int, last_id: int, holder: str) -> None:
    """Release the range if ``holder`` still owns it."""
    t = opencart_sync_range_lock
    with begin_write(engine) as conn:
        conn.execute(
            t.delete().where(
                t.c.shop == shop, t.c.first_id == first_id, t.c.last_id == last_id, t.c.holder == holder
            )
        )
