"""The OpenCart 4.0.2.x admin channel: the client, its page parsers and the sync's order reader."""

from oc_connector.admin40.client import ORDER_FILTERS, ORDER_SORTS, Admin40Client, order_list_params
from oc_connector.admin40.marketing import (
    parse_coupon_form40,
    parse_coupon_list40,
    parse_save_answer,
    parse_voucher_form40,
    parse_voucher_list40,
)
from oc_connector.admin40.order_info import parse_order_info
from oc_connector.admin40.orders import AdminOrderReader, stored_text
from oc_connector.admin40.pages import parse_invoice_page, parse_order_list
from oc_connector.admin40.records import OrderAddress, OrderHeader, OrderInfo

__all__ = [
    "ORDER_FILTERS",
    "ORDER_SORTS",
    "Admin40Client",
    "AdminOrderReader",
    "OrderAddress",
    "OrderHeader",
    "OrderInfo",
    "order_list_params",
    "parse_coupon_form40",
    "parse_coupon_list40",
    "parse_invoice_page",
    "parse_order_info",
    "parse_order_list",
    "parse_save_answer",
    "parse_voucher_form40",
    "parse_voucher_list40",
    "stored_text",
]
