"""Dagster resources: the OpenCart shop (API + optional admin) and the warehouse engine.

Both are built from the settings of :mod:`oc_connector.settings` (a fleet file's shop, or the
single shop of the CLI's variables): ``OpenCartResource.for_shop`` puts every secret in as a
``dg.EnvVar`` naming the variable the configuration names, so no secret lands in run config or the
UI; ``shop_settings()`` reads the resolved fields with the CLI's reader and builds the clients with
the CLI's builders.

On an OpenCart 4.0 shop (``version``, or detected at the catalog client's login when ``auto``) the
admin client is the 4.0 one, and a sync's pair needs it: 4.0 orders are read from the admin pages.
"""


from collections.abc import Mapping
from functools import cached_property
from typing import Any

import dagster as dg
import sqlalchemy as sa
from pydantic import Field, PrivateAttr

from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.settings import (
    DEFAULT_WAREHOUSE_URL,
    FleetSettings,
    ShopConfig,
    ShopSettings,
    build_admin_client,
    build_client,
    shop_settings,
    warehouse_settings,
)
from oc_connector.sync.shop40 import NO_ADMIN_40
from oc_connector.warehouse import marts  # noqa: F401  (registers the mart views with upgrade)
from oc_connector.warehouse.migrate import upgrade
from oc_connector.wire.concurrency import adaptive_limit

# resource field -> the variable it holds (the proxies' either case, as the CLI reads them); the
# proxies are the process's, shared by every shop
_VARIABLES = {
    "url": ("OPENCART_URL",),
    "api_key": ("OPENCART_API_KEY",),
    "api_username": ("OPENCART_API_USERNAME",),
    "admin_username": ("OPENCART_ADMIN_USERNAME",),
    "admin_password": ("OPENCART_ADMIN_PASSWORD",),
    "ca_bundle": ("OPENCART_CA_BUNDLE",),
    "version": ("OPENCART_VERSION",),
    "https_proxy": ("HTTPS_PROXY", "https_proxy"),
    "http_proxy": ("HTTP_PROXY", "http_proxy"),
    "no_proxy": ("NO_PROXY", "no_proxy"),
}
_INSECURE = "OPENCART_ALLOW_INSECURE_HTTP"
_PROXY_FIELDS = ("https_proxy", "http_proxy", "no_proxy")


def _env_var(env: Mapping[str, str], names: tuple[str, ...]) -> dg.EnvVar | None:
    """An EnvVar for the first of ``names`` set in ``env`` (resolved when a run starts), or None."""
    return next((dg.EnvVar(name) for name in names if env.get(name, "").strip()), None)


class OpenCartResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """An OpenCart shop (3.0 or 4.0: ``version``) reached through its catalog API (and maybe its admin)."""

    url: str = Field(description="Shop base URL, e.g. https://shop.example.com/ (https unless allowed).")
    api_key: str = Field(description="API key of the API user (System > Users > API). Use EnvVar.")
    api_username: str = Field(default="Default", description="API user name.")
    admin_username: str | None = Field(default=None, description="Admin user (history, vouchers).")
    admin_password: str | None = Field(default=None, description="Admin password. Use EnvVar.")
    allow_insecure_http: bool = Field(default=False, description="Allow plain http (loopback tests).")
    ca_bundle: str | None = Field(default=None, description="Path to a CA bundle for private TLS.")
    version: str = Field(
        default="auto", description="The shop's OpenCart major version: auto (detected at login), 3.0 or 4.0."
    )
    https_proxy: str | None = Field(default=None, description="Proxy for an https shop (HTTPS_PROXY).")
    http_proxy: str | None = Field(default=None, description="Proxy for an http shop (HTTP_PROXY).")
    no_proxy: str | None = Field(default=None, description="Hosts reached without proxy (NO_PROXY).")
    rate_per_second: float = Field(
        default=5.0, description="Requests per second to the shop, API and admin together (burst = rate)."
    )
    max_concurrency: int = Field(default=8, description="Concurrent requests at most.")
    workers: int | None = Field(
        default=None,
        description="Order reads in flight at most during a sync (default: adaptive up to 16, as many "
        "as the shop serves without queueing).",
    )
    sync_rate_per_second: float | None = Field(
        default=None,
        description="Requests per second of a sync's order reads at most (default: no rate limit; the "
        "adaptive concurrency paces them). Writes keep rate_per_second.",
    )
    shop: str = Field(default="default", description="Shop key in the warehouse tables.")
    shop_timezone: str = Field(default="UTC", description="The shop's PHP timezone (IANA name).")

    _client: Any = PrivateAttr(default=None)
    _sync_client: Any = PrivateAttr(default=None)
    _admin: Any = PrivateAttr(default=None)
    _version: ShopVersion | None = PrivateAttr(default=None)

    @classmethod
    def for_shop(cls, shop: ShopConfig, env: Mapping[str, str], **fields: Any) -> "OpenCartResource":
        """The resource of one configured shop; its secrets (and a URL given by variable) as ``dg.EnvVar``.

        Args:
            shop: the shop (:func:`oc_connector.settings.fleet_settings`).
            env: the variables at load time: only which proxy variables are set is read.
            **fields: further fields (tests).
        """
        values: dict[str, Any] = {
            "url": shop.url if shop.url is not None else dg.EnvVar(str(shop.url_env)),
            "api_key": dg.EnvVar(shop.api_key_env),
            "api_username": shop.api_username,
            "admin_username": shop.admin_username,
            "admin_password": dg.EnvVar(shop.admin_password_env) if shop.admin_password_env else None,
            "allow_insecure_http": shop.allow_insecure_http,
            "ca_bundle": shop.ca_bundle,
            "version": shop.version.value if shop.version is not None else "auto",
            "rate_per_second": shop.rate_per_second,
            "max_concurrency": shop.max_concurrency,
            "workers": shop.workers,
            "shop": shop.key,
            "shop_timezone": shop.timezone,
        }
        for field in _PROXY_FIELDS:
            if (var := _env_var(env, _VARIABLES[field])) is not None:
                values[field] = var
        return cls(**(values | fields))

    def variables(self) -> dict[str, str]:
        """The resource's values under the variables' names (what the CLI reads from the environment)."""
        values = {names[0]: getattr(self, field) for field, names in _VARIABLES.items()}
        values[_INSECURE] = "1" if self.allow_insecure_http else "0"
        return {name: value for name, value in values.items() if value is not None}

    def shop_settings(
        self, *, rate_per_second: float | None = None, max_concurrency: int | None = None
    ) -> ShopSettings:
        """The shop's settings, read from :meth:`variables` by :func:`oc_connector.settings.shop_settings`.

        Args:
            rate_per_second: instead of the field's (a run's override).
            max_concurrency: instead of the field's (a run's override).

        Raises:
            ConfigurationError: a value is missing or bad; the message names the variable.
        """
        return shop_settings(
            self.variables(),
            rate_per_second=rate_per_second or self.rate_per_second,
            max_concurrency=max_concurrency or self.max_concurrency,
        )

    def get_client(self) -> Any:
        """The (cached) ``OpenCartClient``."""
        if self._client is None:
            self._client = build_client(self.shop_settings())
        return self._client

    def get_sync_client(self) -> Any:
        """The (cached) ``OpenCartClient`` of the sync's order reads.

        Adaptive concurrency capped at ``workers``, rate-limited only by ``sync_rate_per_second``;
        reverse ETL keeps :meth:`get_client` and its ``rate_per_second``.
        """
        if self._sync_client is None:
            settings = shop_settings(
                self.variables(),
                rate_per_second=self.sync_rate_per_second,
                max_concurrency=self.max_concurrency,
            )
            rate = {} if self.sync_rate_per_second else {"rate_limit": None}
            self._sync_client = build_client(settings, concurrency=adaptive_limit(self.workers), **rate)
        return self._sync_client

    def shop_version(self) -> ShopVersion:
        """The shop's OpenCart major version: configured, else found at the catalog login (cached)."""
        if self._version is None:
            configured = self.shop_settings().version
            self._version = configured if configured is not None else self.get_client().detect_version()
        return self._version

    def get_admin_client(self) -> Any:
        """The (cached) admin client of the shop's version (``AdminClient`` or ``Admin40Client``), or None.

        None when no admin credentials are configured.
        """
        if self._admin is None and self.admin_username and self.admin_password:
            self._admin = build_admin_client(self.shop_settings(), version=self.shop_version())
        return self._admin

    def get_clients(
        self, *, rate_per_second: float | None = None, max_concurrency: int | None = None
    ) -> tuple[Any, Any]:
        """The catalog client and the admin client (or None), with a run's overrides if any.

        Without overrides these are the cached clients. With them, new clients: both share one
        request budget (the limiter of the shop), and if a client of the same shop with a lower
        rate exists in this process, the stricter rate wins (``oc_connector.wire.ratelimit``).
        """
        if rate_per_second is None and max_concurrency is None:
            return self.get_client(), self.get_admin_client()
        settings = self.shop_settings(rate_per_second=rate_per_second, max_concurrency=max_concurrency)
        return build_client(settings), build_admin_client(settings, version=self.shop_version())

    def get_sync_clients(
        self, *, rate_per_second: float | None = None, max_concurrency: int | None = None
    ) -> tuple[Any, Any]:
        """The clients of a sync: the adaptive catalog client, or fixed ones for a run's overrides.

        Without overrides the catalog client is :meth:`get_sync_client`; a run that sets the rate or
        the concurrency gets those, fixed (as :meth:`get_clients`). On OpenCart 4.0 the admin client
        is the ``Admin40Client`` the sync reads the orders with (the catalog client is not used).

        Raises:
            ConfigurationError: a 4.0 shop without admin credentials (the message names the variables).
        """
        if rate_per_second is None and max_concurrency is None:
            pair = (self.get_sync_client(), self.get_admin_client())
        else:
            pair = self.get_clients(rate_per_second=rate_per_second, max_concurrency=max_concurrency)
        if pair[1] is None and self.shop_version() is ShopVersion.V4_0:
            raise ConfigurationError(NO_ADMIN_40)
        return pair


