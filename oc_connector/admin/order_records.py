"""Frozen records read from the admin's order, invoice, product and customer pages (spec 10.7).

Money is what the page displays, in the **order's currency**: the stored default-currency
value times the order's stored ``currency_value``, rounded half-up to the currency's
decimals. Product line prices and totals include tax (``config_tax``); the ``Sub-Total``
total line does not. Texts are unescaped once, as everywhere in the admin channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = [
    "AdminOrder",
    "CustomerListRow",
    "InvoiceLine",
    "InvoiceOrder",
    "OrderLine",
    "OrderListRow",
    "OrderTotalLine",
    "OrderVoucherLine",
    "ProductListRow",
]


@dataclass(frozen=True)
class OrderListRow:
    """One row of the ``sale/order`` list.

    Attributes:
        order_id: The order id (checkbox value).
        customer: The order's own ``firstname lastname``.
        status: The status name (``Missing Orders`` for status 0 or a status without a name).
        total_text: The total as shown, in the order's currency (``788.52€``).
        total: ``total_text`` as a number, in the order's currency.
        date_added: Day the order was added (the page shows no time); ``date.min`` for a zero
            date (``0000-00-00``, which PHP shows as ``30/11/-0001``): before every real day.
        date_modified: Day it was last modified (``date.min`` for a zero date).
        shipping_code: The hidden ``shipping_code[]`` next to the checkbox (empty without shipping).
    """

    order_id: int
    customer: str
    status: str
    total_text: str
    total: Decimal
    date_added: date
    date_modified: date
    shipping_code: str = ""


@dataclass(frozen=True)
class OrderLine:
    """One product row of ``sale/order/info`` (prices tax-inclusive, in the order's currency).

    Attributes:
        product_id: From the ``catalog/product/edit&product_id=N`` link, the only place it shows.
        options: ``(name, value)`` pairs, one per option value (a checkbox may give several);
            a file option's value is the upload's original file name.
    """

    product_id: int
    name: str
    model: str
    options: tuple[tuple[str, str], ...]
    quantity: int
    price: Decimal
    total: Decimal


@dataclass(frozen=True)
class InvoiceLine:
    """One product row of an invoice: as :class:`OrderLine`, but the invoice shows no product_id."""

    name: str
    model: str
    options: tuple[tuple[str, str], ...]
    quantity: int
    price: Decimal
    total: Decimal


@dataclass(frozen=True)
class OrderVoucherLine:
    """A gift voucher sold in the order (``voucher_id`` is ``None`` on invoices, which have no links)."""

    voucher_id: int | None
    description: str
    amount: Decimal


@dataclass(frozen=True)
class OrderTotalLine:
    """One ``oc_order_total`` row as shown: its title and its value in the order's currency."""

    title: str
    value: Decimal


@dataclass(frozen=True)
class AdminOrder:
    """What ``sale/order/info&order_id=N`` shows of one order.

    Attributes:
        customer_id: The registered customer (from the ``customer/customer/edit`` link); ``None``
            for a guest.
        status_id: The selected option of the Add Order History status select; ``None`` for
            status 0 or a status id without a name (neither is among the options).
        reward: Reward points the order earns (sum of its products' reward).
        invoice: The invoice number (``INV-2026-0012``), empty until one is generated.
        currency_left / currency_right: The symbols the amounts carry; the page never shows the
            currency code.
        payment_address / shipping_address: The rendered address lines (empty without shipping).
        comment: The customer's comment (empty when none).
    """

    order_id: int
    date_added: date
    payment_method: str
    shipping_method: str | None
    customer: str
    customer_id: int | None
    customer_group: str
    email: str
    telephone: str
    invoice: str
    reward: int
    status_id: int | None
    currency_left: str
    currency_right: str
    payment_address: tuple[str, ...]
    shipping_address: tuple[str, ...]
    lines: tuple[OrderLine, ...]
    vouchers: tuple[OrderVoucherLine, ...]
    totals: tuple[OrderTotalLine, ...]
    comment: str


@dataclass(frozen=True)
class InvoiceOrder:
    """One order block of ``sale/order/invoice``.

    Attributes:
        invoice: ``INV-2026-0012`` once an invoice number exists, else empty (heading ``Order (#N)``).
    """

    order_id: int
    invoice: str
    date_added: date
    payment_method: str
    shipping_method: str | None
    payment_address: tuple[str, ...]
    shipping_address: tuple[str, ...]
    lines: tuple[InvoiceLine, ...]
    vouchers: tuple[OrderVoucherLine, ...]
    totals: tuple[OrderTotalLine, ...]
    comment: str


@dataclass(frozen=True)
class ProductListRow:
    """One row of the ``catalog/product`` list (prices in the default currency).

    Attributes:
        price: The regular price.
        special: The special price active now, shown after the struck-through price; else ``None``.
    """

    product_id: int
    name: str
    model: str
    price: Decimal
    special: Decimal | None
    quantity: int
    status: bool


@dataclass(frozen=True)
class CustomerListRow:
    """One row of the ``customer/customer`` list."""

    customer_id: int
    name: str
    email: str
    customer_group: str
    status: bool
    ip: str
    date_added: date
