"""The exactly-once upsert by code shared by vouchers and coupons: find -> write -> reconcile -> read back.

One request runs through these steps, each committed to its ledger before the next (the ledger row
exists and is ``validated`` before :func:`upsert` is called):

1. find the code in the shop; absent -> create it; present and as wanted -> nothing; otherwise
   -> update it. An unknown outcome (a reset after the shop may have committed) is reconciled by
   finding again before anything is re-sent, for up to ``attempts`` rounds;
2. ``issued`` (with the write calls counted into ``attempts``, as the entity counts them);
3. read back: the shop must now hold the record as wanted, else ``failed`` with the reason;
4. an optional check (e.g. the voucher's redeem check), then ``confirmed`` (or the entity's state
   for a record that needed no write, ``unchanged`` for coupons).

What differs between the entities is an :class:`Entity`: how the fields to create or post are
built, when the shop's record counts as the wanted one, how attempts are counted and what else
the ledger records. :func:`classify` is the same decision for the dry-run plans.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from oc_connector.errors import AdminFormError, OpenCartError, OutcomeUnknown, TransportError
from oc_connector.reverse.ledger import Ledger
from oc_connector.reverse.ports import RecordStore, StepHook

__all__ = ["Entity", "Refused", "Upserted", "classify", "step", "upsert"]

log = logging.getLogger(__name__)

R = TypeVar("R")


@dataclass(frozen=True)
class Refused:
    """A record that cannot be created from the request (nothing is sent); ``reason`` says why."""

    reason: str


class Entity(ABC, Generic[R]):
    """One kind of record the upsert writes (a voucher, a coupon) for requests of type ``R``."""

    kind: str = "record"
    """What the records are, for logs and reasons (``"voucher"``)."""
    settled_unchanged: str = "confirmed"
    """Final state of a request whose record the shop already held as wanted."""
    shop_errors_fail_item: bool = True
    """Whether a shop error other than a form refusal or an unknown outcome fails only this request
    (True) or propagates and ends the run (False)."""

    @abstractmethod
    def create_fields(self, request: R, code: str) -> dict[str, str] | Refused:
        """The full field map of a new record, or why it cannot be created."""

    @abstractmethod
    def update_fields(self, request: R, code: str, current: Mapping[str, str]) -> dict[str, str]:
        """The full field map to post over the shop's ``current`` record."""

    @abstractmethod
    def matches(self, request: R, code: str, current: Mapping[str, str]) -> bool:
        """True when the shop's ``current`` record already is what the request wants."""

    @abstractmethod
    def attempts(self, sent: int, *, gave_up: bool) -> int:
        """What a run adds to the ledger's ``attempts``.

        ``sent`` is the number of write calls made, ``gave_up`` True when every round ended with an
        unknown outcome.
        """

    def ledger_values(self, action: str | None) -> dict[str, Any]:
        """Extra ledger columns recorded with ``issued`` / ``failed`` (none by default)."""
        return {}


@dataclass(frozen=True)
class Upserted:
    """Outcome of :func:`upsert`: the ledger state reached and the action taken."""

    state: str
    action: str | None = None
    reason: str | None = None
    record_id: int | None = None
    """The shop's id of the record read back (when it was)."""


def classify(entity: Entity[R], request: R, *, code: str,
             found: tuple[int, Mapping[str, str]] | None) -> str | Refused:
    """The write a request needs given the shop's record (``found``): ``create``, ``update`` or ``none``."""
    if found is None:
        fields = entity.create_fields(request, code)
        return fields if isinstance(fields, Refused) else "create"
    return "none" if entity.matches(request, code, found[1]) else "update"


def upsert(
    entity: Entity[R], request: R, *, key: str, code: str, store: RecordStore, ledger: Ledger[Any],
    attempts: int, hook: StepHook | None = None, verify: Callable[[str], str | None] | None = None,
) -> Upserted:
    """Write one request's record by code, exactly once, and read it back.

    Args:
        entity: the kind of record.
        request: the validated request.
        key: its ledger key.
        code: the record's code in the shop (the natural key).
        store: the shop.
        ledger: the ledger holding ``key`` (already ``validated``).
        attempts: write rounds before the request is ``failed``.
        hook: called after every committed step.
        verify: called with the code after a good read-back; a returned reason fails the request.

    Returns:
        The state reached (``rejected``, ``failed``, ``confirmed`` or the entity's unchanged state).

    Raises:
        OpenCartError: a shop error when the entity does not fail the request for it.
    """
    action: str | None = None
    sent = 0
    last: OpenCartError | None = None
    for _ in range(attempts):
        try:
            found = store.find(code)
            if found is None:
                fields = entity.create_fields(request, code)
                if isinstance(fields, Refused):
                    ledger.mark(key, state="rejected", reason=fields.reason)
                    return Upserted("rejected", None, fields.reason)
                action = action or "create"
                sent += 1
                store.create(fields)
            elif entity.matches(request, code, found[1]):
                action = action or "none"
            else:
                action = "update" if action in (None, "none") else action
                sent += 1
                store.update(found[0], entity.update_fields(request, code, found[1]))
            last = None
            break
        except (OutcomeUnknown, TransportError) as exc:
            last = exc  # reconcile on the next round: find() tells whether the write landed
            log.warning("%s %s: write outcome unknown, re-reading before any resend", entity.kind, code)
        except AdminFormError as exc:
            return _failed(entity, ledger, key, action, f"shop refused: {exc.warning or exc.fields}",
                           bump=entity.attempts(sent, gave_up=False))
        except OpenCartError as exc:
            if not entity.shop_errors_fail_item:
                raise
            return _failed(entity, ledger, key, action, f"write failed: {exc.message}",
                           bump=entity.attempts(sent, gave_up=False))
    if last is not None:
        return _failed(entity, ledger, key, action, f"write failed: {last.message}",
                       bump=entity.attempts(sent, gave_up=True))
    bump = entity.attempts(sent, gave_up=False)
    ledger.mark(key, state="issued", bump=bump, **entity.ledger_values(action))
    step(hook, key, "issued")
    found = store.find(code)
    if found is None or not entity.matches(request, code, found[1]):
        reason = f"read-back: {entity.kind} not found" if found is None else "read-back mismatch"
        ledger.mark(key, state="failed", reason=reason)
        return Upserted("failed", action, reason)
    if verify is not None:
        refusal = verify(code)
        if refusal is not None:
            ledger.mark(key, state="failed", reason=refusal)
            return Upserted("failed", action, refusal)
    state = entity.settled_unchanged if action == "none" else "confirmed"
    ledger.mark(key, state=state, reason=None)
    step(hook, key, state)
    return Upserted(state, action, None, found[0])


def _failed(entity: Entity[Any], ledger: Ledger[Any], key: str, action: str | None, reason: str, *,
            bump: int) -> Upserted:
    ledger.mark(key, state="failed", reason=reason, bump=bump, **entity.ledger_values(action))
    return Upserted("failed", action, reason)


def step(hook: StepHook | None, key: str, name: str) -> None:
    """Tell ``hook`` (if any) that the step ``name`` of ``key`` is committed."""
    if hook is not None:
        hook(key, name)
