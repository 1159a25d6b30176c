"""The OpenCart admin (HTML) channel: the client, its records and page parsers.

Names are imported lazily: the records (``oc_connector.admin.records``, ``order_records``) are
plain dataclasses that the order sync uses without loading the HTML parsers (BeautifulSoup).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oc_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from oc_connector.admin.catalog_pages import parse_customer_list, parse_product_list
    from oc_connector.admin.client import AdminClient
    from oc_connector.admin.html import (
        is_login_page,
        is_page_not_found,
        is_permission_denied,
        login_error,
        parse_coupon_form,
        parse_coupon_list,
        parse_form_errors,
        parse_order_history,
        parse_order_status_settings,
        parse_voucher_form,
        parse_voucher_list,
    )
    from oc_connector.admin.money import DisplayedMoney, parse_money, read_money
    from oc_connector.admin.order_pages import parse_invoice_page, parse_order_list, parse_order_page
    from oc_connector.admin.order_records import (
        AdminOrder,
        CustomerListRow,
        InvoiceLine,
        InvoiceOrder,
        OrderLine,
        OrderListRow,
        OrderTotalLine,
        OrderVoucherLine,
        ProductListRow,
    )
    from oc_connector.admin.records import (
        AdminHistoryRow,
        CouponForm,
        CouponRow,
        ListPage,
        OrderStatusSettings,
        VoucherForm,
        VoucherRow,
    )

_EXPORTS: dict[str, str] = {
    "AdminClient": "oc_connector.admin.client",
    "AdminHistoryRow": "oc_connector.admin.records",
    "AdminOrder": "oc_connector.admin.order_records",
    "CouponForm": "oc_connector.admin.records",
    "CouponRow": "oc_connector.admin.records",
    "CustomerListRow": "oc_connector.admin.order_records",
    "DisplayedMoney": "oc_connector.admin.money",
    "InvoiceLine": "oc_connector.admin.order_records",
    "InvoiceOrder": "oc_connector.admin.order_records",
    "ListPage": "oc_connector.admin.records",
    "OrderLine": "oc_connector.admin.order_records",
    "OrderListRow": "oc_connector.admin.order_records",
    "OrderStatusSettings": "oc_connector.admin.records",
    "OrderTotalLine": "oc_connector.admin.order_records",
    "OrderVoucherLine": "oc_connector.admin.order_records",
    "ProductListRow": "oc_connector.admin.order_records",
    "VoucherForm": "oc_connector.admin.records",
    "VoucherRow": "oc_connector.admin.records",
    "is_login_page": "oc_connector.admin.html",
    "is_page_not_found": "oc_connector.admin.html",
    "is_permission_denied": "oc_connector.admin.html",
    "login_error": "oc_connector.admin.html",
    "parse_coupon_form": "oc_connector.admin.html",
    "parse_coupon_list": "oc_connector.admin.html",
    "parse_customer_list": "oc_connector.admin.catalog_pages",
    "parse_form_errors": "oc_connector.admin.html",
    "parse_invoice_page": "oc_connector.admin.order_pages",
    "parse_money": "oc_connector.admin.money",
    "parse_order_history": "oc_connector.admin.html",
    "parse_order_list": "oc_connector.admin.order_pages",
    "parse_order_page": "oc_connector.admin.order_pages",
    "parse_order_status_settings": "oc_connector.admin.html",
    "parse_product_list": "oc_connector.admin.catalog_pages",
    "parse_voucher_form": "oc_connector.admin.html",
    "parse_voucher_list": "oc_connector.admin.html",
    "read_money": "oc_connector.admin.money",
}

__all__ = [
    "AdminClient",
    "AdminHistoryRow",
    "AdminOrder",
    "CouponForm",
    "CouponRow",
    "CustomerListRow",
    "DisplayedMoney",
    "InvoiceLine",
    "InvoiceOrder",
    "ListPage",
    "OrderLine",
    "OrderListRow",
    "OrderStatusSettings",
    "OrderTotalLine",
    "OrderVoucherLine",
    "ProductListRow",
    "VoucherForm",
    "VoucherRow",
    "is_login_page",
    "is_page_not_found",
    "is_permission_denied",
    "login_error",
    "parse_coupon_form",
    "parse_coupon_list",
    "parse_customer_list",
    "parse_form_errors",
    "parse_invoice_page",
    "parse_money",
    "parse_order_history",
    "parse_order_list",
    "parse_order_page",
    "parse_order_status_settings",
    "parse_product_list",
    "parse_voucher_form",
    "parse_voucher_list",
    "read_money",
]


__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, __all__)