class ShopOverrides(dg.Config):
    """Run config: settings of the shop changed for one run; the URL and secrets stay in the resource."""

    rate_per_second: float | None = Field(
        default=None, gt=0, description="Requests per second for this run (default: the shop's)."
    )
    max_concurrency: int | None = Field(default=None, ge=1, description="Requests in flight at most.")
    workers: int | None = Field(default=None, ge=1, description="Sync worker threads for this run.")


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The SQL warehouse (SQLite file, PostgreSQL, DuckDB) as a SQLAlchemy URL."""

    url: str = Field(default=DEFAULT_WAREHOUSE_URL, description="SQLAlchemy URL of the warehouse.")

    @classmethod
    def for_fleet(cls, fleet: FleetSettings) -> "WarehouseResource":
        """The fleet's warehouse: its URL, a ``dg.EnvVar`` (the URL may hold a password), or the default."""
        if fleet.warehouse_url is not None:
            return cls(url=fleet.warehouse_url)
        if fleet.warehouse_url_env is not None:
            return cls(url=dg.EnvVar(fleet.warehouse_url_env))
        return cls()

    @cached_property
    def _engine(self) -> sa.Engine:
        engine = sa.create_engine(warehouse_settings({"WAREHOUSE_URL": self.url}).url)
        upgrade(engine)
        return engine

    def get_engine(self) -> sa.Engine:
        """The engine, schema upgraded and mart views created."""
        return self._engine
