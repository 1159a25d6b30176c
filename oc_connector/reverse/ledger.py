"""The voucher and coupon ledgers: one row per request, committed after every step.

Both ledgers are one :class:`Ledger` over their table (``opencart_voucher_ledger``,
``opencart_coupon_ledger``) with one API, each argument meaning the same everywhere:

* :meth:`Ledger.ensure` inserts a row if it is absent and never overwrites one;
* :meth:`Ledger.mark` / :meth:`Ledger.mark_many` update rows: ``state`` (None leaves it),
  ``bump`` (added to ``attempts``), any other column by name (``reason=None`` clears it; a column
  not named is left as it is).

Every method opens its own transaction, so a run killed at any point leaves the ledger exactly at
the last completed step, and the next run resumes from there.

Before any shop call a run claims the rows it is about to work on (:meth:`Ledger.claim`: one
conditional UPDATE that sets ``claimed_by`` only where nobody else holds the row, all of a batch or
none), and clears the claim when the step is done (:meth:`Ledger.release`). Two runs that both got
past the warehouse lock therefore never send the same request; a claim whose run has exited on this
host, or that is older than ``stale_after``, is taken over.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

import sqlalchemy as sa

from oc_connector.reverse.validation import Rejected, VoucherRequest
from oc_connector.sync.locks import holder_is_dead
from oc_connector.warehouse.ledger_schema import coupon_ledger, voucher_ledger
from oc_connector.warehouse.transactions import begin_write

__all__ = [
    "CLAIM_STALE_AFTER", "CLAIM_WAIT_S", "HELD_ROUNDS", "CouponLedger", "CouponLedgerRow", "Ledger",
    "VoucherLedger", "VoucherLedgerRow", "request_fields", "unsettled_requests",
]

CLAIM_STALE_AFTER = timedelta(hours=1)
"""A row claim older than this belongs to a run that is gone: another run may take it over."""

CLAIM_WAIT_S = 30.0
"""How long a run waits, at the end of its pass, for the rows another run still holds."""

HELD_ROUNDS = 5
"""Rounds of wait-then-retry for rows another run held, before they are reported ``skipped``."""


def request_fields(request: VoucherRequest) -> dict[str, str]:
    """The fields of a voucher request the ledger keeps (``request``), to tell a changed request."""
    return {
        "to_name": request.to_name, "to_email": request.to_email, "from_name": request.from_name,
        "from_email": request.from_email, "amount": f"{Decimal(str(request.amount)):.4f}",
        "voucher_theme_id": str(request.voucher_theme_id), "message": request.message,
    }

R = TypeVar("R")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class VoucherLedgerRow:
    """One voucher ledger row."""

    request_key: str
    channel: str
    batch_id: str | None
    order_id: int | None
    code: str | None
    order_floor: int | None
    amount: Decimal | None
    state: str
    reason: str | None
    emailed: bool
    attempts: int
    updated_at: datetime | None = None
    """When the row last changed (UTC, aware); for a sent batch, at or after its last send."""
    request: Mapping[str, str] | None = None
    """The request's fields as last issued (:func:`request_fields`), None on old rows."""
    claimed_by: str | None = None
    """The run working on the row now, or None."""

    def changes(self, request: VoucherRequest) -> dict[str, tuple[str, str]]:
        """Fields whose value differs from what this row issued: name -> (old, new)."""
        new = request_fields(request)
        if self.request is None:
            old_amount = None if self.amount is None else f"{self.amount:.4f}"
            if old_amount in (None, new["amount"]):
                return {}
            return {"amount": (old_amount or "", new["amount"])}
        changed: dict[str, tuple[str, str]] = {}
        for name, value in new.items():
            before = str(self.request.get(name, ""))
            fold = str.lower if name.endswith("_email") else str
            if fold(before.strip()) != fold(value.strip()):
                changed[name] = (before, value)
        return changed


@dataclass(frozen=True)
class CouponLedgerRow:
    """One coupon ledger row."""

    code: str
    action: str | None
    state: str
    reason: str | None
    attempts: int


class _ClaimLost(Exception):
    """A claim reached fewer rows than asked (rolls the claim back)."""


