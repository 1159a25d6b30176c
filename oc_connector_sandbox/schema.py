"""The sandbox shop's SQLite schema: the OpenCart 3.0.5.0 tables the catalog API and admin pages touch.

Column names follow ``upload/install/opencart.sql`` (spec section 7) with the ``oc_`` prefix.
"""

from __future__ import annotations

import sqlite3

__all__ = ["DDL", "ORDER_ADDRESS_COLS", "create_schema"]

ORDER_ADDRESS_COLS = (
    "firstname",
    "lastname",
    "company",
    "address_1",
    "address_2",
    "city",
    "postcode",
    "country",
    "zone",
    "address_format",
)
"""The address columns an order keeps twice, as ``payment_<col>`` and ``shipping_<col>``."""

_ORDER_ADDRESS = (
    ", ".join(
        f"{p}_{c} TEXT NOT NULL DEFAULT ''"
        for p in ("payment", "shipping")
        for c in (*ORDER_ADDRESS_COLS, "custom_field", "method", "code")
    )
    + ", payment_country_id INTEGER NOT NULL DEFAULT 0, payment_zone_id INTEGER NOT NULL DEFAULT 0"
    ", shipping_country_id INTEGER NOT NULL DEFAULT 0, shipping_zone_id INTEGER NOT NULL DEFAULT 0"
)

