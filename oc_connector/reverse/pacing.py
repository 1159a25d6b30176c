"""Write pacing: a store whose writes pass through the project's rate limiter first.

The pacing is :class:`oc_connector.wire.ratelimit.Limiter`, the same token bucket every request
passes; here it spaces the writes of one run on top of the per-shop request limit (a
``RateLimit(per_second=n, burst=1)`` lets one write through every ``1/n`` seconds).
"""

from __future__ import annotations

from collections.abc import Mapping

from oc_connector.reverse.ports import RecordStore, VoucherStore
from oc_connector.wire.ratelimit import Limiter

__all__ = ["PacedStore", "PacedVoucherStore"]


class PacedStore:
    """A :class:`~oc_connector.reverse.ports.RecordStore` (vouchers, coupons) whose writes wait their turn.

    Lookups are not paced here: most are answered from the store's per-run code index without a
    request, and those that do reach the shop pass the transport's rate limiter like every call.

    Args:
        store: the store to pace.
        limiter: the write limiter.
    """

    def __init__(self, store: RecordStore, *, limiter: Limiter) -> None:
        self._store, self._limiter = store, limiter

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        """Look a code up (not paced: see the class docstring)."""
        return self._store.find(code)

    def create(self, fields: Mapping[str, str]) -> None:
        """Paced create."""
        self._limiter.acquire()
        self._store.create(fields)

    def update(self, record_id: int, fields: Mapping[str, str]) -> None:
        """Paced update."""
        self._limiter.acquire()
        self._store.update(record_id, fields)


class PacedVoucherStore(PacedStore):
    """A :class:`~oc_connector.reverse.ports.VoucherStore` whose writes and e-mails wait for ``limiter``.

    Args:
        store: the voucher store to pace.
        limiter: the write limiter.
    """

    def __init__(self, store: VoucherStore, *, limiter: Limiter) -> None:
        super().__init__(store, limiter=limiter)
        self._vouchers = store

    def send(self, voucher_id: int) -> None:
        """Paced send."""
        self._limiter.acquire()
        self._vouchers.send(voucher_id)
