"""``oc-connector check``: log in to the shop and say in plain words whether the API works."""

from __future__ import annotations

import contextlib

import click

from oc_connector.cli.environment import shop_from_environment
from oc_connector.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    IPNotAllowedError,
    NotFoundError,
    OpenCartError,
    PermissionDenied,
    ReadTimeout,
    RouteNotFoundError,
    ServerError,
    TLSError,
    UnexpectedResponseError,
)
from oc_connector.settings import build_client
from oc_connector.wire.retry import RetryPolicy

__all__ = ["check"]


def _explain(exc: OpenCartError, url: str) -> str:
    if isinstance(exc, IPNotAllowedError):
        seen = exc.ip or "(unknown)"
        return (
            f"the shop refused this machine's IP address {seen}: add it in "
            "Admin > System > Users > API > (your API user) > IP Addresses"
        )
    if isinstance(exc, AuthenticationError):
        return (
            "login refused: the API key or API username is wrong, or the API user is disabled "
            "(Admin > System > Users > API)"
        )
    if isinstance(exc, PermissionDenied):
        return "the shop refused the fresh API token (API user disabled or IP removed from the allow-list)"
    if isinstance(exc, RouteNotFoundError):
        return f"{url} does not look like an OpenCart 3.0 shop (api/login answered a 404 page)"
    if isinstance(exc, UnexpectedResponseError):
        return f"{url} does not look like an OpenCart 3.0 shop (it did not answer JSON)"
    if isinstance(exc, TLSError):
        return f"TLS problem talking to {url}: {exc.message} (check the certificate or OPENCART_CA_BUNDLE)"
    if isinstance(exc, ConnectError):
        return f"could not connect to {url}: {exc.message}"
    if isinstance(exc, ReadTimeout):
        return f"{url} did not answer in time"
    if isinstance(exc, ServerError):
        return f"the shop answered HTTP {exc.status}: server error"
    if isinstance(exc, ConfigurationError):
        return f"configuration problem: {exc.message}"
    return str(exc)


@click.command()
def check() -> None:
    """Log in to the shop's API and confirm the token works."""
    settings = shop_from_environment()
    try:
        client = build_client(settings, retry=RetryPolicy(max_attempts=2))
    except ConfigurationError as exc:
        raise click.ClickException(_explain(exc, settings.url)) from None
    with client:
        try:
            client.login()
            with contextlib.suppress(NotFoundError):  # NotFound: the token works, no order 1
                client.order_info_raw(1)
        except OpenCartError as exc:
            raise click.ClickException(_explain(exc, client.base_url)) from None
    click.echo(f"OK: logged in to {client.base_url} as API user {settings.api_username!r}; the token works.")
