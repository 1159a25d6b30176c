"""Validation rules of the sandbox's admin forms and login (spec 10.1-10.3), as pure functions.

Values are the posted strings *after* the shop's input escaping (OpenCart validates
``$this->request->post``, which is already ``htmlspecialchars``-escaped), so lengths
are counted on escaped text, as in the real shop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

__all__ = [
    "ATTEMPTS_MESSAGE",
    "LOGIN_MESSAGE",
    "login_locked",
    "validate_coupon",
    "validate_voucher",
]

LOGIN_MESSAGE = "No match for Username and/or Password."
ATTEMPTS_MESSAGE = (
    "Warning: Your account has exceeded allowed number of login attempts. "
    "Please try again in 1 hour or reset password."
)
CODE_MESSAGE = "Code must be between 3 and 10 characters!"
EMAIL_MESSAGE = "E-Mail Address does not appear to be valid!"

# Close to PHP's FILTER_VALIDATE_EMAIL for ordinary addresses.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)


def _len(values: Mapping[str, str], name: str) -> int:
    return len(values.get(name, ""))


def _duplicate(existing_id: int | None, editing_id: int | None) -> bool:
    return existing_id is not None and (editing_id is None or existing_id != editing_id)


def validate_coupon(
    values: Mapping[str, str],
    *,
    can_modify: bool,
    existing_id: int | None,
    editing_id: int | None = None,
) -> tuple[dict[str, str], str | None]:
    """Field errors and warning for a coupon post (both empty: accepted).

    Args:
        values: Posted (escaped) fields.
        can_modify: The user has modify permission on ``marketing/coupon``.
        existing_id: Id of the coupon that has this code (case-insensitive), if any.
        editing_id: The coupon being edited (its own code is allowed).
    """
    fields: dict[str, str] = {}
    warning = None
    if not can_modify:
        warning = "Warning: You do not have permission to modify coupons!"
    if not 3 <= _len(values, "name") <= 128:
        fields["name"] = "Coupon Name must be between 3 and 128 characters!"
    # The message says 10, but the 3.0.x check accepts up to 20 characters.
    if not 3 <= _len(values, "code") <= 20:
        fields["code"] = CODE_MESSAGE
    if _duplicate(existing_id, editing_id):
        warning = "Warning: Coupon code is already in use!"
    return fields, warning


def _amount_below_one(raw: str) -> bool:
    try:
        return float(raw.strip()) < 1
    except ValueError:
        # PHP 8 compares a non-numeric string with an int as strings.
        return raw < "1"


def _bad_email(value: str) -> bool:
    return len(value) > 96 or _EMAIL.match(value) is None


def validate_voucher(
    values: Mapping[str, str],
    *,
    can_modify: bool,
    existing_id: int | None,
    editing_id: int | None = None,
) -> tuple[dict[str, str], str | None]:
    """Field errors (in the form's order) and warning for a gift voucher post."""
    fields: dict[str, str] = {}
    warning = None
    if not can_modify:
        warning = "Warning: You do not have permission to modify vouchers!"
    if not 3 <= _len(values, "code") <= 10:
        fields["code"] = CODE_MESSAGE
    if _duplicate(existing_id, editing_id):
        warning = "Warning: Voucher code is already in use!"
    if not 1 <= _len(values, "from_name") <= 64:
        fields["from_name"] = "Your Name must be between 1 and 64 characters!"
    if _bad_email(values.get("from_email", "")):
        fields["from_email"] = EMAIL_MESSAGE
    if not 1 <= _len(values, "to_name") <= 64:
        fields["to_name"] = "Recipient's Name must be between 1 and 64 characters!"
    if _bad_email(values.get("to_email", "")):
        fields["to_email"] = EMAIL_MESSAGE
    if _amount_below_one(values.get("amount", "")):
        fields["amount"] = "Amount must be greater than or equal to 1!"
    return fields, warning


def login_locked(*, attempts: int, last_attempt: datetime | None, now: datetime, limit: int = 5) -> bool:
    """True when ``attempts`` failures (``oc_customer_login``) lock the user out.

    The shop refuses even the right password once ``limit`` failures were counted and
    the latest is less than an hour old.
    """
    return last_attempt is not None and attempts >= limit and now - timedelta(hours=1) < last_attempt
