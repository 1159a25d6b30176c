"""``orders.query``: the filters, and the two channels that answer them.

**admin** (when admin credentials are configured): the shop's own order list (``sale/order``,
spec 10.7), fetched lazily one page at a time. The list filters what it can itself:

* ``status`` -> ``filter_order_status_id`` (one id; ``0`` lists the status-0 "missing" orders,
  which are never listed otherwise) or ``filter_order_status`` (several ids);
* ``customer`` -> ``filter_customer``: a substring of the order's ``firstname lastname``,
  ignoring case and accents;
* a date range of one day -> ``filter_date_added`` / ``filter_date_modified`` (day equality,
  the only date filter the list has).

The rest is applied here, on the rows: a date range is read by sorting the list by that date,
newest first, and stopping at the first row before the range (so only the pages that can match
are fetched); ``email`` (equal, ignoring case), ``store`` (store id) and the ``total`` range
(the stored total in the shop's default currency; the list shows the order's currency) are not
on the list, so each row that passed the other filters is completed by one ``api/order/info``
(which needs the catalog API client).

**warehouse** (otherwise): the synced ``opencart_orders`` table, "as of the last sync": the
answer carries ``as_of``, the end of the shop's last sync run. The same filters mean the same:
without ``status`` the status-0 orders are left out, as on the list; ``customer`` ignores case
(but, unlike the shop, not accents) and matches the unescaped names (the shop's list matches
its stored HTML-escaped text, so ``amp`` finds ``Smith &amp; Sons`` there); dates are the
shop-local days.

Dates are days (the list shows no time) and ranges include both ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Protocol

import sqlalchemy as sa

from oc_connector.admin.order_records import OrderListRow
from oc_connector.admin.reads import FilterValue
from oc_connector.admin.records import ListPage
from oc_connector.errors import NotFoundError
from oc_connector.resources.base import check_date, check_decimal, check_range, refuse

__all__ = [
    "OrderFilter", "OrderInfo", "OrderListAdmin", "OrderSummary", "admin_rows", "last_sync", "order_filter",
    "warehouse_rows",
]


@dataclass(frozen=True)
class OrderSummary:
    """One order as a query returns it.

    Attributes:
        customer: the order's ``firstname lastname``.
        status: the status name (the admin list shows ``Missing Orders`` for status 0).
        date_added, date_modified: shop-local days.
        total_shown: the total as the admin list shows it, in the order's currency (admin only).
        total: the stored total in the default currency (warehouse; admin when completed by
            ``api/order/info``).
        email, store_id, order_status_id: known from the warehouse, or on the admin channel when
            the row was completed by ``api/order/info``.
    """

    order_id: int
    customer: str
    status: str
    date_added: date
    date_modified: date
    total_shown: Decimal | None = None
    total: Decimal | None = None
    email: str | None = None
    store_id: int | None = None
    order_status_id: int | None = None


@dataclass(frozen=True)
class OrderFilter:
    """The validated filters of one query (see the module for what each means)."""

    statuses: tuple[int, ...] = ()
    customer: str | None = None
    email: str | None = None
    store: int | None = None
    added: tuple[date | None, date | None] = (None, None)
    modified: tuple[date | None, date | None] = (None, None)
    total: tuple[Decimal | None, Decimal | None] = (None, None)

    @property
    def needs_details(self) -> bool:
        """Whether the admin rows must be completed by ``api/order/info``."""
        return self.email is not None or self.store is not None or self.total != (None, None)


def order_filter(
    *, status: int | Sequence[int] | None, customer: str | None, email: str | None, store: int | None,
    date_added_from: date | None, date_added_to: date | None, date_modified_from: date | None,
    date_modified_to: date | None, total_min: Any, total_max: Any,
) -> OrderFilter:
    """Check every filter (before any call) and gather them.

    Raises:
        ValidationError: a filter of the wrong type, or a range that ends before it starts.
    """
    if status is None:
        statuses: tuple[int, ...] = ()
    elif isinstance(status, int) and not isinstance(status, bool):
        statuses = (status,)
    elif isinstance(status, Sequence) and not isinstance(status, str) and status:
        statuses = tuple(status)
    else:
        raise refuse("status must be a status id or a list of them", {"status": "status id"})
    if any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in statuses):
        raise refuse("status ids are integers of at least 0", {"status": "status id"})
    for name, text in (("customer", customer), ("email", email)):
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise refuse(f"{name} must be non-empty text", {name: "text"})
    if store is not None and (isinstance(store, bool) or not isinstance(store, int) or store < 0):
        raise refuse("store must be a store id (0 is the default store)", {"store": "store id"})
    added = (check_date("date_added_from", date_added_from), check_date("date_added_to", date_added_to))
    modified = (check_date("date_modified_from", date_modified_from),
                check_date("date_modified_to", date_modified_to))
    total = (check_decimal("total_min", total_min), check_decimal("total_max", total_max))
    check_range("date_added", *added)
    check_range("date_modified", *modified)
    check_range("total", *total)
    return OrderFilter(statuses, customer, email, store, added, modified, total)


def _within(value: Any, bounds: tuple[Any, Any]) -> bool:
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


class OrderListAdmin(Protocol):
    """The part of :class:`~oc_connector.admin.AdminClient` the admin query uses."""

    def iter_order_pages(
        self, *, sort: str = ..., order: str = ..., **filters: FilterValue
    ) -> Iterator[ListPage[OrderListRow]]:
        """Every page of the order list, lazily."""
        ...


class OrderInfo(Protocol):
    """The part of :class:`~oc_connector.api.client.OpenCartClient` that completes admin rows."""

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        """The ``api/order/info`` order."""
        ...


def admin_rows(f: OrderFilter, *, admin: OrderListAdmin, api: OrderInfo | None) -> Iterator[OrderSummary]:
    """The admin list's rows matching ``f``, page by page (see the module)."""
    params: dict[str, FilterValue] = {"customer": f.customer}
    if len(f.statuses) == 1:
        params["order_status_id"] = f.statuses[0]
    elif f.statuses:
        params["order_status"] = ",".join(str(s) for s in f.statuses)
    for name, (low, high) in (("date_added", f.added), ("date_modified", f.modified)):
        if low is not None and low == high:
            params[name] = low.isoformat()
    sort, floor, day_of = "o.order_id", None, _added
    if f.added[0] is not None:
        sort, floor = "o.date_added", f.added[0]
    elif f.modified[0] is not None:
        sort, floor, day_of = "o.date_modified", f.modified[0], _modified
    seen: set[int] = set()
    for page in admin.iter_order_pages(sort=sort, order="DESC", **params):
        for row in page.rows:
            if floor is not None and day_of(row) < floor:
                return  # sorted newest first: every later row is before the range
            if row.order_id in seen:  # ties in a date sort may move a row to the next page
                continue
            seen.add(row.order_id)
            if not (_within(row.date_added, f.added) and _within(row.date_modified, f.modified)):
                continue
            summary = OrderSummary(row.order_id, row.customer, row.status, row.date_added,
                                   row.date_modified, total_shown=row.total)
            if f.needs_details:
                completed = _completed(summary, api, f)
                if completed is None:
                    continue
                summary = completed
            yield summary


