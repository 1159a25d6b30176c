"""Fleet: many shops' sync jobs in one code location on Dagster's multiprocess executor vs one at a time.

``--shops`` sandbox shops (default 20 of ``--orders`` 5,000; ``--quick`` 20 of 300), each in its
own child process (``_common.ChildSandbox``) with ``--latency-ms`` (10-20 ms) per ``api/order/info``
like a real shop, listed in a fleet file written to a temp dir (``OC_CONNECTOR_CONFIG``) and
loaded through ``pipelines.definitions.build_definitions``, the builder ``dagster dev`` uses. The
warehouse is PostgreSQL (``$OC_TEST_POSTGRES_URL``), a fresh schema per side, dropped afterwards.

(a) fleet: one run of the job ``fleet_sync``, the union of every shop's ``<shop>_sync`` selection
    (two steps per shop: the order tables with their checks, then the shop's marts), added to the
    app's definitions with ``dg.multiprocess_executor`` (``--max-concurrent`` step processes,
    forkserver start method) and executed by ``dg.execute_job`` on a temporary Dagster instance (the
    multiprocess executor needs one on disk: an in-memory instance cannot be shared with the step
    processes). The forkserver preloads Dagster, pandas, SQLAlchemy, psycopg and the app's modules,
    and (unless ``--cold``) builds the fleet's job once, so every step process forks from a warm
    server instead of importing and rebuilding everything.
(b) sequential: each shop's own ``<shop>_sync`` job, ``execute_in_process`` one after another on an
    ephemeral instance, from the same builder, into the second schema.

Identity: per shop, the rows of ``opencart_orders`` and ``opencart_order_history``, and a sha256 of
every column of ``opencart_orders`` except ``_first_seen_at`` / ``_last_synced_at`` (when the row was
written), ordered by order id; the two schemas must be equal shop by shop.

The rate limit is set explicitly (``--rate``, default 10000 req/s: effectively off, as in the
other benchmarks). All traffic is on loopback.

Run: ``OC_TEST_POSTGRES_URL=postgresql+psycopg://... .venv/bin/python -m bench.bench_fleet
[--quick] [--shops 20] [--orders 5000] [--max-concurrent 6] [--cold]``. Writes ``bench/results/fleet.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as sa

from bench._common import ChildSandbox, write_result
from pipelines.definitions import build_definitions

FLEET_JOB = "fleet_sync"
MAX_CONCURRENT_VARIABLE = "OC_BENCH_FLEET_MAX_CONCURRENT"
WARM_VARIABLE = "OC_BENCH_FLEET_WARM"
TIME_COLUMNS = ("_first_seen_at", "_last_synced_at")
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # no line per step event
# imported once by the forkserver; every step process forks from it warm instead of importing them
PRELOAD = ["dagster", "pandas", "sqlalchemy", "psycopg", "pipelines.definitions", "oc_connector.sync.run",
           "oc_connector.orchestration.shop", "oc_connector.warehouse.marts"]
DEFAULT_MAX_CONCURRENT = 6  # the best of 2, 4 and 6 at --quick on a 2-core machine


def fleet_file(keys: list[str], *, warehouse_url_env: str, rate: float) -> str:
    """A fleet file of ``keys``; each shop's URL and API key are in ``<KEY>_URL`` / ``<KEY>_API_KEY``."""
    lines = [
        "[warehouse]",
        f'url_env = "{warehouse_url_env}"',
        "",
        "[defaults]",
        "allow_insecure_http = true",
        f"rate_per_second = {rate}",
    ]
    for key in keys:
        lines += ["", "[[shops]]", f'key = "{key}"', f'url_env = "{key.upper()}_URL"',
                  f'api_key_env = "{key.upper()}_API_KEY"']
    return "\n".join(lines) + "\n"


def preload_modules() -> list[str]:
    """What the forkserver imports; with ``--warm`` (default) also this module, which builds the job there."""
    return PRELOAD + (["bench.bench_fleet"] if os.environ.get(WARM_VARIABLE) == "1" else [])


def fleet_definitions() -> dg.Definitions:
    """The app for this process's environment plus ``fleet_sync``: every shop's sync job in one run."""
    defs = build_definitions(os.environ)
    syncs = [job for job in defs.jobs or [] if job.name.endswith("_sync")]
    selection = reduce(lambda a, b: a | b, (job.selection for job in syncs))  # type: ignore[union-attr]
    executor = dg.multiprocess_executor.configured({
        "max_concurrent": int(os.environ.get(MAX_CONCURRENT_VARIABLE, str(DEFAULT_MAX_CONCURRENT))),
        "start_method": {"forkserver": {"preload_modules": preload_modules()}},
    })
    job = dg.define_asset_job(FLEET_JOB, selection=selection, executor_def=executor)
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))


_BUILT: list[dg.JobDefinition] = []


