"""BI marts: SQL views defined in ``oc_connector/warehouse/sql/*.sql``, (re)created on every upgrade.

The view files are templates: ``{name}`` placeholders are dialect fragments (:data:`_FRAGMENTS`), and
three formatters take a SQL expression after a colon, ``{money_sum:o.total}``:

``money``
    one amount as the mart presents it: ``NUMERIC(15, 4)`` on PostgreSQL and DuckDB; on SQLite a
    REAL holding the exact amount (the nearest double, which prints back as the amount: at most 15
    significant digits).
``money_sum``
    an exact sum, as ``NUMERIC(18, 4)``; on SQLite the amounts are summed as integers of 0.0001
    (:func:`oc_connector.warehouse.types.scaled_integer_sql`) and the exact result presented as above.
``flag``
    a condition as a boolean column (``BOOLEAN``; ``INTEGER`` 0/1 on SQLite, which has no boolean).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from oc_connector.errors import ConfigurationError
from oc_connector.warehouse import dictionary
from oc_connector.warehouse.migrate import register_view_hook
from oc_connector.warehouse.revenue import default_statuses_sql
from oc_connector.warehouse.types import scaled_integer_sql

MART_DIR = Path(__file__).with_name("sql")
MARTS: tuple[str, ...] = (
    "mart_orders",
    "mart_daily_sales",
    "mart_sales_by_product",
    "mart_tax_shipping",
    "mart_customers",
    "mart_order_status_funnel",
    "mart_order_time_in_status",
    "mart_voucher_liability",
)
"""Every mart, in creation order (a mart may read the ones before it: most read ``mart_orders``)."""

UNKEYED_MARTS: frozenset[str] = frozenset({"mart_voucher_liability"})
"""Marts without a ``shop`` column (the reverse-ETL ledger is not keyed by shop)."""

_RETIRED: tuple[str, ...] = ()
"""Marts of earlier versions, dropped by the upgrade."""

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


class _Formatter:
    """``{money:expr}`` / ``{money_sum:expr}`` / ``{flag:expr}`` / ``{order_currency:total,rate}``."""

    def __init__(self, kind: str, dialect: str) -> None:
        self.kind = kind
        self.dialect = dialect

    def __format__(self, expr: str) -> str:
        sqlite = self.dialect == "sqlite"
        if self.kind == "money":
            return f"CAST({expr} AS REAL)" if sqlite else f"CAST({expr} AS NUMERIC(15, 4))"
        if self.kind == "money_sum":
            units = scaled_integer_sql(expr, scale=4, dialect=self.dialect)
            return f"CAST(SUM({units}) AS REAL) / 10000" if sqlite else f"CAST(SUM({expr}) AS NUMERIC(18, 4))"
        if self.kind == "flag":
            case = f"CASE WHEN {expr} THEN 1 ELSE 0 END"
            return case if sqlite else f"CAST({case} AS BOOLEAN)"
        if self.kind == "order_currency":
            total, rate = (part.strip() for part in expr.split(","))
            return _order_currency(total, rate, dialect=self.dialect)
        raise ValueError(f"unknown mart formatter {self.kind!r}")


def _order_currency(total: str, rate: str, *, dialect: str) -> str:
    """``ROUND(total * rate, 4)`` (half away from zero), exact on every engine.

    On SQLite in integers: total in 0.0001 units (t4) times the rate in 1e-8 units (r8) is the
    amount in 1e-12 units, which can pass 2**63; it is split as t4 * (r8 // 10**4) * 10**4 +
    t4 * (r8 % 10**4), so every intermediate stays below 2**63 while the amount in the order
    currency is below 9.2 * 10**10 (beyond that SQLite turns the product into a REAL).
    """
    if dialect != "sqlite":
        # widened first: DuckDB multiplies two DECIMAL(15, s) in 64 bits and overflows
        return f"CAST(ROUND(CAST({total} AS NUMERIC(20, 4)) * {rate}, 4) AS NUMERIC(15, 4))"
    t4 = f"ABS({scaled_integer_sql(total, scale=4, dialect=dialect)})"
    r8 = scaled_integer_sql(rate, scale=8, dialect=dialect)
    high = f"({t4} * ({r8} / 10000))"
    units = f"({high} / 10000 + (({high} % 10000) * 10000 + {t4} * ({r8} % 10000) + 50000000) / 100000000)"
    signed = f"(CASE WHEN CAST({total} AS REAL) < 0 THEN -{units} ELSE {units} END)"
    return f"CAST({signed} AS REAL) / 10000"


def mart_sql(name: str, *, dialect: str) -> str:
    """Return the SELECT of one mart rendered for a dialect.

    Args:
        name: mart (view) name, one of ``MARTS``.
        dialect: SQLAlchemy dialect name ("sqlite", "postgresql", "duckdb", ...).

    Returns:
        The SELECT statement text.
    """
    fragments: dict[str, Any] = dict(_FRAGMENTS.get(dialect, _FRAGMENTS["default"]))
    fragments["default_statuses"] = default_statuses_sql()
    for kind in ("money", "money_sum", "flag", "order_currency"):
        fragments[kind] = _Formatter(kind, dialect)
    return (MART_DIR / f"{name}.sql").read_text(encoding="utf-8").format(**fragments)


def create_marts_on(conn: sa.Connection) -> None:
    """Create or replace every mart view on an open connection (the migration view hook).

    Views are dropped in reverse order first (a mart may read an earlier one), then created and
    given the data dictionary's comments (PostgreSQL, DuckDB).

    Args:
        conn: connection inside the caller's transaction.
    """
    dialect = conn.dialect.name
    for name in (*reversed(MARTS), *_RETIRED):
        conn.execute(sa.text(f"DROP VIEW IF EXISTS {name}"))
    for name in MARTS:
        conn.execute(sa.text(f"CREATE VIEW {name} AS\n{mart_sql(name, dialect=dialect)}"))
    dictionary.comment_on(conn, MARTS)  # views lose their comments when they are replaced


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
        ``orders`` (live, status > 0), ``revenue_by_currency`` (order currency -> net revenue,
        from mart_daily_sales: revenue orders only), ``statuses`` (status name -> orders),
        ``history_rows``, ``order_ids`` (the first 20 live ids, ascending).
    """
    params = {"s": shop}
    with engine.connect() as conn:
        revenue = {
            str(c): r
            for c, r in conn.execute(
                sa.text(
                    "SELECT currency_code, SUM(net_order_currency) FROM mart_daily_sales"
                    " WHERE shop = :s GROUP BY currency_code ORDER BY currency_code"
                ),
                params,
            )
        }
        statuses = {
            str(name): int(n)
            for name, n in conn.execute(
                sa.text(
                    "SELECT order_status, COUNT(*) FROM mart_orders WHERE shop = :s"
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
