"""4.0 session routes: api/account/login, currency, customer, coupon, voucher, reward, affiliate.

Errors are plain strings here except ``api/sale/customer`` (an object keyed by field). Posting an
empty coupon, voucher, reward or affiliate removes it from the session.
"""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox.app import _int
from oc_connector_sandbox.forms import email_valid, php_empty
from oc_connector_sandbox.totals import _coupon, _voucher_balance
from oc_connector_sandbox.v40 import shop
from oc_connector_sandbox.v40.catalog import Call, fatal, route, write_session
from oc_connector_sandbox.v40.storefront import token_type_error

KEY_ERROR = "Warning: Incorrect API Key!"
EMAIL_BAD = "E-Mail Address does not appear to be valid!"


def _text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


# -- login ----------------------------------------------------------------------------------------
@route("api/account/login")
def login(call: Call) -> Any:
    """POST ``username`` and ``key`` (both non-empty); string errors; a new 26-hex session."""
    form = call.post()
    username, key = form.get("username"), form.get("key")
    if php_empty(username) or php_empty(key):
        return {"error": KEY_ERROR}
    for value, arg in ((username, "#1 ($username)"), (key, "#2 ($key)")):
        if isinstance(value, dict):
            text = token_type_error(
                "Opencart\\Catalog\\Model\\Account\\Api::login", arg, "catalog/model/account/api.php", 15
            )
            return fatal(text, "200 OK")
    st = call.state
    rows = st.query(
        "SELECT api_id FROM oc_api WHERE username = ? AND key = ? AND status = 1", (username, key)
    )
    if not rows:
        return {"error": KEY_ERROR}
    api_id = int(rows[0]["api_id"])
    ips = [str(r["ip"]).strip() for r in st.query("SELECT ip FROM oc_api_ip WHERE api_id = ?", (api_id,))]
    addr = call.req.remote_addr
    if addr not in ips:
        return {"error": f"Warning: Your IP {addr} is not allowed to access this API!"}
    token = shop.new_session_id()
    stamp = st.clock.stamp()
    st.execute(
        "INSERT INTO oc_api_session (api_id, session_id, ip, date_added, date_modified) "
        "VALUES (?, ?, ?, ?, ?)",
        (api_id, token, addr, stamp, stamp),
    )
    write_session(st, token, {"api_id": api_id})
    return {"success": "Success: API session successfully started!", "api_token": token}


# -- currency -------------------------------------------------------------------------------------
@route("api/localisation/currency")
def currency(call: Call) -> Any:
    """An enabled currency (any case) is stored as posted; the next request's startup normalises it."""
    code = _text(call.post(), "currency")
    rows = call.state.query(
        "SELECT code FROM oc_currency WHERE lower(code) = lower(?) AND status = 1", (code,)
    )
    if not rows:
        return {"error": "Warning: Currency could not be found!"}
    call.session["currency"] = code
    return {"success": "Success: Your currency has been changed!"}


# -- customer -------------------------------------------------------------------------------------
@route("api/sale/customer")
def customer(call: Call) -> Any:
    """Set the order's customer (not a login); every failing field is reported."""
    form = call.post()
    st = call.state
    errors: dict[str, str] = {}
    customer_id = _text(form, "customer_id")
    if not php_empty(customer_id) and not st.query(
        "SELECT 1 FROM oc_customer WHERE customer_id = ?", (_int(customer_id),)
    ):
        errors["warning"] = "Warning: Customer could not be found!"
    posted_group = _text(form, "customer_group_id")
    group = (
        _int(posted_group)
        if not php_empty(posted_group)
        else int(st.get_setting("config_customer_group_id", 1))
    )
    if not st.query(
        "SELECT 1 FROM oc_customer_group g JOIN oc_customer_group_description d ON d.customer_group_id = "
        "g.customer_group_id AND d.language_id = 1 WHERE g.customer_group_id = ?",
        (group,),
    ):
        errors["warning"] = "Customer Group does not appear to be valid!"
    if not 1 <= len(_text(form, "firstname")) <= 32:
        errors["firstname"] = "First Name must be between 1 and 32 characters!"
    if not 1 <= len(_text(form, "lastname")) <= 32:
        errors["lastname"] = "Last Name must be between 1 and 32 characters!"
    if not email_valid(_text(form, "email")):
        errors["email"] = EMAIL_BAD
    telephone = _text(form, "telephone")
    # 4.0.2.3's operator precedence: longer than 32 always fails, shorter than 3 only when required.
    if (int(st.get_setting("config_telephone_required", 0) or 0) and len(telephone) < 3) or len(
        telephone
    ) > 32:
        errors["telephone"] = "Telephone must be between 3 and 32 characters!"
    if errors:
        return {"error": errors}
    custom_field = form.get("custom_field")
    call.session["customer"] = {
        "customer_id": customer_id,
        "customer_group_id": posted_group,
        "firstname": _text(form, "firstname"),
        "lastname": _text(form, "lastname"),
        "email": _text(form, "email"),
        "telephone": telephone,
        "custom_field": custom_field if isinstance(custom_field, dict) and custom_field else [],
    }
    call.session.pop("reward", None)
    return {"success": "You have successfully modified customers"}


