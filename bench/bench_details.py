"""Shop requests per order of an initial load with the admin details (header, lines, totals).

A sandbox shop with the demo catalogue (19 products, 50 customers) and ``--orders`` generated
orders (default 2,000; ``--quick`` 300), each with 1-4 lines, options on some, 20 % VAT, a coupon
on some and a sold gift voucher on ~2 %. ``OrderSync.run()`` loads it into an empty SQLite
warehouse with an admin client; requests are counted from the **shop's own request log** (every
HTTP request it served, by route), not from the clients.

Two runs on fresh warehouses:

* ``details``: ``admin_history=False``: the whole picture of each order (``order/info`` header,
  invoices of 50 orders per POST, the product list, the customer list, the order-page fallbacks,
  logins, the gap probe's trailing not-found ids). Target <= 1.1 requests per order.
* ``details+history``: the default ``admin_history=True`` adds ``sale/order/history``, one request
  per new order (the admin history has no batch page), reported for completeness.

``--renamed K`` renames K catalogue products first (their past orders' lines then name no current
product and fall back to the order page), to show how the fallback share grows.

Run: ``.venv/bin/python -m bench.bench_details [--quick] [--orders 2000] [--renamed 0]``.
Writes ``bench/results/details.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench._common import write_result
from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.wire.ratelimit import RateLimit
from oc_connector_sandbox import Sandbox

OFF = RateLimit(per_second=10_000, burst=1_000)


def _run(sb: Sandbox, orders: int, *, history: bool, folder: Path) -> dict[str, Any]:
    api = OpenCartClient(
        sb.url, api_key=sb.api_key, api_username=sb.api_username, allow_insecure_http=True, rate_limit=OFF
    )
    admin = AdminClient(
        sb.url,
        username=sb.admin_username,
        password=Secret(sb.admin_password),
        allow_insecure_http=True,
        rate_limit=OFF,
    )
    engine = sa.create_engine(f"sqlite:///{folder / ('h' if history else 'd')}.db")
    before = len(sb.request_log)
    started = time.monotonic()
    try:
        result = OrderSync(
            api, engine, SyncOptions(shop="bench", workers=4, admin_history=history), admin=admin
        ).run()
    finally:
        api.close()
        admin.close()
        engine.dispose()
    seconds = time.monotonic() - started
    routes = Counter(route for route, _, _ in list(sb.request_log)[before:])
    total = sum(routes.values())
    return {
        "orders": orders,
        "requests": total,
        "requests_per_order": round(total / orders, 4),
        "by_route": dict(routes.most_common()),
        "order_lines": result.order_lines,
        "order_totals": result.order_totals,
        "details_fallbacks": result.details_fallbacks,
        "admin_requests_counted_by_sync": result.admin_requests,
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--renamed", type=int, default=0)
    args = parser.parse_args()
    orders = 300 if args.quick else args.orders
    sb = Sandbox.start(orders=orders, seed=17, catalogue=True, php_notices=False)
    try:
        for pid in [
            r["product_id"] for r in sb.query("SELECT product_id FROM oc_product ORDER BY product_id")
        ][: args.renamed]:
            sb.execute(
                "UPDATE oc_product_description SET name = name || ' (new)' WHERE product_id = ?", (pid,)
            )
        with tempfile.TemporaryDirectory() as tmp:
            details = _run(sb, orders, history=False, folder=Path(tmp))
            with_history = _run(sb, orders, history=True, folder=Path(tmp))
    finally:
        sb.stop()
    data = {
        "orders": orders,
        "renamed_products": args.renamed,
        "details": details,
        "details+history": with_history,
    }
    path = write_result("details", data)
    for name in ("details", "details+history"):
        run = data[name]
        print(
            f"{name}: {run['requests']} requests for {orders} orders = {run['requests_per_order']} per order"
        )
        print(f"  by route: {run['by_route']}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
