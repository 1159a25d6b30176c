"""Checkout routes: payment/shipping addresses and methods (spec 4.13-4.15, 4.19-4.21)."""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox.app import NO_PERMISSION, CatalogApp, Request, route
from oc_connector_sandbox.totals import (
    cart_lines,
    compute_totals_full,
    format_money,
    needs_shipping,
    with_tax,
)

__all__ = ["build_address", "payment_methods_for", "shipping_methods_for"]

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


def _token(req: Request) -> str | None:
    return req.get.get("api_token")


def _validate_address(app: CatalogApp, req: Request, city_max: int) -> tuple[dict[str, str], dict[str, str]]:
    values = {f: (req.p(f) or "") for f in _FIELDS}
    errors: dict[str, str] = {}
    if not 1 <= len(values["firstname"]) <= 32:
        errors["firstname"] = "First Name must be between 1 and 32 characters!"
    if not 1 <= len(values["lastname"]) <= 32:
        errors["lastname"] = "Last Name must be between 1 and 32 characters!"
    if not 3 <= len(values["address_1"]) <= 128:
        errors["address_1"] = "Address 1 must be between 3 and 128 characters!"
    if not 2 <= len(values["city"]) <= city_max:
        errors["city"] = "City must be between 3 and 128 characters!"
    country = _country(app, values["country_id"])
    if country and int(country["postcode_required"]) and not 2 <= len(values["postcode"]) <= 10:
        errors["postcode"] = "Postcode must be between 2 and 10 characters for this country!"
    if values["country_id"] == "":
        errors["country"] = "Please select a country!"
    if values["zone_id"] == "":
        errors["zone"] = "Please select a region / state!"
    return values, errors


def _country(app: CatalogApp, country_id: str) -> dict[str, Any] | None:
    rows = app.state.query("SELECT * FROM oc_country WHERE country_id = ? AND status = 1", (country_id,))
    return rows[0] if rows else None


def build_address(app: CatalogApp, values: dict[str, str], custom_field: Any = None) -> dict[str, Any]:
    """The session address structure of spec 4.13 step 3."""
    country = _country(app, values["country_id"])
    zones = app.state.query("SELECT * FROM oc_zone WHERE zone_id = ? AND status = 1", (values["zone_id"],))
    zone = zones[0] if zones else None
    return {
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
        "country_id": values["country_id"],
        "country": country["name"] if country else "",
        "iso_code_2": country["iso_code_2"] if country else "",
        "iso_code_3": country["iso_code_3"] if country else "",
        "address_format": country["address_format"] if country else "",
        "custom_field": custom_field if custom_field is not None else [],
    }


def _custom_fields(req: Request) -> dict[str, str]:
    out = {}
    for k, v in req.post.items():
        if k.startswith("custom_field[") and k.endswith("]"):
            out[k[len("custom_field[") : -1]] = v
    return out


