"""Exactly-once coupon upsert on the admin channel, and its dry-run plan.

The coupon code (case-insensitive in the shop) is the natural key. Per request: find it; absent ->
create from defaults plus the given fields (``name`` needed); present -> merge only the given
fields into its current form and post the full form, or do nothing when it already matches; then
read back and compare. Unknown outcomes (reset after the shop committed) are reconciled by reading
again before any resend. Each step is committed to ``opencart_coupon_ledger``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from oc_connector.errors import AdminFormError, OpenCartError, OutcomeUnknown, TransportError
from oc_connector.reverse.ledger import CouponLedger
from oc_connector.reverse.ports import CouponStore, StepHook
from oc_connector.reverse.validation import CouponRequest, Rejected

__all__ = ["CouponPlan", "CouponResult", "coupon_defaults", "merge_coupon", "plan_coupons", "push_coupons"]

log = logging.getLogger(__name__)

_NUMERIC = {"discount", "total"}
_CLEARED = {"products": "", "categories": "", "discount": "0", "total": "0", "uses_total": "0",
            "uses_customer": "0", "logged": "0", "shipping": "0", "status": "0"}


def coupon_defaults(*, today: date | None = None) -> dict[str, str]:
    """Field values of a new coupon before the request's fields apply (form defaults, enabled)."""
    start = today or date.today()
    return {"name": "", "code": "", "type": "P", "discount": "0", "total": "0", "logged": "0",
            "shipping": "0", "products": "", "categories": "", "date_start": start.isoformat(),
            "date_end": (start + timedelta(days=30)).isoformat(), "uses_total": "1", "uses_customer": "1",
            "status": "1"}


def merge_coupon(current: Mapping[str, str], request: CouponRequest) -> dict[str, str]:
    """The full form after applying only the request's given fields (``None`` clears)."""
    merged = dict(current)
    merged["code"] = merged.get("code") or request.code
    for name, value in request.fields.items():
        if value is None:
            merged[name] = _CLEARED[name]
        elif isinstance(value, tuple):
            merged[name] = ";".join(str(v) for v in value)
        else:
            merged[name] = value
    return merged


def _norm(name: str, value: str) -> str:
    value = (value or "").strip()
    if name in _NUMERIC:
        try:
            return f"{float(value):.4f}"
        except ValueError:
            return value
    if name in {"products", "categories"}:
        return ";".join(sorted(v for v in value.split(";") if v))
    if name == "code":
        return value.lower()
    return value


def _same(shop: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return all(_norm(k, shop.get(k, "")) == _norm(k, v) for k, v in wanted.items())


@dataclass
class CouponPlan:
    """What a push would do, computed without writing anything."""

    creates: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    calls: int = 0


@dataclass(frozen=True)
class CouponResult:
    """Outcome of one coupon request."""

    code: str
    state: str
    action: str | None = None
    reason: str | None = None


def plan_coupons(items: Iterable[CouponRequest | Rejected], *, store: CouponStore | None) -> CouponPlan:
    """Dry run: classify every coupon request (reads the shop when given). Writes nothing.

    Returns:
        The plan; ``calls`` counts form posts plus one read-back each.
    """
    plan = CouponPlan()
    for item in items:
        if isinstance(item, Rejected):
            plan.rejected.append(item)
            continue
        found = store.find(item.code) if store is not None else None
        if found is None:
            if "name" not in item.fields:
                plan.rejected.append(Rejected(item.code, ("name is required to create a coupon",)))
                continue
            plan.creates.append(item.code)
        elif _same(found[1], merge_coupon(found[1], item)):
            plan.unchanged.append(item.code)
            continue
        else:
            plan.updates.append(item.code)
        plan.calls += 2
    return plan


def push_coupons(
    items: Sequence[CouponRequest | Rejected], *, store: CouponStore, ledger: CouponLedger,
    attempts: int = 4, today: date | None = None, hook: StepHook | None = None,
) -> list[CouponResult]:
    """Upsert coupons by code through the admin channel, exactly once per code.

    Args:
        items: validated requests and rejected rows.
        store: the admin coupon store.
        ledger: the coupon ledger.
        attempts: write rounds before a code is marked ``failed``.
        today: date used for a new coupon's default start (tests pin it).
        hook: called after every committed step.

    Returns:
        One result per item, in order.
    """
    results: list[CouponResult] = []
    for item in items:
        if isinstance(item, Rejected):
            previous = ledger.get(item.key) if item.key else None
            # a refused row never hides a coupon the shop already has: keep that row's state
            if item.key and (previous is None or previous.state not in ("confirmed", "unchanged")):
                ledger.ensure(item.key, state="rejected")
                ledger.mark(item.key, state="rejected", reason=item.reason)
            results.append(CouponResult(item.key, "rejected", None, item.reason))
            continue
        results.append(_push_one(item, store=store, ledger=ledger, attempts=attempts, today=today, hook=hook))
    return results


def _push_one(
    request: CouponRequest, *, store: CouponStore, ledger: CouponLedger, attempts: int,
    today: date | None, hook: StepHook | None,
) -> CouponResult:
    ledger.ensure(request.code, state="validated")
    ledger.mark(request.code, state="validated", reason=None)
    if hook is not None:
        hook(request.code, "validated")
    action: str | None = None
    sent = 0
    last: OpenCartError | None = None
    for _ in range(attempts):
        try:
            found = store.find(request.code)
            if found is None:
                if "name" not in request.fields:
                    reason = "name is required to create a coupon"
                    ledger.mark(request.code, state="rejected", reason=reason)
                    return CouponResult(request.code, "rejected", None, reason)
                wanted = merge_coupon(coupon_defaults(today=today), request)
                action = action or "create"
                sent += 1
                store.create(wanted)
            else:
                wanted = merge_coupon(found[1], request)
                if _same(found[1], wanted):
                    action = action or "none"
                else:
                    action = "update" if action in (None, "none") else action
                    sent += 1
                    store.update(found[0], wanted)
            last = None
            break
        except (OutcomeUnknown, TransportError) as exc:
            last = exc
            log.warning("coupon %s: write outcome unknown, re-reading before any resend", request.code)
        except AdminFormError as exc:
            reason = f"shop refused: {exc.warning or exc.fields}"
            ledger.mark(request.code, state="failed", reason=reason, bump=int(sent > 0), **_action(action))
            return CouponResult(request.code, "failed", action, reason)
    if last is not None:
        reason = f"write failed: {last.message}"
        ledger.mark(request.code, state="failed", reason=reason, bump=1, **_action(action))
        return CouponResult(request.code, "failed", action, reason)
    ledger.mark(request.code, state="issued", reason=None, bump=int(sent > 0), **_action(action))
    if hook is not None:
        hook(request.code, "issued")
    found = store.find(request.code)
    if found is None or not _same(found[1], merge_coupon(found[1], request)):
        reason = "read-back: coupon not found" if found is None else "read-back mismatch"
        ledger.mark(request.code, state="failed", reason=reason)
        return CouponResult(request.code, "failed", action, reason)
    state = "unchanged" if action == "none" else "confirmed"
    ledger.mark(request.code, state=state, reason=None)
    if hook is not None:
        hook(request.code, state)
    return CouponResult(request.code, state, action, None)


def _action(action: str | None) -> dict[str, str]:
    return {} if action is None else {"action": action}
