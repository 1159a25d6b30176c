"""Gift vouchers sold through the catalog API, in orders of up to K vouchers, exactly once.

The catalog API cannot choose codes: the shop creates vouchers with random codes inside
``order/add`` and they become usable once the order reaches a complete status. Exactly-once rests on
the batch id written into the order comment:

1. requests without a batch are grouped (``batch_size``, in key order) under a stable id derived
   from their keys (:func:`batch_id_for`), recorded in the ledger (``validated``) by one
   conditional UPDATE per batch (only rows still without a batch; all of a run's batches or none,
   so two runs at once never group one request twice);
2. the batch is claimed in the ledger (:meth:`~oc_connector.reverse.ledger.Ledger.claim`, all its
   rows or none) before any shop call and released after; a batch another run holds is retried
   at the end of the pass once released (a bounded wait), else reported ``skipped``;
3. a batch this ledger never sent is looked for in the shop first (:mod:`.batch_orders`: the admin
   order list, the warehouse's synced orders, or a bounded scan): the shop, not the ledger, is the
   source of truth, so a rerun against a lost or empty warehouse adopts the orders already sold
   and sends no ``order/add``;
4. before ``add_order`` the batch is marked as sent (``attempts + 1``, committed);
5. a batch that was sent but has no order id (``OutcomeUnknown``, or the run was killed) is
   reconciled before anything is re-sent: order ids are scanned upward from the batch's
   ``order_floor`` (the highest order id the ledger knew when the batch was last sent, else
   ``scan_from``) for an order whose comment carries the batch id; found -> adopted, not found
   after ``scan_misses`` consecutive missing ids -> safe to send again (on a fresh login);
6. the order id is recorded (``issued``), then the order is moved to a complete status after
   checking its current status (``confirmed``).

A sold voucher cannot be edited through the catalog API: a request whose fields changed after its
batch was sent (same ``request_key``, another amount or recipient) is reported ``rejected`` with a
reason naming the fields; its ledger row keeps its state, and the batch keeps the fields it was
sent with. Give the new voucher a new ``request_key``, or use the admin channel.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from oc_connector.api.records import Address, PaymentMethod, VoucherDraft
from oc_connector.errors import (
    ConfigurationError,
    NotFoundError,
    OpenCartError,
    OutcomeUnknown,
    PermissionDenied,
)
from oc_connector.reverse.batch_orders import BatchOrders, ScanOrders
from oc_connector.reverse.ledger import (
    HELD_ROUNDS,
    VoucherLedger,
    VoucherLedgerRow,
    request_fields,
    unsettled_requests,
)
from oc_connector.reverse.ports import StepHook
from oc_connector.reverse.validation import Rejected, VoucherRequest
from oc_connector.sync.locks import run_holder
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.transactions import begin_write

if TYPE_CHECKING:
    from oc_connector.api.cart import CartSession
    from oc_connector.api.client import OpenCartClient

__all__ = [
    "CartSessionLike", "Issuer", "OrderChannelSettings", "OrderClientLike", "OrderPlan", "batch_id_for",
    "default_payment_address", "issue_vouchers_order", "order_channel_settings", "plan_vouchers_order",
    "voucher_draft",
]

log = logging.getLogger(__name__)


class CartSessionLike(Protocol):
    """The part of :class:`~oc_connector.api.cart.CartSession` this channel uses."""

    def set_customer(self, *, firstname: str, lastname: str, email: str, telephone: str,
                     customer_id: int = 0) -> None:
        """Set the order's customer."""
        ...

    def add_vouchers(self, vs: Sequence[VoucherDraft]) -> None:
        """Replace the session's vouchers (bulk ``voucher[N][...]`` form)."""
        ...

    def set_payment_address(self, a: Address) -> None:
        """Set the payment address."""
        ...

    def payment_methods(self) -> dict[str, PaymentMethod]:
        """Payment methods offered for this session."""
        ...

    def set_payment_method(self, code: str) -> None:
        """Choose the payment method."""
        ...

    def add_order(self, *, comment: str = "", order_status_id: int | None = None,
                  payment_method: str | None = None) -> int:
        """Create the order; never retried (``OutcomeUnknown``)."""
        ...


class OrderClientLike(Protocol):
    """The part of :class:`~oc_connector.api.client.OpenCartClient` this channel uses."""

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


if TYPE_CHECKING:  # the real client satisfies the port (checked by mypy, costs nothing at run time)
    def _conforms(client: OpenCartClient, session: CartSession) -> tuple[OrderClientLike, CartSessionLike]:
        return client, session


