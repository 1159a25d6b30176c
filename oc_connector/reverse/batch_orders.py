"""Where the order channel looks for an order already carrying a batch's marker, before sending it.

The batch id (``ocv-`` + 16 hex digits, derived from the batch's request keys) is written into
the order comment. A batch this ledger never sent may still have been sold: by a run whose
warehouse is gone, by a run on another machine, or with another working folder. So before its
first ``order/add`` the run asks one :class:`BatchOrders` source, the best the run has:

1. :class:`AdminOrders` when admin credentials are given: the admin order list filtered on the
   issuer's name (``sale/order``, ``filter_customer``), then each listed order's comment once
   (``api/order/info``). Cost: one list page per 20 issuer orders, one read per new order.
2. :class:`WarehouseOrders` when the warehouse holds synced orders of the shop: the comment column
   of ``opencart_orders`` covers every id up to the highest synced one; ids above it are scanned as
   in 3. Cost: one query, plus the scan of the orders placed since the last sync.
3. :class:`ScanOrders` otherwise: order ids are read upward from ``scan_from`` until ``misses``
   consecutive ids are not found (the end of the shop), at most ``limit`` ids per run. A shop with
   more orders above ``scan_from`` than that makes the run stop with a
   :class:`~oc_connector.errors.ConfigurationError` before it sends anything (give admin
   credentials, sync the shop's orders into the warehouse, or raise ``scan_from`` to an id below
   the campaign's first order). The scan is done once per run and extended from where it ended.

Each source returns the order id of a batch, or None when no order carries it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

import sqlalchemy as sa

from oc_connector.errors import ConfigurationError, NotFoundError
from oc_connector.sync.state import read_hwm
from oc_connector.warehouse.orders_schema import opencart_orders

__all__ = [
    "AdminOrders", "BatchOrders", "OrderInfoLike", "ScanOrders", "WarehouseOrders", "batch_orders_for",
    "markers",
]

_MARKER = re.compile(r"ocv-[0-9a-f]{16}")


def markers(comment: object) -> list[str]:
    """The batch ids an order comment carries."""
    return _MARKER.findall(str(comment or ""))


class OrderInfoLike(Protocol):
    """Reads one order (the catalog API's ``order/info``)."""

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        """The order's payload; NotFoundError when absent."""
        ...


class AdminOrderListLike(Protocol):
    """The admin order list (``sale/order``)."""

    def iter_order_pages(self, **filters: Any) -> Iterable[Any]:
        """Every page of the list; each page has ``rows`` with ``order_id``."""
        ...


class BatchOrders(Protocol):
    """Finds the order that carries a batch id in its comment."""

    def find(self, batch_id: str) -> int | None:
        """The order id carrying ``batch_id``, or None when the shop has none."""
        ...


class ScanOrders:
    """Scan order ids upward from ``start`` (see the module doc), once per run, then extend.

    Args:
        client: reads an order.
        start: first order id read.
        misses: consecutive missing ids that end the scan.
        limit: ids read at most per run before the run refuses to go on.
    """

    def __init__(self, client: OrderInfoLike, *, start: int, misses: int = 20, limit: int = 10_000) -> None:
        self.client = client
        self.start = max(1, start)
        self.misses = misses
        self.limit = limit
        self.read = 0
        self._next = self.start
        self._found: dict[str, int] = {}

    def find(self, batch_id: str) -> int | None:
        """The order id carrying ``batch_id`` among the ids scanned so far (extended to the end)."""
        if batch_id in self._found:
            return self._found[batch_id]
        missed = 0
        while missed < self.misses:
            if self.read >= self.limit:
                raise ConfigurationError(
                    f"cannot tell whether voucher batch {batch_id} was already sold: read {self.read} order "
                    f"ids from {self.start} without reaching the shop's newest order; give admin credentials "
                    "(the admin order list is searched instead), sync the shop's orders into the warehouse, "
                    "or raise scan_from to an order id below the campaign's first order"
                )
            self.read += 1
            try:
                info = self.client.order_info_raw(self._next)
            except NotFoundError:
                missed += 1
            else:
                missed = 0
                for marker in markers(info.get("comment")):
                    self._found.setdefault(marker, self._next)
            self._next += 1
        self._next -= missed  # orders placed later land on the ids that were missing: read them again
        return self._found.get(batch_id)


class WarehouseOrders:
    """The warehouse's synced orders of ``shop`` (comment column), then a scan above them.

    Args:
        engine: the warehouse.
        shop: the sync's shop key.
        client: reads orders above the highest synced id.
        misses: as :class:`ScanOrders`.
        limit: as :class:`ScanOrders`.
    """

    def __init__(self, engine: sa.Engine, *, shop: str, client: OrderInfoLike, misses: int = 20,
                 limit: int = 10_000) -> None:
        self.engine = engine
        self.shop = shop
        with engine.connect() as conn:
            covered = max(read_hwm(conn, shop=shop), int(conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(opencart_orders.c.order_id), 0))
                .where(opencart_orders.c.shop == shop)).scalar() or 0))
        self.covered = covered
        self.above = ScanOrders(client, start=covered + 1, misses=misses, limit=limit)

    @staticmethod
    def covers(engine: sa.Engine, *, shop: str) -> bool:
        """True when the warehouse holds synced orders of ``shop``."""
        if not sa.inspect(engine).has_table(opencart_orders.name):
            return False
        with engine.connect() as conn:
            return conn.execute(sa.select(opencart_orders.c.order_id)
                                .where(opencart_orders.c.shop == shop).limit(1)).first() is not None

    def find(self, batch_id: str) -> int | None:
        """The synced order carrying ``batch_id``, else the scan of the ids above the synced ones."""
        t = opencart_orders
        with self.engine.connect() as conn:
            hit = conn.execute(sa.select(sa.func.min(t.c.order_id)).where(
                t.c.shop == self.shop, t.c.comment.contains(batch_id, autoescape=True))).scalar()
        return int(hit) if hit is not None else self.above.find(batch_id)


