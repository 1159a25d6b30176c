"""Which order statuses count as a sale, per shop: ``opencart_revenue_statuses`` and its writer.

OpenCart itself decides when an order is "real" with two settings: ``config_processing_status``
(entering one of these subtracts stock and confirms coupons, vouchers and rewards) and
``config_complete_status`` (vouchers sold become usable). An order counts as revenue when its
current status is in either set, the rule OpenCart's own sales reports follow. Refund statuses are
the connector's own setting (OpenCart has none): orders there were sales and are reported as
refunds.

The table holds the sets a shop was configured with: read from its admin settings by each sync run
that has admin credentials (``source='admin'``, :mod:`oc_connector.sync.statuses`), or given with
:func:`set_revenue_statuses` (``source='configured'``). A shop, or a kind, without rows uses the
3.0 install defaults (spec section 8): the marts apply them in SQL, so changing a shop's statuses
changes every mart at once (``mart_orders.is_revenue`` is a view column, never stored per order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.transactions import begin_write

__all__ = [
    "DEFAULT_COMPLETE_STATUSES",
    "DEFAULT_PROCESSING_STATUSES",
    "DEFAULT_REFUND_STATUSES",
    "STATUS_KINDS",
    "default_statuses_sql",
    "opencart_revenue_statuses",
    "revenue_statuses",
    "set_revenue_statuses",
]

DEFAULT_PROCESSING_STATUSES: tuple[int, ...] = (5, 1, 2, 12, 3)
"""``config_processing_status`` of a fresh 3.0 install: Complete, Pending, Processing, Reversed, Shipped."""

DEFAULT_COMPLETE_STATUSES: tuple[int, ...] = (5, 3)
"""``config_complete_status`` of a fresh 3.0 install: Complete, Shipped."""

DEFAULT_REFUND_STATUSES: tuple[int, ...] = (11, 13)
"""The connector's default refund statuses: Refunded, Chargeback (3.0 install ids)."""

STATUS_KINDS = ("processing", "complete", "refund")
"""Allowed values of ``opencart_revenue_statuses.kind``."""

_DEFAULTS = {
    "processing": DEFAULT_PROCESSING_STATUSES,
    "complete": DEFAULT_COMPLETE_STATUSES,
    "refund": DEFAULT_REFUND_STATUSES,
}

opencart_revenue_statuses = sa.Table(
    "opencart_revenue_statuses",
    metadata,
    sa.Column("shop", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("order_status_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    sa.CheckConstraint(f"kind IN {STATUS_KINDS!r}", name="ck_revenue_statuses_kind"),
)


def default_statuses_sql() -> str:
    """A SELECT of the default ``(kind, order_status_id)`` rows, for the mart views (constants only)."""
    rows = [(kind, status) for kind in STATUS_KINDS for status in _DEFAULTS[kind]]
    return "\n    UNION ALL ".join(
        f"SELECT '{kind}' AS kind, CAST({status:d} AS BIGINT) AS order_status_id" for kind, status in rows
    )


def _ids(values: Iterable[int | str], kind: str) -> list[int]:
    out = sorted({int(v) for v in values})
    if any(v <= 0 for v in out):
        raise ValueError(f"{kind} statuses must be positive status ids, got {out}")
    return out


def set_revenue_statuses(
    engine: sa.Engine,
    *,
    shop: str,
    processing: Iterable[int | str] | None = None,
    complete: Iterable[int | str] | None = None,
    refund: Iterable[int | str] | None = None,
    source: str = "configured",
    now: dt.datetime | None = None,
) -> None:
    """Record a shop's processing, complete and refund statuses (the sets the marts count revenue by).

    Each given set replaces the shop's recorded one; a set left ``None`` keeps what is recorded (or
    the default when nothing is). Ids may be given as the strings the admin settings page holds.

    Args:
        engine: the warehouse engine (upgraded).
        shop: the shop key.
        processing: ``config_processing_status``.
        complete: ``config_complete_status``.
        refund: statuses whose orders are refunds.
        source: where the sets come from: ``admin`` (read from the settings page) or ``configured``.
        now: the UTC time recorded (default: now).

    Raises:
        ValueError: an id is not a positive integer, or a given set is empty.
    """
    given = {"processing": processing, "complete": complete, "refund": refund}
    when = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t = opencart_revenue_statuses
    with begin_write(engine) as conn:
        for kind, values in given.items():
            if values is None:
                continue
            ids = _ids(values, kind)
            if not ids:
                raise ValueError(f"{kind} statuses: empty set (leave it None to keep the default)")
            conn.execute(sa.delete(t).where(t.c.shop == shop, t.c.kind == kind))
            conn.execute(
                t.insert(),
                [
                    {"shop": shop, "kind": kind, "order_status_id": i, "source": source, "updated_at": when}
                    for i in ids
                ],
            )


def revenue_statuses(engine: sa.Engine, *, shop: str) -> dict[str, tuple[int, ...]]:
    """The sets in force for a shop: recorded ones, else the defaults.

    Returns:
        ``processing``, ``complete`` and ``refund`` -> status ids, ascending.
    """
    t = opencart_revenue_statuses
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.kind, t.c.order_status_id).where(t.c.shop == shop)).all()
    out: dict[str, tuple[int, ...]] = {}
    for kind in STATUS_KINDS:
        recorded = sorted(int(i) for k, i in rows if k == kind)
        out[kind] = tuple(recorded) if recorded else tuple(sorted(_DEFAULTS[kind]))
    return out
