"""The adaptive concurrency limit against a shop whose latency grows with concurrency.

The sandbox runs in a child process with ``--php-workers`` (4) requests served at once (the rest
queue, as for PHP's workers) and ``--cpu-ms`` (5.9) of CPU per ``api/order/info`` spent outside the
GIL, on the same cores as the client. Side by side in one run:

- fixed concurrency 1, 2, 4, 8, 16 (that many threads, a limit pinned at that level): orders/s and
  median round trip of ``--reads`` order reads;
- the adaptive limit (``adaptive_limit()``, the sync's default: 2 to 16) with 16 threads, as the sync
  runs it: one limit for the whole run, warmed up once (half of ``--reads``), then the same reads.

``--rounds`` rounds, each level once per round, in a rotated order (the machine's other load moves
slowly; adjacent runs see about the same).

Every level's round trip is the time a request held its slot (sent to answer read), so the adaptive
threads' wait for a free slot, which is the sync's scheduling and not the shop's latency, is not
counted as latency (``call_median_ms`` in the results has it). Reported per round, as the median of
the rounds' own ratios, and as ratios of the medians over rounds: adaptive throughput / best fixed
throughput (target >= 0.9), adaptive median latency / median latency at concurrency 1 (target <= 2),
with the share of time the adaptive run spent at each limit. Then a slowdown: mid-run the shop's CPU
per read is multiplied by ``--slowdown`` (4), and the seconds until the limit is at most half what
it was are reported, with the changes and their reasons.

Run: ``.venv/bin/python -m bench.bench_adaptive [--quick]``. Writes ``bench/results/adaptive.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import threading
import time
from typing import Any

from bench._common import ChildSandbox, write_result
from oc_connector.api.client import OpenCartClient
from oc_connector.errors import NotFoundError
from oc_connector.secret import Secret
from oc_connector.wire.concurrency import AdaptiveConcurrency, ConcurrencyPolicy, Outcome, adaptive_limit


class RecordingLimit(AdaptiveConcurrency):
    """A limit that keeps each answered request's round trip (the time it held its slot)."""

    def __init__(self, policy: ConcurrencyPolicy) -> None:
        super().__init__(policy)
        self.latencies: list[float] = []

    def release(self, *, latency_s: float, outcome: Outcome = "ok", retry_after: float | None = None,
                started: float | None = None) -> None:
        if outcome == "ok":
            self.latencies.append(latency_s)
        super().release(latency_s=latency_s, outcome=outcome, retry_after=retry_after, started=started)


def reads(client: OpenCartClient, ids: list[int], threads: int, stop: threading.Event | None = None
          ) -> dict[str, Any]:
    """Read ``ids`` with ``threads`` threads; orders/s, median round trip, and the limit's time shares."""
    it, lock, lat = iter(ids), threading.Lock(), []
    limit = client.concurrency
    assert isinstance(limit, RecordingLimit)
    limit.latencies.clear()
    shares: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:  # which limit is in force, every 20 ms
        while not done.wait(0.02):
            shares[limit.limit] = shares.get(limit.limit, 0) + 1

    def work() -> None:
        while stop is None or not stop.is_set():
            with lock:
                oid = next(it, None)
            if oid is None:
                return
            t0 = time.perf_counter()
            with contextlib.suppress(NotFoundError):
                client.order_info_raw(oid)
            with lock:
                lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=work) for _ in range(threads)] + [threading.Thread(target=sample)]
    for t in ts:
        t.start()
    for t in ts[:-1]:
        t.join()
    wall = time.perf_counter() - t0
    done.set()
    ts[-1].join()
    total = sum(shares.values()) or 1
    return {"reads": len(lat), "per_s": len(lat) / wall,
            "median_ms": 1000 * statistics.median(limit.latencies),
            "call_median_ms": 1000 * statistics.median(lat),
            "limit_shares": {k: round(v / total, 3) for k, v in sorted(shares.items())}}


