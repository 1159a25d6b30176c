"""Environment configuration, for the CLI only (the library takes arguments).

Variables:
    OPENCART_URL              shop root, e.g. ``https://shop.example.com/`` (required)
    OPENCART_API_USERNAME     API user name (default ``Default``)
    OPENCART_API_KEY          API key (required)
    OPENCART_ADMIN_USERNAME   admin user for the admin channel (optional, with the password)
    OPENCART_ADMIN_PASSWORD   admin password (optional, with the user name)
    OPENCART_ALLOW_INSECURE_HTTP  ``1`` to allow plain http to a host that is not loopback
    OPENCART_CA_BUNDLE        path to a CA bundle for the shop's TLS certificate
    HTTPS_PROXY / HTTP_PROXY  proxy for the shop (either case), unless NO_PROXY lists its host
    WAREHOUSE_URL             SQLAlchemy URL of the warehouse (default ``sqlite:///oc_warehouse.db``)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import click

from oc_connector.secret import Secret

DEFAULT_WAREHOUSE_URL = "sqlite:///oc_warehouse.db"


class MissingSetting(click.UsageError):
    """A required environment variable is not set."""


def _required(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise MissingSetting(f"{name} is not set: export {name}=<{what}>")
    return value


@dataclass(frozen=True)
class ShopSettings:
    """Shop connection settings resolved from the environment."""

    url: str
    api_username: str
    api_key: Secret
    admin_username: str | None
    admin_password: Secret | None
    allow_insecure_http: bool
    ca_bundle: str | None
    proxies: dict[str, str] = field(default_factory=dict)

    @property
    def has_admin(self) -> bool:
        """True when admin credentials are configured."""
        return self.admin_username is not None and self.admin_password is not None


def shop_settings(env: Mapping[str, str] | None = None) -> ShopSettings:
    """Read the shop settings; a missing required variable is a clear error naming it."""
    env = os.environ if env is None else env
    admin_user = env.get("OPENCART_ADMIN_USERNAME", "").strip() or None
    admin_password = env.get("OPENCART_ADMIN_PASSWORD", "") or None
    if (admin_user is None) != (admin_password is None):
        missing = "OPENCART_ADMIN_PASSWORD" if admin_password is None else "OPENCART_ADMIN_USERNAME"
        raise MissingSetting(f"{missing} is not set: the admin channel needs both user name and password")
    url = _required(env, "OPENCART_URL", "shop root URL, e.g. https://shop.example.com/")
    return ShopSettings(
        url=url,
        api_username=env.get("OPENCART_API_USERNAME", "").strip() or "Default",
        api_key=Secret(_required(env, "OPENCART_API_KEY", "API key from Admin > System > Users > API")),
        admin_username=admin_user,
        admin_password=Secret(admin_password) if admin_password else None,
        allow_insecure_http=env.get("OPENCART_ALLOW_INSECURE_HTTP", "") in {"1", "true", "yes"},
        ca_bundle=env.get("OPENCART_CA_BUNDLE") or None,
        proxies=proxies_for(url, env),
    )


def proxies_for(url: str, env: Mapping[str, str]) -> dict[str, str]:
    """The proxies for ``url`` from the standard variables (the library's session reads none itself).

    ``HTTPS_PROXY`` / ``HTTP_PROXY`` (upper or lower case) by scheme; none when ``NO_PROXY`` lists the
    shop's host (or ``*``).
    """

    def var(name: str) -> str:
        return (env.get(name.upper()) or env.get(name.lower()) or "").strip()

    host = (urlsplit(url).hostname or "").lower()
    for entry in (e.strip().lower().lstrip(".") for e in var("no_proxy").split(",")):
        if entry and (entry == "*" or host == entry or host.endswith("." + entry)):
            return {}
    return {scheme: proxy for scheme in ("http", "https") if (proxy := var(f"{scheme}_proxy"))}


def warehouse_url(env: Mapping[str, str] | None = None) -> str:
    """The warehouse SQLAlchemy URL (``WAREHOUSE_URL``; default: a SQLite file in the working folder)."""
    env = os.environ if env is None else env
    return env.get("WAREHOUSE_URL", "").strip() or DEFAULT_WAREHOUSE_URL
