"""The CLI's one read of the process environment, through :mod:`oc_connector.settings`.

A missing or bad variable is a click usage error (exit code 2) whose message names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import click
import sqlalchemy as sa

from oc_connector.cli.errors import CommandError
from oc_connector.errors import ConfigurationError, WarehouseError
from oc_connector.settings import ShopSettings, WarehouseSettings, shop_settings, warehouse_settings

__all__ = ["shop_from_environment", "warehouse_engine", "warehouse_from_environment"]

T = TypeVar("T")


def _read(read: Callable[[], T]) -> T:
    try:
        return read()
    except ConfigurationError as exc:
        raise _Usage(exc.message) from None


def shop_from_environment(*, rate_per_second: float | None = None) -> ShopSettings:
    """The shop's settings from ``os.environ`` (``rate_per_second``: the command's ``--rate``).

    Raises:
        click.UsageError: a variable is missing or bad.
    """
    return _read(lambda: shop_settings(os.environ, rate_per_second=rate_per_second))


def warehouse_from_environment() -> WarehouseSettings:
    """The warehouse settings from ``os.environ``.

    Raises:
        click.UsageError: a variable is bad.
    """
    return _read(lambda: warehouse_settings(os.environ))


def warehouse_engine(url: str | None = None) -> sa.Engine:
    """A connected engine for ``url`` (``--warehouse-url``) or else ``WAREHOUSE_URL``.

    Raises:
        click.UsageError: the URL is not a database URL or its folder does not exist (exit 2).
        CommandError: the database did not accept the connection (exit 1).
    """
    from oc_connector.warehouse.connect import connect

    settings = warehouse_from_environment() if url is None else _read(
        lambda: warehouse_settings({"WAREHOUSE_URL": url}))
    try:
        return connect(settings)
    except ConfigurationError as exc:
        raise _Usage(exc.message) from exc
    except WarehouseError as exc:
        raise CommandError(exc.message) from exc


class _Usage(click.UsageError):
    def show(self, file: object = None) -> None:  # a bad URL: no "Usage:" block, the message says it all
        click.echo(f"Error: {self.format_message()}", err=True)
