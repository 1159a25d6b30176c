"""Warehouse tables that only the admin pages fill: order lines, totals, sold vouchers, dimensions.

Loaded by the sync when admin credentials are configured (the catalog API's ``order/info`` returns
the order header only). Without admin credentials they stay empty, and the marts and the run's
metadata say so. Every table is keyed by ``shop``, like the order tables.

Money on the order pages is shown in the order's own currency, rounded to its display precision,
with tax included in the line's unit price and line total (``config_tax``, the default): the
columns keep exactly those amounts, with ``currency_code`` beside them. ``opencart_products.price``
is in the shop's default currency, as the product list shows it.
"""

from __future__ import annotations

import sqlalchemy as sa

from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.orders_schema import MONEY, TS

__all__ = [
    "DETAIL_TABLES",
    "opencart_customers",
    "opencart_order_products",
    "opencart_order_totals",
    "opencart_order_vouchers",
    "opencart_products",
]

opencart_order_products = sa.Table(
    "opencart_order_products",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),  # 0-based, page order
    sa.Column("product_id", sa.BigInteger, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", MONEY, nullable=False),  # tax included, order currency
    sa.Column("line_total", MONEY, nullable=False),  # tax included, order currency
    sa.Column("currency_code", sa.String(3), nullable=True),
    sa.Column("options", sa.Text, nullable=False),  # JSON list of {"name", "value"}
    sa.Column("options_text", sa.Text, nullable=False),  # "Size: L; Colour: Red"
    sa.Column("_synced_at", TS, nullable=False),
)

opencart_order_totals = sa.Table(
    "opencart_order_totals",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),  # 0-based, sort order
    # sub_total, shipping, tax, coupon, voucher, reward, credit, handling, low_order_fee, total;
    # NULL when the title matches none of the standard order-total extensions
    sa.Column("code", sa.String(32), nullable=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("value", MONEY, nullable=False),  # order currency
    sa.Column("currency_code", sa.String(3), nullable=True),
    sa.Column("_synced_at", TS, nullable=False),
)

opencart_order_vouchers = sa.Table(
    "opencart_order_vouchers",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("line_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("voucher_id", sa.BigInteger, nullable=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("amount", MONEY, nullable=False),  # order currency
    sa.Column("currency_code", sa.String(3), nullable=True),
    sa.Column("_synced_at", TS, nullable=False),
)

opencart_products = sa.Table(
    "opencart_products",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("product_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("sku", sa.Text, nullable=True),
    sa.Column("price", MONEY, nullable=True),  # default currency
    sa.Column("quantity", sa.Integer, nullable=True),
    sa.Column("status", sa.Boolean, nullable=True),
    sa.Column("_synced_at", TS, nullable=False),
)

opencart_customers = sa.Table(
    "opencart_customers",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=True),
    sa.Column("customer_group", sa.Text, nullable=True),
    sa.Column("status", sa.Boolean, nullable=True),
    sa.Column("date_added", sa.Date, nullable=True),
    sa.Column("_synced_at", TS, nullable=False),
)

DETAIL_TABLES = (
    opencart_order_products,
    opencart_order_totals,
    opencart_order_vouchers,
    opencart_products,
    opencart_customers,
)
"""The admin-channel tables, all keyed by ``shop``."""
