"""One way in for configuration: a mapping of variables -> validated settings -> clients.

Every entry point goes through this module: the CLI passes ``os.environ``, the Dagster app
(``pipelines/definitions.py``) passes ``os.environ`` when Dagster loads it, and
``OpenCartResource`` passes its own fields under the same variable names. One variable therefore
means one thing everywhere. The library itself never reads the environment: each function takes
the mapping it should read.

Variables (the README's "Configuration" section lists the same):

    OPENCART_URL                  shop root, e.g. ``https://shop.example.com/`` (required)
    OPENCART_API_USERNAME         API user name (default ``Default``)
    OPENCART_API_KEY              API key (required)
    OPENCART_ADMIN_USERNAME       admin user for the admin channel (with the password, or neither)
    OPENCART_ADMIN_PASSWORD       admin password (with the user name, or neither)
    OPENCART_ALLOW_INSECURE_HTTP  ``1/true/yes/on`` allow plain http to a non-loopback host;
                                  ``0/false/no/off`` or empty: refuse (the default)
    OPENCART_CA_BUNDLE            path to a CA bundle for the shop's TLS certificate
    OPENCART_VERSION              the shop's OpenCart major version: ``auto`` (the default: detected at
                                  the first login), ``3.0`` or ``4.0`` (detection skipped)
    HTTPS_PROXY / HTTP_PROXY      proxy for the shop (either case), unless NO_PROXY lists its host
    WAREHOUSE_URL                 SQLAlchemy URL of the warehouse (default ``sqlite:///oc_warehouse.db``)
    OPENCART_PARTITION_SIZE       Dagster backfill: order ids per partition (default 10000; the
                                  partitions grow with the shop's newest order id)
    OPENCART_FRESHNESS_HOURS      Dagster check: a sync older than this fails ``sync_is_fresh`` (2)
    OC_CONNECTOR_CONFIG           a fleet file listing many shops (default ``oc-connector.toml`` in the
                                  working directory; without either, the single shop above)

A fleet file (TOML, :func:`fleet_settings`) lists shops by key with their URL, API user, the *names*
of the variables holding their secrets (never the secrets), timezone, rate, workers, partition size,
freshness, owners and tags; see the README's "Many shops" section.

Values are stripped (except the admin password) and an empty value counts as unset.

pydantic-settings provides the validation, but its environment, dotenv and secrets-directory
sources read the process environment and files by themselves; the settings classes here keep only
the init source, so the single input is the mapping the caller hands to :func:`shop_settings`,
:func:`warehouse_settings` or :func:`dagster_settings`. Rate, concurrency and timeouts are no
variables: the caller passes them (the CLI's ``--rate``, the resource's fields).

Secrets are :class:`~oc_connector.secret.Secret` (masked in ``repr``) and registered for log
redaction as soon as they are read.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from oc_connector.api.version import parse_version
from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.secret import Secret
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.transport import DEFAULT_RATE_LIMIT, Timeout

if TYPE_CHECKING:
    from oc_connector.admin.client import AdminClient
    from oc_connector.admin40.client import Admin40Client
    from oc_connector.api.client import OpenCartClient

__all__ = [
    "CONFIG_VARIABLE",
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_WAREHOUSE_URL",
    "DagsterSettings",
    "FleetSettings",
    "ShopConfig",
    "ShopSettings",
    "WarehouseSettings",
    "build_admin_client",
    "build_client",
    "dagster_settings",
    "fleet_settings",
    "mask_url",
    "parse_flag",
    "proxies_for",
    "shop_settings",
    "warehouse_settings",
    "warehouse_url_problem",
]

DEFAULT_WAREHOUSE_URL = "sqlite:///oc_warehouse.db"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})

# what to export when a required variable is missing
_HINTS = {
    "OPENCART_URL": "shop root URL, e.g. https://shop.example.com/",
    "OPENCART_API_KEY": "API key from Admin > System > Users > API",
}
_UNSTRIPPED = frozenset({"OPENCART_ADMIN_PASSWORD"})  # a password may begin or end with a space
_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")


def mask_url(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part replaced by ``***``."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


def warehouse_url_problem(url: str) -> str | None:
    """What is wrong with the shape of a warehouse URL and what to write instead, or None."""
    shown = mask_url(url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        if url.endswith((".db", ".sqlite", ".sqlite3")) or "/" in url or "\\" in url or "." in url:
            return (f"WAREHOUSE_URL={shown!r} is a file name, not a database URL: "
                    f"for a SQLite file write WAREHOUSE_URL=sqlite:///{url}")
        return (f"WAREHOUSE_URL={shown!r} is not a database URL: write e.g. sqlite:///oc_warehouse.db "
                "or postgresql://user:password@host:5432/dbname")
    if scheme.lower() in ("postgres", "postgres+psycopg", "postgres+psycopg2"):
        fixed = "postgresql" + scheme[len("postgres"):]
        return (f"WAREHOUSE_URL={shown!r}: SQLAlchemy does not know the scheme {scheme}://; "
                f"write {fixed}://{mask_url('x://' + rest)[4:]}")
    return None


def parse_flag(value: str | bool, *, name: str) -> bool:
    """Read an on/off variable: ``1/true/yes/on`` or ``0/false/no/off``/empty, any case.

    Args:
        value: the variable's text (a bool passes through).
        name: the variable, for the error message.

    Raises:
        ConfigurationError: any other value.
    """
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(
        f"{name} must be 1/true/yes/on or 0/false/no/off (case-insensitive), not {value.strip()[:20]!r}"
    )


def _secret(value: Any) -> Any:
    return Secret(value) if isinstance(value, str) else value  # Secret registers it for redaction


def _flag(name: str) -> BeforeValidator:
    def parse(value: Any) -> Any:
        if isinstance(value, str | bool):
            try:
                return parse_flag(value, name=name)
            except ConfigurationError as exc:
                raise ValueError(exc.message) from None
        return value

    return BeforeValidator(parse)


def _version(name: str) -> BeforeValidator:
    def parse(value: Any) -> Any:
        if isinstance(value, str | ShopVersion) or value is None:
            try:
                return parse_version(value, name=name)
            except ConfigurationError as exc:
                raise ValueError(exc.message) from None
        return value

    return BeforeValidator(parse)


SecretValue = Annotated[Secret, BeforeValidator(_secret)]


class _MappingSettings(BaseSettings):
    """Settings validated from the caller's mapping only (no environment, .env or secrets dir)."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        arbitrary_types_allowed=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values passed in: the environment is read by the caller, never here."""
        return (init_settings,)


