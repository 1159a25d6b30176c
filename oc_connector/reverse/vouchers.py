"""Exactly-once gift-voucher issuance on the admin channel, and its dry-run plan.

Each request's code is derived from its ``request_key`` and recorded in the ledger *before* the
shop is written, so the code is the idempotency key: a rerun (after a crash, a kill, a reset after
the shop committed) finds the voucher by code and never creates a second one. A code already in
the shop when it is first derived belongs to someone else: the next salt is tried.

Steps per request, each committed to ``opencart_voucher_ledger`` before the next:
``validated`` (code reserved) -> write (create / update / nothing) -> ``issued`` -> read back ->
``confirmed`` (or ``failed`` with the reason) -> optional e-mail (``emailed``, at most once).
The write, reconcile and read-back steps are :func:`~oc_connector.reverse.upsert.upsert` with the
voucher entity (:data:`VOUCHERS`); code derivation, the redeem check and the e-mail are the
voucher's own.
With ``redeem_check`` (off by default) a voucher is confirmed only once the catalog API accepts its
code (``api/voucher``, :mod:`.redeem`); a refusal leaves it ``failed`` with the shop's words, and a
rerun re-checks it without writing it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oc_connector.errors import OpenCartError, OutcomeUnknown, TransportError
from oc_connector.reverse.codes import derive_code, derive_unique_code
from oc_connector.reverse.ledger import HELD_ROUNDS, VoucherLedger, request_fields, unsettled_requests
from oc_connector.reverse.ports import StepHook, VoucherStore
from oc_connector.reverse.redeem import RedeemCheck
from oc_connector.reverse.upsert import Entity, classify, step, upsert
from oc_connector.reverse.validation import Rejected, VoucherRequest
from oc_connector.sync.locks import run_holder

__all__ = [
    "VOUCHERS", "IssueResult", "VoucherPlan", "is_same_voucher", "issue_vouchers_admin", "plan_vouchers",
    "voucher_fields",
]

_COMPARED = (
    "code", "from_name", "from_email", "to_name", "to_email", "voucher_theme_id", "message", "amount",
)


def voucher_fields(request: VoucherRequest, *, code: str) -> dict[str, str]:
    """The admin form fields of a request (status enabled)."""
    return {
        "code": code, "from_name": request.from_name, "from_email": request.from_email,
        "to_name": request.to_name, "to_email": request.to_email,
        "voucher_theme_id": str(request.voucher_theme_id), "message": request.message,
        "amount": _amount(request.amount), "status": "1",
    }


def _amount(value: Decimal | str) -> str:
    return f"{Decimal(str(value)):.4f}"


def _same(shop: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    for name in _COMPARED:
        have, want = shop.get(name, ""), wanted[name]
        if name == "amount":
            have = _amount(have or "0")
        if name == "code":
            have, want = have.upper(), want.upper()
        if str(have).strip() != want.strip():
            return False
    return True


class _Vouchers(Entity[VoucherRequest]):
    """Vouchers for :func:`~oc_connector.reverse.upsert.upsert`: the request's fields at a chosen code.

    ``attempts`` counts the create/update calls sent; any shop error fails only its request.
    """

    kind = "voucher"

    def create_fields(self, request: VoucherRequest, code: str) -> dict[str, str]:
        return voucher_fields(request, code=code)

    def update_fields(self, request: VoucherRequest, code: str, current: Mapping[str, str]) -> dict[str, str]:
        return {**current, **voucher_fields(request, code=code)}

    def matches(self, request: VoucherRequest, code: str, current: Mapping[str, str]) -> bool:
        return _same(current, voucher_fields(request, code=code))

    def attempts(self, sent: int, *, gave_up: bool) -> int:
        return sent


VOUCHERS: Entity[VoucherRequest] = _Vouchers()
"""The voucher entity of the shared upsert."""


def is_same_voucher(shop: Mapping[str, str], request: VoucherRequest) -> bool:
    """True when the shop's voucher has this request's recipient (name, e-mail) and amount.

    Such a voucher at the request's derived code is the request's own (issued by a run whose
    ledger is gone), never a collision.
    """
    return (shop.get("to_name", "").strip() == request.to_name.strip()
            and shop.get("to_email", "").strip().lower() == request.to_email.strip().lower()
            and _amount(shop.get("amount") or "0") == _amount(request.amount))


@dataclass
class VoucherPlan:
    """What an issue run would do, computed without writing anything."""

    creates: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    calls: int = 0
    total_value: Decimal = Decimal(0)


def plan_vouchers(
    items: Iterable[VoucherRequest | Rejected], *, store: VoucherStore | None, ledger: VoucherLedger | None,
    prefix: str = "", length: int = 10,
) -> VoucherPlan:
    """Dry run: classify every request, count the calls and the value to issue. Writes nothing.

    Args:
        items: validated requests and rejected rows.
        store: the shop (read only), or None to plan from the ledger alone (all unknown = creates).
        ledger: the ledger (read only), or None.
        prefix: code prefix.
        length: code length.

    Returns:
        The plan. ``calls`` counts shop writes plus one read-back per write.
    """
    plan = VoucherPlan()
    pending = unsettled_requests(items, ledger=ledger, rejected=plan.rejected, unchanged=plan.unchanged)
    for item, row in pending:
        reserved = row is not None and row.code is not None
        code = row.code if row is not None and row.code else derive_code(item.request_key, prefix=prefix,
                                                                          length=length)
        found = store.find(code) if store is not None else None
        if found is not None and not reserved and not is_same_voucher(found[1], item):
            found = None  # another voucher holds the first code: the run creates one under the next salt
        action = classify(VOUCHERS, item, code=code, found=found)
        if action == "create":
            plan.creates.append(item.request_key)
            plan.total_value += item.amount
        elif action == "none":
            plan.unchanged.append(item.request_key)
            continue
        else:
            plan.updates.append(item.request_key)
        plan.calls += 2
    return plan


@dataclass(frozen=True)
class IssueResult:
    """Outcome of one request in an issue run.

    ``action`` says what this run did in the shop: ``create``, ``update`` (a changed request, or a
    voucher that differed), ``adopt`` (the shop already held this request's voucher, ledger had
    none), ``none`` (already confirmed and unchanged: no shop call) or None (nothing decided:
    rejected, failed before a write, or ``skipped`` while another run holds the request).
    """

    request_key: str
    state: str
    code: str | None = None
    reason: str | None = None
    action: str | None = None


def issue_vouchers_admin(
    items: Sequence[VoucherRequest | Rejected], *, store: VoucherStore, ledger: VoucherLedger,
    prefix: str = "", length: int = 10, send_email: bool = False, attempts: int = 4,
    hook: StepHook | None = None, redeem_check: RedeemCheck | None = None, holder: str | None = None,
) -> list[IssueResult]:
    """Issue vouchers with chosen codes through the admin channel, exactly once per request.

    Args:
        items: validated requests and rejected rows (recorded as ``rejected``).
        store: the admin voucher store.
        ledger: the voucher ledger (resumes from its rows).
        prefix: shop-wide code prefix.
        length: code length 3..10.
        send_email: e-mail each voucher once after it is confirmed.
        attempts: write rounds per request before it is marked ``failed``.
        hook: called after every committed step.
        redeem_check: when given, called with each code before it is confirmed (e.g.
            :class:`~oc_connector.reverse.redeem.SessionRedeemCheck`); off by default.
        holder: the run's name in the ledger claims (default: a new one for this process).

    Returns:
        One result per input item, in order.

    Raises:
        ConfigurationError: the code settings cannot produce a free code.
    """
    holder = holder or run_holder("vouchers")
    results: list[IssueResult] = []
    for item in items:
        if isinstance(item, Rejected):
            row = ledger.ensure(item.key or "<empty>", channel="admin", state="rejected", reason=item.reason)
            results.append(IssueResult(item.key, row.state, row.code, row.reason))
            continue
        results.append(_claimed(item, store=store, ledger=ledger, prefix=prefix, length=length,
                                send_email=send_email, attempts=attempts, hook=hook,
                                redeem_check=redeem_check, holder=holder))
    for _ in range(HELD_ROUNDS):  # rows another run held: wait for it (bounded), then try them again
        held = [r.request_key for r in results if r.state == "skipped"]
        if not held:
            break
        ledger.wait_released(held, holder=holder)
        for index, (item, result) in enumerate(zip(items, results, strict=True)):
            if result.state == "skipped" and isinstance(item, VoucherRequest):
                results[index] = _claimed(item, store=store, ledger=ledger, prefix=prefix, length=length,
                                          send_email=send_email, attempts=attempts, hook=hook,
                                          redeem_check=redeem_check, holder=holder)
    return results


def _claimed(request: VoucherRequest, *, ledger: VoucherLedger, holder: str, **options: Any) -> IssueResult:
    """One request under this run's ledger claim (``skipped`` while another run holds it)."""
    key = request.request_key
    row = ledger.ensure(key, channel="admin", state="pending", amount=request.amount,
                        request=json.dumps(request_fields(request), sort_keys=True))
    if row.state == "rejected" or row.channel != "admin":
        reason = row.reason or f"already handled on the {row.channel} channel"
        return IssueResult(key, row.state, row.code, reason)
    other = ledger.claim([key], holder=holder)
    if other is not None:
        return IssueResult(key, "skipped", row.code, f"being issued by another run ({other})")
    try:
        return _issue_one(request, ledger=ledger, **options)
    finally:
        ledger.release([key], holder=holder)


