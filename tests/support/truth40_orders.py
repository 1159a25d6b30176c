"""The 4.0 shop's database rows (``truth40()``) as the admin pages show them: money in the order currency.

The pages format every stored default-currency amount as ``round(value * currency_value, 2)``
(PHP ``round``: half away from zero) in the order's currency; prices and line totals include tax.
Stored texts are input-escaped; a page shows them unescaped once.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.support.recorded_exchanges import truth40

__all__ = [
    "STATUS_NAMES",
    "history_rows",
    "line_rows",
    "method",
    "option_rows",
    "order",
    "shown",
    "text",
    "total_rows",
    "voucher_rows",
]

STATUS_NAMES: dict[int, str] = {int(s["order_status_id"]): s["name"] for s in truth40()["order_statuses"]}


def order(order_id: int) -> dict[str, Any] | None:
    """The shop's row of an order (None: deleted or never made)."""
    found: dict[str, Any] | None = truth40()["orders"][str(order_id)]
    return found


def text(stored: str) -> str:
    """What a page shows of a stored text (unescaped once)."""
    return html.unescape(stored)


def shown(value: str | Decimal, row: dict[str, Any]) -> Decimal:
    """A stored default-currency amount as the order's pages show it."""
    return (Decimal(str(value)) * Decimal(row["currency_value"])).quantize(Decimal("0.01"), ROUND_HALF_UP)


def day(stamp: str) -> date:
    """The day of a stored ``YYYY-MM-DD HH:MM:SS``."""
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").date()


def method(row: dict[str, Any], kind: str) -> tuple[str, str]:
    """``(name, code)`` of the stored payment or shipping method JSON (empty without one)."""
    raw = row[f"{kind}_method"]
    data = json.loads(raw) if raw else {}
    return (data.get("name", ""), data.get("code", "")) if isinstance(data, dict) else ("", "")


def option_rows(row: dict[str, Any], order_product_id: str) -> list[tuple[str, str, str]]:
    """``(name, value, type)`` of a line's stored options, as shown (file values are upload codes)."""
    return [
        (text(o["name"]), text(o["value"]), o["type"])
        for o in row["options"]
        if o["order_product_id"] == order_product_id
    ]


def line_rows(row: dict[str, Any]) -> list[tuple[int, str, str, int, Decimal, Decimal]]:
    """``(product_id, name, model, quantity, unit price, total)`` per line, tax included, as shown."""
    out = []
    for p in row["products"]:
        qty = int(p["quantity"])
        price = Decimal(p["price"]) + Decimal(p["tax"])
        total = Decimal(p["total"]) + Decimal(p["tax"]) * qty
        name, model = text(p["name"]), text(p["model"])
        out.append((int(p["product_id"]), name, model, qty, shown(price, row), shown(total, row)))
    return out


def voucher_rows(row: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """``(description, amount)`` per sold voucher, as shown."""
    return [(text(v["description"]), shown(v["amount"], row)) for v in row["vouchers"]]


def total_rows(row: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """``(title, value)`` per total line, as shown."""
    return [(text(t["title"]), shown(t["value"], row)) for t in row["totals"]]


def history_rows(row: dict[str, Any]) -> Counter[tuple[date, str, str, bool]]:
    """The history rows a page lists (statuses without a name are left out), as a multiset."""
    return Counter(
        (day(h["date_added"]), text(h["comment"]), STATUS_NAMES[int(h["order_status_id"])],
         h["notify"] == "1")
        for h in row["history"]
        if int(h["order_status_id"]) in STATUS_NAMES
    )
