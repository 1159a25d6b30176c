"""The admin client's reads of orders, products and customers (spec 10.7).

A mixin of :class:`~oc_connector.admin.client.AdminClient`: the session, retries and page
checks are the client's (``_request`` / ``_pages``); this module only says which route,
which parameters and which parser. Every read is safe to retry, the invoice POST included
(it renders a page and changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TypeVar

import requests

from oc_connector.admin.catalog_pages import parse_customer_list, parse_product_list
from oc_connector.admin.order_pages import parse_order_list, parse_order_page
from oc_connector.admin.order_records import AdminOrder, CustomerListRow, OrderListRow, ProductListRow
from oc_connector.admin.records import ListPage

__all__ = ["AdminReads", "FilterValue"]

T = TypeVar("T")
FilterValue = str | int | None


def list_params(sort: str, order: str, filters: Mapping[str, FilterValue], page: int = 1) -> dict[str, str]:
    """Query parameters of a list page; ``None`` filters are left out, ``0`` is kept (a value)."""
    params = {"sort": sort, "order": order}
    for key, value in filters.items():
        if value is None:
            continue
        params[key if key.startswith("filter_") else f"filter_{key}"] = str(value)
    if page > 1:
        params["page"] = str(page)
    return params


class AdminReads:
    """Order, invoice, product and customer reads, mixed into the admin client."""

    def _request(
        self,
        route: str,
        params: Mapping[str, str] | None = None,
        *,
        data: Sequence[tuple[str, str]] | None = None,
        safe: bool = True,
        missing: str | None = None,
    ) -> requests.Response:
        raise NotImplementedError  # pragma: no cover - provided by AdminClient

    def _pages(
        self, route: str, params: Mapping[str, str], parse: Callable[[str], ListPage[T]]
    ) -> Iterator[ListPage[T]]:
        raise NotImplementedError  # pragma: no cover - provided by AdminClient

    # -- orders ----------------------------------------------------------------------------

    def order_list(
        self, page: int = 1, *, sort: str = "o.order_id", order: str = "DESC", **filters: FilterValue
    ) -> ListPage[OrderListRow]:
        """One page of ``sale/order`` (20 rows on a default shop).

        Args:
            page: 1-based page number.
            sort: ``o.order_id`` (unique: the stable key for paging), ``customer``,
                ``order_status``, ``o.total``, ``o.date_added`` or ``o.date_modified``.
            order: ``DESC`` or ``ASC``.
            **filters: ``filter_order_id``, ``filter_customer``, ``filter_order_status_id``
                (``0`` lists the status-0 "missing" orders, which are never listed otherwise),
                ``filter_order_status`` (comma list), ``filter_total`` (the stored default-currency
                total), ``filter_date_added``, ``filter_date_modified``; the ``filter_`` prefix
                may be left out.

        Raises:
            AdminPageError: A row cannot be read.
            AdminError: The shop refused the page (e.g. no access permission on ``sale/order``).
        """
        listing = self._request("sale/order", list_params(sort, order, filters, page))
        return parse_order_list(listing.text)

    def iter_order_pages(
        self, *, sort: str = "o.order_id", order: str = "DESC", **filters: FilterValue
    ) -> Iterator[ListPage[OrderListRow]]:
        """Every page of ``sale/order``, fetched lazily one at a time (see :meth:`order_list`)."""
        return self._pages("sale/order", list_params(sort, order, filters), parse_order_list)

    def order_page(self, order_id: int) -> AdminOrder:
        """An order's lines, options, sold vouchers, totals, customer and status (``sale/order/info``).

        Raises:
            AdminNotFoundError: The shop has no such order (deleted or never made).
            AdminPageError: A field of the page cannot be read.
        """
        route = "sale/order/info"
        answer = self._request(route, {"order_id": str(order_id)}, missing=f"order {order_id}")
        return parse_order_page(answer.text)

    # -- products and customers ------------------------------------------------------------

    def product_list(
        self, page: int = 1, *, sort: str = "pd.name", order: str = "ASC", **filters: FilterValue
    ) -> ListPage[ProductListRow]:
        """One page of ``catalog/product``, prices in the default currency.

        Filters ``name``, ``model`` and ``price`` are prefix matches; ``quantity`` and ``status``
        are equality (``0`` is a value).
        """
        return parse_product_list(
            self._request("catalog/product", list_params(sort, order, filters, page)).text
        )

    def iter_product_pages(
        self, *, sort: str = "pd.name", order: str = "ASC", **filters: FilterValue
    ) -> Iterator[ListPage[ProductListRow]]:
        """Every page of ``catalog/product``, lazily."""
        return self._pages("catalog/product", list_params(sort, order, filters), parse_product_list)

    def customer_list(
        self, page: int = 1, *, sort: str = "name", order: str = "ASC", **filters: FilterValue
    ) -> ListPage[CustomerListRow]:
        """One page of ``customer/customer``.

        Filters: ``name`` (substring), ``email`` (prefix), ``customer_group_id``, ``status``,
        ``ip``, ``date_added`` (one day).
        """
        return parse_customer_list(
            self._request("customer/customer", list_params(sort, order, filters, page)).text
        )

    def iter_customer_pages(
        self, *, sort: str = "name", order: str = "ASC", **filters: FilterValue
    ) -> Iterator[ListPage[CustomerListRow]]:
        """Every page of ``customer/customer``, lazily."""
        return self._pages("customer/customer", list_params(sort, order, filters), parse_customer_list)
