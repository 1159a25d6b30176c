"""``oc-connector sync``: incremental order sync from the shop into the warehouse."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa

from oc_connector.cli.environment import shop_from_environment, warehouse_from_environment
from oc_connector.errors import OpenCartError
from oc_connector.settings import build_admin_client, build_client
from oc_connector.sync.run import OrderSync, SyncOptions, SyncProgress, SyncResult


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
    # one shop, one rate: the catalog and the admin client share the shop's budget
    settings = shop_from_environment(rate_per_second=rate)
    engine = sa.create_engine(warehouse_from_environment().url)
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
        client = build_client(settings)
        admin = None if no_admin else build_admin_client(settings)
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
