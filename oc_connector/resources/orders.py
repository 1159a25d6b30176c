"""Orders: the five verbs, each through the cheapest channel that can answer it.

* ``read(id)``: ``api/order/info`` (channel ``api``); with admin credentials also the admin order
  page, for the lines, sold vouchers and totals (channel ``admin``).
* ``query(...)``: the shop's admin order list when admin credentials are configured, else the
  synced warehouse "as of the last sync" (:mod:`oc_connector.resources.order_query`).
* ``create(draft)``: the cart flow of :meth:`~oc_connector.api.orders.OrderOperations.create`;
  ``api/order/add`` is never retried (an unknown outcome raises ``OutcomeUnknown``).
* ``update(id, changes)``: ``order_status_id``, ``comment`` and ``notify`` through
  ``api/order/history``; only the given fields: without a status the order keeps its current one
  (read first), and a status that would clear it (``None``, ``0``, ``""``) is refused.
* ``upsert(key, draft_or_changes)``: keyed by an external key the caller chooses, stored in the
  order comment as ``[oc-connector key KEY]`` (like the order channel's batch marker). The order
  is looked for first -- in the warehouse (then the ids above it), else in the admin list (the
  draft's customer, newest first, at most ``scan_limit`` rows), else by scanning order ids upward
  from ``scan_from`` until ``scan_misses`` ids in a row are missing -- each candidate's comment
  checked with ``api/order/info``. Found: a draft changes nothing (``none``), changes are an
  update. Not found: a draft is created; an unknown outcome is looked for once more and, when
  still not found, raised (never re-sent: the shop may still be writing it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from oc_connector.admin.order_records import AdminOrder
from oc_connector.api.orders import OrderDraft, OrderOperations
from oc_connector.api.records import Order
from oc_connector.errors import NotFoundError, OutcomeUnknown
from oc_connector.resources.base import Channel, Found, Rows, Written, check_id, check_keys, refuse, require
from oc_connector.resources.order_query import (
    OrderSummary,
    admin_rows,
    last_sync,
    order_filter,
    warehouse_rows,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

    from oc_connector.admin import AdminClient
    from oc_connector.api.client import OpenCartClient

__all__ = ["OrderDetails", "Orders", "key_marker"]

_API = "the catalog API client (an OpenCartClient)"
_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CHANGES = ("order_status_id", "comment", "notify")


def key_marker(key: str) -> str:
    """The text an upserted order's comment carries for ``key``."""
    return f"[oc-connector key {key}]"


@dataclass(frozen=True)
class OrderDetails:
    """What ``read`` returns: the API's order, and the admin page (lines, totals) when admin is there."""

    order: Order
    page: AdminOrder | None = None


