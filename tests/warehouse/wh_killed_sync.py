"""Run a sync that SIGKILLs itself right after committing the batch ending at id argv[2]."""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from wh_fakes import FakeShop

from oc_connector.sync import OrderSync, SyncOptions


def main() -> None:
    url, kill_at = sys.argv[1], int(sys.argv[2])

    def hook(last_id: int) -> None:
        if last_id >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    engine = sa.create_engine(url)
    options = SyncOptions(shop="s", workers=3, gap_tolerance=5, batch_size=7)
    OrderSync(FakeShop(), engine, options, now=lambda: datetime(2026, 11, 27, 1), after_batch=hook).run()


if __name__ == "__main__":
    main()
