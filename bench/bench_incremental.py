"""Incremental cost: API calls and time of re-syncs (no change, 1% changed, 1,000 new) versus the full sync.

The shop is a sandbox in a child process (no injected latency: this bench counts calls). The sync is
``OrderSync.run()`` with ``workers=4`` and an explicit rate limit of 10000 req/s (effectively off)
into a SQLite warehouse. The expected calls of a re-sync are the orders it must re-read (open, or
added within the 30-day lookback, counted in the warehouse before the run) + new orders +
``gap_tolerance`` trailing probes (+1 login for the first run).

``--admin`` measures the other mode: with admin credentials the run reads the admin change feed
(``oc_connector/sync/feed.py``; ``admin_details=False`` and ``admin_history=False``, so the
figures are the feed's and the order reads'). The shop is then an in-process sandbox, so its clock
can move: first sync; a day later one run re-reads the orders modified on the first run's day (the
list shows days only); an hour later the no-change run; then 1 % of the orders set to Processing
and, an hour later, the 1 %-changed run. Requests are counted from the shop's request log, logins
included (plus 1 request for the settings page the sync reads the revenue statuses from, since
that read landed); the expected no-change cost is 1 admin login + 2 list pages by ``date_modified``
(statuses > 0 and status 0) + 1 page by ``o.order_id``, and the 1 %-changed cost adds one
``order/info`` per changed order, the catalog login and the list pages that hold them.

Run: ``.venv/bin/python -m bench.bench_incremental [--quick] [--orders 100000] [--admin]``.
Writes ``bench/results/incremental.json`` (``incremental_admin.json`` with ``--admin``).
"""

# ruff: noqa: S608  (SQL built only from integers and fixed column names)
from __future__ import annotations

import argparse
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench._common import ChildSandbox, write_result
from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.run import DEFAULT_FINAL_STATUSES, OrderSync, SyncOptions
from oc_connector.wire.ratelimit import RateLimit
from oc_connector_sandbox import Sandbox

OPTS = SyncOptions(workers=4)


def must_reread(engine: sa.Engine) -> int:
    """Orders the next run re-reads: open (non-final status) or added within the lookback."""
    since = datetime.now(UTC).replace(tzinfo=None) - OPTS.lookback
    finals = ",".join(str(s) for s in sorted(DEFAULT_FINAL_STATUSES))
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM opencart_orders WHERE _deleted_at IS NULL"
                    " AND (order_status_id IS NULL"
                    f" OR order_status_id NOT IN ({finals}) OR date_added_utc >= :since)"
                ),
                {"since": since},
            ).scalar_one()
        )


def run(
    client: OpenCartClient, engine: sa.Engine, label: str, new: int, full: bool = False
) -> dict[str, Any]:
    expected = None if full else must_reread(engine) + new + OPTS.gap_tolerance
    t0 = time.perf_counter()
    r = OrderSync(client, engine, OPTS).run()
    row = {
        "run": label,
        "api_calls": r.api_calls,
        "expected_calls": expected,
        "seconds": round(time.perf_counter() - t0, 2),
        "inserted": r.orders_inserted,
        "updated": r.orders_updated,
        "unchanged": r.orders_unchanged,
    }
    print(row, flush=True)
    return row


def _routes(sb: Sandbox) -> dict[str, int] | None:
    """Requests by route since the log was cleared; None when the bounded log overflowed."""
    log = sb.request_log
    if isinstance(log, deque) and log.maxlen is not None and len(log) >= log.maxlen:
        return None
    out: dict[str, int] = {}
    for route, _, _ in list(log):
        out[route] = out.get(route, 0) + 1
    return out


