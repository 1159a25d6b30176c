"""The fields of an ``api/order/info`` order by type: one table for the records and the warehouse columns."""

from __future__ import annotations

__all__ = ["DATE_FIELDS", "INT_FIELDS", "JSON_FIELDS", "MONEY_FIELDS", "RATE_FIELDS", "TEXT_FIELDS"]

INT_FIELDS: tuple[str, ...] = (
    "invoice_no",
    "store_id",
    "customer_id",
    "payment_zone_id",
    "payment_country_id",
    "shipping_zone_id",
    "shipping_country_id",
    "order_status_id",
    "affiliate_id",
    "language_id",
    "currency_id",
)
MONEY_FIELDS: tuple[str, ...] = ("total", "commission")
RATE_FIELDS: tuple[str, ...] = ("currency_value",)
JSON_FIELDS: tuple[str, ...] = ("custom_field", "payment_custom_field", "shipping_custom_field")
DATE_FIELDS: tuple[str, ...] = ("date_added", "date_modified")
TEXT_FIELDS: tuple[str, ...] = (
    "invoice_prefix",
    "store_name",
    "store_url",
    "firstname",
    "lastname",
    "email",
    "telephone",
    "payment_firstname",
    "payment_lastname",
    "payment_company",
    "payment_address_1",
    "payment_address_2",
    "payment_postcode",
    "payment_city",
    "payment_zone",
    "payment_zone_code",
    "payment_country",
    "payment_iso_code_2",
    "payment_iso_code_3",
    "payment_address_format",
    "payment_method",
    "payment_code",
    "shipping_firstname",
    "shipping_lastname",
    "shipping_company",
    "shipping_address_1",
    "shipping_address_2",
    "shipping_postcode",
    "shipping_city",
    "shipping_zone",
    "shipping_zone_code",
    "shipping_country",
    "shipping_iso_code_2",
    "shipping_iso_code_3",
    "shipping_address_format",
    "shipping_method",
    "shipping_code",
    "comment",
    "order_status",
    "language_code",
    "currency_code",
    "ip",
    "forwarded_ip",
    "user_agent",
    "accept_language",
)