@dataclass(frozen=True)
class Issuer:
    """The customer the voucher orders are placed for (a guest unless ``customer_id`` is set).

    The shop checks names 1-32 characters, a valid e-mail and a telephone of 3-32 characters.
    """

    firstname: str = "Gift"
    lastname: str = "Vouchers"
    email: str = "vouchers@example.com"
    telephone: str = "000"
    customer_id: int = 0

    def __post_init__(self) -> None:
        problems = [f"issuer {name} must be 1-32 characters" for name in ("firstname", "lastname")
                    if not 1 <= len(getattr(self, name).strip()) <= 32]
        if not 3 <= len(self.telephone) <= 32:
            problems.append("issuer telephone must be 3-32 characters")
        local, _, domain = self.email.partition("@")
        if not local or "." not in domain or len(self.email) > 96:
            problems.append(f"issuer e-mail {self.email!r} is not valid")
        if problems:
            raise ConfigurationError("; ".join(problems))


def default_payment_address(issuer: Issuer) -> Address:
    """A payment address on OpenCart's install-default store country/zone (222 UK / 3563).

    Voucher-only orders ship nothing, so the address only has to pass the shop's checks; configure
    the shop's own address when it differs.
    """
    return Address(firstname=issuer.firstname, lastname=issuer.lastname, address_1="Gift voucher desk",
                   city="London", postcode="SW1A 1AA", country_id=222, zone_id=3563)


def voucher_draft(request: VoucherRequest) -> VoucherDraft:
    """The client's voucher draft of a validated request (the shop does not re-check bulk drafts).

    The bulk form needs all eight sub-keys, ``code`` included: the shop silently drops an entry that
    lacks one (spec 4.24 A.2), so without a code no voucher reaches the cart and ``api/order/add``
    fails. The code is only the session key (entries with the same code overwrite each other); the
    request key is unique within a batch, and the shop gives the sold voucher a new random code.
    """
    return VoucherDraft(
        from_name=request.from_name, from_email=request.from_email, to_name=request.to_name,
        to_email=request.to_email, voucher_theme_id=request.voucher_theme_id, message=request.message,
        amount=request.amount, code=request.request_key,
    )


@dataclass(frozen=True)
class OrderChannelSettings:
    """Settings of the order channel.

    Attributes:
        issuer: the customer the orders are placed for.
        address: payment address (default: :func:`default_payment_address` of the issuer).
        batch_size: vouchers per order (K).
        payment_method: payment extension code (voucher-only orders cannot use COD).
        complete_status_id: the status that makes vouchers usable (a ``config_complete_status``).
        complete_status_ids: statuses that already count as complete.
        notify: e-mail the customer when completing.
        scan_from: first order id to scan when the ledger knows none (and, without admin
            credentials or synced orders, where the look for a batch sold by another ledger starts).
        scan_misses: consecutive missing order ids that end a reconciliation scan.
        scan_limit: order ids read at most per run by that look (:class:`~.batch_orders.ScanOrders`).
        checkout_attempts: checkouts of one batch in a run; a checkout whose session the shop
            drops (``PermissionDenied``: the refused call did not run, the cart is gone) is started
            again on a new login.
        settle_s: seconds after a batch's last send before its order is looked for. An
            ``order/add`` whose answer was lost (read timeout, reset, killed run) may still be
            running in the shop's PHP, which goes on after the client has gone; a scan that ends
            before the order lands would send the batch again. The default covers the client's
            30 s read timeout and as much again; a run that finds a batch sent more recently waits.
    """

    issuer: Issuer = field(default_factory=Issuer)
    address: Address | None = None
    batch_size: int = 50
    payment_method: str = "bank_transfer"
    complete_status_id: int = 5
    complete_status_ids: frozenset[int] = frozenset({3, 5})
    notify: bool = False
    scan_from: int = 1
    scan_misses: int = 20
    scan_limit: int = 10_000
    checkout_attempts: int = 5
    settle_s: float = 60.0

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 500:
            raise ConfigurationError(f"batch_size must be 1..500, got {self.batch_size}")
        if self.settle_s < 0:
            raise ConfigurationError(f"settle_s must not be negative, got {self.settle_s}")
        if self.checkout_attempts < 1:
            raise ConfigurationError(f"checkout_attempts must be at least 1, got {self.checkout_attempts}")
        if self.complete_status_id not in self.complete_status_ids:
            raise ConfigurationError(
                f"complete_status_id {self.complete_status_id} is not among the complete statuses "
                f"{sorted(self.complete_status_ids)}"
            )

    @property
    def payment_address(self) -> Address:
        """The configured payment address, else the default one for the issuer."""
        return self.address or default_payment_address(self.issuer)


