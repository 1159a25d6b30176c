"""Gift vouchers sold through the catalog API, in orders of up to K vouchers, exactly once.

The catalog API cannot choose codes: the shop creates vouchers with random codes inside
``order/add`` and they become usable once the order reaches a complete status. Exactly-once rests on
the batch id written into the order comment:

1. requests without a batch are grouped (``batch_size``) under a stable id derived from their keys,
   recorded in the ledger (``validated``);
2. before ``add_order`` the batch is marked as sent (``attempts + 1``, committed);
3. a batch that was sent but has no order id (``OutcomeUnknown``, or the run was killed) is
   reconciled before anything is re-sent: order ids are scanned upward from the batch's
   ``order_floor`` (the highest order id the ledger knew when the batch was first sent, else
   ``scan_from``) for an order whose comment carries the batch id; found -> adopted, not found
   after ``scan_misses`` consecutive missing ids -> safe to send again (on a fresh login);
4. the order id is recorded (``issued``), then the order is moved to a complete status after
   checking its current status (``confirmed``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from oc_connector.errors import ConfigurationError, NotFoundError, OpenCartError, OutcomeUnknown
from oc_connector.reverse.ledger import VoucherLedger, VoucherLedgerRow
from oc_connector.reverse.ports import StepHook
from oc_connector.reverse.requests import Rejected, VoucherRequest

__all__ = [
    "CartSessionLike", "OrderChannelSettings", "OrderClientLike", "batch_id_for", "issue_vouchers_order",
]

log = logging.getLogger(__name__)


class CartSessionLike(Protocol):
    """The part of ``oc_connector.session.CartSession`` this channel uses."""

    def set_customer(self, *, firstname: str, lastname: str, email: str, telephone: str) -> None:
        """Set the order's customer."""
        ...

    def add_vouchers(self, vouchers: Sequence[Any]) -> None:
        """Replace the session's vouchers."""
        ...

    def set_payment_address(self, address: Any) -> None:
        """Set the payment address."""
        ...

    def payment_methods(self) -> Mapping[str, Any]:
        """Payment methods offered for this session."""
        ...

    def set_payment_method(self, code: str) -> None:
        """Choose the payment method."""
        ...

    def add_order(self, *, comment: str = "") -> int:
        """Create the order; never retried (``OutcomeUnknown``)."""
        ...


class OrderClientLike(Protocol):
    """The part of ``oc_connector.client.OpenCartClient`` this channel uses."""

    def session(self) -> CartSessionLike:
        """A fresh login."""
        ...

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        """The order's ``api/order/info`` payload; NotFoundError when absent."""
        ...

    def add_order_history(self, order_id: int, *, order_status_id: int, comment: str = "",
                          notify: bool = False) -> None:
        """Add a status history entry."""
        ...


@dataclass(frozen=True)
class OrderChannelSettings:
    """Settings of the order channel.

    Attributes:
        customer: issuer as ``set_customer`` keywords (firstname, lastname, email, telephone).
        address: the payment address object the client expects.
        make_draft: turns a request into the client's ``VoucherDraft``.
        batch_size: vouchers per order (K).
        payment_method: payment extension code (voucher-only orders cannot use COD).
        complete_status_id: the status that makes vouchers usable (a ``config_complete_status``).
        complete_status_ids: statuses that already count as complete.
        notify: e-mail the customer when completing.
        scan_from: first order id to scan when the ledger knows none.
        scan_misses: consecutive missing order ids that end a reconciliation scan.
    """

    customer: Mapping[str, str]
    address: Any
    make_draft: Callable[[VoucherRequest], Any]
    batch_size: int = 50
    payment_method: str = "bank_transfer"
    complete_status_id: int = 5
    complete_status_ids: frozenset[int] = frozenset({3, 5})
    notify: bool = False
    scan_from: int = 1
    scan_misses: int = 20


def batch_id_for(keys: Sequence[str]) -> str:
    """Stable batch id of a set of request keys (order-independent)."""
    digest = hashlib.sha256("\x00".join(sorted(keys)).encode()).hexdigest()
    return f"ocv-{digest[:16]}"


