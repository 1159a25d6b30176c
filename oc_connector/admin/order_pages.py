"""Parsers for the admin's order pages: ``sale/order`` (list), ``sale/order/info``, ``sale/order/invoice``.

Pure functions from a page's HTML to the records of :mod:`oc_connector.admin.order_records`
(markup as OpenCart 3.0.5.0 renders it, spec 10.7). A field that cannot be read without
guessing raises :class:`~oc_connector.errors.AdminPageError` naming the page and the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from bs4 import BeautifulSoup, Tag

from oc_connector.admin.html import _body_rows, _paging, _query_int, _text
from oc_connector.admin.money import parse_money, read_money
from oc_connector.admin.order_records import (
    AdminOrder,
    InvoiceLine,
    InvoiceOrder,
    OrderLine,
    OrderListRow,
    OrderTotalLine,
    OrderVoucherLine,
)
from oc_connector.admin.records import ListPage
from oc_connector.errors import AdminPageError

__all__ = ["parse_invoice_page", "parse_order_list", "parse_order_page"]

LIST = "sale/order"
INFO = "sale/order/info"
INVOICE = "sale/order/invoice"
_ORDER_HEADING = re.compile(r"Order \(#(\d+)\)")


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def page_date(text: str, *, page: str, field: str) -> date:
    """A ``d/m/Y`` day as the admin shows it.

    Raises:
        AdminPageError: Not a ``d/m/Y`` date.
    """
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise AdminPageError(f"unreadable date {text.strip()!r}", page=page, field=field) from None


def page_int(text: str, *, page: str, field: str) -> int:
    """A whole number as shown (``2``, ``-1``).

    Raises:
        AdminPageError: Not a whole number.
    """
    shown = text.strip()
    if not re.fullmatch(r"-?\d+", shown):
        raise AdminPageError(f"unreadable number {shown!r}", page=page, field=field)
    return int(shown)


# -- list ----------------------------------------------------------------------------------

ZERO_DAY = "30/11/-0001"
"""How PHP's ``date('d/m/Y')`` shows a ``0000-00-00`` date (the day before 0001-01-01, year -1)."""


def _list_day(text: str, *, field: str) -> date:
    """A list date; a zero date as ``date.min``, which sorts where the shop sorts it (first)."""
    return date.min if text.strip() == ZERO_DAY else page_date(text, page=LIST, field=field)


def _list_row(cells: list[Tag]) -> OrderListRow:
    if len(cells) < 8:
        raise AdminPageError(f"{len(cells)} cells, expected 8", page=LIST, field="row")
    box = cells[0].find("input", attrs={"name": "selected[]"})
    value = str(box.get("value", "")) if isinstance(box, Tag) else ""
    order_id = page_int(value or _text(cells[1]), page=LIST, field="order_id")
    shipping = cells[0].find("input", attrs={"name": "shipping_code[]"})
    where = f"order {order_id}"
    total_text = " ".join(_text(cells[4]).split())
    return OrderListRow(
        order_id=order_id,
        customer=_text(cells[2]),
        status=_text(cells[3]),
        total_text=total_text,
        total=parse_money(total_text, page=LIST, field=f"{where} total"),
        date_added=_list_day(_text(cells[5]), field=f"{where} date_added"),
        date_modified=_list_day(_text(cells[6]), field=f"{where} date_modified"),
        shipping_code=str(shipping.get("value", "")) if isinstance(shipping, Tag) else "",
    )


def parse_order_list(html: str) -> ListPage[OrderListRow]:
    """Parse one page of the ``sale/order`` list.

    Args:
        html: The page's HTML.

    Returns:
        The rows with their totals in each order's currency, and the paging
        ("Showing A to B of N (P Pages)").

    Raises:
        AdminPageError: A row's total or date cannot be read.
        AdminError: The page is not an order list.
    """
    soup = _soup(html)
    rows = tuple(_list_row(cells) for cells in _body_rows(soup, "#form-order table"))
    page, pages, total, first, last = _paging(soup)
    return ListPage(rows=rows, page=page, pages=pages, total=total, first=first, last=last)


# -- shared by info and invoice ------------------------------------------------------------


def _table_with(soup: Tag, header: str) -> Tag | None:
    """The first table whose head row has a cell reading ``header``."""
    for table in soup.find_all("table"):
        head = table.find("thead")
        if isinstance(head, Tag) and any(_text(td) == header for td in head.find_all("td")):
            return table if isinstance(table, Tag) else None
    return None


def _lines_of(cell: Tag) -> tuple[str, ...]:
    """Address lines (``<br />``-separated strings) of a cell."""
    return tuple(line for line in (s.strip() for s in cell.get_text("\n").split("\n")) if line)


def _addresses(soup: Tag) -> tuple[tuple[str, ...], tuple[str, ...]]:
    table = _table_with(soup, "Payment Address")
    if table is None:
        return (), ()
    body = table.find("tbody")
    row = body.find("tr") if isinstance(body, Tag) else None
    cells = row.find_all("td", recursive=False) if isinstance(row, Tag) else []
    payment = _lines_of(cells[0]) if cells else ()
    shipping = _lines_of(cells[1]) if len(cells) > 1 else ()
    return payment, shipping


