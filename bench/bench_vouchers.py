"""Voucher issuance: API calls per voucher and vouchers/s of the order channel and the admin channel.

Both channels run side by side in one process against the same sandbox shop, served by a child
process (its CPU is not charged to the connector). Calls are counted from the shop's own request
log (every HTTP request the shop served, by route), not from the clients.

* Order channel: ``issue_vouchers_order(items, client=OpenCartClient(...), ledger=VoucherLedger(...),
  settings=OrderChannelSettings(batch_size=50))`` issues ``--vouchers`` vouchers (default 10,000;
  ``--quick`` 1,000), in steps, so the shop's voucher table grows to each measuring size.
* Admin channel: ``issue_vouchers_admin(items, store=AdminVoucherStore(admin=AdminClient(...)),
  ledger=VoucherLedger(...))``, a new store per sample (= one run, as the pipeline makes one per op
  run). The store scans the admin list (20 rows a page) once per run to build its code index, then
  costs a few requests per voucher (form reads / id probes, the add), so only the one scan grows
  with the vouchers already in the shop. It is measured on a sample (``--admin-sample``, default
  100) at each step, i.e. at shop sizes ~0, 1,000, 5,000, 10,000.

Rate limit: set explicitly on both clients (``--rate``, default 10000 req/s, burst 1000: effectively
off, so the shop is the ceiling). The client's default is 10 req/s; the projected vouchers/s at that
default (``10 / calls_per_voucher``) is reported too.

Run: ``.venv/bin/python -m bench.bench_vouchers [--quick] [--vouchers 10000] [--admin-sample 100]``.
Writes ``bench/results/vouchers.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from typing import Any

import sqlalchemy as sa

from bench._common import ChildProcess, write_result
from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.reverse.admin_stores import AdminVoucherStore
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.order_channel import Issuer, OrderChannelSettings, issue_vouchers_order
from oc_connector.reverse.validation import VoucherRequest, parse_voucher_row
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.secret import Secret
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata
from oc_connector.wire.ratelimit import RateLimit

DEFAULT_RATE = 10.0  # the clients' default rate limit, req/s

_CHILD = r"""
import collections, json, sys
from oc_connector_sandbox import Sandbox
sb = Sandbox.start(orders=0, seed=11, php_notices=False)
sb._server.request_log = collections.deque(maxlen=50_000_000)  # never drop a request while counting
print(json.dumps({"url": sb.url, "api_key": sb.api_key, "admin_username": sb.admin_username,
                  "admin_password": sb.admin_password}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "stop":
        break
    if cmd["op"] == "counts":  # routes served since the last call, then forget them
        log = sb._server.request_log
        counts = collections.Counter(r for r, _s, _f in list(log))
        log.clear()
        print(json.dumps(counts), flush=True)
    elif cmd["op"] == "vouchers":
        print(json.dumps(sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"]), flush=True)
sb.stop()
"""


class VoucherShop(ChildProcess):
    """The sandbox in a child process, with a request counter by route."""

    def __init__(self) -> None:
        super().__init__(_CHILD)
        self.url: str = self.info["url"]
        self.api_key: str = self.info["api_key"]
        self.admin_username: str = self.info["admin_username"]
        self.admin_password: str = self.info["admin_password"]

    def counts(self) -> Counter[str]:
        return Counter(self.command(op="counts"))

    def vouchers(self) -> int:
        return int(self.command(op="vouchers"))


def items(n: int, *, tag: str, start: int = 0) -> list[VoucherRequest]:
    rows = [{"request_key": f"{tag}-{i}", "to_name": f"To {i}", "to_email": f"t{i}@x.io", "from_name": "Shop",
             "from_email": "s@x.io", "amount": str(5 + i % 100), "voucher_theme_id": "8", "message": "bench"}
            for i in range(start, start + n)]
    return [parse_voucher_row(r) for r in rows]  # type: ignore[misc]


def measure(shop: VoucherShop, n: int, run: Any) -> dict[str, Any]:
    """Run ``run()`` (issuing ``n`` vouchers) and count the shop's requests, time and CPU."""
    shop.counts()  # forget earlier requests
    before = shop.vouchers()
    cpu0, t0 = time.process_time(), time.perf_counter()
    states = run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    routes = shop.counts()
    issued = shop.vouchers() - before
    calls = sum(routes.values())
    confirmed = sum(1 for s in states if s == "confirmed")
    return {
        "vouchers": n,
        "confirmed": confirmed,
        "shop_vouchers_before": before,
        "issued_in_shop": issued,
        "calls": calls,
        "calls_per_voucher": round(calls / n, 3),
        "seconds": round(wall, 2),
        "vouchers_per_s": round(n / wall, 1),
        "vouchers_per_s_at_default_rate": round(DEFAULT_RATE * n / calls, 2),
        "cpu_ms_per_voucher": round(1000 * cpu / n, 2),
        "routes": dict(routes.most_common()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1,000 vouchers (order channel), admin sample 50")
    ap.add_argument("--vouchers", type=int, default=10_000)
    ap.add_argument("--admin-sample", type=int, default=100, help="admin-channel vouchers per shop size")
    ap.add_argument("--steps", default="1000,5000,10000", help="shop sizes at which the admin sample runs")
    ap.add_argument("--rate", type=float, default=10000.0, help="both clients' rate limit, req/s (explicit)")
    ap.add_argument("--batch-size", type=int, default=50, help="order channel vouchers per order")
    args = ap.parse_args()
    total = 1000 if args.quick else args.vouchers
    sample = min(50, args.admin_sample) if args.quick else args.admin_sample
    admin_at = {s for s in (int(x) for x in args.steps.split(",")) if s <= total}
    steps = sorted(admin_at | {total})
    rate = RateLimit(per_second=args.rate, burst=max(1, int(min(args.rate, 1000))))

    shop = VoucherShop()
    tmp = tempfile.TemporaryDirectory()
    engine = sa.create_engine(f"sqlite:///{tmp.name}/ledger.db")
    metadata.create_all(engine, tables=[voucher_ledger])
    ledger = VoucherLedger(engine=engine)
    client = OpenCartClient(shop.url, api_key=Secret(shop.api_key), allow_insecure_http=True, rate_limit=rate)
    admin = AdminClient(shop.url, username=shop.admin_username, password=shop.admin_password,
                        allow_insecure_http=True, rate_limit=rate)
    # settle_s=0: the bench's shop answers every order/add; nothing is reconciled
    settings = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=args.batch_size, settle_s=0)

    def admin_sample(tag: str) -> dict[str, Any]:
        its = items(sample, tag=tag)
        store = AdminVoucherStore(admin=admin)  # one run: its code index starts with one list scan
        return measure(
            shop, sample, lambda: [r.state for r in issue_vouchers_admin(its, store=store, ledger=ledger)]
        )

    order_rows: list[dict[str, Any]] = []
    admin_rows: list[dict[str, Any]] = []
    try:
        row = admin_sample("adm0")
        admin_rows.append(row)
        print(f"admin @shop {row['shop_vouchers_before']}: {row['calls_per_voucher']} calls/voucher, "
              f"{row['vouchers_per_s']}/s", flush=True)
        done = 0
        for step in steps:
            n = step - done
            its = items(n, tag="ord", start=done)
            row = measure(shop, n, lambda its=its: list(
                issue_vouchers_order(its, client=client, ledger=ledger, settings=settings).values()))
            order_rows.append(row)
            done = step
            print(f"order {n} (shop {row['shop_vouchers_before']}->): "
                  f"{row['calls_per_voucher']} calls/voucher, {row['vouchers_per_s']}/s", flush=True)
            if step not in admin_at:
                continue
            row = admin_sample(f"adm{step}")
            admin_rows.append(row)
            print(f"admin @shop {row['shop_vouchers_before']}: {row['calls_per_voucher']} calls/voucher, "
                  f"{row['vouchers_per_s']}/s", flush=True)
    finally:
        client.close()
        admin.close() if hasattr(admin, "close") else None
        shop.stop()
        engine.dispose()
        tmp.cleanup()

    o_calls = sum(r["calls"] for r in order_rows)
    o_secs = sum(r["seconds"] for r in order_rows)
    order_total = {
        "vouchers": total,
        "confirmed": sum(r["confirmed"] for r in order_rows),
        "issued_in_shop": sum(r["issued_in_shop"] for r in order_rows),
        "calls": o_calls,
        "calls_per_voucher": round(o_calls / total, 3),
        "seconds": round(o_secs, 2),
        "vouchers_per_s": round(total / o_secs, 1),
        "vouchers_per_s_at_default_rate": round(DEFAULT_RATE * total / o_calls, 2),
    }
    print(f"order channel total: {order_total}", flush=True)
    write_result("vouchers", {
        "shop": "sandbox (child process), no latency, admin list page = 20 rows",
        "rate_limit_per_s": args.rate,
        "default_rate_limit_per_s": DEFAULT_RATE,
        "order_batch_size": args.batch_size,
        "quick": args.quick,
        "order_channel": {"total": order_total, "steps": order_rows},
        "admin_channel": {"sample_per_size": sample, "sizes": admin_rows},
        "target": "order channel < 0.5 calls per voucher",
    })


if __name__ == "__main__":
    main()