def order_channel_settings(
    *, issuer_firstname: str, issuer_lastname: str, issuer_email: str, issuer_telephone: str,
    issuer_customer_id: int, address_1: str, city: str, postcode: str, country_id: int, zone_id: int,
    batch_size: int, payment_method: str, complete_status_id: int, notify: bool, scan_from: int,
    settle_s: float = 60.0,
) -> OrderChannelSettings:
    """The order-channel settings from flat options (the CLI's flags, the Dagster job's run config).

    The payment address carries the issuer's names; ``complete_status_id`` joins the statuses
    that already count as complete (3 Shipped, 5 Complete).

    Raises:
        ConfigurationError: an invalid issuer or batch size.
    """
    issuer = Issuer(firstname=issuer_firstname, lastname=issuer_lastname, email=issuer_email,
                    telephone=issuer_telephone, customer_id=issuer_customer_id)
    address = Address(firstname=issuer.firstname, lastname=issuer.lastname, address_1=address_1,
                      city=city, postcode=postcode, country_id=country_id, zone_id=zone_id)
    return OrderChannelSettings(
        issuer=issuer, address=address, batch_size=batch_size, payment_method=payment_method,
        complete_status_id=complete_status_id, complete_status_ids=frozenset({3, 5, complete_status_id}),
        notify=notify, scan_from=scan_from, settle_s=settle_s,
    )


@dataclass
class OrderPlan:
    """What an order-channel run would do, computed from the ledger alone. Writes nothing."""

    creates: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    orders: int = 0
    calls: int = 0
    total_value: Decimal = Decimal(0)