def make_client(sb: ChildSandbox, *, fixed: int | None) -> tuple[OpenCartClient, RecordingLimit]:
    """A client whose slots record each round trip: ``fixed`` in flight exactly, or the default law."""
    if fixed:
        policy = ConcurrencyPolicy(initial=fixed, min_limit=fixed, max_limit=fixed)
    else:
        policy = adaptive_limit().policy
    limit = RecordingLimit(policy)
    client = OpenCartClient(sb.url, api_key=Secret(sb.api_key), allow_insecure_http=True, rate_limit=None,
                            max_concurrency=fixed or 16, concurrency=limit)
    return client, limit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reads", type=int, default=1200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--php-workers", type=int, default=4)
    ap.add_argument("--cpu-ms", type=float, default=5.9)
    ap.add_argument("--slowdown", type=float, default=4.0)
    args = ap.parse_args()
    n = 800 if args.quick else args.reads
    rounds = 1 if args.quick else args.rounds
    sb = ChildSandbox(orders=n, php_workers=args.php_workers, cpu_ms=args.cpu_ms)
    ids = list(range(1, n + 1))
    fixed_levels = (1, 2, 4, 8, 16)
    levels = [str(c) for c in fixed_levels] + ["adaptive"]
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in levels}
    ratios: list[tuple[float, float]] = []
    try:
        adaptive_client, adaptive = make_client(sb, fixed=None)
        reads(adaptive_client, ids[: n // 2], 16)  # warm-up, once: the limit finds the knee, as a sync does
        for r in range(rounds):
            for k in levels[r % len(levels):] + levels[: r % len(levels)]:  # each round in another order
                if k == "adaptive":
                    row = reads(adaptive_client, ids, 16)
                    row["final_limit"] = adaptive.limit
                else:
                    client, _ = make_client(sb, fixed=int(k))
                    row = reads(client, ids, int(k))
                    client.close()
                runs[k].append(row)
            row = runs["adaptive"][-1]
            best_here = max(runs[str(c)][-1]["per_s"] for c in fixed_levels)
            c1_ms = runs["1"][-1]["median_ms"]
            ratios.append((row["per_s"] / best_here, row["median_ms"] / c1_ms))
            fixed_s = " / ".join(f"{runs[str(c)][-1]['per_s']:.0f}" for c in fixed_levels)
            fixed_ms = " / ".join(f"{runs[str(c)][-1]['median_ms']:.1f}" for c in fixed_levels)
            print(f"round {r + 1}: fixed {fixed_s} reads/s at {fixed_ms} ms; "
                  f"adaptive {row['per_s']:.0f} reads/s at {row['median_ms']:.1f} ms "
                  f"({ratios[-1][0]:.2f}x best, {ratios[-1][1]:.2f}x c=1 latency), "
                  f"limit shares {row['limit_shares']}", flush=True)
        adaptive_client.close()
        med = {k: {m: statistics.median(r[m] for r in v) for m in ("per_s", "median_ms")}
               for k, v in runs.items()}
        best = max(fixed_levels, key=lambda c: med[str(c)]["per_s"])
        tput = med["adaptive"]["per_s"] / med[str(best)]["per_s"]
        lat = med["adaptive"]["median_ms"] / med["1"]["median_ms"]
        round_tput = statistics.median(t for t, _ in ratios)
        round_lat = statistics.median(x for _, x in ratios)
        for k, v in med.items():
            print(f"{k:>8}: {v['per_s']:.1f} reads/s, median {v['median_ms']:.1f} ms", flush=True)
        print(f"medians over rounds: adaptive / best fixed ({best}) throughput {tput:.3f}; "
              f"adaptive / c=1 median latency {lat:.2f}", flush=True)
        print(f"median of the rounds' own ratios: throughput {round_tput:.3f}; latency {round_lat:.2f}; "
              f"final limits {[r['final_limit'] for r in runs['adaptive']]}", flush=True)

        # the slowdown: the shop's CPU per read x slowdown while the adaptive client runs
        client, limit = make_client(sb, fixed=None)
        stop = threading.Event()
        worker = threading.Thread(target=reads, args=(client, ids * 50, 16, stop))
        worker.start()
        time.sleep(5.0)
        before, t_slow = limit.limit, time.monotonic()
        sb.command(op="cpu", cpu_ms=args.cpu_ms * args.slowdown)
        halved_after = None
        while time.monotonic() - t_slow < 30:
            if limit.limit <= before / 2:
                halved_after = time.monotonic() - t_slow
                break
            time.sleep(0.05)
        stop.set()
        worker.join()
        sb.command(op="cpu", cpu_ms=args.cpu_ms)
        client.close()
        changes = [(round(c.at - t_slow, 2), c.old, c.new, c.reason) for c in limit.changes if c.at >= t_slow]
        print(f"slowdown x{args.slowdown:g}: limit {before} -> halved after "
              f"{'not within 30 s' if halved_after is None else f'{halved_after:.2f} s'}; "
              f"changes {changes[:6]}", flush=True)
    finally:
        sb.stop()
    write_result("adaptive", {
        "php_workers": args.php_workers, "cpu_ms": args.cpu_ms, "reads": n, "rounds": rounds,
        "median": med, "best_fixed": best, "throughput_ratio": round(tput, 3), "latency_ratio": round(lat, 2),
        "round_ratios": [(round(t, 3), round(x, 2)) for t, x in ratios],
        "round_throughput_ratio": round(round_tput, 3), "round_latency_ratio": round(round_lat, 2),
        "slowdown": args.slowdown, "limit_before_slowdown": before,
        "seconds_to_halve": None if halved_after is None else round(halved_after, 2),
        "changes_after_slowdown": changes, "runs": runs,
    })


if __name__ == "__main__":
    main()
