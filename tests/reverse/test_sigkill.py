"""A push SIGKILLed in a subprocess at various steps, then rerun, issues every voucher exactly once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from oc_connector.reverse.ledger import VoucherLedger

WORKER = "tests.reverse.kill_worker"
ROOT = Path(__file__).resolve().parents[2]


def _run(shop: Path, ledger: Path, kill_at: int) -> int:
    done = subprocess.run([sys.executable, "-m", WORKER, str(shop), str(ledger), str(kill_at)],
                          capture_output=True, timeout=120, check=False, cwd=ROOT)
    return done.returncode


@pytest.mark.slow
def test_sigkill_then_rerun_exactly_once(tmp_path: Path) -> None:
    shop, ledger_db = tmp_path / "shop.db", tmp_path / "ledger.db"
    kills = 0
    for kill_at in (2, 5, 1, 4):  # each run dies at its kill_at-th committed step
        code = _run(shop, ledger_db, kill_at)
        kills += code == -signal.SIGKILL
    assert kills == 4
    assert _run(shop, ledger_db, -1) == 0
    with sqlite3.connect(shop) as db:
        codes = sorted(c for (c,) in db.execute("SELECT code FROM oc_voucher"))
    ledger = VoucherLedger(engine=sa.create_engine(f"sqlite:///{ledger_db}"))
    rows = ledger.rows()
    assert [r.state for r in rows] == ["confirmed"] * 5
    assert codes == sorted(r.code or "" for r in rows)
    assert len(codes) == 5
