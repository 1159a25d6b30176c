"""Run a sync that SIGKILLs itself right after committing the batch ending at id argv[2]."""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime

import sqlalchemy as sa

from oc_connector.sync.run import OrderSync, SyncOptions
from tests.sync.fakes import FakeShop


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
