"""``oc-connector check``: everything a sync or a push needs, one line per item, OK or what is wrong."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa

from oc_connector.admin.client import NEEDED_PERMISSIONS
from oc_connector.cli.environment import shop_from_environment, warehouse_from_environment
from oc_connector.cli.errors import CommandError, explain
from oc_connector.dialect import ShopVersion
from oc_connector.errors import NotFoundError, OpenCartError
from oc_connector.settings import ShopSettings, build_admin_client, build_client
from oc_connector.warehouse.connect import connect, schema_status
from oc_connector.wire.retry import RetryPolicy

if TYPE_CHECKING:
    from oc_connector.api.client import OpenCartClient

__all__ = ["check"]

_FEATURES = {
    "history": "full order history in sync",
    "lines": "order lines from the admin order page",
    "coupons": "coupons push",
    "vouchers": "vouchers issue (admin channel)",
}


class _Report:
    """Prints one line per item and remembers whether any failed."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def item(self, name: str, probe: Callable[[], str]) -> bool:
        try:
            detail = probe()
        except OpenCartError as exc:
            self.fail(name, explain(exc))
            return False
        click.echo(f"OK    {name}: {detail}")
        return True

    def fail(self, name: str, why: str) -> None:
        self.failed.append(name)
        click.echo(f"FAIL  {name}: {why}")


class _Failed(OpenCartError):
    """A check item's failure that is already a sentence."""


def _warehouse_item() -> tuple[str, Callable[[], str]]:
    settings = warehouse_from_environment()
    url = sa.make_url(settings.url)

    def probe() -> str:
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            path = Path(url.database).expanduser()
            if path.parent.is_dir() and not path.exists():
                return f"{settings.masked_url}: the file does not exist yet; the first sync creates it"
        engine = connect(settings)
        try:
            status = schema_status(engine)
        finally:
            engine.dispose()
        if not status.ok:
            raise _Failed(status.describe())
        return f"{settings.masked_url}: connected; {status.describe()}"

    return settings.masked_url, probe


@click.command(epilog=(
    "\b\nVariables read (see the README's Configuration section):\n"
    "  OPENCART_URL                  shop root, e.g. https://shop.example.com/ (required)\n"
    "  OPENCART_API_KEY              API key (required)\n"
    "  OPENCART_API_USERNAME         API user (default Default)\n"
    "  OPENCART_ADMIN_USERNAME       admin user, with OPENCART_ADMIN_PASSWORD (optional:\n"
    "  OPENCART_ADMIN_PASSWORD         history, coupons, vouchers; both or neither)\n"
    "  OPENCART_ALLOW_INSECURE_HTTP  1 to allow plain http:// to a non-loopback host\n"
    "  OPENCART_CA_BUNDLE            CA bundle for the shop's certificate\n"
    "  OPENCART_VERSION              auto (default: detected at login), 3.0 or 4.0\n"
    "  HTTPS_PROXY, HTTP_PROXY, NO_PROXY  proxy for the shop\n"
    "  WAREHOUSE_URL                 warehouse (default sqlite:///oc_warehouse.db)\n"
    "\b\nExit code 0 when every item is OK, 1 when any failed."
))
def check() -> None:
    """Check everything a sync or a push needs, one line per item.

    The API login, the shop's OpenCart version (and how it was found) and a token probe; with
    admin credentials the admin login and the admin permissions each feature needs; the
    warehouse connection and its schema version.
    """
    settings = shop_from_environment()
    report = _Report()
    try:
        client = build_client(settings, retry=RetryPolicy(max_attempts=2))
    except OpenCartError as exc:
        raise CommandError(explain(exc, settings.url)) from exc
    with client:
        def login() -> str:
            client.login()
            return f"{client.base_url} as API user {settings.api_username!r}"

        logged_in = report.item("API login", login)
        found = client.version_info  # known after a refused login too, when a login route refused it
        if found is not None:
            click.echo(f"OK    OpenCart version: {found.describe()}")
        else:
            report.fail("OpenCart version", "not found: the login failed")
        if logged_in:
            report.item("API token", lambda: _probe_token(client))
        else:
            report.fail("API token", "not tried: the login failed")
    _admin_items(settings, report, version=client.version)
    try:
        _name, probe = _warehouse_item()
    except click.UsageError as exc:
        report.fail("warehouse", exc.format_message())
    else:
        report.item("warehouse", probe)
    if report.failed:
        raise CommandError(f"{len(report.failed)} check(s) failed: {', '.join(report.failed)}")


def _probe_token(client: OpenCartClient) -> str:
    """Use the fresh token once on a read that changes nothing."""
    if client.version is ShopVersion.V4_0:
        client.call("api/sale/cart", method="GET", safe=True)  # the token's own, empty cart
        return "the token works (api/sale/cart answered)"
    with contextlib.suppress(NotFoundError):  # NotFound: the token works, there is no order 1
        client.order_info_raw(1)
    return "the token works (api/order/info answered)"


def _admin_items(settings: ShopSettings, report: _Report, *, version: ShopVersion | None) -> None:
    if not settings.has_admin:
        if version is ShopVersion.V4_0:
            report.fail("admin", "OPENCART_ADMIN_USERNAME/OPENCART_ADMIN_PASSWORD not set: OpenCart 4.0 "
                                 "has no API route that reads an order, so a sync reads the admin pages "
                                 "and needs them")
            return
        click.echo("SKIP  admin: OPENCART_ADMIN_USERNAME/OPENCART_ADMIN_PASSWORD not set "
                   "(sync reads history from the API only; coupons push and admin-channel vouchers "
                   "need them)")
        return
    admin = build_admin_client(settings, version=version, retry=RetryPolicy(max_attempts=2))
    assert admin is not None  # noqa: S101 - has_admin
    with admin:
        def login() -> str:
            admin.login()
            return f"as {settings.admin_username!r}"

        if not report.item("admin login", login):
            report.fail("admin permissions", "not tried: the admin login failed")
            return
        try:
            missing = admin.missing_permissions()
        except OpenCartError as exc:
            report.fail("admin permissions", explain(exc))
            return
        for feature in NEEDED_PERMISSIONS:
            name = f"admin permission for {feature}"
            if feature in missing:
                report.fail(name, f"{_FEATURES[feature]} needs {', '.join(missing[feature])}: grant it under "
                                  "Admin > System > Users > User Groups")
            else:
                click.echo(f"OK    {name}: {_FEATURES[feature]}")
        if version is ShopVersion.V4_0:
            name = "order sync (OpenCart 4.0)"
            if "lines" in missing:
                report.fail(name, f"orders are read from the admin pages, which need {missing['lines'][0]}")
            else:
                click.echo(f"OK    {name}: orders, lines, totals and history from the admin pages "
                           "(sale/order.list, sale/order.info); products and customers not refreshed")
