"""The change feed: which loaded orders changed since the last run, read from the admin order list.

The catalog API cannot list changes; the admin list (``sale/order``, spec 10.7) sorts by
``o.date_modified`` but shows only its *day*. The feed therefore works in days:

* The cursor is ``feed_day`` (``opencart_sync_state``): the shop-local day of the previous feed
  read's start by the sync's clock, less :data:`CLOCK_MARGIN`. Every change made after that
  read started has a ``date_modified`` on that day or later (the shop stamps ``NOW()``).
* Each run pages through the list newest-modified first and stops after the first page whose
  last row is on a day strictly before the cursor: the list is sorted by the full timestamp,
  so every row on the cursor day or later is on the pages read. Status-0 checkouts are listed
  only with ``filter_order_status_id=0``; the sync loads them, so that list is read the same way.
* A row on the cursor day or later is re-read (``api/order/info``) when the warehouse row is
  missing or deleted, when its status name, total or ``date_modified`` day differ, or when the
  warehouse copy was read on or before the row's day (a later change on that same day would
  show the same day, status and total). A warehouse copy read on a later day than the row's
  day holds the row's last change: nothing on that day came after the read.
  One exception: a row whose warehouse ``date_modified`` is still in the future (a shop clock
  anomaly) and matches day, status and total is not re-read; a change would have stamped the
  shop's present time, which lies on an earlier day unless the shop's date has caught up.
* If the shop's row count changes between the pages of one listing (an order left the list
  while it was paged, shifting the rows up by one), the listing is read again once.
* The cursor is written in the transaction of the last re-read batch (or alone when nothing
  changed): a crash before that leaves the old cursor, and the rerun reads the same days again.

New orders: page 1 of the list sorted by ``o.order_id`` DESC names the shop's newest id (one
request, instead of probing ``gap_tolerance`` ids past the mark); with the ids the status-0
listing shows, that is the top of the ids the run reads as new. Ids between the mark and it that
answer not-found are recorded as absent, as the probe records its gaps.

Deletions do not touch ``date_modified``: a deleted order just leaves the list. The feed compares
the shop's order count (both listings' totals) with the warehouse's live orders; on a mismatch
it lists every order id (sorted by ``o.order_id``) and re-reads the loaded ids missing from the
shop, which the sync soft-deletes when the shop answers not-found.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from oc_connector.admin.order_records import OrderListRow
from oc_connector.admin.records import ListPage
from oc_connector.warehouse.orders_schema import opencart_orders, opencart_sync_state

__all__ = [
    "CLOCK_MARGIN",
    "FeedPlan",
    "OrderListReader",
    "plan_feed",
    "read_feed_day",
    "set_feed_day",
]

CLOCK_MARGIN = timedelta(hours=1)
"""How far the shop's clock may be behind the sync's before the feed could miss a change."""

MISSING_STATUS = "Missing Orders"
SORT = "o.date_modified"


class OrderListReader(Protocol):
    """What the feed needs from :class:`oc_connector.admin.AdminClient`."""

    def order_list(
        self, page: int = 1, *, sort: str = "o.order_id", order: str = "DESC", **filters: str | int | None
    ) -> ListPage[OrderListRow]:
        """One page of ``sale/order``."""
        ...


@dataclass
class FeedPlan:
    """What one run's feed found: the ids to re-read and the cursor to store with them."""

    changed: list[int]
    next_day: date
    list_requests: int = 0
    rows_listed: int = 0
    shop_total: int = 0
    #: loaded live ids the shop no longer lists (only when the counts disagreed)
    missing: list[int] = field(default_factory=list)
    #: the highest order id the shop lists (0 for an empty shop)
    newest: int = 0


def read_feed_day(conn: sa.Connection, *, shop: str) -> date | None:
    """The feed cursor (None before the first feed run)."""
    t = opencart_sync_state
    value = conn.execute(sa.select(t.c.feed_day).where(t.c.shop == shop)).scalar()
    return value if isinstance(value, date) else None


def set_feed_day(conn: sa.Connection, *, shop: str, day: date) -> None:
    """Store the feed cursor, in the caller's transaction with the data it describes."""
    t = opencart_sync_state
    conn.execute(t.update().where(t.c.shop == shop).values(feed_day=day))


def shop_day(moment_utc: datetime, timezone: str) -> date:
    """The shop-local day of a naive UTC moment, less the clock margin (the earliest it may be)."""
    local = (moment_utc - CLOCK_MARGIN).replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
    return local.date()


