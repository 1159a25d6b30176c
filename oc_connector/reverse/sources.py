"""Reading pending requests from the warehouse input tables.

The tables are ``opencart_voucher_requests`` and ``opencart_coupon_requests``
(:mod:`oc_connector.warehouse.ledger_schema`); rows come back as text, ready for validation.
"""

from __future__ import annotations

import sqlalchemy as sa

from oc_connector.warehouse.ledger_schema import coupon_requests, voucher_ledger, voucher_requests

__all__ = ["pending_coupon_rows", "pending_voucher_rows"]

_DONE = ("confirmed", "rejected")


def _as_text(row: sa.RowMapping) -> dict[str, str | None]:
    return {str(k): None if v is None else str(v) for k, v in row.items() if k != "created_at"}


def pending_voucher_rows(*, engine: sa.Engine) -> list[dict[str, str | None]]:
    """Rows of ``opencart_voucher_requests`` whose ledger row is not confirmed or rejected yet.

    Returns:
        Rows as column -> text, ready for :func:`~oc_connector.reverse.validation.parse_voucher_row`.
    """
    done = sa.select(voucher_ledger.c.request_key).where(voucher_ledger.c.state.in_(_DONE))
    query = (
        sa.select(voucher_requests)
        .where(voucher_requests.c.request_key.not_in(done))
        .order_by(voucher_requests.c.request_key)
    )
    with engine.connect() as conn:
        return [_as_text(r) for r in conn.execute(query).mappings()]


def pending_coupon_rows(*, engine: sa.Engine) -> list[dict[str, str | None]]:
    """All rows of ``opencart_coupon_requests`` (an upsert of an unchanged coupon writes nothing)."""
    with engine.connect() as conn:
        query = sa.select(coupon_requests).order_by(coupon_requests.c.code)
        return [_as_text(r) for r in conn.execute(query).mappings()]