def _issue_one(
    request: VoucherRequest, *, store: VoucherStore, ledger: VoucherLedger, prefix: str, length: int,
    send_email: bool, attempts: int, hook: StepHook | None, redeem_check: RedeemCheck | None = None,
) -> IssueResult:
    key = request.request_key
    row = ledger.get(key)  # read again under the claim: another run may have just finished it
    assert row is not None  # noqa: S101 - ensured before the claim
    code = row.code
    adopted = False
    if code is None:
        taken = ledger.codes_taken()

        def collides(candidate: str) -> bool:
            nonlocal adopted
            if candidate.upper() in taken:
                return True  # another request of this ledger holds it
            found = store.find(candidate)
            adopted = found is not None and is_same_voucher(found[1], request)
            return found is not None and not adopted  # held by a different voucher

        code = derive_unique_code(key, prefix=prefix, length=length, taken=collides)
        ledger.mark(key, state="validated", code=code)
        step(hook, key, "validated")
    changed = sorted(row.changes(request)) if row.state == "confirmed" else []
    action: str | None = "none"
    note: str | None = None
    if row.state != "confirmed" or changed or (send_email and not row.emailed):
        done = upsert(VOUCHERS, request, key=key, code=code, store=store, ledger=ledger, attempts=attempts,
                      hook=hook, verify=None if redeem_check is None else _redeemable(redeem_check))
        action = "adopt" if adopted and done.action == "none" else done.action
        if done.state != "confirmed" or done.record_id is None:
            return IssueResult(key, done.state, code, done.reason, action)
        ledger.mark(key, amount=request.amount, request=json.dumps(request_fields(request), sort_keys=True))
        if changed and done.action == "update":
            note = "updated: " + ", ".join(changed)
        elif adopted:
            note = "adopted: the shop already held this request's voucher"
        if send_email and not ledger_emailed(ledger, key):
            _send_once(store, ledger, key, done.record_id)
            step(hook, key, "emailed")
    final = ledger.get(key)
    assert final is not None  # noqa: S101
    return IssueResult(key, final.state, final.code, final.reason or note, action)


def ledger_emailed(ledger: VoucherLedger, key: str) -> bool:
    """True when the voucher of ``key`` was e-mailed (or its e-mail outcome is unknown)."""
    row = ledger.get(key)
    return bool(row and row.emailed)


def _send_once(store: VoucherStore, ledger: VoucherLedger, key: str, voucher_id: int) -> None:
    try:
        store.send(voucher_id)
        ledger.mark(key, emailed=True)
    except (OutcomeUnknown, TransportError):
        # at most once: the mail may have gone out, so it is never sent again automatically
        ledger.mark(key, emailed=True, reason="voucher e-mail outcome unknown; not resent")
    except OpenCartError as exc:
        ledger.mark(key, reason=f"voucher e-mail refused: {exc.message}")


def _redeemable(check: RedeemCheck) -> Callable[[str], str | None]:
    """The redeem check as an upsert ``verify``: None when the catalog API accepts the code."""

    def verify(code: str) -> str | None:
        try:
            check(code)
        except OpenCartError as exc:
            return f"not redeemable (api/voucher): {exc.message}"
        return None

    return verify
