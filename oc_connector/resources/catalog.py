"""Products and customers: ``read`` and ``query`` over the admin lists (spec 10.7).

The catalog API has no product or customer routes, so both come from the admin pages
(``catalog/product``, ``customer/customer``), whose own filters do the work:

* products: ``name`` and ``model`` prefix matches, ``price`` a prefix of the stored price,
  ``quantity`` and ``status`` equal;
* customers: ``name`` a substring, ``email`` a prefix, ``customer_group_id``, ``status``, ``ip``
  equal, ``date_added`` one day.

``read(id)`` pages through the list (sorted by name) until the id shows: the lists have no id
filter and the edit pages are not read by the connector, so a read costs up to one request per
list page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from oc_connector.admin.order_records import CustomerListRow, ProductListRow
from oc_connector.admin.reads import FilterValue
from oc_connector.admin.records import ListPage
from oc_connector.errors import AdminNotFoundError
from oc_connector.resources.base import Found, Rows, check_date, check_decimal, check_id, refuse, require

__all__ = ["CatalogAdmin", "Customers", "Products"]

_ADMIN = "admin credentials (an AdminClient)"
T = TypeVar("T")


class CatalogAdmin(Protocol):
    """The part of :class:`~oc_connector.admin.AdminClient` these resources use."""

    def iter_product_pages(
        self, *, sort: str = ..., order: str = ..., **filters: FilterValue
    ) -> Iterator[ListPage[ProductListRow]]:
        """Every page of the product list."""
        ...

    def iter_customer_pages(
        self, *, sort: str = ..., order: str = ..., **filters: FilterValue
    ) -> Iterator[ListPage[CustomerListRow]]:
        """Every page of the customer list."""
        ...


class _Listed(Generic[T]):
    """A read-only resource over one admin list."""

    kind = "record"

    def __init__(self, *, admin: CatalogAdmin | None) -> None:
        self._admin = admin

    def _pages(self, admin: CatalogAdmin, filters: dict[str, FilterValue]) -> Iterator[ListPage[T]]:
        raise NotImplementedError

    @staticmethod
    def _id(row: T) -> int:
        raise NotImplementedError

    def _rows(self, verb: str, filters: dict[str, FilterValue]) -> Rows[T]:
        admin = require(self._admin, _ADMIN, f"{self.kind}s.{verb}")

        def fetch() -> Iterator[T]:
            for page in self._pages(admin, filters):
                yield from page.rows

        return Rows("admin", fetch)

    def read(self, record_id: int) -> Found[T]:
        """The list row of this id.

        Raises:
            ValidationError: not a positive id.
            ConfigurationError: no admin client.
            AdminNotFoundError: the list does not show this id.
        """
        wanted = check_id(f"{self.kind}_id", record_id)
        for row in self._rows("read", {}):
            if self._id(row) == wanted:
                return Found(row, "admin", wanted)
        raise AdminNotFoundError(f"the shop lists no {self.kind} {wanted}")


def _flag(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise refuse(f"{name} must be True or False", {name: "bool"})
    return int(value)


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise refuse(f"{name} must be non-empty text", {name: "text"})
    return value


class Products(_Listed[ProductListRow]):
    """Read and query products (``catalog/product``, prices in the default currency)."""

    kind = "product"

    def _pages(
        self, admin: CatalogAdmin, filters: dict[str, FilterValue]
    ) -> Iterator[ListPage[ProductListRow]]:
        return admin.iter_product_pages(sort="pd.name", order="ASC", **filters)

    @staticmethod
    def _id(row: ProductListRow) -> int:
        return row.product_id

    def query(
        self, *, name: str | None = None, model: str | None = None, price: Decimal | str | None = None,
        quantity: int | None = None, status: bool | None = None,
    ) -> Rows[ProductListRow]:
        """Products matching the shop's own list filters (see the module), lazily.

        Raises:
            ValidationError: a filter of the wrong type.
            ConfigurationError: no admin client.
        """
        if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)):
            raise refuse("quantity must be an integer", {"quantity": "integer"})
        number = check_decimal("price", price)
        filters: dict[str, FilterValue] = {
            "name": _text("name", name), "model": _text("model", model),
            "price": None if number is None else str(price), "quantity": quantity,
            "status": _flag("status", status),
        }
        return self._rows("query", filters)


class Customers(_Listed[CustomerListRow]):
    """Read and query customers (``customer/customer``)."""

    kind = "customer"

    def _pages(
        self, admin: CatalogAdmin, filters: dict[str, FilterValue]
    ) -> Iterator[ListPage[CustomerListRow]]:
        return admin.iter_customer_pages(sort="name", order="ASC", **filters)

    @staticmethod
    def _id(row: CustomerListRow) -> int:
        return row.customer_id

    def query(
        self, *, name: str | None = None, email: str | None = None, customer_group_id: int | None = None,
        status: bool | None = None, ip: str | None = None, date_added: date | None = None,
    ) -> Rows[CustomerListRow]:
        """Customers matching the shop's own list filters (see the module), lazily.

        Raises:
            ValidationError: a filter of the wrong type.
            ConfigurationError: no admin client.
        """
        group = None if customer_group_id is None else check_id("customer_group_id", customer_group_id)
        day = check_date("date_added", date_added)
        filters: dict[str, FilterValue] = {
            "name": _text("name", name), "email": _text("email", email), "customer_group_id": group,
            "status": _flag("status", status), "ip": _text("ip", ip),
            "date_added": None if day is None else day.isoformat(),
        }
        return self._rows("query", filters)


