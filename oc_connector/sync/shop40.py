"""The order sync's reads on an OpenCart 4.0.2.x shop: the admin order pages stand in for the API.

4.0 has no API route that reads an order (``api/order/info`` answers 404), so on a 4.0 shop
:class:`~oc_connector.sync.run.OrderSync` reads everything from the admin, over one
:class:`~oc_connector.admin40.client.Admin40Client`:

* the order itself through :class:`~oc_connector.admin40.orders.AdminOrderReader` (``sale/order.info``,
  turned into the dict 3.0's ``api/order/info`` answers, so the same normaliser loads it);
* its lines, totals and sold vouchers, and its history, from the page that read just fetched (the
  reader keeps it): no second page read per order (:func:`~oc_connector.sync.details.read_page_details`);
* the change feed and the deletes from ``sale/order.list``, as on 3.0; every list page the feed
  reads is handed to the reader (:class:`PrimingLister`), so an order the feed lists costs one
  request, not a page plus a list read for its ``date_modified``;
* new ids up to the newest id the list shows (:func:`list_orders`): no probe past it, each
  probe being a 180 KB page.

There is no product or customer list read on 4.0: ``opencart_products`` and ``opencart_customers``
are not refreshed (the run result's ``dimensions`` says so), and the order lines take their
``product_id`` from the order page. The shop's revenue statuses are not read either (4.0's
settings page is not read), so the recorded or default ones stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oc_connector.admin.order_records import OrderListRow
from oc_connector.admin.records import ListPage
from oc_connector.admin40.client import Admin40Client
from oc_connector.admin40.orders import AdminOrderReader
from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.sync.options import SyncOptions

__all__ = [
    "NO_ADMIN_40",
    "STATUSES_NOT_READ_40",
    "PrimingLister",
    "Shop40Reads",
    "list_orders",
    "reads40",
    "shop_version",
]

NO_ADMIN_40 = (
    "the shop runs OpenCart 4.0, which has no API route that reads an order: the sync reads orders, "
    "lines, totals and history from the admin pages, so it needs the admin credentials "
    "(set OPENCART_ADMIN_USERNAME and OPENCART_ADMIN_PASSWORD)"
)
"""Why a 4.0 sync without an admin client cannot start."""

STATUSES_NOT_READ_40 = "not read: OpenCart 4.0 (its settings page is not read); the recorded ones stay"
"""The run result's ``revenue_statuses`` on 4.0."""


def shop_version(client: Any, admin: Any, options: SyncOptions) -> ShopVersion | None:
    """The version a sync reads: the option, else what the clients are or know.

    4.0 when the client is an :class:`AdminOrderReader` or the admin a 4.0 one; else the
    client's known version (configured, or found at an earlier login). Only without an admin
    client is a client that can detect the version (``detect_version``) asked: that sync logs in
    to read orders anyway, and the order reads then use the token of that login. With a 3.0 admin
    client nothing is asked (a run with the change feed may need no catalog login at all): None.
    """
    if options.version is not None:
        return ShopVersion(options.version)
    if isinstance(client, AdminOrderReader) or isinstance(admin, (Admin40Client, AdminOrderReader)):
        return ShopVersion.V4_0
    known = getattr(client, "version", None)
    if isinstance(known, ShopVersion):
        return known
    detect = getattr(client, "detect_version", None)
    if admin is None and callable(detect):
        found = detect()
        return found if isinstance(found, ShopVersion) else None
    return None


@dataclass(frozen=True)
class Shop40Reads:
    """The two sides of a 4.0 sync: the order reader and the admin session under it."""

    reader: AdminOrderReader
    admin: Admin40Client


def reads40(client: Any, admin: Any, options: SyncOptions, *, pages: int = 256) -> Shop40Reads:
    """The reader and admin of a 4.0 sync from what the caller gave.

    ``client`` may already be an :class:`AdminOrderReader` (its admin is then the session; it
    should keep ``pages`` pages, or a batch's details need a second read of the pages it
    dropped); else ``admin`` must be the 4.0 admin client, and a reader keeping ``pages`` pages
    is made over it with ``options.currency_values``.

    Raises:
        ConfigurationError: no admin client (the message names the variables), or a 3.0 one.
    """
    if isinstance(client, AdminOrderReader):
        return Shop40Reads(client, client.admin)
    if admin is None:
        raise ConfigurationError(NO_ADMIN_40)
    if isinstance(admin, AdminOrderReader):
        return Shop40Reads(admin, admin.admin)
    if not isinstance(admin, Admin40Client):
        raise ConfigurationError(
            f"the shop runs OpenCart 4.0 but the admin client is {type(admin).__name__}: build it for "
            "4.0 (oc_connector.settings.build_admin_client with version=ShopVersion.V4_0, or "
            "OPENCART_VERSION=4.0)"
        )
    reader = AdminOrderReader(admin, currency_values=options.currency_values, cache_size=pages)
    return Shop40Reads(reader, admin)


class PrimingLister:
    """The admin order list for the change feed, giving every row it lists to the reader."""

    def __init__(self, reads: Shop40Reads) -> None:
        self._reads = reads

    def order_list(
        self, page: int = 1, *, sort: str = "o.order_id", order: str = "DESC", **filters: str | int | None
    ) -> ListPage[OrderListRow]:
        """One page of ``sale/order.list`` (see :meth:`Admin40Client.order_list`), its rows primed."""
        got = self._reads.admin.order_list(page, sort=sort, order=order, **filters)
        self._reads.reader.prime(got.rows)
        return got


def list_orders(reads: Shop40Reads, *, every: bool) -> tuple[int, int]:
    """The newest order id the shop lists (0: none) and the list pages read for it.

    Reads page 1 of both listings (the orders, and the status-0 checkouts listed only when asked
    for) sorted by id; with ``every``, all their pages (10 rows each), so that the orders a first or
    full run reads then get their ``date_modified`` from these rows (a tenth of a request each)
    instead of one list read each. Every row read is primed into the reader.
    """
    newest, requests = 0, 0
    for zero in (None, 0):
        page = 1
        while True:
            got = reads.admin.order_list(page, sort="o.order_id", order="DESC", filter_order_status_id=zero)
            requests += 1
            reads.reader.prime(got.rows)
            newest = max([newest, *(r.order_id for r in got.rows)])
            if not every or not got.rows or page >= got.pages:
                break
            page += 1
    return newest, requests
