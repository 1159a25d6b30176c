"""Records keyed by a code on the admin channel (coupons, vouchers): the verbs' shared plumbing.

The writes are the reverse ETL's own: an :class:`~oc_connector.reverse.admin_stores.AdminStore`
(a fresh one per verb call, so its code index never outlives the call) driven by the one
find -> write -> reconcile -> read-back state machine (:func:`~oc_connector.reverse.upsert.upsert`)
with the record's :class:`~oc_connector.reverse.upsert.Entity`. A library call has no ledger
table: :class:`CallLedger` keeps the state machine's steps in memory for the length of the call.

What the state machine ends in becomes a result or a typed error: ``confirmed`` / ``unchanged``
-> :class:`~oc_connector.resources.base.Written`; ``rejected`` -> ``ValidationError`` (or
``AdminNotFoundError`` for an update of a code the shop does not have); ``failed`` -> the
shop's form refusal (``AdminFormError``), an unknown outcome (``OutcomeUnknown``) or a read-back
that did not match (``AdminError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa

from oc_connector.errors import (
    AdminError,
    AdminFormError,
    AdminNotFoundError,
    OutcomeUnknown,
    ValidationError,
)
from oc_connector.resources.base import Written
from oc_connector.reverse.ledger import Ledger
from oc_connector.reverse.ports import RecordStore
from oc_connector.reverse.upsert import Entity, Upserted, upsert
from oc_connector.reverse.validation import CLEAR

__all__ = ["NOT_FOUND", "CallLedger", "cell", "fields_of", "run_upsert", "written"]

R = TypeVar("R")

NOT_FOUND = "not found"
"""The refusal an update-only entity gives for a code the shop does not have."""


class CallLedger(Ledger[Any]):
    """The ledger of one library call: the last state and reason, in memory (no table, no engine)."""

    table: ClassVar[sa.Table]

    def __init__(self) -> None:
        self.state: str | None = None
        self.reason: str | None = None
        self.steps: list[str] = []

    def mark(self, key: str, *, state: str | None = None, bump: int = 0, **values: Any) -> None:
        """Record a step (``reason`` is kept when given)."""
        if state is not None:
            self.state = state
            self.steps.append(state)
        if "reason" in values:
            self.reason = values["reason"]


def cell(value: Any) -> str:
    """A Python value as the admin form's text.

    Bools are ``1``/``0``, dates ISO, id lists ``;``-joined, ``None`` the clear marker (refused
    for required fields).
    """
    if value is None:
        return CLEAR
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return ";".join(str(int(v)) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def fields_of(reasons: tuple[str, ...], names: tuple[str, ...]) -> dict[str, str]:
    """The field map of validation reasons (each names its field first)."""
    out: dict[str, str] = {}
    for reason in reasons:
        name = next((n for n in names if reason.startswith(n + " ") or reason.startswith(n + ":")), "_")
        out[name] = f"{out[name]}; {reason}" if name in out else reason
    return out


def run_upsert(entity: Entity[R], request: R, *, code: str, store: RecordStore, attempts: int) -> Upserted:
    """One pass of the shared state machine for one code, with a call ledger."""
    return upsert(entity, request, key=code, code=code, store=store, ledger=CallLedger(), attempts=attempts)


def written(done: Upserted, *, kind: str, code: str) -> Written:
    """The result of a finished upsert, or the typed error its end state means.

    Raises:
        ValidationError: the request was refused before any write.
        AdminNotFoundError: an update of a code the shop does not have.
        AdminFormError: the shop refused the form.
        OutcomeUnknown: every write round ended without a known outcome.
        AdminError: the read-back did not show the record as written.
    """
    if done.state in ("confirmed", "unchanged"):
        return Written(done.record_id, done.action or "none", "admin", code)
    reason = done.reason or done.state
    if done.state == "rejected":
        if reason == NOT_FOUND:
            raise AdminNotFoundError(f"the shop has no {kind} with code {code!r}")
        raise ValidationError(f"{kind} {code}: {reason}", fields={"name": reason} if "name" in reason else {})
    if reason.startswith("shop refused"):
        raise AdminFormError(f"{kind} {code}: {reason}")
    if reason.startswith("write failed"):
        raise OutcomeUnknown(f"{kind} {code}: {reason}; read it before writing again")
    raise AdminError(f"{kind} {code}: {reason}")


def given(changes: Mapping[str, Any]) -> dict[str, str]:
    """The changes as form text (see :func:`cell`)."""
    return {name: cell(value) for name, value in changes.items()}
