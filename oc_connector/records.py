"""Typed records built from the shop's real response shapes.

Strings from the database become int/Decimal/datetime; MySQL zero dates become ``None``; text
(including HTML entities) is kept as the shop sent it. ``raw`` keeps the original mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from oc_connector.coerce import to_datetime, to_decimal, to_int

__all__ = ["Order"]

_INT = {
    "order_id", "invoice_no", "store_id", "customer_id", "payment_zone_id", "payment_country_id",
    "shipping_zone_id", "shipping_country_id", "order_status_id", "affiliate_id", "language_id",
    "currency_id",
}  # fmt: skip
_DEC = {"total", "commission", "currency_value"}
_DT = {"date_added", "date_modified"}


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
            elif f.name in ("custom_field", "payment_custom_field", "shipping_custom_field"):
                values[f.name] = v
            elif f.name == "order_status":
                values[f.name] = None if v is None else str(v)
            else:
                values[f.name] = "" if v is None else str(v)
        if values["order_id"] is None:
            raise ValueError("order without order_id")
        return cls(**values, raw=dict(data))
