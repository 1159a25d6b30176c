"""``oc-connector sandbox``: serve the in-process OpenCart 3.0 or 4.0 shop double until interrupted."""

from __future__ import annotations

import threading
from typing import Literal, cast

import click

from oc_connector_sandbox import Sandbox, parse_faults

__all__ = ["sandbox", "wait_for_interrupt"]


def wait_for_interrupt(sb: Sandbox) -> None:
    """Block until Ctrl-C (``KeyboardInterrupt``) while ``sb`` serves in its thread (tests replace this)."""
    threading.Event().wait()


@click.command()
@click.option("--port", type=int, default=8080, show_default=True, help="TCP port on the loopback address.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--orders", type=int, default=500, show_default=True, help="Generated orders.")
@click.option("--seed", type=int, default=7, show_default=True, help="Generator seed.")
@click.option("--fixtures", type=click.Choice(["demo", "recorded"]), default="demo", show_default=True,
              help="demo: generated orders; recorded: the recorded exchanges' shop data.")
@click.option("--faults", "faults_spec", default=None, help='"http_503:0.1,latency:20ms" or a JSON file.')
@click.option("--api-key", default=None, help="Key of the Default API user (random if omitted).")
@click.option("--db", "db_path", default=None, help="SQLite file for the shop (in memory if omitted).")
@click.option("--version", "version", type=click.Choice(["3.0", "4.0"]), default="3.0", show_default=True,
              help="OpenCart version to speak: 3.0 (3.0.5.0) or 4.0 (4.0.2.3's catalog API and admin pages).")
def sandbox(
    port: int,
    host: str,
    orders: int,
    seed: int,
    fixtures: str,
    faults_spec: str | None,
    api_key: str | None,
    db_path: str | None,
    version: str,
) -> None:
    """Serve a seeded OpenCart sandbox shop (catalog API and admin) until Ctrl-C."""
    if not host.startswith("127.") and host not in ("localhost", "::1"):
        raise click.BadParameter("the sandbox only binds loopback addresses", param_hint="--host")
    schedule = parse_faults(faults_spec, seed=seed) if faults_spec else None
    sb = Sandbox.start(
        orders=orders,
        seed=seed,
        fixtures=cast(Literal["demo", "recorded"], fixtures),
        api_key=api_key,
        port=port,
        host=host,
        faults=schedule,
        db_path=db_path,
        version=cast(Literal["3.0", "4.0"], version),
    )
    click.echo(f"OpenCart {version} sandbox at {sb.url} (catalog index.php, admin admin/index.php)")
    click.echo(f"API username: {sb.api_username}")
    click.echo(f"API key:      {sb.api_key}")
    click.echo(f"Admin user:   {sb.admin_username} / {sb.admin_password}")
    click.echo("Press Ctrl-C to stop.")
    try:
        wait_for_interrupt(sb)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        sb.stop()
