"""Upsert idempotency and counts, additive migration keeping data, schema version recorded."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from oc_connector.sync.load import insert_history, upsert_orders
from oc_connector.sync.normalize import normalize_orders
from oc_connector.warehouse.migrate import current_version, upgrade
from oc_connector.warehouse.schema import SCHEMA_VERSION, opencart_order_history, opencart_orders
from tests.sync.fakes import history_row, recorded_orders

T0 = datetime(2026, 11, 27, 1, 0, 0)
T1 = datetime(2026, 11, 27, 2, 0, 0)


def test_upgrade_records_version_and_is_idempotent(warehouse_engine: sa.Engine) -> None:
    assert current_version(warehouse_engine) == 0
    assert upgrade(warehouse_engine) == SCHEMA_VERSION
    assert upgrade(warehouse_engine) == SCHEMA_VERSION
    assert current_version(warehouse_engine) == SCHEMA_VERSION
    names = set(sa.inspect(warehouse_engine).get_table_names())
    assert {
        "opencart_orders",
        "opencart_order_history",
        "opencart_sync_state",
        "opencart_quarantine",
        "opencart_schema_version",
    } <= names
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM opencart_schema_version")).scalar() == 1


def test_upgrade_from_older_table_adds_column_and_keeps_rows(warehouse_engine: sa.Engine) -> None:
    with warehouse_engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE opencart_quarantine (shop VARCHAR(64) NOT NULL, entity VARCHAR(32) NOT NULL,"
                " entity_id VARCHAR(64) NOT NULL, reason TEXT NOT NULL, raw TEXT NOT NULL,"
                " first_seen_at TIMESTAMP NOT NULL, last_seen_at TIMESTAMP NOT NULL,"
                " PRIMARY KEY (shop, entity, entity_id))"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO opencart_quarantine VALUES ('s', 'order', '7', 'bad', '{}',"
                " '2026-01-01 00:00:00', '2026-01-02 00:00:00')"
            )
        )
    upgrade(warehouse_engine)
    cols = {c["name"] for c in sa.inspect(warehouse_engine).get_columns("opencart_quarantine")}
    assert "resolved" in cols
    with warehouse_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT entity_id, reason, resolved FROM opencart_quarantine")).all()
    assert [(r[0], r[1]) for r in rows] == [("7", "bad")]
    assert rows[0][2] is None  # the added column is nullable; old rows keep their data


def test_upsert_counts_and_idempotency(warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    raws = recorded_orders()
    frame = normalize_orders(raws, shop="s").frame
    with warehouse_engine.begin() as conn:
        first = upsert_orders(conn, frame, now=T0, batch_size=17)
    assert (first.inserted, first.updated, first.unchanged) == (60, 0, 0)
    changed = [dict(r) for r in raws]
    changed[4]["total"] = "99.5000"
    frame2 = normalize_orders(changed, shop="s").frame
    with warehouse_engine.begin() as conn:
        second = upsert_orders(conn, frame2, now=T1)
    assert (second.inserted, second.updated, second.unchanged) == (0, 1, 59)
    assert second.changed_ids == (int(raws[4]["order_id"]),)
    t = opencart_orders
    with warehouse_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() == 60
        row = conn.execute(sa.select(t).where(t.c.order_id == int(raws[4]["order_id"]))).one()
    assert row.total == Decimal("99.5000")
    assert isinstance(row.total, Decimal)
    assert row._first_seen_at == T0
    assert row._last_synced_at == T1
    assert row.firstname == raws[4]["firstname"]


def test_history_insert_ignores_duplicates(warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    row = history_row(changed_at=T0, observed_at=T1)
    with warehouse_engine.begin() as conn:
        assert insert_history(conn, [row]) == 1
        assert insert_history(conn, [row, dict(row, event_key="k2")]) == 1
    with warehouse_engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(opencart_order_history)).scalar()
    assert n == 2
