"""``oc-connector sync``: incremental order sync from the shop into the warehouse."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import click
import sqlalchemy as sa

from oc_connector.cli.settings import ShopSettings, shop_settings, warehouse_url
from oc_connector.errors import OpenCartError
from oc_connector.sync.run import OrderSync, SyncOptions, SyncProgress, SyncResult


def _rate_limit(rate: float | None) -> dict[str, Any]:
    if rate is None:
        return {}
    ratelimit = importlib.import_module("oc_connector.wire.ratelimit")
    return {"rate_limit": ratelimit.RateLimit(per_second=rate, burst=max(1, int(rate)))}


def _transport_options(settings: ShopSettings, rate: float | None) -> dict[str, Any]:
    """TLS/HTTP policy and rate shared by the catalog and the admin client of one shop."""
    return {
        "allow_insecure_http": settings.allow_insecure_http,
        "ca_bundle": settings.ca_bundle,
        "proxies": settings.proxies,
        **_rate_limit(rate),
    }


def _client(settings: ShopSettings, rate: float | None) -> Any:
    client_mod = importlib.import_module("oc_connector.api.client")
    return client_mod.OpenCartClient(
        settings.url,
        api_key=settings.api_key,
        api_username=settings.api_username,
        **_transport_options(settings, rate),
    )


def _admin(settings: ShopSettings, rate: float | None) -> Any:
    if not settings.has_admin:
        return None
    admin_mod = importlib.import_module("oc_connector.admin.client")
    # the same http/TLS policy as the catalog client: without it an http shop (or one behind a
    # private CA) worked for the catalog API and then failed on the admin channel
    return admin_mod.AdminClient(
        settings.url,
        username=settings.admin_username,
        password=settings.admin_password,
        **_transport_options(settings, rate),
    )


def _summary(result: SyncResult) -> str:
    return (
        f"shop {result.shop}: {result.orders_inserted} new, {result.orders_updated} changed, "
        f"{result.orders_unchanged} unchanged, {result.orders_deleted} deleted, "
        f"{result.history_rows} history rows, {result.quarantined} quarantined; "
        f"high-water mark {result.hwm_before} -> {result.hwm_after}; "
        f"{result.api_calls} API calls ({result.retries} retries, "
        f"{result.rate_limit_wait_s:.1f}s rate-limit wait) in {result.duration_s:.1f}s"
    )


@click.command("sync")
@click.option("--full", is_flag=True, help="Re-read every loaded order, not only open/recent ones.")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True)
@click.option(
    "--rate",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Requests per second towards the shop (default: the client's).",
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
    default="UTC",
    show_default=True,
    help="The shop's local timezone (IANA name) for the *_utc columns.",
)
@click.option("--no-admin", is_flag=True, help="Do not read order history from the admin channel.")
def sync(
    full: bool,
    workers: int,
    rate: float | None,
    shop_key: str,
    gap_tolerance: int,
    shop_timezone: str,
    no_admin: bool,
) -> None:
    """Pull new and changed orders (and their status history) into the warehouse."""
    settings = shop_settings()
    engine = sa.create_engine(warehouse_url())
    options = SyncOptions(
        shop=shop_key, workers=workers, gap_tolerance=gap_tolerance, full=full, shop_timezone=shop_timezone
    )

    def progress(p: SyncProgress) -> None:
        click.echo(
            f"\r{p.phase}: {p.ids_read} ids read, at order {p.current_id}, mark {p.hwm}   ",
            nl=False,
            err=True,
        )

    client = admin = None
    try:
        client = _client(settings, rate)
        admin = None if no_admin else _admin(settings, rate)
        result = OrderSync(
            client, engine, options, admin=admin, progress=progress, lock_wait=timedelta(seconds=10)
        ).run()
    except OpenCartError as exc:
        click.echo("", err=True)
        raise click.ClickException(str(exc)) from exc
    except ImportError as exc:
        raise click.ClickException(f"the API client is not available: {exc}") from exc
    finally:
        for opened in (client, admin):
            if opened is not None and hasattr(opened, "close"):
                opened.close()
        engine.dispose()
    click.echo("", err=True)
    click.echo(_summary(result))