def plan_vouchers_order(
    items: Sequence[VoucherRequest | Rejected], *, ledger: VoucherLedger | None, batch_size: int = 50,
) -> OrderPlan:
    """Dry run of :func:`issue_vouchers_order`: requests to sell, orders, calls and value.

    A request the ledger already holds as ``confirmed`` is unchanged (rejected when its fields
    changed after it was sold); one already in a batch that was sent counts as a create (its batch
    is reconciled first, so it may turn out to exist), as does one the ledger does not know (the
    run looks for its batch's order first, so it may turn out to be sold).
    ``calls`` counts one login, customer, voucher/add, payment address, methods, method, order/add
    and order/history per order.
    """
    plan = OrderPlan()
    pending = unsettled_requests(items, ledger=ledger, rejected=plan.rejected, unchanged=plan.unchanged)
    for item, row in pending:
        changed = row.changes(item) if row is not None else {}
        if changed and row is not None and (row.attempts > 0 or row.order_id is not None):
            plan.rejected.append(Rejected(item.request_key, (_changed_reason(changed),)))
            continue
        plan.creates.append(item.request_key)
        plan.total_value += item.amount
    plan.orders = -(-len(plan.creates) // batch_size)
    plan.calls = plan.orders * 8
    return plan


def batch_id_for(keys: Sequence[str]) -> str:
    """Stable batch id of a set of request keys (order-independent)."""
    digest = hashlib.sha256("\x00".join(sorted(keys)).encode()).hexdigest()
    return f"ocv-{digest[:16]}"


def issue_vouchers_order(
    items: Sequence[VoucherRequest | Rejected], *, client: OrderClientLike, ledger: VoucherLedger,
    settings: OrderChannelSettings, hook: StepHook | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC), sleep: Callable[[float], None] = time.sleep,
    orders: BatchOrders | None = None, holder: str | None = None,
) -> dict[str, str]:
    """Issue vouchers in orders through the catalog API, exactly once per request.

    ``now`` (aware UTC) and ``sleep`` time the wait of ``settings.settle_s`` (injectable for tests).

    Args:
        items: validated requests and rejected rows.
        client: the catalog API client.
        ledger: the voucher ledger.
        settings: the channel's settings.
        hook: called after every committed step.
        now: clock (aware UTC).
        sleep: pause.
        orders: where a batch this ledger never sent is looked for before it is sent (default: a
            :class:`~.batch_orders.ScanOrders` from ``settings.scan_from``).
        holder: the run's name in the ledger claims (default: a new one for this process).

    Returns:
        Request key -> final state: the ledger's, ``rejected`` for a changed request whose voucher
        was already sold (the ledger row keeps its state; its ``reason`` says which fields), or
        ``skipped`` for a batch another run still held.

    Raises:
        ConfigurationError: the payment method is not offered (names the extension to enable), or
            the default scan could not reach the end of the shop's orders.
    """
    holder = holder or run_holder("vouchers")
    orders = orders or ScanOrders(client, start=settings.scan_from, misses=settings.scan_misses,
                                  limit=settings.scan_limit)
    requests: dict[str, VoucherRequest] = {}
    seen: set[str] = set()
    refused: set[str] = set()
    for item in items:
        if isinstance(item, Rejected):
            seen.add(item.key or "<empty>")
            ledger.ensure(item.key or "<empty>", channel="order", state="rejected", reason=item.reason)
            continue
        fields = json.dumps(request_fields(item), sort_keys=True)
        row = ledger.ensure(item.request_key, channel="order", state="pending", amount=item.amount,
                            request=fields)
        requests[item.request_key] = item
        changed = row.changes(item) if row.channel == "order" else {}
        if not changed:
            continue
        if row.attempts == 0 and row.order_id is None and row.state in ("pending", "validated", "failed"):
            # not sold yet: the batch is sold with the new fields
            ledger.mark(item.request_key, amount=item.amount, request=fields)
            continue
        refused.add(item.request_key)
        ledger.mark(item.request_key, reason=_changed_reason(changed))
        if row.request is not None:  # a batch is resent as it was first sent
            requests[item.request_key] = _as_sent(item, row.request)
    _assign_batches(ledger, requests, settings=settings, hook=hook)
    clock = _Clock(now, sleep)
    skipped: list[list[str]] = []
    for keys in _open_batches(ledger, requests):
        if not _claimed_batch(keys, requests=requests, client=client, ledger=ledger, settings=settings,
                              hook=hook, clock=clock, orders=orders, holder=holder):
            skipped.append(keys)
    for _ in range(HELD_ROUNDS):  # batches another run held: wait for it (bounded), then try again
        if not skipped:
            break
        ledger.wait_released([k for keys in skipped for k in keys], holder=holder)
        skipped = [keys for keys in skipped if not _claimed_batch(
            keys, requests=requests, client=client, ledger=ledger, settings=settings, hook=hook, clock=clock,
            orders=orders, holder=holder)]
    still = skipped
    seen.update(requests)
    states = {r.request_key: r.state for r in ledger.rows() if r.request_key in seen}
    states.update({k: "skipped" for keys in still for k in keys if states.get(k) != "confirmed"})
    states.update({k: "rejected" for k in refused})
    return states


def _changed_reason(changed: Mapping[str, tuple[str, str]]) -> str:
    parts = ", ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in sorted(changed.items()))
    return (f"request changed after its voucher was sold ({parts}): a voucher sold through an order "
            "cannot be edited on the order channel; use a new request_key or the admin channel")


def _as_sent(request: VoucherRequest, fields: Mapping[str, str]) -> VoucherRequest:
    """The request as its batch was first sent (from the ledger's ``request`` fields)."""
    return dataclasses.replace(
        request, to_name=fields["to_name"], to_email=fields["to_email"], from_name=fields["from_name"],
        from_email=fields["from_email"], amount=Decimal(fields["amount"]),
        voucher_theme_id=int(fields["voucher_theme_id"]), message=fields["message"],
    )


def _assign_batches(ledger: VoucherLedger, requests: Mapping[str, VoucherRequest], *,
                    settings: OrderChannelSettings, hook: StepHook | None, rounds: int = 5) -> None:
    """Group the run's unbatched requests, each chunk by one conditional UPDATE; all chunks or none."""
    t = voucher_ledger
    for _ in range(rounds):
        rows = ledger.rows(keys=list(requests))
        unbatched = sorted(r.request_key for r in rows
                           if r.channel == "order" and r.batch_id is None and r.state != "rejected")
        if not unbatched:
            return
        chunks = [unbatched[i:i + settings.batch_size] for i in range(0, len(unbatched), settings.batch_size)]
        try:
            with begin_write(ledger.engine) as conn:
                for chunk in chunks:
                    done = conn.execute(t.update().where(t.c.request_key.in_(chunk), t.c.batch_id.is_(None))
                                        .values(state="validated", batch_id=batch_id_for(chunk),
                                                updated_at=datetime.now(UTC))).rowcount
                    if done != len(chunk):
                        raise _Raced
        except _Raced:
            continue  # another run grouped some of them in between: read again
        for chunk in chunks:
            _step(hook, chunk[0], "batched")
        return


