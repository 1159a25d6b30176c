"""The CLI's one read of the process environment, through :mod:`oc_connector.settings`.

A missing or bad variable is a click usage error (exit code 2) whose message names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import click

from oc_connector.errors import ConfigurationError
from oc_connector.settings import ShopSettings, WarehouseSettings, shop_settings, warehouse_settings

__all__ = ["shop_from_environment", "warehouse_from_environment"]

T = TypeVar("T")


def _read(read: Callable[[], T]) -> T:
    try:
        return read()
    except ConfigurationError as exc:
        raise click.UsageError(exc.message) from None


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
