"""Read order lines, totals and sold vouchers from the admin pages in a few requests per 100 orders.

The catalog API's ``order/info`` gives the order header only (1 request per order). The admin has
two pages with the rest (spec 10.7):

* ``sale/order/info`` (:meth:`~oc_connector.admin.AdminClient.order_page`): lines with their
  ``product_id``, sold vouchers with their ``voucher_id``, totals; **1 request per order**.
* ``sale/order/invoice`` (:meth:`~oc_connector.admin.AdminClient.order_invoices`): the same lines,
  vouchers and totals of up to ~100 orders per POST (about 3 KB and 3 ms of shop time per order),
  but a line names its product only by name and model, and a voucher has no id.

Strategy: every order's details come from the invoices, ``invoice_batch`` orders per POST (100 by
default); each line's ``product_id`` is found from its (name, model) in the product catalogue,
read once per run from the ``catalog/product`` list (20 products per page; it also refreshes
``opencart_products``). An order falls back to its own ``sale/order/info`` page (1 more request) when

* a line's (name, model) names no catalogued product (renamed or deleted since the order) or
  more than one (two products with the same name and model): the ``product_id`` would be a guess;
* it sold a gift voucher (the invoice has no ``voucher_id``; rare);
* its invoice page does not parse (then every order of that POST is read from its own page, and an
  order whose own page does not parse either is quarantined, alone).

Names are compared as the pages show them (unescaped once), the admin-language product name against
the order line's stored name: an order line keeps the name the product had when it was ordered, so
a renamed product sends its old orders to the fallback, never to a wrong id. On the sandbox's
2,000-order shop this is 1.074 shop requests per order for header, lines and totals together
(2,088 ``order/info`` incl. id gaps and the trailing gap probe, 21 invoices, 33 order pages for
the orders that sold vouchers, 1 product page, 3 customer pages, 1 login: ``bench/bench_details.py``);
the fallback share grows with renames, deletions and duplicates.

Orders the invoice skips (deleted since their header was read) get no details: their rows stay,
and the order row's soft delete covers them when the next read finds the order gone.

On OpenCart 4.0 the order header itself is read from the order's admin page (``sale/order.info``,
which shows each line's ``product_id``), so :func:`read_page_details` takes the details from that
same page, kept by the reader: no invoice, no catalogue, no request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from oc_connector.admin.order_records import (
    AdminOrder,
    CustomerListRow,
    InvoiceLine,
    InvoiceOrder,
    OrderLine,
    OrderTotalLine,
    OrderVoucherLine,
    ProductListRow,
)
from oc_connector.admin.records import ListPage
from oc_connector.errors import AdminNotFoundError, AdminPageError
from oc_connector.secret import redact

__all__ = [
    "AdminDetailsReader",
    "DetailsFailure",
    "DetailsRead",
    "OrderDetails",
    "OrderPageReader",
    "ProductIndex",
    "read_details",
    "read_new_customers",
    "read_page_details",
    "read_products",
]


class AdminDetailsReader(Protocol):
    """What the details reading needs from :class:`oc_connector.admin.AdminClient`."""

    def order_invoices(self, order_ids: Iterable[int], *, batch_size: int = ...) -> Iterator[InvoiceOrder]:
        """Invoice blocks of many orders (deleted ones skipped)."""
        ...

    def order_page(self, order_id: int) -> AdminOrder:
        """One order's page, with product ids."""
        ...

    def iter_product_pages(
        self, *, sort: str = ..., order: str = ..., **filters: Any
    ) -> Iterator[ListPage[ProductListRow]]:
        """Every page of the product list."""
        ...

    def iter_customer_pages(
        self, *, sort: str = ..., order: str = ..., **filters: Any
    ) -> Iterator[ListPage[CustomerListRow]]:
        """Every page of the customer list."""
        ...


class OrderPageReader(Protocol):
    """What :func:`read_page_details` needs (:class:`~oc_connector.admin40.orders.AdminOrderReader`)."""

    def order_page(self, order_id: int) -> AdminOrder:
        """One order's lines (with product ids), sold vouchers and totals."""
        ...


@dataclass(frozen=True)
class OrderDetails:
    """One order's lines (each with its product id), sold vouchers and totals, as the page shows them.

    Attributes:
        source: ``"invoice"`` or ``"order_page"`` (the fallback).
    """

    order_id: int
    lines: tuple[tuple[int, InvoiceLine | OrderLine], ...]
    vouchers: tuple[OrderVoucherLine, ...]
    totals: tuple[OrderTotalLine, ...]
    source: str


@dataclass(frozen=True)
class DetailsFailure:
    """An order whose details page does not parse (quarantined as ``order_details``)."""

    order_id: int
    reason: str