class _Raced(Exception):
    """Another run changed the rows a conditional update expected (rolls it back)."""


def _open_batches(ledger: VoucherLedger, requests: Mapping[str, VoucherRequest]) -> list[list[str]]:
    """The keys of each batch of the run's requests not yet confirmed, by batch id."""
    batches: dict[str, list[str]] = {}
    for row in ledger.rows(keys=list(requests)):
        if row.batch_id and row.state not in ("confirmed", "rejected"):
            batches.setdefault(row.batch_id, []).append(row.request_key)
    return [keys for _batch_id, keys in sorted(batches.items())]


def _claimed_batch(keys: list[str], *, ledger: VoucherLedger, holder: str,
                   requests: Mapping[str, VoucherRequest], **options: Any) -> bool:
    """Run one batch under this run's claim of all its rows; False when another run holds one."""
    if ledger.claim(keys, holder=holder) is not None:
        return False
    try:
        members = [r for r in ledger.rows(keys=keys)  # read again under the claim
                   if r.state not in ("confirmed", "rejected")]
        if members and members[0].batch_id:
            _run_batch(members[0].batch_id, members, requests=requests, ledger=ledger, **options)
    finally:
        ledger.release(keys, holder=holder)
    return True


@dataclass(frozen=True)
class _Clock:
    now: Callable[[], datetime]
    sleep: Callable[[float], None]


def _settle(batch_id: str, members: list[VoucherLedgerRow], *, settle_s: float, clock: _Clock) -> None:
    """Wait until ``settle_s`` have passed since the batch was last sent (its rows last changed)."""
    changed = [m.updated_at for m in members if m.updated_at is not None]
    if not changed:
        return
    wait = settle_s - (clock.now() - max(changed)).total_seconds()
    if wait > 0:
        log.info("batch %s was sent %.0f s ago; waiting %.0f s for an order the shop may still be "
                 "writing before looking for it", batch_id, settle_s - wait, wait)
        clock.sleep(wait)


def _run_batch(
    batch_id: str, members: list[VoucherLedgerRow], *, requests: Mapping[str, VoucherRequest],
    client: OrderClientLike, ledger: VoucherLedger, settings: OrderChannelSettings, hook: StepHook | None,
    clock: _Clock, orders: BatchOrders,
) -> None:
    keys = [m.request_key for m in members]
    order_id = next((m.order_id for m in members if m.order_id), None)
    if order_id is None and all(m.attempts == 0 for m in members):
        order_id = orders.find(batch_id)  # never sent from this ledger: was it sold from another?
        if order_id is not None:
            ledger.mark_many(keys, state="issued", order_id=order_id, reason=None)
            _step(hook, keys[0], "adopted")
    if order_id is None and any(m.attempts > 0 for m in members):
        _settle(batch_id, members, settle_s=settings.settle_s, clock=clock)
        floors = [m.order_floor for m in members if m.order_floor is not None]
        order_id = _reconcile(batch_id, client=client, start=min(floors, default=settings.scan_from),
                              misses=settings.scan_misses)
        if order_id is not None:
            ledger.mark_many(keys, state="issued", order_id=order_id, reason=None)
            _step(hook, keys[0], "adopted")
    if order_id is None:
        known = ledger.max_order_id()  # one query, not the whole ledger once per batch
        floor = known or settings.scan_from
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
    """Check the batch out; a dropped session starts the checkout again on a new login."""
    attempt = 1
    while True:
        try:
            return _checkout(batch_id, batch, client=client, settings=settings)
        except PermissionDenied as exc:
            if attempt >= settings.checkout_attempts:
                raise
            attempt += 1
            log.warning("batch %s: the shop dropped the checkout session (%s); checking out again on "
                        "a new login (attempt %d of %d)", batch_id, exc.route, attempt,
                        settings.checkout_attempts)


def _checkout(batch_id: str, batch: Sequence[VoucherRequest], *, client: OrderClientLike,
              settings: OrderChannelSettings) -> int:
    issuer = settings.issuer
    session = client.session()
    session.set_customer(firstname=issuer.firstname, lastname=issuer.lastname, email=issuer.email,
                         telephone=issuer.telephone, customer_id=issuer.customer_id)
    session.add_vouchers([voucher_draft(r) for r in batch])
    session.set_payment_address(settings.payment_address)
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
