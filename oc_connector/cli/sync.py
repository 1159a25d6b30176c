"""``oc-connector sync``: incremental order sync from the shop into the warehouse."""

from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal, InvalidOperation

import click

from oc_connector.cli.environment import shop_from_environment, warehouse_engine
from oc_connector.cli.errors import CommandError, explain
from oc_connector.cli.progress import SyncProgressDisplay
from oc_connector.dialect import ShopVersion
from oc_connector.errors import AdminError, AdminLoginError, OpenCartError
from oc_connector.settings import build_admin_client, build_client
from oc_connector.sync.options import DEFAULT_FINAL_STATUSES
from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
from oc_connector.sync.shop40 import NO_ADMIN_40
from oc_connector.wire.concurrency import adaptive_limit

_FINAL = ",".join(str(s) for s in sorted(DEFAULT_FINAL_STATUSES))


def _statuses(_ctx: click.Context, _param: click.Parameter, value: str) -> frozenset[int]:
    try:
        ids = frozenset(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give order status ids separated by commas, e.g. {_FINAL}"
        ) from None
    if not ids:
        raise click.BadParameter("give at least one order status id")
    return ids


def _rates(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> dict[str, Decimal]:
    rates: dict[str, Decimal] = {}
    for item in value:
        code, _, rate = item.partition("=")
        try:
            number = Decimal(rate.strip())
        except InvalidOperation:
            number = Decimal(0)
        if len(code.strip()) != 3 or not number.is_finite() or number <= 0:
            raise click.BadParameter(f"{item!r}: give CODE=RATE, e.g. EUR=0.78460002")
        rates[code.strip().upper()] = number
    return rates


def _summary(result: SyncResult, *, timezone: str, version: str | None = None) -> str:
    on40 = result.version == ShopVersion.V4_0.value
    reads = "admin order pages" if on40 else "API calls"  # 4.0 has no API order read
    return (
        f"shop {result.shop}: {result.orders_inserted} new, {result.orders_updated} changed, "
        f"{result.orders_unchanged} unchanged, {result.orders_deleted} deleted, "
        f"{result.history_rows} history rows, {result.quarantined} quarantined; "
        f"high-water mark {result.hwm_before} -> {result.hwm_after}; "
        f"{result.api_calls} {reads} ({result.retries} retries, "
        f"{result.rate_limit_wait_s:.1f}s waiting for the rate limit) in {result.duration_s:.1f}s; "
        f"shop timezone {timezone}"
        + (f"; {version}" if version else "")
        + (
            f"; concurrency {result.concurrency_limit} after {len(result.concurrency_changes)} changes"
            if result.concurrency_limit
            else ""
        )
        + (f"\nstaleness: {result.staleness}" if result.staleness else "")
        + (f"\nproducts and customers: {result.dimensions}" if on40 else "")
    )


@click.command("sync")
@click.option("--full", is_flag=True, help="Re-read every loaded order, not only open/recent ones.")
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=None,
    help="Requests in flight at most (default: adaptive up to 16, as many as the shop serves without "
    "queueing).",
)
@click.option("--lookback-days", type=click.FloatRange(min=0), default=30.0, show_default=True,
              help="Also re-read orders added within this many days, whatever their status.")
@click.option("--final-statuses", default=_FINAL, show_default=True, callback=_statuses,
              help="Order status ids that never change again: such orders are not re-read "
                   "(outside the lookback).")
@click.option("--staleness-window-days", type=click.FloatRange(min=0, min_open=True),
              default=SyncOptions().staleness_window / timedelta(days=1), show_default=True,
              help="Without the admin change feed: re-read every final order at least once per this "
                   "many days (a slice each run).")