def fleet_job() -> dg.JobDefinition:
    """``fleet_sync`` from the environment, once per process (``dg.reconstructable`` calls it per step)."""
    if not _BUILT:  # a plain function: dg.reconstructable refuses functools.cache's wrapper
        _BUILT.append(fleet_definitions().resolve_job_def(FLEET_JOB))
    return _BUILT[0]


# Imported by the forkserver (--warm): build the job there, with the run's environment, so every step
# process forked from it starts with the fleet's definitions instead of rebuilding them (~2 s for 20
# shops on this machine). Not when a step process re-runs this file as its __main__ (``__mp_main__``).
if __name__ == "bench.bench_fleet" and os.environ.get(WARM_VARIABLE) == "1":
    fleet_job()


def shop_digests(url: str) -> dict[str, dict[str, Any]]:
    """Per shop: rows of the order and history tables, sha256 of every ``opencart_orders`` column."""
    engine = sa.create_engine(url)
    try:
        orders = sa.Table("opencart_orders", sa.MetaData(), autoload_with=engine)
        history = sa.Table("opencart_order_history", sa.MetaData(), autoload_with=engine)
        cols = [c for c in orders.columns if c.name not in TIME_COLUMNS]
        out: dict[str, dict[str, Any]] = {}
        with engine.connect() as conn:
            hashes: dict[str, Any] = {}
            for row in conn.execute(sa.select(*cols).order_by(orders.c.shop, orders.c.order_id)):
                entry = out.setdefault(row.shop, {"orders": 0, "history": 0})
                entry["orders"] += 1
                hashes.setdefault(row.shop, hashlib.sha256()).update(
                    json.dumps(list(row), default=str).encode() + b"\n")
            for shop, n in conn.execute(sa.select(history.c.shop, sa.func.count()).group_by(history.c.shop)):
                out.setdefault(shop, {"orders": 0, "history": 0})["history"] = n
        for shop, h in hashes.items():
            out[shop]["sha256_orders"] = h.hexdigest()
        return dict(sorted(out.items()))
    finally:
        engine.dispose()


