"""oc-connector: OpenCart 3.0 <-> SQL warehouse connector.

The public API is listed in ``__all__``; names are imported lazily, so ``import oc_connector`` stays
cheap (pandas and SQLAlchemy load only when the sync or the warehouse pieces are used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oc_connector.admin import AdminClient
    from oc_connector.client import ClientStats, OpenCartClient
    from oc_connector.orders import OrderDraft, OrderOperations
    from oc_connector.ratelimit import RateLimit
    from oc_connector.records import (
        Address,
        CartContents,
        CartItem,
        Order,
        PaymentMethod,
        ShippingMethodGroup,
        ShippingQuote,
        VoucherDraft,
    )
    from oc_connector.retry import RetryPolicy
    from oc_connector.secret import Secret
    from oc_connector.session import CartSession
    from oc_connector.sync import OrderSync, SyncOptions, SyncResult
    from oc_connector.transport import Timeout

_EXPORTS = {
    "AdminClient": "oc_connector.admin",
    "ClientStats": "oc_connector.client",
    "OpenCartClient": "oc_connector.client",
    "OrderDraft": "oc_connector.orders",
    "OrderOperations": "oc_connector.orders",
    "RateLimit": "oc_connector.ratelimit",
    "Address": "oc_connector.records",
    "CartContents": "oc_connector.records",
    "CartItem": "oc_connector.records",
    "Order": "oc_connector.records",
    "PaymentMethod": "oc_connector.records",
    "ShippingMethodGroup": "oc_connector.records",
    "ShippingQuote": "oc_connector.records",
    "VoucherDraft": "oc_connector.records",
    "RetryPolicy": "oc_connector.retry",
    "Secret": "oc_connector.secret",
    "CartSession": "oc_connector.session",
    "OrderSync": "oc_connector.sync",
    "SyncOptions": "oc_connector.sync",
    "SyncResult": "oc_connector.sync",
    "Timeout": "oc_connector.transport",
}

__all__ = [
    "Address",
    "AdminClient",
    "CartContents",
    "CartItem",
    "CartSession",
    "ClientStats",
    "OpenCartClient",
    "Order",
    "OrderDraft",
    "OrderOperations",
    "OrderSync",
    "PaymentMethod",
    "RateLimit",
    "RetryPolicy",
    "Secret",
    "ShippingMethodGroup",
    "ShippingQuote",
    "SyncOptions",
    "SyncResult",
    "Timeout",
    "VoucherDraft",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'oc_connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
