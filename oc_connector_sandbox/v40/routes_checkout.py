"""4.0 checkout routes: payment/shipping address, payment/shipping method lists and ``.save``.

Addresses answer field-keyed error objects; the method routes answer strings, and each failing
check overwrites the previous one. A method is chosen with its ``ext.option`` code and only from the
list last fetched on the same session.
"""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox import cart
from oc_connector_sandbox.app import _int
from oc_connector_sandbox.totals import format_money, with_tax
from oc_connector_sandbox.v40 import shop
from oc_connector_sandbox.v40.catalog import Call, route
from oc_connector_sandbox.v40.storefront import php_warning

NO_SHIPPING = "Warning: There are no products that require shipping"
_FIELDS = (
    "firstname",
    "lastname",
    "company",
    "address_1",
    "address_2",
    "postcode",
    "city",
    "zone_id",
    "country_id",
)


def _text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _validate(
    call: Call, form: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str], dict[str, Any] | None]:
    values = {f: _text(form, f) for f in _FIELDS}
    errors: dict[str, str] = {}
    if not 1 <= len(values["firstname"]) <= 32:
        errors["firstname"] = "First Name must be between 1 and 32 characters!"
    if not 1 <= len(values["lastname"]) <= 32:
        errors["lastname"] = "Last Name must be between 1 and 32 characters!"
    if not 3 <= len(values["address_1"]) <= 128:
        errors["address_1"] = "Address 1 must be between 3 and 128 characters!"
    if not 2 <= len(values["city"]) <= 128:
        errors["city"] = "City must be between 3 and 128 characters!"
    rows = call.state.query(
        "SELECT * FROM oc_country WHERE country_id = ? AND status = 1", (_int(values["country_id"]),)
    )
    country = rows[0] if rows else None
    if country and int(country["postcode_required"]) and not 2 <= len(values["postcode"]) <= 10:
        errors["postcode"] = "Postcode must be between 2 and 10 characters for this country!"
    if values["country_id"] == "":
        errors["country"] = "Please select a country!"
    if values["zone_id"] == "":
        errors["zone"] = "Please select a region / state!"
    return values, errors, country


def _address(
    call: Call, form: dict[str, Any], values: dict[str, str], country: dict[str, Any] | None, id_field: str
) -> dict[str, Any]:
    zones = call.state.query("SELECT * FROM oc_zone WHERE zone_id = ? AND status = 1", (values["zone_id"],))
    zone = zones[0] if zones else None
    custom_field = form.get("custom_field")
    return {
        "address_id": form.get(id_field),
        "firstname": values["firstname"],
        "lastname": values["lastname"],
        "company": values["company"],
        "address_1": values["address_1"],
        "address_2": values["address_2"],
        "postcode": values["postcode"],
        "city": values["city"],
        "zone_id": values["zone_id"],
        "zone": zone["name"] if zone else "",
        "zone_code": zone["code"] if zone else "",
        "country_id": _int(values["country_id"]),
        "country": country["name"] if country else "",
        "iso_code_2": country["iso_code_2"] if country else "",
        "iso_code_3": country["iso_code_3"] if country else "",
        "address_format": country["address_format"] if country else "",
        "custom_field": custom_field if custom_field is not None else [],
    }


def _set_address(call: Call, kind: str, line: int) -> Any:
    form = call.post()
    values, errors, country = _validate(call, form)
    if errors:
        return {"error": errors}
    id_field = f"{kind}_address_id"
    if id_field not in form:
        call.warnings.append(
            php_warning(
                f'Undefined array key "{id_field}"', f"catalog/controller/api/sale/{kind}_address.php", line
            )
        )
    call.session[f"{kind}_address"] = _address(call, form, values, country, id_field)
    return {"success": f"Success: {kind.capitalize()} address has been set!"}


@route("api/sale/payment_address")
def payment_address(call: Call) -> Any:
    """The payment address (``payment_address_id`` expected; a warning when it is missing)."""
    return _set_address(call, "payment", 109)


@route("api/sale/shipping_address")
def shipping_address(call: Call) -> Any:
    """The shipping address, only when a cart product needs shipping."""
    if not cart.needs_shipping(shop.lines(call)):
        return {"error": {"warning": NO_SHIPPING}}
    return _set_address(call, "shipping", 113)


