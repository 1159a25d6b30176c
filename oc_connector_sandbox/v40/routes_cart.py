"""4.0 cart routes: api/sale/cart, cart.add, cart.edit, cart.remove, voucher.add, voucher.remove.

``cart.add`` takes one product (``option_<id>`` / ``warning`` errors), ``cart.edit`` and
``cart.remove`` answer success for any key; session gift vouchers are a PHP list removed by index.
None of them unsets the chosen shipping or payment method (4.0.2.3).
"""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox import cart
from oc_connector_sandbox.app import _int
from oc_connector_sandbox.forms import email_valid, php_empty, php_gt, php_lt
from oc_connector_sandbox.v40 import shop
from oc_connector_sandbox.v40.catalog import Call, route

MODIFIED = "Success: You have modified your shopping cart!"
STOCK = "Products marked with *** are not available in the desired quantity or not in stock!"
EMAIL_BAD = "E-Mail Address does not appear to be valid!"


@route("api/sale/cart")
def cart_index(call: Call) -> Any:
    """Products, session vouchers (key = list index) and totals; ``error.stock`` when short."""
    out: dict[str, Any] = {}
    items = shop.lines(call)
    stock_checkout = int(call.setting("config_stock_checkout", 0) or 0)
    if not cart.has_stock(items) and (
        not stock_checkout or int(call.setting("config_stock_warning", 0) or 0)
    ):
        out["error"] = {"stock": STOCK}
    result = shop.totals(call)
    out["products"] = shop.cart_json(call, items)
    out["vouchers"] = [
        {
            "key": key,
            "description": f"{shop.money(call, float(v.get('amount') or 0))} Gift certificate for "
            f"{v.get('to_name', '')}",
            "amount": shop.money(call, float(v.get("amount") or 0)),
        }
        for key, v in shop.vouchers(call.session)
    ]
    out["totals"] = [{"title": t.title, "text": shop.money(call, t.value)} for t in result.totals]
    out["shipping_required"] = cart.needs_shipping(items)
    return out


@route("api/sale/cart.add")
def cart_add(call: Call) -> Any:
    """Add one product (its required options checked); stock is not checked."""
    form = call.post()
    raw_id, raw_qty = form.get("product_id"), form.get("quantity")
    product_id = _int(raw_id) if isinstance(raw_id, str) else 0
    quantity = _int(raw_qty) if isinstance(raw_qty, str) else 1
    raw_option = form.get("option")
    option = {k: v for k, v in raw_option.items() if not php_empty(v)} if isinstance(raw_option, dict) else {}
    errors: dict[str, str] = {}
    if cart.available_product(call.app, product_id) is None:
        errors["warning"] = "Warning: Product could not be found!"
    else:
        for po in cart.product_options(call.app, product_id):
            if int(po["required"]) and php_empty(option.get(str(po["product_option_id"]))):
                errors[f"option_{po['product_option_id']}"] = f"{po['name']} required!"
    if errors:
        return {"error": errors}
    cart.add_item(call.app, shop.guest_view(call.session), call.token, product_id, quantity, option)
    return {"success": MODIFIED}


@route("api/sale/cart.edit")
def cart_edit(call: Call) -> Any:
    """Set a line's quantity (POST ``key``, ``quantity``); any key succeeds."""
    form = call.post()
    key = _int(form["key"]) if isinstance(form.get("key"), str) else 0
    quantity = _int(form["quantity"]) if isinstance(form.get("quantity"), str) else 1
    cart.update_item(call.app, shop.guest_view(call.session), call.token, key, quantity)
    call.session.pop("reward", None)
    return {"success": MODIFIED}


@route("api/sale/cart.remove")
def cart_remove(call: Call) -> Any:
    """Remove a line (POST ``key``); any key succeeds."""
    form = call.post()
    key = _int(form["key"]) if isinstance(form.get("key"), str) else 0
    cart.remove_item(call.app, shop.guest_view(call.session), call.token, key)
    call.session.pop("reward", None)
    return {"success": MODIFIED}


def _text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


@route("api/sale/voucher.add")
def voucher_add(call: Call) -> Any:
    """Append one gift voucher to sell (amount in the session currency, kept in the default one)."""
    form = call.post()
    errors: dict[str, str] = {}
    if not 1 <= len(_text(form, "from_name")) <= 64:
        errors["from_name"] = "Your Name must be between 1 and 64 characters!"
    if not email_valid(_text(form, "from_email")):
        errors["from_email"] = EMAIL_BAD
    if not 1 <= len(_text(form, "to_name")) <= 64:
        errors["to_name"] = "Recipient's Name must be between 1 and 64 characters!"
    if not email_valid(_text(form, "to_email")):
        errors["to_email"] = EMAIL_BAD
    low, high = call.setting("config_voucher_min", 1), call.setting("config_voucher_max", 1000)
    amount = _text(form, "amount")
    if php_lt(amount, low) or php_gt(amount, high):
        errors["amount"] = (
            f"Amount must be between {shop.money(call, float(low))} and {shop.money(call, float(high))}!"
        )
    if errors:
        return {"error": errors}
    value = shop.to_default(call, amount)
    entry = {
        "code": shop.hex_token(call, 32),
        "description": f"{shop.money(call, value)} Gift certificate for {_text(form, 'to_name')}",
        "to_name": _text(form, "to_name"),
        "to_email": _text(form, "to_email"),
        "from_name": _text(form, "from_name"),
        "from_email": _text(form, "from_email"),
        "voucher_theme_id": _text(form, "voucher_theme_id"),
        "message": _text(form, "message"),
        "amount": int(value) if value.is_integer() else value,
    }
    items = shop.vouchers(call.session)
    items.append((max((k for k, _ in items), default=-1) + 1, entry))
    shop.set_vouchers(call.session, items)
    return {"success": MODIFIED}


@route("api/sale/voucher.remove")
def voucher_remove(call: Call) -> Any:
    """Remove the session voucher at index ``key`` (the cart language file: success text, raw error key)."""
    form = call.post()
    key = _int(form["key"]) if isinstance(form.get("key"), str) else None
    items = shop.vouchers(call.session)
    if key is None or key not in {k for k, _ in items}:
        return {"error": "error_voucher"}
    shop.set_vouchers(call.session, [(k, v) for k, v in items if k != key])
    call.session.pop("reward", None)
    return {"success": MODIFIED}
