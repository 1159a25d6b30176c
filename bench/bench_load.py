"""Load ratio: normalise + ``upsert_orders`` versus the engine's native bulk path for the same frame.

Orders come from the sandbox generator without HTTP (``iter_order_info``), in chunks. For each chunk
the connector path (``normalize_orders`` + ``upsert_orders`` in one transaction) writes into one
warehouse and the native path (plain ``sqlite3`` ``executemany`` INSERT, or PostgreSQL ``COPY``)
writes the already-normalised frame into an empty copy of the same table, side by side. The ratio
is native seconds / connector seconds (1.0 = as fast as the engine's own bulk load). Each engine
runs in its own child process; the peak RSS of that whole process is reported.

Run: ``.venv/bin/python -m bench.bench_load [--quick] [--orders 1000000] [--engine sqlite|postgresql]``
(PostgreSQL URL from ``$OC_TEST_POSTGRES_URL``). Writes ``bench/results/load.json``.
"""

# ruff: noqa: S608  (SQL built only from integers and fixed column names)
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from itertools import islice
from typing import Any


def _native_rows(frame: Any) -> list[tuple[Any, ...]]:
    import pandas as pd

    obj = frame.astype(object).where(frame.notna(), None)
    rows = []
    for tup in obj.itertuples(index=False, name=None):
        rows.append(tuple(v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in tup))
    return rows


def child(engine_name: str, url: str | None, n: int, chunk: int) -> dict[str, Any]:
    """Run both paths for ``n`` orders on one engine (inside a child process)."""
    import sqlalchemy as sa

    from bench._common import peak_rss_mib
    from oc_connector.sync.load import upsert_orders
    from oc_connector.sync.normalize import normalize_orders
    from oc_connector.warehouse.migrate import upgrade
    from oc_connector_sandbox.generate import iter_order_info

    tmp = tempfile.mkdtemp()
    if engine_name == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp}/wh.db")
        native_engine = sa.create_engine(f"sqlite:///{tmp}/native.db")
        upgrade(native_engine)
    else:
        assert url
        engine = sa.create_engine(url)
    upgrade(engine)
    cols: list[str] = []
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM opencart_orders"))
        if engine_name != "sqlite":
            conn.execute(sa.text("DROP TABLE IF EXISTS bench_native_orders"))
            conn.execute(sa.text("CREATE TABLE bench_native_orders (LIKE opencart_orders INCLUDING ALL)"))
    gen = iter_order_info(n, seed=3)
    t_conn = t_native = t_gen = 0.0
    done = 0
    now = datetime(2026, 1, 1)
    while True:
        t0 = time.perf_counter()
        raws = list(islice(gen, chunk))
        t_gen += time.perf_counter() - t0
        if not raws:
            break
        t0 = time.perf_counter()
        frame = normalize_orders(raws, shop="bench").frame
        with engine.begin() as conn:
            upsert_orders(conn, frame, now=now)
        t_conn += time.perf_counter() - t0
        frame = frame.assign(_first_seen_at=now, _last_synced_at=now, _deleted_at=None)
        cols = list(frame.columns)
        t0 = time.perf_counter()
        rows = _native_rows(frame)
        if engine_name == "sqlite":
            raw = native_engine.raw_connection()
            cur = raw.cursor()
            marks = ",".join("?" * len(cols))
            adapted = [
                tuple(str(v) if not isinstance(v, (int, float, str, type(None))) else v for v in r)
                for r in rows
            ]
            cur.executemany(f"INSERT INTO opencart_orders ({','.join(cols)}) VALUES ({marks})", adapted)
            raw.commit()
            raw.close()
        else:
            raw = engine.raw_connection()
            copy_sql = f"COPY bench_native_orders ({','.join(cols)}) FROM STDIN"
            with raw.cursor() as cur, cur.copy(copy_sql) as cp:  # type: ignore[attr-defined]
                for r in rows:
                    cp.write_row(r)
            raw.commit()
            raw.close()
        t_native += time.perf_counter() - t0
        done += len(raws)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT count(*) FROM opencart_orders WHERE shop='bench'")).scalar_one()
        if engine_name != "sqlite":
            conn.execute(sa.text("DROP TABLE bench_native_orders"))
            conn.commit()
    return {
        "engine": engine_name,
        "orders": done,
        "loaded": loaded,
        "chunk": chunk,
        "connector_s": round(t_conn, 2),
        "native_s": round(t_native, 2),
        "generate_s": round(t_gen, 2),
        "connector_orders_per_s": round(done / t_conn),
        "native_orders_per_s": round(done / t_native),
        "ratio": round(t_native / t_conn, 3),
        "peak_rss_mib": peak_rss_mib(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="20,000 orders")
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--engine", action="append", choices=["sqlite", "postgresql"])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    n = 20_000 if args.quick else args.orders
    if args.child:
        print(json.dumps(child(args.child, os.environ.get("OC_TEST_POSTGRES_URL"), n, args.chunk)))
        return
    engines = args.engine or (
        ["sqlite", "postgresql"] if os.environ.get("OC_TEST_POSTGRES_URL") else ["sqlite"]
    )
    rows = []
    for name in engines:
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_load", "--child", name,
             "--orders", str(n), "--chunk", str(args.chunk)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(row, flush=True)
    from bench._common import write_result

    write_result("load", {"orders": n, "quick": args.quick, "rows": rows})


if __name__ == "__main__":
    main()
