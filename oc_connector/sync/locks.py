"""The warehouse locks: the sync's shop and id-range locks, and the reverse-ETL lock.

The reverse-ETL lock (:class:`ReverseLock`) lets one voucher issue / coupon push run per shop at a
time.

``run()`` holds the shop's lock, the ``lock_holder``/``locked_at`` columns of its
``opencart_sync_state`` row: one incremental sync per shop at a time. A backfill holds instead a
row of ``opencart_sync_range_lock`` (shop, first_id, last_id, holder, locked_at): disjoint id
ranges of a shop are backfilled in parallel, and beside a ``run()``.

All three locks are taken by one acquire loop: each attempt is one write transaction that looks at
the current holders (the shop's holder, or the live holders of overlapping ranges), takes over those
that expired (not refreshed for ``stale_after``) or whose process of this host no longer exists
(:func:`holder_is_dead`), and takes the lock when no live holder is left. Otherwise it polls every
``poll_s`` until ``wait`` has passed, then raises :class:`~oc_connector.errors.SyncLockedError`
naming the holder and since when. A lock is refreshed by the heartbeat inside every batch
transaction (which fails, rolling the batch back, when the lock was taken over) and released in
``finally``.

Two processes must never both pass the check-then-take for the same lock. Every attempt's first
statement writes the shop's ``opencart_sync_state`` row (insert-or-ignore): on SQLite a write takes
the file's single write lock, so the check-then-take of two processes runs one after the other.
On PostgreSQL (and MySQL) the check additionally starts with ``SELECT ... FOR UPDATE`` on that row:
the row always exists (it was just ensured), the row lock is held until commit, and it is released
with the transaction whatever happens. It was chosen over an advisory lock because it needs no
hashing of the shop key into the one bigint namespace that all applications of the database share
and it is visible as an ordinary row lock; its cost is that it waits for an incremental run's batch
commit, whose heartbeat updates the same row (milliseconds, once per sync or backfill start).
The reverse lock serializes the same way on its own ``opencart_reverse_lock`` row.
"""

from __future__ import annotations

import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, Protocol

import sqlalchemy as sa

from oc_connector.errors import ConfigurationError, SyncLockedError
from oc_connector.sync.load import upsert
from oc_connector.sync.state import ensure_state_row
from oc_connector.warehouse.ledger_schema import reverse_lock
from oc_connector.warehouse.orders_schema import opencart_sync_range_lock, opencart_sync_state
from oc_connector.warehouse.transactions import begin_write

__all__ = ["RangeLock", "ReverseLock", "ShopLock", "SyncLock", "holder_is_dead", "run_holder"]

_ROW_LOCK_DIALECTS = frozenset({"postgresql", "mysql", "mariadb"})
_DEFAULT_WAIT = timedelta(seconds=5)
_DEFAULT_STALE_AFTER = timedelta(hours=1)
_DEFAULT_POLL_S = 0.2


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


def run_holder(what: str = "run") -> str:
    """A holder name for this process (``host:pid:what:nonce``), as :func:`holder_is_dead` reads it."""
    return f"{socket.gethostname()}:{os.getpid()}:{what}:{os.urandom(4).hex()}"


class _Held(NamedTuple):
    """One current holder of (part of) the lock wanted."""

    holder: str
    locked_at: datetime
    first_id: int = 0
    last_id: int = 0


def _serialize_shop(conn: sa.Connection, shop: str) -> None:
    """Make concurrent takers of the shop's sync locks run their check-then-take one at a time."""
    ensure_state_row(conn, shop)
    if conn.dialect.name in _ROW_LOCK_DIALECTS:
        t = opencart_sync_state
        conn.execute(sa.select(t.c.shop).where(t.c.shop == shop).with_for_update()).all()