def admin_mode(n: int, quick: bool) -> None:
    """The change-feed figures (see the module docstring)."""
    sb = Sandbox.start(orders=n, seed=11, php_notices=False)
    opts = SyncOptions(workers=4, admin_details=False, admin_history=False)
    fast = RateLimit(per_second=10000, burst=1000)
    rows = []
    now = sb.clock.now() + timedelta(minutes=5)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = sa.create_engine(f"sqlite:///{tmp}/wh.db")

            def one(label: str, expected: int | None) -> dict[str, Any]:
                api = OpenCartClient(sb.url, api_key=Secret(sb.api_key), api_username=sb.api_username,
                                     allow_insecure_http=True, rate_limit=fast)
                admin = AdminClient(sb.url, username=sb.admin_username, password=Secret(sb.admin_password),
                                    allow_insecure_http=True, rate_limit=fast)
                log = sb.request_log
                assert isinstance(log, deque)
                log.clear()
                t0 = time.perf_counter()
                try:
                    r = OrderSync(api, engine, opts, admin=admin, now=lambda: now).run()
                finally:
                    api.close()
                    admin.close()
                routes = _routes(sb)
                # the log keeps the last 100,000 requests: a full sync of the big shop counts itself
                total = sum(routes.values()) if routes is not None else r.api_calls + r.admin_requests
                row = {"run": label, "shop_requests": total, "expected": expected,
                       "by_route": routes, "seconds": round(time.perf_counter() - t0, 2),
                       "updated": r.orders_updated, "staleness": r.staleness}
                print(row, flush=True)
                return row

            rows.append(one("full (first) sync", None))
            sb.clock.advance(86400)
            now += timedelta(days=1)
            rows.append(one("a day later (orders modified on the first day read again)", None))
            sb.clock.advance(3600)
            now += timedelta(hours=1)
            rows.append(one("no change", 4))
            ids = [int(r["order_id"]) for r in sb.query(
                f"SELECT order_id FROM oc_order WHERE order_status_id > 0 ORDER BY random() LIMIT {n // 100}"
            )]
            for oid in ids:
                sb.set_order_status(oid, 2, comment="bench")
            sb.clock.advance(3600)
            now += timedelta(hours=1)
            pages = len(ids) // 20 + 1  # down to the first page ending before the cursor
            # logins (admin, catalog) + the pages + status-0 page + page by id + the changed orders
            expected = 2 + pages + 1 + 1 + len(ids)
            rows.append(one(f"1% changed ({len(ids)} orders set to Processing)", expected))
            engine.dispose()
    finally:
        sb.stop()
    write_result("incremental_admin", {"orders": n, "quick": quick, "workers": opts.workers, "rows": rows})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="5,000 orders")
    ap.add_argument("--orders", type=int, default=20_000)
    ap.add_argument("--admin", action="store_true", help="with admin credentials: the change feed")
    args = ap.parse_args()
    n = 5_000 if args.quick else args.orders
    if args.admin:
        admin_mode(n, args.quick)
        return
    rows = []
    with ChildSandbox(orders=n) as sb, tempfile.TemporaryDirectory() as tmp:
        engine = sa.create_engine(f"sqlite:///{tmp}/wh.db")
        client = OpenCartClient(
            sb.url,
            api_key=Secret(sb.api_key),
            allow_insecure_http=True,
            rate_limit=RateLimit(per_second=10000, burst=1000),
        )
        rows.append(run(client, engine, "full (first) sync", n, full=True))
        rows.append(run(client, engine, "no change", 0))
        ids = [
            r["order_id"]
            for r in sb.command(
                op="query", sql=f"SELECT order_id FROM oc_order ORDER BY random() LIMIT {n // 100}"
            )
        ]
        sb.command(op="set_status", ids=ids, status=2)
        rows.append(run(client, engine, f"1% changed ({len(ids)} orders set to Processing)", 0))
        sb.command(op="add_orders", n=1000)
        rows.append(run(client, engine, "1,000 new orders", 1000))
        client.close()
    full = rows[0]
    for r in rows[1:]:
        r["calls_vs_full"] = round(r["api_calls"] / full["api_calls"], 4)
        r["time_vs_full"] = round(r["seconds"] / full["seconds"], 4)
    write_result(
        "incremental",
        {"orders": n, "quick": args.quick, "workers": OPTS.workers, "rate_limit_per_s": 10000, "rows": rows},
    )


if __name__ == "__main__":
    main()
