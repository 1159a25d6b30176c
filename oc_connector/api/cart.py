"""CartSession: one api_token (its own login) for one stateful cart/checkout flow.

Each method sends its parameters where the shop reads them (POST body, PHP bracket syntax for nested
fields; ``order_id`` in the query) and returns typed records. Session-setting calls overwrite the
same state, so they are safe to retry; order/add and order/edit are never retried (OutcomeUnknown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from oc_connector.api.records import (
    Address,
    CartContents,
    CartItem,
    PaymentMethod,
    ShippingMethodGroup,
    VoucherDraft,
)
from oc_connector.coerce import to_int
from oc_connector.errors import UnexpectedResponseError

if TYPE_CHECKING:
    from oc_connector.api.client import OpenCartClient

__all__ = ["CartSession"]

Form = list[tuple[str, str]]


class CartSession:
    """A cart/checkout flow on its own api_token.

    Args:
        client: a client whose transport and credentials this session shares; the session logs in
            separately (OpenCart keeps cart state per token).
    """

    def __init__(self, client: OpenCartClient) -> None:
        self._client = client

    def _call(self, route: str, form: Form | None = None, *, safe: bool = True, query: Any = None) -> Any:
        return self._client.call(route, form=form, query=query, safe=safe)

    def login(self) -> None:
        """Log in (done lazily by the first call otherwise)."""
        self._client.login()

    def set_currency(self, code: str) -> None:
        """api/currency: price the session in ``code`` (``USD``)."""
        self._call("api/currency", [("currency", code)])

    def set_customer(
        self,
        *,
        firstname: str,
        lastname: str,
        email: str,
        telephone: str,
        customer_id: int = 0,
        customer_group_id: int | None = None,
        custom_field: Mapping[str, str] | None = None,
    ) -> None:
        """api/customer: the customer (guest with customer_id 0)."""
        form: Form = [("customer_id", str(customer_id))]
        if customer_group_id is not None:
            form.append(("customer_group_id", str(customer_group_id)))
        form += [("firstname", firstname), ("lastname", lastname), ("email", email), ("telephone", telephone)]
        form += [(f"custom_field[{k}]", v) for k, v in (custom_field or {}).items()]
        self._call("api/customer", form)

    def add_product(
        self, product_id: int, quantity: int = 1, options: Mapping[int, str | list[str]] | None = None
    ) -> None:
        """api/cart/add (single form): add one product line."""
        item = CartItem(product_id, quantity, dict(options or {}))
        self._call("api/cart/add", item.to_pairs(), safe=False)

    def replace_cart(self, items: Sequence[CartItem]) -> None:
        """api/cart/add (bulk ``product[N][...]`` form): empties the cart, then adds ``items``."""
        form: Form = []
        for i, item in enumerate(items):
            form += item.to_pairs(f"product[{i}]")
        self._call("api/cart/add", form)

    def edit_cart(self, cart_id: int, quantity: int) -> None:
        """api/cart/edit: set a line's quantity (0 hides it)."""
        self._call("api/cart/edit", [("key", str(cart_id)), ("quantity", str(quantity))])

    def remove_cart(self, key: int | str) -> None:
        """api/cart/remove: remove a product line (cart_id) or a session voucher (its key)."""
        self._call("api/cart/remove", [("key", str(key))])

    def cart(self) -> CartContents:
        """api/cart/products: lines, vouchers, totals and stock/minimum errors."""
        return CartContents.from_api(self._call("api/cart/products"))

    def apply_coupon(self, code: str) -> None:
        """api/coupon."""
        self._call("api/coupon", [("coupon", code)])

    def apply_voucher(self, code: str) -> None:
        """api/voucher: redeem a gift voucher code."""
        self._call("api/voucher", [("voucher", code)])

    def apply_reward(self, points: int) -> None:
        """api/reward: use reward points."""
        self._call("api/reward", [("reward", str(points))])

    def reward_maximum(self) -> int:
        """api/reward/maximum: points the cart can take."""
        return to_int(self._call("api/reward/maximum").get("maximum")) or 0

    def reward_available(self) -> int | None:
        """api/reward/available: the customer's points (None without a registered customer)."""
        return to_int(self._call("api/reward/available").get("points"))

    def add_voucher(self, v: VoucherDraft) -> None:
        """api/voucher/add (single form, validated by the shop): adds one voucher to the session."""
        self._call("api/voucher/add", v.to_pairs(), safe=False)

    def add_vouchers(self, vs: Sequence[VoucherDraft]) -> None:
        """api/voucher/add (bulk ``voucher[N][...]`` form): replaces the session's vouchers.

        The shop does not validate this form; check drafts before sending.
        """
        form: Form = []
        for i, v in enumerate(vs):
            form += v.to_pairs(f"voucher[{i}]")
        self._call("api/voucher/add", form)

    def set_payment_address(self, a: Address) -> None:
        """api/payment/address."""
        self._call("api/payment/address", a.to_form())

    def payment_methods(self) -> dict[str, PaymentMethod]:
        """api/payment/methods (needs the payment address)."""
        methods = self._call("api/payment/methods").get("payment_methods") or {}
        return {k: PaymentMethod.from_api(v) for k, v in dict(methods).items()}

    def set_payment_method(self, code: str) -> None:
        """api/payment/method (needs payment_methods listed first)."""
        self._call("api/payment/method", [("payment_method", code)])

    def set_shipping_address(self, a: Address) -> None:
        """api/shipping/address (a no-op answering ``[]`` when nothing ships)."""
        self._call("api/shipping/address", a.to_form())

    def shipping_methods(self) -> dict[str, ShippingMethodGroup]:
        """api/shipping/methods (empty when nothing ships)."""
        methods = self._call("api/shipping/methods").get("shipping_methods") or {}
        return {k: ShippingMethodGroup.from_api(v) for k, v in dict(methods).items()}

    def set_shipping_method(self, code: str) -> None:
        """api/shipping/method (``flat.flat``)."""
        self._call("api/shipping/method", [("shipping_method", code)])

    @staticmethod
    def _order_form(
        comment: str,
        order_status_id: int | None,
        payment_method: str | None,
        shipping_method: str | None,
        affiliate_id: int | None,
    ) -> Form:
        form: Form = [("comment", comment)]
        if order_status_id is not None:
            form.append(("order_status_id", str(order_status_id)))
        if payment_method is not None:
            form.append(("payment_method", payment_method))
        if shipping_method is not None:
            form.append(("shipping_method", shipping_method))
        if affiliate_id is not None:
            form.append(("affiliate_id", str(affiliate_id)))
        return form

    def add_order(
        self,
        *,
        comment: str = "",
        order_status_id: int | None = None,
        payment_method: str | None = None,
        shipping_method: str | None = None,
        affiliate_id: int | None = None,
    ) -> int:
        """api/order/add: create the order from the session. Never retried (OutcomeUnknown).

        Returns:
            The new order_id.
        """
        form = self._order_form(comment, order_status_id, payment_method, shipping_method, affiliate_id)
        data = self._call("api/order/add", form, safe=False)
        order_id = to_int(data.get("order_id"))
        if order_id is None:
            raise UnexpectedResponseError("order/add answered without an order_id", route="api/order/add")
        return order_id

    def edit_order(
        self,
        order_id: int,
        *,
        comment: str = "",
        order_status_id: int | None = None,
        payment_method: str | None = None,
        shipping_method: str | None = None,
        affiliate_id: int | None = None,
    ) -> None:
        """api/order/edit: replace the order with the session's contents. Never retried."""
        form = self._order_form(comment, order_status_id, payment_method, shipping_method, affiliate_id)
        self._call("api/order/edit", form, safe=False, query={"order_id": int(order_id)})