class ShopSettings(_MappingSettings):
    """One shop: where it is, who logs in, and how requests reach it.

    Attributes:
        url: shop root (``OPENCART_URL``).
        api_username: API user (``OPENCART_API_USERNAME``, default ``Default``).
        api_key: API key (``OPENCART_API_KEY``).
        admin_username: admin user (``OPENCART_ADMIN_USERNAME``), or None.
        admin_password: admin password (``OPENCART_ADMIN_PASSWORD``), or None.
        allow_insecure_http: plain http allowed off loopback (``OPENCART_ALLOW_INSECURE_HTTP``).
        ca_bundle: CA bundle path (``OPENCART_CA_BUNDLE``), or None.
        version: the shop's OpenCart major version (``OPENCART_VERSION``: ``3.0``, ``4.0``), or None
            for ``auto`` (detected at the first login).
        proxies: scheme -> proxy for this shop (``HTTPS_PROXY``/``HTTP_PROXY`` unless ``NO_PROXY``).
        rate_per_second: requests per second towards the shop, both channels (burst = rate).
        max_concurrency: catalog requests in flight at most.
        timeout: connect/read timeouts of every request.
    """

    url: str = Field(validation_alias="OPENCART_URL")
    api_username: str = Field(default="Default", validation_alias="OPENCART_API_USERNAME")
    api_key: SecretValue = Field(validation_alias="OPENCART_API_KEY")
    admin_username: str | None = Field(default=None, validation_alias="OPENCART_ADMIN_USERNAME")
    admin_password: SecretValue | None = Field(default=None, validation_alias="OPENCART_ADMIN_PASSWORD")
    allow_insecure_http: Annotated[bool, _flag("OPENCART_ALLOW_INSECURE_HTTP")] = Field(
        default=False, validation_alias="OPENCART_ALLOW_INSECURE_HTTP"
    )
    ca_bundle: str | None = Field(default=None, validation_alias="OPENCART_CA_BUNDLE")
    version: Annotated[ShopVersion | None, _version("OPENCART_VERSION")] = Field(
        default=None, validation_alias="OPENCART_VERSION"
    )
    proxies: dict[str, str] = Field(default_factory=dict)
    rate_per_second: float = Field(default=DEFAULT_RATE_LIMIT.per_second, gt=0)
    max_concurrency: int = Field(default=8, ge=1)
    timeout: Timeout = Field(default_factory=Timeout)

    @model_validator(mode="after")
    def _admin_pair(self) -> ShopSettings:
        if (self.admin_username is None) != (self.admin_password is None):
            missing = "OPENCART_ADMIN_PASSWORD" if self.admin_password is None else "OPENCART_ADMIN_USERNAME"
            raise ValueError(f"{missing} is not set: the admin channel needs both user name and password")
        return self

    @property
    def has_admin(self) -> bool:
        """True when admin credentials are configured."""
        return self.admin_username is not None and self.admin_password is not None

    @property
    def rate_limit(self) -> RateLimit:
        """The shop's request budget, shared by its catalog and admin clients."""
        return RateLimit(per_second=self.rate_per_second, burst=max(1, int(self.rate_per_second)))


