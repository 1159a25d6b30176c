"""The OpenCart admin (HTML) channel: the client, its records and page parsers."""

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
    parse_voucher_form,
    parse_voucher_list,
)
from oc_connector.admin.records import (
    AdminHistoryRow,
    CouponForm,
    CouponRow,
    ListPage,
    VoucherForm,
    VoucherRow,
)

__all__ = [
    "AdminClient",
    "AdminHistoryRow",
    "CouponForm",
    "CouponRow",
    "ListPage",
    "VoucherForm",
    "VoucherRow",
    "is_login_page",
    "is_page_not_found",
    "is_permission_denied",
    "login_error",
    "parse_coupon_form",
    "parse_coupon_list",
    "parse_form_errors",
    "parse_order_history",
    "parse_voucher_form",
    "parse_voucher_list",
]
