"""SIGKILL a running job at seeded random moments, many times, then rerun: shop and warehouse converge.

The job runs in a subprocess against a sandbox shop served by this (the parent) process, with some
latency injected so that a kill lands mid-run. After the kills, one clean rerun must leave exactly
the right rows: the warehouse orders equal ``oc_order``; exactly one ``oc_voucher`` per request.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.warehouse.orders_schema import opencart_orders, opencart_sync_state
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox

WORKER = "tests.reliability.crash_worker"
ROOT = Path(__file__).resolve().parents[2]
KILLS = 5
VOUCHERS = 24


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=300, seed=31, php_notices=False) as shop:
        yield shop


def _start(args: list[str], secret: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CRASH_SECRET": secret}
    proc = subprocess.Popen([sys.executable, "-m", WORKER, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    return proc


def _kill_at_random(args: list[str], secret: str, *, seed: int, high: float) -> bool:
    """Start the job, SIGKILL it after a seeded random delay; True when the kill hit a running job."""
    proc = _start(args, secret)
    time.sleep(random.Random(seed).uniform(0.05, high))
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)  # reaped, so the lock's holder pid is really gone
    return alive and proc.returncode == -signal.SIGKILL


def _finish(args: list[str], secret: str) -> None:
    proc = _start(args, secret)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.strip() == "done", err[-2000:]


def _loaded(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(opencart_orders)).scalar_one())


def test_sync_killed_repeatedly_then_rerun_equals_the_shop(sb: Sandbox, tmp_path: Path) -> None:
    latency = FaultRule("latency", route="api/order/info", latency=(0.01, 0.03))
    sb.set_faults(FaultSchedule([latency], seed=3))
    warehouse = f"sqlite:///{tmp_path / 'wh.db'}"
    engine = sa.create_engine(warehouse)
    args = ["sync", sb.url, warehouse, (sb.clock.now() + timedelta(minutes=5)).isoformat()]
    shop = sorted(int(r["order_id"]) for r in sb.query("SELECT order_id FROM oc_order"))
    killed, partial = 0, []
    for seed in range(KILLS):
        killed += _kill_at_random(args, sb.api_key, seed=seed, high=1.2)
        partial.append(_loaded(engine))
    assert killed >= 3, "the kills did not land mid-run"
    assert any(0 < n < len(shop) for n in partial), partial  # a kill left a half-done pull behind
    sb.set_order_status(shop[0], 2, comment="changed between the kills and the rerun")
    _finish(args, sb.api_key)
    t = opencart_orders
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.order_id, t.c.order_status_id, t.c.total)
                            .where(t.c.shop == "c", t.c._deleted_at.is_(None))).all()
        state = conn.execute(sa.select(opencart_sync_state).where(opencart_sync_state.c.shop == "c")).one()
    shop_rows = {int(r["order_id"]): (int(r["order_status_id"]), float(r["total"]))
                 for r in sb.query("SELECT order_id, order_status_id, total FROM oc_order")}
    assert sorted(r.order_id for r in rows) == shop  # nothing lost, nothing twice
    assert {r.order_id: (r.order_status_id, float(r.total)) for r in rows} == shop_rows
    assert state.high_water_mark == shop[-1] and state.lock_holder is None
    engine.dispose()


def test_admin_voucher_push_killed_repeatedly_then_rerun_issues_each_once(
    sb: Sandbox, tmp_path: Path
) -> None:
    sb.set_faults(FaultSchedule([FaultRule("latency", latency=(0.01, 0.03))], seed=4))
    warehouse = f"sqlite:///{tmp_path / 'ledger.db'}"
    before = int(sb.query("SELECT COALESCE(MAX(voucher_id), 0) AS m FROM oc_voucher")[0]["m"])
    args = ["vouchers", sb.url, sb.admin_username, warehouse, str(VOUCHERS)]
    killed = sum(_kill_at_random(args, sb.admin_password, seed=seed, high=0.8) for seed in range(KILLS))
    assert killed >= 3, "the kills did not land mid-run"
    _finish(args, sb.admin_password)
    rows = sb.query("SELECT code, to_email, amount FROM oc_voucher WHERE voucher_id > ?", (before,))
    per_request: dict[str, int] = {}
    for r in rows:
        per_request[r["to_email"]] = per_request.get(r["to_email"], 0) + 1
    assert per_request == {f"t{i}@x.io": 1 for i in range(VOUCHERS)}
    engine = sa.create_engine(warehouse)
    ledger = VoucherLedger(engine=engine).rows()
    engine.dispose()
    assert [r.state for r in ledger] == ["confirmed"] * VOUCHERS
    assert sorted((r.code or "").lower() for r in ledger) == sorted(str(r["code"]).lower() for r in rows)
    by_email = {r["to_email"]: float(r["amount"]) for r in rows}
    assert by_email == {f"t{i}@x.io": float(5 + i) for i in range(VOUCHERS)}
