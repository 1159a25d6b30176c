"""Benchmark the sandbox: api/order/info throughput at 1/4/8 clients and memory with many generated orders.

Run: ``.venv/bin/python -m bench.bench_sandbox [--seconds 3] [--orders 1000000]``. Prints a markdown table
and writes ``bench/results/sandbox.json``. Loopback only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import resource
import threading
import time
from pathlib import Path

import requests

from oc_connector_sandbox import Sandbox

RESULTS = Path(__file__).parent / "results" / "sandbox.json"


def _client(sb: Sandbox, token: str, deadline: float, n_orders: int, counts: list[int], idx: int) -> None:
    with requests.Session() as http:
        url = sb.url + "index.php"
        i = 0
        while time.perf_counter() < deadline:
            r = http.get(
                url, params={"route": "api/order/info", "api_token": token, "order_id": str(i % n_orders + 1)}
            )
            r.raise_for_status()
            i += 1
        counts[idx] = i


def throughput(sb: Sandbox, clients: int, seconds: float, n_orders: int) -> float:
    """Requests per second of api/order/info with ``clients`` threads for ``seconds``."""
    token = requests.post(sb.url + "index.php?route=api/login", data={"key": sb.api_key}, timeout=10).json()[
        "api_token"
    ]
    counts = [0] * clients
    start = time.perf_counter()
    deadline = start + seconds
    threads = [
        threading.Thread(target=_client, args=(sb, token, deadline, n_orders, counts, i))
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--orders", type=int, default=1_000_000)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with Sandbox.start(orders=2000) as sb:
        for clients in (1, 4, 8):
            results[f"order_info_rps_{clients}_clients"] = round(
                throughput(sb, clients, args.seconds, 2000), 1
            )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with Sandbox.start(orders=args.orders) as big:
        results["generate_seconds"] = round(time.perf_counter() - t0, 1)
        results["generated_orders"] = big.query("SELECT COUNT(*) AS n FROM oc_order")[0]["n"]
        results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        results["peak_rss_before_mib"] = round(before / 1024, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print("| metric | value |\n| --- | --- |")
    for key, value in results.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
