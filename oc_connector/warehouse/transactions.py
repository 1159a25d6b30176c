"""Write transactions that wait for other writers (SQLite has one writer per file at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "begin_write"]

SQLITE_BUSY_TIMEOUT_MS = 120_000
"""How long a write on SQLite waits for another writer before "database is locked".

A sync's batch transaction can hold the file's write lock for a while (with admin credentials it
reads each changed order's history inside it), and parallel backfills, or a backfill beside an
incremental run, write the same file: they must wait rather than fail after pysqlite's default 5 s.
"""


@contextmanager
def begin_write(engine: sa.Engine) -> Iterator[sa.Connection]:
    """``engine.begin()``; on SQLite the connection first waits up to :data:`SQLITE_BUSY_TIMEOUT_MS`.

    The busy timeout is only ever raised: an engine created with a longer ``timeout`` keeps it.

    Args:
        engine: the warehouse engine.

    Yields:
        The connection, inside a transaction committed on exit (rolled back on error).
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            current = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
            if current < SQLITE_BUSY_TIMEOUT_MS:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS:d}")
        yield conn