# -- coupon, voucher, reward, affiliate -----------------------------------------------------------
@route("api/sale/coupon")
def coupon(call: Call) -> Any:
    """Apply a valid coupon for this cart (seen as a guest's), or remove it with an empty code."""
    code = _text(call.post(), "coupon")
    if code:
        view = {**shop.guest_view(call.session), "coupon": code}
        if _coupon(call.app, view, shop.lines(call)) is None:
            return {"error": "Warning: Coupon is either invalid, expired or reached it's usage limit!"}
        call.session["coupon"] = code
        return {"success": "Success: Your coupon discount has been applied!"}
    call.session.pop("coupon", None)
    return {"success": "Success: Your coupon discount has been removed!"}


@route("api/sale/voucher")
def voucher(call: Call) -> Any:
    """Apply a usable gift voucher (as posted), or remove it with an empty code."""
    code = _text(call.post(), "voucher")
    if code:
        if _voucher_balance(call.app, {"voucher": code}) is None:
            return {"error": "Warning: Gift voucher is either invalid or the balance has been used up!"}
        call.session["voucher"] = code
        return {"success": "Success: Your gift voucher discount has been applied!"}
    call.session.pop("voucher", None)
    return {"success": "Success: Your gift voucher discount has been removed!"}


def _points(call: Call) -> int:
    return sum(line.points for line in shop.lines(call) if line.points)


@route("api/sale/reward")
def reward(call: Call) -> Any:
    """Reward points: the session customer is never logged in, so any amount exceeds the balance (0)."""
    form = call.post()
    raw = form.get("reward")
    points = abs(_int(raw)) if isinstance(raw, str) else 0
    maximum = _points(call)
    available = 0  # customer->getRewardPoints() of a session without a logged-in customer
    error = None
    if points:
        if points > available:
            error = f"Warning: You don't have {raw} reward points!"
        if points > maximum:
            error = f"Warning: The maximum number of points that can be applied is {maximum}!"
    if error:
        return {"error": error}
    if points:
        call.session["reward"] = points
        return {"success": "Success: Your reward points discount has been applied!"}
    call.session.pop("reward", None)
    return {"success": "Success: Your reward points discount has been removed!"}


@route("api/sale/reward.maximum")
def reward_maximum(call: Call) -> Any:
    """The points the cart's products cost."""
    return {"maximum": _points(call)}


@route("api/sale/reward.available")
def reward_available(call: Call) -> Any:
    """The logged-in customer's points: always 0 through the API."""
    return {"points": 0}


@route("api/sale/affiliate")
def affiliate(call: Call) -> Any:
    """An affiliate (``oc_customer_affiliate``, absent from the sandbox: none is found), or 0 to remove."""
    form = call.post()
    raw = form.get("affiliate_id")
    affiliate_id = _int(raw) if isinstance(raw, str) else 0
    if affiliate_id:
        has_table = call.state.query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'oc_customer_affiliate'"
        )
        found = has_table and call.state.query(
            "SELECT 1 FROM oc_customer_affiliate WHERE customer_id = ? AND status = 1", (affiliate_id,)
        )
        if not found:
            return {"error": "Warning: Affiliate could not be found!"}
        call.session["affiliate_id"] = affiliate_id
        return {"success": "Success: Affiliate commission will be appliyed to this order!"}
    call.session.pop("affiliate_id", None)
    return {"success": "Success: Your affiliate commission has been removed!"}
