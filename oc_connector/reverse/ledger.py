"""The voucher and coupon ledgers: one row per request, committed after every step.

Every method opens its own transaction, so a run killed at any point leaves the ledger exactly at
the last completed step, and the next run resumes from there. Rows are created with
:meth:`VoucherLedger.ensure` (insert if absent, never overwrite) and moved between states with
:meth:`VoucherLedger.mark`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from oc_connector.reverse.validation import Rejected, VoucherRequest
from oc_connector.warehouse.ledger_schema import coupon_ledger, voucher_ledger

__all__ = ["CouponLedger", "CouponLedgerRow", "VoucherLedger", "VoucherLedgerRow", "unsettled_requests"]


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


@dataclass(frozen=True)
class CouponLedgerRow:
    """One coupon ledger row."""

    code: str
    action: str | None
    state: str
    reason: str | None
    attempts: int


class VoucherLedger:
    """Read and advance ``opencart_voucher_ledger`` rows."""

    def __init__(self, *, engine: sa.Engine) -> None:
        self.engine = engine

    def get(self, request_key: str) -> VoucherLedgerRow | None:
        """The row of a request, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(voucher_ledger).where(voucher_ledger.c.request_key == request_key)
            ).mappings().first()
        return None if row is None else _voucher_row(row)

    def rows(self, *, states: Sequence[str] | None = None) -> list[VoucherLedgerRow]:
        """All rows (optionally only those in ``states``), ordered by key."""
        query = sa.select(voucher_ledger).order_by(voucher_ledger.c.request_key)
        if states is not None:
            query = query.where(voucher_ledger.c.state.in_(list(states)))
        with self.engine.connect() as conn:
            return [_voucher_row(r) for r in conn.execute(query).mappings()]

    def ensure(
        self, request_key: str, *, channel: str, state: str, amount: Decimal | None = None,
        reason: str | None = None, code: str | None = None,
    ) -> VoucherLedgerRow:
        """Insert the row if absent and return the stored row (an existing row is not changed)."""
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(voucher_ledger.c.request_key).where(voucher_ledger.c.request_key == request_key)
            ).first()
            if exists is None:
                now = _now()
                conn.execute(voucher_ledger.insert().values(
                    request_key=request_key, channel=channel, state=state, amount=amount, reason=reason,
                    code=code, attempts=0, emailed=False, created_at=now, updated_at=now,
                ))
        row = self.get(request_key)
        assert row is not None  # noqa: S101 - just inserted in a committed transaction
        return row

    def mark(self, request_key: str, *, state: str | None = None, bump: int = 0, **values: Any) -> None:
        """Update a row and commit: new ``state``, optional columns, ``attempts + bump``."""
        self.mark_many([request_key], state=state, bump=bump, **values)

    def mark_many(
        self, request_keys: Iterable[str], *, state: str | None = None, bump: int = 0, **values: Any
    ) -> None:
        """Update several rows in one committed transaction (a batch moves as one)."""
        keys = list(request_keys)
        if not keys:
            return
        changes: dict[str, Any] = {"updated_at": _now(), **values}
        if state is not None:
            changes["state"] = state
        if bump:
            changes["attempts"] = voucher_ledger.c.attempts + bump
        with self.engine.begin() as conn:
            conn.execute(voucher_ledger.update().where(voucher_ledger.c.request_key.in_(keys)).values(**changes))

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

    def counts(self) -> dict[str, int]:
        """Number of rows per state."""
        return _counts(self.engine, voucher_ledger)


class CouponLedger:
    """Read and advance ``opencart_coupon_ledger`` rows (keyed by lower-cased code)."""

    def __init__(self, *, engine: sa.Engine) -> None:
        self.engine = engine

    def get(self, code: str) -> CouponLedgerRow | None:
        """The row of a code (case-insensitive), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(coupon_ledger).where(coupon_ledger.c.code == code.lower())
            ).mappings().first()
        return None if row is None else _coupon_row(row)

    def rows(self) -> list[CouponLedgerRow]:
        """All rows ordered by code."""
        with self.engine.connect() as conn:
            result = conn.execute(sa.select(coupon_ledger).order_by(coupon_ledger.c.code))
            return [_coupon_row(r) for r in result.mappings()]

    def record(self, code: str, *, state: str, action: str | None = None, reason: str | None = None,
               bump: bool = False) -> None:
        """Insert or update the row of ``code`` and commit."""
        key = code.lower()
        now = _now()
        with self.engine.begin() as conn:
            exists = conn.execute(sa.select(coupon_ledger.c.code).where(coupon_ledger.c.code == key)).first()
            if exists is None:
                conn.execute(coupon_ledger.insert().values(
                    code=key, state=state, action=action, reason=reason, attempts=1 if bump else 0,
                    created_at=now, updated_at=now,
                ))
                return
            changes: dict[str, Any] = {"state": state, "reason": reason, "updated_at": now}
            if action is not None:
                changes["action"] = action
            if bump:
                changes["attempts"] = coupon_ledger.c.attempts + 1
            conn.execute(coupon_ledger.update().where(coupon_ledger.c.code == key).values(**changes))

    def counts(self) -> dict[str, int]:
        """Number of rows per state."""
        return _counts(self.engine, coupon_ledger)


def unsettled_requests(
    items: Iterable[VoucherRequest | Rejected], *, ledger: VoucherLedger | None,
    rejected: list[Rejected], unchanged: list[str],
) -> Iterator[tuple[VoucherRequest, VoucherLedgerRow | None]]:
    """The dry-run triage of voucher requests shared by the admin and the order channel plans.

    Rejected rows are appended to ``rejected`` and requests the ledger holds as ``confirmed`` to
    ``unchanged`` (by key), in input order; every other request is yielded with its ledger row.

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
        if row is not None and row.state == "confirmed":
            unchanged.append(item.request_key)
            continue
        yield item, row


def _counts(engine: sa.Engine, table: sa.Table) -> dict[str, int]:
    with engine.connect() as conn:
        result = conn.execute(sa.select(table.c.state, sa.func.count()).group_by(table.c.state))
        return {str(state): int(n) for state, n in result}


def _voucher_row(row: Any) -> VoucherLedgerRow:
    return VoucherLedgerRow(
        request_key=row["request_key"], channel=row["channel"], batch_id=row["batch_id"],
        order_id=row["order_id"], code=row["code"], order_floor=row["order_floor"],
        amount=None if row["amount"] is None else Decimal(str(row["amount"])),
        state=row["state"], reason=row["reason"], emailed=bool(row["emailed"]), attempts=int(row["attempts"]),
        updated_at=_aware(row["updated_at"]),
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
