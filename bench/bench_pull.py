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
A third side, when dlt is installed (``pip install 'oc-connector[bench]'``; ``--no-dlt`` skips it),
is a dlt pipeline doing the same pull into a fresh DuckDB file (:func:`dlt_pull`). Each process's
peak RSS (``ru_maxrss`` of the same rusage) is reported too. The sides alternate, their order
rotated each repeat, and every figure is the median over the repeats.

Run: ``.venv/bin/python -m bench.bench_pull [--quick] [--orders 1500] [--url URL] [--shared-cores]
[--no-dlt]``.
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


def dlt_available() -> bool:
    """Whether dlt with its DuckDB destination is installed (the ``bench`` extra)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("dlt", "duckdb"))


def dlt_pull(url: str, api_key: str, ids: list[int], concurrency: int) -> dict[str, Any]:
    """A dlt pipeline doing the same pull into a fresh DuckDB file, as a dlt user would write it.

    A ``@dlt.resource`` yields the ids; a ``@dlt.transformer(parallelized=True)`` returns one
    order per id, so dlt runs the reads in its extract thread pool (``extract.workers`` =
    ``concurrency``), one ``requests.Session`` per worker thread; ``pipeline.run`` then
    normalises (a list in an order would become a child table) and loads. Timed: login, extract,
    normalise and load; the orders counted are the rows dlt normalised into ``orders`` (``tables``
    and ``rows`` include dlt's own state table).
    """
    # dlt's own configuration is read from the environment: the worker count, and no telemetry
    os.environ["EXTRACT__WORKERS"] = str(concurrency)
    os.environ["EXTRACT__MAX_PARALLEL_ITEMS"] = str(max(20, concurrency))
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    import dlt
    import requests

    local = threading.local()

    def session() -> requests.Session:
        http: requests.Session | None = getattr(local, "http", None)
        if http is None:
            http = local.http = requests.Session()
        return http

    with tempfile.TemporaryDirectory() as tmp:
        cpu0, t0 = time.process_time(), time.perf_counter()
        token = requests.post(url + "index.php?route=api/login", data={"key": api_key}, timeout=30).json()[
            "api_token"
        ]

        @dlt.resource
        def order_ids() -> Any:
            yield from ids

        @dlt.transformer(data_from=order_ids, name="orders", parallelized=True)
        def orders(oid: int) -> Any:
            r = session().get(
                url + "index.php",
                params={"route": "api/order/info", "api_token": token, "order_id": str(oid)},
                timeout=30,
            )
            r.raise_for_status()
            return r.json().get("order")  # None (no row) for a deleted id

        pipeline = dlt.pipeline(
            pipeline_name="oc_pull", destination=dlt.destinations.duckdb(f"{tmp}/orders.duckdb"),
            dataset_name="opencart", pipelines_dir=f"{tmp}/pipelines",
        )
        pipeline.run(orders)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        trace = pipeline.last_trace
        info = trace.last_normalize_info if trace is not None else None
        counts = dict(info.row_counts) if info is not None else {}
    n = int(counts.get("orders", 0))
    return {
        "orders": n,
        "calls": len(ids) + 1,
        "seconds": wall,
        "orders_per_s": n / wall,
        "cpu_ms_per_order": 1000 * cpu / max(1, n),
        "tables": len(counts),
        "rows": int(sum(counts.values())),
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
    """One side in this process (``--child sync|raw|dlt``): prints its figures as JSON."""
    key, c = os.environ["OC_BENCH_API_KEY"], int(args.concurrency)
    if args.child == "sync":
        import sqlalchemy  # noqa: F401 - what connector_sync imports, before the freeze

        import oc_connector.api.client
        import oc_connector.sync.run  # noqa: F401

        gc.freeze()  # as the console script does once its sub-command is imported
        row = connector_sync(args.url, key, c, args.rate, args.gap)
    elif args.child == "dlt":
        row = dlt_pull(args.url, key, list(range(1, args.last_id + 1)), c)
    else:
        row = raw_loop(args.url, key, list(range(1, args.last_id + 1)), c)
    print(json.dumps(row))


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def shared_cores(args: argparse.Namespace, n: int) -> None:
    """Each side in its own subprocess against a shop that competes for the same cores.

    The sides (the sync, the bare loop, and dlt unless ``--no-dlt`` or not installed) run one
    after another per repeat, their order rotated each repeat; every figure is the median over
    the repeats, each ratio the median of the repeats' own ratios.
    """
    sides = ["sync", "raw"]
    if args.no_dlt:
        print("dlt side skipped (--no-dlt)", flush=True)
    elif not dlt_available():
        print("dlt side skipped: dlt / duckdb not installed (pip install 'oc-connector[bench]')", flush=True)
    else:
        sides.append("dlt")
    compileall.compile_dir(ROOT / "oc_connector", quiet=1)  # as installed: no module compiled per run
    sandbox = ChildSandbox(orders=n, php_workers=args.php_workers, cpu_ms=args.cpu_ms)
    url, key = sandbox.url, sandbox.api_key
    # the loop and dlt read every id up to the shop's newest order (deleted ids included, as the
    # sync must); the sync finds that id itself, through its gap_tolerance trailing probes
    last_id = int(sandbox.command(op="query", sql="SELECT MAX(order_id) AS m FROM oc_order")[0]["m"])
    rows = []
    try:
        for c in (int(x) for x in args.concurrency.split(",")):
            rounds = []
            for r in range(args.rounds):
                order = sides[r % len(sides):] + sides[: r % len(sides)]
                got: dict[str, Any] = {"order": order}
                for side in order:
                    if side == "sync":
                        got[side] = in_subprocess("sync", url, key, c, rate=args.rate, gap=args.gap)
                        if got[side]["last_id"] != last_id:
                            raise RuntimeError(f"the sync ended at id {got[side]['last_id']}, not {last_id}")
                    else:
                        got[side] = in_subprocess(side, url, key, c, last_id=last_id)
                sync, raw = got["sync"], got["raw"]
                got["ratio"] = sync["orders_per_s"] / raw["orders_per_s"]
                got["cpu_ratio"] = sync["process_cpu_ms_per_order"] / raw["process_cpu_ms_per_call"]
                if "dlt" in got:
                    got["dlt_ratio"] = sync["orders_per_s"] / got["dlt"]["orders_per_s"]
                    got["dlt_cpu_ratio"] = (
                        sync["process_cpu_ms_per_order"] / got["dlt"]["process_cpu_ms_per_order"]
                    )
                rounds.append(got)
            row: dict[str, Any] = {"concurrency": c, "rounds": rounds}
            for side in sides:
                med = {
                    k: round(_median([g[side][k] for g in rounds]), 3)
                    for k in ("orders_per_s", "process_cpu_ms_per_order", "process_cpu_ms_per_call",
                              "cpu_ms_per_order", "peak_rss_mib")
                }
                med["orders"] = rounds[0][side]["orders"]
                med["calls"] = rounds[0][side]["calls"]
                row[side] = med
            for k in ("ratio", "cpu_ratio", "dlt_ratio", "dlt_cpu_ratio"):
                if k in rounds[0]:
                    row[k] = round(_median([g[k] for g in rounds]), 3)
                    row[k + "s"] = [round(g[k], 3) for g in rounds]
            rows.append(row)
            sync, raw = row["sync"], row["raw"]
            line = (
                f"c={c}: sync {sync['orders_per_s']:.1f}/s, {sync['process_cpu_ms_per_order']:.2f} ms "
                f"process CPU/order ({sync['cpu_ms_per_order']:.2f} in the run), peak RSS "
                f"{sync['peak_rss_mib']:.0f} MiB; raw {raw['orders_per_s']:.1f}/s, "
                f"{raw['process_cpu_ms_per_call']:.2f} ms process CPU/request, peak RSS "
                f"{raw['peak_rss_mib']:.0f} MiB"
            )
            if "dlt" in row:
                d = row["dlt"]
                line += (
                    f"; dlt {d['orders_per_s']:.1f}/s, {d['process_cpu_ms_per_order']:.2f} ms process "
                    f"CPU/order, peak RSS {d['peak_rss_mib']:.0f} MiB"
                )
            line += f"; oc/bare {row['ratio']:.3f} {row['ratios']}"
            if "dlt_ratio" in row:
                line += f", oc/dlt {row['dlt_ratio']:.3f} {row['dlt_ratios']}"
            line += f", CPU oc/bare {row['cpu_ratio']:.3f} {row['cpu_ratios']}"
            print(line, flush=True)
    finally:
        sandbox.stop()
    print_table(rows)
    write_result("pull_shared", {
        "shop": "sandbox (child process) sharing the cores", "php_workers": args.php_workers,
        "cpu_ms": args.cpu_ms, "orders": n, "last_id": last_id, "rate_limit_per_s": args.rate,
        "gap_tolerance": args.gap, "rounds": args.rounds, "quick": args.quick, "sides": sides,
        "medians": "each figure is the median over the rounds; each ratio the median of the rounds' ratios",
        "rows": rows,
    })


def print_table(rows: list[dict[str, Any]]) -> None:
    """The shared-cores table as Markdown: medians over the rounds."""
    has_dlt = "dlt" in rows[0]
    head = ["concurrency", "bare loop orders/s", "dlt", "oc-connector", "oc / bare", "oc / dlt",
            "oc CPU ms/order (whole process)", "oc peak RSS", "bare / dlt CPU ms/order (whole process)",
            "bare / dlt peak RSS"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        sync, raw, d = row["sync"], row["raw"], row.get("dlt")
        cells = [
            str(row["concurrency"]), f"{raw['orders_per_s']:.1f}",
            f"{d['orders_per_s']:.1f}" if d else "–", f"{sync['orders_per_s']:.1f}",
            f"{row['ratio']:.2f}x", f"{row['dlt_ratio']:.2f}x" if has_dlt else "–",
            f"{sync['process_cpu_ms_per_order']:.2f}", f"{sync['peak_rss_mib']:.0f} MiB",
            f"{raw['process_cpu_ms_per_order']:.2f} / "
            + (f"{d['process_cpu_ms_per_order']:.2f}" if d else "–"),
            f"{raw['peak_rss_mib']:.0f} / " + (f"{d['peak_rss_mib']:.0f} MiB" if d else "–"),
        ]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="300 orders, concurrency 1/4/8")
    ap.add_argument("--orders", type=int, default=1500)
    ap.add_argument("--latency-ms", default="10-20", help="sandbox latency range, e.g. 10-20 (0: none)")
    ap.add_argument("--url", help="any shop's base URL instead of the sandbox (key in $OC_BENCH_API_KEY)")
    ap.add_argument("--rate", type=float, default=10000.0, help="connector rate limit, req/s (explicit)")
    ap.add_argument("--gap", type=int, default=8, help="sync gap_tolerance (trailing not-found probes)")
    ap.add_argument("--concurrency", default="1,4,8")
    ap.add_argument("--rounds", type=int, default=3,
                    help="repeats per concurrency (median kept); --shared-cores rotates the sides' order")
    ap.add_argument("--shared-cores", action="store_true",
                    help="a shop that burns CPU on the same cores; each side in its own subprocess")
    ap.add_argument("--php-workers", type=int, default=4, help="--shared-cores: requests served at once")
    ap.add_argument("--cpu-ms", type=float, default=5.9, help="--shared-cores: shop CPU per order/info")
    ap.add_argument("--no-dlt", action="store_true",
                    help="--shared-cores: skip the dlt side (skipped anyway if dlt is not installed)")
    ap.add_argument("--child", choices=("sync", "raw", "dlt"), help=argparse.SUPPRESS)
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