@dataclass(frozen=True, kw_only=True)
class _Lock(ABC):
    """What the three locks share: their settings and the one acquire loop over their hooks.

    Each hook runs inside the attempt's write transaction.
    """

    engine: sa.Engine
    holder: str
    now: Callable[[], datetime]
    wait: timedelta = _DEFAULT_WAIT
    stale_after: timedelta = _DEFAULT_STALE_AFTER
    poll_s: float = _DEFAULT_POLL_S

    def acquire(self) -> None:
        """Take the lock, polling until ``wait`` has passed, taking over expired and dead holders.

        Raises:
            SyncLockedError: a live holder kept the lock for the whole wait (the message names it
                and since when).
        """
        deadline = time.monotonic() + self.wait.total_seconds()
        while True:
            with begin_write(self.engine) as conn:
                self._serialize(conn)
                current = self.now()
                blocker: _Held | None = None
                for held in self._holders(conn):
                    if held.locked_at >= current - self.stale_after and not holder_is_dead(held.holder):
                        blocker = blocker or held
                        continue
                    # expired, or its process of this host was killed: take over
                    self._evict(conn, held)
                if blocker is None:
                    if self._take(conn, current):
                        return
                    continue  # taken by another in between: the next attempt names it
            if time.monotonic() >= deadline:
                raise SyncLockedError(self._refusal(blocker))
            time.sleep(self.poll_s)

    @abstractmethod
    def _serialize(self, conn: sa.Connection) -> None:
        """Make concurrent takers of this lock run their check-then-take one at a time."""

    @abstractmethod
    def _holders(self, conn: sa.Connection) -> list[_Held]:
        """Who holds the lock wanted, or a part of it, now (expired or dead ones included)."""

    @abstractmethod
    def _evict(self, conn: sa.Connection, held: _Held) -> None:
        """Take the lock away from an expired or dead holder."""

    @abstractmethod
    def _take(self, conn: sa.Connection, current: datetime) -> bool:
        """Take the lock now that nobody holds it; False if another got it first."""

    @abstractmethod
    def _refusal(self, held: _Held) -> str:
        """The message of the ``SyncLockedError`` when ``held`` kept the lock for the whole wait."""


@dataclass(frozen=True, kw_only=True)
class ShopLock(_Lock):
    """The one-sync-per-shop lock (a row of ``opencart_sync_state``), held by ``run()``.

    Attributes:
        engine: the warehouse engine (schema upgraded).
        shop: the shop key.
        holder: who takes it (``host:pid:...``, so that :func:`holder_is_dead` can judge it).
        now: clock returning naive UTC datetimes.
        wait: how long to poll while another holds the lock.
        stale_after: a lock not refreshed for this long expires.
        poll_s: pause between attempts, in seconds.
    """

    shop: str


    def heartbeat(self, conn: sa.Connection, *, now: datetime) -> None:
        """Refresh the lock inside a batch's transaction; fail (rolling the batch back) if it was lost.

        Raises:
            SyncLockedError: the lock expired and another sync took it over.
        """
        t = opencart_sync_state
        kept = conn.execute(
            t.update().where(t.c.shop == self.shop, t.c.lock_holder == self.holder).values(locked_at=now)
        ).rowcount
        if kept != 1:
            raise SyncLockedError(
                f"the sync lock of shop {self.shop!r} was taken over by another run; stopping"
            )

    def release(self) -> None:
        """Release the lock if this holder still owns it."""
        with begin_write(self.engine) as conn:
            self._clear(conn, self.holder)

    def _serialize(self, conn: sa.Connection) -> None:
        _serialize_shop(conn, self.shop)

    def _holders(self, conn: sa.Connection) -> list[_Held]:
        t = opencart_sync_state
        row = conn.execute(sa.select(t.c.lock_holder, t.c.locked_at).where(t.c.shop == self.shop)).one()
        return [] if row.lock_holder is None else [_Held(str(row.lock_holder), row.locked_at)]

    def _evict(self, conn: sa.Connection, held: _Held) -> None:
        self._clear(conn, held.holder)

    def _clear(self, conn: sa.Connection, holder: str) -> None:
        t = opencart_sync_state
        conn.execute(
            t.update()
            .where(t.c.shop == self.shop, t.c.lock_holder == holder)
            .values(lock_holder=None, locked_at=None)
        )

    def _take(self, conn: sa.Connection, current: datetime) -> bool:
        t = opencart_sync_state
        taken = conn.execute(
            t.update()
            .where(t.c.shop == self.shop, t.c.lock_holder.is_(None))
            .values(lock_holder=self.holder, locked_at=current, last_run_started_at=current)
        ).rowcount
        return bool(taken == 1)

    def _refusal(self, held: _Held) -> str:
        return (
            f"another sync of shop {self.shop!r} is running: held by {held.holder} "
            f"since {held.locked_at:%Y-%m-%d %H:%M:%S} UTC; retry later"
        )


