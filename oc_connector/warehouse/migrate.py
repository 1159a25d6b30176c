"""Additive, idempotent schema upgrades: create missing tables and nullable columns, never drop."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from oc_connector.warehouse.schema import SCHEMA_VERSION, metadata
from oc_connector.warehouse.transactions import begin_write

ViewHook = Callable[[sa.Connection], None]
_view_hooks: list[ViewHook] = []

schema_version_table = sa.Table(
    "opencart_schema_version",
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()),
)


def register_view_hook(hook: ViewHook) -> None:
    """Register a callable that (re)creates views after tables are upgraded.

    Args:
        hook: receives the open connection of the upgrade transaction; must be idempotent.
    """
    if hook not in _view_hooks:
        _view_hooks.append(hook)


def current_version(engine: sa.Engine) -> int:
    """The schema version recorded in the warehouse (0 when never upgraded)."""
    if not sa.inspect(engine).has_table(schema_version_table.name):
        return 0
    with engine.connect() as conn:
        value = conn.execute(sa.select(sa.func.max(schema_version_table.c.version))).scalar()
    return int(value or 0)


def _add_missing_columns(conn: sa.Connection, table: sa.Table) -> None:
    if conn.dialect.name == "duckdb":  # duckdb-engine's column reflection is incomplete
        query = sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t"
        ).bindparams(t=table.name)
        existing = {str(r[0]) for r in conn.execute(query)}
    else:
        existing = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
    preparer = conn.dialect.identifier_preparer
    for column in table.columns:
        if column.name in existing:
            continue
        col_type = column.type.compile(dialect=conn.dialect)
        # identifiers come from our own schema, never from input; values are not interpolated
        conn.execute(
            sa.text(
                f"ALTER TABLE {preparer.format_table(table)} "
                f"ADD COLUMN {preparer.format_column(column)} {col_type}"
            )
        )


def upgrade(engine: sa.Engine) -> int:
    """Bring the warehouse up to :data:`SCHEMA_VERSION`, keeping every existing row.

    Safe to call at every run: creates missing tables, adds missing (nullable) columns, runs the
    registered view hooks and records the version.

    Args:
        engine: the warehouse engine.

    Returns:
        The schema version now recorded.
    """
    attempts = 3
    for attempt in range(attempts):
        try:
            return _upgrade_once(engine)
        except sa.exc.DBAPIError:
            # another process upgrading at the same moment created the same object first;
            # the next attempt sees it and skips it
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _upgrade_once(engine: sa.Engine) -> int:
    # the view hooks rewrite views at every upgrade: on SQLite, wait for a writer in another process
    with begin_write(engine) as conn:
        schema_version_table.create(conn, checkfirst=True)
        metadata.create_all(conn, checkfirst=True)
        for table in metadata.sorted_tables:
            _add_missing_columns(conn, table)
        for hook in _view_hooks:
            hook(conn)
        recorded = conn.execute(sa.select(sa.func.max(schema_version_table.c.version))).scalar()
        if recorded is None or int(recorded) < SCHEMA_VERSION:
            conn.execute(schema_version_table.insert().values(version=SCHEMA_VERSION))
    return SCHEMA_VERSION
