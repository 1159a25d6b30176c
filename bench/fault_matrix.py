"""Fault matrix: every injectable fault x every job, seeded, counted against the shop's own tables.

Usage::

    .venv/bin/python -m bench.fault_matrix            # all faults x all jobs, 2 seeds
    .venv/bin/python -m bench.fault_matrix --seeds 5
    .venv/bin/python -m bench.fault_matrix --quick    # 1 seed, smaller shops
    .venv/bin/python -m bench.fault_matrix --load     # 100,000-order sync with random faults: RSS, orders/s

Prints a markdown table (fault, job, runs, requests, lost, duplicated, leaked, outcome) and writes
``bench/results/fault_matrix.json`` (``--load`` writes ``bench/results/fault_matrix_load.json``).
The engine lives in ``bench/matrix.py`` so the test suite runs a subset of the same code.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from bench.matrix import JOBS, Cell, all_kinds, markdown, run_cell  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def peak_rss_mib() -> float:
    """Peak resident set size of this process (MiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` with the machine and a UTC timestamp."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"bench": name, "ran_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "machine": {"nproc": os.cpu_count(), "python": platform.python_version()}, **data}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def run_matrix(*, seeds: int, quick: bool) -> list[Cell]:
    """Every fault kind x every job x ``seeds`` seeds."""
    cells: list[Cell] = []
    size, orders = (4, 20) if quick else (8, 40)
    for kind in all_kinds():
        for job in JOBS:
            for seed in range(1, seeds + 1):
                cell = run_cell(kind, job, seed=seed * 101 + len(cells), size=size, orders=orders)
                cells.append(cell)
                print(f"  {kind:28s} {job:15s} seed={cell.seed:<5d} {cell.outcome}", file=sys.stderr,
                      flush=True)
                if cell.outcome.startswith(("not run", "n/a")):
                    break  # the same for every seed
    return cells


_LOAD_CHILD = r"""
import json, sys
from oc_connector_sandbox import Sandbox, FaultRule, FaultSchedule
orders, seed = int(sys.argv[1]), int(sys.argv[2])
rules = [FaultRule("http_503", route="api/order/info", probability=0.02, retry_after=0),
         FaultRule("reset_before", route="api/order/info", probability=0.01),
         FaultRule("truncated_json", route="api/order/info", probability=0.01),
         FaultRule("latency", route="api/order/info", probability=0.05, latency=(0.001, 0.01))]
sb = Sandbox.start(orders=orders, seed=seed, faults=FaultSchedule(rules, seed=seed), php_notices=False)
print(json.dumps({"url": sb.url, "api_key": sb.api_key, "now": sb.clock.now().isoformat()}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "stop":
        break
    if cmd["op"] == "ids":
        print(json.dumps([int(r["order_id"]) for r in sb.query("SELECT order_id FROM oc_order")]), flush=True)
    elif cmd["op"] == "faults":
        print(json.dumps(sum(1 for _r, _s, f in list(sb.request_log) if f)), flush=True)
sb.stop()
"""


def run_load(*, orders: int, seed: int) -> dict[str, Any]:
    """Sync a big shop (served by a child process) with random faults; peak RSS and orders/s."""
    import sqlalchemy as sa

    from bench.matrix import FAST, QUICK_RETRY
    from oc_connector.api.client import OpenCartClient
    from oc_connector.sync.run import OrderSync, SyncOptions
    from oc_connector.warehouse.orders_schema import opencart_orders

    child = subprocess.Popen([sys.executable, "-c", _LOAD_CHILD, str(orders), str(seed)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None

    def ask(op: str) -> Any:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps({"op": op}) + "\n")
        child.stdin.flush()
        return json.loads(child.stdout.readline())

    try:
        info = json.loads(child.stdout.readline())
        from datetime import datetime

        now = datetime.fromisoformat(info["now"]) + timedelta(minutes=5)
        rss_before = peak_rss_mib()
        with tempfile.TemporaryDirectory() as tmp:
            engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'wh.db'}")
            client = OpenCartClient(info["url"], api_key=info["api_key"], allow_insecure_http=True,
                                    rate_limit=FAST, retry=QUICK_RETRY)
            started = time.monotonic()
            runs = 0
            result = None
            while runs < 3:
                runs += 1
                try:
                    result = OrderSync(client, engine, SyncOptions(shop="load", workers=4, gap_tolerance=20,
                                                                   batch_size=500), now=lambda: now).run()
                    break
                except Exception as exc:
                    print(f"run {runs} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            elapsed = time.monotonic() - started
            client.close()
            with engine.connect() as conn:
                got = list(conn.scalars(sa.select(opencart_orders.c.order_id).where(
                    opencart_orders.c.shop == "load")))
            engine.dispose()
        shop = set(ask("ids"))
        fired = ask("faults")
        return {
            "orders": len(shop), "runs": runs, "faults_fired": fired, "seconds": round(elapsed, 1),
            "orders_per_s": round(len(shop) / elapsed, 1), "rss_before_sync_mib": rss_before,
            "peak_rss_mib": peak_rss_mib(), "lost": len(shop - set(got)),
            "duplicated": len(got) - len(set(got)) + len(set(got) - shop),
            "api_calls": result.api_calls if result is not None else None,
        }
    finally:
        if child.poll() is None:
            child.stdin.write(json.dumps({"op": "stop"}) + "\n")
            child.stdin.flush()
            child.wait(timeout=60)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="Seeds per (fault, job) cell.")
    parser.add_argument("--quick", action="store_true", help="One seed, smaller shops.")
    parser.add_argument("--load", action="store_true", help="The 100,000-order load run instead.")
    parser.add_argument("--load-orders", type=int, default=100_000)
    args = parser.parse_args()
    logging.getLogger("oc_connector").setLevel(logging.ERROR)  # thousands of retry warnings are expected
    if args.load:
        data = run_load(orders=args.load_orders, seed=5)
        print(json.dumps(data, indent=2))
        suffix = "" if args.load_orders == 100_000 else f"_{args.load_orders}"
        write_result(f"fault_matrix_load{suffix}", data)
        return
    seeds = 1 if args.quick else args.seeds
    started = time.monotonic()
    cells = run_matrix(seeds=seeds, quick=args.quick)
    table = markdown(cells)
    print(table)
    bad = [c for c in cells if not c.ok()]
    path = write_result("fault_matrix", {
        "seeds": seeds, "quick": args.quick, "seconds": round(time.monotonic() - started, 1),
        "table_markdown": table, "cells": [c.as_dict() for c in cells], "failed_cells": len(bad),
    })
    print(f"{len(cells)} cells, {len(bad)} not clean; wrote {path.relative_to(ROOT)}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
