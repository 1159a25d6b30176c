"""The 3.0 sandbox's cart, totals and money code as a 4.0 session sees them, and the 4.0 cart shapes.

4.0's ``api/sale/customer`` does not log the customer in: the cart rows, the reward balance, the
``logged`` coupon rule and store credit all see customer 0, while prices still use the session
customer's group. Shipping quotes carry ``name`` where 3.0 had ``title``. :func:`guest_view` turns a
4.0 session into the session the shared code (``cart``, ``totals``) expects; everything else here
renders its results the 4.0 way.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from oc_connector_sandbox import cart
from oc_connector_sandbox.totals import (
    CartLine,
    TotalsResult,
    compute_totals_full,
    format_money,
    session_currency,
    with_tax,
)

if TYPE_CHECKING:
    from oc_connector_sandbox.v40.catalog import Call

__all__ = [
    "cart_json",
    "guest_view",
    "hex_token",
    "item_total",
    "lines",
    "money",
    "set_vouchers",
    "to_default",
    "totals",
    "vouchers",
]

_HEX = "0123456789abcdef"


def guest_view(session: dict[str, Any]) -> dict[str, Any]:
    """The session as the shared 3.0 code must see it to behave like 4.0 (see the module docstring)."""
    view = dict(session)
    view.pop("customer_id", None)
    customer = view.get("customer")
    if isinstance(customer, dict):
        view["customer"] = {**customer, "customer_id": 0}
    method = view.get("shipping_method")
    if isinstance(method, dict):
        view["shipping_method"] = {**method, "title": method.get("name", "")}
    raw = view.get("vouchers")
    if raw is not None:
        view["vouchers"] = [v for _, v in vouchers(session)]
    return view


def lines(call: Call) -> list[CartLine]:
    """``cart->getProducts()`` of the call's session, in the order MariaDB returns the rows.

    4.0's query has no ``ORDER BY``: when ``oc_cart`` holds rows of other sessions too, MariaDB reads
    them through the ``(api_id, customer_id, session_id, product_id, ...)`` index, so they come by
    product id; when every row is this session's, it scans the table, in insertion order. The
    recordings show both.
    """
    view = guest_view(call.session)
    items = cart.cart_lines(call.app, view, call.token)
    others = call.state.query(
        "SELECT 1 FROM oc_cart WHERE NOT (api_id = ? AND customer_id = 0 AND session_id = ?) LIMIT 1",
        (int(view.get("api_id") or 0), call.token),
    )
    if others:
        items.sort(key=lambda line: (line.product_id, line.cart_id))
    return items


def totals(call: Call) -> TotalsResult:
    """``getTotals``: the order-total extensions over the session (a used-up voucher is forgotten)."""
    view = guest_view(call.session)
    result = compute_totals_full(call.app, view, call.token)
    if "voucher" in call.session and "voucher" not in view:
        del call.session["voucher"]
    return result


def money(call: Call, amount: float) -> str:
    """``currency->format(amount, session currency)``."""
    return format_money(call.app, call.session, amount)


def to_default(call: Call, amount: Any) -> float:
    """``currency->convert(amount, session currency, default)``."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        value = 0.0
    rate = float(session_currency(call.app, call.session)["value"] or 1) or 1.0
    return value / rate


def item_total(call: Call, items: list[CartLine]) -> float:
    """``cart->getTotal()``: the products with tax, before any total extension."""
    return sum(
        with_tax(call.app, call.session, line.price, line.tax_class_id) * line.quantity for line in items
    )


def hex_token(call: Call, length: int) -> str:
    """``oc_token(length)``: lowercase hex from the shop's seeded generator."""
    return "".join(call.state.rng.choice(_HEX) for _ in range(length))


def vouchers(session: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The session's gift vouchers to sell with their PHP array keys (kept after a removal)."""
    raw = session.get("vouchers")
    if isinstance(raw, list):
        return [(i, v) for i, v in enumerate(raw) if isinstance(v, dict)]
    if isinstance(raw, dict):
        return [(int(k), v) for k, v in raw.items() if isinstance(v, dict) and str(k).lstrip("-").isdigit()]
    return []


def set_vouchers(session: dict[str, Any], items: list[tuple[int, dict[str, Any]]]) -> None:
    """Store vouchers keyed as PHP would encode them: a list when the keys are 0..n-1, else an object."""
    if [k for k, _ in items] == list(range(len(items))):
        session["vouchers"] = [v for _, v in items]
    else:
        session["vouchers"] = {str(k): v for k, v in items}


def _upload_name(call: Call, code: str) -> str:
    rows = call.state.query("SELECT name FROM oc_upload WHERE code = ?", (code,))
    return str(rows[0]["name"]) if rows else ""


def _option_json(call: Call, entry: dict[str, Any]) -> dict[str, Any]:
    st = call.state
    po = st.query(
        "SELECT option_id FROM oc_product_option WHERE product_option_id = ?", (entry["product_option_id"],)
    )
    value_id = ""
    if entry["product_option_value_id"] != "":
        pov = st.query(
            "SELECT option_value_id FROM oc_product_option_value WHERE product_option_value_id = ?",
            (entry["product_option_value_id"],),
        )
        value_id = str(pov[0]["option_value_id"]) if pov else ""
    value = entry["value"] if entry["type"] != "file" else _upload_name(call, str(entry["value"]))
    return {
        "product_option_id": int(entry["product_option_id"]),
        "product_option_value_id": entry["product_option_value_id"],
        "option_id": str(po[0]["option_id"]) if po else "",
        "option_value_id": value_id,
        "name": entry["name"],
        "value": value,
        "type": entry["type"],
    }


def cart_json(call: Call, items: list[CartLine]) -> list[dict[str, Any]]:
    """The ``products`` of ``api/sale/cart``: ids as strings, prices with tax in the session currency."""
    out = []
    for line in items:
        summed = sum(other.quantity for other in items if other.product_id == line.product_id)
        unit = with_tax(call.app, call.session, line.price, line.tax_class_id)
        out.append(
            {
                "cart_id": str(line.cart_id),
                "product_id": str(line.product_id),
                "name": line.name,
                "model": line.model,
                "option": [_option_json(call, o) for o in line.option],
                "subscription": "",
                "quantity": str(line.quantity),
                "stock": line.stock,
                "minimum": not line.minimum > summed,
                "reward": line.reward,
                "price": money(call, unit),
                "total": money(call, unit * line.quantity),
            }
        )
    return out


def new_session_id() -> str:
    """A new session id: 26 lowercase hex characters."""
    return secrets.token_hex(13)