class Orders:
    """Create, read, query, update and upsert orders.

    Args:
        api: the catalog API client (reads, creates and updates).
        admin: the admin client (order lines and totals on read; queries against the shop itself).
        warehouse: the synced warehouse (queries when there is no admin client; key lookups).
        shop: the shop's name in the warehouse (with ``warehouse``).
        scan_from: first order id of an upsert's id scan when neither admin nor warehouse is there.
        scan_misses: missing ids in a row that end an id scan.
        scan_limit: admin list rows an upsert looks through for its key.
    """

    def __init__(
        self, *, api: OpenCartClient | None, admin: AdminClient | None = None,
        warehouse: sa.Engine | None = None, shop: str | None = None, scan_from: int = 1,
        scan_misses: int = 20, scan_limit: int = 200,
    ) -> None:
        if warehouse is not None and not shop:
            raise refuse("a warehouse needs the shop's name", {"shop": "required"})
        self._api, self._admin, self._warehouse, self._shop = api, admin, warehouse, shop or ""
        self._scan_from, self._scan_misses, self._scan_limit = scan_from, scan_misses, scan_limit

    # -- read / query ---------------------------------------------------------------------

    def read(self, order_id: int) -> Found[OrderDetails]:
        """The order, with its admin page when admin credentials are configured.

        Raises:
            ValidationError: not a positive id.
            ConfigurationError: no catalog API client.
            NotFoundError: the shop has no such order.
        """
        check_id("order_id", order_id)
        order = require(self._api, _API, "orders.read").order_info(order_id)
        if self._admin is None:
            return Found(OrderDetails(order), "api", order_id)
        return Found(OrderDetails(order, self._admin.order_page(order_id)), "admin", order_id)

    def query(
        self, *, status: int | Sequence[int] | None = None, customer: str | None = None,
        email: str | None = None, store: int | None = None, date_added_from: date | None = None,
        date_added_to: date | None = None, date_modified_from: date | None = None,
        date_modified_to: date | None = None, total_min: Decimal | str | int | None = None,
        total_max: Decimal | str | int | None = None,
    ) -> Rows[OrderSummary]:
        """Orders matching every given filter, lazily (see :mod:`~oc_connector.resources.order_query`).

        Raises:
            ValidationError: a filter of the wrong type or an empty range.
            ConfigurationError: neither admin nor warehouse; or ``email``/``store``/a total range on
                the admin channel without the catalog API client.
        """
        f = order_filter(
            status=status, customer=customer, email=email, store=store, date_added_from=date_added_from,
            date_added_to=date_added_to, date_modified_from=date_modified_from,
            date_modified_to=date_modified_to, total_min=total_min, total_max=total_max,
        )
        admin, engine, api = self._admin, self._warehouse, self._api
        if admin is not None:
            if f.needs_details:
                require(api, _API + " to filter by email, store or total", "orders.query")
            return Rows("admin", lambda: admin_rows(f, admin=admin, api=api))
        engine = require(engine, "admin credentials or a synced warehouse", "orders.query")
        return Rows("warehouse", lambda: warehouse_rows(f, engine=engine, shop=self._shop),
                    as_of=last_sync(engine, self._shop))

    # -- writes ---------------------------------------------------------------------------

    def create(self, draft: OrderDraft) -> Written:
        """Create the order through the cart flow (never retried).

        Raises:
            ValidationError: the draft has no products or an invalid status; the shop refused a step.
            ConfigurationError: no catalog API client.
            OutcomeUnknown: ``api/order/add`` may or may not have created it: look before resending.
        """
        _check_draft(draft)
        order_id = OrderOperations(require(self._api, _API, "orders.create")).create(draft)
        return Written(order_id, "create", "api")

    def update(self, order_id: int, changes: Mapping[str, Any]) -> Written:
        """Add a history entry with only the given changes (status, comment, notify).

        Raises:
            ValidationError: no or unknown changes, a status that would clear it.
            ConfigurationError: no catalog API client.
            NotFoundError: the shop has no such order.
            OutcomeUnknown: the history write's outcome is unknown (never retried).
        """
        check_id("order_id", order_id)
        wanted = _check_changes(changes)
        api = require(self._api, _API, "orders.update")
        status = wanted.get("order_status_id")
        if status is None:
            status = int(api.order_info_raw(order_id).get("order_status_id") or 0)
            if status <= 0:
                raise refuse(f"order {order_id} has no status to keep: give order_status_id",
                             {"order_status_id": "required"})
        OrderOperations(api).update(order_id, order_status_id=status, comment=wanted.get("comment", ""),
                                    notify=wanted.get("notify", False))
        return Written(order_id, "update", "api")

    def upsert(self, key: str, draft_or_changes: OrderDraft | Mapping[str, Any]) -> Written:
        """Find the order carrying ``key``; create it from a draft, or update it with changes.

        Raises:
            ValidationError: an invalid key, draft or changes.
            ConfigurationError: no catalog API client.
            NotFoundError: changes for a key no order carries.
            OutcomeUnknown: the create's outcome is unknown and the order is not found yet.
        """
        if not isinstance(key, str) or not _KEY.match(key):
            raise refuse("key must be 1-64 letters, digits or . _ : -", {"key": "1-64 of [A-Za-z0-9._:-]"})
        if isinstance(draft_or_changes, OrderDraft):
            draft: OrderDraft | None = draft_or_changes
            _check_draft(draft_or_changes)
            changes: dict[str, Any] = {}
        else:
            draft, changes = None, _check_changes(draft_or_changes)
        require(self._api, _API, "orders.upsert")
        found = self._find(key, draft)
        if found is not None:
            if draft is not None:
                return Written(found[0], "none", found[1], key)
            self.update(found[0], changes)
            return Written(found[0], "update", "api", key)
        if draft is None:
            raise NotFoundError(f"no order carries the key {key!r}: an upsert that creates needs a draft")
        marker = key_marker(key)
        comment = f"{draft.comment}\n{marker}" if draft.comment else marker
        try:
            created = self.create(replace(draft, comment=comment))
        except OutcomeUnknown:
            again = self._find(key, draft)
            if again is None:
                raise
            return Written(again[0], "create", "api", key)
        return Written(created.id, "create", "api", key)

    # -- the key lookup -------------------------------------------------------------------

    def _carries(self, order_id: int, marker: str) -> bool:
        assert self._api is not None  # noqa: S101 - checked by the verb
        try:
            return marker in str(self._api.order_info_raw(order_id).get("comment") or "")
        except NotFoundError:
            return False

    def _find(self, key: str, draft: OrderDraft | None) -> tuple[int, Channel] | None:
        marker = key_marker(key)
        if self._warehouse is not None:
            candidates, top = self._warehouse_candidates(marker)
            for order_id in candidates:
                if self._carries(order_id, marker):
                    return order_id, "warehouse"
            found = self._scan(marker, top + 1)
            return None if found is None else (found, "api")
        if self._admin is not None:
            customer = f"{draft.firstname} {draft.lastname}" if draft is not None else None
            for n, row in enumerate(self._admin_candidates(customer)):
                if n >= self._scan_limit:
                    break
                if self._carries(row, marker):
                    return row, "admin"
            return None
        found = self._scan(marker, self._scan_from)
        return None if found is None else (found, "api")

    def _admin_candidates(self, customer: str | None) -> Iterator[int]:
        assert self._admin is not None  # noqa: S101
        for page in self._admin.iter_order_pages(sort="o.order_id", order="DESC", customer=customer):
            yield from (row.order_id for row in page.rows)

    def _warehouse_candidates(self, marker: str) -> tuple[Iterable[int], int]:
        import sqlalchemy as sa

        from oc_connector.warehouse.orders_schema import opencart_orders as o

        assert self._warehouse is not None  # noqa: S101
        mine = o.c.shop == self._shop
        with self._warehouse.connect() as conn:
            ids = [int(i) for i in conn.execute(
                sa.select(o.c.order_id).where(mine, o.c._deleted_at.is_(None),
                                              o.c.comment.contains(marker, autoescape=True))
                .order_by(o.c.order_id)
            ).scalars()]
            top = conn.execute(sa.select(sa.func.max(o.c.order_id)).where(mine)).scalar()
        return ids, int(top or 0)

    def _scan(self, marker: str, start: int) -> int | None:
        """Order ids upward from ``start`` until ``scan_misses`` in a row are missing."""
        assert self._api is not None  # noqa: S101
        order_id, misses = max(start, 1), 0
        while misses < self._scan_misses:
            try:
                info = self._api.order_info_raw(order_id)
            except NotFoundError:
                misses += 1
            else:
                misses = 0
                if marker in str(info.get("comment") or ""):
                    return order_id
            order_id += 1
        return None