DDL = f"""
CREATE TABLE oc_api (api_id INTEGER PRIMARY KEY, username TEXT NOT NULL, key TEXT NOT NULL,
  status INTEGER NOT NULL, date_added TEXT NOT NULL, date_modified TEXT NOT NULL);
CREATE TABLE oc_api_ip (api_ip_id INTEGER PRIMARY KEY, api_id INTEGER NOT NULL, ip TEXT NOT NULL);
CREATE TABLE oc_api_session (api_session_id INTEGER PRIMARY KEY, api_id INTEGER NOT NULL,
  session_id TEXT NOT NULL, ip TEXT NOT NULL, date_added TEXT NOT NULL, date_modified TEXT NOT NULL);
CREATE INDEX oc_api_session_sid ON oc_api_session (session_id);
CREATE TABLE oc_session (session_id TEXT PRIMARY KEY, data TEXT NOT NULL, expire TEXT NOT NULL);
CREATE TABLE oc_cart (cart_id INTEGER PRIMARY KEY, api_id INTEGER NOT NULL, customer_id INTEGER NOT NULL,
  session_id TEXT NOT NULL, product_id INTEGER NOT NULL, recurring_id INTEGER NOT NULL DEFAULT 0,
  option TEXT NOT NULL, quantity INTEGER NOT NULL, date_added TEXT NOT NULL);
CREATE TABLE oc_customer (customer_id INTEGER PRIMARY KEY, customer_group_id INTEGER NOT NULL,
  store_id INTEGER NOT NULL DEFAULT 0, language_id INTEGER NOT NULL DEFAULT 1, firstname TEXT NOT NULL,
  lastname TEXT NOT NULL, email TEXT NOT NULL, telephone TEXT NOT NULL, fax TEXT NOT NULL DEFAULT '',
  password TEXT NOT NULL DEFAULT '', salt TEXT NOT NULL DEFAULT '', cart TEXT, wishlist TEXT,
  newsletter INTEGER NOT NULL DEFAULT 0, address_id INTEGER NOT NULL DEFAULT 0,
  custom_field TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '', status INTEGER NOT NULL DEFAULT 1,
  safe INTEGER NOT NULL DEFAULT 0, token TEXT NOT NULL DEFAULT '', code TEXT NOT NULL DEFAULT '',
  date_added TEXT NOT NULL);
CREATE TABLE oc_customer_group (customer_group_id INTEGER PRIMARY KEY, approval INTEGER NOT NULL DEFAULT 0,
  sort_order INTEGER NOT NULL DEFAULT 0);
CREATE TABLE oc_customer_group_description (customer_group_id INTEGER NOT NULL, language_id INTEGER NOT NULL,
  name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');
CREATE TABLE oc_customer_reward (customer_reward_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL DEFAULT 0, description TEXT NOT NULL, points INTEGER NOT NULL DEFAULT 0,
  date_added TEXT NOT NULL);
CREATE TABLE oc_customer_transaction (customer_transaction_id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL, order_id INTEGER NOT NULL, description TEXT NOT NULL,
  amount TEXT NOT NULL, date_added TEXT NOT NULL);
CREATE TABLE oc_customer_login (customer_login_id INTEGER PRIMARY KEY, email TEXT NOT NULL, ip TEXT NOT NULL,
  total INTEGER NOT NULL, date_added TEXT NOT NULL, date_modified TEXT NOT NULL);
CREATE TABLE oc_user_group (user_group_id INTEGER PRIMARY KEY, name TEXT NOT NULL, permission TEXT NOT NULL);
CREATE TABLE oc_user (user_id INTEGER PRIMARY KEY, user_group_id INTEGER NOT NULL, username TEXT NOT NULL,
  password TEXT NOT NULL, salt TEXT NOT NULL DEFAULT '', firstname TEXT NOT NULL DEFAULT '',
  lastname TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', image TEXT NOT NULL DEFAULT '',
  code TEXT NOT NULL DEFAULT '', ip TEXT NOT NULL DEFAULT '', status INTEGER NOT NULL,
  date_added TEXT NOT NULL DEFAULT '');
CREATE TABLE oc_product (product_id INTEGER PRIMARY KEY, model TEXT NOT NULL, sku TEXT NOT NULL DEFAULT '',
  quantity INTEGER NOT NULL DEFAULT 0, stock_status_id INTEGER NOT NULL DEFAULT 7,
  shipping INTEGER NOT NULL DEFAULT 1, price TEXT NOT NULL DEFAULT '0.0000',
  points INTEGER NOT NULL DEFAULT 0,
  tax_class_id INTEGER NOT NULL DEFAULT 0, weight TEXT NOT NULL DEFAULT '0.00000000',
  subtract INTEGER NOT NULL DEFAULT 1, minimum INTEGER NOT NULL DEFAULT 1, status INTEGER NOT NULL DEFAULT 1,
  date_available TEXT NOT NULL DEFAULT '2009-01-01', date_added TEXT NOT NULL DEFAULT '',
  date_modified TEXT NOT NULL DEFAULT '');
CREATE TABLE oc_product_description (product_id INTEGER NOT NULL, language_id INTEGER NOT NULL,
  name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');
CREATE TABLE oc_product_to_store (product_id INTEGER NOT NULL, store_id INTEGER NOT NULL);
CREATE TABLE oc_product_reward (product_reward_id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL,
  customer_group_id INTEGER NOT NULL, points INTEGER NOT NULL);
CREATE TABLE oc_product_option (product_option_id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL,
  option_id INTEGER NOT NULL, value TEXT NOT NULL DEFAULT '', required INTEGER NOT NULL);
CREATE TABLE oc_product_option_value (product_option_value_id INTEGER PRIMARY KEY,
  product_option_id INTEGER NOT NULL, product_id INTEGER NOT NULL, option_id INTEGER NOT NULL,
  option_value_id INTEGER NOT NULL, quantity INTEGER NOT NULL, subtract INTEGER NOT NULL,
  price TEXT NOT NULL, price_prefix TEXT NOT NULL, points INTEGER NOT NULL, points_prefix TEXT NOT NULL,
  weight TEXT NOT NULL, weight_prefix TEXT NOT NULL);
CREATE TABLE oc_option (option_id INTEGER PRIMARY KEY, type TEXT NOT NULL, sort_order INTEGER NOT NULL);
CREATE TABLE oc_option_description (option_id INTEGER NOT NULL, language_id INTEGER NOT NULL,
  name TEXT NOT NULL);
CREATE TABLE oc_option_value_description (option_value_id INTEGER NOT NULL, language_id INTEGER NOT NULL,
  option_id INTEGER NOT NULL, name TEXT NOT NULL);
CREATE TABLE oc_category (category_id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 1);
CREATE TABLE oc_category_description (category_id INTEGER NOT NULL, language_id INTEGER NOT NULL,
  name TEXT NOT NULL);
CREATE TABLE oc_country (country_id INTEGER PRIMARY KEY, name TEXT NOT NULL, iso_code_2 TEXT NOT NULL,
  iso_code_3 TEXT NOT NULL, address_format TEXT NOT NULL DEFAULT '',
  postcode_required INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 1);
CREATE TABLE oc_zone (zone_id INTEGER PRIMARY KEY, country_id INTEGER NOT NULL, name TEXT NOT NULL,
  code TEXT NOT NULL, status INTEGER NOT NULL DEFAULT 1);
CREATE TABLE oc_currency (currency_id INTEGER PRIMARY KEY, title TEXT NOT NULL, code TEXT NOT NULL,
  symbol_left TEXT NOT NULL, symbol_right TEXT NOT NULL, decimal_place TEXT NOT NULL, value TEXT NOT NULL,
  status INTEGER NOT NULL, date_modified TEXT NOT NULL);
CREATE TABLE oc_language (language_id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT NOT NULL);
CREATE TABLE oc_order_status (order_status_id INTEGER NOT NULL, language_id INTEGER NOT NULL,
  name TEXT NOT NULL, PRIMARY KEY (order_status_id, language_id));
CREATE TABLE oc_order (order_id INTEGER PRIMARY KEY, invoice_no INTEGER NOT NULL DEFAULT 0,
  invoice_prefix TEXT NOT NULL, store_id INTEGER NOT NULL DEFAULT 0, store_name TEXT NOT NULL,
  store_url TEXT NOT NULL, customer_id INTEGER NOT NULL DEFAULT 0,
  customer_group_id INTEGER NOT NULL DEFAULT 0,
  firstname TEXT NOT NULL, lastname TEXT NOT NULL, email TEXT NOT NULL, telephone TEXT NOT NULL,
  fax TEXT NOT NULL DEFAULT '', custom_field TEXT NOT NULL DEFAULT '', {_ORDER_ADDRESS},
  comment TEXT NOT NULL DEFAULT '', total TEXT NOT NULL DEFAULT '0.0000',
  order_status_id INTEGER NOT NULL DEFAULT 0, affiliate_id INTEGER NOT NULL DEFAULT 0,
  commission TEXT NOT NULL DEFAULT '0.0000', marketing_id INTEGER NOT NULL DEFAULT 0,
  tracking TEXT NOT NULL DEFAULT '', language_id INTEGER NOT NULL DEFAULT 1,
  currency_id INTEGER NOT NULL, currency_code TEXT NOT NULL,
  currency_value TEXT NOT NULL DEFAULT '1.00000000',
  ip TEXT NOT NULL DEFAULT '', forwarded_ip TEXT NOT NULL DEFAULT '', user_agent TEXT NOT NULL DEFAULT '',
  accept_language TEXT NOT NULL DEFAULT '', date_added TEXT NOT NULL, date_modified TEXT NOT NULL);
CREATE TABLE oc_order_history (order_history_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,
  order_status_id INTEGER NOT NULL, notify INTEGER NOT NULL DEFAULT 0, comment TEXT NOT NULL DEFAULT '',
  date_added TEXT NOT NULL);
CREATE INDEX oc_order_history_order ON oc_order_history (order_id);
CREATE TABLE oc_order_product (order_product_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL, name TEXT NOT NULL, model TEXT NOT NULL, quantity INTEGER NOT NULL,
  price TEXT NOT NULL, total TEXT NOT NULL, tax TEXT NOT NULL, reward INTEGER NOT NULL);
CREATE INDEX oc_order_product_order ON oc_order_product (order_id);
CREATE TABLE oc_order_option (order_option_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,
  order_product_id INTEGER NOT NULL, product_option_id INTEGER NOT NULL,
  product_option_value_id INTEGER NOT NULL DEFAULT 0, name TEXT NOT NULL, value TEXT NOT NULL,
  type TEXT NOT NULL);
CREATE TABLE oc_order_total (order_total_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,
  code TEXT NOT NULL,
  title TEXT NOT NULL, value TEXT NOT NULL, sort_order INTEGER NOT NULL);
CREATE INDEX oc_order_total_order ON oc_order_total (order_id);
CREATE TABLE oc_order_voucher (order_voucher_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,
  voucher_id INTEGER NOT NULL, description TEXT NOT NULL, code TEXT NOT NULL, from_name TEXT NOT NULL,
  from_email TEXT NOT NULL, to_name TEXT NOT NULL, to_email TEXT NOT NULL, voucher_theme_id INTEGER NOT NULL,
  message TEXT NOT NULL, amount TEXT NOT NULL);
CREATE TABLE oc_voucher (voucher_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, code TEXT NOT NULL,
  from_name TEXT NOT NULL, from_email TEXT NOT NULL, to_name TEXT NOT NULL, to_email TEXT NOT NULL,
  voucher_theme_id INTEGER NOT NULL, message TEXT NOT NULL, amount TEXT NOT NULL, status INTEGER NOT NULL,
  date_added TEXT NOT NULL);
CREATE TABLE oc_voucher_history (voucher_history_id INTEGER PRIMARY KEY, voucher_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL, amount TEXT NOT NULL, date_added TEXT NOT NULL);
CREATE TABLE oc_voucher_theme (voucher_theme_id INTEGER PRIMARY KEY, image TEXT NOT NULL DEFAULT '');
CREATE TABLE oc_voucher_theme_description (voucher_theme_id INTEGER NOT NULL, language_id INTEGER NOT NULL,
  name TEXT NOT NULL);
CREATE TABLE oc_coupon (coupon_id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT NOT NULL,
  type TEXT NOT NULL, discount TEXT NOT NULL, logged INTEGER NOT NULL, shipping INTEGER NOT NULL,
  total TEXT NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL, uses_total INTEGER NOT NULL,
  uses_customer TEXT NOT NULL, status INTEGER NOT NULL, date_added TEXT NOT NULL);
CREATE TABLE oc_coupon_history (coupon_history_id INTEGER PRIMARY KEY, coupon_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL, customer_id INTEGER NOT NULL, amount TEXT NOT NULL, date_added TEXT NOT NULL);
CREATE TABLE oc_coupon_product (coupon_product_id INTEGER PRIMARY KEY, coupon_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL);
CREATE TABLE oc_coupon_category (coupon_id INTEGER NOT NULL, category_id INTEGER NOT NULL,
  PRIMARY KEY (coupon_id, category_id));
CREATE TABLE oc_setting (setting_id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL DEFAULT 0,
  code TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, serialized INTEGER NOT NULL DEFAULT 0);
"""


def create_schema(db: sqlite3.Connection) -> None:
    """Create every sandbox table in an empty SQLite database.

    Args:
        db: An open connection to an empty database.
    """
    db.executescript(DDL)