class WarehouseSettings(_MappingSettings):
    """The warehouse: a SQLAlchemy URL (``WAREHOUSE_URL``).

    The URL's shape is checked here (a bare file name, ``postgres://``, no scheme at all); whether
    the database answers is checked when connecting (:func:`oc_connector.warehouse.connect.connect`).
    """

    url: str = Field(default=DEFAULT_WAREHOUSE_URL, validation_alias="WAREHOUSE_URL")

    @model_validator(mode="after")
    def _url_shape(self) -> WarehouseSettings:
        problem = warehouse_url_problem(self.url)
        if problem is not None:
            raise ValueError(problem)
        return self

    @property
    def masked_url(self) -> str:
        """The URL with its password replaced by ``***`` (for messages)."""
        return mask_url(self.url)


class DagsterSettings(_MappingSettings):
    """What the Dagster app adds for the single shop: partition size and the freshness limit."""

    partition_size: int = Field(default=10_000, gt=0, validation_alias="OPENCART_PARTITION_SIZE")
    freshness_hours: float = Field(default=2.0, gt=0, validation_alias="OPENCART_FRESHNESS_HOURS")


_S = TypeVar("_S", bound=_MappingSettings)

_SHOP_VARIABLES = tuple(
    str(f.validation_alias) for f in ShopSettings.model_fields.values() if f.validation_alias
)