def _check_draft(draft: Any) -> None:
    if not isinstance(draft, OrderDraft):
        raise refuse("an order is created from an OrderDraft", {"draft": "OrderDraft"})
    if not draft.items:
        raise refuse("an order needs at least one product", {"items": "required"})
    if draft.order_status_id is not None:
        _status(draft.order_status_id)


def _status(value: Any) -> int:
    if value is None or value in ("", "0") or value == 0 or isinstance(value, bool):
        raise refuse("order_status_id cannot be cleared: an empty status would set the order to 0",
                     {"order_status_id": "required"})
    if not isinstance(value, int) or value < 0:
        raise refuse("order_status_id must be a positive integer", {"order_status_id": "positive integer"})
    return value


def _check_changes(changes: Any) -> dict[str, Any]:
    if not isinstance(changes, Mapping) or not changes:
        raise refuse("an update needs at least one of order_status_id, comment, notify", {"changes": "empty"})
    check_keys(changes, _CHANGES, "orders.update")
    out: dict[str, Any] = {}
    if "order_status_id" in changes:
        out["order_status_id"] = _status(changes["order_status_id"])
    if "comment" in changes:
        if not isinstance(changes["comment"], str):
            raise refuse("comment must be text", {"comment": "text"})
        out["comment"] = changes["comment"]
    if "notify" in changes:
        if not isinstance(changes["notify"], bool):
            raise refuse("notify must be True or False", {"notify": "bool"})
        out["notify"] = changes["notify"]
    return out
