"""Open the warehouse named by :class:`~oc_connector.settings.WarehouseSettings`, or say plainly why not.

SQLAlchemy's own errors for a wrong URL are a hundred lines of traceback ending in a driver
message; :func:`connect` turns the usual mistakes into one sentence that names ``WAREHOUSE_URL``,
shows the URL (password masked) and says what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from oc_connector.errors import ConfigurationError, WarehouseError
from oc_connector.settings import WarehouseSettings
from oc_connector.warehouse.migrate import current_version
from oc_connector.warehouse.schema import SCHEMA_VERSION

__all__ = ["SchemaStatus", "connect", "schema_status"]

_EXTRAS = {"postgresql": "postgres", "duckdb": "duckdb", "mysql": "mysql", "mariadb": "mysql"}


def _sqlite_folder(url: sa.URL) -> Path | None:
    """The folder a SQLite file URL writes into (None: in memory or not SQLite)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().parent


def _reason(exc: BaseException) -> str:
    """The driver's first line, without SQLAlchemy's boilerplate, cut at a word boundary."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = re.sub(r"^\(\S+\)\s*", "", text)
    if len(text) > 160:
        text = text[:160].rsplit(" ", 1)[0] + " ..."
    return text


def connect(settings: WarehouseSettings) -> sa.Engine:
    """An engine for the warehouse, after one successful connection.

    Raises:
        ConfigurationError: the URL names an unknown database kind, a driver that is not
            installed, or a SQLite file in a folder that does not exist.
        WarehouseError: the database did not accept the connection (server down, wrong login).
    """
    shown = settings.masked_url
    try:
        url = sa.make_url(settings.url)
        engine = sa.create_engine(url)
    except NoSuchModuleError as exc:
        backend = settings.url.split("://", 1)[0].split("+", 1)[0]
        extra = _EXTRAS.get(backend)
        hint = f"pip install 'oc-connector[{extra}]'" if extra else "install its SQLAlchemy driver"
        raise ConfigurationError(
            f"WAREHOUSE_URL={shown}: no SQLAlchemy driver for {backend!r} ({_reason(exc)}); "
            f"{hint}, or use sqlite:///oc_warehouse.db"
        ) from exc
    except (ArgumentError, ValueError) as exc:
        raise ConfigurationError(
            f"WAREHOUSE_URL={shown} is not a valid database URL: {_reason(exc)}"
        ) from exc
    except ImportError as exc:
        backend = settings.url.split("://", 1)[0]
        extra = _EXTRAS.get(backend.split("+", 1)[0])
        hint = f"pip install 'oc-connector[{extra}]'" if extra else "install it"
        if backend == "postgresql":  # SQLAlchemy's default PostgreSQL driver is psycopg2
            hint = f"write postgresql+psycopg://{shown.split('://', 1)[1]} (the [postgres] extra's driver)"
        raise ConfigurationError(
            f"WAREHOUSE_URL={shown}: the database driver is not installed ({exc.name or exc}); {hint}"
        ) from exc
    folder = _sqlite_folder(url)
    if folder is not None and not folder.is_dir():
        engine.dispose()
        raise ConfigurationError(
            f"WAREHOUSE_URL={shown}: the folder {str(folder)!r} does not exist; "
            f"create it (mkdir -p {folder}) or point WAREHOUSE_URL at an existing folder"
        )
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        where = f"{url.host}:{url.port or 'its default port'}" if url.host else None
        server = "PostgreSQL" if url.get_backend_name() == "postgresql" else "the database server"
        ask = f"; is {server} running at {where}?" if where else ""
        raise WarehouseError(f"WAREHOUSE_URL={shown}: cannot connect ({_reason(exc)}){ask}") from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise WarehouseError(f"WAREHOUSE_URL={shown}: cannot connect ({_reason(exc)})") from exc
    return engine


@dataclass(frozen=True)
class SchemaStatus:
    """The warehouse's recorded schema version against the one this package writes."""

    recorded: int
    expected: int = SCHEMA_VERSION

    @property
    def ok(self) -> bool:
        """True when the warehouse is at this package's version or will be upgraded in place."""
        return self.recorded <= self.expected

    def describe(self) -> str:
        """One line for ``oc-connector check``."""
        if self.recorded == 0:
            return f"empty warehouse: the first sync creates the tables (schema version {self.expected})"
        if self.recorded < self.expected:
            return f"schema version {self.recorded}; the next sync upgrades it to {self.expected} in place"
        if self.recorded == self.expected:
            return f"schema version {self.recorded} (current)"
        return (f"schema version {self.recorded} is newer than this oc-connector knows ({self.expected}): "
                "upgrade oc-connector")


def schema_status(engine: sa.Engine) -> SchemaStatus:
    """The schema version recorded in the warehouse (0: no tables yet)."""
    return SchemaStatus(recorded=current_version(engine))
