"""Pull ratio: orders/s of the connector's sync versus a bare loop of concurrent ``requests`` calls.

Both run side by side in one process, against the same shop, at the same concurrency, on the same
order ids, in ``--rounds`` alternating pairs (default 3); the pair with the median ratio is reported,
with every ratio, so one noisy moment of a shared machine does not decide the figure.

The shop is a sandbox in a child process (its CPU is not charged to the connector) with
a 10-20 ms latency per ``api/order/info`` like a real shop, or any shop given by ``--url`` (API key
in ``$OC_BENCH_API_KEY``). The connector's rate limit is set explicitly (``--rate``, default
10000 req/s: effectively off, so the ceiling is the shop's). The sync is ``OrderSync.run()`` with
``full=True`` into a fresh SQLite warehouse, exactly what ``oc-connector sync --full`` runs.

Run: ``.venv/bin/python -m bench.bench_pull [--quick] [--orders 1500] [--url URL]``.
Writes ``bench/results/pull.json``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from typing import Any

import requests
import sqlalchemy as sa

from bench._common import ChildSandbox, write_result
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.wire.ratelimit import RateLimit


def raw_loop(url: str, api_key: str, ids: list[int], concurrency: int) -> dict[str, float]:
    """The ceiling: ``concurrency`` threads, one ``requests.Session`` each, GET order/info per id."""
    token = requests.post(url + "index.php?route=api/login", data={"key": api_key}, timeout=30).json()[
        "api_token"
    ]
    it = iter(ids)
    lock = threading.Lock()
    found = [0] * concurrency

    def work(idx: int) -> None:
        with requests.Session() as http:
            while True:
                with lock:
                    oid = next(it, None)
                if oid is None:
                    return
                r = http.get(
                    url + "index.php",
                    params={"route": "api/order/info", "api_token": token, "order_id": str(oid)},
                    timeout=30,
                )
                r.raise_for_status()
                if "order" in r.json():
                    found[idx] += 1

    cpu0, t0 = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "orders": sum(found),
        "calls": len(ids),
        "seconds": wall,
        "orders_per_s": sum(found) / wall,
        "cpu_ms_per_order": 1000 * cpu / max(1, sum(found)),
    }


def connector_sync(url: str, api_key: str, concurrency: int, rate: float, gap: int) -> dict[str, Any]:
    """``OrderSync(...).run()`` with ``workers=concurrency`` into a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = sa.create_engine(f"sqlite:///{tmp}/wh.db")
        client = OpenCartClient(
            url,
            api_key=Secret(api_key),
            allow_insecure_http=url.startswith("http://127.") or url.startswith("http://localhost"),
            rate_limit=RateLimit(per_second=rate, burst=max(1, int(min(rate, 1000)))),
            max_concurrency=max(8, concurrency),
        )
        opts = SyncOptions(workers=concurrency, full=True, gap_tolerance=gap)
        cpu0, t0 = time.process_time(), time.perf_counter()
        result = OrderSync(client, engine, opts).run()
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        client.close()
        engine.dispose()
    n = result.orders_inserted + result.orders_updated + result.orders_unchanged
    return {
        "orders": n,
        "calls": result.api_calls + 1,
        "seconds": wall,
        "orders_per_s": n / wall,
        "cpu_ms_per_order": 1000 * cpu / max(1, n),
        "rate_limit_wait_s": result.rate_limit_wait_s,
        "last_id": result.hwm_after,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="300 orders, concurrency 1/4/8")
    ap.add_argument("--orders", type=int, default=1500)
    ap.add_argument("--latency-ms", default="10-20", help="sandbox latency range, e.g. 10-20 (0: none)")
    ap.add_argument("--url", help="any shop's base URL instead of the sandbox (key in $OC_BENCH_API_KEY)")
    ap.add_argument("--rate", type=float, default=10000.0, help="connector rate limit, req/s (explicit)")
    ap.add_argument("--gap", type=int, default=8, help="sync gap_tolerance (trailing not-found probes)")
    ap.add_argument("--concurrency", default="1,4,8")
    ap.add_argument("--rounds", type=int, default=3, help="sync+raw pairs per concurrency (median kept)")
    args = ap.parse_args()
    n = 300 if args.quick else args.orders
    lo, _, hi = args.latency_ms.partition("-")
    latency = (float(lo) / 1000, float(hi or lo) / 1000)
    sandbox = None
    if args.url:
        url, key = args.url.rstrip("/") + "/", os.environ["OC_BENCH_API_KEY"]
    else:
        sandbox = ChildSandbox(orders=n, latency=latency)
        url, key = sandbox.url, sandbox.api_key
    rows = []
    try:
        for c in (int(x) for x in args.concurrency.split(",")):
            rounds = []
            for _ in range(args.rounds):
                sync = connector_sync(url, key, c, args.rate, args.gap)
                # the raw loop reads every id up to the last order the sync found (deleted ids
                # included, as the sync must), so both deliver the same orders; the sync's extra
                # calls are its login and the gap_tolerance trailing probes that find the end
                raw = raw_loop(url, key, list(range(1, sync["last_id"] + 1)), c)
                rounds.append({"sync": sync, "raw": raw, "ratio": sync["orders_per_s"] / raw["orders_per_s"]})
            # the median round (by ratio): one noisy moment of a shared machine does not decide
            mid = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
            sync, raw, ratio = mid["sync"], mid["raw"], mid["ratio"]
            rows.append({"concurrency": c, "sync": sync, "raw": raw, "ratio": round(ratio, 3),
                         "ratios": [round(r["ratio"], 3) for r in rounds]})
            print(
                f"c={c}: sync {sync['orders_per_s']:.1f}/s ({sync['cpu_ms_per_order']:.2f} ms CPU/order, "
                f"{sync['calls']} calls) raw {raw['orders_per_s']:.1f}/s "
                f"({raw['cpu_ms_per_order']:.2f} ms CPU/order) ratio {ratio:.3f} "
                f"(median of {[round(r['ratio'], 3) for r in rounds]})",
                flush=True,
            )
    finally:
        if sandbox is not None:
            sandbox.stop()
    write_result(
        "pull",
        {
            "shop": "sandbox (child process)" if sandbox else "url given",
            "latency_ms": args.latency_ms if sandbox else None,
            "orders": n,
            "rate_limit_per_s": args.rate,
            "gap_tolerance": args.gap,
            "rounds": args.rounds,
            "quick": args.quick,
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