# -- payment methods ----------------------------------------------------------------------------------
def payment_methods(call: Call) -> dict[str, Any]:
    """The enabled payment extensions for this cart, by sort order, each with its one ``ext.option``.

    ``free_checkout`` looks at the products with tax plus the gift vouchers sold, before any total
    extension (a redeemed gift voucher does not make the order free); ``cod`` needs shipping.
    """
    items = shop.lines(call)
    found: list[tuple[int, str, str]] = []
    names = {"free_checkout": "Free Checkout", "bank_transfer": "Bank Transfer", "cod": "Cash On Delivery"}
    for code in names:
        if not int(call.setting(f"payment_{code}_status", 0) or 0):
            continue
        if code == "free_checkout":
            total = shop.item_total(call, items) + sum(
                float(v.get("amount") or 0) for _, v in shop.vouchers(call.session)
            )
            if total > 0:
                continue
        if code == "cod" and not cart.needs_shipping(items):
            continue
        found.append((int(call.setting(f"payment_{code}_sort_order", 0) or 0), code, names[code]))
    found.sort(key=lambda m: m[0])
    return {
        code: {
            "code": code,
            "name": name,
            "option": {code: {"code": f"{code}.{code}", "name": name}},
            "sort_order": str(sort),
        }
        for sort, code, name in found
    }


def _needs_payment_address(call: Call) -> bool:
    return (
        bool(int(call.setting("config_checkout_payment_address", 0) or 0))
        and "payment_address" not in call.session
    )


@route("api/sale/payment_method")
def payment_method(call: Call) -> Any:
    """List the payment methods (kept in the session for ``.save``)."""
    error = None
    if not shop.lines(call) and not shop.vouchers(call.session):
        error = "Warning: Products required!"
    if _needs_payment_address(call):
        error = "Warning: Payment address required!"
    if error:
        return {"error": error}
    methods = payment_methods(call)
    if not methods:
        return {"error": "Warning: No payment options are available!"}
    call.session["payment_methods"] = methods
    return {"payment_methods": methods}


@route("api/sale/payment_method.save")
def payment_method_save(call: Call) -> Any:
    """Choose ``ext.option`` from the listed methods."""
    error = "Warning: Payment address required!" if _needs_payment_address(call) else None
    code = call.post().get("payment_method")
    methods = call.session.get("payment_methods")
    chosen = None
    if isinstance(code, str) and isinstance(methods, dict):
        parts = code.split(".")
        group = methods.get(parts[0]) if len(parts) > 1 else None
        chosen = group.get("option", {}).get(parts[1]) if isinstance(group, dict) else None
    if chosen is None:
        error = "Warning: Payment method required!"
    if error:
        return {"error": error}
    call.session["payment_method"] = chosen
    return {"success": "Success: Payment method has been set!"}


# -- shipping methods ---------------------------------------------------------------------------------
def shipping_methods(call: Call) -> dict[str, Any]:
    """The flat rate quote (the only shipping extension), its text with tax in the session currency."""
    if not int(call.setting("shipping_flat_status", 0) or 0):
        return {}
    cost = str(call.setting("shipping_flat_cost", "5.00"))
    tax_class = int(call.setting("shipping_flat_tax_class_id", 9) or 0)
    text = format_money(call.app, call.session, with_tax(call.app, call.session, float(cost), tax_class))
    return {
        "flat": {
            "code": "flat",
            "name": "Flat Rate",
            "quote": {
                "flat": {
                    "code": "flat.flat",
                    "name": "Flat Shipping Rate",
                    "cost": cost,
                    "tax_class_id": str(tax_class),
                    "text": text,
                }
            },
            "sort_order": str(call.setting("shipping_flat_sort_order", 1)),
            "error": False,
        }
    }


@route("api/sale/shipping_method")
def shipping_method(call: Call) -> Any:
    """List the shipping methods for the shipping address (kept in the session for ``.save``)."""
    if not cart.needs_shipping(shop.lines(call)):
        return {"error": NO_SHIPPING}
    if "shipping_address" not in call.session:
        return {"error": "Warning: Shipping address required!"}
    methods = shipping_methods(call)
    if not methods:
        return {"error": "Warning: No Shipping options are available!"}
    call.session["shipping_methods"] = methods
    return {"shipping_methods": methods}


@route("api/sale/shipping_method.save")
def shipping_method_save(call: Call) -> Any:
    """Choose ``ext.option`` from the listed quotes."""
    if not cart.needs_shipping(shop.lines(call)):
        return {"error": NO_SHIPPING}
    error = None if "shipping_address" in call.session else "Warning: Shipping address required!"
    code = call.post().get("shipping_method")
    quote = None
    if isinstance(code, str):
        parts = code.split(".")
        group = (call.session.get("shipping_methods") or {}).get(parts[0]) if len(parts) > 1 else None
        quote = (group.get("quote") or {}).get(parts[1]) if isinstance(group, dict) else None
    if quote is None:
        error = "Warning: Shipping method required!"
    if error:
        return {"error": error}
    call.session["shipping_method"] = quote
    return {"success": "Success: Shipping method has been set!"}
