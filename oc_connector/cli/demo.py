"""``oc-connector demo``: sandbox shop -> warehouse, twice, with a summary and the dagster commands."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import click

from oc_connector.cli.environment import warehouse_engine
from oc_connector.settings import build_client, shop_settings
from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
from oc_connector.warehouse import marts
from oc_connector.warehouse.migrate import upgrade
from oc_connector.warehouse.schema import delete_shop_orders
from oc_connector_sandbox import Sandbox

SHOP = "demo"  # its own shop key: the demo starts from scratch without touching other shops' rows
# the demo talks only to the sandbox it starts on loopback: the client's default of 10 requests/s
# (meant for real shops) made the two syncs take about a minute
DEMO_RATE = 500.0
# its own file: demo orders never land in the warehouse a real sync uses next (oc_warehouse.db)
DEMO_WAREHOUSE_URL = "sqlite:///oc_demo.db"


def _print_summary(title: str, result: SyncResult, summary: dict[str, Any]) -> None:
    click.echo(f"\n== {title} ==")
    click.echo(
        f"API calls: {result.api_calls}  inserted: {result.orders_inserted}  updated: {result.orders_updated}"
        f"  unchanged: {result.orders_unchanged}  new history rows: {result.history_rows}"
        f"  high-water mark: {result.hwm_before} -> {result.hwm_after}"
    )
    click.echo(f"live orders in warehouse (abandoned checkouts excluded): {summary['orders']}  "
               f"history rows: {summary['history_rows']}")
    for currency, revenue in summary["revenue_by_currency"].items():
        click.echo(f"  revenue {currency}: {Decimal(str(revenue)).quantize(Decimal('0.01'))}")
    click.echo("  statuses: " + ", ".join(f"{k}={v}" for k, v in summary["statuses"].items()))


@click.command()
@click.option("--orders", default=300, show_default=True, help="Orders seeded in the sandbox shop.")
@click.option("--seed", default=7, show_default=True, help="Random seed of the sandbox data.")
@click.option("--changes", default=15, show_default=True, help="Orders whose status the demo changes.")
@click.option("--new-orders", default=25, show_default=True, help="Orders added before the second sync.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=DEMO_RATE,
    show_default=True,
    help="Requests per second to the demo's own local sandbox (a real shop wants far less).",
)
@click.option("--warehouse-url", default=None,
              help=f"Warehouse of the demo [default: WAREHOUSE_URL if set, else {DEMO_WAREHOUSE_URL}].")
def demo(
    orders: int, seed: int, changes: int, new_orders: int, rate: float, warehouse_url: str | None
) -> None:
    """Sync a local sandbox shop into its own warehouse twice and show what happened."""
    url = warehouse_url or (os.environ.get("WAREHOUSE_URL") or "").strip() or DEMO_WAREHOUSE_URL
    engine = warehouse_engine(url)
    upgrade(engine)
    delete_shop_orders(engine, shop=SHOP)
    sandbox = Sandbox.start(orders=orders, seed=seed, port=0)
    try:
        click.echo(f"sandbox shop at {sandbox.url} with {orders} orders; warehouse {engine.url!r}")
        options = SyncOptions(shop=SHOP, workers=4)
        # the demo's shop is its own sandbox, not the environment's: its variables, same reader
        shop = shop_settings({
            "OPENCART_URL": sandbox.url, "OPENCART_API_KEY": sandbox.api_key,
            "OPENCART_API_USERNAME": sandbox.api_username, "OPENCART_ALLOW_INSECURE_HTTP": "1",
        }, rate_per_second=rate)
        client = build_client(shop)
        try:
            first = OrderSync(client, engine, options).run()
            before = marts.warehouse_summary(engine, shop=SHOP)
            _print_summary("first sync (full read)", first, before)
            # a realistic day in the shop: open orders get completed, new orders come in
            open_ids = [
                row["order_id"]
                for row in sandbox.query("SELECT order_id, order_status_id FROM oc_order ORDER BY order_id")
                if row["order_status_id"] and row["order_status_id"] not in options.final_statuses
            ][:changes]
            for order_id in open_ids:
                sandbox.set_order_status(order_id, 5)
            sandbox.add_orders(new_orders)
            click.echo(f"\ncompleted {len(open_ids)} open orders (status -> Complete),"
                       f" added {new_orders} orders")
            second = OrderSync(client, engine, options).run()
            _print_summary("second sync (incremental)", second, marts.warehouse_summary(engine, shop=SHOP))
        finally:
            client.close()
    finally:
        sandbox.stop()
        engine.dispose()
    click.echo(
        "\nOpen the same assets in Dagster (two terminals, the same OPENCART_API_KEY in both;\n"
        "in each, first activate the project's environment so oc-connector and dagster are found):\n"
        "  source .venv/bin/activate\n"
        "  export OPENCART_API_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')\n"
        f"  oc-connector sandbox --port 8080 --orders {orders} --seed {seed}"
        ' --api-key "$OPENCART_API_KEY"\n'
        "  OPENCART_URL=http://127.0.0.1:8080/ OPENCART_API_KEY=\"$OPENCART_API_KEY\""
        f" OPENCART_ALLOW_INSECURE_HTTP=1 WAREHOUSE_URL={url} dagster dev -m pipelines.definitions"
    )
