"""The shop's OpenCart version as the catalog client knows it (configured or detected), and what 4.0 refuses.

:class:`OpenCartClient <oc_connector.api.client.OpenCartClient>` takes the version from its
configuration or detects it at its first login: a 3.0 shop answers ``api/login``, a 4.0 shop
answers that route with its 404 page and ``api/account/login`` instead. A wrong key is no sign of
a version: each version answers its own login route with its own refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from oc_connector.dialect import ShopVersion
from oc_connector.errors import APIError, ConfigurationError

__all__ = ["CART_REFUSED_40", "ORDER_READ_REFUSED_40", "VersionInfo", "parse_version", "shop_version"]

ORDER_READ_REFUSED_40 = (
    "OpenCart 4.0 has no API route that reads an order (api/order/info is gone; api/sale/order.load "
    "only loads an order into the API session); the sync reads the admin pages: set the admin user "
    "(OPENCART_ADMIN_USERNAME and OPENCART_ADMIN_PASSWORD)"
)
CART_REFUSED_40 = (
    "the cart and order channel of the catalog API is refused on OpenCart 4.0: api/sale/order.confirm "
    "on a token edits the order that token confirmed before instead of adding one, and "
    "api/sale/order.delete answers success for any id, so an order write cannot be proven to happen "
    "exactly once; issue gift vouchers and coupons through the admin channel"
)

_RELEASE = re.compile(r"([34])(?:\.0(?:\.\d+){0,2})?")


@dataclass(frozen=True)
class VersionInfo:
    """Which OpenCart major version a shop runs, and how the client knows it.

    Attributes:
        version: the major version.
        source: ``"configured"`` (``OPENCART_VERSION``, a fleet file's ``version``, the
            ``version=`` argument) or ``"detected"`` (at the first login).
        evidence: what showed it (``"api/account/login answered"``), for messages and metadata.
    """

    version: ShopVersion
    source: Literal["configured", "detected"]
    evidence: str

    def describe(self) -> str:
        """One line for a person: ``OpenCart 4.0 (detected: api/account/login answered)``."""
        return f"OpenCart {self.version.value} ({self.source}: {self.evidence})"


def parse_version(value: ShopVersion | str | None, *, name: str = "OPENCART_VERSION") -> ShopVersion | None:
    """A configured version: ``auto`` (or None, or empty) detects, ``3.0`` and ``4.0`` fix it.

    A release number of either line names its major version too (``3``, ``3.0.3.8``, ``4.0.2.3``).

    Args:
        value: the setting (``"auto"``, ``"3.0"``, ``"4.0.2.3"``, a :class:`ShopVersion`).
        name: the setting's name, for the error message.

    Raises:
        ConfigurationError: any other value; the message names the setting.
    """
    if value is None or isinstance(value, ShopVersion):
        return value
    text = value.strip().lower()
    if text in ("", "auto"):
        return None
    found = _RELEASE.fullmatch(text)
    if found is None:
        raise ConfigurationError(
            f"{name} must be auto, 3.0 or 4.0 (the shop's OpenCart major version), not {value.strip()[:20]!r}"
        )
    return ShopVersion(f"{found.group(1)}.0")


class _KnowsVersion(Protocol):
    @property
    def version(self) -> ShopVersion | None: ...

    def detect_version(self) -> ShopVersion: ...


def shop_version(client: _KnowsVersion) -> ShopVersion:
    """The shop's version as the catalog client knows it: configured, else found at one login.

    A login the shop refuses (wrong key, IP not allowed) still shows the version, since each version
    answers its own login route with its own refusal: the refusal is raised only when even that
    did not tell (so the admin channel works with an API user that may not log in).

    Raises:
        APIError: the login was refused and the refusal did not show the version.
        RouteNotFoundError: neither login route exists at the URL.
        TransportError: the shop could not be reached.
    """
    try:
        return client.detect_version()
    except APIError:
        if client.version is not None:
            return client.version
        raise
