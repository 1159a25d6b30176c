"""Subprocess body of the crash/resume test: one job against a sandbox served by the parent process.

Usage: python crash_worker.py sync URL WAREHOUSE_URL NOW_ISO
       python crash_worker.py vouchers URL ADMIN_USER WAREHOUSE_URL N
The API key / admin password comes in the ``CRASH_SECRET`` environment variable (not on argv).
Prints ``ready`` right before the job starts (the parent kills it at a random time after that) and
``done`` when it finished.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

import sqlalchemy as sa

from bench.matrix import FAST, QUICK_RETRY, voucher_items
from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.reverse.admin_stores import AdminVoucherStore
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata


def _sync(url: str, api_key: str, warehouse: str, now_iso: str) -> None:
    engine = sa.create_engine(warehouse)
    now = datetime.fromisoformat(now_iso)
    client = OpenCartClient(url, api_key=api_key, allow_insecure_http=True, rate_limit=FAST,
                            retry=QUICK_RETRY)
    print("ready", flush=True)
    OrderSync(client, engine, SyncOptions(shop="c", workers=3, gap_tolerance=10, batch_size=15),
              now=lambda: now).run()


def _vouchers(url: str, user: str, password: str, warehouse: str, n: int) -> None:
    engine = sa.create_engine(warehouse)
    metadata.create_all(engine, tables=[voucher_ledger])
    admin = AdminClient(url, username=user, password=password, allow_insecure_http=True, rate_limit=FAST,
                        retry=QUICK_RETRY)
    print("ready", flush=True)
    results = issue_vouchers_admin(voucher_items(n, tag="crash"), store=AdminVoucherStore(admin=admin),
                                   ledger=VoucherLedger(engine=engine))
    if any(r.state != "confirmed" for r in results):
        raise SystemExit(f"unfinished: {[r.state for r in results]}")


def main() -> None:
    job, args = sys.argv[1], sys.argv[2:]
    secret = os.environ["CRASH_SECRET"]
    if job == "sync":
        _sync(args[0], secret, args[1], args[2])
    else:
        _vouchers(args[0], args[1], secret, args[2], int(args[3]))
    print("done", flush=True)


if __name__ == "__main__":
    main()
