"""Frozen records of what the OpenCart 4.0 order editor shows beyond the shared admin records.

The order editor (``sale/order.info``) shows an order's lines, vouchers and totals like the 3.0
order page (:class:`~oc_connector.admin.order_records.AdminOrder`), and also its header: the
customer, both addresses field by field, the methods with their codes, store, language,
currency, status and browser data. :class:`OrderHeader` holds that header; :class:`OrderInfo`
is one editor page (header, order and the first page of its history).

Texts are as the page shows them, unescaped once (the shop prints its stored, input-escaped
text unchanged, so this is what the user typed; see :mod:`oc_connector.admin40.pages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from oc_connector.admin.order_records import AdminOrder
from oc_connector.admin.records import AdminHistoryRow, ListPage

__all__ = ["OrderAddress", "OrderHeader", "OrderInfo"]


@dataclass(frozen=True)
class OrderAddress:
    """A payment or shipping address of an order, from the editor's address modal.

    Attributes:
        country_id / zone_id: The stored ids (the country select's selected option; the zone id
            the page's script preselects); ``None`` when the page has none.
        country / zone: The stored names, from the rendered address (the selects show only the
            current names, and the zone select is filled by script).
    """

    firstname: str
    lastname: str
    company: str
    address_1: str
    address_2: str
    city: str
    postcode: str
    country_id: int | None
    country: str
    zone_id: int | None
    zone: str


@dataclass(frozen=True)
class OrderHeader:
    """The order editor's header fields.

    Attributes:
        customer_id: 0 for a guest.
        invoice_no: 0 while no invoice number has been generated; ``None`` when the page shows
            one (``#invoice-value`` is the prefix and the number run together, which cannot be
            split without knowing the prefix).
        invoice_text: ``#invoice-value`` as shown (``INV-2026-000`` for number 0).
        store_name: The store select's selected option: the store's current name.
        order_status_id: The status select's selected option; 0 when no option is selected
            (status 0, or a status without a name: the page cannot tell them apart).
        payment_method / shipping_method: The method names; ``payment_code`` / ``shipping_code``
            the ``extension.option`` codes (``cod.cod``, ``flat.flat``); empty without shipping.
        commission: The affiliate commission in the shop's default currency (0 when none).
        forwarded_ip: Empty when the page has no Forwarded IP row.
    """

    customer_id: int
    customer_group_id: int | None
    firstname: str
    lastname: str
    email: str
    telephone: str
    payment: OrderAddress
    shipping: OrderAddress
    payment_method: str
    payment_code: str
    shipping_method: str
    shipping_code: str
    comment: str
    invoice_no: int | None
    invoice_text: str
    store_id: int | None
    store_name: str
    language_code: str
    currency_code: str
    order_status_id: int
    order_status: str
    affiliate_id: int
    commission: Decimal
    ip: str
    forwarded_ip: str
    user_agent: str
    accept_language: str
    date_added: date


@dataclass(frozen=True)
class OrderInfo:
    """One ``sale/order.info`` page: the header, the order record, and its embedded history.

    Attributes:
        total: The ``Total`` total line in the order's currency (``None`` without one).
        history: The first page of the order's history as the editor embeds it (10 rows a page;
            ``history.pages`` says whether more exist).
    """

    header: OrderHeader
    order: AdminOrder
    total: Decimal | None
    history: ListPage[AdminHistoryRow]
