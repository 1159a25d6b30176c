"""Scale-out: the Dagster id-range backfill run with partitions in parallel versus one after another.

The shop is a sandbox in a child process (``_common.ChildSandbox``) with a 10-20 ms latency per
``api/order/info`` like a real shop, so the backfill is shop-bound. The partitions are those of
``oc_connector.orchestration.assets.backfill_asset`` (the asset of a shop's ``<shop>_backfill``
job), ranges of ``OPENCART_PARTITION_SIZE`` ids up to the shop's newest order (the ranges the
sync adds to the shop's dynamic partitions).

Each partition is materialised with ``dg.materialize([backfill], partition_key=...)``
on an ephemeral Dagster instance (in-process executor, one step per partition), with the
resources of ``pipelines/definitions.py`` except the rate limit, set explicitly (``--rate``,
default 10000 req/s: effectively off, as in bench_pull; the definitions' default is 5 req/s).

(a) parallel: a ``ProcessPoolExecutor`` (spawn, ``--parallel`` processes) runs one partition per
    task into warehouse A (a SQLite file). Each partition holds only the lock of its own id range
    (``opencart_sync_range_lock``, ``oc_connector/sync/locks.py``), not the per-shop sync
    lock, so the partitions read the shop at the same time; their batch commits still take turns
    on the SQLite file's one write lock (waiting for it, ``oc_connector/warehouse/transactions.py``). A
    partition that fails anyway (e.g. an overlapping range held for longer than its 5 s wait) is
    recorded, then re-run after the pool finished, one by one, as a Dagster retry would; the
    reported wall time includes those re-runs.
(b) serial: the same materialisations one after another in this process into warehouse B.

Identity: the ``opencart_orders`` rows of A and B, all columns except ``_first_seen_at`` /
``_last_synced_at``, ordered by (shop, order_id), sha256 of their JSON; plus the row counts.

Run: ``.venv/bin/python -m bench.bench_scaleout [--quick] [--orders 100000] [--parallel 4]``.
Writes ``bench/results/scaleout.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import sqlalchemy as sa

from bench._common import ChildSandbox, write_result


def run_partition(key: str, wh_url: str, rate: float) -> dict[str, Any]:
    """Materialise one partition of ``opencart_orders_backfill`` into ``wh_url``."""
    import dagster as dg

    from oc_connector.orchestration.assets import backfill_asset
    from oc_connector.orchestration.metadata import ShopKeys
    from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
    from oc_connector.settings import ShopConfig, dagster_settings

    shop = ShopConfig(key="default", url=os.environ["OPENCART_URL"], api_key_env="OPENCART_API_KEY",
                      partition_size=dagster_settings(os.environ).partition_size)
    opencart_orders_backfill = backfill_asset(shop, warehouse_kind="sqlite")

    t0 = time.perf_counter()
    resources = {
        ShopKeys(shop.key).resource: OpenCartResource(
            url=os.environ["OPENCART_URL"],
            api_key=os.environ["OPENCART_API_KEY"],
            allow_insecure_http=True,
            rate_per_second=rate,
        ),
        "warehouse": WarehouseResource(url=wh_url),
    }
    try:
        # closed after the run: an instance left to the garbage collector has its in-memory SQLite
        # storage finalised on whichever thread collects it, which SQLite refuses (noisy tracebacks)
        with dg.DagsterInstance.ephemeral() as instance:
            instance.add_dynamic_partitions(ShopKeys(shop.key).partitions, [key])
            res = dg.materialize(
                [opencart_orders_backfill],
                partition_key=key,
                resources=resources,
                instance=instance,
                raise_on_error=False,
            )
        ok = res.success
        error = None
        if not ok:
            for ev in res.all_events:
                if ev.is_step_failure and ev.step_failure_data and ev.step_failure_data.error:
                    err = ev.step_failure_data.error
                    while err.cause is not None:  # the connector's own error, not Dagster's wrapper
                        err = err.cause
                    error = f"{err.cls_name}: {err.message.strip()[:200]}"
                    break
    except Exception as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"[:200]
    return {"partition": key, "ok": ok, "seconds": round(time.perf_counter() - t0, 2), "error": error}


def warehouse_digest(wh_url: str) -> dict[str, Any]:
    """Rows and sha256 of ``opencart_orders`` without the time columns, ordered by (shop, order_id)."""
    engine = sa.create_engine(wh_url)
    t = sa.Table("opencart_orders", sa.MetaData(), autoload_with=engine)
    cols = [c for c in t.columns if c.name not in ("_first_seen_at", "_last_synced_at")]
    h = hashlib.sha256()
    ids = hashlib.sha256()
    n = 0
    with engine.connect() as conn:
        for row in conn.execute(sa.select(*cols).order_by(t.c.shop, t.c.order_id)):
            h.update(json.dumps(list(row), default=str).encode() + b"\n")
            ids.update(f"{row.order_id}:{row._hash}\n".encode())
            n += 1
    engine.dispose()
    return {"rows": n, "sha256_rows": h.hexdigest(), "sha256_id_hash": ids.hexdigest()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="10,000 orders")
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--partitions", type=int, default=8, help="number of id ranges")
    ap.add_argument("--parallel", type=int, default=4, help="processes of the parallel run (2-4)")
    ap.add_argument("--latency-ms", default="10-20", help="sandbox latency range, e.g. 10-20")
    ap.add_argument("--rate", type=float, default=10000.0, help="connector rate limit, req/s (explicit)")
    args = ap.parse_args()
    n = 10_000 if args.quick else args.orders
    size = -(-n // args.partitions)
    lo, _, hi = args.latency_ms.partition("-")
    latency = (float(lo) / 1000, float(hi or lo) / 1000)

    t0 = time.perf_counter()
    sandbox = ChildSandbox(orders=n, latency=latency)
    print(f"sandbox of {n} orders up in {time.perf_counter() - t0:.1f}s", flush=True)
    os.environ.update(
        OPENCART_URL=sandbox.url,
        OPENCART_API_KEY=sandbox.api_key,
        OPENCART_ALLOW_INSECURE_HTTP="1",
        OPENCART_PARTITION_SIZE=str(size),
    )
    from oc_connector.orchestration.partitions import id_ranges

    keys = id_ranges(size=size, max_id=n)
    print(f"{len(keys)} partitions: {keys}", flush=True)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wh_a, wh_b = f"sqlite:///{tmp}/parallel.db", f"sqlite:///{tmp}/serial.db"
            # (a) parallel
            t0 = time.perf_counter()
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=args.parallel, mp_context=ctx) as pool:
                first = list(pool.map(run_partition, keys, [wh_a] * len(keys), [args.rate] * len(keys)))
            pool_s = time.perf_counter() - t0
            reruns = [run_partition(r["partition"], wh_a, args.rate) for r in first if not r["ok"]]
            par_s = time.perf_counter() - t0
            for r in first + reruns:
                print(f"  parallel {r}", flush=True)
            print(f"(a) parallel x{args.parallel}: {par_s:.1f}s (pool {pool_s:.1f}s, {len(reruns)} re-runs)")
            # (b) serial
            t0 = time.perf_counter()
            serial = [run_partition(k, wh_b, args.rate) for k in keys]
            ser_s = time.perf_counter() - t0
            print(f"(b) serial: {ser_s:.1f}s", flush=True)
            da, db = warehouse_digest(wh_a), warehouse_digest(wh_b)
    finally:
        sandbox.stop()
    identical = da == db
    speedup = ser_s / par_s
    print(f"speed-up {speedup:.2f}x, identical={identical} ({da['rows']} rows)", flush=True)
    write_result(
        "scaleout",
        {
            "shop": "sandbox (child process)",
            "latency_ms": args.latency_ms,
            "orders": n,
            "quick": args.quick,
            "partition_size": size,
            "partitions": keys,
            "rate_limit_per_s": args.rate,
            "how": "dg.materialize(opencart_orders_backfill, partition_key) per partition, ephemeral "
            "instance, in-process executor; (a) ProcessPoolExecutor(spawn), failed partitions re-run "
            "after the pool; (b) serial loop in one process",
            "parallel": {
                "processes": args.parallel,
                "seconds": round(par_s, 2),
                "pool_seconds": round(pool_s, 2),
                "first_attempts": first,
                "failed_first_attempt": sum(not r["ok"] for r in first),
                "reruns": reruns,
                "orders_per_s": round(da["rows"] / par_s, 1),
            },
            "serial": {
                "seconds": round(ser_s, 2),
                "runs": serial,
                "failed": sum(not r["ok"] for r in serial),
                "orders_per_s": round(db["rows"] / ser_s, 1),
            },
            "speedup": round(speedup, 3),
            "warehouse_parallel": da,
            "warehouse_serial": db,
            "identical": identical,
        },
    )


if __name__ == "__main__":
    main()