class AdminOrders:
    """The admin order list filtered on the issuer's name, then each new order's comment once.

    Args:
        admin: the admin client (``sale/order`` permission).
        client: reads an order's comment.
        customer: the issuer's ``firstname lastname``.
    """

    def __init__(self, admin: AdminOrderListLike, *, client: OrderInfoLike, customer: str) -> None:
        self.admin = admin
        self.client = client
        self.customer = customer
        self._read: set[int] = set()
        self._found: dict[str, int] = {}

    def find(self, batch_id: str) -> int | None:
        """The issuer's order carrying ``batch_id``, or None."""
        if batch_id not in self._found:
            for page in self.admin.iter_order_pages(filter_customer=self.customer):
                for row in page.rows:
                    order_id = int(row.order_id)
                    if order_id in self._read:
                        continue
                    self._read.add(order_id)
                    try:
                        info = self.client.order_info_raw(order_id)
                    except NotFoundError:
                        continue
                    for marker in markers(info.get("comment")):
                        self._found.setdefault(marker, order_id)
        return self._found.get(batch_id)


def batch_orders_for(
    client: OrderInfoLike, *, scan_from: int, misses: int, limit: int, customer: str,
    admin: AdminOrderListLike | None = None, engine: sa.Engine | None = None, shop: str | None = None,
) -> BatchOrders:
    """The best source a run has (see the module doc): admin list, synced orders, else a scan.

    Args:
        client: reads orders (catalog API).
        scan_from: where a scan starts when nothing better covers the shop.
        misses: consecutive missing ids that end a scan.
        limit: ids a scan reads at most per run.
        customer: the issuer's ``firstname lastname`` (admin list filter).
        admin: the admin client, when admin credentials are given.
        engine: the warehouse, for its synced orders.
        shop: the sync's shop key of those orders.
    """
    if admin is not None:
        return AdminOrders(admin, client=client, customer=customer)
    if engine is not None and shop is not None and WarehouseOrders.covers(engine, shop=shop):
        return WarehouseOrders(engine, shop=shop, client=client, misses=misses, limit=limit)
    return ScanOrders(client, start=scan_from, misses=misses, limit=limit)
