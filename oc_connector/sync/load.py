"""Batched, per-dialect upserts of normalised orders, history and quarantine rows (SQLAlchemy Core)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa

from oc_connector.sync.normalize import QuarantinedRow
from oc_connector.warehouse.details_schema import (
    opencart_customers,
    opencart_order_products,
    opencart_order_totals,
    opencart_order_vouchers,
    opencart_products,
)
from oc_connector.warehouse.orders_schema import (
    opencart_absent_ids,
    opencart_order_history,
    opencart_orders,
    opencart_quarantine,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LoadCounts",
    "detail_order_ids",
    "frame_records",
    "insert_history",
    "known_customer_ids",
    "known_hashes",
    "mark_deleted",
    "record_absent",
    "replace_order_details",
    "upsert",
    "upsert_customers",
    "upsert_order_rows",
    "upsert_orders",
    "upsert_products",
    "upsert_quarantine",
]


@dataclass(frozen=True)
class LoadCounts:
    """What an order upsert did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_ids: tuple[int, ...] = ()
    new_ids: tuple[int, ...] = ()


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a normalised frame as plain Python dicts (NA/NaT -> None, Timestamp -> datetime).

    Converted column by column (vectorised), not value by value.
    """
    import pandas as pd  # a frame's caller has it loaded already

    cols = list(frame.columns)
    columns: list[list[Any]] = []
    for name in cols:
        col = frame[name]
        if str(col.dtype).startswith("datetime64"):
            values = [None if pd.isna(v) else v for v in col.dt.to_pydatetime()]
        elif str(col.dtype) in ("Int64", "boolean"):
            values = col.astype(object).where(col.notna(), None).tolist()
        else:
            values = col.tolist()
        columns.append(values)
    return [dict(zip(cols, vals, strict=True)) for vals in zip(*columns, strict=True)]


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
    batch_size: int = 1000,
) -> None:
    """Insert rows, updating ``update`` columns where the ``keys`` already exist.

    Uses ``ON CONFLICT DO UPDATE`` (SQLite, PostgreSQL, DuckDB) or ``ON DUPLICATE KEY UPDATE``
    (MySQL/MariaDB). An empty ``update`` means "insert or ignore".

    Args:
        conn: an open connection, inside the caller's transaction.
        table: target table.
        rows: dicts keyed by column name.
        keys: the unique key the conflict is detected on.
        update: the columns to overwrite on conflict.
        batch_size: rows per statement (SQLite: all rows in one driver ``executemany``).
    """
    name = conn.dialect.name
    if name == "sqlite" and rows and not _python_defaults(table):
        _sqlite_upsert(conn, table, rows, keys=keys, update=update)
        return
    for start in range(0, len(rows), batch_size):
        batch = list(rows[start : start + batch_size])
        if not batch:
            continue
        stmt: Any
        if name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql

            stmt = mysql.insert(table)
            cols = update or [keys[0]]
            stmt = stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in cols})
        else:
            if name == "sqlite":
                from sqlalchemy.dialects import sqlite as dialect_mod
            else:  # postgresql and duckdb (duckdb-engine speaks the PostgreSQL dialect)
                from sqlalchemy.dialects import postgresql as dialect_mod  # type: ignore[no-redef]
            stmt = dialect_mod.insert(table)
            if update:
                stmt = stmt.on_conflict_do_update(
                    index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
                )
            else:
                stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        conn.execute(stmt, batch)


@dataclass(frozen=True)
class _DriverStatement:
    """An upsert as driver SQL, with the bind processors of the columns that have one."""

    sql: str
    columns: tuple[str, ...]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, processor), the others as is

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """``row``'s values in column order, each through its column's bind processor."""
        values = [row[c] for c in self.columns]
        for i, process in self.processors:
            values[i] = process(values[i])
        return tuple(values)


_STATEMENTS: WeakKeyDictionary[sa.Dialect, dict[tuple[Any, ...], _DriverStatement]] = WeakKeyDictionary()


def _sqlite_statement(
    dialect: sa.Dialect,
    table: sa.Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    update: tuple[str, ...],
) -> _DriverStatement:
    """The ``INSERT ... ON CONFLICT`` of ``columns`` with qmark parameters, built once per shape.

    Each value goes through the bind processor its column's type has on this dialect (the same
    function SQLAlchemy's own executemany applies: timestamps to SQLite's text form, exact
    decimals to their canonical text), so the stored values are the same on both paths.
    """
    built_here = _STATEMENTS.setdefault(dialect, {})
    cache_key = (table, columns, keys, update)
    found = built_here.get(cache_key)
    if found is not None:
        return found
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(map(repr, unknown))}")
    prep = dialect.identifier_preparer
    quoted = ", ".join(prep.quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    conflict = ", ".join(prep.quote(k) for k in keys)
    action = (
        "DO UPDATE SET " + ", ".join(f"{prep.quote(c)} = excluded.{prep.quote(c)}" for c in update)
        if update
        else "DO NOTHING"
    )
    # identifiers are quoted by the dialect; every value is a bound parameter
    target = prep.format_table(table)
    sql = f"INSERT INTO {target} ({quoted}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}"  # noqa: S608
    processors = tuple(
        (i, process)
        for i, c in enumerate(columns)
        if (process := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    built = _DriverStatement(sql=sql, columns=columns, processors=processors)
    built_here[cache_key] = built
    return built


@cache
def _python_defaults(table: sa.Table) -> bool:
    """Whether a column has a Python-side default or onupdate (only SQLAlchemy's own insert fills those).

    A ``Sequence`` is not one: it lives in the database, and SQLite has none (its keys autoincrement).
    """
    return any(
        (c.default is not None and not isinstance(c.default, sa.Sequence)) or c.onupdate is not None
        for c in table.columns
    )


def _sqlite_upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """SQLite upsert as one driver ``executemany`` of positional tuples.

    The same statement and the same stored values as the ``sqlite.insert().on_conflict_do_update``
    path, without SQLAlchemy's per-row parameter processing (~100 us per order row of 60 columns,
    most of a sync's load: ``bench/bench_pull.py --shared-cores``). Runs inside the caller's
    transaction. Rows must all have the first row's keys, as SQLAlchemy's executemany requires.
    """
    columns = tuple(rows[0])
    built = _sqlite_statement(conn.dialect, table, columns, tuple(keys), tuple(update))
    try:
        params = [built.parameters(row) for row in rows]
    except KeyError as exc:
        raise ValueError(f"{table.name}: a row lacks the column {exc.args[0]!r} the first row has") from None
    conn.exec_driver_sql(built.sql, params)


def _can_copy(conn: sa.Connection) -> bool:
    """True on PostgreSQL through psycopg 3 (the driver connection has ``cursor().copy``)."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def _copy_upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """PostgreSQL bulk upsert: ``COPY`` into a temporary staging table, then one ``INSERT ... SELECT``.

    Row-by-row ``INSERT ... ON CONFLICT`` reached 0.18-0.32x of plain ``COPY``
    (``bench/bench_load.py``); staging keeps the same semantics at close to ``COPY`` speed.
    Runs inside the caller's transaction; the staging table is emptied at commit.
    """
    prep = conn.dialect.identifier_preparer
    target = prep.format_table(table)
    stage = prep.quote(f"_stage_{table.name}")
    cols = list(rows[0].keys())
    col_list = ", ".join(prep.quote(c) for c in cols)
    sets = ", ".join(f"{prep.quote(c)} = EXCLUDED.{prep.quote(c)}" for c in update)
    key_list = ", ".join(prep.quote(k) for k in keys)
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {target} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cur, cur.copy(f"COPY {stage} ({col_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in cols])
    action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
    # identifiers are quoted by the dialect; no value is formatted into the statement
    insert = f"INSERT INTO {target} ({col_list}) SELECT {col_list} FROM {stage}"  # noqa: S608
    conn.exec_driver_sql(f"{insert} ON CONFLICT ({key_list}) {action}")


def known_hashes(conn: sa.Connection, *, shop: str, order_ids: Sequence[int]) -> dict[int, str]:
    """The stored ``_hash`` of the ``order_ids`` the warehouse holds (another hash: the order changed)."""
    t = opencart_orders
    known: dict[int, str] = {}
    for start in range(0, len(order_ids), 500):
        part = order_ids[start : start + 500]
        # the BETWEEN lets PostgreSQL use both key columns of the index even before the table
        # has statistics (with IN alone it scanned every row of the shop: bench/bench_load.py)
        result = conn.execute(
            sa.select(t.c.order_id, t.c._hash).where(
                t.c.shop == shop, t.c.order_id.between(min(part), max(part)), t.c.order_id.in_(part)
            )
        )
        known.update({int(r[0]): str(r[1]) for r in result})
    return known


def upsert_orders(
    conn: sa.Connection, frame: pd.DataFrame, *, now: datetime, batch_size: int = 1000
) -> LoadCounts:
    """Upsert a normalised order frame (see :func:`upsert_order_rows`).

    Args:
        conn: an open connection, inside the caller's transaction.
        frame: output of :func:`oc_connector.sync.normalize.normalize_orders` (one shop).
        now: UTC timestamp of this sync (naive UTC).
        batch_size: rows per statement.

    Returns:
        The counts and the ids of new and changed orders.
    """
    if frame.empty:
        return LoadCounts()
    return upsert_order_rows(conn, frame_records(frame), now=now, batch_size=batch_size)


def upsert_order_rows(
    conn: sa.Connection, rows: Sequence[dict[str, Any]], *, now: datetime, batch_size: int = 1000
) -> LoadCounts:
    """Upsert normalised orders; tell inserted, updated (hash changed) and unchanged apart.

    ``_first_seen_at`` is kept on update, ``_last_synced_at`` set to ``now``, ``_deleted_at``
    cleared (an order seen again is not deleted). The rows themselves are not modified.

    Args:
        conn: an open connection, inside the caller's transaction.
        rows: rows of :func:`oc_connector.sync.normalize.normalize_order_rows` (one shop).
        now: UTC timestamp of this sync (naive UTC).
        batch_size: rows per statement.

    Returns:
        The counts and the ids of new and changed orders.
    """
    if not rows:
        return LoadCounts()
    shop = str(rows[0]["shop"])
    known = known_hashes(conn, shop=shop, order_ids=[int(r["order_id"]) for r in rows])
    t = opencart_orders
    stamps = {"_first_seen_at": now, "_last_synced_at": now, "_deleted_at": None}
    records = [{**row, **stamps} for row in rows]
    new_ids: list[int] = []
    changed: list[int] = []
    unchanged = 0
    for rec in records:
        oid = int(rec["order_id"])
        if oid not in known:
            new_ids.append(oid)
        elif known[oid] != rec["_hash"]:
            changed.append(oid)
        else:
            unchanged += 1
    update_cols = [c.name for c in t.columns if c.name not in ("shop", "order_id", "_first_seen_at")]
    if _can_copy(conn):
        _copy_upsert(conn, t, records, keys=("shop", "order_id"), update=update_cols)
    else:
        upsert(conn, t, records, keys=("shop", "order_id"), update=update_cols, batch_size=batch_size)
    return LoadCounts(
        inserted=len(new_ids),
        updated=len(changed),
        unchanged=unchanged,
        changed_ids=tuple(changed),
        new_ids=tuple(new_ids),
    )


def insert_history(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert history rows, ignoring those whose (shop, order_id, source, event_key) exists.

    Returns:
        The number of rows actually added.
    """
    if not rows:
        return 0
    t = opencart_order_history
    existing: set[tuple[str, int, str, str]] = set()
    shops = {str(r["shop"]) for r in rows}
    ids = sorted({int(r["order_id"]) for r in rows})
    for start in range(0, len(ids), 500):
        result = conn.execute(
            sa.select(t.c.shop, t.c.order_id, t.c.source, t.c.event_key).where(
                t.c.shop.in_(shops), t.c.order_id.in_(ids[start : start + 500])
            )
        )
        existing.update((str(a), int(b), str(c), str(d)) for a, b, c, d in result)
    fresh: list[dict[str, Any]] = []
    for row in rows:
        key = (str(row["shop"]), int(row["order_id"]), str(row["source"]), str(row["event_key"]))
        if key not in existing:
            existing.add(key)
            fresh.append(row)
    # insert-or-ignore still guards against a concurrent writer of the same event
    upsert(conn, t, fresh, keys=("shop", "order_id", "source", "event_key"), update=())
    return len(fresh)


def upsert_quarantine(
    conn: sa.Connection, rows: Iterable[QuarantinedRow], *, shop: str, now: datetime, entity: str = "order"
) -> int:
    """Record quarantined orders (first_seen kept, last_seen/reason/raw refreshed, unresolved).

    ``entity`` is ``order`` for an unreadable ``order/info``, ``order_details`` for an order whose
    admin details page does not parse (its header loads all the same).
    """
    recs = [
        {
            "shop": shop,
            "entity": entity,
            "entity_id": q.entity_id,
            "reason": q.reason,
            "raw": q.raw,
            "first_seen_at": now,
            "last_seen_at": now,
            "resolved": False,
        }
        for q in rows
    ]
    upsert(
        conn,
        opencart_quarantine,
        recs,
        keys=("shop", "entity", "entity_id"),
        update=("reason", "raw", "last_seen_at", "resolved"),
    )
    return len(recs)


def resolve_quarantine(
    conn: sa.Connection, *, shop: str, order_ids: Iterable[int], entity: str = "order"
) -> None:
    """Mark quarantined orders (or their ``order_details``) resolved once they loaded cleanly."""
    ids = [str(i) for i in order_ids]
    if not ids:
        return
    t = opencart_quarantine
    conn.execute(
        t.update()
        .where(t.c.shop == shop, t.c.entity == entity, t.c.entity_id.in_(ids), ~t.c.resolved)
        .values(resolved=True)
    )


def record_absent(conn: sa.Connection, *, shop: str, order_ids: Iterable[int], now: datetime) -> None:
    """Record ids the shop answered not-found for and that were never loaded (explained id gaps)."""
    rows = [{"shop": shop, "order_id": int(i), "observed_at": now} for i in order_ids]
    if rows:
        upsert(conn, opencart_absent_ids, rows, keys=("shop", "order_id"), update=())


def mark_deleted(conn: sa.Connection, *, shop: str, order_ids: Iterable[int], now: datetime) -> int:
    """Soft-delete loaded orders that now answer not-found; returns how many were newly marked."""
    ids = list(order_ids)
    if not ids:
        return 0
    t = opencart_orders
    result = conn.execute(
        t.update()
        .where(t.c.shop == shop, t.c.order_id.in_(ids), t.c._deleted_at.is_(None))
        .values(_deleted_at=now)
    )
    return int(result.rowcount or 0)


_DETAIL_TABLES = (opencart_order_products, opencart_order_totals, opencart_order_vouchers)


def replace_order_details(
    conn: sa.Connection,
    *,
    shop: str,
    order_ids: Sequence[int],
    lines: Sequence[dict[str, Any]],
    totals: Sequence[dict[str, Any]],
    vouchers: Sequence[dict[str, Any]],
) -> None:
    """Replace the lines, totals and sold vouchers of ``order_ids``: delete theirs, insert the new.

    Inside the caller's transaction (the one writing the order rows), so a changed order never
    keeps a stale line and a reader never sees an order half replaced.
    """
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        for t in _DETAIL_TABLES:
            conn.execute(t.delete().where(t.c.shop == shop, t.c.order_id.in_(part)))
    for table, rows in zip(_DETAIL_TABLES, (lines, totals, vouchers), strict=True):
        for start in range(0, len(rows), 1000):
            conn.execute(table.insert(), list(rows[start : start + 1000]))


def detail_order_ids(conn: sa.Connection, *, shop: str, order_ids: Sequence[int]) -> set[int]:
    """Those of ``order_ids`` whose details are loaded (every order has at least its Total line)."""
    t = opencart_order_totals
    found: set[int] = set()
    for start in range(0, len(order_ids), 500):
        part = order_ids[start : start + 500]
        result = conn.execute(
            sa.select(t.c.order_id).distinct().where(t.c.shop == shop, t.c.order_id.in_(part))
        )
        found.update(int(r[0]) for r in result)
    return found


def upsert_products(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or refresh ``opencart_products`` rows (by shop and product_id)."""
    cols = [c.name for c in opencart_products.columns if c.name not in ("shop", "product_id")]
    upsert(conn, opencart_products, rows, keys=("shop", "product_id"), update=cols)


def upsert_customers(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or refresh ``opencart_customers`` rows (by shop and customer_id)."""
    cols = [c.name for c in opencart_customers.columns if c.name not in ("shop", "customer_id")]
    upsert(conn, opencart_customers, rows, keys=("shop", "customer_id"), update=cols)


def known_customer_ids(conn: sa.Connection, *, shop: str) -> set[int]:
    """The customer ids the warehouse holds for ``shop``."""
    t = opencart_customers
    return {int(r[0]) for r in conn.execute(sa.select(t.c.customer_id).where(t.c.shop == shop))}
