"""What a 4.0 shop's database needs beyond the 3.0 tables: the cart's price override and uploads.

The 4.0 sandbox keeps the 3.0 schema (``oc_connector_sandbox.schema``) and adds only what a 4.0
behaviour cannot do without:

* ``oc_cart.override`` / ``oc_cart.price``: ``api/sale/order.load`` puts each order line back into
  the cart with the stored order price, which then replaces the catalogue price (the option prices
  are added on top once more, a 4.0.2.3 defect the recordings show);
* ``oc_upload``: files sent to ``tool/upload``; a cart's file option shows the upload's name.

Everything else 4.0 stores differently lives in existing columns (see ``v40.orders``). The admin's
recorded fixture (``v40.admin_fixtures``) creates the same ``oc_upload``.
"""

from __future__ import annotations

import sqlite3

__all__ = ["extend_schema"]

_CART_COLUMNS = {
    "override": "INTEGER NOT NULL DEFAULT 0",
    "price": "TEXT NOT NULL DEFAULT '0.0000'",
}
_UPLOAD_DDL = (
    "CREATE TABLE IF NOT EXISTS oc_upload (upload_id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " filename TEXT NOT NULL DEFAULT '', code TEXT NOT NULL, date_added TEXT NOT NULL DEFAULT '')"
)


def extend_schema(db: sqlite3.Connection) -> None:
    """Add the 4.0 columns and tables to a database holding the 3.0 schema (idempotent)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(oc_cart)")}
    for name, ddl in _CART_COLUMNS.items():
        if name not in have:
            db.execute(f"ALTER TABLE oc_cart ADD COLUMN {name} {ddl}")
    db.execute(_UPLOAD_DDL)
