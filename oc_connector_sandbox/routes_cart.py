"""Cart routes: api/cart/add, api/cart/edit, api/cart/remove, api/cart/products (spec 4.2-4.5)."""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox import cart
from oc_connector_sandbox.app import NO_PERMISSION, CatalogApp, Request, _int, route
from oc_connector_sandbox.forms import as_list, php_empty, post_form, undefined_key, with_warnings
from oc_connector_sandbox.totals import compute_totals, format_money, session_vouchers, with_tax

MODIFIED = "Success: You have modified your shopping cart!"
NO_STORE = "Product can not be bought from the store you have choosen!"
STOCK = "Products marked with *** are not available in the desired quantity or not in stock!"
CART_PHP = "catalog/controller/api/cart.php"
DENIED_OBJECT = {"error": {"warning": NO_PERMISSION}}


def token_of(req: Request) -> str:
    """The request's api_token (already authenticated by the session start)."""
    return req.get.get("api_token", "")


def forget(session: dict[str, Any], *keys: str) -> None:
    """Unset session keys."""
    for key in keys:
        session.pop(key, None)


METHODS = ("shipping_method", "shipping_methods", "payment_method", "payment_methods")


@route("api/cart/add")
def api_cart_add(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.2: bulk ``product[N][...]`` (clears the cart, no checks) or single ``product_id``."""
    if "api_id" not in session:
        return DENIED_OBJECT
    form = post_form(req)
    token = token_of(req)
    warnings: list[str] = []
    if "product" in form:
        cart.clear_cart(app, session, token)
        for entry in as_list(form["product"]):
            if not isinstance(entry, dict):
                continue
            for key in ("product_id", "quantity"):
                if key not in entry:
                    warnings.append(undefined_key(key, CART_PHP, 21))
            option = entry.get("option", {})
            cart.add_item(
                app,
                session,
                token,
                _int(str(entry.get("product_id") or "0")),
                _int(str(entry.get("quantity") or "0")),
                option,
            )
    elif "product_id" in form:
        product_id = _int(str(form["product_id"])) if isinstance(form["product_id"], str) else 0
        quantity = _int(form["quantity"]) if isinstance(form.get("quantity"), str) else 1
        raw = form.get("option")
        option = {k: v for k, v in raw.items() if not php_empty(v)} if isinstance(raw, dict) else {}
        if cart.available_product(app, product_id) is None:
            return {"error": {"store": NO_STORE}}
        errors = {
            str(po["product_option_id"]): f"{po['name']} required!"
            for po in cart.product_options(app, product_id)
            if int(po["required"]) and php_empty(option.get(str(po["product_option_id"])))
        }
        if errors:
            return {"error": {"option": errors}}
        cart.add_item(app, session, token, product_id, quantity, option)
    else:
        return []
    forget(session, *METHODS)
    return with_warnings(app, warnings, {"success": MODIFIED})


@route("api/cart/edit")
def api_cart_edit(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.3: set a line's quantity; always succeeds."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    key, quantity = req.p("key"), req.p("quantity")
    warnings = [
        undefined_key(name, CART_PHP, 84) for name, v in (("key", key), ("quantity", quantity)) if v is None
    ]
    cart.update_item(app, session, token_of(req), _int(key or "0"), _int(quantity or "0"))
    forget(session, *METHODS, "reward")
    return with_warnings(app, warnings, {"success": MODIFIED})


@route("api/cart/remove")
def api_cart_remove(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.4: remove a cart line and/or the session voucher with that key."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    key = req.p("key")
    if key is None:
        return []
    cart.remove_item(app, session, token_of(req), _int(key))
    vouchers = session.get("vouchers")
    if isinstance(vouchers, dict):
        vouchers.pop(key, None)
    forget(session, *METHODS, "reward")
    return {"success": MODIFIED}


def _php_number(value: Any) -> Any:
    """A float as PHP's json_encode prints it (whole numbers without ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@route("api/cart/products")
def api_cart_products(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.5: cart lines, session vouchers and totals, formatted in the session currency."""
    if "api_id" not in session:
        return DENIED_OBJECT
    token = token_of(req)
    lines = cart.cart_lines(app, session, token)
    st = app.state
    stock_checkout = int(st.get_setting("config_stock_checkout", 0))
    stock_warning = int(st.get_setting("config_stock_warning", 0))
    strict = not stock_checkout or bool(stock_warning)
    out: dict[str, Any] = {}
    if not cart.has_stock(lines) and strict:
        out["error"] = {"stock": STOCK}
    out["products"] = []
    for line in lines:
        product_total = sum(ln.quantity for ln in lines if ln.product_id == line.product_id)
        if line.minimum > product_total:
            out.setdefault("error", {}).setdefault("minimum", []).append(
                f"Minimum order amount for {line.name} is {line.minimum}!"
            )
        unit = with_tax(app, session, line.price, line.tax_class_id)
        out["products"].append(
            {
                "cart_id": str(line.cart_id),
                "product_id": str(line.product_id),
                "name": line.name,
                "model": line.model,
                "option": line.option,
                "quantity": str(line.quantity),
                "stock": True if line.stock else not strict,
                "shipping": str(line.shipping),
                "price": format_money(app, session, unit),
                "total": format_money(app, session, unit * line.quantity),
                "reward": line.reward,
            }
        )
    out["vouchers"] = [
        {
            "code": v.get("code"),
            "description": v.get("description"),
            "from_name": v.get("from_name"),
            "from_email": v.get("from_email"),
            "to_name": v.get("to_name"),
            "to_email": v.get("to_email"),
            "voucher_theme_id": v.get("voucher_theme_id"),
            "message": v.get("message"),
            "price": format_money(app, session, float(v.get("amount") or 0)),
            "amount": _php_number(v.get("amount")),
        }
        for v in session_vouchers(session)
    ]
    out["totals"] = [
        {"title": t.title, "text": format_money(app, session, t.value)}
        for t in compute_totals(app, session, token)
    ]
    return out
