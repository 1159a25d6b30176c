"""Revenue, products, tax and customers marts: awkward Decimal rows in, exact answers out.

The expected numbers are computed here in Python with Decimal from the same rows (the SQL the
marts must agree with), on SQLite, DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import oc_connector.warehouse.marts  # noqa: F401  (registers the mart views with upgrade)
from oc_connector.warehouse.details_schema import opencart_order_products, opencart_order_totals
from oc_connector.warehouse.migrate import upgrade
from oc_connector.warehouse.orders_schema import opencart_orders
from oc_connector.warehouse.revenue import (
    DEFAULT_COMPLETE_STATUSES,
    DEFAULT_PROCESSING_STATUSES,
    revenue_statuses,
    set_revenue_statuses,
)

T0 = dt.datetime(2026, 3, 1, 10, 0, 0)
DAY2 = T0 + dt.timedelta(days=1)
Q = Decimal("0.0001")

# (order_id, status, currency, rate, total, customer_id, email, date_added)
ORDERS = [
    (1, 1, "USD", "1", "100.1", 7, "A@x.org", T0),  # Pending: revenue by the 3.0 defaults
    (2, 5, "USD", "1", "0.2", 7, "a@x.org", T0),  # Complete
    (3, 5, "EUR", "0.78460002", "197.0535", 0, "Guest@x.org", T0),
    (4, 11, "EUR", "0.5", "0.1235", 0, "guest@x.org", T0),  # Refunded; 0.06175 rounds up to 0.0618
    (5, 7, "USD", "1", "55.55", 8, "b@x.org", T0),  # Canceled: not revenue
    (6, 10, "USD", "1", "197.0535", 8, "b@x.org", T0),  # Failed: not revenue
    (7, 3, "USD", "1", "99999999.9999", 9, "big@x.org", DAY2),  # Shipped, large
    (8, 5, "USD", "1", "-0.1", 9, "big@x.org", DAY2),  # a negative total
    (9, 0, "USD", "1", "999", 0, "x@x.org", T0),  # abandoned checkout: not a live order
]
# order lines: (order_id, line_no, product_id, quantity, line_total)
LINES = [
    (1, 0, 40, 3, "100.1"),
    (2, 0, 40, 1, "0.1"),
    (2, 1, 41, 1, "0.1"),
    (3, 0, 41, 2, "154.6082"),
    (5, 0, 40, 9, "55.55"),  # canceled: not counted
    (7, 0, 42, 1, "99999999.9999"),
]
# order totals: (order_id, line_no, code, value)
TOTALS = [
    (1, 0, "sub_total", "83.4167"),
    (1, 1, "tax", "16.6833"),
    (1, 2, "shipping", "0.1"),
    (1, 3, "total", "100.1"),
    (2, 0, "shipping", "0.2"),
    (3, 0, "tax", "0.1"),
    (3, 1, "tax", "0.2"),
    (3, 2, "shipping", "5.0005"),
]


@pytest.fixture
def duckdb_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    engine: sa.Engine = request.getfixturevalue(f"{request.param}_engine")
    upgrade(engine)
    return engine


def _order_rows() -> list[dict[str, Any]]:
    return [
        {
            "shop": "s1", "order_id": oid, "store_id": 0, "store_name": "Main", "customer_id": cid,
            "email": email, "order_status_id": status, "order_status": f"status {status}",
            "currency_code": cur, "currency_value": Decimal(rate), "total": Decimal(total),
            "date_added": at, "date_modified": at, "_raw": "{}", "_hash": "h", "_first_seen_at": at,
            "_last_synced_at": at, "_deleted_at": None,
        }
        for oid, status, cur, rate, total, cid, email, at in ORDERS
    ]


def _load(engine: sa.Engine, *, lines: bool = True, totals: bool = True) -> None:
    with engine.begin() as conn:
        conn.execute(opencart_orders.insert(), _order_rows())
        if lines:
            conn.execute(
                opencart_order_products.insert(),
                [
                    {"shop": "s1", "order_id": o, "line_no": n, "product_id": p, "name": f"P{p}",
                     "model": f"M{p}", "quantity": q, "unit_price": Decimal(t) / q, "line_total": Decimal(t),
                     "currency_code": None, "options": "[]", "options_text": "", "_synced_at": T0}
                    for o, n, p, q, t in LINES
                ],
            )
        if totals:
            conn.execute(
                opencart_order_totals.insert(),
                [
                    {"shop": "s1", "order_id": o, "line_no": n, "code": c, "title": c, "value": Decimal(v),
                     "currency_code": None, "_synced_at": T0}
                    for o, n, c, v in TOTALS
                ],
            )


def _revenue_ids(processing: tuple[int, ...] = DEFAULT_PROCESSING_STATUSES) -> set[int]:
    statuses = set(processing) | set(DEFAULT_COMPLETE_STATUSES)
    return {o[0] for o in ORDERS if o[1] in statuses}


def _exact(value: Any) -> Decimal | None:
    """A mart amount as a Decimal: NUMERIC on PostgreSQL/DuckDB, a REAL that prints exactly on SQLite."""
    return None if value is None else Decimal(str(value)).quantize(Q)


def _order_currency(total: str, rate: str) -> Decimal:
    return (Decimal(total) * Decimal(rate)).quantize(Q, rounding=ROUND_HALF_UP)


def _select(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_every_live_order_says_whether_it_is_revenue(engine: sa.Engine) -> None:
    _load(engine)
    rows = _select(
        engine,
        "SELECT order_id, is_revenue, is_complete, is_refund, total_default_currency, total_order_currency"
        " FROM mart_orders ORDER BY order_id",
    )
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert {r[0] for r in rows if r[1]} == _revenue_ids() == {1, 2, 3, 7, 8}
    assert {r[0] for r in rows if r[2]} == {2, 3, 7, 8}
    assert {r[0] for r in rows if r[3]} == {4}
    by_id = {o[0]: o for o in ORDERS}
    for oid, *_, default, order_currency in rows:
        _, _, _, rate, total, *_ = by_id[oid]
        assert _exact(default) == Decimal(total).quantize(Q)
        assert _exact(order_currency) == _order_currency(total, rate), oid
    assert _exact(rows[3][5]) == Decimal("0.0618")  # half away from zero, like NUMERIC rounding


def test_daily_sales_gross_refunds_net(engine: sa.Engine) -> None:
    _load(engine)
    rows = _select(
        engine,
        "SELECT CAST(day AS VARCHAR(10)), currency_code, orders, revenue_orders, refunded_orders,"
        " gross_order_currency, refunds_order_currency, net_order_currency, gross_default_currency,"
        " refunds_default_currency, net_default_currency FROM mart_daily_sales ORDER BY 1, 2",
    )
    revenue = _revenue_ids()
    expected = []
    for day, cur in [("2026-03-01", "EUR"), ("2026-03-01", "USD"), ("2026-03-02", "USD")]:
        group = [o for o in ORDERS if o[7].date().isoformat() == day and o[2] == cur and o[1] != 0]
        net = [o for o in group if o[0] in revenue]
        refunds = [o for o in group if o[1] == 11]
        oc = sum((_order_currency(o[4], o[3]) for o in net), Decimal(0))
        ro = sum((_order_currency(o[4], o[3]) for o in refunds), Decimal(0))
        nd = sum((Decimal(o[4]) for o in net), Decimal(0))
        rd = sum((Decimal(o[4]) for o in refunds), Decimal(0))
        expected.append((day, cur, len(group), len(net), len(refunds),
                         (oc + ro).quantize(Q), ro.quantize(Q), oc.quantize(Q),
                         (nd + rd).quantize(Q), rd.quantize(Q), nd.quantize(Q)))
    got = [(*r[:5], *(_exact(v) for v in r[5:])) for r in rows]
    assert got == expected
    # the 0.1 + 0.2 and 197.0535 drift of floating point is gone
    assert got[1][7] == Decimal("100.3000")
    assert got[0][7] == Decimal("154.6082")


def test_statuses_recorded_for_a_shop_change_every_mart(engine: sa.Engine) -> None:
    _load(engine)
    assert revenue_statuses(engine, shop="s1")["processing"] == tuple(sorted(DEFAULT_PROCESSING_STATUSES))
    # this shop does not book Pending orders as sales (strings as the admin settings page holds them)
    set_revenue_statuses(engine, shop="s1", processing=["2", "3", "5"], source="admin")
    assert revenue_statuses(engine, shop="s1") == {
        "processing": (2, 3, 5), "complete": (3, 5), "refund": (11, 13),
    }
    revenue = _select(engine, "SELECT order_id FROM mart_orders WHERE is_revenue ORDER BY order_id"
                      if engine.dialect.name != "sqlite" else
                      "SELECT order_id FROM mart_orders WHERE is_revenue = 1 ORDER BY order_id")
    assert {r[0] for r in revenue} == _revenue_ids((2, 3, 5)) == {2, 3, 7, 8}
    net = _select(engine, "SELECT SUM(revenue_orders) FROM mart_daily_sales")[0][0]
    assert net == 4
    with pytest.raises(ValueError, match="positive"):
        set_revenue_statuses(engine, shop="s1", complete=[0])


def test_sales_by_product_counts_revenue_orders_only(engine: sa.Engine) -> None:
    _load(engine)
    rows = _select(
        engine,
        "SELECT product_id, currency_code, orders, units, revenue_order_currency, shop_revenue_orders,"
        " shop_revenue_orders_with_lines, details_loaded FROM mart_sales_by_product ORDER BY 1, 2",
    )
    revenue = _revenue_ids()
    currency = {o[0]: o[2] for o in ORDERS}
    expected: dict[tuple[int, str], list[Any]] = {}
    for oid, _, product, quantity, total in LINES:
        if oid not in revenue:
            continue
        entry = expected.setdefault((product, currency[oid]), [set(), 0, Decimal(0)])
        entry[0].add(oid)
        entry[1] += quantity
        entry[2] += Decimal(total)
    with_lines = len({line[0] for line in LINES} & revenue)
    assert [(p, c, n, u, _exact(r), a, b, bool(d)) for p, c, n, u, r, a, b, d in rows] == [
        (p, c, len(v[0]), v[1], v[2].quantize(Q), len(revenue), with_lines, False)
        for (p, c), v in sorted(expected.items())
    ]
    assert with_lines == 4 < len(revenue)  # order 8 has no lines yet: details_loaded says so


def test_marts_say_plainly_when_no_details_were_loaded(engine: sa.Engine) -> None:
    _load(engine, lines=False, totals=False)
    products = _select(
        engine,
        "SELECT shop, product_id, units, revenue_order_currency, shop_revenue_orders, details_loaded"
        " FROM mart_sales_by_product",
    )
    assert [(s, p, u, r, n, bool(d)) for s, p, u, r, n, d in products] == [
        ("s1", None, None, None, len(_revenue_ids()), False)
    ]
    tax = _select(engine, "SELECT tax_order_currency, shipping_order_currency, details_loaded"
                  " FROM mart_tax_shipping")
    assert tax and all(t is None and s is None and not bool(d) for t, s, d in tax)


def test_tax_and_shipping_from_the_order_totals(engine: sa.Engine) -> None:
    _load(engine)
    rows = _select(
        engine,
        "SELECT CAST(day AS VARCHAR(10)), currency_code, revenue_orders, orders_with_totals,"
        " tax_order_currency, shipping_order_currency, details_loaded FROM mart_tax_shipping ORDER BY 1, 2",
    )
    revenue = _revenue_ids()
    got = [(d, c, n, w, _exact(t), _exact(s), bool(f)) for d, c, n, w, t, s, f in rows]
    has_totals = {t[0] for t in TOTALS}

    def amount(ids: set[int], code: str) -> Decimal | None:
        values = [Decimal(t[3]) for t in TOTALS if t[0] in ids and t[2] == code]
        return sum(values, Decimal(0)).quantize(Q) if ids & has_totals else None

    expected = []
    for day, cur in [("2026-03-01", "EUR"), ("2026-03-01", "USD"), ("2026-03-02", "USD")]:
        ids = {o[0] for o in ORDERS if o[7].date().isoformat() == day and o[2] == cur and o[0] in revenue}
        expected.append((day, cur, len(ids), len(ids & has_totals), amount(ids, "tax"),
                         amount(ids, "shipping"), ids <= has_totals))
    assert got == expected
    assert got[1][4:6] == (Decimal("16.6833"), Decimal("0.3000"))
    assert got[2][4] is None  # day 2 has no totals loaded: NULL, not 0


def test_customers_lifetime_value_counts_revenue_orders_only(engine: sa.Engine) -> None:
    _load(engine)
    rows = _select(
        engine,
        "SELECT customer_key, orders, revenue_orders, lifetime_value_default_currency FROM mart_customers"
        " ORDER BY customer_key",
    )
    assert [(k, n, r, _exact(v)) for k, n, r, v in rows] == [
        ("customer:7", 2, 2, Decimal("100.3000")),
        ("customer:8", 2, 0, Decimal("0.0000")),  # canceled and failed orders are not sales
        ("customer:9", 2, 2, Decimal("99999999.8999")),
        ("guest:guest@x.org", 2, 1, Decimal("197.0535")),
    ]
