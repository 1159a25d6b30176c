"""Subprocess body for the SIGKILL test: issue vouchers into a SQLite 'shop', SIGKILL itself at step N.

Usage: python kill_worker.py SHOP_DB LEDGER_DB KILL_AT   (KILL_AT < 0: never)
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
from collections.abc import Mapping

import sqlalchemy as sa

from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.validation import VoucherRequest, parse_voucher_row
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata

FIELDS = ("code", "from_name", "from_email", "to_name", "to_email", "voucher_theme_id", "message",
          "amount", "status")

# fixed column names only, values are bound parameters
SELECT = f"SELECT voucher_id, {', '.join(FIELDS)} FROM oc_voucher WHERE lower(code) = lower(?)"  # noqa: S608
INSERT = f"INSERT INTO oc_voucher ({', '.join(FIELDS)}) VALUES ({', '.join('?' * len(FIELDS))})"  # noqa: S608


class SqliteShop:
    """Vouchers in a SQLite file, one committed row per create (the shop's oc_voucher)."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS oc_voucher (voucher_id INTEGER PRIMARY KEY, "
                        f"{', '.join(f + ' TEXT' for f in FIELDS)})")

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        row = self.db.execute(SELECT, (code,)).fetchone()
        return None if row is None else (row[0], dict(zip(FIELDS, row[1:], strict=True)))

    def create(self, fields: Mapping[str, str]) -> None:
        self.db.execute(INSERT, [fields[f] for f in FIELDS])

    def update(self, voucher_id: int, fields: Mapping[str, str]) -> None:
        raise AssertionError("no update expected")

    def send(self, voucher_id: int) -> None:
        raise AssertionError("no e-mail expected")


def main() -> None:
    shop_db, ledger_db, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = sa.create_engine(f"sqlite:///{ledger_db}")
    metadata.create_all(engine, tables=[voucher_ledger])
    steps = [0]

    def hook(key: str, step: str) -> None:
        steps[0] += 1
        if steps[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    items = []
    for i in range(5):
        r = parse_voucher_row({"request_key": f"k{i}", "to_name": "A", "to_email": "a@x.io", "from_name": "S",
                               "from_email": "s@x.io", "amount": "5", "voucher_theme_id": "8"})
        assert isinstance(r, VoucherRequest)
        items.append(r)
    issue_vouchers_admin(items, store=SqliteShop(shop_db), ledger=VoucherLedger(engine=engine), hook=hook)


if __name__ == "__main__":
    main()