def _present(env: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The named variables that are set to something (stripped, except a password)."""
    values: dict[str, str] = {}
    for name in names:
        raw = env.get(name)
        value = raw if raw is None or name in _UNSTRIPPED else raw.strip()
        if value:
            values[name] = value
    return values


def _validate(cls: type[_S], values: dict[str, Any]) -> _S:
    try:
        return cls(**values)
    except ValidationError as exc:
        raise ConfigurationError(_message(exc)) from None


def _message(exc: ValidationError) -> str:
    """The first problem, naming the variable and what to do (never the value of a secret)."""
    err = exc.errors(include_url=False, include_input=False)[0]
    name = str(err["loc"][0]) if err["loc"] else ""
    if err["type"] == "missing":
        return f"{name} is not set: export {name}=<{_HINTS.get(name, 'value')}>"
    cause = (err.get("ctx") or {}).get("error")
    text = str(cause) if isinstance(cause, Exception) else err["msg"]
    if not name or text.startswith(name):
        return text
    return f"{name}: {text}"


def shop_settings(
    env: Mapping[str, str],
    *,
    rate_per_second: float | None = None,
    max_concurrency: int | None = None,
    timeout: Timeout | None = None,
) -> ShopSettings:
    """Read one shop's settings from ``env`` (the variables in the module docstring).

    Args:
        env: the variables (``os.environ``, a dict from a file, a resource's fields).
        rate_per_second: requests per second towards the shop (default: 10).
        max_concurrency: catalog requests in flight at most (default: 8).
        timeout: connect/read timeouts (default: 5 s / 30 s).

    Returns:
        The validated settings; secrets are registered for log redaction.

    Raises:
        ConfigurationError: a required variable is missing or a value is bad; the message names
            the variable.
    """
    values: dict[str, Any] = _present(env, _SHOP_VARIABLES)
    if "OPENCART_URL" in values:
        values["proxies"] = proxies_for(values["OPENCART_URL"], env)
    options = {"rate_per_second": rate_per_second, "max_concurrency": max_concurrency, "timeout": timeout}
    values.update({k: v for k, v in options.items() if v is not None})
    return _validate(ShopSettings, values)


def warehouse_settings(env: Mapping[str, str]) -> WarehouseSettings:
    """Read the warehouse settings (``WAREHOUSE_URL``; default a SQLite file in the working folder).

    Raises:
        ConfigurationError: ``WAREHOUSE_URL`` is not a database URL (a bare file name,
            ``postgres://``); the message names the variable and the URL to write instead.
    """
    return _validate(WarehouseSettings, _present(env, ("WAREHOUSE_URL",)))


def dagster_settings(env: Mapping[str, str]) -> DagsterSettings:
    """Read the Dagster app's own settings for the single shop (partition size, freshness hours).

    Raises:
        ConfigurationError: a value is not a positive number; the message names the variable.
    """
    names = ("OPENCART_PARTITION_SIZE", "OPENCART_FRESHNESS_HOURS")
    return _validate(DagsterSettings, _present(env, names))


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


def _transport_options(settings: ShopSettings) -> dict[str, Any]:
    """TLS/HTTP policy, proxies, rate and timeouts shared by the catalog and the admin client."""
    return {
        "allow_insecure_http": settings.allow_insecure_http,
        "ca_bundle": settings.ca_bundle,
        "proxies": dict(settings.proxies),
        "rate_limit": settings.rate_limit,
        "timeout": settings.timeout,
    }


def build_client(settings: ShopSettings, **options: Any) -> OpenCartClient:
    """The catalog API client (``OpenCartClient``) for ``settings``.

    Args:
        settings: the shop.
        **options: further ``OpenCartClient`` arguments (e.g. ``retry``).

    Raises:
        ConfigurationError: the URL is not acceptable (e.g. plain http without permission).
    """
    # looked up at call time, so a replaced module (tests) is the one used
    client: OpenCartClient = importlib.import_module("oc_connector.api.client").OpenCartClient(
        settings.url,
        api_key=settings.api_key,
        api_username=settings.api_username,
        max_concurrency=settings.max_concurrency,
        **(_transport_options(settings) | {"version": settings.version} | options),
    )
    return client


def build_admin_client(
    settings: ShopSettings, *, version: ShopVersion | None = None, **options: Any
) -> AdminClient | Admin40Client | None:
    """The admin-pages client for ``settings``, or None without admin credentials.

    ``AdminClient`` for a 3.0 shop, ``Admin40Client`` for a 4.0.2.x shop: the version is
    ``version`` (e.g. what the catalog client detected at its login), else the configured one,
    else 3.0.

    Args:
        settings: the shop.
        version: the shop's OpenCart major version when known (overrides ``settings.version``).
        **options: further client arguments (e.g. ``retry``).

    Raises:
        ConfigurationError: the URL is not acceptable (e.g. plain http without permission).
    """
    if settings.admin_username is None or settings.admin_password is None:
        return None
    if (version or settings.version) is ShopVersion.V4_0:
        module, name = "oc_connector.admin40.client", "Admin40Client"
    else:
        module, name = "oc_connector.admin.client", "AdminClient"
    admin: AdminClient | Admin40Client = getattr(importlib.import_module(module), name)(
        settings.url,
        username=settings.admin_username,
        password=settings.admin_password,
        **(_transport_options(settings) | options),
    )
    return admin



# -- many shops: the fleet file ---------------------------------------------------------------

CONFIG_VARIABLE = "OC_CONNECTOR_CONFIG"
DEFAULT_CONFIG_PATH = "oc-connector.toml"
"""The fleet file read when ``OC_CONNECTOR_CONFIG`` is not set (relative to the working directory)."""

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_OWNER = re.compile(r"^(team:[A-Za-z0-9_-]+|[^@\s]+@[^@\s]+\.[^@\s]+)$")
_TAG_PART = re.compile(r"^[A-Za-z0-9_.-]{0,63}$")
# keys a fleet file must not hold: the secrets themselves
_SECRET_KEYS = {
    "api_key": "api_key_env", "admin_password": "admin_password_env", "password": "admin_password_env",
}


class ShopConfig(BaseModel):
    """One shop of a fleet: where it is, which variables hold its secrets, how it is synced.

    Attributes:
        key: the shop's key: its rows in the warehouse (``shop`` column) and the prefix of its Dagster
            asset keys, jobs and resource (lower case letters, digits, ``_``).
        url: shop root; or ``url_env``, the variable holding it.
        api_username: API user.
        api_key_env: the variable holding the API key.
        admin_username: admin user (with ``admin_password_env``, or neither).
        admin_password_env: the variable holding the admin password.
        allow_insecure_http: plain http allowed off loopback.
        ca_bundle: CA bundle path for the shop's certificate.
        version: the shop's OpenCart major version (``"3.0"``, ``"4.0"``), or None for ``"auto"``
            (the default: detected at the first login).
        timezone: the shop's PHP timezone (IANA name).
        rate_per_second: requests per second to the shop, both channels.
        max_concurrency: catalog requests in flight at most.
        workers: sync worker threads.
        partition_size: order ids per backfill partition.
        freshness_hours: a sync older than this fails the freshness check and policy.
        owners: Dagster owners (``team:name`` or an e-mail address).
        tags: Dagster tags of the shop's assets.
        description: shown on the shop's assets.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    url: str | None = None
    url_env: str | None = Field(default=None, pattern=_ENV_NAME)
    api_username: str = "Default"
    api_key_env: str = Field(pattern=_ENV_NAME)
    admin_username: str | None = None
    admin_password_env: str | None = Field(default=None, pattern=_ENV_NAME)
    allow_insecure_http: Annotated[bool, _flag("allow_insecure_http")] = False
    ca_bundle: str | None = None
    version: Annotated[ShopVersion | None, _version("version")] = None
    timezone: str = "UTC"
    rate_per_second: float = Field(default=5.0, gt=0)
    max_concurrency: int = Field(default=8, ge=1)
    workers: int = Field(default=4, ge=1)
    partition_size: int = Field(default=10_000, gt=0)
    freshness_hours: float = Field(default=2.0, gt=0)
    owners: tuple[str, ...] = ()
    tags: dict[str, str] = Field(default_factory=dict)
    description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key, instead in _SECRET_KEYS.items():
                if key in data:
                    raise ValueError(
                        f"{key}: a secret does not belong in the file; put it in an environment "
                        f"variable and name that variable with {instead}"
                    )
        return data

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r} (an IANA name such as Europe/Berlin)") from None
        return value

    @field_validator("owners")
    @classmethod
    def _owners(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [o for o in value if not _OWNER.match(o)]
        if bad:
            raise ValueError(f"owners must be team:<name> or an e-mail address, not {bad[0]!r}")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for k, v in value.items():
            if not k or not _TAG_PART.match(k) or not _TAG_PART.match(str(v)):
                raise ValueError(f"tag {k!r}={v!r}: keys and values are up to 63 of A-Z a-z 0-9 _ . -")
        return value

    @model_validator(mode="after")
    def _pairs(self) -> ShopConfig:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give url or url_env (the variable holding the URL), exactly one")
        if (self.admin_username is None) != (self.admin_password_env is None):
            raise ValueError("admin_username and admin_password_env go together: give both or neither")
        return self


class FleetSettings(BaseModel):
    """The shops one Dagster code location (or CLI run) serves, and the warehouse they share.

    Attributes:
        shops: the shops, keys unique.
        warehouse_url: the warehouse URL; or ``warehouse_url_env``, the variable holding it (it may
            carry a password). Neither: ``WAREHOUSE_URL`` if set, else the default SQLite file.
        reverse_etl_shop: the shop the voucher and coupon jobs write to (the request tables have no
            shop column); default: the only shop, or none with several.
        source: the file read, or ``environment`` for the single shop of the variables.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    shops: tuple[ShopConfig, ...] = Field(min_length=1)
    warehouse_url: str | None = None
    warehouse_url_env: str | None = Field(default=None, pattern=_ENV_NAME)
    reverse_etl_shop: str | None = None
    source: str = "environment"

    @model_validator(mode="after")
    def _keys(self) -> FleetSettings:
        keys = [s.key for s in self.shops]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"shop keys must be unique: {', '.join(twice)} appear more than once")
        if self.reverse_etl_shop is not None and self.reverse_etl_shop not in keys:
            raise ValueError(f"reverse_etl_shop {self.reverse_etl_shop!r} is not one of the shops: {keys}")
        if self.warehouse_url is not None and self.warehouse_url_env is not None:
            raise ValueError("give warehouse url or url_env, not both")
        return self

    @property
    def reverse_shop(self) -> ShopConfig | None:
        """The shop of the reverse-ETL jobs, if any."""
        key = self.reverse_etl_shop or (self.shops[0].key if len(self.shops) == 1 else None)
        return next((s for s in self.shops if s.key == key), None)


def _fleet_message(exc: ValidationError, source: str) -> str:
    err = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "file"
    cause = (err.get("ctx") or {}).get("error")
    text = str(cause) if isinstance(cause, Exception) else err["msg"]
    if err["type"] == "missing":
        text = "is required"
    return f"{source}: {where}: {text}"


def _from_file(path: Path) -> FleetSettings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{CONFIG_VARIABLE}: cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from None
    defaults = data.pop("defaults", {})
    warehouse = data.pop("warehouse", {})
    shops = data.pop("shops", [])
    if not isinstance(defaults, dict) or not isinstance(warehouse, dict) or not isinstance(shops, list):
        raise ConfigurationError(f"{path}: [defaults], [warehouse] are tables and [[shops]] a list of tables")
    values: dict[str, Any] = {
        **data,
        "shops": [{**defaults, **shop} if isinstance(shop, dict) else shop for shop in shops],
        "source": str(path),
    }
    if "url" in warehouse:
        values["warehouse_url"] = warehouse["url"]
    if "url_env" in warehouse:
        values["warehouse_url_env"] = warehouse["url_env"]
    try:
        return FleetSettings(**values)
    except ValidationError as exc:
        raise ConfigurationError(_fleet_message(exc, str(path))) from None


def _single_shop(env: Mapping[str, str]) -> FleetSettings:
    """The one shop of the ``OPENCART_*`` variables (URL and secrets stay variables)."""
    app = dagster_settings(env)
    present = _present(env, ("OPENCART_ADMIN_USERNAME", "OPENCART_ADMIN_PASSWORD", "OPENCART_CA_BUNDLE",
                             "OPENCART_API_USERNAME", "OPENCART_VERSION"))
    version = parse_version(present.get("OPENCART_VERSION"))
    if "OPENCART_ADMIN_PASSWORD" in present and "OPENCART_ADMIN_USERNAME" not in present:
        raise ConfigurationError(
            "OPENCART_ADMIN_USERNAME is not set: the admin channel needs both user name and password"
        )
    shop = ShopConfig(
        key="default",
        url_env="OPENCART_URL",
        api_key_env="OPENCART_API_KEY",
        api_username=present.get("OPENCART_API_USERNAME", "Default"),
        admin_username=present.get("OPENCART_ADMIN_USERNAME"),
        admin_password_env="OPENCART_ADMIN_PASSWORD" if "OPENCART_ADMIN_USERNAME" in present else None,
        allow_insecure_http=parse_flag(env.get("OPENCART_ALLOW_INSECURE_HTTP", ""),
                                       name="OPENCART_ALLOW_INSECURE_HTTP"),
        ca_bundle=present.get("OPENCART_CA_BUNDLE"),
        version=version,
        partition_size=app.partition_size,
        freshness_hours=app.freshness_hours,
    )
    warehouse = "WAREHOUSE_URL" if env.get("WAREHOUSE_URL", "").strip() else None
    return FleetSettings(shops=(shop,), warehouse_url_env=warehouse)


def fleet_settings(env: Mapping[str, str], *, cwd: Path | None = None) -> FleetSettings:
    """The shops to serve: the fleet file, or the single shop of the ``OPENCART_*`` variables.

    The file is ``OC_CONNECTOR_CONFIG`` if set (it must exist), else ``oc-connector.toml`` in
    ``cwd`` if present. Without a file, the shop is ``default`` with its URL and secrets in the
    usual variables (read when a run starts, not now).

    Args:
        env: the variables.
        cwd: where the default file is looked for (default: the working directory).

    Raises:
        ConfigurationError: the file is missing (when named), not TOML, or a value is bad; the
            message names the file and the field (``shops.1.rate_per_second``), or the variable.
    """
    named = env.get(CONFIG_VARIABLE, "").strip()
    path = Path(named) if named else (cwd or Path.cwd()) / DEFAULT_CONFIG_PATH
    if not named and not path.is_file():
        return _single_shop(env)
    if not path.is_absolute() and cwd is not None:
        path = cwd / path
    if not path.is_file():
        raise ConfigurationError(f"{CONFIG_VARIABLE}={named}: no such file")
    return _from_file(path)