def _shop_now(moment_utc: datetime, timezone: str) -> datetime:
    return moment_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _listing(
    admin: OrderListReader, since: date, counter: list[int], **filters: str | int | None
) -> tuple[list[OrderListRow], int]:
    """Rows of one listing down to the first page ending before ``since``; and the shop's total."""
    for _attempt in range(2):
        rows: list[OrderListRow] = []
        totals: set[int] = set()
        page = 1
        while True:
            got = admin.order_list(page, sort=SORT, order="DESC", **filters)
            counter[0] += 1
            totals.add(got.total)
            rows += got.rows
            last = got.rows[-1].date_modified if got.rows else None
            if not got.rows or page >= got.pages or (last is not None and last < since):
                break
            page += 1
        if len(totals) == 1:
            break
    return rows, max(totals) if totals else 0


def _money(value: Any, rate: Any) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(str(value)) * Decimal(str(rate or 1))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _known(conn: sa.Connection, shop: str, ids: Iterable[int]) -> dict[int, Any]:
    t = opencart_orders
    out: dict[int, Any] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            sa.select(
                t.c.order_id, t.c.order_status, t.c.total, t.c.currency_value, t.c.date_modified,
                t.c._last_synced_at, t.c._deleted_at,
            ).where(t.c.shop == shop, t.c.order_id.in_(chunk))
        )
        out.update({int(r.order_id): r for r in rows})
    return out


def needs_reread(row: OrderListRow, known: Any, *, timezone: str, now_local: datetime) -> bool:
    """True when the list row may show a change the warehouse row lacks (see the module docstring)."""
    if known is None or known._deleted_at is not None:
        return True
    modified: datetime | None = known.date_modified
    day = row.date_modified
    if day is None or modified is None or modified.date() != day:
        return True
    if (known.order_status or MISSING_STATUS) != row.status:
        return True
    if _money(known.total, known.currency_value) != row.total:
        return True
    if modified > now_local + CLOCK_MARGIN:
        return False  # future-stamped and unchanged (see the module docstring)
    return bool(shop_day(known._last_synced_at, timezone) <= day)


def _all_ids(admin: OrderListReader, counter: list[int], **filters: str | int | None) -> Iterator[int]:
    page = 1
    while True:
        got = admin.order_list(page, sort="o.order_id", order="ASC", **filters)
        counter[0] += 1
        yield from (r.order_id for r in got.rows)
        if not got.rows or page >= got.pages:
            return
        page += 1


def live_count(conn: sa.Connection, *, shop: str, hwm: int) -> int:
    """Loaded live orders at or below the mark."""
    t = opencart_orders
    q = sa.select(sa.func.count()).where(t.c.shop == shop, t.c._deleted_at.is_(None), t.c.order_id <= hwm)
    return int(conn.execute(q).scalar_one())


def plan_feed(
    admin: OrderListReader,
    engine: sa.Engine,
    *,
    shop: str,
    since: date,
    hwm: int,
    started_utc: datetime,
    timezone: str,
    with_status_zero: bool = True,
) -> FeedPlan:
    """Read the feed since ``since`` and say which loaded orders (ids <= ``hwm``) to re-read.

    Ids above the mark are the probe's (it also records the gaps between them).
    """
    counter = [0]
    rows, total = _listing(admin, since, counter)
    if with_status_zero:
        zero_rows, zero_total = _listing(admin, since, counter, filter_order_status_id=0)
        rows += zero_rows
        total += zero_total
    candidates = {r.order_id: r for r in rows if r.date_modified is None or r.date_modified >= since}
    now_local = _shop_now(started_utc, timezone)
    with engine.connect() as conn:
        known = _known(conn, shop, candidates)
        changed = sorted(
            oid
            for oid, row in candidates.items()
            if oid <= hwm and needs_reread(row, known.get(oid), timezone=timezone, now_local=now_local)
        )
        live = live_count(conn, shop=shop, hwm=hwm)
    above = sum(1 for oid in {r.order_id for r in rows} if oid > hwm)
    top = admin.order_list(1, sort="o.order_id", order="DESC")
    counter[0] += 1
    plan = FeedPlan(
        changed=changed,
        next_day=shop_day(started_utc, timezone),
        rows_listed=len(rows),
        shop_total=total,
        newest=max([r.order_id for r in (*top.rows, *rows)] or [0]),
    )
    # orders above the mark are new (the probe reads them); the rest must match the live count
    if total - above < live:
        plan.missing = _missing_ids(admin, engine, shop=shop, hwm=hwm, counter=counter,
                                    with_status_zero=with_status_zero)
    plan.list_requests = counter[0]
    return plan


def _missing_ids(
    admin: OrderListReader, engine: sa.Engine, *, shop: str, hwm: int, counter: list[int],
    with_status_zero: bool,
) -> list[int]:
    listed = set(_all_ids(admin, counter))
    if with_status_zero:
        listed |= set(_all_ids(admin, counter, filter_order_status_id=0))
    t = opencart_orders
    q = sa.select(t.c.order_id).where(t.c.shop == shop, t.c._deleted_at.is_(None), t.c.order_id <= hwm)
    with engine.connect() as conn:
        live = {int(r[0]) for r in conn.execute(q)}
    return sorted(live - listed)
