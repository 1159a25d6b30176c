"""Optional redeemability check of admin-channel voucher codes through the catalog API (``api/voucher``).

The admin read-back proves the voucher row exists with the wanted content; ``api/voucher`` proves
the storefront accepts the code (enabled, balance left, not tied to an incomplete order). The check
applies each code to one cart session of its own login, which places no order and changes nothing in
the shop. It is off by default: it costs one login per run plus one call per confirmed code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

__all__ = [
    "REDEEM_REFUSED_40", "RedeemCheck", "SessionRedeemCheck", "VoucherSessionFactory", "VoucherSessionLike",
]

REDEEM_REFUSED_40 = (
    "the redeemability check applies each code in a catalog API cart session, which is refused on "
    "OpenCart 4.0 (its cart and order routes cannot be made exactly once); issue without it: every "
    "code is read back from the admin pages"
)

if TYPE_CHECKING:
    from oc_connector.api.cart import CartSession
    from oc_connector.api.client import OpenCartClient


class RedeemCheck(Protocol):
    """Raises an :class:`~oc_connector.errors.OpenCartError` when the shop will not accept ``code``."""

    def __call__(self, code: str) -> None:
        """Check one code."""
        ...


class VoucherSessionLike(Protocol):
    """The part of :class:`~oc_connector.api.cart.CartSession` the check uses."""

    def apply_voucher(self, code: str) -> None:
        """api/voucher: the shop refuses an unusable code with an error."""
        ...


class VoucherSessionFactory(Protocol):
    """The part of :class:`~oc_connector.api.client.OpenCartClient` the check uses."""

    def session(self) -> VoucherSessionLike:
        """A cart session on its own login."""
        ...


if TYPE_CHECKING:  # the real client satisfies the ports (checked by mypy)
    def _conforms(client: OpenCartClient, session: CartSession) -> tuple[VoucherSessionFactory,
                                                                         VoucherSessionLike]:
        return client, session


class SessionRedeemCheck:
    """Apply codes through ``api/voucher`` on one lazily opened cart session.

    Args:
        client: the catalog API client (``OpenCartClient``).
    """

    def __init__(self, *, client: VoucherSessionFactory) -> None:
        self._client = client
        self._session: VoucherSessionLike | None = None
        self.checked = 0

    def __repr__(self) -> str:
        return f"SessionRedeemCheck(checked={self.checked})"

    def __call__(self, code: str) -> None:
        """Apply ``code``; the shop's refusal propagates as the client's error."""
        if self._session is None:
            self._session = self._client.session()
        self._session.apply_voucher(code)
        self.checked += 1
