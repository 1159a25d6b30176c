"""The rendered schema files in warehouse/schema/ match the code, and run on their engines."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from oc_connector.warehouse import marts
from oc_connector.warehouse.ddl import DIALECTS, render_ddl
from oc_connector.warehouse.schema import metadata

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "warehouse" / "schema"


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_rendered_schema_is_current(dialect: str) -> None:
    checked_in = (SCHEMA_DIR / f"{dialect}.sql").read_text(encoding="utf-8")
    assert checked_in == render_ddl(dialect), (
        "warehouse/schema is stale: run `python -m oc_connector.warehouse.ddl warehouse/schema`"
    )


def _run_script(engine: sa.Engine, dialect: str) -> set[str]:
    with engine.begin() as conn:
        for statement in render_ddl(dialect).split(";\n"):
            text = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if text:
                conn.exec_driver_sql(text)
    inspector = sa.inspect(engine)
    return set(inspector.get_table_names()) | set(inspector.get_view_names())


def test_sqlite_script_creates_every_table_and_mart(sqlite_engine: sa.Engine) -> None:
    created = _run_script(sqlite_engine, "sqlite")
    assert set(metadata.tables) | set(marts.MARTS) <= created


@pytest.mark.postgres
def test_postgresql_script_creates_every_table_and_mart(postgres_engine: sa.Engine) -> None:
    created = _run_script(postgres_engine, "postgresql")
    assert set(metadata.tables) | set(marts.MARTS) <= created
