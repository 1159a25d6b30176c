"""BI marts: SQL views defined in ``oc_connector/warehouse/sql/*.sql``, (re)created on every upgrade."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from oc_connector.errors import ConfigurationError
from oc_connector.warehouse.migrate import register_view_hook

MART_DIR = Path(__file__).with_name("sql")
MARTS: tuple[str, ...] = (
    "mart_daily_sales",
    "mart_order_status_funnel",
    "mart_order_time_in_status",
    "mart_customers",
    "mart_voucher_liability",
)
UNKEYED_MARTS: frozenset[str] = frozenset({"mart_voucher_liability"})
"""Marts without a ``shop`` column (the reverse-ETL ledger is not keyed by shop)."""

# Dialect-specific fragments substituted into the view files ({name} placeholders).
_FRAGMENTS: dict[str, dict[str, str]] = {
    "sqlite": {
        "day_expr": "substr(o.date_added, 1, 10)",
        "seconds_expr": (
            "CAST(ROUND((julianday(COALESCE(left_at, CURRENT_TIMESTAMP)) - julianday(entered_at))"
            " * 86400) AS INTEGER)"
        ),
    },
    "default": {
        "day_expr": "CAST(o.date_added AS DATE)",
        "seconds_expr": (
            "CAST(EXTRACT(EPOCH FROM (COALESCE(left_at, CAST(CURRENT_TIMESTAMP AS TIMESTAMP))"
            " - entered_at)) AS BIGINT)"
        ),
    },
}


def mart_sql(name: str, *, dialect: str) -> str:
    """Return the SELECT of one mart rendered for a dialect.

    Args:
        name: mart (view) name, one of ``MARTS``.
        dialect: SQLAlchemy dialect name ("sqlite", "postgresql", "duckdb", ...).

    Returns:
        The SELECT statement text.
    """
    fragments = _FRAGMENTS.get(dialect, _FRAGMENTS["default"])
    return (MART_DIR / f"{name}.sql").read_text(encoding="utf-8").format(**fragments)


def create_marts_on(conn: sa.Connection) -> None:
    """Create or replace every mart view on an open connection (the migration view hook).

    Args:
        conn: connection inside the caller's transaction.
    """
    dialect = conn.dialect.name
    for name in MARTS:
        conn.execute(sa.text(f"DROP VIEW IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE VIEW {name} AS\n{mart_sql(name, dialect=dialect)}"))


def create_marts(engine: sa.Engine) -> None:
    """Create or replace the mart views in one transaction.

    Args:
        engine: the warehouse engine (tables must exist: run
            ``oc_connector.warehouse.migrate.upgrade`` first).
    """
    with engine.begin() as conn:
        create_marts_on(conn)


register_view_hook(create_marts_on)


# -- data-quality queries used by the Dagster asset checks (SQL stays in the warehouse package) --

_QUALITY_SQL: dict[str, str] = {
    "duplicate_order_ids": (
        "SELECT COUNT(*) FROM (SELECT shop, order_id FROM opencart_orders"
        " GROUP BY shop, order_id HAVING COUNT(*) > 1) d"
    ),
    "negative_totals": "SELECT COUNT(*) FROM opencart_orders WHERE total < 0 AND _deleted_at IS NULL",
    "history_status_mismatches": (
        "SELECT COUNT(*) FROM opencart_orders o JOIN ("
        " SELECT h.shop, h.order_id, h.order_status_id, ROW_NUMBER() OVER ("
        "  PARTITION BY h.shop, h.order_id ORDER BY h.changed_at DESC, h.id DESC) AS rn"
        " FROM opencart_order_history h WHERE h.source = 'observed') l"
        " ON l.shop = o.shop AND l.order_id = o.order_id AND l.rn = 1"
        " WHERE o._deleted_at IS NULL AND l.order_status_id <> o.order_status_id"
    ),
}


# the same rules for one shop (``:shop``)
_SHOP_QUALITY_SQL: dict[str, str] = {
    "duplicate_order_ids": (
        "SELECT COUNT(*) FROM (SELECT order_id FROM opencart_orders WHERE shop = :shop"
        " GROUP BY order_id HAVING COUNT(*) > 1) d"
    ),
    "negative_totals": (
        "SELECT COUNT(*) FROM opencart_orders WHERE shop = :shop AND total < 0 AND _deleted_at IS NULL"
    ),
    "history_status_mismatches": _QUALITY_SQL["history_status_mismatches"] + " AND o.shop = :shop",
}


def quality_counts(engine: sa.Engine, *, shop: str | None = None) -> dict[str, int]:
    """Count rows violating each data-quality rule (0 everywhere means healthy).

    Args:
        engine: the warehouse engine.
        shop: count only this shop's rows (default: every shop).

    Returns:
        ``duplicate_order_ids``, ``negative_totals`` and ``history_status_mismatches`` counts.
    """
    queries, params = (_QUALITY_SQL, {}) if shop is None else (_SHOP_QUALITY_SQL, {"shop": shop})
    with engine.connect() as conn:
        return {name: int(conn.execute(sa.text(sql), params).scalar() or 0) for name, sql in queries.items()}


def unexplained_gaps(engine: sa.Engine, *, shop: str) -> list[int]:
    """Order ids at or below the shop's high-water mark that the sync neither loaded nor saw absent.

    The sync keeps every id it read: loaded orders (soft-deleted once they answer not-found),
    quarantined ids, and ids the shop answered not-found for before they were ever loaded
    (``opencart_absent_ids``: deleted before the first sync, or skipped). An id in none of them is a
    gap nobody explained (e.g. a warehouse edited by hand, or a backfill of the wrong range).

    Args:
        engine: the warehouse engine.
        shop: the shop key.

    Returns:
        The unexplained ids, ascending (at most 1000).
    """
    with engine.connect() as conn:
        hwm = conn.execute(
            sa.text("SELECT high_water_mark FROM opencart_sync_state WHERE shop = :s"), {"s": shop}
        ).scalar()
        known = {
            int(r[0])
            for r in conn.execute(
                sa.text("SELECT order_id FROM opencart_orders WHERE shop = :s"), {"s": shop}
            )
        }
        quarantined = {
            int(r[0])
            for r in conn.execute(
                sa.text("SELECT entity_id FROM opencart_quarantine WHERE shop = :s AND entity = 'order'"),
                {"s": shop},
            )
            if str(r[0]).isdigit()
        }
        absent = {
            int(r[0])
            for r in conn.execute(
                sa.text("SELECT order_id FROM opencart_absent_ids WHERE shop = :s"), {"s": shop}
            )
        }
    explained = known | quarantined | absent
    return [i for i in range(1, int(hwm or 0) + 1) if i not in explained][:1000]


def last_sync_finished(engine: sa.Engine, *, shop: str) -> datetime | None:
    """The end time (UTC, naive) of the shop's last finished sync run, or None if it never ran."""
    with engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT last_run_finished_at FROM opencart_sync_state WHERE shop = :s"), {"s": shop}
        ).scalar()
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def count_rows(engine: sa.Engine, *, name: str, shop: str | None = None) -> int:
    """Number of rows a mart view currently returns (only the shop's, given ``shop``).

    Args:
        engine: the warehouse engine.
        name: one of ``MARTS``.
        shop: count the rows of this shop only (the marts without a ``shop`` column: all rows).

    Raises:
        ConfigurationError: ``name`` is not a mart.
    """
    if name not in MARTS:
        raise ConfigurationError(f"unknown mart {name!r}: name must be one of {', '.join(sorted(MARTS))}")
    where = " WHERE shop = :shop" if shop is not None and name not in UNKEYED_MARTS else ""
    with engine.connect() as conn:
        query = sa.text(f"SELECT COUNT(*) FROM {name}{where}")  # noqa: S608 (name checked against MARTS)
        return int(conn.execute(query, {"shop": shop}).scalar() or 0)


