"""Marts on SQLite and PostgreSQL: known rows in, exact view contents out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.marts import MARTS, create_marts
from oc_connector.warehouse.migrate import upgrade
from oc_connector.warehouse.orders_schema import opencart_order_history, opencart_orders

T0 = dt.datetime(2026, 3, 1, 10, 0, 0)


def _order(order_id: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "shop": "s1",
        "order_id": order_id,
        "store_id": 0,
        "store_name": "Main",
        "customer_id": 0,
        "email": None,
        "order_status_id": 1,
        "order_status": "Pending",
        "currency_code": "USD",
        "currency_value": Decimal("1"),
        "total": Decimal("10"),
        "date_added": T0,
        "date_modified": T0,
        "_raw": "{}",
        "_hash": "h",
        "_first_seen_at": T0,
        "_last_synced_at": T0,
        "_deleted_at": None,
    }
    row.update(values)
    return row


def _history(order_id: int, status_id: int, status: str, at: dt.datetime, n: int) -> dict[str, Any]:
    return {
        "shop": "s1",
        "order_id": order_id,
        "source": "observed",
        "order_status_id": status_id,
        "order_status": status,
        "changed_at": at,
        "changed_on": at.date(),
        "comment": "",
        "notify": False,
        "observed_at": at,
        "event_key": f"k{n}",
    }


def _seed(engine: sa.Engine) -> None:
    upgrade(engine)
    create_marts(engine)
    orders = [
        _order(1, customer_id=7, email="A@x.org", total=Decimal("100")),
        _order(2, customer_id=7, email="a@x.org", total=Decimal("50"),
               date_added=T0 + dt.timedelta(days=1)),
        _order(3, email="Guest@x.org", currency_code="EUR", currency_value=Decimal("0.5"),
               total=Decimal("20"), order_status_id=5, order_status="Complete"),
        _order(4, email="guest@x.org", currency_code="EUR", currency_value=Decimal("0.5"),
               total=Decimal("40"), order_status_id=5, order_status="Complete"),
        _order(5, total=Decimal("999"), order_status_id=0, order_status=""),  # abandoned
        _order(6, total=Decimal("777"), _deleted_at=T0),  # deleted
    ]
    history = [
        _history(3, 1, "Pending", T0, 1),
        _history(3, 2, "Processing", T0 + dt.timedelta(hours=2), 2),
        _history(3, 5, "Complete", T0 + dt.timedelta(hours=5), 3),
        _history(4, 1, "Pending", T0, 4),
        _history(4, 5, "Complete", T0 + dt.timedelta(minutes=30), 5),
        _history(1, 1, "Pending", T0, 6),
    ]
    now = dt.datetime(2026, 3, 2)
    ledger = [
        {"request_key": "r1", "channel": "admin", "batch_id": "spring", "code": "C1",
         "amount": Decimal("25"), "state": "confirmed", "created_at": now, "updated_at": now},
        {"request_key": "r2", "channel": "admin", "batch_id": "spring", "code": "C2",
         "amount": Decimal("10"), "state": "issued", "created_at": now, "updated_at": now},
        {"request_key": "r3", "channel": "admin", "batch_id": "spring", "code": None,
         "amount": Decimal("5"), "state": "rejected", "created_at": now, "updated_at": now},
    ]
    with engine.begin() as conn:
        conn.execute(opencart_orders.insert(), orders)
        conn.execute(opencart_order_history.insert(), history)
        conn.execute(voucher_ledger.insert(), ledger)


def _rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def _ts(value: Any) -> dt.datetime:
    """A timestamp read through a view: a datetime on PostgreSQL, ISO text on SQLite."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_daily_sales_excludes_deleted_and_status_zero(warehouse_engine: sa.Engine) -> None:
    _seed(warehouse_engine)
    rows = _rows(
        warehouse_engine,
        "SELECT CAST(day AS VARCHAR(10)), store_id, currency_code, orders, revenue_orders,"
        " net_order_currency, net_default_currency FROM mart_daily_sales ORDER BY day, currency_code",
    )
    got = [(d, s, c, n, r, _dec(r1), _dec(r2)) for d, s, c, n, r, r1, r2 in rows]
    # Pending (1) and Complete (5) are both in the 3.0 default processing statuses
    assert got == [
        ("2026-03-01", 0, "EUR", 2, 2, _dec(30), _dec(60)),
        ("2026-03-01", 0, "USD", 1, 1, _dec(100), _dec(100)),
        ("2026-03-02", 0, "USD", 1, 1, _dec(50), _dec(50)),
    ]