class Ledger(Generic[R]):
    """Read and advance the rows of one ledger table (the API both ledgers share).

    Args:
        engine: the warehouse.
    """

    table: ClassVar[sa.Table]
    """The ledger table; its primary key is the one key column."""
    inserted: ClassVar[dict[str, Any]] = {}
    """Column values of a new row beside those :meth:`ensure` is given."""

    def __init__(self, *, engine: sa.Engine) -> None:
        self.engine = engine

    @property
    def _key_column(self) -> sa.Column[Any]:
        (column,) = self.table.primary_key.columns
        return column

    def _key(self, key: str) -> str:
        """The stored form of a key (the coupon ledger lower-cases codes)."""
        return key

    def _row(self, row: Any) -> R:
        raise NotImplementedError

    def _key_of(self, row: R) -> str:
        raise NotImplementedError

    def get(self, key: str) -> R | None:
        """The row of a key, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(self.table).where(self._key_column == self._key(key))
            ).mappings().first()
        return None if row is None else self._row(row)

    def rows(self, *, states: Sequence[str] | None = None, keys: Sequence[str] | None = None) -> list[R]:
        """All rows (optionally only those in ``states``, only those of ``keys``), ordered by key."""
        query = sa.select(self.table).order_by(self._key_column)
        if states is not None:
            query = query.where(self.table.c.state.in_(list(states)))
        if keys is not None:
            stored = [self._key(k) for k in keys]
            if len(stored) > 500:  # stay under the bound-parameter limits: filter in Python
                wanted = set(stored)
                return [r for r in self.rows(states=states) if self._key(self._key_of(r)) in wanted]
            query = query.where(self._key_column.in_(stored))
        with self.engine.connect() as conn:
            return [self._row(r) for r in conn.execute(query).mappings()]

    def ensure(self, key: str, *, state: str, **values: Any) -> R:
        """Insert the row if absent (``attempts`` 0); return the stored row (an existing one is unchanged)."""
        stored = self._key(key)
        try:
            with begin_write(self.engine) as conn:
                exists = conn.execute(sa.select(self._key_column).where(self._key_column == stored)).first()
                if exists is None:
                    now = _now()
                    conn.execute(self.table.insert().values(
                        {self._key_column.name: stored, "state": state, "attempts": 0, **self.inserted,
                         "created_at": now, "updated_at": now, **values}
                    ))
        except sa.exc.IntegrityError:
            pass  # another run inserted the same key in between: its row is the row
        row = self.get(key)
        assert row is not None  # noqa: S101 - present in a committed transaction
        return row

    def mark(self, key: str, *, state: str | None = None, bump: int = 0, **values: Any) -> None:
        """Update a row and commit: new ``state`` (None keeps it), ``attempts + bump``, the named columns."""
        self.mark_many([key], state=state, bump=bump, **values)

    def mark_many(
        self, keys: Iterable[str], *, state: str | None = None, bump: int = 0, **values: Any
    ) -> None:
        """Update several rows in one committed transaction (a batch moves as one), as :meth:`mark` does."""
        stored = [self._key(k) for k in keys]
        if not stored:
            return
        changes: dict[str, Any] = {"updated_at": _now(), **values}
        if state is not None:
            changes["state"] = state
        if bump:
            changes["attempts"] = self.table.c.attempts + bump
        with begin_write(self.engine) as conn:
            conn.execute(self.table.update().where(self._key_column.in_(stored)).values(**changes))

    def claim(self, keys: Sequence[str], *, holder: str,
              stale_after: timedelta = CLAIM_STALE_AFTER) -> str | None:
        """Claim the rows of ``keys`` for ``holder``, all or none, in one committed transaction.

        The claim is one conditional UPDATE (only rows nobody else holds, or whose holder is dead
        or expired); if it does not reach every row, nothing is claimed.

        Returns:
            None when every row is now claimed by ``holder``, else the live holder of one of them.
        """
        stored = [self._key(k) for k in keys]
        if not stored:
            return None
        try:
            return self._claim(stored, holder=holder, stale_after=stale_after)
        except _ClaimLost:
            return "another run"

    def _claim(self, stored: list[str], *, holder: str, stale_after: timedelta) -> str | None:
        t, key_col = self.table, self._key_column
        now = _now()
        with begin_write(self.engine) as conn:
            held = conn.execute(sa.select(key_col, t.c.claimed_by, t.c.claimed_at).where(
                key_col.in_(stored), t.c.claimed_by.is_not(None), t.c.claimed_by != holder)).all()
            gone: list[str] = []
            for row in held:
                at = _aware(row.claimed_at)
                if holder_is_dead(str(row.claimed_by)) or (at is not None and at < now - stale_after):
                    gone.append(str(row.claimed_by))
                else:
                    return str(row.claimed_by)
            free = sa.or_(t.c.claimed_by.is_(None), t.c.claimed_by == holder, t.c.claimed_by.in_(gone))
            claimed = conn.execute(t.update().where(key_col.in_(stored), free)
                                   .values(claimed_by=holder, claimed_at=now)).rowcount
            if claimed != len(stored):
                raise _ClaimLost  # another run claimed one in between: roll back, claim none
        return None

    def wait_released(self, keys: Sequence[str], *, holder: str, timeout_s: float = CLAIM_WAIT_S,
                      poll_s: float = 0.2) -> None:
        """Wait (at most ``timeout_s``) until no other run holds a claim on the rows of ``keys``."""
        stored = [self._key(k) for k in keys]
        t = self.table
        deadline = time.monotonic() + timeout_s
        while stored and time.monotonic() < deadline:
            with self.engine.connect() as conn:
                held = conn.execute(sa.select(sa.func.count()).select_from(t).where(
                    self._key_column.in_(stored), t.c.claimed_by.is_not(None), t.c.claimed_by != holder,
                )).scalar()
            if not held:
                return
            time.sleep(poll_s)

    def release(self, keys: Iterable[str], *, holder: str) -> None:
        """Clear ``holder``'s claim on the rows of ``keys`` (rows claimed by another are left)."""
        stored = [self._key(k) for k in keys]
        if not stored:
            return
        t = self.table
        with begin_write(self.engine) as conn:
            conn.execute(t.update().where(self._key_column.in_(stored), t.c.claimed_by == holder)
                         .values(claimed_by=None, claimed_at=None))

    def counts(self) -> dict[str, int]:
        """Number of rows per state."""
        with self.engine.connect() as conn:
            result = conn.execute(sa.select(self.table.c.state, sa.func.count()).group_by(self.table.c.state))
            return {str(state): int(n) for state, n in result}


