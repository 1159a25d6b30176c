"""oc-connector: OpenCart 3.0 <-> SQL warehouse connector.

The public API is listed in ``__all__``: the error tree (:mod:`oc_connector.errors`), the catalog
and admin clients with their records and settings, the resources with their five verbs (orders,
coupons, vouchers, products, customers: :mod:`oc_connector.resources`), the order sync, and the
reverse-ETL entry points (vouchers and coupons into the shop) with their ledgers and admin stores. Names are
imported lazily, so ``import oc_connector`` stays cheap (pandas and SQLAlchemy load only when the
sync, the warehouse or the reverse-ETL pieces are used).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oc_connector._version import __version__
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
    from oc_connector.errors import (
        AdminError,
        AdminFormError,
        AdminLoginError,
        AdminNotFoundError,
        AdminPageError,
        APIError,
        AuthenticationError,
        ConfigurationError,
        ConnectError,
        IPNotAllowedError,
        NotFoundError,
        OpenCartError,
        OutcomeUnknown,
        PermissionDenied,
        RateLimitedError,
        ReadTimeout,
        ResponseError,
        RouteNotFoundError,
        ServerError,
        SyncLockedError,
        TLSError,
        TransportError,
        UnexpectedResponseError,
        UnsupportedOnVersion,
        ValidationError,
        WarehouseError,
    )
    from oc_connector.resources import (
        Coupons,
        Customers,
        Found,
        OrderDetails,
        Orders,
        OrderSummary,
        Products,
        Rows,
        Vouchers,
        Written,
    )
    from oc_connector.reverse import (
        AdminCouponStore,
        AdminVoucherStore,
        CouponLedger,
        VoucherLedger,
        issue_vouchers_admin,
        issue_vouchers_order,
        plan_coupons,
        plan_vouchers,
        plan_vouchers_order,
        push_coupons,
    )
    from oc_connector.secret import Secret
    from oc_connector.sync.options import SyncOptions, SyncProgress, SyncResult
    from oc_connector.sync.run import OrderSync
    from oc_connector.wire.ratelimit import RateLimit
    from oc_connector.wire.retry import RetryPolicy
    from oc_connector.wire.transport import Timeout

_EXPORTS = {
    "__version__": "oc_connector._version",
    "APIError": "oc_connector.errors",
    "AdminError": "oc_connector.errors",
    "AdminFormError": "oc_connector.errors",
    "AdminLoginError": "oc_connector.errors",
    "AdminNotFoundError": "oc_connector.errors",
    "AdminPageError": "oc_connector.errors",
    "AuthenticationError": "oc_connector.errors",
    "ConfigurationError": "oc_connector.errors",
    "ConnectError": "oc_connector.errors",
    "IPNotAllowedError": "oc_connector.errors",
    "NotFoundError": "oc_connector.errors",
    "OpenCartError": "oc_connector.errors",
    "OutcomeUnknown": "oc_connector.errors",
    "PermissionDenied": "oc_connector.errors",
    "RateLimitedError": "oc_connector.errors",
    "ReadTimeout": "oc_connector.errors",
    "ResponseError": "oc_connector.errors",
    "RouteNotFoundError": "oc_connector.errors",
    "ServerError": "oc_connector.errors",
    "SyncLockedError": "oc_connector.errors",
    "WarehouseError": "oc_connector.errors",
    "TLSError": "oc_connector.errors",
    "TransportError": "oc_connector.errors",
    "UnexpectedResponseError": "oc_connector.errors",
    "UnsupportedOnVersion": "oc_connector.errors",
    "ValidationError": "oc_connector.errors",
    "Secret": "oc_connector.secret",
    "Timeout": "oc_connector.wire.transport",
    "RetryPolicy": "oc_connector.wire.retry",
    "RateLimit": "oc_connector.wire.ratelimit",
    "ClientStats": "oc_connector.api.client",
    "OpenCartClient": "oc_connector.api.client",
    "CartSession": "oc_connector.api.cart",
    "OrderDraft": "oc_connector.api.orders",
    "OrderOperations": "oc_connector.api.orders",
    "Address": "oc_connector.api.records",
    "CartContents": "oc_connector.api.records",
    "CartItem": "oc_connector.api.records",
    "Order": "oc_connector.api.records",
    "PaymentMethod": "oc_connector.api.records",
    "ShippingMethodGroup": "oc_connector.api.records",
    "ShippingQuote": "oc_connector.api.records",
    "VoucherDraft": "oc_connector.api.records",
    "AdminClient": "oc_connector.admin",
    "OrderSync": "oc_connector.sync.run",
    "SyncOptions": "oc_connector.sync.options",
    "SyncProgress": "oc_connector.sync.options",
    "SyncResult": "oc_connector.sync.options",
    "Coupons": "oc_connector.resources",
    "Customers": "oc_connector.resources",
    "Found": "oc_connector.resources",
    "OrderDetails": "oc_connector.resources",
    "OrderSummary": "oc_connector.resources",
    "Orders": "oc_connector.resources",
    "Products": "oc_connector.resources",
    "Rows": "oc_connector.resources",
    "Vouchers": "oc_connector.resources",
    "Written": "oc_connector.resources",
    "AdminCouponStore": "oc_connector.reverse",
    "AdminVoucherStore": "oc_connector.reverse",
    "CouponLedger": "oc_connector.reverse",
    "VoucherLedger": "oc_connector.reverse",
    "issue_vouchers_admin": "oc_connector.reverse",
    "issue_vouchers_order": "oc_connector.reverse",
    "plan_coupons": "oc_connector.reverse",
    "plan_vouchers": "oc_connector.reverse",
    "plan_vouchers_order": "oc_connector.reverse",
    "push_coupons": "oc_connector.reverse",
}

__all__ = [
    "APIError",
    "Address",
    "AdminClient",
    "AdminCouponStore",
    "AdminError",
    "AdminFormError",
    "AdminLoginError",
    "AdminNotFoundError",
    "AdminPageError",
    "AdminVoucherStore",
    "AuthenticationError",
    "CartContents",
    "CartItem",
    "CartSession",
    "ClientStats",
    "ConfigurationError",
    "ConnectError",
    "CouponLedger",
    "Coupons",
    "Customers",
    "Found",
    "IPNotAllowedError",
    "NotFoundError",
    "OpenCartClient",
    "OpenCartError",
    "Order",
    "OrderDetails",
    "OrderDraft",
    "OrderOperations",
    "OrderSummary",
    "OrderSync",
    "Orders",
    "OutcomeUnknown",
    "PaymentMethod",
    "PermissionDenied",
    "Products",
    "RateLimit",
    "RateLimitedError",
    "ReadTimeout",
    "ResponseError",
    "RetryPolicy",
    "RouteNotFoundError",
    "Rows",
    "Secret",
    "ServerError",
    "ShippingMethodGroup",
    "ShippingQuote",
    "SyncLockedError",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
    "TLSError",
    "Timeout",
    "TransportError",
    "UnexpectedResponseError",
    "UnsupportedOnVersion",
    "ValidationError",
    "VoucherDraft",
    "VoucherLedger",
    "Vouchers",
    "WarehouseError",
    "Written",
    "__version__",
    "issue_vouchers_admin",
    "issue_vouchers_order",
    "plan_coupons",
    "plan_vouchers",
    "plan_vouchers_order",
    "push_coupons",
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
