"""Orders over the catalog API: a draft to create one, and the verbs read, update and create.

* :class:`OrderDraft` describes an order to create: the customer, the products, the addresses,
  optional payment/shipping method codes, discounts, a comment and a status.
* :class:`OrderOperations` wraps one :class:`~oc_connector.api.client.OpenCartClient`:
  ``read`` returns the typed :class:`~oc_connector.api.records.Order` (``api/order/info``);
  ``update`` adds a history entry that changes the status (``api/order/history``), refusing an
  empty status before any call; ``create`` runs the whole cart flow on a new session and sends
  ``api/order/add``, which is never retried: an unknown outcome raises ``OutcomeUnknown``.

The catalog API cannot list orders (spec section 3): listing and querying them is the synced
warehouse's job (:mod:`oc_connector.sync`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from oc_connector.api.client import OpenCartClient
from oc_connector.api.records import Address, CartItem, Order
from oc_connector.errors import ValidationError

__all__ = ["OrderDraft", "OrderOperations"]


@dataclass(frozen=True)
class OrderDraft:
    """A plain description of an order to create through the cart flow.

    Attributes:
        firstname, lastname, email, telephone: the customer; ``customer_id`` 0 for a guest.
        items: products with their options.
        payment_address: billing address; ``shipping_address`` defaults to it when the cart ships.
        payment_method, shipping_method: codes, or None for the first available.
        coupon, voucher, reward: optional discounts.
        comment, order_status_id: stored on the order.
        currency: optional currency code for the session.
    """

    firstname: str
    lastname: str
    email: str
    telephone: str
    items: Sequence[CartItem]
    payment_address: Address
    shipping_address: Address | None = None
    customer_id: int = 0
    customer_group_id: int | None = None
    payment_method: str | None = None
    shipping_method: str | None = None
    coupon: str | None = None
    voucher: str | None = None
    reward: int | None = None
    comment: str = ""
    order_status_id: int | None = None
    currency: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _require_status(value: Any) -> int:
    if value is None or value == "" or value == 0 or value == "0":
        raise ValidationError(
            "order_status_id must be a positive status id: an empty status would set the order to 0",
            fields={"order_status_id": "required"},
        )
    try:
        status = int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            "order_status_id must be an integer", fields={"order_status_id": "integer"}
        ) from None
    if status <= 0:
        raise ValidationError("order_status_id must be positive", fields={"order_status_id": "positive"})
    return status


class OrderOperations:
    """Read, update and create orders through one client."""

    def __init__(self, client: OpenCartClient) -> None:
        self._client = client

    def read(self, order_id: int) -> Order:
        """The typed order (NotFoundError when it does not exist)."""
        return self._client.order_info(order_id)

    def update(
        self,
        order_id: int,
        *,
        order_status_id: Any,
        comment: str = "",
        notify: bool = False,
        override: bool = False,
    ) -> None:
        """Change an order's status with a history entry (api/order/history).

        Refuses before any call a status that would clear it (None, 0, ""): the shop would store 0.
        Never retried: OutcomeUnknown when the outcome is not known.
        """
        status = _require_status(order_status_id)
        self._client.add_order_history(
            order_id, order_status_id=status, comment=comment, notify=notify, override=override
        )

    def create(self, draft: OrderDraft) -> int:
        """Run the whole cart flow on a new session and create the order.

        Returns:
            The new order_id. Raises OutcomeUnknown if order/add's outcome is unknown.
        """
        if draft.order_status_id is not None:
            _require_status(draft.order_status_id)
        if not draft.items:
            raise ValidationError("an order needs at least one product", fields={"items": "required"})
        s = self._client.session()
        if draft.currency:
            s.set_currency(draft.currency)
        s.set_customer(
            firstname=draft.firstname,
            lastname=draft.lastname,
            email=draft.email,
            telephone=draft.telephone,
            customer_id=draft.customer_id,
            customer_group_id=draft.customer_group_id,
        )
        s.replace_cart(draft.items)
        if draft.coupon:
            s.apply_coupon(draft.coupon)
        if draft.voucher:
            s.apply_voucher(draft.voucher)
        if draft.reward:
            s.apply_reward(draft.reward)
        s.set_payment_address(draft.payment_address)
        shipping_code: str | None = None
        s.set_shipping_address(draft.shipping_address or draft.payment_address)
        groups = s.shipping_methods()
        if groups:
            shipping_code = draft.shipping_method or next(
                q.code for g in groups.values() for q in g.quotes.values()
            )
            s.set_shipping_method(shipping_code)
        methods = s.payment_methods()
        payment_code = draft.payment_method or (next(iter(methods)) if methods else None)
        if payment_code is None:
            raise ValidationError("the shop offers no payment method for this order")
        s.set_payment_method(payment_code)
        return s.add_order(comment=draft.comment, order_status_id=draft.order_status_id)