@route("api/payment/address")
def api_payment_address(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.13."""
    for key in ("payment_address", "payment_methods", "payment_method"):
        session.pop(key, None)
    if "api_id" not in session:
        return {"error": {"warning": NO_PERMISSION}}
    values, errors = _validate_address(app, req, 32)
    if errors:
        return {"error": errors}
    session["payment_address"] = build_address(app, values, _custom_fields(req) or [])
    return {"success": "Success: Payment address has been set!"}


def payment_methods_for(
    app: CatalogApp, session: dict[str, Any], token: str | None
) -> dict[str, dict[str, str]]:
    """Enabled payment extensions offering a method for this cart, sorted by ``sort_order``."""
    st = app.state
    total = compute_totals_full(app, session, token).total
    shipping = needs_shipping(cart_lines(app, session, token))
    found: list[tuple[int, str, str]] = []
    if int(st.get_setting("payment_free_checkout_status", 1)) and total <= 0:
        found.append(
            (int(st.get_setting("payment_free_checkout_sort_order", 1)), "free_checkout", "Free Checkout")
        )
    if int(st.get_setting("payment_bank_transfer_status", 1)):
        minimum = float(st.get_setting("payment_bank_transfer_total", 0) or 0)
        if not (minimum > 0 and minimum > total):
            found.append(
                (int(st.get_setting("payment_bank_transfer_sort_order", 2)), "bank_transfer", "Bank Transfer")
            )
    if int(st.get_setting("payment_cod_status", 1)) and shipping:
        minimum = float(st.get_setting("payment_cod_total", 0.01) or 0)
        if not (minimum > 0 and minimum > total):
            found.append((int(st.get_setting("payment_cod_sort_order", 5)), "cod", "Cash On Delivery"))
    found.sort(key=lambda m: m[0])
    return {
        code: {"code": code, "title": title, "terms": "", "sort_order": str(sort)}
        for sort, code, title in found
    }


@route("api/payment/methods")
def api_payment_methods(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.14."""
    session.pop("payment_methods", None)
    session.pop("payment_method", None)
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    if "payment_address" not in session:
        return {"error": "Warning: Payment address required!"}
    methods = payment_methods_for(app, session, _token(req))
    if not methods:
        return {"payment_methods": [], "error": "Warning: No Payment options are available!"}
    session["payment_methods"] = methods
    return {"payment_methods": methods}


@route("api/payment/method")
def api_payment_method(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.15."""
    session.pop("payment_method", None)
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    error = None
    if "payment_address" not in session:
        error = "Warning: Payment address required!"
    methods = session.get("payment_methods") or {}
    code = req.p("payment_method")
    if not methods:
        error = "Warning: No Payment options are available!"
    elif code is None or code not in methods:
        error = "Warning: Payment method required!"
    if error:
        return {"error": error}
    session["payment_method"] = methods[code]
    return {"success": "Success: Payment method has been set!"}


@route("api/shipping/address")
def api_shipping_address(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.19."""
    for key in ("shipping_address", "shipping_methods", "shipping_method"):
        session.pop(key, None)
    if not needs_shipping(cart_lines(app, session, _token(req))):
        return []
    if "api_id" not in session:
        return {"error": {"warning": NO_PERMISSION}}
    values, errors = _validate_address(app, req, 128)
    if errors:
        return {"error": errors}
    session["shipping_address"] = build_address(app, values, _custom_fields(req) or [])
    return {"success": "Success: Shipping address has been set!"}


def shipping_methods_for(app: CatalogApp, session: dict[str, Any]) -> dict[str, Any]:
    """Quote groups of the enabled shipping extensions (flat only)."""
    st = app.state
    if not int(st.get_setting("shipping_flat_status", 1)):
        return {}
    cost = str(st.get_setting("shipping_flat_cost", "5.00"))
    tax_class = int(st.get_setting("shipping_flat_tax_class_id", 9))
    text = format_money(app, session, with_tax(app, session, float(cost), tax_class))
    return {
        "flat": {
            "title": "Flat Rate",
            "quote": {
                "flat": {
                    "code": "flat.flat",
                    "title": "Flat Shipping Rate",
                    "cost": cost,
                    "tax_class_id": str(tax_class),
                    "text": text,
                }
            },
            "sort_order": str(st.get_setting("shipping_flat_sort_order", 1)),
            "error": False,
        }
    }


@route("api/shipping/methods")
def api_shipping_methods(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.20."""
    session.pop("shipping_methods", None)
    session.pop("shipping_method", None)
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    if not needs_shipping(cart_lines(app, session, _token(req))):
        return {"shipping_methods": []}
    if "shipping_address" not in session:
        return {"error": "Warning: Shipping address required!"}
    methods = shipping_methods_for(app, session)
    if not methods:
        return {"shipping_methods": [], "error": "Warning: No Shipping options are available!"}
    session["shipping_methods"] = methods
    return {"shipping_methods": methods}


def find_quote(session: dict[str, Any], code: str | None) -> dict[str, Any] | None:
    """The session quote for ``group.quote`` or None."""
    if not code:
        return None
    parts = code.split(".")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    group = (session.get("shipping_methods") or {}).get(parts[0])
    if not isinstance(group, dict):
        return None
    quote = (group.get("quote") or {}).get(parts[1])
    return quote if isinstance(quote, dict) else None


@route("api/shipping/method")
def api_shipping_method(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.21."""
    session.pop("shipping_method", None)
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    if not needs_shipping(cart_lines(app, session, _token(req))):
        for key in ("shipping_address", "shipping_methods", "shipping_method"):
            session.pop(key, None)
        return []
    error = None
    if "shipping_address" not in session:
        error = "Warning: Shipping address required!"
    code = req.p("shipping_method")
    if not session.get("shipping_methods"):
        error = "Warning: No Shipping options are available!"
    elif code is None or find_quote(session, code) is None:
        error = "Warning: Shipping method required!"
    if error:
        return {"error": error}
    session["shipping_method"] = find_quote(session, code)
    return {"success": "Success: Shipping method has been set!"}
