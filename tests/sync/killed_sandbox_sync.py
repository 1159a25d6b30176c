"""Sync a sandbox shop through the real client and SIGKILL this process after a committed batch.

argv: warehouse URL, PostgreSQL schema ("" for none), sandbox URL, id after which to die.
The API key comes from the environment (``OC_TEST_SANDBOX_KEY``), never the command line.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime

import sqlalchemy as sa

from oc_connector.api.client import OpenCartClient
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.wire.ratelimit import RateLimit


def main() -> None:
    url, schema, shop_url, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    now = datetime.fromisoformat(sys.argv[5])

    def hook(last_id: int) -> None:
        if last_id >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    engine = sa.create_engine(url, connect_args=connect_args)
    client = OpenCartClient(
        shop_url,
        api_key=os.environ["OC_TEST_SANDBOX_KEY"],
        allow_insecure_http=True,
        rate_limit=RateLimit(per_second=1000, burst=1000),
    )
    options = SyncOptions(shop="sb", workers=4, gap_tolerance=10, batch_size=50)
    OrderSync(client, engine, options, now=lambda: now, after_batch=hook).run()


if __name__ == "__main__":
    main()
