"""The OpenCart major versions the connector speaks, and what differs between them for a caller."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ShopVersion"]


class ShopVersion(StrEnum):
    """An OpenCart major version line.

    ``V3_0`` is 3.0.x (reference 3.0.5.0): the catalog API reads orders (``api/order/info``).
    ``V4_0`` is 4.0.2.x (reference 4.0.2.3): no API route reads an order, so orders, lines, totals
    and history come from the admin pages, and the admin credentials are required for a sync.
    """

    V3_0 = "3.0"
    V4_0 = "4.0"

    @property
    def login_route(self) -> str:
        """The catalog API's login route."""
        return "api/login" if self is ShopVersion.V3_0 else "api/account/login"
