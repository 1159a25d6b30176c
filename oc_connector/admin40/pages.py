"""Parsers of the OpenCart 4.0.2.3 admin order list and invoice, and the helpers the 4.0 parsers share.

Pure functions from a page's HTML (``sale/order.list``, ``sale/order.invoice``) to the shared
records of :mod:`oc_connector.admin.order_records`; money through
:mod:`oc_connector.admin.money`. The history fragment (``sale/order.history``) has the 3.0 markup
and is read by :func:`oc_connector.admin.html.parse_order_history`.

What 4.0.2.3 shows differently, and what the parsers make of it:

* **Escaping.** The shop stores text input-escaped (``htmlspecialchars``: ``&`` -> ``&amp;``) and
  prints the stored text into its pages unchanged, as 3.0 does; the parsers unescape once, which
  gives what the user typed. ``Smith &amp;amp; Sons Ltd`` in a page (order 312 of the recorded
  shop) is not the page escaping twice: the stored row holds ``Smith &amp;amp; Sons Ltd``,
  because the API client posted the already-escaped text of the customer's address book, and the
  shop escaped it again on input. The parsers keep it (``Smith &amp; Sons Ltd``, what the client
  posted), as the shop's own tables do; collapsing it would make the warehouse differ from them.
* **Empty payment first name.** 4.0.2.3 never copies ``payment_firstname`` into an order made
  through the API; the editor's input is empty and the rendered payment address starts at the
  company (its name line is printed only with a first name), the invoice's with the last name.
  Kept empty: it is what the shop stored.
* **Methods.** The stored ``payment_method`` / ``shipping_method`` are JSON (``{name, code}``);
  the editor shows the name and the code in the hidden ``payment_code`` / ``shipping_code``
  inputs (``bank_transfer.bank_transfer``, ``flat.flat``); the list's hidden ``shipping_method[]``
  is ``10`` or empty (a template slip), not a code, so list rows have no ``shipping_code``.
* **Lists** have 10 rows a page, a Store column, and the same "Showing A to B of N (P Pages)".
* **Order lines** show ``- Points: N`` after their options when they earn reward points; it is
  the line's reward, not an option (an option named "Points" with a whole-number value, last on a
  line, would be read as the reward).
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag

from oc_connector.admin.html import _list_page, _text
from oc_connector.admin.money import parse_money
from oc_connector.admin.order_pages import _list_day, page_date, page_int
from oc_connector.admin.order_records import (
    InvoiceLine,
    InvoiceOrder,
    OrderListRow,
    OrderTotalLine,
    OrderVoucherLine,
)
from oc_connector.admin.records import ListPage
from oc_connector.errors import AdminPageError

__all__ = ["parse_invoice_page", "parse_order_list"]

LIST = "sale/order.list"
INVOICE = "sale/order.invoice"
_POINTS = re.compile(r"Points: (\d+)")


def soup_of(html: str) -> BeautifulSoup:
    """The page's tree (stdlib ``html.parser``, as everywhere in the admin channel)."""
    return BeautifulSoup(html, "html.parser")


def input_value(root: Tag, element_id: str) -> str | None:
    """The ``value`` of the element with this id (a textarea's text); None when there is none."""
    tag = root.find(id=element_id)
    if not isinstance(tag, Tag):
        return None
    if tag.name == "textarea":
        return tag.get_text()
    return str(tag.get("value", ""))


def selected_option(root: Tag, name: str) -> tuple[str, str] | None:
    """``(value, text)`` of the selected option of ``<select name=...>``; None when none is."""
    select = root.find("select", attrs={"name": name})
    option = select.find("option", selected=True) if isinstance(select, Tag) else None
    if not isinstance(option, Tag):
        return None
    return str(option.get("value", "")), _text(option)


def lines_of(tag: Tag) -> tuple[str, ...]:
    """The ``<br/>``-separated lines of a block, stripped, empty ones dropped."""
    return tuple(line for line in (s.strip() for s in tag.get_text("\n").split("\n")) if line)


def line_options(cell: Tag) -> tuple[tuple[tuple[str, str], ...], int]:
    """The ``(name, value)`` options of a product cell and its reward points (0 when not shown)."""
    options: list[tuple[str, str]] = []
    for small in cell.find_all("small"):
        text = " ".join(small.get_text().split()).removeprefix("- ")
        points = _POINTS.fullmatch(text)
        if points:
            return tuple(options), int(points.group(1))  # what follows is the subscription
        name, sep, value = text.partition(": ")
        options.append((name, value) if sep else (text.rstrip(":"), ""))
    return tuple(options), 0


def line_amounts(cells: list[Tag], *, page: str, field: str) -> dict[str, Any]:
    """Quantity, unit price and total of a product row (cells 3 to 5), as record fields."""
    return {
        "quantity": page_int(_text(cells[2]), page=page, field=f"{field} quantity"),
        "price": parse_money(_text(cells[3]), page=page, field=f"{field} price"),
        "total": parse_money(_text(cells[4]), page=page, field=f"{field} total"),
    }


