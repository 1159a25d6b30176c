"""Exactly-once coupon upsert on the admin channel, and its dry-run plan.

The coupon code (case-insensitive in the shop) is the natural key. Per request: find it; absent ->
create from defaults plus the given fields (``name`` needed); present -> merge only the given
fields into its current form and post the full form, or do nothing when it already matches; then
read back and compare. Unknown outcomes (reset after the shop committed) are reconciled by reading
again before any resend. Each step is committed to ``opencart_coupon_ledger``. The steps after
``validated`` are :func:`~oc_connector.reverse.upsert.upsert` with :class:`CouponEntity`.

The shop is the source of truth: a coupon that already has the code and the request's fields is
``unchanged`` (adopted, nothing written) whatever the ledger holds, so a rerun against an empty
warehouse writes nothing. Each code is claimed in its ledger row before any shop call and released
after (:meth:`~oc_connector.reverse.ledger.Ledger.claim`): two overlapping runs never write the same
code; a code another run holds is retried at the end of the pass once it is released (a bounded wait),
else reported ``skipped``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from oc_connector.reverse.ledger import HELD_ROUNDS, CouponLedger
from oc_connector.reverse.ports import CouponStore, StepHook
from oc_connector.reverse.upsert import Entity, Refused, classify, step, upsert
from oc_connector.reverse.validation import CouponRequest, Rejected
from oc_connector.sync.locks import run_holder

__all__ = [
    "CouponEntity", "CouponPlan", "CouponResult", "coupon_defaults", "merge_coupon", "plan_coupons",
    "push_coupons",
]

_NAME_REQUIRED = "name is required to create a coupon"

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


class CouponEntity(Entity[CouponRequest]):
    """Coupons for :func:`~oc_connector.reverse.upsert.upsert`: only the request's given fields.

    A new coupon starts from :func:`coupon_defaults` (and needs a name); an existing one gets the
    given fields merged into its current form. ``attempts`` grows by one per run that sent a write
    (or gave up on unknown outcomes), the action taken is recorded, a coupon already as wanted
    ends ``unchanged``, and a shop error other than a form refusal ends the run.

    Args:
        today: date of a new coupon's default start (tests pin it).
    """

    kind = "coupon"
    settled_unchanged = "unchanged"
    shop_errors_fail_item = False

    def __init__(self, *, today: date | None = None) -> None:
        self.today = today

    def create_fields(self, request: CouponRequest, code: str) -> dict[str, str] | Refused:
        """The defaults with the given fields applied; refused without a name."""
        if "name" not in request.fields:
            return Refused(_NAME_REQUIRED)
        return merge_coupon(coupon_defaults(today=self.today), request)

    def update_fields(self, request: CouponRequest, code: str, current: Mapping[str, str]) -> dict[str, str]:
        """The current form with the given fields merged in."""
        return merge_coupon(current, request)

    def matches(self, request: CouponRequest, code: str, current: Mapping[str, str]) -> bool:
        """True when merging the given fields changes nothing that matters."""
        return _same(current, merge_coupon(current, request))

    def attempts(self, sent: int, *, gave_up: bool) -> int:
        """One per run that sent a write or gave up."""
        return 1 if sent or gave_up else 0

    def ledger_values(self, action: str | None) -> dict[str, Any]:
        """The action taken, once there is one."""
        return {} if action is None else {"action": action}


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
        action = classify(CouponEntity(), item, code=item.code, found=found)
        if isinstance(action, Refused):
            plan.rejected.append(Rejected(item.code, (action.reason,)))
            continue
        if action == "create":
            plan.creates.append(item.code)
        elif action == "none":
            plan.unchanged.append(item.code)
            continue
        else:
            plan.updates.append(item.code)
        plan.calls += 2
    return plan


def push_coupons(
    items: Sequence[CouponRequest | Rejected], *, store: CouponStore, ledger: CouponLedger,
    attempts: int = 4, today: date | None = None, hook: StepHook | None = None, holder: str | None = None,
) -> list[CouponResult]:
    """Upsert coupons by code through the admin channel, exactly once per code.

    Args:
        items: validated requests and rejected rows.
        store: the admin coupon store.
        ledger: the coupon ledger.
        attempts: write rounds before a code is marked ``failed``.
        today: date used for a new coupon's default start (tests pin it).
        hook: called after every committed step.
        holder: the run's name in the ledger claims (default: a new one for this process).

    Returns:
        One result per item, in order.
    """
    holder = holder or run_holder("coupons")
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
        results.append(_push_one(item, store=store, ledger=ledger, attempts=attempts, today=today, hook=hook,
                                 holder=holder))
    for _ in range(HELD_ROUNDS):  # codes another run held: wait for it (bounded), then try them again
        held = [r.code for r in results if r.state == "skipped"]
        if not held:
            break
        ledger.wait_released(held, holder=holder)
        for index, (item, result) in enumerate(zip(items, results, strict=True)):
            if result.state == "skipped" and isinstance(item, CouponRequest):
                results[index] = _push_one(item, store=store, ledger=ledger, attempts=attempts, today=today,
                                           hook=hook, holder=holder)
    return results


def _push_one(
    request: CouponRequest, *, store: CouponStore, ledger: CouponLedger, attempts: int,
    today: date | None, hook: StepHook | None, holder: str,
) -> CouponResult:
    ledger.ensure(request.code, state="validated")
    other = ledger.claim([request.code], holder=holder)
    if other is not None:
        return CouponResult(request.code, "skipped", None, f"being pushed by another run ({other})")
    try:
        ledger.mark(request.code, state="validated", reason=None)
        step(hook, request.code, "validated")
        done = upsert(CouponEntity(today=today), request, key=request.code, code=request.code, store=store,
                      ledger=ledger, attempts=attempts, hook=hook)
    finally:
        ledger.release([request.code], holder=holder)
    return CouponResult(request.code, done.state, done.action, done.reason)