def issue_vouchers_order(
    items: Sequence[VoucherRequest | Rejected], *, client: OrderClientLike, ledger: VoucherLedger,
    settings: OrderChannelSettings, hook: StepHook | None = None,
) -> dict[str, str]:
    """Issue vouchers in orders through the catalog API, exactly once per request.

    Returns:
        Request key -> final ledger state.

    Raises:
        ConfigurationError: the payment method is not offered (names the extension to enable).
    """
    requests: dict[str, VoucherRequest] = {}
    seen: set[str] = set()
    for item in items:
        if isinstance(item, Rejected):
            seen.add(item.key or "<empty>")
            ledger.ensure(item.key or "<empty>", channel="order", state="rejected", reason=item.reason)
        else:
            ledger.ensure(item.request_key, channel="order", state="pending", amount=item.amount)
            requests[item.request_key] = item
    rows = {r.request_key: r for r in ledger.rows() if r.request_key in requests and r.channel == "order"}
    unbatched = sorted(k for k, r in rows.items() if r.batch_id is None and r.state != "rejected")
    for start in range(0, len(unbatched), settings.batch_size):
        chunk = unbatched[start:start + settings.batch_size]
        ledger.mark_many(chunk, state="validated", batch_id=batch_id_for(chunk))
        _step(hook, chunk[0], "batched")
    batches: dict[str, list[VoucherLedgerRow]] = {}
    for row in ledger.rows():
        if row.request_key in requests and row.batch_id and row.state not in ("confirmed", "rejected"):
            batches.setdefault(row.batch_id, []).append(row)
    for batch_id, members in sorted(batches.items()):
        _run_batch(batch_id, members, requests=requests, client=client, ledger=ledger,
                   settings=settings, hook=hook)
    seen.update(requests)
    return {r.request_key: r.state for r in ledger.rows() if r.request_key in seen}


def _run_batch(
    batch_id: str, members: list[VoucherLedgerRow], *, requests: Mapping[str, VoucherRequest],
    client: OrderClientLike, ledger: VoucherLedger, settings: OrderChannelSettings, hook: StepHook | None,
) -> None:
    keys = [m.request_key for m in members]
    order_id = next((m.order_id for m in members if m.order_id), None)
    if order_id is None and any(m.attempts > 0 for m in members):
        floors = [m.order_floor for m in members if m.order_floor is not None]
        order_id = _reconcile(batch_id, client=client, start=min(floors, default=settings.scan_from),
                              misses=settings.scan_misses)
        if order_id is not None:
            ledger.mark_many(keys, state="issued", order_id=order_id, reason=None)
            _step(hook, keys[0], "adopted")
    if order_id is None:
        known = [r.order_id for r in ledger.rows() if r.order_id]
        floor = max(known, default=settings.scan_from)
        ledger.mark_many(keys, bump=1, state="pending", order_floor=floor)
        _step(hook, keys[0], "sending")
        try:
            order_id = _send(batch_id, [requests[k] for k in keys], client=client, settings=settings)
        except OutcomeUnknown as exc:
            log.warning("batch %s: order/add outcome unknown (%s); reconcile on the next run", batch_id, exc)
            ledger.mark_many(keys, reason=f"order/add outcome unknown: {exc.message}")
            return
        ledger.mark_many(keys, state="issued", order_id=order_id, reason=None)
        _step(hook, keys[0], "issued")
    try:
        status = int(client.order_info_raw(order_id).get("order_status_id") or 0)
        if status not in settings.complete_status_ids:
            client.add_order_history(order_id, order_status_id=settings.complete_status_id,
                                     comment=f"vouchers {batch_id}", notify=settings.notify)
            status = int(client.order_info_raw(order_id).get("order_status_id") or 0)
    except OpenCartError as exc:
        ledger.mark_many(keys, reason=f"completing order {order_id}: {exc.message}")
        return
    if status in settings.complete_status_ids:
        ledger.mark_many(keys, state="confirmed", reason=None)
        _step(hook, keys[0], "confirmed")


def _send(batch_id: str, batch: Sequence[VoucherRequest], *, client: OrderClientLike,
          settings: OrderChannelSettings) -> int:
    session = client.session()
    session.set_customer(**settings.customer)
    session.add_vouchers([settings.make_draft(r) for r in batch])
    session.set_payment_address(settings.address)
    methods = session.payment_methods()
    if settings.payment_method not in methods:
        offered = ", ".join(sorted(methods)) or "none"
        raise ConfigurationError(
            f"payment method {settings.payment_method!r} is not offered for voucher-only orders "
            f"(offered: {offered}); enable the 'Bank Transfer' extension (Extensions > Payments) "
            "or configure another method"
        )
    session.set_payment_method(settings.payment_method)
    return session.add_order(comment=f"oc-connector voucher batch {batch_id}")


def _reconcile(batch_id: str, *, client: OrderClientLike, start: int, misses: int) -> int | None:
    """Scan order ids upward from ``start`` for the order whose comment carries ``batch_id``."""
    order_id = start
    limit, misses = misses, 0
    while misses < limit:
        try:
            info = client.order_info_raw(order_id)
        except NotFoundError:
            misses += 1
        else:
            misses = 0
            if batch_id in str(info.get("comment") or ""):
                return order_id
        order_id += 1
    return None


def _step(hook: StepHook | None, key: str, step: str) -> None:
    if hook is not None:
        hook(key, step)
