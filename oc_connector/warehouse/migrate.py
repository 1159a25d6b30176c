"""Additive, idempotent schema upgrades: create missing tables and nullable columns, never drop."""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from oc_connector.warehouse.schema import SCHEMA_VERSION, metadata
from oc_connector.warehouse.transactions import SQLITE_BUSY_TIMEOUT_MS, begin_write
from oc_connector.warehouse.types import ExactDecimal

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
            if engine.dialect.name == "sqlite":
                convert_sqlite_money(engine)
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


# -- one-off conversion (schema 6): SQLite money from NUMERIC (REAL affinity) to exact decimal text --


def _sqlite_tables_to_convert(conn: sa.Connection) -> list[sa.Table]:
    """Tables with an ExactDecimal column still declared the old way (``NUMERIC``: REAL affinity)."""
    out = []
    for table in metadata.sorted_tables:
        exact = {c.name for c in table.columns if isinstance(c.type, ExactDecimal)}
        if not exact:
            continue
        quoted = conn.dialect.identifier_preparer.quote(table.name)
        info = conn.exec_driver_sql(f"PRAGMA table_info({quoted})")
        declared = {str(row[1]): str(row[2]).upper() for row in info}
        if any(name in declared and not declared[name].startswith("DECIMAL_TEXT") for name in exact):
            out.append(table)
    return out


def _rebuild_sqlite_table(conn: sa.Connection, table: sa.Table) -> None:
    prep = conn.dialect.identifier_preparer
    name = prep.quote(table.name)
    old = prep.quote(f"{table.name}__numeric")
    existing = [str(r[1]) for r in conn.exec_driver_sql(f"PRAGMA table_info({name})")]
    # the table's own indexes go with it; create() below makes them again on the new table
    indexes = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table.name,),
    ).all()
    for (index,) in indexes:
        conn.exec_driver_sql(f"DROP INDEX {prep.quote(str(index))}")
    conn.exec_driver_sql(f"ALTER TABLE {name} RENAME TO {old}")
    table.create(conn)
    columns, values = [], []
    for column in table.columns:
        if column.name not in existing:
            continue
        quoted = prep.quote(column.name)
        columns.append(quoted)
        if isinstance(column.type, ExactDecimal):
            # the stored double is the nearest one to a decimal of at most 15 digits: printf rounds it back
            values.append(
                f"CASE WHEN {quoted} IS NULL THEN NULL ELSE printf('%.{column.type.scale}f', {quoted}) END"
            )
        else:
            values.append(quoted)
    # identifiers come from our own schema and the table itself; no value is interpolated
    conn.exec_driver_sql(
        f"INSERT INTO {name} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {old}"  # noqa: S608
    )
    conn.exec_driver_sql(f"DROP TABLE {old}")


def convert_sqlite_money(engine: sa.Engine) -> list[str]:
    """Rewrite SQLite money columns stored before schema 6 (floating point) as exact decimal text.

    A one-off, idempotent conversion that :func:`upgrade` runs first on SQLite. SQLite cannot change
    a column's declared type, so each affected table is rebuilt in one ``BEGIN IMMEDIATE``
    transaction (all tables or none): renamed aside, created again with ``DECIMAL_TEXT`` money
    columns, its rows copied with every amount printed at the column's scale (the stored double is
    the nearest one to the amount that was written, so the printed text is that amount), and the
    old table dropped. Views are left alone (they name tables, not their storage).

    Args:
        engine: a SQLite warehouse engine.

    Returns:
        The names of the tables converted (empty when there was nothing to do).
    """
    with engine.connect() as conn:
        if not _sqlite_tables_to_convert(conn):
            conn.rollback()
            return []
        conn.rollback()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS:d}")
        conn.exec_driver_sql("PRAGMA legacy_alter_table = ON")  # a rename must not rewrite the views
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the driver sees the open transaction and commits it
            tables = _sqlite_tables_to_convert(conn)  # again, now holding the write lock
            for table in tables:
                _rebuild_sqlite_table(conn, table)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.exec_driver_sql("PRAGMA legacy_alter_table = OFF")
            conn.commit()
    return [t.name for t in tables]