@dataclass(frozen=True, kw_only=True)
class RangeLock(_Lock):
    """The lock of ids ``first_id..last_id`` (a row of ``opencart_sync_range_lock``), held by a backfill.

    Overlapping ranges of the same shop held by a live holder refuse it; adjacent ranges, other
    shops and the shop lock do not.

    Attributes:
        engine: the warehouse engine (schema upgraded).
        shop: the shop key.
        holder: who takes it (``host:pid:...``, as for the shop lock).
        now: clock returning naive UTC datetimes.
        first_id: first id of the range (inclusive).
        last_id: last id of the range (inclusive).
        wait: how long to poll while an overlapping range is held.
        stale_after: a range not refreshed for this long expires.
        poll_s: pause between attempts, in seconds.

    Raises:
        ConfigurationError: ``first_id`` exceeds ``last_id``.
    """

    shop: str
    first_id: int
    last_id: int

    def __post_init__(self) -> None:
        if self.first_id > self.last_id:
            raise ConfigurationError(
                f"backfill range: first_id must not exceed last_id (got {self.first_id}..{self.last_id})"
            )


    def heartbeat(self, conn: sa.Connection, *, now: datetime) -> None:
        """Refresh the range's lock inside a batch's transaction; fail (rolling it back) if it was lost.

        Raises:
            SyncLockedError: the range expired and another backfill took it over.
        """
        t = opencart_sync_range_lock
        kept = conn.execute(t.update().where(*self._mine()).values(locked_at=now)).rowcount
        if kept != 1:
            raise SyncLockedError(
                f"the lock of ids {self.first_id}..{self.last_id} of shop {self.shop!r} "
                "was taken over by another run; stopping"
            )

    def release(self) -> None:
        """Release the range if this holder still owns it."""
        t = opencart_sync_range_lock
        with begin_write(self.engine) as conn:
            conn.execute(t.delete().where(*self._mine()))

    def _mine(self) -> list[sa.ColumnElement[bool]]:
        """The conditions that select this holder's row of the range."""
        t = opencart_sync_range_lock
        return [
            t.c.shop == self.shop,
            t.c.first_id == self.first_id,
            t.c.last_id == self.last_id,
            t.c.holder == self.holder,
        ]

    def _serialize(self, conn: sa.Connection) -> None:
        _serialize_shop(conn, self.shop)

    def _holders(self, conn: sa.Connection) -> list[_Held]:
        t = opencart_sync_range_lock
        rows = conn.execute(
            sa.select(t.c.holder, t.c.first_id, t.c.last_id, t.c.locked_at)
            .where(t.c.shop == self.shop, t.c.first_id <= self.last_id, t.c.last_id >= self.first_id)
            .order_by(t.c.first_id)
        ).all()
        return [_Held(str(r.holder), r.locked_at, int(r.first_id), int(r.last_id)) for r in rows]

    def _evict(self, conn: sa.Connection, held: _Held) -> None:
        t = opencart_sync_range_lock
        conn.execute(
            t.delete().where(
                t.c.shop == self.shop,
                t.c.first_id == held.first_id,
                t.c.last_id == held.last_id,
                t.c.holder == held.holder,
            )
        )

    def _take(self, conn: sa.Connection, current: datetime) -> bool:
        conn.execute(
            opencart_sync_range_lock.insert().values(
                shop=self.shop,
                first_id=self.first_id,
                last_id=self.last_id,
                holder=self.holder,
                locked_at=current,
            )
        )
        return True

    def _refusal(self, held: _Held) -> str:
        return (
            f"ids {self.first_id}..{self.last_id} of shop {self.shop!r} overlap ids "
            f"{held.first_id}..{held.last_id}, being backfilled by {held.holder} "
            f"since {held.locked_at:%Y-%m-%d %H:%M:%S} UTC; retry later"
        )


