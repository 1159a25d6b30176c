"""Rows of the details tables from the admin records (lines, totals, vouchers, products, customers).

Money is kept exactly as the pages show it (``Decimal``, the order's currency at its display
precision, product prices and line totals tax-inclusive), with the order's ``currency_code`` from
its ``order/info`` header (the pages show only the symbol).

``options`` is a JSON list of ``{"name", "value"}`` objects in page order (a checkbox with two
values gives two entries); ``options_text`` is the same as ``"Name: value; Name: value"`` (empty
without options).

The ``code`` of a total line is read from its title, as the en-gb order-total extensions write it:

* fixed titles: ``Sub-Total`` sub_total, ``Total`` total, ``Store Credit`` credit, ``Handling Fee``
  handling, ``Low Order Fee`` low_order_fee;
* titles with an argument: ``Coupon (CODE)`` coupon, ``Gift Certificate (CODE)`` voucher,
  ``Reward Points (N)`` reward;
* shipping: the title is the shipping method's, equal to the header's ``shipping_method``;
* tax: the title is the tax rate's name (``VAT (20%)``, ``Eco Tax (-2.00)``), shop data with no
  fixed form. A line left after the rules above that stands between ``Sub-Total`` and ``Total``
  with a value of zero or more is a tax line.

Anything else (a third-party extension, a negative unknown line) gets ``NULL``. A third-party
positive line placed between Sub-Total and Total would be read as tax: the pages give no way to
tell them apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from oc_connector.admin.order_records import CustomerListRow, OrderTotalLine, ProductListRow
from oc_connector.sync.details import OrderDetails

__all__ = ["DetailRows", "customer_rows", "detail_rows", "product_rows", "total_codes"]

_FIXED = {
    "Sub-Total": "sub_total",
    "Total": "total",
    "Store Credit": "credit",
    "Handling Fee": "handling",
    "Low Order Fee": "low_order_fee",
}
_WITH_ARGUMENT = (
    (re.compile(r"^Coupon \(.*\)$"), "coupon"),
    (re.compile(r"^Gift Certificate \(.*\)$"), "voucher"),
    (re.compile(r"^Reward Points \(.*\)$"), "reward"),
)


def total_codes(totals: Iterable[OrderTotalLine], *, shipping_method: str | None) -> list[str | None]:
    """The ``code`` of each total line, in order (see the module docstring for the rule)."""
    lines = list(totals)
    codes: list[str | None] = []
    for line in lines:
        code = _FIXED.get(line.title)
        if code is None:
            code = next((c for pattern, c in _WITH_ARGUMENT if pattern.match(line.title)), None)
        if code is None and shipping_method and line.title == shipping_method:
            code = "shipping"
        codes.append(code)
    first = codes.index("sub_total") if "sub_total" in codes else None
    last = len(codes) - 1 - codes[::-1].index("total") if "total" in codes else None
    if first is not None and last is not None:
        for i in range(first + 1, last):
            if codes[i] is None and lines[i].value >= 0:
                codes[i] = "tax"
    return codes


class DetailRows:
    """The rows of ``opencart_order_products``, ``opencart_order_totals`` and ``opencart_order_vouchers``."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []
        self.totals: list[dict[str, Any]] = []
        self.vouchers: list[dict[str, Any]] = []


def detail_rows(
    details: Iterable[OrderDetails],
    *,
    shop: str,
    headers: Mapping[int, Mapping[str, Any]],
    now: datetime,
) -> DetailRows:
    """Rows of the orders' details.

    Args:
        details: what :func:`~oc_connector.sync.details.read_details` read.
        shop: warehouse shop key.
        headers: per order id, its normalised header (``currency_code``, ``shipping_method``).
        now: the sync's time (``_synced_at``).
    """
    out = DetailRows()
    for d in details:
        header = headers.get(d.order_id, {})
        currency = header.get("currency_code") or None
        key = {"shop": shop, "order_id": d.order_id}
        for no, (product_id, line) in enumerate(d.lines):
            options = [{"name": n, "value": v} for n, v in line.options]
            out.lines.append(
                key
                | {
                    "line_no": no,
                    "product_id": product_id,
                    "name": line.name,
                    "model": line.model,
                    "quantity": line.quantity,
                    "unit_price": line.price,
                    "line_total": line.total,
                    "currency_code": currency,
                    "options": json.dumps(options, ensure_ascii=False),
                    "options_text": "; ".join(f"{n}: {v}" for n, v in line.options),
                    "_synced_at": now,
                }
            )
        codes = total_codes(d.totals, shipping_method=header.get("shipping_method"))
        for no, (total, code) in enumerate(zip(d.totals, codes, strict=True)):
            out.totals.append(
                key
                | {
                    "line_no": no,
                    "code": code,
                    "title": total.title,
                    "value": total.value,
                    "currency_code": currency,
                    "_synced_at": now,
                }
            )
        for no, voucher in enumerate(d.vouchers):
            out.vouchers.append(
                key
                | {
                    "line_no": no,
                    "voucher_id": voucher.voucher_id,
                    "description": voucher.description,
                    "amount": voucher.amount,
                    "currency_code": currency,
                    "_synced_at": now,
                }
            )
    return out


def product_rows(products: Iterable[ProductListRow], *, shop: str, now: datetime) -> list[dict[str, Any]]:
    """``opencart_products`` rows: the regular price in the default currency (a special is not kept).

    The list shows no SKU: ``sku`` stays NULL.
    """
    return [
        {
            "shop": shop,
            "product_id": p.product_id,
            "name": p.name,
            "model": p.model,
            "sku": None,
            "price": p.price,
            "quantity": p.quantity,
            "status": p.status,
            "_synced_at": now,
        }
        for p in products
    ]


def customer_rows(customers: Iterable[CustomerListRow], *, shop: str, now: datetime) -> list[dict[str, Any]]:
    """``opencart_customers`` rows (``name`` is the list's ``firstname lastname``)."""
    return [
        {
            "shop": shop,
            "customer_id": c.customer_id,
            "name": c.name,
            "email": c.email or None,
            "customer_group": c.customer_group or None,
            "status": c.status,
            "date_added": c.date_added,
            "_synced_at": now,
        }
        for c in customers
    ]
