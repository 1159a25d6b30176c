"""The shop's own revenue statuses, read from its admin settings once per sync run.

With an admin client that can read ``setting/setting``, each run records the shop's
``config_processing_status`` and ``config_complete_status`` in ``opencart_revenue_statuses``
(``source='admin'``), so the marts count revenue as the shop itself does. Without one nothing is
written: a set recorded with ``source='configured'`` stays, and a shop without rows keeps the 3.0
install defaults. Refund statuses are never read from the shop (OpenCart has no such setting).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from oc_connector.errors import AdminError, NotFoundError
from oc_connector.warehouse.revenue import set_revenue_statuses

__all__ = ["record_shop_statuses"]

log = logging.getLogger(__name__)


def record_shop_statuses(admin: Any, engine: sa.Engine, *, shop: str) -> str:
    """Read the shop's processing and complete statuses over ``admin`` and record them.

    An admin user who may not open the settings page does not stop the sync: the statuses
    recorded before (or the defaults) stay, and the returned text says why.

    Args:
        admin: the admin client (anything with ``order_status_settings()``), or None.
        engine: the warehouse engine (upgraded).
        shop: the shop key.

    Returns:
        ``read from the shop`` or ``not read: <why>`` (for the run's result).
    """
    read = getattr(admin, "order_status_settings", None)
    if not callable(read):
        return "not read: no admin credentials" if admin is None else "not read: the admin client cannot"
    try:
        settings = read()
    except (AdminError, NotFoundError) as exc:
        log.warning("shop %s: order status settings not read, the recorded ones stay: %s", shop, exc)
        return f"not read: {exc}"
    set_revenue_statuses(
        engine, shop=shop, processing=settings.processing, complete=settings.complete, source="admin"
    )
    return "read from the shop"
