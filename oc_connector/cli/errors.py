"""How the CLI ends on a mistake: one or two plain lines on stderr, a non-zero exit, -v for the traceback.

Exit codes (the README's "Command line" section lists the same):

- 0: done.
- 1: the command failed (the shop, the warehouse or a file said no); the message says what to do.
- 2: a usage error: a missing or bad variable or option, named in the message.
- 3: done, but some input rows were rejected (listed on the terminal and in the results file);
  ``--allow-rejected`` makes that exit 0.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Mapping
from typing import Any

import click

from oc_connector.errors import (
    AdminLoginError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    IPNotAllowedError,
    OpenCartError,
    PermissionDenied,
    ReadTimeout,
    RouteNotFoundError,
    ServerError,
    TLSError,
    UnexpectedResponseError,
)

__all__ = ["EXIT_REJECTED", "CommandError", "MainGroup", "explain", "set_verbose"]

EXIT_REJECTED = 3

_state = {"verbose": 0}


def set_verbose(level: int) -> None:
    """Remember ``-v`` for the rest of the run (tracebacks are shown from level 1)."""
    _state["verbose"] = level


def _show_cause(exc: BaseException) -> None:
    cause = exc.__cause__ or exc.__context__
    if _state["verbose"] and cause is not None:
        traceback.print_exception(type(cause), cause, cause.__traceback__, file=sys.stderr)


class CommandError(click.ClickException):
    """A failed command: ``Error: <message>`` on stderr, exit 1; with ``-v`` the cause's traceback first."""

    def show(self, file: Any = None) -> None:
        """Print the cause's traceback (``-v``) and then the message."""
        _show_cause(self)
        super().show(file)


def explain(exc: OpenCartError, url: str | None = None) -> str:
    """One sentence for a user: what went wrong and what to do (never a secret)."""
    where = url or "the shop"
    if isinstance(exc, IPNotAllowedError):
        seen = exc.ip or "(unknown)"
        return (
            f"the shop refused this machine's IP address {seen}: add it in "
            "Admin > System > Users > API > (your API user) > IP Addresses"
        )
    if isinstance(exc, AuthenticationError):
        return (
            f"login refused ({exc.message.rstrip('.')}): the API key or API username is wrong, "
            "or the API user is disabled (Admin > System > Users > API); "
            "check OPENCART_API_KEY and OPENCART_API_USERNAME"
        )
    if isinstance(exc, PermissionDenied):
        return "the shop refused the fresh API token (API user disabled or IP removed from the allow-list)"
    if isinstance(exc, AdminLoginError):
        return f"{exc.message}: check OPENCART_ADMIN_USERNAME and OPENCART_ADMIN_PASSWORD"
    if isinstance(exc, RouteNotFoundError):
        if "OPENCART_VERSION" in exc.message:  # a configured version the shop does not speak
            return f"{where}: {exc.message}"
        if exc.route in (None, "api/login", "api/account/login"):
            return (f"{where} does not look like an OpenCart 3.0 or 4.0 shop (neither api/login nor "
                    "api/account/login exists there); check OPENCART_URL")
        return f"{where} has no route {exc.route} ({exc.message}); check OPENCART_URL"
    if isinstance(exc, UnexpectedResponseError):
        return (f"{where} does not look like an OpenCart 3.0 or 4.0 shop (it did not answer JSON); "
                "check OPENCART_URL")
    if isinstance(exc, TLSError):
        return f"TLS problem talking to {where}: {exc.message} (check the certificate or OPENCART_CA_BUNDLE)"
    if isinstance(exc, ConnectError):
        return exc.message  # names the host and asks whether the shop is running at the URL
    if isinstance(exc, ReadTimeout):
        return f"{where} did not answer in time"
    if isinstance(exc, ServerError):
        return f"the shop answered HTTP {exc.status}: server error"
    if isinstance(exc, ConfigurationError):
        return exc.message
    return str(exc)


class MainGroup(click.Group):
    """The ``oc-connector`` group: an uncaught connector error becomes a :class:`CommandError`.

    ``lazy_commands`` maps a sub-command's name to ``"module:attribute"``, imported when the
    command is looked up (run, or listed by ``--help``).
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every sub-command's name, loaded or not."""
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The sub-command, imported on first use."""
        target = self._lazy.get(cmd_name)
        if target is not None and cmd_name not in self.commands:
            module, _, attr = target.partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the sub-command; a connector error ends in its plain explanation (exit 1)."""
        try:
            return super().invoke(ctx)
        except OpenCartError as exc:
            raise CommandError(explain(exc)) from exc
        except click.ClickException as exc:
            if not isinstance(exc, CommandError):
                _show_cause(exc)
            raise