@dataclass(frozen=True, kw_only=True)
class ReverseLock(_Lock):
    """One reverse-ETL run per scope (a row of ``opencart_reverse_lock``): ``vouchers:<shop>`` etc.

    Taken for a whole issue or push run by the same acquire loop as the sync's locks (an expired or
    dead holder is taken over), refreshed by :meth:`refresh` as the run advances, released in
    ``finally``. Exactly-once does not rest on it alone: every request is also claimed in its
    ledger row before any shop call, so runs that get past the lock (a misconfigured scope, a lost
    lock table) still never send the same request twice.

    Attributes:
        engine: the warehouse engine (schema upgraded).
        scope: what is locked (``vouchers:https://shop.example``).
        holder: who takes it (:func:`run_holder`).
        now: clock returning naive UTC datetimes.
        wait: how long to poll while another run holds the lock.
        stale_after: a lock not refreshed for this long expires.
        poll_s: pause between attempts, in seconds.
    """

    scope: str
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC).replace(tzinfo=None))


    def refresh(self) -> None:
        """Refresh the lock (its own transaction); raise when another run took it over.

        Raises:
            SyncLockedError: the lock expired and another run took it.
        """
        with begin_write(self.engine) as conn:
            self.heartbeat(conn, now=self.now())

    def heartbeat(self, conn: sa.Connection, *, now: datetime) -> None:
        """Refresh the lock inside ``conn``'s transaction.

        Raises:
            SyncLockedError: the lock expired and another run took it.
        """
        t = reverse_lock
        kept = conn.execute(
            t.update().where(t.c.scope == self.scope, t.c.lock_holder == self.holder).values(locked_at=now)
        ).rowcount
        if kept != 1:
            raise SyncLockedError(f"the lock of {self.scope!r} was taken over by another run; stopping")

    def release(self) -> None:
        """Release the lock if this holder still owns it."""
        with begin_write(self.engine) as conn:
            self._clear(conn, self.holder)

    def __enter__(self) -> ReverseLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _serialize(self, conn: sa.Connection) -> None:
        upsert(conn, reverse_lock, [{"scope": self.scope}], keys=("scope",), update=())
        if conn.dialect.name in _ROW_LOCK_DIALECTS:
            t = reverse_lock
            conn.execute(sa.select(t.c.scope).where(t.c.scope == self.scope).with_for_update()).all()

    def _holders(self, conn: sa.Connection) -> list[_Held]:
        t = reverse_lock
        row = conn.execute(sa.select(t.c.lock_holder, t.c.locked_at).where(t.c.scope == self.scope)).one()
        return [] if row.lock_holder is None else [_Held(str(row.lock_holder), row.locked_at)]

    def _evict(self, conn: sa.Connection, held: _Held) -> None:
        self._clear(conn, held.holder)

    def _clear(self, conn: sa.Connection, holder: str) -> None:
        t = reverse_lock
        conn.execute(t.update().where(t.c.scope == self.scope, t.c.lock_holder == holder)
                     .values(lock_holder=None, locked_at=None))

    def _take(self, conn: sa.Connection, current: datetime) -> bool:
        t = reverse_lock
        taken = conn.execute(t.update().where(t.c.scope == self.scope, t.c.lock_holder.is_(None))
                             .values(lock_holder=self.holder, locked_at=current)).rowcount
        return bool(taken == 1)

    def _refusal(self, held: _Held) -> str:
        return (
            f"another run of {self.scope!r} is running: held by {held.holder} "
            f"since {held.locked_at:%Y-%m-%d %H:%M:%S} UTC (waited {self.wait.total_seconds():g} s); "
            "retry later (a holder that has exited on this host, or not refreshed for "
            f"{self.stale_after.total_seconds() / 60:g} min, is taken over)"
        )
