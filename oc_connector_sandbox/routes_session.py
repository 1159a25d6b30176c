"""Session-state routes (spec 4.6, 4.7, 4.16-4.18, 4.22-4.24): customer, coupon, reward, vouchers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oc_connector_sandbox import cart
from oc_connector_sandbox.app import NO_PERMISSION, CatalogApp, Request, route
from oc_connector_sandbox.forms import (
    email_valid,
    php_empty,
    php_gt,
    php_lt,
    post_form,
    undefined_key,
    with_warnings,
)
from oc_connector_sandbox.routes_cart import DENIED_OBJECT, METHODS, MODIFIED, forget, token_of
from oc_connector_sandbox.totals import (
    _coupon,
    _voucher_balance,
    format_money,
    reward_balance,
    session_currency,
)

COUPON_OK = "Success: Your coupon discount has been applied!"
COUPON_BAD = "Warning: Coupon is either invalid, expired or reached it's usage limit!"
VOUCHER_OK = "Success: Your gift voucher discount has been applied!"
VOUCHER_BAD = "Warning: Gift Voucher is either invalid or the balance has been used up!"
EMAIL_BAD = "E-Mail Address does not appear to be valid!"
VOUCHER_KEYS = (
    "code",
    "from_name",
    "from_email",
    "to_name",
    "to_email",
    "voucher_theme_id",
    "message",
    "amount",
)


def _strlen(value: str) -> int:
    """utf8_strlen of an escaped value."""
    return len(value)


# -- customer -------------------------------------------------------------------------------------
def _login(app: CatalogApp, req: Request, session: dict[str, Any], customer_id: str) -> bool:
    """Password-less storefront login of a customer by id (needs status 1)."""
    st = app.state
    rows = st.query("SELECT * FROM oc_customer WHERE customer_id = ?", (customer_id,))
    if not rows:
        return False
    found = st.query(
        "SELECT customer_id FROM oc_customer WHERE lower(email) = lower(?) AND status = 1",
        (rows[0]["email"],),
    )
    if not found:
        return False
    session["customer_id"] = int(found[0]["customer_id"])
    st.execute(
        "UPDATE oc_customer SET language_id = 1, ip = ? WHERE customer_id = ?",
        (req.remote_addr, found[0]["customer_id"]),
    )
    return True


@route("api/customer")
def api_customer(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.7."""
    session.pop("customer", None)
    if "api_id" not in session:
        return DENIED_OBJECT
    form = post_form(req)

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    errors: dict[str, str] = {}
    customer_id = text("customer_id")
    if not php_empty(customer_id) and not _login(app, req, session, customer_id):
        errors["warning"] = "You must select a customer!"
    if not 1 <= _strlen(text("firstname")) <= 32:
        errors["firstname"] = "First Name must be between 1 and 32 characters!"
    if not 1 <= _strlen(text("lastname")) <= 32:
        errors["lastname"] = "Last Name must be between 1 and 32 characters!"
    if not email_valid(text("email")):
        errors["email"] = EMAIL_BAD
    if not 3 <= _strlen(text("telephone")) <= 32:
        errors["telephone"] = "Telephone must be between 3 and 32 characters!"
    st = app.state
    display = [
        str(g)
        for g in st.get_setting(
            "config_customer_group_display", [st.get_setting("config_customer_group_id", 1)]
        )
    ]
    posted_group = form.get("customer_group_id")
    if isinstance(posted_group, str) and posted_group in display:
        group: Any = posted_group
    else:
        group = st.get_setting("config_customer_group_id", 1)
    if errors:
        return {"error": errors}
    custom_field = form.get("custom_field")
    session["customer"] = {
        "customer_id": customer_id,
        "customer_group_id": group,
        "firstname": text("firstname"),
        "lastname": text("lastname"),
        "email": text("email"),
        "telephone": text("telephone"),
        "custom_field": custom_field if isinstance(custom_field, dict) else [],
    }
    return {"success": "You have successfully modified customers"}


# -- coupon / voucher redeem ----------------------------------------------------------------------
def _redeem(
    session: dict[str, Any], req: Request, key: str, valid: Callable[[str], bool], bad: str, ok: str
) -> Any:
    """``api/coupon`` / ``api/voucher``: forget the code, then store the posted ``key`` if ``valid``."""
    session.pop(key, None)
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    code = req.p(key) or ""
    if not valid(code):
        return {"error": bad}
    session[key] = code
    return {"success": ok}


