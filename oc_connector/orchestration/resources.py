"""Dagster resources: the OpenCart shop (API + optional admin) and the warehouse engine."""


from functools import cached_property
from typing import Any

import dagster as dg
import sqlalchemy as sa
from pydantic import Field, PrivateAttr

from oc_connector.secret import Secret, register_secret
from oc_connector.warehouse import marts  # noqa: F401  (registers the mart views with upgrade)
from oc_connector.warehouse.migrate import upgrade


class OpenCartResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """An OpenCart 3.0 shop reached through its catalog API (and optionally its admin)."""

    url: str = Field(description="Shop base URL, e.g. https://shop.example.com/ (https unless allowed).")
    api_key: str = Field(description="API key of the API user (System > Users > API). Use EnvVar.")
    api_username: str = Field(default="Default", description="API user name.")
    admin_username: str | None = Field(default=None, description="Admin user (history, vouchers).")
    admin_password: str | None = Field(default=None, description="Admin password. Use EnvVar.")
    allow_insecure_http: bool = Field(default=False, description="Allow plain http (loopback tests).")
    ca_bundle: str | None = Field(default=None, description="Path to a CA bundle for private TLS.")
    proxy_url: str | None = Field(default=None, description="HTTP(S) proxy for the shop, e.g. http://proxy:3128.")
    rate_per_second: float = Field(default=5.0, description="API requests per second (burst = rate).")
    max_concurrency: int = Field(default=8, description="Concurrent requests at most.")
    workers: int = Field(default=4, description="Sync worker threads.")
    shop: str = Field(default="default", description="Shop key in the warehouse tables.")
    shop_timezone: str = Field(default="UTC", description="The shop's PHP timezone (IANA name).")

    _client: Any = PrivateAttr(default=None)
    _admin: Any = PrivateAttr(default=None)

    def _proxies(self) -> dict[str, str]:
        return {"http": self.proxy_url, "https": self.proxy_url} if self.proxy_url else {}

    def get_client(self) -> Any:
        """The (cached) ``OpenCartClient``."""
        if self._client is None:
            from oc_connector.api.client import OpenCartClient
            from oc_connector.wire.ratelimit import RateLimit

            register_secret(self.api_key)
            self._client = OpenCartClient(
                self.url,
                api_key=Secret(self.api_key),
                api_username=self.api_username,
                allow_insecure_http=self.allow_insecure_http,
                ca_bundle=self.ca_bundle,
                proxies=self._proxies(),
                rate_limit=RateLimit(
                    per_second=self.rate_per_second, burst=max(1, int(self.rate_per_second))
                ),
                max_concurrency=self.max_concurrency,
            )
        return self._client

    def get_admin_client(self) -> Any:
        """The (cached) ``AdminClient``, or None when no admin credentials are configured."""
        if self._admin is None and self.admin_username and self.admin_password:
            from oc_connector.admin.client import AdminClient

            register_secret(self.admin_password)
            self._admin = AdminClient(
                self.url,
                username=self.admin_username,
                password=Secret(self.admin_password),
                allow_insecure_http=self.allow_insecure_http,
                ca_bundle=self.ca_bundle,
                proxies=self._proxies(),
            )
        return self._admin


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The SQL warehouse (SQLite file, PostgreSQL, DuckDB) as a SQLAlchemy URL."""

    url: str = Field(default="sqlite:///oc_warehouse.db", description="SQLAlchemy URL of the warehouse.")

    @cached_property
    def _engine(self) -> sa.Engine:
        engine = sa.create_engine(self.url)
        upgrade(engine)
        return engine

    def get_engine(self) -> sa.Engine:
        """The engine, schema upgraded and mart views created."""
        return self._engine
