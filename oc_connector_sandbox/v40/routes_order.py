"""4.0 order routes: api/sale/order.confirm, .load, .comment, .addHistory, .delete.

``confirm`` reports every failing check at once (an object keyed ``stock``, ``product``,
``minimum``, ``customer``, ``payment_address``, ``shipping_address``, ``shipping_method``,
``payment_method``), then adds the order or, when the session already holds an ``order_id`` (a
previous confirm or ``order.load``), edits that one; the cart is not emptied. ``addHistory`` reads
``order_id`` from the POST body only and sets status 0 when none is posted; ``delete`` answers
success for any id.
"""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox import cart
from oc_connector_sandbox.app import _int
from oc_connector_sandbox.forms import php_empty
from oc_connector_sandbox.totals import compute_totals_full, format_money
from oc_connector_sandbox.v40 import orders, shop
from oc_connector_sandbox.v40.catalog import Call, route

MODIFIED = "Success: You have modified orders!"
NOT_FOUND = "Warning: Order could not be found!"


def _check(call: Call, items: list[Any]) -> dict[str, str]:
    session, errors = call.session, {}
    if items or shop.vouchers(session):
        if not cart.has_stock(items) and not int(call.setting("config_stock_checkout", 0) or 0):
            errors["stock"] = (
                "Warning: Products marked with *** are not available in the desired quantity or not in stock!"
            )
    else:
        errors["product"] = "Warning: Products required!"
    for line in items:
        if line.minimum > sum(o.quantity for o in items if o.product_id == line.product_id):
            # sprintf of the line's boolean "minimum" flag (false): an empty string
            errors["minimum"] = f"Warning: Minimum order amount for {line.name} is !"
            break
    if "customer" not in session:
        errors["customer"] = "Warning: Customer details required!"
    if int(call.setting("config_checkout_payment_address", 0) or 0) and "payment_address" not in session:
        errors["payment_address"] = "Warning: Payment address required!"
    if cart.needs_shipping(items):
        if "shipping_address" not in session:
            errors["shipping_address"] = "Warning: Shipping address required!"
        if "shipping_method" not in session:
            errors["shipping_method"] = "Warning: Shipping method required!"
    else:
        for key in ("shipping_address", "shipping_method", "shipping_methods"):
            session.pop(key, None)
    if php_empty(session.get("payment_method")):
        errors["payment_method"] = "Warning: Payment method required!"
    return errors


@route("api/sale/order.confirm")
def confirm(call: Call) -> Any:
    """Add or edit the session's order and give it a status (POST ``order_status_id``, else the default)."""
    before = dict(call.session)
    items = shop.lines(call)
    errors = _check(call, items)
    if errors:
        return {"error": errors}
    tax_view = shop.guest_view(call.session)
    if "shipping_address" in before:  # the tax addresses were fixed when the request started
        tax_view["shipping_address"] = before["shipping_address"]
    result = compute_totals_full(call.app, tax_view, call.token)
    ships = cart.needs_shipping(items)
    fields = orders.order_fields(call, result.total, ships)
    order_id = orders.save_order(call, fields, items, result.totals, tax_view)
    posted = call.post().get("order_status_id")
    status = _int(posted) if isinstance(posted, str) else int(call.setting("config_order_status_id", 1))
    orders.add_history(call, order_id, status)
    default = {"currency": call.setting("config_currency", "USD")}
    return {
        "order_id": order_id,
        "success": MODIFIED,
        "points": sum(line.reward for line in items),
        "commission": format_money(call.app, default, 0.0),
    }


@route("api/sale/order.load")
def load(call: Call) -> Any:
    """Load order GET ``order_id`` into the session for editing."""
    order_id = _int(call.get("order_id") or "0")
    if not orders.load_order(call, order_id):
        return {"error": NOT_FOUND}
    return {"success": MODIFIED}


@route("api/sale/order.comment")
def comment(call: Call) -> Any:
    """Keep POST ``comment`` for the next confirm."""
    value = call.post().get("comment")
    if value is None:
        return {"error": "Warning: Comment required!"}
    call.session["comment"] = value
    return {"success": MODIFIED}


@route("api/sale/order.addHistory")
def add_history(call: Call) -> Any:
    """POST ``order_id``, ``order_status_id`` (missing: 0), ``comment``, ``notify``, ``override``."""
    form = call.post()

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    order_id = _int(text("order_id"))
    if not call.state.query("SELECT 1 FROM oc_order WHERE order_id = ?", (order_id,)):
        return {"error": NOT_FOUND}
    orders.add_history(
        call, order_id, _int(text("order_status_id")), text("comment"), notify=not php_empty(text("notify"))
    )
    return {"success": MODIFIED}


@route("api/sale/order.delete")
def delete(call: Call) -> Any:
    """Delete POST ``selected[]`` and GET ``order_id``; success whatever they name."""
    selected = call.post().get("selected")
    ids = [_int(v) for v in selected.values() if isinstance(v, str)] if isinstance(selected, dict) else []
    if call.get("order_id") is not None:
        ids.append(_int(call.get("order_id") or "0"))
    for order_id in ids:
        orders.delete_order(call.state, order_id)
    return {"success": MODIFIED}
