"""Frozen records read from (and written to) the OpenCart admin pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of an admin list or history fragment.

    Attributes:
        rows: The rows shown on this page.
        page: The page number (from the active pagination item, 1 when absent).
        pages: The page count from "Showing A to B of N (P Pages)".
        total: N from the same text (rows counted by the shop, including hidden ones).
        first: A from the same text (past the end the shop shows A > B).
        last: B from the same text.
    """

    rows: tuple[T, ...]
    page: int
    pages: int
    total: int
    first: int = 0
    last: int = 0


@dataclass(frozen=True)
class CouponRow:
    """One row of the `marketing/coupon` list."""

    coupon_id: int
    name: str
    code: str
    discount: Decimal
    date_start: date
    date_end: date
    status: bool


@dataclass(frozen=True)
class VoucherRow:
    """One row of the `sale/voucher` list (amount parsed from its currency text)."""

    voucher_id: int
    code: str
    from_name: str
    to_name: str
    amount: Decimal
    theme: str
    status: bool
    date_added: date
    order_id: int | None = None


@dataclass(frozen=True)
class CouponForm:
    """Every field of the coupon add/edit form, values unescaped once.

    ``type`` is ``"P"`` (percentage) or ``"F"`` (fixed amount); ``None`` when the
    form selects neither (the form of a coupon id that does not exist).
    """

    name: str
    code: str
    type: str | None = "F"
    discount: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    logged: bool = False
    shipping: bool = False
    products: tuple[int, ...] = field(default=())
    categories: tuple[int, ...] = field(default=())
    date_start: date | None = None
    date_end: date | None = None
    uses_total: int = 1
    uses_customer: int = 1
    status: bool = True

    def to_post(self) -> list[tuple[str, str]]:
        """The form fields in the real form's order, as the browser posts them."""
        out: list[tuple[str, str]] = [
            ("name", self.name),
            ("code", self.code),
            ("type", self.type or ""),
            ("discount", _dec(self.discount)),
            ("total", _dec(self.total)),
            ("logged", "1" if self.logged else "0"),
            ("shipping", "1" if self.shipping else "0"),
            ("product", ""),
        ]
        out += [("coupon_product[]", str(p)) for p in self.products]
        out.append(("category", ""))
        out += [("coupon_category[]", str(c)) for c in self.categories]
        out += [
            ("date_start", self.date_start.isoformat() if self.date_start else ""),
            ("date_end", self.date_end.isoformat() if self.date_end else ""),
            ("uses_total", str(self.uses_total)),
            ("uses_customer", str(self.uses_customer)),
            ("status", "1" if self.status else "0"),
        ]
        return out


@dataclass(frozen=True)
class VoucherForm:
    """Every field of the gift voucher add/edit form, values unescaped once."""

    code: str
    from_name: str
    from_email: str
    to_name: str
    to_email: str
    voucher_theme_id: int | None
    message: str
    amount: Decimal
    status: bool = True

    def to_post(self) -> list[tuple[str, str]]:
        """The form fields in the real form's order."""
        return [
            ("code", self.code),
            ("from_name", self.from_name),
            ("from_email", self.from_email),
            ("to_name", self.to_name),
            ("to_email", self.to_email),
            ("voucher_theme_id", "" if self.voucher_theme_id is None else str(self.voucher_theme_id)),
            ("message", self.message),
            ("amount", _dec(self.amount)),
            ("status", "1" if self.status else "0"),
        ]


@dataclass(frozen=True)
class AdminHistoryRow:
    """One row of the `sale/order/history` fragment (day precision only)."""

    date_added: date
    comment: str
    status: str
    notified: bool


def _dec(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class OrderStatusSettings:
    """The shop's own order status sets from System > Settings > Option (``setting/setting``).

    Attributes:
        processing: ``config_processing_status``: entering one of these subtracts stock and
            confirms coupons, vouchers and rewards.
        complete: ``config_complete_status``: vouchers sold become usable.
    """

    processing: frozenset[int]
    complete: frozenset[int]