def count_table_rows(engine: sa.Engine, table: sa.Table, *, shop: str) -> int:
    """Number of rows of one shop in a table keyed by ``shop`` (e.g. ``opencart_orders``).

    Args:
        engine: the warehouse engine.
        table: a table with a ``shop`` column.
        shop: the shop key.
    """
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(table).where(table.c.shop == shop)
        return int(conn.execute(query).scalar() or 0)


def warehouse_summary(engine: sa.Engine, *, shop: str) -> dict[str, Any]:
    """A short picture of the warehouse for humans (the demo command prints it).

    Args:
        engine: the warehouse engine.
        shop: the shop key.

    Returns:
        ``orders`` (live, status > 0), ``revenue_by_currency`` (order currency -> Decimal, from
        mart_daily_sales), ``statuses`` (status name -> orders), ``history_rows``, ``order_ids`` (the
        first 20 live ids, ascending).
    """
    params = {"s": shop}
    with engine.connect() as conn:
        revenue = {
            str(c): r
            for c, r in conn.execute(
                sa.text(
                    "SELECT currency_code, SUM(revenue_order_currency) FROM mart_daily_sales"
                    " WHERE shop = :s GROUP BY currency_code ORDER BY currency_code"
                ),
                params,
            )
        }
        statuses = {
            str(name): int(n)
            for name, n in conn.execute(
                sa.text(
                    "SELECT order_status, SUM(orders) FROM mart_daily_sales WHERE shop = :s"
                    " GROUP BY order_status ORDER BY order_status"
                ),
                params,
            )
        }
        history = conn.execute(
            sa.text("SELECT COUNT(*) FROM opencart_order_history WHERE shop = :s"), params
        ).scalar()
        ids = [
            int(r[0])
            for r in conn.execute(
                sa.text(
                    "SELECT order_id FROM opencart_orders WHERE shop = :s AND _deleted_at IS NULL"
                    " AND order_status_id <> 0 ORDER BY order_id LIMIT 20"
                ),
                params,
            )
        ]
    return {
        "orders": sum(statuses.values()),
        "revenue_by_currency": revenue,
        "statuses": statuses,
        "history_rows": int(history or 0),
        "order_ids": ids,
    }