def test_customers_group_registered_by_id_and_guests_by_email(warehouse_engine: sa.Engine) -> None:
    _seed(warehouse_engine)
    rows = _rows(
        warehouse_engine,
        "SELECT customer_key, customer_id, orders, lifetime_value_default_currency FROM mart_customers"
        " ORDER BY customer_key",
    )
    assert [(k, c, n, _dec(r)) for k, c, n, r in rows] == [
        ("customer:7", 7, 2, _dec(150)),
        ("guest:guest@x.org", None, 2, _dec(60)),
    ]


def test_status_funnel_counts_orders_that_reached_each_status(warehouse_engine: sa.Engine) -> None:
    _seed(warehouse_engine)
    rows = _rows(
        warehouse_engine,
        "SELECT order_status_id, order_status, orders_reached FROM mart_order_status_funnel"
        " ORDER BY order_status_id",
    )
    assert rows == [(1, "Pending", 3), (2, "Processing", 1), (5, "Complete", 2)]


def test_status_funnel_counts_admin_history_by_status_name(warehouse_engine: sa.Engine) -> None:
    """Admin rows have no status id: a name seen with an id counts under it, an unknown name is left out."""
    _seed(warehouse_engine)

    def admin(order_id: int, status: str, n: int) -> dict[str, Any]:
        row = _history(order_id, 0, status, T0, n)
        return {**row, "source": "admin", "order_status_id": None, "changed_at": None}

    with warehouse_engine.begin() as conn:
        conn.execute(
            opencart_order_history.insert(),
            [admin(4, "Processing", 100), admin(4, "Complete", 101), admin(1, "Shipped", 102)],
        )
    rows = _rows(
        warehouse_engine,
        "SELECT order_status_id, order_status, orders_reached FROM mart_order_status_funnel"
        " ORDER BY order_status_id",
    )
    # order 4 passed Processing (seen only by the admin history); "Shipped" has no known id
    assert rows == [(1, "Pending", 3), (2, "Processing", 2), (5, "Complete", 2)]


def test_time_in_status_from_observed_history(warehouse_engine: sa.Engine) -> None:
    _seed(warehouse_engine)
    rows = _rows(
        warehouse_engine,
        "SELECT order_id, order_status_id, seconds_in_status FROM mart_order_time_in_status"
        " WHERE left_at IS NOT NULL ORDER BY order_id, entered_at",
    )
    assert rows == [(3, 1, 7200), (3, 2, 10800), (4, 1, 1800)]
    open_rows = _rows(
        warehouse_engine,
        "SELECT order_id, order_status_id FROM mart_order_time_in_status WHERE left_at IS NULL"
        " ORDER BY order_id",
    )
    assert open_rows == [(1, 1), (3, 5), (4, 5)]


def test_time_in_status_is_not_split_by_an_edit_that_keeps_the_status(warehouse_engine: sa.Engine) -> None:
    _seed(warehouse_engine)
    hour = dt.timedelta(hours=1)
    with warehouse_engine.begin() as conn:
        conn.execute(
            opencart_order_history.insert(),
            [
                _history(7, 1, "Pending", T0, 200),
                _history(7, 1, "Pending", T0 + hour, 201),  # date_modified moved, status kept
                _history(7, 2, "Processing", T0 + 3 * hour, 202),
                _history(7, 2, "Processing", T0 + 4 * hour, 203),
            ],
        )
    rows = _rows(
        warehouse_engine,
        "SELECT order_status_id, entered_at, left_at, seconds_in_status FROM mart_order_time_in_status"
        " WHERE order_id = 7 ORDER BY entered_at",
    )
    assert [(s, _ts(e), _ts(left) if left else None) for s, e, left, _ in rows] == [
        (1, T0, T0 + 3 * hour),
        (2, T0 + 3 * hour, None),
    ]
    assert rows[0][3] == 3 * 3600


def test_voucher_liability(warehouse_engine: sa.Engine) -> None:
    _seed(warehouse_engine)
    rows = _rows(
        warehouse_engine,
        "SELECT campaign, channel, vouchers_confirmed, amount_confirmed, vouchers_pending,"
        " amount_pending, amount_outstanding FROM mart_voucher_liability",
    )
    assert [(c, ch, n1, _dec(a1), n2, _dec(a2), _dec(o)) for c, ch, n1, a1, n2, a2, o in rows] == [
        ("spring", "admin", 1, _dec(25), 1, _dec(10), _dec(35)),
    ]


def test_create_marts_is_idempotent_and_creates_every_view(warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    create_marts(warehouse_engine)
    create_marts(warehouse_engine)
    views = set(sa.inspect(warehouse_engine).get_view_names())
    assert set(MARTS) <= views