def total_line(cells: list[Tag], *, page: str, where: str) -> OrderTotalLine:
    """A totals row: its title (first cell) and its amount (last cell)."""
    title = _text(cells[0])
    value = parse_money(_text(cells[-1]), page=page, field=f"{where} total line {title!r}")
    return OrderTotalLine(title=title, value=value)


# -- list ----------------------------------------------------------------------------------


def _list_row(cells: list[Tag]) -> OrderListRow:
    if len(cells) < 9:
        raise AdminPageError(f"{len(cells)} cells, expected 9", page=LIST, field="row")
    box = cells[0].find("input", attrs={"name": "selected[]"})
    value = str(box.get("value", "")) if isinstance(box, Tag) else ""
    order_id = page_int(value or _text(cells[1]), page=LIST, field="order_id")
    where = f"order {order_id}"
    total_text = " ".join(_text(cells[5]).split())
    return OrderListRow(
        order_id=order_id,
        customer=_text(cells[3]),
        status=_text(cells[4]),
        total_text=total_text,
        total=parse_money(total_text, page=LIST, field=f"{where} total"),
        date_added=_list_day(_text(cells[6]), field=f"{where} date_added"),
        date_modified=_list_day(_text(cells[7]), field=f"{where} date_modified"),
    )


def parse_order_list(html: str) -> ListPage[OrderListRow]:
    """Parse one page of the order list (the ``sale/order.list`` fragment or the ``sale/order`` page).

    Returns:
        The rows (totals in each order's currency, days only) and the paging.

    Raises:
        AdminPageError: A row's total or date cannot be read.
        AdminError: The page is not an order list.
    """
    return _list_page(html, "#form-order table", _list_row)


# -- invoice -------------------------------------------------------------------------------


def _cards(block: Tag) -> dict[str, Tag]:
    """The ``<strong>Label</strong><br/>value`` cards of an invoice block, by label."""
    out: dict[str, Tag] = {}
    for lead in block.select("div.lead"):
        label = lead.find("strong")
        if isinstance(label, Tag):
            out.setdefault(_text(label), lead)
            label.extract()
    return out


def _card_text(cards: dict[str, Tag], label: str) -> str | None:
    card = cards.get(label)
    return " ".join(card.get_text().split()) if card is not None else None


def _invoice_block(block: Tag) -> InvoiceOrder:
    cards = _cards(block)
    order_id = page_int(_card_text(cards, "Order ID") or "", page=INVOICE, field="order_id")
    where = f"order {order_id}"
    lines: list[InvoiceLine] = []
    vouchers: list[OrderVoucherLine] = []
    totals: list[OrderTotalLine] = []
    body = block.select_one("table tbody")
    rows = body.find_all("tr", recursive=False) if body is not None else []
    for n, row in enumerate(rows, start=1):
        cells = row.find_all("td", recursive=False)
        field = f"{where} line {n}"
        if cells and cells[0].get("colspan"):
            totals.append(total_line(cells, page=INVOICE, where=where))
            continue
        if len(cells) < 5:
            raise AdminPageError(f"{len(cells)} cells, expected 5", page=INVOICE, field=field)
        model = _text(cells[1])
        if not model:  # a product always has a model: a row without one is a sold voucher
            amount = parse_money(_text(cells[4]), page=INVOICE, field=f"{field} amount")
            vouchers.append(OrderVoucherLine(voucher_id=None, description=_text(cells[0]), amount=amount))
            continue
        options, _reward = line_options(cells[0])
        lines.append(
            InvoiceLine(
                name=next((s.strip() for s in cells[0].strings if s.strip()), ""),
                model=model,
                options=options,
                **line_amounts(cells, page=INVOICE, field=field),
            )
        )
    payment, shipping = cards.get("Payment Address"), cards.get("Shipping Address")
    comment = cards.get("Comment")
    return InvoiceOrder(
        order_id=order_id,
        invoice=_card_text(cards, "Invoice") or "",
        date_added=page_date(_card_text(cards, "Date Added") or "", page=INVOICE, field=f"{where} date"),
        payment_method=_card_text(cards, "Payment Method") or "",
        shipping_method=_card_text(cards, "Shipping Method"),
        payment_address=lines_of(payment) if payment is not None else (),
        shipping_address=lines_of(shipping) if shipping is not None else (),
        lines=tuple(lines),
        vouchers=tuple(vouchers),
        totals=tuple(totals),
        comment=comment.get_text().strip() if comment is not None else "",
    )


def parse_invoice_page(html: str) -> tuple[InvoiceOrder, ...]:
    """Parse ``sale/order.invoice``: one block per order, in the order the ids were posted.

    Deleted and unknown ids are skipped by the shop without a message: compare the returned
    ``order_id`` values with the ids asked for. ``invoice`` is the invoice number (prefix and
    number), empty until one is generated; ``voucher_id`` is None (the invoice has no links).

    Raises:
        AdminPageError: The page is not an invoice page, or a field cannot be read.
    """
    soup = soup_of(html)
    title = soup.find("title")
    if not isinstance(title, Tag) or _text(title) != "Invoice":
        raise AdminPageError("not an invoice page", page=INVOICE, field="title")
    return tuple(_invoice_block(block) for block in soup.select('div[style*="page-break-after"]'))