def with_schema(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (psycopg's ``options``)."""
    return sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def run_fleet(max_concurrent: int, tmp: Path, *, warm: bool) -> tuple[float, bool, int]:
    """(a): ``fleet_sync`` on the multiprocess executor; (seconds, success, steps that failed)."""
    os.environ[MAX_CONCURRENT_VARIABLE] = str(max_concurrent)
    os.environ[WARM_VARIABLE] = "1" if warm else "0"
    # each step process re-runs this module as its __main__ (multiprocessing); the preloaded copy makes
    # runpy warn about it in every step
    os.environ["PYTHONWARNINGS"] = "ignore::RuntimeWarning:runpy"
    # by module name, not __main__: the step processes import it
    recon = dg.reconstructable(importlib.import_module("bench.bench_fleet").fleet_job)
    t0 = time.perf_counter()
    (tmp / "dagster").mkdir()
    with (
        dg.DagsterInstance.local_temp(str(tmp / "dagster")) as instance,
        dg.execute_job(recon, instance=instance, run_config=QUIET, raise_on_error=False) as result,
    ):
        ok = result.success
        failed = sum(ev.is_step_failure for ev in result.all_events)
    return time.perf_counter() - t0, ok, failed


def run_sequential(keys: list[str]) -> tuple[float, list[dict[str, Any]]]:
    """(b): each shop's ``<shop>_sync`` in this process, one after another."""
    defs = build_definitions(os.environ)
    runs = []
    t0 = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        for key in keys:
            t1 = time.perf_counter()
            res = defs.resolve_job_def(f"{key}_sync").execute_in_process(
                instance=instance, run_config=QUIET, raise_on_error=False)
            runs.append({"shop": key, "ok": res.success, "seconds": round(time.perf_counter() - t1, 2)})
    return time.perf_counter() - t0, runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20 shops of 300 orders")
    ap.add_argument("--shops", type=int, default=20)
    ap.add_argument("--orders", type=int, default=5_000, help="orders per shop")
    ap.add_argument("--max-concurrent", type=int, default=DEFAULT_MAX_CONCURRENT,
                    help="step processes of the fleet run (2-8)")
    ap.add_argument("--cold", action="store_true",
                    help="every step process rebuilds the fleet's definitions (default: they fork built)")
    ap.add_argument("--latency-ms", default="10-20", help="sandbox latency range, e.g. 10-20")
    ap.add_argument("--rate", type=float, default=10000.0, help="connector rate limit, req/s (explicit)")
    args = ap.parse_args()
    n_shops, n = (20, 300) if args.quick else (args.shops, args.orders)
    if not 1 <= n_shops <= 100 or not 2 <= args.max_concurrent <= 8:
        ap.error("--shops must be 1-100 and --max-concurrent 2-8")
    pg_url = os.environ.get("OC_TEST_POSTGRES_URL")
    if not pg_url:
        ap.error("OC_TEST_POSTGRES_URL is not set (a PostgreSQL SQLAlchemy URL)")
    lo, _, hi = args.latency_ms.partition("-")
    latency = (float(lo) / 1000, float(hi or lo) / 1000)
    keys = [f"shop{i:02d}" for i in range(1, n_shops + 1)]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:  # start-up is mostly the child's imports
        sandboxes = list(pool.map(lambda _: ChildSandbox(orders=n, latency=latency), keys))
    print(f"{n_shops} sandboxes of {n} orders up in {time.perf_counter() - t0:.1f}s", flush=True)
    suffix = uuid.uuid4().hex[:8]
    schemas = {"fleet": f"bench_fleet_{suffix}", "sequential": f"bench_sequential_{suffix}"}
    admin = sa.create_engine(pg_url)
    try:
        with admin.begin() as conn:
            for schema in schemas.values():
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        with tempfile.TemporaryDirectory() as tmp_dir:
            tmp = Path(tmp_dir)
            config = tmp / "oc-connector.toml"
            config.write_text(fleet_file(keys, warehouse_url_env="FLEET_WAREHOUSE_URL", rate=args.rate))
            urls = {side: with_schema(pg_url, schema) for side, schema in schemas.items()}
            os.environ["OC_CONNECTOR_CONFIG"] = str(config)
            for key, sb in zip(keys, sandboxes, strict=True):
                os.environ[f"{key.upper()}_URL"] = sb.url
                os.environ[f"{key.upper()}_API_KEY"] = str(sb.api_key)
            # (a) fleet: the step processes inherit this environment
            os.environ["FLEET_WAREHOUSE_URL"] = urls["fleet"]
            fleet_s, fleet_ok, failed_steps = run_fleet(args.max_concurrent, tmp, warm=not args.cold)
            print(f"(a) fleet, multiprocess x{args.max_concurrent}: {fleet_s:.1f}s ok={fleet_ok}", flush=True)
            # (b) sequential, same builder, second schema
            os.environ["FLEET_WAREHOUSE_URL"] = urls["sequential"]
            seq_s, seq_runs = run_sequential(keys)
            print(f"(b) sequential: {seq_s:.1f}s", flush=True)
            fleet_wh, seq_wh = shop_digests(urls["fleet"]), shop_digests(urls["sequential"])
    finally:
        for sb in sandboxes:
            sb.stop()
        with admin.begin() as conn:
            for schema in schemas.values():
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    identical = fleet_wh == seq_wh and len(fleet_wh) == n_shops
    orders = sum(d["orders"] for d in fleet_wh.values())
    side = {
        "fleet": {"seconds": fleet_s, "shops": len(fleet_wh), "orders": orders},
        "sequential": {"seconds": seq_s, "shops": len(seq_wh),
                       "orders": sum(d["orders"] for d in seq_wh.values())},
    }
    for s in side.values():
        s["shops_per_min"] = round(s["shops"] / s["seconds"] * 60, 2)
        s["orders_per_min"] = round(s["orders"] / s["seconds"] * 60, 1)
        s["seconds"] = round(s["seconds"], 2)
    ratio = seq_s / fleet_s
    print(f"fleet {side['fleet']['shops_per_min']} shops/min, {side['fleet']['orders_per_min']} orders/min; "
          f"sequential {side['sequential']['shops_per_min']} shops/min, "
          f"{side['sequential']['orders_per_min']} orders/min; ratio {ratio:.2f}x; "
          f"identical={identical} ({orders} orders)", flush=True)
    write_result(
        "fleet",
        {
            "shop": "sandbox per shop (child processes)",
            "shops": n_shops,
            "orders_per_shop": n,
            "quick": args.quick,
            "latency_ms": args.latency_ms,
            "rate_limit_per_s": args.rate,
            "warehouse": "postgresql (a fresh schema per side)",
            "how": "fleet file -> pipelines.definitions.build_definitions; (a) one run of the union of "
            "every <shop>_sync selection on dg.multiprocess_executor (forkserver), dg.execute_job on a "
            "temporary instance; (b) each <shop>_sync execute_in_process, one after another",
            "fleet": side["fleet"] | {"max_concurrent": args.max_concurrent, "success": fleet_ok,
                                      "warm_definitions": not args.cold,
                                      "failed_steps": failed_steps},
            "sequential": side["sequential"] | {"runs": seq_runs,
                                                "failed": sum(not r["ok"] for r in seq_runs)},
            "ratio_fleet_vs_sequential": round(ratio, 3),
            "identical": identical,
            "per_shop_fleet": fleet_wh,
            "per_shop_sequential": seq_wh,
        },
    )


if __name__ == "__main__":
    main()