@route("api/coupon")
def api_coupon(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.6 and 6.1."""

    def valid(code: str) -> bool:
        lines = cart.cart_lines(app, session, token_of(req))  # read (and purged) even for an empty code
        return bool(code) and _coupon(app, {**session, "coupon": code}, lines) is not None

    return _redeem(session, req, "coupon", valid, COUPON_BAD, COUPON_OK)


@route("api/voucher")
def api_voucher(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.23 and 6.2."""

    def valid(code: str) -> bool:
        return bool(code) and _voucher_balance(app, {"voucher": code}) is not None

    return _redeem(session, req, "voucher", valid, VOUCHER_BAD, VOUCHER_OK)


# -- reward ---------------------------------------------------------------------------------------
@route("api/reward")
def api_reward(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.16: each failing check overwrites the error; the last one wins."""
    session.pop("reward", None)
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    reward = req.p("reward")
    points = reward_balance(app, session)
    total = cart.points_total(cart.cart_lines(app, session, token_of(req)))
    warnings = []
    error = None
    if php_empty(reward):
        error = "Warning: Please enter the amount of reward points to use!"
    if reward is None:
        warnings.append(undefined_key("reward", "catalog/controller/api/reward.php", 28))
    if php_gt(reward, points):
        error = f"Warning: You don't have {reward} reward points!"
    if reward is None:
        warnings.append(undefined_key("reward", "catalog/controller/api/reward.php", 32))
    if php_gt(reward, total):
        error = f"Warning: The maximum number of points that can be applied is {total}!"
    if error is not None:
        return with_warnings(app, warnings, {"error": error})
    value = float(reward or 0)
    session["reward"] = abs(int(value)) if value.is_integer() else abs(value)
    return {"success": "Success: Your reward points discount has been applied!"}


@route("api/reward/maximum")
def api_reward_maximum(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.17."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    return {"maximum": cart.points_total(cart.cart_lines(app, session, token_of(req)))}


@route("api/reward/available")
def api_reward_available(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.18."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    points = reward_balance(app, session)
    return {"points": None if points is None else str(points)}


# -- currency -------------------------------------------------------------------------------------
@route("api/currency")
def api_currency(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.22: any existing code (case-insensitive, status not checked) is stored as posted."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    code = req.p("currency")
    warnings = (
        [] if code is not None else [undefined_key("currency", "catalog/controller/api/currency.php", 13)]
    )
    rows = app.state.query("SELECT code FROM oc_currency WHERE lower(code) = lower(?)", (code or "",))
    if code is None or not rows:
        return with_warnings(app, warnings, {"error": "Warning: Currency code is invalid!"})
    session["currency"] = code
    forget(session, "shipping_method", "shipping_methods")
    return {"success": "Success: Your currency has been changed!"}


# -- sell vouchers --------------------------------------------------------------------------------
def _to_default(app: CatalogApp, session: dict[str, Any], amount: Any) -> Any:
    """``currency->convert(amount, session currency, default)`` as PHP would encode it."""
    try:
        value = float(amount)
    except (TypeError, ValueError):
        value = 0.0
    rate = float(session_currency(app, session)["value"] or 1) or 1.0
    result = value / rate
    return int(result) if result.is_integer() else result


def _voucher_entry(
    app: CatalogApp, session: dict[str, Any], code: Any, data: dict[str, Any]
) -> dict[str, Any]:
    amount = _to_default(app, session, data.get("amount"))
    return {
        "code": code,
        "description": f"{format_money(app, session, float(amount))} Gift Certificate for "
        f"{data.get('to_name', '')}",
        "to_name": data.get("to_name", ""),
        "to_email": data.get("to_email", ""),
        "from_name": data.get("from_name", ""),
        "from_email": data.get("from_email", ""),
        "voucher_theme_id": data.get("voucher_theme_id", ""),
        "message": data.get("message", ""),
        "amount": amount,
    }


@route("api/voucher/add")
def api_voucher_add(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.24: bulk ``voucher[N][...]`` replaces the session vouchers; the single form appends one."""
    if "api_id" not in session:
        return DENIED_OBJECT
    form = post_form(req)
    if "voucher" in form:
        session["vouchers"] = {}
        warnings: list[str] = []
        if isinstance(form["voucher"], dict):
            for entry in form["voucher"].values():
                if isinstance(entry, dict) and all(k in entry for k in VOUCHER_KEYS):
                    session["vouchers"][str(entry["code"])] = _voucher_entry(
                        app, session, entry["code"], entry
                    )
        else:
            warnings.append(
                "<b>Warning</b>: foreach() argument must be of type array|object, string given in "
                "<b><OC_ROOT>/catalog/controller/api/voucher.php</b> on line <b>65</b>"
            )
        forget(session, *METHODS)
        return with_warnings(app, warnings, {"success": MODIFIED})

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    errors: dict[str, str] = {}
    if not 1 <= _strlen(text("from_name")) <= 64:
        errors["from_name"] = "Your Name must be between 1 and 64 characters!"
    if not email_valid(text("from_email")):
        errors["from_email"] = EMAIL_BAD
    if not 1 <= _strlen(text("to_name")) <= 64:
        errors["to_name"] = "Recipient's Name must be between 1 and 64 characters!"
    if not email_valid(text("to_email")):
        errors["to_email"] = EMAIL_BAD
    st = app.state
    low, high = st.get_setting("config_voucher_min", 1), st.get_setting("config_voucher_max", 1000)
    amount = text("amount")
    if php_lt(amount, low) or php_gt(amount, high):
        errors["amount"] = (
            f"Amount must be between {format_money(app, session, float(low))} and "
            f"{format_money(app, session, float(high))}!"
        )
    if errors:
        return {"error": errors}
    code = app.state.rng.randint(0, 2147483647)
    vouchers = session.get("vouchers")
    if not isinstance(vouchers, dict):
        vouchers = session["vouchers"] = {}
    vouchers[str(code)] = _voucher_entry(app, session, code, {k: text(k) for k in VOUCHER_KEYS})
    forget(session, *METHODS)
    return {"success": MODIFIED}
