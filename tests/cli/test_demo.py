"""``oc-connector demo`` end to end against the real sandbox (skipped until the sandbox lands)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from oc_connector.cli import main

sandbox = pytest.importorskip("oc_connector_sandbox")
if not hasattr(sandbox, "Sandbox"):
    pytest.skip("oc_connector_sandbox.Sandbox not available yet", allow_module_level=True)


def test_demo_summary_matches_the_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("WAREHOUSE_URL", url)
    result = CliRunner().invoke(main, ["demo", "--orders", "120", "--changes", "5", "--new-orders", "10"])
    assert result.exit_code == 0, result.output
    out = result.output
    counts = [int(n) for n in re.findall(r"live orders in warehouse \(abandoned checkouts excluded\): (\d+)",
                                         out)]
    calls = [int(n) for n in re.findall(r"API calls: (\d+)", out)]
    assert len(counts) == 2 and len(calls) == 2
    assert min(calls) > 0
    inserted = [int(n) for n in re.findall(r"inserted: (\d+)", out)]
    assert inserted[1] == 10  # the second run is incremental: only the added orders are new
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        live = conn.execute(sa.text(
            "SELECT COUNT(*) FROM opencart_orders WHERE _deleted_at IS NULL AND order_status_id <> 0"
        )).scalar()
        # net revenue: orders in the 3.0 default processing/complete statuses, each converted to its
        # currency at 4 decimals, summed exactly
        revenue: dict[str, Decimal] = {}
        for currency, total, rate in conn.execute(sa.text(
            "SELECT currency_code, total, currency_value FROM opencart_orders"
            " WHERE _deleted_at IS NULL AND order_status_id IN (1, 2, 3, 5, 12)"
        )):
            amount = (Decimal(str(total)) * Decimal(str(rate))).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            revenue[currency] = revenue.get(currency, Decimal(0)) + amount
    engine.dispose()
    assert counts[1] == live
    last_block = out.split("== second sync")[1]
    for currency, amount in revenue.items():
        shown = re.search(rf"revenue {currency}: ([0-9.]+)", last_block)
        assert shown is not None
        assert Decimal(shown.group(1)) == Decimal(str(amount)).quantize(Decimal("0.01"))
    assert "dagster dev -m pipelines.definitions" in out
    assert "oc-connector sandbox --port 8080" in out
