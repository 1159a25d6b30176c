"""The sync driven through the real OpenCartClient against a loopback-only mocked shop (responses)."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import responses
import sqlalchemy as sa

from oc_connector.api.client import OpenCartClient
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.schema import opencart_orders, opencart_sync_state
from tests.sync.fakes import recorded_orders

BASE = "http://127.0.0.1:8089/"
KEY = "a-secret-api-key-for-tests"


def _shop(rsps: responses.RequestsMock) -> dict[str, int]:
    orders = {int(o["order_id"]): o for o in recorded_orders()}
    counts = {"login": 0, "info": 0}

    def handler(request: object) -> tuple[int, dict[str, str], str]:
        url = urlparse(request.url)  # type: ignore[attr-defined]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if query.get("route") == "api/login":
            counts["login"] += 1
            return 200, {}, json.dumps({"success": "Success", "api_token": "tok123456789abcdef"})
        assert query.get("route") == "api/order/info"
        counts["info"] += 1
        order = orders.get(int(query["order_id"]))
        if order is None:
            return 200, {}, json.dumps({"error": "Warning: Order could not be found!"})
        return 200, {}, json.dumps({"order": order, "success": "Success: You have modified orders!"})

    for method in ("GET", "POST"):
        rsps.add_callback(method, f"{BASE}index.php", callback=handler, content_type="application/json")
    return counts


def test_sync_through_real_client(sqlite_engine: sa.Engine) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        counts = _shop(rsps)
        client = OpenCartClient(BASE, api_key=KEY, rate_limit=None)
        options = SyncOptions(shop="s", workers=2, gap_tolerance=4, batch_size=25)
        result = OrderSync(client, sqlite_engine, options, now=lambda: datetime(2026, 11, 27, 1)).run()
    assert (result.orders_inserted, result.hwm_after, result.api_calls) == (60, 60, 64)
    assert counts["info"] == 64 and counts["login"] == 1
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(opencart_orders)).scalar() == 60
        stats = conn.execute(sa.select(opencart_sync_state.c.last_run_stats)).scalar()
        dump = "\n".join(str(r) for r in conn.execute(sa.select(opencart_orders.c._raw)))
    assert KEY not in (stats or "") and KEY not in dump
    assert "tok123456789abcdef" not in dump
