"""What a sync asks the warehouse before reading the shop: which orders to read again, which are loaded."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from oc_connector.warehouse.orders_schema import opencart_orders, opencart_quarantine

__all__ = ["loaded_ids", "reread_ids"]


def loaded_ids(engine: sa.Engine, *, shop: str, first_id: int, last_id: int) -> set[int]:
    """Ids of ``first_id..last_id`` that have a row in ``opencart_orders`` (soft-deleted included)."""
    t = opencart_orders
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.order_id).where(t.c.shop == shop, t.c.order_id.between(first_id, last_id))
        )
        return {int(r[0]) for r in rows}


def reread_ids(
    engine: sa.Engine, *, shop: str, hwm: int, since: datetime | None, final_statuses: Collection[int],
    only_held: bool = False,
) -> list[int]:
    """Loaded ids at or below the mark that a run reads again, ascending.

    Args:
        engine: the warehouse engine.
        shop: the shop key.
        hwm: the high-water mark; ids above it are the probe's.
        since: orders added at or after this (naive UTC) are read again whatever their status;
            None reads every loaded order again (a full run), deleted ones included.
        final_statuses: orders in these statuses are not read again once older than ``since``.

        only_held: only the quarantined ids (the change feed finds the changed orders itself).

    Returns:
        Live orders not in a final status or added since ``since``, and every order held in
        quarantine (once the shop fixes it, it loads).
    """
    t = opencart_orders
    where: list[Any] = [t.c.shop == shop, t.c.order_id <= hwm]
    if since is not None:
        where += [
            t.c._deleted_at.is_(None),
            sa.or_(
                t.c.order_status_id.is_(None),
                t.c.order_status_id.not_in(sorted(final_statuses)),
                t.c.date_added_utc >= since,
            ),
        ]
    q = opencart_quarantine
    with engine.connect() as conn:
        ids = set() if only_held else {int(r[0]) for r in conn.execute(sa.select(t.c.order_id).where(*where))}
        held = conn.execute(
            sa.select(q.c.entity_id).where(q.c.shop == shop, q.c.entity == "order", ~q.c.resolved)
        )
        ids |= {int(r[0]) for r in held if str(r[0]).isdigit() and int(r[0]) <= hwm}
    return sorted(ids)