@dataclass
class DetailsRead:
    """What one :func:`read_details` call read."""

    details: list[OrderDetails] = field(default_factory=list)
    failures: list[DetailsFailure] = field(default_factory=list)
    #: orders read from their own page (ambiguous lines, vouchers, unparsable invoice)
    fallbacks: int = 0


class ProductIndex:
    """(name, model) -> product_id over the catalogue; ambiguous or unknown keys resolve to None."""

    def __init__(self, products: Iterable[ProductListRow]) -> None:
        ids: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
        for p in products:
            ids[(p.name, p.model)].add(p.product_id)
        self._ids = dict(ids)

    def resolve(self, line: InvoiceLine) -> int | None:
        """The one catalogued product with the line's name and model, else None."""
        found = self._ids.get((line.name, line.model), set())
        return next(iter(found)) if len(found) == 1 else None


def read_products(admin: AdminDetailsReader) -> list[ProductListRow]:
    """The whole product catalogue (``catalog/product``, sorted by id-unique name+id order).

    Sorted by ``pd.name``: ties come back in no fixed order, so two products with one name could
    trade places across a page boundary; rows are kept by id and the pages are re-read once when
    the count of distinct ids falls short of the list's total.
    """
    for _attempt in range(2):
        seen: dict[int, ProductListRow] = {}
        total = 0
        for page in admin.iter_product_pages():
            total = page.total
            seen.update((p.product_id, p) for p in page.rows)
        if len(seen) >= total:
            break
    return list(seen.values())


def read_new_customers(
    admin: AdminDetailsReader, known: set[int], *, full: bool = False
) -> list[CustomerListRow]:
    """Customers added since the last run: ``c.date_added`` DESC, up to the first page all known.

    Customers are only ever added at the top of that order, so once a whole page holds only
    customers the warehouse has, the rest are known too. Changes to known customers (name, e-mail,
    group, status) are picked up by a ``full`` run, which reads every page.
    """
    out: list[CustomerListRow] = []
    for page in admin.iter_customer_pages(sort="c.date_added", order="DESC"):
        out += page.rows
        if not full and page.rows and all(c.customer_id in known for c in page.rows):
            break
    return out


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _from_page(
    admin: OrderPageReader, order_id: int, out: DetailsRead, *, route: str = "sale/order/info",
    fallback: bool = True,
) -> None:
    out.fallbacks += int(fallback)
    try:
        page = admin.order_page(order_id)
    except AdminNotFoundError:
        return  # deleted since its header was read
    except AdminPageError as exc:
        out.failures.append(DetailsFailure(order_id, redact(f"{route} unreadable: {exc}")[:500]))
        return
    lines = tuple((line.product_id, line) for line in page.lines)
    out.details.append(OrderDetails(order_id, lines, page.vouchers, page.totals, "order_page"))


def read_details(
    admin: AdminDetailsReader, order_ids: Iterable[int], index: ProductIndex, *, batch: int = 50
) -> DetailsRead:
    """Lines, vouchers and totals of ``order_ids`` (see the module docstring for the strategy).

    Args:
        admin: the admin client.
        order_ids: the orders to read.
        index: the product catalogue's (name, model) index.
        batch: orders per invoice POST.

    Returns:
        The details read, the orders whose pages did not parse, and the fallback count.
    """
    out = DetailsRead()
    for chunk in _chunks(sorted(set(order_ids)), max(batch, 1)):
        try:
            blocks: dict[int, InvoiceOrder] | None = {
                b.order_id: b for b in admin.order_invoices(chunk, batch_size=len(chunk))
            }
        except AdminPageError:
            blocks = None  # one block does not parse: find which from each order's own page
        for oid in chunk:
            if blocks is None:
                _from_page(admin, oid, out)
                continue
            block = blocks.get(oid)
            if block is None:
                continue  # deleted since its header was read
            ids = [index.resolve(line) for line in block.lines]
            if block.vouchers or any(i is None for i in ids):
                _from_page(admin, oid, out)
                continue
            lines = tuple((int(i), line) for i, line in zip(ids, block.lines, strict=True) if i is not None)
            out.details.append(OrderDetails(oid, lines, block.vouchers, block.totals, "invoice"))
    return out


def read_page_details(admin: OrderPageReader, order_ids: Iterable[int]) -> DetailsRead:
    """Lines, vouchers and totals of ``order_ids``, each from its own order page (OpenCart 4.0).

    The 4.0 reader serves the page it read the order from (no request); an order whose page
    does not parse is a failure (quarantined as ``order_details``), one gone since is skipped.
    No order counts as a fallback: the page is the source here.
    """
    out = DetailsRead()
    for oid in sorted(set(order_ids)):
        _from_page(admin, oid, out, route="sale/order.info", fallback=False)
    return out
