"""Typed reverse-ETL requests and their validation, done per row before any call to the shop.

A rejected row carries its reasons and never stops the valid ones.

Clearing a field in an update: an absent or empty cell leaves the shop's value unchanged; the
literal :data:`CLEAR` (``<clear>``) clears an optional field: coupon ``products`` / ``categories``
become empty, numbers (``discount``, ``total``, ``uses_total``, ``uses_customer``) and flags
(``logged``, ``shipping``, ``status``) become ``0``, a voucher ``message`` becomes empty. Clearing a
required field (coupon ``name``, ``code``, ``type``, ``date_start``, ``date_end``) is refused
with a reason naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

__all__ = [
    "CLEAR",
    "COUPON_FIELDS",
    "MAX_CELL",
    "CouponRequest",
    "Rejected",
    "VoucherLimits",
    "VoucherRequest",
    "parse_coupon_row",
    "parse_coupon_rows",
    "parse_voucher_row",
    "parse_voucher_rows",
    "reject_duplicates",
]

CLEAR = "<clear>"
"""Cell value that clears an optional field in an update."""

MAX_CELL = 4096
"""Longest accepted cell; longer ones are rejected (hostile or broken input)."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

COUPON_FIELDS = (
    "name", "code", "type", "discount", "total", "logged", "shipping", "products", "categories",
    "date_start", "date_end", "uses_total", "uses_customer", "status",
)
_REQUIRED_COUPON = frozenset({"name", "code", "type", "date_start", "date_end"})
"""Coupon fields that cannot be cleared: name and code are required by the form; the shop needs the
type and both dates for a coupon to apply at all (clearing them would silently disable it)."""


@dataclass(frozen=True)
class VoucherLimits:
    """Voucher amount limits (the shop's ``config_voucher_min`` / ``config_voucher_max``)."""

    minimum: Decimal = Decimal("1")
    maximum: Decimal = Decimal("1000")


@dataclass(frozen=True)
class Rejected:
    """A row refused before any call, with its reasons."""

    key: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        """All reasons in one line."""
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class VoucherRequest:
    """One gift voucher to issue; ``request_key`` is its idempotency key."""

    request_key: str
    to_name: str
    to_email: str
    from_name: str
    from_email: str
    amount: Decimal
    voucher_theme_id: int
    message: str = ""


