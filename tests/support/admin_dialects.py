"""The admin channel of each OpenCart version as the reverse-ETL tests see it: client, routes, page size.

A test parametrised over :data:`VERSIONS` (fixture :func:`dialect`) runs the same scenario against
``Sandbox.start(version=...)`` with the client of that version, and counts the shop's requests
with the version's route names: 3.0 posts ``sale/voucher/add`` and ``sale/voucher/edit`` forms and
lists 20 rows a page; 4.0.2.x saves both through ``sale/voucher.save`` (AJAX JSON) and lists 10.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from oc_connector.admin import AdminClient
from oc_connector.admin40.client import Admin40Client
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import DEFAULT_RETRY, Timeout
from oc_connector_sandbox import Sandbox

__all__ = ["VERSIONS", "AdminDialect", "Entity", "dialect_of"]

Version = Literal["3.0", "4.0"]
VERSIONS: tuple[Version, ...] = ("3.0", "4.0")


@dataclass(frozen=True)
class Entity:
    """The admin routes of coupons or vouchers in one version (``add`` and ``edit`` may be one route)."""

    list: str
    form: str
    add: str
    edit: str

    def writes(self, posts: Counter[str]) -> int:
        """Creates and updates among ``posts`` (POSTs by route)."""
        return posts[self.add] + (posts[self.edit] if self.edit != self.add else 0)


@dataclass(frozen=True)
class AdminDialect:
    """One version's admin channel: its sandbox mode, client class, routes and list page size."""

    version: Version
    vouchers: Entity
    coupons: Entity
    page_size: int
    login: str

    def client(self, sb: Sandbox, *, rate_limit: RateLimit | None = None, retry: RetryPolicy = DEFAULT_RETRY,
               timeout: Timeout | None = None) -> AdminClient | Admin40Client:
        """The admin client of this version logged in to ``sb`` as its admin user."""
        cls = AdminClient if self.version == "3.0" else Admin40Client
        extra = {} if timeout is None else {"timeout": timeout}
        return cls(sb.url, username=sb.admin_username, password=sb.admin_password,
                   allow_insecure_http=True, rate_limit=rate_limit, retry=retry, **extra)

    def start(self, **options: object) -> Sandbox:
        """``Sandbox.start`` in this version's mode."""
        return Sandbox.start(version=self.version, **options)  # type: ignore[arg-type]


_DIALECTS = {
    "3.0": AdminDialect(
        "3.0",
        vouchers=Entity("sale/voucher", "sale/voucher/edit", "sale/voucher/add", "sale/voucher/edit"),
        coupons=Entity("marketing/coupon", "marketing/coupon/edit", "marketing/coupon/add",
                       "marketing/coupon/edit"),
        page_size=20,
        login="common/login",
    ),
    "4.0": AdminDialect(
        "4.0",
        vouchers=Entity("sale/voucher.list", "sale/voucher.form", "sale/voucher.save", "sale/voucher.save"),
        coupons=Entity("marketing/coupon.list", "marketing/coupon.form", "marketing/coupon.save",
                       "marketing/coupon.save"),
        page_size=10,
        login="common/login.login",
    ),
}


def dialect_of(version: str) -> AdminDialect:
    """The admin dialect of ``version`` (``"3.0"`` or ``"4.0"``)."""
    return _DIALECTS[version]
