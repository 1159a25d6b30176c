"""Dagster resources: the OpenCart shop (API + optional admin) and the warehouse engine.

Both are built from the same variables as the CLI, through :mod:`oc_connector.settings`: the
resource's fields hold the variables' values (``from_environment`` puts every set one in as a
``dg.EnvVar``, so no secret lands in run config or the UI) and ``shop_settings()`` reads them with
the same reader and builds the clients with the same builders as the CLI.
"""


from collections.abc import Mapping
from functools import cached_property
from typing import Any

import dagster as dg
import sqlalchemy as sa
from pydantic import Field, PrivateAttr

from oc_connector.settings import (
    DEFAULT_WAREHOUSE_URL,
    ShopSettings,
    build_admin_client,
    build_client,
    parse_flag,
    shop_settings,
    warehouse_settings,
)
from oc_connector.warehouse import marts  # noqa: F401  (registers the mart views with upgrade)
from oc_connector.warehouse.migrate import upgrade

# resource field -> the variable it holds (the proxies' either case, as the CLI reads them)
_VARIABLES = {
    "url": ("OPENCART_URL",),
    "api_key": ("OPENCART_API_KEY",),
    "api_username": ("OPENCART_API_USERNAME",),
    "admin_username": ("OPENCART_ADMIN_USERNAME",),
    "admin_password": ("OPENCART_ADMIN_PASSWORD",),
    "ca_bundle": ("OPENCART_CA_BUNDLE",),
    "https_proxy": ("HTTPS_PROXY", "https_proxy"),
    "http_proxy": ("HTTP_PROXY", "http_proxy"),
    "no_proxy": ("NO_PROXY", "no_proxy"),
}
_INSECURE = "OPENCART_ALLOW_INSECURE_HTTP"


def _env_var(env: Mapping[str, str], names: tuple[str, ...]) -> dg.EnvVar | None:
    """An EnvVar for the first of ``names`` set in ``env`` (resolved when a run starts), or None."""
    return next((dg.EnvVar(name) for name in names if env.get(name, "").strip()), None)


class OpenCartResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """An OpenCart 3.0 shop reached through its catalog API (and optionally its admin)."""

    url: str = Field(description="Shop base URL, e.g. https://shop.example.com/ (https unless allowed).")
    api_key: str = Field(description="API key of the API user (System > Users > API). Use EnvVar.")
    api_username: str = Field(default="Default", description="API user name.")
    admin_username: str | None = Field(default=None, description="Admin user (history, vouchers).")
    admin_password: str | None = Field(default=None, description="Admin password. Use EnvVar.")
    allow_insecure_http: bool = Field(default=False, description="Allow plain http (loopback tests).")
    ca_bundle: str | None = Field(default=None, description="Path to a CA bundle for private TLS.")
    https_proxy: str | None = Field(default=None, description="Proxy for an https shop (HTTPS_PROXY).")
    http_proxy: str | None = Field(default=None, description="Proxy for an http shop (HTTP_PROXY).")
    no_proxy: str | None = Field(default=None, description="Hosts reached without proxy (NO_PROXY).")
    rate_per_second: float = Field(
        default=5.0, description="Requests per second to the shop, API and admin together (burst = rate)."
    )
    max_concurrency: int = Field(default=8, description="Concurrent requests at most.")
    workers: int = Field(default=4, description="Sync worker threads.")
    shop: str = Field(default="default", description="Shop key in the warehouse tables.")
    shop_timezone: str = Field(default="UTC", description="The shop's PHP timezone (IANA name).")

    _client: Any = PrivateAttr(default=None)
    _admin: Any = PrivateAttr(default=None)

    @classmethod
    def from_environment(cls, env: Mapping[str, str], **fields: Any) -> "OpenCartResource":
        """The resource for the variables set in ``env``, each as a ``dg.EnvVar``.

        ``OPENCART_URL`` and ``OPENCART_API_KEY`` are always EnvVars (a run without them fails
        naming them); ``OPENCART_ALLOW_INSECURE_HTTP`` is read now (a flag, no secret).

        Raises:
            ConfigurationError: ``OPENCART_ALLOW_INSECURE_HTTP`` is not an on/off value.
        """
        values: dict[str, Any] = {"url": dg.EnvVar("OPENCART_URL"), "api_key": dg.EnvVar("OPENCART_API_KEY")}
        for field, names in _VARIABLES.items():
            if (var := _env_var(env, names)) is not None:
                values[field] = var
        values["allow_insecure_http"] = parse_flag(env.get(_INSECURE, ""), name=_INSECURE)
        return cls(**(values | fields))

    def variables(self) -> dict[str, str]:
        """The resource's values under the variables' names (what the CLI reads from the environment)."""
        values = {names[0]: getattr(self, field) for field, names in _VARIABLES.items()}
        values[_INSECURE] = "1" if self.allow_insecure_http else "0"
        return {name: value for name, value in values.items() if value is not None}

    def shop_settings(self) -> ShopSettings:
        """The shop's settings, read from :meth:`variables` by :func:`oc_connector.settings.shop_settings`.

        Raises:
            ConfigurationError: a value is missing or bad; the message names the variable.
        """
        return shop_settings(
            self.variables(), rate_per_second=self.rate_per_second, max_concurrency=self.max_concurrency
        )

    def get_client(self) -> Any:
        """The (cached) ``OpenCartClient``."""
        if self._client is None:
            self._client = build_client(self.shop_settings())
        return self._client

    def get_admin_client(self) -> Any:
        """The (cached) ``AdminClient``, or None when no admin credentials are configured."""
        if self._admin is None and self.admin_username and self.admin_password:
            self._admin = build_admin_client(self.shop_settings())
        return self._admin


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The SQL warehouse (SQLite file, PostgreSQL, DuckDB) as a SQLAlchemy URL."""

    url: str = Field(default=DEFAULT_WAREHOUSE_URL, description="SQLAlchemy URL of the warehouse.")

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> "WarehouseResource":
        """The resource for ``WAREHOUSE_URL`` as a ``dg.EnvVar`` (it may hold a password), or the default."""
        var = _env_var(env, ("WAREHOUSE_URL",))
        return cls() if var is None else cls(url=var)

    @cached_property
    def _engine(self) -> sa.Engine:
        engine = sa.create_engine(warehouse_settings({"WAREHOUSE_URL": self.url}).url)
        upgrade(engine)
        return engine

    def get_engine(self) -> sa.Engine:
        """The engine, schema upgraded and mart views created."""
        return self._engine
