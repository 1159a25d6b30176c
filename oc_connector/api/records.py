"""Typed records built from the shop's real response shapes.

Strings from the database become int/Decimal/datetime; MySQL zero dates become ``None``; text
(including HTML entities) is kept as the shop sent it. ``raw`` keeps the original mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from oc_connector.api.order_fields import DATE_FIELDS, INT_FIELDS, JSON_FIELDS, MONEY_FIELDS, RATE_FIELDS
from oc_connector.coerce import to_datetime, to_decimal, to_int

__all__ = [
    "Address",
    "CartContents",
    "CartItem",
    "CartLine",
    "Order",
    "PaymentMethod",
    "ShippingMethodGroup",
    "ShippingQuote",
    "VoucherDraft",
]

# the types of the order/info fields: one table, shared with the warehouse columns
_INT = frozenset({"order_id", *INT_FIELDS})
_DEC = frozenset({*MONEY_FIELDS, *RATE_FIELDS})
_DT = frozenset(DATE_FIELDS)


@dataclass(frozen=True)
class Order:
    """One ``api/order/info`` order, every key typed."""

    order_id: int
    invoice_no: int | None
    invoice_prefix: str
    store_id: int | None
    store_name: str
    store_url: str
    customer_id: int | None
    firstname: str
    lastname: str
    email: str
    telephone: str
    custom_field: Any
    payment_firstname: str
    payment_lastname: str
    payment_company: str
    payment_address_1: str
    payment_address_2: str
    payment_postcode: str
    payment_city: str
    payment_zone_id: int | None
    payment_zone: str
    payment_zone_code: str
    payment_country_id: int | None
    payment_country: str
    payment_iso_code_2: str
    payment_iso_code_3: str
    payment_address_format: str
    payment_custom_field: Any
    payment_method: str
    payment_code: str
    shipping_firstname: str
    shipping_lastname: str
    shipping_company: str
    shipping_address_1: str
    shipping_address_2: str
    shipping_postcode: str
    shipping_city: str
    shipping_zone_id: int | None
    shipping_zone: str
    shipping_zone_code: str
    shipping_country_id: int | None
    shipping_country: str
    shipping_iso_code_2: str
    shipping_iso_code_3: str
    shipping_address_format: str
    shipping_custom_field: Any
    shipping_method: str
    shipping_code: str
    comment: str
    total: Decimal | None
    order_status_id: int | None
    order_status: str | None
    affiliate_id: int | None
    commission: Decimal | None
    language_id: int | None
    language_code: str
    currency_id: int | None
    currency_code: str
    currency_value: Decimal | None
    ip: str
    forwarded_ip: str
    user_agent: str
    accept_language: str
    date_added: datetime | None
    date_modified: datetime | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Order:
        """Build from the ``order`` object of ``api/order/info`` (missing text keys become "")."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "raw":
                continue
            v = data.get(f.name)
            if f.name in _INT:
                values[f.name] = to_int(v)
            elif f.name in _DEC:
                values[f.name] = to_decimal(v)
            elif f.name in _DT:
                values[f.name] = to_datetime(v)
            elif f.name in JSON_FIELDS:
                values[f.name] = v
            elif f.name == "order_status":
                values[f.name] = None if v is None else str(v)
            else:
                values[f.name] = "" if v is None else str(v)
        if values["order_id"] is None:
            raise ValueError("order without order_id")
        return cls(**values, raw=dict(data))


@dataclass(frozen=True)
class Address:
    """A payment or shipping address as api/payment/address and api/shipping/address read it."""

    firstname: str
    lastname: str
    address_1: str
    city: str
    country_id: int
    zone_id: int
    postcode: str = ""
    company: str = ""
    address_2: str = ""
    custom_field: dict[str, str] = field(default_factory=dict)

    def to_form(self) -> list[tuple[str, str]]:
        """POST fields, custom fields in PHP bracket syntax."""
        form = [
            ("firstname", self.firstname),
            ("lastname", self.lastname),
            ("company", self.company),
            ("address_1", self.address_1),
            ("address_2", self.address_2),
            ("city", self.city),
            ("postcode", self.postcode),
            ("country_id", str(self.country_id)),
            ("zone_id", str(self.zone_id)),
        ]
        form += [(f"custom_field[{k}]", v) for k, v in self.custom_field.items()]
        return form


