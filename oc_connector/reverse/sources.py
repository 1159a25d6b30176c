"""Reading pending requests from the warehouse input tables, and pacing writes to the shop."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import sqlalchemy as sa

from oc_connector.reverse.ports import CouponStore, VoucherStore
from oc_connector.warehouse.ledger_schema import coupon_requests, voucher_ledger, voucher_requests

__all__ = ["PacedCouponStore", "PacedVoucherStore", "Pacer", "pending_coupon_rows", "pending_voucher_rows"]

_DONE = ("confirmed", "rejected")


def _as_text(row: sa.RowMapping) -> dict[str, str | None]:
    return {str(k): None if v is None else str(v) for k, v in row.items() if k != "created_at"}


def pending_voucher_rows(*, engine: sa.Engine) -> list[dict[str, str | None]]:
    """Rows of ``opencart_voucher_requests`` whose ledger row is not confirmed or rejected yet.

    Returns:
        Rows as column -> text, ready for :func:`~oc_connector.reverse.validation.parse_voucher_row`.
    """
    done = sa.select(voucher_ledger.c.request_key).where(voucher_ledger.c.state.in_(_DONE))
    query = (
        sa.select(voucher_requests)
        .where(voucher_requests.c.request_key.not_in(done))
        .order_by(voucher_requests.c.request_key)
    )
    with engine.connect() as conn:
        return [_as_text(r) for r in conn.execute(query).mappings()]


def pending_coupon_rows(*, engine: sa.Engine) -> list[dict[str, str | None]]:
    """All rows of ``opencart_coupon_requests`` (an upsert of an unchanged coupon writes nothing)."""
    with engine.connect() as conn:
        query = sa.select(coupon_requests).order_by(coupon_requests.c.code)
        return [_as_text(r) for r in conn.execute(query).mappings()]


class Pacer:
    """Call pacing: :meth:`wait` lets at most ``per_second`` calls through per second.

    Args:
        per_second: maximum call rate (> 0).
        clock: monotonic clock (tests pass a fake).
        sleep: sleep function (tests pass a fake).
    """

    def __init__(self, *, per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        """Sleep until the next call is allowed."""
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


class _PacedStore:
    """A store (vouchers or coupons) whose writes wait for the pacer.

    Lookups are not paced here: most are answered from the store's per-run code index without a
    request, and those that do reach the shop pass the transport's rate limiter like every call.
    """

    def __init__(self, store: CouponStore, *, pacer: Pacer) -> None:
        self._store, self._pacer = store, pacer

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        """Look a code up (not paced: see the class docstring)."""
        return self._store.find(code)

    def create(self, fields: Mapping[str, str]) -> None:
        """Paced create."""
        self._pacer.wait()
        self._store.create(fields)

    def update(self, record_id: int, fields: Mapping[str, str]) -> None:
        """Paced update."""
        self._pacer.wait()
        self._store.update(record_id, fields)


class PacedVoucherStore(_PacedStore):
    """A :class:`~oc_connector.reverse.ports.VoucherStore` whose writes wait for the pacer."""

    def __init__(self, store: VoucherStore, *, pacer: Pacer) -> None:
        super().__init__(store, pacer=pacer)
        self._vouchers = store

    def send(self, voucher_id: int) -> None:
        """Paced send."""
        self._pacer.wait()
        self._vouchers.send(voucher_id)


class PacedCouponStore(_PacedStore):
    """A :class:`~oc_connector.reverse.ports.CouponStore` whose writes wait for the pacer."""
