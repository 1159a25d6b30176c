"""What the reverse-ETL operations need from the shop, as small protocols.

The admin channel is reached through :class:`VoucherStore` and :class:`CouponStore` (both a
:class:`RecordStore`): plain field maps keyed by code. An adapter over
``oc_connector.admin.AdminClient`` implements them (a per-run code index over ``iter_vouchers`` +
``voucher_form`` -> :meth:`RecordStore.find`, ``create_voucher``, ``update_voucher``,
``send_voucher``; the coupon ones likewise). ``find`` returning None makes the operations create,
so it must be authoritative (no false None after a write whose outcome was unknown). Writes raise
:class:`~oc_connector.errors.OutcomeUnknown` when the outcome is unknown and
:class:`~oc_connector.errors.AdminFormError` when the shop refuses the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["CouponStore", "RecordStore", "StepHook", "VoucherStore"]


class RecordStore(Protocol):
    """Records with a code, as flat field maps (what :func:`~oc_connector.reverse.upsert.upsert` writes)."""

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        """``(record id, full form fields)`` of the record with this code (case-insensitive), or None."""
        ...

    def create(self, fields: Mapping[str, str]) -> None:
        """Create a record from a full field map."""
        ...

    def update(self, record_id: int, fields: Mapping[str, str]) -> None:
        """Post the full, merged field map of an existing record."""
        ...


class VoucherStore(RecordStore, Protocol):
    """Gift vouchers with chosen codes (admin ``sale/voucher``).

    Fields: code, names, e-mails, theme, message, amount, status.
    """

    def send(self, voucher_id: int) -> None:
        """E-mail the voucher to its recipient."""
        ...


class CouponStore(RecordStore, Protocol):
    """Coupons (admin ``marketing/coupon``); ``products`` / ``categories`` are ``;``-joined ids."""


class StepHook(Protocol):
    """Called after every committed ledger step (``key``, ``step``); tests raise here to simulate a kill."""

    def __call__(self, key: str, step: str) -> None:
        """Observe one step."""
        ...
