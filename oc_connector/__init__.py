"""oc-connector: OpenCart 3.0 <-> SQL warehouse connector.

The public API is listed in ``__all__``; names are imported lazily, so ``import oc_connector`` stays
cheap (pandas and SQLAlchemy load only when the sync or the warehouse pieces are used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oc_connector.admin import AdminClient
    from oc_connector.api.cart import CartSession
    from oc_connector.api.client import ClientStats, OpenCartClient
    from oc_connector.api.orders import OrderDraft, OrderOperations
    from oc_connector.api.records import (
        Address,
        CartContents,
        CartItem,
        Order,
        PaymentMethod,
        ShippingMethodGroup,
        ShippingQuote,
        VoucherDraft,
    )
    from oc_connector.secret import Secret
    from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
    from oc_connector.wire.ratelimit import RateLimit
    from oc_connector.wire.retry import RetryPolicy
    from oc_connector.wire.transport import Timeout

_EXPORTS = {
    "AdminClient": "oc_connector.admin",
    "ClientStats": "oc_connector.api.client",
    "OpenCartClient": "oc_connector.api.client",
    "OrderDraft": "oc_connector.api.orders",
    "OrderOperations": "oc_connector.api.orders",
    "RateLimit": "oc_connector.wire.ratelimit",
    "Address": "oc_connector.api.records",
    "CartContents": "oc_connector.api.records",
    "CartItem": "oc_connector.api.records",
    "Order": "oc_connector.api.records",
    "PaymentMethod": "oc_connector.api.records",
    "ShippingMethodGroup": "oc_connector.api.records",
    "ShippingQuote": "oc_connector.api.records",
    "VoucherDraft": "oc_connector.api.records",
    "RetryPolicy": "oc_connector.wire.retry",
    "Secret": "oc_connector.secret",
    "CartSession": "oc_connector.api.cart",
    "OrderSync": "oc_connector.sync.run",
    "SyncOptions": "oc_connector.sync.run",
    "SyncResult": "oc_connector.sync.run",
    "Timeout": "oc_connector.wire.transport",
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
