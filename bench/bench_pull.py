"""Pull ratio: orders/s of the connector's sync versus a bare loop of concurrent ``requests`` calls.

Both run side by side in one process, against the same shop, at the same concurrency, on the same
order ids, in ``--rounds`` alternating pairs (default 3); the pair with the median ratio is reported,
with every ratio, so one noisy moment of a shared machine does not decide the figure.

The shop is a sandbox in a child process (its CPU is not charged to the connector) with
a 10-20 ms latency per ``api/order/info`` like a real shop, or any shop given by ``--url`` (API key
in ``$OC_BENCH_API_KEY``). The connector's rate limit is set explicitly (``--rate``, default
10000 req/s: effectively off, so the ceiling is the shop's). The sync is ``OrderSync.run()`` with
``full=True`` into a fresh SQLite warehouse, exactly what ``oc-connector sync --full`` runs.

``--shared-cores`` reproduces a real shop on the client's own machine: the sandbox child serves at
most ``--php-workers`` (4) requests at once, the rest queue, and spends ``--cpu-ms`` (5.9, the real
shop's PHP + MariaDB CPU per ``api/order/info``, see the recordings) outside the GIL per read, so the
shop competes with the client for the same cores. Each side then runs in its **own subprocess**
(the connector: imports, sync, SQLite load; the bare loop: ``requests`` only), and the report adds
the **whole-process CPU** (user + system from ``wait4``'s rusage) per order of each side. The
connector's process is set up as the ``oc-connector`` console script sets up its own (its imports
frozen out of the garbage collector, :func:`oc_connector.cli.entry`), and the package is
byte-compiled first, as an installed package is (the loop's ``requests`` is; a checkout run with
``PYTHONDONTWRITEBYTECODE`` would otherwise compile ~150 modules from source in every process).

Run: ``.venv/bin/python -m bench.bench_pull [--quick] [--orders 1500] [--url URL] [--shared-cores]``.
Writes ``bench/results/pull.json`` (``pull_shared.json`` with ``--shared-cores``).
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from bench._common import ROOT, ChildSandbox, write_result

# the connector and its dependencies are imported where they are used: a side run in its own
# subprocess (--shared-cores) is charged only for what it imports itself


def raw_loop(url: str, api_key: str, ids: list[int], concurrency: int) -> dict[str, float]:
    """The ceiling: ``concurrency`` threads, one ``requests.Session`` each, GET order/info per id."""
    import requests

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
    import sqlalchemy as sa

    from oc_connector.api.client import OpenCartClient
    from oc_connector.secret import Secret
    from oc_connector.sync.run import OrderSync, SyncOptions
    from oc_connector.wire.ratelimit import RateLimit

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


def in_subprocess(side: str, url: str, api_key: str, concurrency: int, **kw: Any) -> dict[str, Any]:
    """Run one side in a fresh Python process; add its whole-process CPU (rusage of ``wait4``)."""
    args = [sys.executable, "-m", "bench.bench_pull", "--child", side, "--url", url,
            "--concurrency", str(concurrency)]
    for name, value in kw.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    env = dict(os.environ, OC_BENCH_API_KEY=api_key)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=ROOT, env=env, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{side} child failed with {proc.returncode}")
    row: dict[str, Any] = json.loads(out)
    cpu = usage.ru_utime + usage.ru_stime
    row["process_cpu_s"] = round(cpu, 3)
    row["process_cpu_ms_per_order"] = 1000 * cpu / max(1, row["orders"])
    row["process_cpu_ms_per_call"] = 1000 * cpu / max(1, row["calls"])
    row["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    return row


def child(args: argparse.Namespace) -> None:
    """One side in this process (``--child sync|raw``): prints its figures as JSON."""
    key, c = os.environ["OC_BENCH_API_KEY"], int(args.concurrency)
    if args.child == "sync":
        import sqlalchemy  # noqa: F401 - what connector_sync imports, before the freeze

        import oc_connector.api.client
        import oc_connector.sync.run  # noqa: F401

        gc.freeze()  # as the console script does once its sub-command is imported
        row = connector_sync(args.url, key, c, args.rate, args.gap)
    else:
        row = raw_loop(args.url, key, list(range(1, args.last_id + 1)), c)
    print(json.dumps(row))


def shared_cores(args: argparse.Namespace, n: int) -> None:
    """Both sides in their own subprocess against a shop that competes for the same cores."""
    compileall.compile_dir(ROOT / "oc_connector", quiet=1)  # as installed: no module compiled per run
    sandbox = ChildSandbox(orders=n, php_workers=args.php_workers, cpu_ms=args.cpu_ms)
    url, key = sandbox.url, sandbox.api_key
    rows = []
    try:
        for c in (int(x) for x in args.concurrency.split(",")):
            rounds = []
            for _ in range(args.rounds):
                sync = in_subprocess("sync", url, key, c, rate=args.rate, gap=args.gap)
                raw = in_subprocess("raw", url, key, c, last_id=sync["last_id"])
                rounds.append({
                    "sync": sync, "raw": raw, "ratio": sync["orders_per_s"] / raw["orders_per_s"],
                    "cpu_ratio": sync["process_cpu_ms_per_order"] / raw["process_cpu_ms_per_call"],
                })
            mid = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
            cpu_mid = sorted(r["cpu_ratio"] for r in rounds)[len(rounds) // 2]
            sync, raw = mid["sync"], mid["raw"]
            rows.append({"concurrency": c, "sync": sync, "raw": raw, "ratio": round(mid["ratio"], 3),
                         "ratios": [round(r["ratio"], 3) for r in rounds],
                         "cpu_ratio": round(cpu_mid, 3),
                         "cpu_ratios": [round(r["cpu_ratio"], 3) for r in rounds]})
            print(
                f"c={c}: sync {sync['orders_per_s']:.1f}/s, {sync['process_cpu_ms_per_order']:.2f} ms "
                f"process CPU/order ({sync['cpu_ms_per_order']:.2f} in the run); raw "
                f"{raw['orders_per_s']:.1f}/s, {raw['process_cpu_ms_per_call']:.2f} ms process CPU/request "
                f"({raw['cpu_ms_per_order']:.2f} in the loop); throughput ratio {mid['ratio']:.3f} "
                f"(median of {[round(r['ratio'], 3) for r in rounds]}), CPU ratio {cpu_mid:.3f} "
                f"(median of {[round(r['cpu_ratio'], 3) for r in rounds]})",
                flush=True,
            )
    finally:
        sandbox.stop()
    write_result("pull_shared", {
        "shop": "sandbox (child process) sharing the cores", "php_workers": args.php_workers,
        "cpu_ms": args.cpu_ms, "orders": n, "rate_limit_per_s": args.rate, "gap_tolerance": args.gap,
        "rounds": args.rounds, "quick": args.quick, "rows": rows,
    })


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
    ap.add_argument("--shared-cores", action="store_true",
                    help="a shop that burns CPU on the same cores; each side in its own subprocess")
    ap.add_argument("--php-workers", type=int, default=4, help="--shared-cores: requests served at once")
    ap.add_argument("--cpu-ms", type=float, default=5.9, help="--shared-cores: shop CPU per order/info")
    ap.add_argument("--child", choices=("sync", "raw"), help=argparse.SUPPRESS)
    ap.add_argument("--last-id", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    n = 300 if args.quick else args.orders
    if args.shared_cores:
        shared_cores(args, n)
        return
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
