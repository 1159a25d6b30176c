"""Parsers for the admin's ``catalog/product`` and ``customer/customer`` lists (spec 10.7).

Pure functions from a page's HTML to :class:`~oc_connector.admin.order_records.ProductListRow`
and :class:`~oc_connector.admin.order_records.CustomerListRow` pages.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from oc_connector.admin.html import _body_rows, _paging, _row_id, _text
from oc_connector.admin.money import parse_money
from oc_connector.admin.order_pages import page_date, page_int
from oc_connector.admin.order_records import CustomerListRow, ProductListRow
from oc_connector.admin.records import ListPage
from oc_connector.errors import AdminPageError

__all__ = ["parse_customer_list", "parse_product_list"]

PRODUCTS = "catalog/product"
CUSTOMERS = "customer/customer"


def _product_row(cells: list[Tag]) -> ProductListRow:
    if len(cells) < 8:
        raise AdminPageError(f"{len(cells)} cells, expected 8", page=PRODUCTS, field="row")
    product_id = _row_id(cells, "product_id")
    where = f"product {product_id}"
    struck = cells[4].find("span", style=lambda s: bool(s) and "line-through" in s)
    special = None
    if isinstance(struck, Tag):
        price = parse_money(_text(struck), page=PRODUCTS, field=f"{where} price")
        offer = cells[4].find("div", class_="text-danger")
        if not isinstance(offer, Tag):
            raise AdminPageError("struck-through price without a special", page=PRODUCTS, field=where)
        special = parse_money(_text(offer), page=PRODUCTS, field=f"{where} special")
    else:
        price = parse_money(_text(cells[4]), page=PRODUCTS, field=f"{where} price")
    return ProductListRow(
        product_id=product_id,
        name=_text(cells[2]),
        model=_text(cells[3]),
        price=price,
        special=special,
        quantity=page_int(_text(cells[5]), page=PRODUCTS, field=f"{where} quantity"),
        status=_text(cells[6]) == "Enabled",
    )


def _customer_row(cells: list[Tag]) -> CustomerListRow:
    if len(cells) < 8:
        raise AdminPageError(f"{len(cells)} cells, expected 8", page=CUSTOMERS, field="row")
    customer_id = _row_id(cells, "customer_id")
    return CustomerListRow(
        customer_id=customer_id,
        name=_text(cells[1]),
        email=_text(cells[2]),
        customer_group=_text(cells[3]),
        status=_text(cells[4]) == "Enabled",
        ip=_text(cells[5]),
        date_added=page_date(_text(cells[6]), page=CUSTOMERS, field=f"customer {customer_id} date_added"),
    )


def parse_product_list(html: str) -> ListPage[ProductListRow]:
    """Parse one page of the ``catalog/product`` list (prices in the default currency).

    Raises:
        AdminPageError: A price or quantity cannot be read.
        AdminError: The page is not a product list.
    """
    soup = BeautifulSoup(html, "html.parser")
    rows = tuple(_product_row(cells) for cells in _body_rows(soup, "#form-product table"))
    page, pages, total, first, last = _paging(soup)
    return ListPage(rows=rows, page=page, pages=pages, total=total, first=first, last=last)


def parse_customer_list(html: str) -> ListPage[CustomerListRow]:
    """Parse one page of the ``customer/customer`` list.

    Raises:
        AdminPageError: A date cannot be read.
        AdminError: The page is not a customer list.
    """
    soup = BeautifulSoup(html, "html.parser")
    rows = tuple(_customer_row(cells) for cells in _body_rows(soup, "#form-customer table"))
    page, pages, total, first, last = _paging(soup)
    return ListPage(rows=rows, page=page, pages=pages, total=total, first=first, last=last)
