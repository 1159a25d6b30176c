"""Bounded staleness without a change feed: a rotating re-read of the final orders.

The catalog API cannot list changes, so a run without the admin change feed re-reads the open and
recent orders and nothing else: a refund of a Complete order older than the lookback would never
reach the warehouse. The sweep bounds that staleness. Each run also re-reads a slice of the
*final* orders older than the lookback (the ones the run does not re-read anyway), walking them in
``order_id`` order and wrapping around, so that every one is re-read at least once per
``staleness_window``:

* The slice size follows the time since the last sweep, not the number of runs:
  ``ceil(final orders * min(elapsed, window) / window)``. Hourly runs with the default 7-day
  window read 1/168 of the final orders each; a skipped run makes the next slice larger; no
  slice is larger than the whole set.
* ``sweep_order_id`` (``opencart_sync_state``) is the last id re-read, written in the transaction
  of each batch it covers; ``sweep_at`` is the start of the run whose slice finished, written
  with its last batch. A crash mid-slice keeps the position of the last committed batch and the
  older ``sweep_at``: the rerun continues from there with a slice grown by the time lost.
* Before the first sweep (``sweep_at`` NULL) nothing has elapsed: the first run only starts the
  clock, and the bound holds from then on.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from oc_connector.warehouse.orders_schema import opencart_orders, opencart_sync_state

__all__ = [
    "SweepPlan",
    "plan_sweep",
    "read_sweep",
    "set_sweep_at",
    "set_sweep_position",
    "slice_size",
    "staleness_bound",
]

FEED_BOUND = "changes to any order reach the warehouse in the next run (admin change feed)"


@dataclass(frozen=True)
class SweepPlan:
    """One run's slice of the final orders."""

    #: the ids to re-read, in rotation order (after the stored position, then from the start)
    ids: list[int]
    #: final orders older than the lookback (the set the sweep walks)
    population: int
    elapsed: timedelta
    #: the last id re-read before this run (None before the first sweep)
    position: int | None


def read_sweep(conn: sa.Connection, *, shop: str) -> tuple[int | None, datetime | None]:
    """The sweep's position (last id re-read) and the start of the run that finished the last slice."""
    t = opencart_sync_state
    row = conn.execute(sa.select(t.c.sweep_order_id, t.c.sweep_at).where(t.c.shop == shop)).first()
    if row is None:
        return None, None
    position = int(row.sweep_order_id) if row.sweep_order_id is not None else None
    return position, row.sweep_at


def set_sweep_position(conn: sa.Connection, *, shop: str, order_id: int) -> None:
    """Store the last id re-read, in the caller's transaction with the data it describes."""
    t = opencart_sync_state
    conn.execute(t.update().where(t.c.shop == shop).values(sweep_order_id=order_id))


def set_sweep_at(conn: sa.Connection, *, shop: str, at: datetime) -> None:
    """Store the start of the run whose slice is complete, with the slice's last batch."""
    t = opencart_sync_state
    conn.execute(t.update().where(t.c.shop == shop).values(sweep_at=at))


def slice_size(population: int, elapsed: timedelta, window: timedelta) -> int:
    """Orders one run re-reads: the share of ``population`` the elapsed time is of the window."""
    if population <= 0 or elapsed <= timedelta(0):
        return 0
    share = min(elapsed, window) / window
    return min(population, math.ceil(population * share))


def staleness_bound(window: timedelta) -> str:
    """The bound a sweep keeps, said as the CLI and the run metadata say it."""
    days = window / timedelta(days=1)
    return (
        f"changes to final orders reach the warehouse within {days:g} days; "
        "give admin credentials for the next run"
    )


def plan_sweep(
    engine: sa.Engine,
    *,
    shop: str,
    hwm: int,
    since: datetime,
    final_statuses: Collection[int],
    started: datetime,
    window: timedelta,
) -> SweepPlan:
    """The slice of this run: live final orders added before ``since``, after the stored position.

    Args:
        engine: the warehouse engine.
        shop: the shop key.
        hwm: the high-water mark (ids above it are the probe's).
        since: the lookback's start (orders added later are re-read anyway).
        final_statuses: the statuses an order is not re-read in once older than ``since``.
        started: the run's start (naive UTC).
        window: every final order is re-read at least once per this long.
    """
    t = opencart_orders
    where = [
        t.c.shop == shop,
        t.c.order_id <= hwm,
        t.c._deleted_at.is_(None),
        t.c.order_status_id.in_(sorted(final_statuses)),
        t.c.date_added_utc < since,
    ]
    with engine.connect() as conn:
        position, swept_at = read_sweep(conn, shop=shop)
        ids = [int(r[0]) for r in conn.execute(sa.select(t.c.order_id).where(*where).order_by(t.c.order_id))]
    elapsed = started - swept_at if swept_at is not None else timedelta(0)
    size = slice_size(len(ids), elapsed, window)
    after = [i for i in ids if position is None or i > position]
    before = [i for i in ids if position is not None and i <= position]
    return SweepPlan(ids=(after + before)[:size], population=len(ids), elapsed=elapsed, position=position)
