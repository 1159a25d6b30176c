"""Reverse-ETL tables: request inputs and exactly-once ledgers for vouchers and coupons.

Input tables (written by marketing / dbt, read by the ``issue_vouchers`` and ``push_coupons`` jobs):

``opencart_voucher_requests``
    One row per gift voucher to issue. ``request_key`` (stable, unique) is the idempotency key:
    on the admin channel the voucher code is derived from it. Columns: request_key, to_name,
    to_email, from_name, from_email, amount (numeric), voucher_theme_id, message, created_at.

``opencart_coupon_requests``
    One row per coupon to upsert, keyed by ``code`` (case-insensitive in the shop). Optional
    columns left NULL leave the shop's value unchanged; the literal ``<clear>`` clears an
    optional field. products / categories are ids separated by ``;``.

Ledgers (written by the connector, committed after every step so a killed run resumes):

``opencart_voucher_ledger``
    request_key, channel (admin/order), batch_id, order_id, order_floor (order channel: an order id
    known to exist before the batch was last sent, where a reconciliation scan starts), code, amount,
    state (pending,
    validated, rejected, issued, confirmed, failed), reason, emailed, attempts, created_at,
    updated_at, request (JSON of the fields last issued, to tell a changed request), claimed_by /
    claimed_at (the run working on the row now: claimed before any shop call, cleared after).

``opencart_coupon_ledger``
    code (lower-cased), state (same set, plus ``unchanged``), action (create/update/none), reason,
    attempts, created_at, updated_at, claimed_by, claimed_at.

``opencart_reverse_lock``
    scope (``vouchers:<shop>`` / ``coupons:<shop>``), lock_holder, locked_at: one reverse-ETL run
    per scope at a time (:class:`oc_connector.sync.locks.ReverseLock`).
"""

from __future__ import annotations

import sqlalchemy as sa

from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.types import ExactDecimal

VOUCHER_STATES = ("pending", "validated", "rejected", "issued", "confirmed", "failed")
"""Allowed values of ``opencart_voucher_ledger.state``."""

COUPON_STATES = ("pending", "validated", "rejected", "issued", "confirmed", "unchanged", "failed")
"""Allowed values of ``opencart_coupon_ledger.state``."""

voucher_requests = sa.Table(
    "opencart_voucher_requests",
    metadata,
    sa.Column("request_key", sa.String(128), primary_key=True),
    sa.Column("to_name", sa.String(64), nullable=False),
    sa.Column("to_email", sa.String(96), nullable=False),
    sa.Column("from_name", sa.String(64), nullable=False),
    sa.Column("from_email", sa.String(96), nullable=False),
    sa.Column("amount", ExactDecimal(15, 4), nullable=False),
    sa.Column("voucher_theme_id", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

voucher_ledger = sa.Table(
    "opencart_voucher_ledger",
    metadata,
    sa.Column("request_key", sa.String(128), primary_key=True),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("batch_id", sa.String(64), nullable=True),
    sa.Column("order_id", sa.Integer, nullable=True),
    sa.Column("order_floor", sa.Integer, nullable=True),
    sa.Column("code", sa.String(10), nullable=True, unique=True),
    sa.Column("amount", ExactDecimal(15, 4), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("emailed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("request", sa.Text, nullable=True),
    sa.Column("claimed_by", sa.String(128), nullable=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"state IN {VOUCHER_STATES!r}", name="ck_voucher_ledger_state"),
    sa.CheckConstraint("channel IN ('admin', 'order')", name="ck_voucher_ledger_channel"),
)

coupon_requests = sa.Table(
    "opencart_coupon_requests",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    sa.Column("name", sa.String(128), nullable=True),
    sa.Column("type", sa.String(1), nullable=True),
    sa.Column("discount", sa.String(32), nullable=True),
    sa.Column("total", sa.String(32), nullable=True),
    sa.Column("logged", sa.String(8), nullable=True),
    sa.Column("shipping", sa.String(8), nullable=True),
    sa.Column("products", sa.Text, nullable=True),
    sa.Column("categories", sa.Text, nullable=True),
    sa.Column("date_start", sa.String(16), nullable=True),
    sa.Column("date_end", sa.String(16), nullable=True),
    sa.Column("uses_total", sa.String(16), nullable=True),
    sa.Column("uses_customer", sa.String(16), nullable=True),
    sa.Column("status", sa.String(8), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

coupon_ledger = sa.Table(
    "opencart_coupon_ledger",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    sa.Column("action", sa.String(8), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_by", sa.String(128), nullable=True),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(f"state IN {COUPON_STATES!r}", name="ck_coupon_ledger_state"),
)

reverse_lock = sa.Table(
    "opencart_reverse_lock",
    metadata,
    sa.Column("scope", sa.String(255), primary_key=True),
    sa.Column("lock_holder", sa.String(128), nullable=True),
    sa.Column("locked_at", sa.DateTime, nullable=True),
)
