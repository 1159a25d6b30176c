"""SQLite's upsert goes to the driver directly: it must store exactly what SQLAlchemy's own insert stores."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from oc_connector.sync.load import frame_records, upsert
from oc_connector.sync.normalize import normalize_orders
from oc_connector.warehouse.migrate import upgrade
from oc_connector.warehouse.schema import opencart_order_history, opencart_orders
from tests.sync.fakes import history_row, recorded_orders

T0 = datetime(2026, 11, 27, 1, 0, 0, 123456)


def _order_rows(total: str | None = None) -> list[dict[str, Any]]:
    raws = [dict(r) for r in recorded_orders()]
    if total is not None:
        raws[3]["total"] = total
    rows = frame_records(normalize_orders(raws, shop="s").frame)
    for row in rows:
        row["_first_seen_at"] = T0
        row["_last_synced_at"] = T0
    return rows


def _history_rows() -> list[dict[str, Any]]:
    base = history_row(changed_at=T0, observed_at=T0)
    return [base, dict(base, event_key="k2", notify=True, comment="é ✓"), dict(base, notify=False)]


def _engine(path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def _sqlalchemy_upsert(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str], update: list[str]
) -> None:
    stmt = sqlite.insert(table)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, rows)


def _stored(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()  # noqa: S608


def test_the_driver_path_stores_what_sqlalchemy_stores(tmp_path: Path) -> None:
    fast, reference = _engine(tmp_path / "fast.db"), _engine(tmp_path / "reference.db")
    keys = ["shop", "order_id"]
    update = [c.name for c in opencart_orders.columns if c.name not in (*keys, "_first_seen_at")]
    hkeys = ["shop", "order_id", "source", "event_key"]
    for rows in (_order_rows(), _order_rows(total="12.3456")):  # the second one updates on conflict
        with fast.begin() as conn:
            upsert(conn, opencart_orders, rows, keys=keys, update=update)
            upsert(conn, opencart_order_history, _history_rows(), keys=hkeys, update=[])
        with reference.begin() as conn:
            _sqlalchemy_upsert(conn, opencart_orders, rows, keys, update)
            _sqlalchemy_upsert(conn, opencart_order_history, _history_rows(), hkeys, [])
    stored = _stored(tmp_path / "fast.db", "opencart_orders")
    assert len(stored) == len(_order_rows())
    assert stored == _stored(tmp_path / "reference.db", "opencart_orders")
    history = _stored(tmp_path / "fast.db", "opencart_order_history")
    assert len(history) == 2  # the third row repeats the first one's key: ignored
    assert history == _stored(tmp_path / "reference.db", "opencart_order_history")
    with fast.connect() as conn:  # and it reads back typed, as any row does
        total = conn.execute(
            sa.select(opencart_orders.c.total).where(
                opencart_orders.c.order_id == _order_rows()[3]["order_id"]
            )
        ).scalar()
    assert str(total) == "12.3456"


def test_an_unknown_column_or_a_ragged_row_is_named(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "w.db")
    row = _history_rows()[0]
    keys = ["shop", "order_id", "source", "event_key"]
    with engine.begin() as conn, pytest.raises(ValueError, match="no column 'colour'"):
        upsert(conn, opencart_order_history, [dict(row, colour="red")], keys=keys, update=[])
    ragged = {k: v for k, v in row.items() if k != "comment"}
    with engine.begin() as conn, pytest.raises(ValueError, match="lacks the column 'comment'"):
        upsert(conn, opencart_order_history, [row, ragged], keys=keys, update=[])
    with engine.connect() as conn:  # neither statement stored anything
        assert conn.execute(sa.select(sa.func.count()).select_from(opencart_order_history)).scalar() == 0