@dataclass(frozen=True)
class VoucherDraft:
    """A gift voucher to put in the cart (api/voucher/add)."""

    from_name: str
    from_email: str
    to_name: str
    to_email: str
    voucher_theme_id: int
    message: str
    amount: Decimal
    code: str | None = None

    def to_pairs(self, prefix: str = "") -> list[tuple[str, str]]:
        """Form fields, optionally wrapped as ``voucher[N][field]`` by ``prefix`` ``voucher[N]``."""
        values = [
            ("from_name", self.from_name),
            ("from_email", self.from_email),
            ("to_name", self.to_name),
            ("to_email", self.to_email),
            ("voucher_theme_id", str(self.voucher_theme_id)),
            ("message", self.message),
            ("amount", str(self.amount)),
        ]
        if self.code is not None:
            values.insert(0, ("code", self.code))
        return [(f"{prefix}[{k}]" if prefix else k, v) for k, v in values]


@dataclass(frozen=True)
class CartItem:
    """A product to put in the cart; ``options`` maps product_option_id to a value or list of values."""

    product_id: int
    quantity: int = 1
    options: dict[int, str | list[str]] = field(default_factory=dict)

    def to_pairs(self, prefix: str = "") -> list[tuple[str, str]]:
        """Form fields (``option[ID]``, ``option[ID][]`` for checkboxes), under ``prefix`` if given."""

        def name(key: str) -> str:
            if not prefix:
                return key
            head, _, rest = key.partition("[")
            return f"{prefix}[{head}]" + (f"[{rest}" if rest else "")

        pairs = [(name("product_id"), str(self.product_id)), (name("quantity"), str(self.quantity))]
        for oid, value in self.options.items():
            if isinstance(value, list):
                pairs += [(name(f"option[{oid}][{i}]"), str(v)) for i, v in enumerate(value)]
            else:
                pairs.append((name(f"option[{oid}]"), str(value)))
        return pairs


@dataclass(frozen=True)
class CartLine:
    """One product line of api/cart/products."""

    cart_id: int
    product_id: int
    name: str
    model: str
    quantity: int
    in_stock: bool
    price_text: str
    total_text: str
    reward: int | None
    options: list[dict[str, Any]]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class CartContents:
    """api/cart/products: lines, session vouchers, totals (title, text) and stock/minimum errors."""

    products: list[CartLine]
    vouchers: list[dict[str, Any]]
    totals: list[tuple[str, str]]
    errors: dict[str, Any]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> CartContents:
        """Build from the decoded body."""
        lines = [
            CartLine(
                cart_id=to_int(p.get("cart_id")) or 0,
                product_id=to_int(p.get("product_id")) or 0,
                name=str(p.get("name", "")),
                model=str(p.get("model", "")),
                quantity=to_int(p.get("quantity")) or 0,
                in_stock=bool(p.get("stock")),
                price_text=str(p.get("price", "")),
                total_text=str(p.get("total", "")),
                reward=to_int(p.get("reward")),
                options=list(p.get("option") or []),
                raw=dict(p),
            )
            for p in data.get("products") or []
        ]
        totals = [(str(t.get("title", "")), str(t.get("text", ""))) for t in data.get("totals") or []]
        err = data.get("error")
        return cls(
            lines, list(data.get("vouchers") or []), totals, dict(err) if isinstance(err, dict) else {}
        )


@dataclass(frozen=True)
class PaymentMethod:
    """One entry of api/payment/methods."""

    code: str
    title: str
    terms: str
    sort_order: int | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> PaymentMethod:
        """Build from one ``payment_methods`` value."""
        return cls(
            str(data.get("code", "")),
            str(data.get("title", "")),
            str(data.get("terms") or ""),
            to_int(data.get("sort_order")),
        )


@dataclass(frozen=True)
class ShippingQuote:
    """One quote (``flat.flat``) of a shipping method group."""

    code: str
    title: str
    cost: Decimal | None
    tax_class_id: int | None
    text: str


@dataclass(frozen=True)
class ShippingMethodGroup:
    """One entry of api/shipping/methods (an extension and its quotes)."""

    title: str
    quotes: dict[str, ShippingQuote]
    sort_order: int | None
    error: str | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ShippingMethodGroup:
        """Build from one ``shipping_methods`` value."""
        quotes = {
            k: ShippingQuote(
                str(q.get("code", "")),
                str(q.get("title", "")),
                to_decimal(q.get("cost")),
                to_int(q.get("tax_class_id")),
                str(q.get("text", "")),
            )
            for k, q in (data.get("quote") or {}).items()
        }
        err = data.get("error")
        return cls(str(data.get("title", "")), quotes, to_int(data.get("sort_order")), err if err else None)