def _added(row: OrderListRow) -> date:
    return row.date_added


def _modified(row: OrderListRow) -> date:
    return row.date_modified


def _completed(summary: OrderSummary, api: OrderInfo | None, f: OrderFilter) -> OrderSummary | None:
    """The row with email, store and stored total from ``api/order/info``, or None when it fails ``f``."""
    assert api is not None  # noqa: S101 - checked by the resource before any call
    try:
        info = api.order_info_raw(summary.order_id)
    except NotFoundError:
        return None  # deleted between the list page and now
    email = str(info.get("email") or "")
    store = int(info.get("store_id") or 0)
    total = Decimal(str(info.get("total") or "0"))
    if f.email is not None and email.casefold() != f.email.casefold():
        return None
    if f.store is not None and store != f.store:
        return None
    if not _within(total, f.total):
        return None
    status_id = int(info.get("order_status_id") or 0)
    return OrderSummary(summary.order_id, summary.customer, summary.status, summary.date_added,
                        summary.date_modified, summary.total_shown, total, email, store, status_id)


def last_sync(engine: sa.Engine, shop: str) -> datetime | None:
    """End of the shop's last sync run (None when it never finished one)."""
    from oc_connector.warehouse.orders_schema import opencart_sync_state as state

    with engine.connect() as conn:
        value = conn.execute(sa.select(state.c.last_run_finished_at).where(state.c.shop == shop)).scalar()
    return value if isinstance(value, datetime) else None


def _days(column: Any, bounds: tuple[date | None, date | None]) -> Iterable[Any]:
    low, high = bounds
    if low is not None:
        yield column >= datetime.combine(low, time())
    if high is not None:
        yield column < datetime.combine(high + timedelta(days=1), time())


def _total_range(column: Any, bounds: tuple[Decimal | None, Decimal | None], *, dialect: str) -> list[Any]:
    """The total range in SQL; on SQLite the exact decimal text is compared as integer 1/10000 units."""
    low, high = bounds
    if dialect != "sqlite":
        return [c for c in (None if low is None else column >= low, None if high is None else column <= high)
                if c is not None]
    scaled = sa.cast(sa.func.round(sa.cast(column, sa.Float) * 10_000), sa.BigInteger)
    out = []
    if low is not None:
        out.append(scaled >= int((low * 10_000).to_integral_value(rounding=ROUND_CEILING)))
    if high is not None:
        out.append(scaled <= int((high * 10_000).to_integral_value(rounding=ROUND_FLOOR)))
    return out


def warehouse_rows(f: OrderFilter, *, engine: sa.Engine, shop: str) -> Iterator[OrderSummary]:
    """The synced orders matching ``f``, newest id first (see the module)."""
    from oc_connector.warehouse.orders_schema import opencart_orders as o

    where: list[Any] = [o.c.shop == shop, o.c._deleted_at.is_(None)]
    where.append(o.c.order_status_id.in_(f.statuses) if f.statuses else o.c.order_status_id > 0)
    name = sa.func.lower(sa.func.coalesce(o.c.firstname, "") + " " + sa.func.coalesce(o.c.lastname, ""))
    if f.customer is not None:
        where.append(name.contains(f.customer.lower(), autoescape=True))
    if f.email is not None:
        where.append(sa.func.lower(o.c.email) == f.email.lower())
    if f.store is not None:
        where.append(o.c.store_id == f.store)
    where += [*_days(o.c.date_added, f.added), *_days(o.c.date_modified, f.modified)]
    where += _total_range(o.c.total, f.total, dialect=engine.dialect.name)
    query = sa.select(
        o.c.order_id, o.c.firstname, o.c.lastname, o.c.order_status, o.c.date_added, o.c.date_modified,
        o.c.total, o.c.email, o.c.store_id, o.c.order_status_id,
    ).where(*where).order_by(o.c.order_id.desc())
    with engine.connect() as conn:
        for row in conn.execute(query):
            yield OrderSummary(
                order_id=int(row.order_id),
                customer=f"{row.firstname or ''} {row.lastname or ''}",
                status=row.order_status or "",
                date_added=row.date_added.date(), date_modified=row.date_modified.date(),
                total=row.total, email=row.email, store_id=row.store_id, order_status_id=row.order_status_id,
            )