@dataclass(frozen=True)
class CouponRequest:
    """One coupon to upsert. ``fields`` holds only the given fields (``None`` means clear)."""

    code: str
    fields: Mapping[str, str | tuple[int, ...] | None] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The case-insensitive natural key."""
        return self.code.lower()


def _cell(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def _check_text(value: str, name: str, *, low: int, high: int, reasons: list[str]) -> None:
    if not low <= len(value) <= high:
        reasons.append(f"{name} must be {low}..{high} characters (got {len(value)})")


def _check_email(value: str, name: str, reasons: list[str]) -> None:
    if len(value) > 96:
        reasons.append(f"{name} is longer than 96 characters")
    elif not _EMAIL.match(value):
        reasons.append(f"{name} is not a valid e-mail address")


def _common(row: Mapping[str, str | None], reasons: list[str]) -> None:
    for name, value in row.items():
        if value is not None and len(value) > MAX_CELL:
            reasons.append(f"{name} is longer than {MAX_CELL} characters")
        if value is not None and "\ufffd" in value:
            reasons.append(f"{name} is not valid UTF-8 text")
        if value is not None and "\x00" in value:
            reasons.append(f"{name} contains a NUL character")


def parse_voucher_row(
    row: Mapping[str, str | None], *, limits: VoucherLimits = VoucherLimits()
) -> VoucherRequest | Rejected:
    """Validate one voucher input row.

    Args:
        row: column name to cell text (CSV row or warehouse row as strings).
        limits: amount limits.

    Returns:
        A :class:`VoucherRequest`, or :class:`Rejected` with every reason found.
    """
    reasons: list[str] = []
    _common(row, reasons)
    key = _cell(row, "request_key")
    _check_text(key, "request_key", low=1, high=128, reasons=reasons)
    to_name, from_name = _cell(row, "to_name"), _cell(row, "from_name")
    _check_text(to_name, "to_name", low=1, high=64, reasons=reasons)
    _check_text(from_name, "from_name", low=1, high=64, reasons=reasons)
    to_email, from_email = _cell(row, "to_email"), _cell(row, "from_email")
    _check_email(to_email, "to_email", reasons)
    _check_email(from_email, "from_email", reasons)
    amount = Decimal(0)
    try:
        amount = Decimal(_cell(row, "amount"))
        if not amount.is_finite() or not limits.minimum <= amount <= limits.maximum:
            reasons.append(f"amount must be within {limits.minimum}..{limits.maximum}")
    except InvalidOperation:
        reasons.append("amount is not a number")
    theme = _cell(row, "voucher_theme_id")
    theme_id = int(theme) if theme.isdigit() and theme.isascii() else 0
    if theme_id <= 0:
        reasons.append("voucher_theme_id must be a positive theme id")
    if reasons:
        return Rejected(key=key, reasons=tuple(reasons))
    return VoucherRequest(
        request_key=key, to_name=to_name, to_email=to_email, from_name=from_name,
        from_email=from_email, amount=amount, voucher_theme_id=theme_id, message=_cell(row, "message"),
    )


def _coupon_value(name: str, raw: str, reasons: list[str]) -> str | tuple[int, ...] | None:
    if raw == CLEAR:
        if name in _REQUIRED_COUPON:
            reasons.append(f"{name} is required and cannot be cleared")
        return None
    if name in {"products", "categories"}:
        parts = [p.strip() for p in raw.split(";") if p.strip()]
        if not all(p.isascii() and p.isdigit() for p in parts):
            reasons.append(f"{name} must be ids separated by ';'")
            return ()
        return tuple(int(p) for p in parts)
    checks: dict[str, Callable[[str], bool]] = {
        "type": lambda v: v.upper() in {"P", "F"},
        "discount": _is_decimal,
        "total": _is_decimal,
        "logged": lambda v: v in {"0", "1"},
        "shipping": lambda v: v in {"0", "1"},
        "status": lambda v: v in {"0", "1"},
        "uses_total": lambda v: v.isascii() and v.isdigit(),
        "uses_customer": lambda v: v.isascii() and v.isdigit(),
        "date_start": lambda v: bool(_DATE.match(v)),
        "date_end": lambda v: bool(_DATE.match(v)),
        "name": lambda v: 3 <= len(v) <= 128,
    }
    check = checks.get(name)
    if check is not None and not check(raw):
        reasons.append(f"{name} has an invalid value")
    return raw.upper() if name == "type" else raw


def _is_decimal(value: str) -> bool:
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def parse_coupon_row(row: Mapping[str, str | None]) -> CouponRequest | Rejected:
    """Validate one coupon input row; empty cells are left out (unchanged in an update).

    Returns:
        A :class:`CouponRequest` with the given fields, or :class:`Rejected` with reasons.
    """
    reasons: list[str] = []
    _common(row, reasons)
    code = _cell(row, "code")
    if code == CLEAR:
        reasons.append("code is required and cannot be cleared")
    elif not 3 <= len(code) <= 20:
        reasons.append(f"code must be 3..20 characters (got {len(code)})")
    given: dict[str, str | tuple[int, ...] | None] = {}
    for name in COUPON_FIELDS:
        if name == "code":
            continue
        raw = _cell(row, name)
        if raw:
            given[name] = _coupon_value(name, raw, reasons)
    if reasons:
        return Rejected(key=code, reasons=tuple(reasons))
    return CouponRequest(code=code, fields=given)


def reject_duplicates(
    items: Iterable[VoucherRequest | CouponRequest | Rejected],
) -> list[VoucherRequest | CouponRequest | Rejected]:
    """Reject every row whose key (request_key, or coupon code case-insensitively) repeats.

    All occurrences are rejected: the input is ambiguous about which one is meant.
    """
    listed = list(items)

    def key(item: VoucherRequest | CouponRequest | Rejected) -> str:
        if isinstance(item, VoucherRequest):
            return item.request_key
        if isinstance(item, CouponRequest):
            return item.key
        return item.key.lower() if item.key else ""

    counts: dict[str, int] = {}
    for item in listed:
        counts[key(item)] = counts.get(key(item), 0) + 1
    out: list[VoucherRequest | CouponRequest | Rejected] = []
    for item in listed:
        k = key(item)
        if k and counts[k] > 1:
            reasons = item.reasons if isinstance(item, Rejected) else ()
            name = item.key if isinstance(item, Rejected) else k
            out.append(Rejected(key=name, reasons=(*reasons, f"duplicate key {k!r} in this input")))
        else:
            out.append(item)
    return out


def parse_voucher_rows(rows: Iterable[Mapping[str, str | None]]) -> list[VoucherRequest | Rejected]:
    """Validate voucher input rows (:func:`parse_voucher_row`) and reject repeated keys, in order."""
    items = reject_duplicates(parse_voucher_row(r) for r in rows)
    return [i for i in items if not isinstance(i, CouponRequest)]


def parse_coupon_rows(rows: Iterable[Mapping[str, str | None]]) -> list[CouponRequest | Rejected]:
    """Validate coupon input rows (:func:`parse_coupon_row`) and reject repeated codes, in order."""
    items = reject_duplicates(parse_coupon_row(r) for r in rows)
    return [i for i in items if not isinstance(i, VoucherRequest)]
