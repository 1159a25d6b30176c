"""The lock a sync body holds: the shop-wide lock (``run``) or an id-range lock (``backfill``).

Both are taken before the body, refreshed by the heartbeat inside every batch transaction (which
fails, rolling the batch back, when the lock was taken over) and released in ``finally``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from oc_connector.sync.range_lock import acquire_range_lock, range_heartbeat, release_range_lock
from oc_connector.sync.state import acquire_lock, heartbeat, release_lock

__all__ = ["RangeLock", "ShopLock", "SyncLock"]


class SyncLock(Protocol):
    """A warehouse lock held for the duration of one sync body."""

    def acquire(self) -> None:
        """Take the lock, waiting; raise ``SyncLockedError`` when it stays held by another."""
        ...

    def heartbeat(self, conn: sa.Connection, *, now: datetime) -> None:
        """Refresh the lock in a batch's transaction; raise ``SyncLockedError`` if it was lost."""
        ...

    def release(self) -> None:
        """Release the lock if still held."""
        ...


@dataclass(frozen=True)
class ShopLock:
    """The one-sync-per-shop lock (a row of ``opencart_sync_state``), held by ``run()``."""

    engine: sa.Engine
    shop: str
    holder: str
    now: Callable[[], datetime]
    wait: timedelta

    def acquire(self) -> None:
        """Take the shop's lock (see :func:`oc_connector.sync.state.acquire_lock`)."""
        acquire_lock(self.engine, shop=self.shop, holder=self.holder, now=self.now, wait=self.wait)

    def heartbeat(self, conn: sa.Connection, *, now: datetime) -> None:
        """Refresh the shop's lock in the caller's transaction."""
        heartbeat(conn, shop=self.shop, holder=self.holder, now=now)

    def release(self) -> None:
        """Release the shop's lock."""
        release_lock(self.engine, shop=self.shop, holder=self.holder)


@dataclass(frozen=True)
class RangeLock:
    """The lock of ids ``first_id..last_id`` (a row of ``opencart_sync_range_lock``), held by a backfill."""

    engine: sa.Engine
    shop: str
    holder: str
    now: Callable[[], datetime]
    wait: timedelta
    first_id: int
    last_id: int

    def acquire(self) -> None:
        """Take the range (see :func:`oc_connector.sync.range_lock.acquire_range_lock`)."""
        acquire_range_lock(
            self.engine,
            shop=self.shop,
            first_id=self.first_id,
            last_id=self.last_id,
            holder=self.holder,
            now=self.now,
            wait=self.wait,
        )

    def heartbeat(self, conn: sa.Connection, *, now: datetime) -> None:
        """Refresh the range's lock in the caller's transaction."""
        range_heartbeat(
            conn, shop=self.shop, first_id=self.first_id, last_id=self.last_id, holder=self.holder, now=now
        )

    def release(self) -> None:
        """Release the range."""
        release_range_lock(
            self.engine, shop=self.shop, first_id=self.first_id, last_id=self.last_id, holder=self.holder
        )
