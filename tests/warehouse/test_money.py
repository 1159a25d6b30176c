"""Money is exact on every engine: each money column of each table reads back as the Decimal written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import oc_connector.warehouse.marts  # noqa: F401  (registers the mart views with upgrade)
from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.migrate import convert_sqlite_money, upgrade
from oc_connector.warehouse.types import ExactDecimal

T0 = dt.datetime(2026, 3, 1, 10, 0, 0)

# awkward amounts: 0.1 + 0.2, the mart revenue that drifted on SQLite, the largest NUMERIC(15, 4),
# negatives, the smallest unit, and a value with a sixth decimal that rounds half away from zero
MONEY_VALUES = [
    Decimal("0.1") + Decimal("0.2"),
    Decimal("197.0535"),
    Decimal("99999999999.9999"),
    Decimal("-99999999999.9999"),
    Decimal("-12345.6789"),
    Decimal("0.0001"),
    Decimal("-0.0001"),
    Decimal("0"),
    Decimal("1234567.8901"),
]
RATE_VALUES = [
    Decimal("0.78460002"),
    Decimal("1.00000000"),
    Decimal("1234567.12345678"),
    Decimal("0.00000001"),
    Decimal("-0.3"),
    Decimal("0.1") + Decimal("0.2"),
    Decimal("150.25"),
    Decimal("9999999.99999999"),
    Decimal("0.5"),
]
MONEY_COLUMNS = [
    (table.name, column.name)
    for table in metadata.sorted_tables
    for column in table.columns
    if isinstance(column.type, ExactDecimal)
]


@pytest.fixture
def duckdb_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest) -> sa.Engine:
    return request.getfixturevalue(f"{request.param}_engine")


def _filler(column: sa.Column[Any], n: int) -> Any:
    """A valid value for a required column that is not under test (row n)."""
    overrides = {"state": "confirmed", "channel": "admin", "source": "observed"}
    if column.name in overrides:
        return overrides[column.name]
    python_type = column.type.python_type
    if python_type is bool:
        return False
    if python_type is int:
        return n
    if python_type is dt.datetime:
        return T0
    if python_type is dt.date:
        return T0.date()
    if python_type is Decimal:
        return Decimal("1")
    return f"v{n}"[: getattr(column.type, "length", None) or 20]


def _rows(table: sa.Table) -> list[dict[str, Any]]:
    rows = []
    for n, (money, rate) in enumerate(zip(MONEY_VALUES, RATE_VALUES, strict=True)):
        row: dict[str, Any] = {}
        for column in table.columns:
            if isinstance(column.type, ExactDecimal):
                row[column.name] = rate if column.type.scale == 8 else money
            elif (column.primary_key or not column.nullable) and column.server_default is None:
                row[column.name] = _filler(column, n)
        rows.append(row)
    return rows


def test_every_money_column_is_covered() -> None:
    assert len(MONEY_COLUMNS) >= 10, MONEY_COLUMNS
    assert ("opencart_orders", "total") in MONEY_COLUMNS
    assert ("opencart_order_products", "line_total") in MONEY_COLUMNS
    assert ("opencart_voucher_ledger", "amount") in MONEY_COLUMNS


def test_money_round_trips_exactly(any_engine: sa.Engine) -> None:
    upgrade(any_engine)
    tables = {name for name, _ in MONEY_COLUMNS}
    for name in sorted(tables):
        table = metadata.tables[name]
        rows = _rows(table)
        with any_engine.begin() as conn:
            conn.execute(table.insert(), rows)
        money = [c for c in table.columns if isinstance(c.type, ExactDecimal)]
        order = [c for c in table.primary_key.columns]
        with any_engine.connect() as conn:
            got = [tuple(r) for r in conn.execute(sa.select(*money).order_by(*order))]
        key = [tuple(r[c.name] for c in order) for r in rows]
        expected = [tuple(r[c.name] for c in money) for _, r in sorted(zip(key, rows, strict=True))]
        assert got == expected, name
        assert all(type(v) is Decimal for row in got for v in row), name
        # the database itself holds the exact value (no float anywhere on the way)
        with any_engine.connect() as conn:
            for column in money:
                hits = conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(column == rows[1][column.name])
                ).scalar()
                assert hits >= 1, (name, column.name)


def test_sqlite_stores_decimal_text(sqlite_engine: sa.Engine) -> None:
    upgrade(sqlite_engine)
    table = metadata.tables["opencart_orders"]
    with sqlite_engine.begin() as conn:
        conn.execute(table.insert(), _rows(table))
        kinds = {r[0] for r in conn.execute(sa.text("SELECT typeof(total) FROM opencart_orders"))}
        texts = [r[0] for r in conn.execute(sa.text("SELECT total FROM opencart_orders ORDER BY order_id"))]
    assert kinds == {"text"}
    assert texts[:3] == ["0.3000", "197.0535", "99999999999.9999"]


def test_a_value_rounds_half_away_from_zero_like_postgresql(any_engine: sa.Engine) -> None:
    upgrade(any_engine)
    table = metadata.tables["opencart_products"]
    row = {"shop": "s", "name": "n", "model": "m", "_synced_at": T0}
    with any_engine.begin() as conn:
        conn.execute(
            table.insert(),
            [{**row, "product_id": 1, "price": Decimal("0.00005")},
             {**row, "product_id": 2, "price": Decimal("-2.12345")},
             {**row, "product_id": 3, "price": 0.1},
             {**row, "product_id": 4, "price": Decimal("-0.00001")}],  # no negative zero
        )
        got = [r[0] for r in conn.execute(sa.select(table.c.price).order_by(table.c.product_id))]
    assert got == [Decimal("0.0001"), Decimal("-2.1235"), Decimal("0.1000"), Decimal("0.0000")]
    assert not got[3].is_signed()


OLD_ORDERS = """CREATE TABLE opencart_order_totals (
    shop VARCHAR(64) NOT NULL, order_id BIGINT NOT NULL, line_no INTEGER NOT NULL,
    code VARCHAR(32), title TEXT NOT NULL, value NUMERIC(15, 4) NOT NULL, currency_code VARCHAR(3),
    _synced_at DATETIME NOT NULL, PRIMARY KEY (shop, order_id, line_no))"""


def test_an_existing_sqlite_warehouse_is_converted_once(sqlite_engine: sa.Engine) -> None:
    """Money a schema-4 warehouse stored as REAL becomes its exact decimal text; other data is kept."""
    values = ["0.3", "197.0535", "99999999999.9999", "-12345.6789", "10"]
    with sqlite_engine.begin() as conn:
        conn.execute(sa.text(OLD_ORDERS))
        conn.execute(sa.text("CREATE VIEW totals_view AS SELECT shop, value FROM opencart_order_totals"))
        for n, value in enumerate(values):
            conn.execute(
                sa.text(
                    "INSERT INTO opencart_order_totals VALUES ('s', 1, :n, 'total', 'Total', :v, 'EUR',"
                    " '2026-01-01 00:00:00')"
                ),
                {"n": n, "v": float(value)},
            )
        stored = {r[0] for r in conn.execute(sa.text("SELECT typeof(value) FROM opencart_order_totals"))}
    assert "real" in stored  # what the old declaration did with the amounts
    upgrade(sqlite_engine)
    assert convert_sqlite_money(sqlite_engine) == []  # converted once; nothing left to do
    table = metadata.tables["opencart_order_totals"]
    with sqlite_engine.connect() as conn:
        got = [r[0] for r in conn.execute(sa.select(table.c.value).order_by(table.c.line_no))]
        kinds = {r[0] for r in conn.execute(sa.text("SELECT typeof(value) FROM opencart_order_totals"))}
        titles = {r[0] for r in conn.execute(sa.text("SELECT title FROM opencart_order_totals"))}
        through_view = conn.execute(sa.text("SELECT COUNT(*) FROM totals_view")).scalar()
        tables = {r[0] for r in conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type='table'"))}
    assert got == [Decimal(v).quantize(Decimal("0.0001")) for v in values]
    assert kinds == {"text"}
    assert titles == {"Total"}
    assert through_view == len(values)
    assert "opencart_order_totals__numeric" not in tables
