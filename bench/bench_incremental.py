"""Incremental cost: API calls and time of re-syncs (no change, 1% changed, 1,000 new) versus the full sync.

The shop is a sandbox in a child process (no injected latency: this bench counts calls). The sync is
``OrderSync.run()`` with ``workers=4`` and an explicit rate limit of 10000 req/s (effectively off)
into a SQLite warehouse. The expected calls of a re-sync are the orders it must re-read (open, or
added within the 30-day lookback, counted in the warehouse before the run) + new orders +
``gap_tolerance`` trailing probes (+1 login for the first run).

Run: ``.venv/bin/python -m bench.bench_incremental [--quick] [--orders 100000]``.
Writes ``bench/results/incremental.json``.
"""

# ruff: noqa: S608  (SQL built only from integers and fixed column names)
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bench._common import ChildSandbox, write_result
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.run import DEFAULT_FINAL_STATUSES, OrderSync, SyncOptions
from oc_connector.wire.ratelimit import RateLimit

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="5,000 orders")
    ap.add_argument("--orders", type=int, default=20_000)
    args = ap.parse_args()
    n = 5_000 if args.quick else args.orders
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