@click.option(
    "--rate",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Requests per second towards the shop at most (default: no rate limit for the order reads; "
    "the adaptive concurrency paces them).",
)
@click.option(
    "--shop",
    "shop_key",
    default="default",
    show_default=True,
    help="Shop key in the warehouse (several shops can share one warehouse).",
)
@click.option(
    "--gap-tolerance",
    type=click.IntRange(1),
    default=50,
    show_default=True,
    help="Stop probing after this many consecutive missing order ids.",
)
@click.option(
    "--timezone",
    "shop_timezone",
    default=None,
    help="The shop's local timezone (IANA name) for the *_utc columns "
         "[default: the shop's own from its admin settings with admin credentials, else UTC].",
)
@click.option("--no-admin", is_flag=True, help="Do not read order history from the admin channel "
              "(OpenCart 3.0 only: a 4.0 shop's orders are read from the admin pages).")
@click.option("--currency-value", "currency_values", multiple=True, callback=_rates, metavar="CODE=RATE",
              help="OpenCart 4.0: the rate of a currency other than the shop's default (repeatable), for "
                   "total and currency_value; the 4.0 pages show none, so without it they stay NULL.")
@click.option("--progress", "progress_mode", type=click.Choice(["auto", "bar", "lines"]), default="auto",
              show_default=True,
              help="auto: a progress bar when stderr is a terminal, plain lines otherwise.")
def sync(
    full: bool,
    workers: int | None,
    lookback_days: float,
    final_statuses: frozenset[int],
    staleness_window_days: float,
    rate: float | None,
    shop_key: str,
    gap_tolerance: int,
    shop_timezone: str | None,
    no_admin: bool,
    currency_values: dict[str, Decimal],
    progress_mode: str,
) -> None:
    """Pull new and changed orders (and their status history) into the warehouse."""
    # one shop, one rate: the catalog and the admin client share the shop's budget
    settings = shop_from_environment(rate_per_second=rate)
    engine = warehouse_engine()
    terminal = {"auto": None, "bar": True, "lines": False}[progress_mode]
    # the shop's pace is found, not configured: the in-flight limit follows the shop's latency,
    # and an explicit --workers / --rate only caps it
    limit = adaptive_limit(workers)
    client = admin = None
    try:
        client = build_client(settings, concurrency=limit, **({} if rate else {"rate_limit": None}))
        # auto: the catalog login finds the version (its token serves the 3.0 order reads)
        version = _shop_version(settings.version, client)
        if version is ShopVersion.V4_0 and no_admin:
            raise CommandError(f"--no-admin: {NO_ADMIN_40}")
        admin = None if no_admin else build_admin_client(settings, version=version)
        timezone, source = _timezone(shop_timezone, admin)
        options = SyncOptions(
            shop=shop_key, workers=limit.policy.max_limit, gap_tolerance=gap_tolerance, full=full,
            shop_timezone=timezone,
            lookback=timedelta(days=lookback_days), final_statuses=final_statuses,
            staleness_window=timedelta(days=staleness_window_days),
            version=version, currency_values=currency_values or None,
        )
        with SyncProgressDisplay(sys.stderr, terminal=terminal) as progress:
            result = OrderSync(
                client, engine, options, admin=admin, progress=progress, lock_wait=timedelta(seconds=10)
            ).run()
    except OpenCartError as exc:
        raise CommandError(explain(exc, settings.url)) from exc
    finally:
        for opened in (client, admin):
            if opened is not None and hasattr(opened, "close"):
                opened.close()
        engine.dispose()
    found = getattr(client, "version_info", None)  # the shop's OpenCart version, when the client knows it
    described = found.describe() if found is not None else None
    click.echo(_summary(result, timezone=f"{timezone} ({source})", version=described))


def _shop_version(configured: ShopVersion | None, client: object) -> ShopVersion | None:
    """The configured version, else the one the catalog client finds at its login (``auto``)."""
    if configured is not None:
        return configured
    detect = getattr(client, "detect_version", None)
    found = detect() if callable(detect) else None
    return found if isinstance(found, ShopVersion) else None


def _timezone(given: str | None, admin: object) -> tuple[str, str]:
    """The timezone in force and where it came from."""
    if given is not None:
        return given, "--timezone"
    read = getattr(admin, "shop_timezone", None)
    if read is None:
        return "UTC", "default: no admin credentials to read the shop's own"
    try:
        found = read()
    except AdminError as exc:
        if isinstance(exc, AdminLoginError):
            raise
        return "UTC", f"default: the shop's settings page could not be read ({exc.message})"
    if not found:
        return "UTC", "default: the shop's settings name no time zone"
    return str(found), "the shop's admin settings"