def _options(cell: Tag) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for small in cell.find_all("small"):
        text = " ".join(small.get_text().split())
        name, sep, value = text.removeprefix("- ").partition(": ")
        if not sep:
            name, value = text.removeprefix("- ").rstrip(":"), ""
        out.append((name, value))
    return tuple(out)


def _comment(soup: Tag) -> str:
    table = _table_with(soup, "Customer Comment")
    if table is None:
        return ""
    body = table.find("tbody")
    cell = body.find("td") if isinstance(body, Tag) else None
    return cell.get_text().strip() if isinstance(cell, Tag) else ""


def _product_rows(soup: Tag, page: str) -> list[list[Tag]]:
    table = _table_with(soup, "Unit Price")
    if table is None:
        raise AdminPageError("no product table", page=page, field="products")
    body = table.find("tbody")
    rows = body.find_all("tr", recursive=False) if isinstance(body, Tag) else []
    return [row.find_all("td", recursive=False) for row in rows]


def _total_line(cells: list[Tag], page: str, where: str) -> OrderTotalLine:
    title = _text(cells[0])
    value = parse_money(_text(cells[-1]), page=page, field=f"{where} total line {title!r}")
    return OrderTotalLine(title=title, value=value)


# -- info ----------------------------------------------------------------------------------


def _labelled(table: Tag | None) -> dict[str, Tag]:
    """Cells of a details table keyed by the tooltip title of the row's button."""
    out: dict[str, Tag] = {}
    if table is None:
        return out
    for row in table.find_all("tr"):
        cells = row.find_all("td", recursive=False)
        button = row.find("button", attrs={"title": True})
        if len(cells) >= 2 and isinstance(button, Tag):
            out[str(button["title"])] = cells[1]
    return out


def _panel_table(soup: BeautifulSoup, title: str) -> Tag | None:
    for heading in soup.select("h3.panel-title"):
        if _text(heading) == title:
            panel = heading.find_parent("div", class_="panel")
            table = panel.find("table") if isinstance(panel, Tag) else None
            return table if isinstance(table, Tag) else None
    return None


def parse_order_page(html: str) -> AdminOrder:
    """Parse ``sale/order/info&order_id=N``: lines, sold vouchers, totals, customer and status.

    Args:
        html: The page's HTML (not the "Page Not Found!" page: check that first).

    Returns:
        The order as the page shows it, money in the order's currency.

    Raises:
        AdminPageError: The page is not an order page, or a field cannot be read.
    """
    soup = _soup(html)
    heading = next((m for h in soup.select("h3.panel-title") if (m := _ORDER_HEADING.search(_text(h)))), None)
    if heading is None:
        raise AdminPageError("no 'Order (#N)' panel", page=INFO, field="order_id")
    order_id = int(heading.group(1))
    where = f"order {order_id}"
    details = _labelled(_panel_table(soup, "Order Details"))
    customer = _labelled(_panel_table(soup, "Customer Details"))
    if "Date Added" not in details or "Customer" not in customer:
        raise AdminPageError("no order or customer details", page=INFO, field=f"{where} details")
    link = customer["Customer"].find("a")
    customer_id = _query_int(str(link.get("href", "")), "customer_id") if isinstance(link, Tag) else None
    options = _panel_table(soup, "Options")
    invoice_cell = options.find("td", id="invoice") if options is not None else None
    reward = "0"
    if options is not None:
        for row in options.find_all("tr"):
            cells = row.find_all("td", recursive=False)
            if len(cells) >= 2 and _text(cells[0]) == "Reward Points":
                reward = _text(cells[1])
    lines: list[OrderLine] = []
    vouchers: list[OrderVoucherLine] = []
    totals: list[OrderTotalLine] = []
    for n, cells in enumerate(_product_rows(soup, INFO), start=1):
        if cells and cells[0].get("colspan"):
            totals.append(_total_line(cells, INFO, where))
            continue
        if len(cells) < 5:
            raise AdminPageError(f"{len(cells)} cells, expected 5", page=INFO, field=f"{where} line {n}")
        anchor = cells[0].find("a")
        href = str(anchor.get("href", "")) if isinstance(anchor, Tag) else ""
        field = f"{where} line {n}"
        if "route=sale/voucher/edit" in href:
            vouchers.append(
                OrderVoucherLine(
                    voucher_id=_query_int(href, "voucher_id"),
                    description=_text(cells[0]),
                    amount=parse_money(_text(cells[4]), page=INFO, field=f"{field} amount"),
                )
            )
            continue
        product_id = _query_int(href, "product_id")
        if not isinstance(anchor, Tag) or product_id is None:
            raise AdminPageError("product row without a product link", page=INFO, field=field)
        lines.append(
            OrderLine(
                product_id=product_id,
                name=_text(anchor),
                model=_text(cells[1]),
                options=_options(cells[0]),
                quantity=page_int(_text(cells[2]), page=INFO, field=f"{field} quantity"),
                price=parse_money(_text(cells[3]), page=INFO, field=f"{field} price"),
                total=parse_money(_text(cells[4]), page=INFO, field=f"{field} total"),
            )
        )
    status = soup.select_one('select[name="order_status_id"] option[selected]')
    status_value = str(status.get("value", "")) if status is not None else ""
    left = right = ""
    if totals:
        shown = read_money(_text(_product_rows(soup, INFO)[-1][-1]), page=INFO, field=f"{where} total")
        left, right = shown.symbol_left, shown.symbol_right
    payment, shipping = _addresses(soup)
    return AdminOrder(
        order_id=order_id,
        date_added=page_date(_text(details["Date Added"]), page=INFO, field=f"{where} date_added"),
        payment_method=_text(details["Payment Method"]) if "Payment Method" in details else "",
        shipping_method=_text(details["Shipping Method"]) if "Shipping Method" in details else None,
        customer=_text(customer["Customer"]),
        customer_id=customer_id,
        customer_group=_text(customer["Customer Group"]) if "Customer Group" in customer else "",
        email=_text(customer["E-Mail"]) if "E-Mail" in customer else "",
        telephone=_text(customer["Telephone"]) if "Telephone" in customer else "",
        invoice=_text(invoice_cell) if isinstance(invoice_cell, Tag) else "",
        reward=page_int(reward, page=INFO, field=f"{where} reward"),
        status_id=int(status_value) if status_value.isdigit() else None,
        currency_left=left,
        currency_right=right,
        payment_address=payment,
        shipping_address=shipping,
        lines=tuple(lines),
        vouchers=tuple(vouchers),
        totals=tuple(totals),
        comment=_comment(soup),
    )


