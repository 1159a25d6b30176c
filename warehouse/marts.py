"""BI marts: SQL views defined in ``warehouse/marts/*.sql``, created or replaced on every upgrade."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from warehouse.migrate import register_view_hook

MART_DIR = Path(__file__).with_name("marts")
MARTS: tuple[str, ...] = (
    "mart_daily_sales",
    "mart_order_status_funnel",
    "mart_order_time_in_status",
    "mart_customers",
    "mart_voucher_liability",
)

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
        engine: the warehouse engine (tables must exist: run ``warehouse.migrate.upgrade`` first).
    """
    with engine.begin() as conn:
        create_marts_on(conn)


register_view_hook(create_marts_on)
