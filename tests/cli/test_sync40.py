"""``oc-connector sync`` and ``check`` against a started OpenCart 4.0 sandbox shop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from oc_connector.cli import main
from oc_connector_sandbox import Sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=20, seed=5, catalogue=True, version="4.0") as sandbox:
        yield sandbox


def _env(sb: Sandbox, tmp_path: Path, *, admin: bool = True) -> dict[str, str | None]:
    return {
        "OPENCART_URL": sb.url,
        "OPENCART_API_KEY": sb.api_key,
        "OPENCART_ADMIN_USERNAME": sb.admin_username if admin else None,
        "OPENCART_ADMIN_PASSWORD": sb.admin_password if admin else None,
        "OPENCART_VERSION": None,
        "OC_CONNECTOR_CONFIG": None,
        "WAREHOUSE_URL": f"sqlite:///{tmp_path / 'wh.db'}",
    }


def _invoke(args: list[str], env: dict[str, str | None]) -> Result:
    result = CliRunner().invoke(main, args, env=env)
    for secret in (env["OPENCART_API_KEY"], env["OPENCART_ADMIN_PASSWORD"]):
        assert not secret or secret not in result.output
    return result


def test_sync_of_a_detected_4_0_shop_reads_its_admin_pages_and_says_so(sb: Sandbox, tmp_path: Path) -> None:
    currencies = sb.query("SELECT code, value FROM oc_currency")
    rates = [f"--currency-value={r['code']}={r['value']}" for r in currencies]
    result = _invoke(["sync", "--progress", "lines", *rates], _env(sb, tmp_path))

    assert result.exit_code == 0, result.output
    orders = sb.query("SELECT COUNT(*) AS n FROM oc_order")[0]["n"]
    assert f"shop default: {orders} new, 0 changed" in result.output
    assert "admin order pages" in result.output
    assert "OpenCart 4.0 (detected: api/account/login answered" in result.output
    assert "products and customers: not refreshed: OpenCart 4.0" in result.output
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    with engine.connect() as conn:
        nulls = conn.execute(sa.text("SELECT COUNT(*) FROM opencart_orders WHERE total IS NULL")).scalar_one()
        loaded = conn.execute(sa.text("SELECT COUNT(*) FROM opencart_orders")).scalar_one()
    engine.dispose()
    assert (loaded, nulls) == (orders, 0)  # every currency's rate was given
    assert sb.request_count("api/order/info") == 0


def test_sync_of_a_4_0_shop_without_admin_credentials_names_the_variables(
    sb: Sandbox, tmp_path: Path
) -> None:
    result = _invoke(["sync"], _env(sb, tmp_path, admin=False))
    assert result.exit_code != 0
    assert "OPENCART_ADMIN_USERNAME" in result.output and "OPENCART_ADMIN_PASSWORD" in result.output
    assert "Traceback" not in result.output
    refused = _invoke(["sync", "--no-admin"], _env(sb, tmp_path))
    assert refused.exit_code != 0 and "--no-admin" in refused.output
    assert sb.request_count("sale/order.info") == 0


def test_check_of_a_4_0_shop_with_admin_names_the_version_and_the_order_sync(
    sb: Sandbox, tmp_path: Path
) -> None:
    result = _invoke(["check"], _env(sb, tmp_path))
    lines = result.output.splitlines()
    assert any(x.startswith("OK    OpenCart version: OpenCart 4.0 (detected") for x in lines), result.output
    sync_line = "OK    order sync (OpenCart 4.0): orders, lines, totals and history"
    assert any(x.startswith(sync_line) for x in lines)
    assert result.exit_code == 0, result.output