# -- invoice -------------------------------------------------------------------------------


def _invoice_details(block: Tag) -> dict[str, str]:
    """``<b>Label</b> value<br/>`` pairs of the invoice's Order Details cell."""
    out: dict[str, str] = {}
    table = block.find("table")
    for bold in table.find_all("b") if isinstance(table, Tag) else []:
        label = _text(bold).rstrip(":")
        value = bold.next_sibling
        out.setdefault(label, str(value).strip() if value is not None and not isinstance(value, Tag) else "")
    return out


def _invoice_block(block: Tag) -> InvoiceOrder:
    details = _invoice_details(block)
    heading = block.find("h1")
    title = _text(heading) if isinstance(heading, Tag) else ""
    order_id = page_int(details.get("Order ID", ""), page=INVOICE, field=f"block {title!r} order_id")
    where = f"order {order_id}"
    lines: list[InvoiceLine] = []
    vouchers: list[OrderVoucherLine] = []
    totals: list[OrderTotalLine] = []
    for n, cells in enumerate(_product_rows(block, INVOICE), start=1):
        if cells and cells[0].get("colspan"):
            totals.append(_total_line(cells, INVOICE, where))
            continue
        field = f"{where} line {n}"
        if len(cells) < 5:
            raise AdminPageError(f"{len(cells)} cells, expected 5", page=INVOICE, field=field)
        model = _text(cells[1])
        if not model:
            # The shop requires a model on every product: a row without one is a sold voucher.
            vouchers.append(
                OrderVoucherLine(
                    voucher_id=None,
                    description=_text(cells[0]),
                    amount=parse_money(_text(cells[4]), page=INVOICE, field=f"{field} amount"),
                )
            )
            continue
        first = next((s for s in cells[0].strings if s.strip()), "")
        lines.append(
            InvoiceLine(
                name=first.strip(),
                model=model,
                options=_options(cells[0]),
                quantity=page_int(_text(cells[2]), page=INVOICE, field=f"{field} quantity"),
                price=parse_money(_text(cells[3]), page=INVOICE, field=f"{field} price"),
                total=parse_money(_text(cells[4]), page=INVOICE, field=f"{field} total"),
            )
        )
    payment, shipping = _addresses(block)
    return InvoiceOrder(
        order_id=order_id,
        invoice=title.removeprefix("Invoice #") if title.startswith("Invoice #") else "",
        date_added=page_date(details.get("Date Added", ""), page=INVOICE, field=f"{where} date_added"),
        payment_method=details.get("Payment Method", ""),
        shipping_method=details.get("Shipping Method"),
        payment_address=payment,
        shipping_address=shipping,
        lines=tuple(lines),
        vouchers=tuple(vouchers),
        totals=tuple(totals),
        comment=_comment(block),
    )


def parse_invoice_page(html: str) -> tuple[InvoiceOrder, ...]:
    """Parse ``sale/order/invoice``: one block per order, in the order the ids were posted.

    Ids the shop does not have are skipped by the shop without a message, so callers
    compare the returned ``order_id`` values with the ids they asked for.

    Raises:
        AdminPageError: The page is not an invoice page, or a field cannot be read.
    """
    soup = _soup(html)
    title = soup.find("title")
    if not isinstance(title, Tag) or _text(title) != "Invoice":
        raise AdminPageError("not an invoice page", page=INVOICE, field="title")
    blocks = soup.select('div[style*="page-break-after"]')
    return tuple(_invoice_block(block) for block in blocks)
