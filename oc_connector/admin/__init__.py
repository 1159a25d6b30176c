"""The OpenCart admin (HTML) channel: the client, its records and page parsers."""

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