class VoucherLedger(Ledger[VoucherLedgerRow]):
    """``opencart_voucher_ledger``, keyed by ``request_key``."""

    table = voucher_ledger
    inserted: ClassVar[dict[str, Any]] = {"emailed": False}

    def _row(self, row: Any) -> VoucherLedgerRow:
        return _voucher_row(row)

    def _key_of(self, row: VoucherLedgerRow) -> str:
        return row.request_key

    def max_order_id(self) -> int | None:
        """The highest order id any request is recorded with, or None."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(sa.func.max(voucher_ledger.c.order_id))).scalar()
        return None if value is None else int(value)

    def codes_taken(self) -> set[str]:
        """Upper-cased codes already recorded for some request."""
        with self.engine.connect() as conn:
            return {
                str(c).upper()
                for (c,) in conn.execute(
                    sa.select(voucher_ledger.c.code).where(voucher_ledger.c.code.is_not(None))
                )
            }


class CouponLedger(Ledger[CouponLedgerRow]):
    """``opencart_coupon_ledger``, keyed by code (stored lower-cased; lookups are case-insensitive)."""

    table = coupon_ledger

    def _key(self, key: str) -> str:
        return key.lower()

    def _row(self, row: Any) -> CouponLedgerRow:
        return _coupon_row(row)

    def _key_of(self, row: CouponLedgerRow) -> str:
        return row.code


def unsettled_requests(
    items: Iterable[VoucherRequest | Rejected], *, ledger: VoucherLedger | None,
    rejected: list[Rejected], unchanged: list[str],
) -> Iterator[tuple[VoucherRequest, VoucherLedgerRow | None]]:
    """The dry-run triage of voucher requests shared by the admin and the order channel plans.

    Rejected rows are appended to ``rejected`` and requests the ledger holds as ``confirmed`` with
    the same fields to ``unchanged`` (by key), in input order; every other request (a changed one
    included) is yielded with its ledger row.

    Args:
        items: validated requests and rejected rows.
        ledger: the ledger (read only), or None (nothing is confirmed).
        rejected: the plan's list of rejected rows.
        unchanged: the plan's list of unchanged request keys.

    Yields:
        ``(request, ledger row or None)`` of each request still to issue.
    """
    for item in items:
        if isinstance(item, Rejected):
            rejected.append(item)
            continue
        row = ledger.get(item.request_key) if ledger is not None else None
        if row is not None and row.state == "confirmed" and not row.changes(item):
            unchanged.append(item.request_key)
            continue
        yield item, row


def _voucher_row(row: Any) -> VoucherLedgerRow:
    return VoucherLedgerRow(
        request_key=row["request_key"], channel=row["channel"], batch_id=row["batch_id"],
        order_id=row["order_id"], code=row["code"], order_floor=row["order_floor"],
        amount=None if row["amount"] is None else Decimal(str(row["amount"])),
        state=row["state"], reason=row["reason"], emailed=bool(row["emailed"]), attempts=int(row["attempts"]),
        updated_at=_aware(row["updated_at"]),
        request=None if row.get("request") is None else json.loads(row["request"]),
        claimed_by=row.get("claimed_by"),
    )


def _aware(value: Any) -> datetime | None:
    """A stored UTC time as an aware datetime (SQLite gives it back naive, or as text)."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _coupon_row(row: Any) -> CouponLedgerRow:
    return CouponLedgerRow(
        code=row["code"], action=row["action"], state=row["state"], reason=row["reason"],
        attempts=int(row["attempts"]),
    )
