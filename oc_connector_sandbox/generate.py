"""Deterministic, seeded generator of realistic shop orders (and their status histories).

Streams rows so that a million orders fit in memory: :func:`iter_orders` yields ``oc_order`` rows plus
history rows, :func:`insert_orders` writes them in chunks, :func:`iter_order_info` yields the
``api/order/info`` shape without any HTTP.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from typing import Any

from oc_connector_sandbox.fixtures import CURRENCIES, ORDER_STATUSES, geography
from oc_connector_sandbox.orderinfo import Lookups, order_info
from oc_connector_sandbox.state import ShopState

__all__ = ["Generated", "insert_order_lines", "insert_orders", "iter_order_info", "iter_orders"]

FIRST = [
    "Alice",
    "Bob",
    "Chloé",
    "Dmitri",
    "Émile",
    "Fatima",
    "Günther",
    "Hana",
    "Ingrid",
    "José",
    "Katarzyna",
    "Łukasz",
    "Mårten",
    "Nuño",
    "Olivia",
    "Søren",
    "Zoë",
    "Jean-Luc",
    "O'Brien",
    "李",
]
LAST = [
    "Archer",
    "Brown",
    "Müller",
    "Nowak",
    "García",
    "Smith &amp; Sons",
    "Østergaard",
    "Dupont",
    "Kowalski",
    "Rossi",
    "Schröder",
    "Ünal",
    "Wang",
    "Ng",
    "&quot;Quoted&quot;",
]
CITIES = {
    222: ["Manchester", "London", "Aberdeen"],
    223: ["Los Angeles", "New York"],
    81: ["München", "Berlin"],
}
METHODS = [
    ("Cash On Delivery", "cod"),
    ("Bank Transfer", "bank_transfer"),
    ("Free Checkout", "free_checkout"),
]
# status weights: mostly complete/shipped/processing, some pending, canceled, missing (0)
STATUS_WEIGHTS = [(5, 40), (3, 15), (2, 15), (1, 10), (7, 6), (0, 5), (11, 3), (15, 3), (10, 3)]
# the zones generated addresses use, by country (install ids: Lancashire, Aberdeen, West Yorkshire,
# California, New York, Bayern, Berlin); names, codes and address formats come from the install data
ADDRESS_ZONES: dict[int, tuple[int, ...]] = {222: (3563, 3513, 3608), 223: (3624, 3655), 81: (1255, 1256)}


@functools.cache
def _places() -> tuple[dict[int, list[tuple[int, str]]], dict[int, tuple[str, str]]]:
    """Zone choices (id, name) per country, and each country's (name, address_format)."""
    countries, zones = geography()
    names = {z[0]: z[2] for z in zones}
    by_country = {cid: [(zid, names[zid]) for zid in ids] for cid, ids in ADDRESS_ZONES.items()}
    return by_country, {c[0]: (c[1], c[4]) for c in countries}

Generated = tuple[dict[str, Any], list[tuple[int, int, int, str, str]]]


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def iter_orders(
    n: int,
    seed: int = 7,
    *,
    start_id: int = 1,
    end: datetime | None = None,
    store_url: str = "http://127.0.0.1/",
    customers: int = 50,
) -> Iterator[Generated]:
    """Yield ``n`` generated orders as (``oc_order`` row, history rows) pairs.

    Order ids start at ``start_id`` with occasional gaps (deleted orders). History rows are
    ``(order_id, order_status_id, notify, comment, date_added)``.
    """
    rng = random.Random(seed)
    end = end or datetime(2026, 11, 1, 12, 0, 0)
    start = end - timedelta(days=365)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    zone_choices, country_data = _places()
    order_id = start_id - 1
    for _ in range(n):
        order_id += 1 + (1 if rng.random() < 0.02 else 0)
        added = start + timedelta(seconds=rng.randrange(365 * 86400))
        status = rng.choices(statuses, weights)[0]
        country = rng.choice((222, 222, 223, 81))
        zone_id, zone_name = rng.choice(zone_choices[country])
        cur = rng.choice(CURRENCIES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        registered = rng.random() < 0.6
        customer_id = rng.randrange(1, customers + 1) if registered else 0
        method, code = rng.choice(METHODS)
        custom = json.dumps({"1": "VAT-" + str(rng.randrange(10000))}) if rng.random() < 0.1 else "[]"
        history: list[tuple[int, int, int, str, str]] = []
        when = added
        path = [1] if status in (0, 1) else [1, *([2] if status in (3, 5) else []), status]
        if status != 0:
            for step in path:
                history.append(
                    (order_id, step, int(rng.random() < 0.3), "" if step == 1 else "auto", _stamp(when))
                )
                when += timedelta(hours=rng.randrange(1, 72))
        # a real shop stamps NOW(): never before the order was added, never after the present
        modified = max(added, min(when - timedelta(hours=1) if history else added, end))
        total = f"{rng.randrange(500, 50000) / 100:.4f}"
        row: dict[str, Any] = {
            "order_id": order_id,
            "invoice_no": rng.randrange(1, 9999) if status in (3, 5) else 0,
            "invoice_prefix": f"INV-{added.year}-00",
            "store_id": 0,
            "store_name": "Your Store",
            "store_url": store_url,
            "customer_id": customer_id,
            "customer_group_id": 1,
            "firstname": first,
            "lastname": last,
            "email": f"{first.lower().replace(' ', '')}.{order_id}@example.com",
            "telephone": f"0{rng.randrange(10**9, 10**10)}",
            "custom_field": custom,
            "comment": rng.choice(["", "", "Leave at the door", "Fish &amp; chips"]),
            "total": total,
            "order_status_id": status,
            "affiliate_id": 0,
            "commission": "0.0000",
            "language_id": 1,
            "currency_id": cur[0],
            "currency_code": cur[2],
            "currency_value": cur[6],
            "ip": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "forwarded_ip": "",
            "user_agent": "Mozilla/5.0",
            "accept_language": "en-GB,en;q=0.9",
            "date_added": _stamp(added),
            "date_modified": "0000-00-00 00:00:00" if rng.random() < 0.005 else _stamp(modified),
        }
        for prefix in ("payment", "shipping"):
            row.update(
                {
                    f"{prefix}_firstname": first,
                    f"{prefix}_lastname": last,
                    f"{prefix}_company": "",
                    f"{prefix}_address_1": f"{rng.randrange(1, 200)} High Street",
                    f"{prefix}_address_2": "",
                    f"{prefix}_city": rng.choice(CITIES[country]),
                    f"{prefix}_postcode": f"{rng.randrange(10000, 99999)}",
                    f"{prefix}_country": country_data[country][0],
                    f"{prefix}_country_id": country,
                    f"{prefix}_zone": zone_name,
                    f"{prefix}_zone_id": zone_id,
                    f"{prefix}_address_format": country_data[country][1],
                    f"{prefix}_custom_field": "[]",
                }
            )
        row.update(
            payment_method=method,
            payment_code=code,
            shipping_method="Flat Shipping Rate",
            shipping_code="flat.flat",
        )
        yield row, history


def insert_orders(state: ShopState, n: int, *, seed: int | None = None, chunk: int = 5000) -> list[int]:
    """Generate ``n`` orders after the shop's highest order id and insert them in chunks.

    Returns:
        The new order ids.
    """
    ids: list[int] = []
    with state.lock:
        top = state.db.execute("SELECT COALESCE(MAX(order_id), 0) FROM oc_order").fetchone()[0]
        gen = iter_orders(
            n,
            state.seed if seed is None else seed,
            start_id=int(top) + 1,
            end=state.clock.now(),
            store_url=state.base_url,
        )
        sql = None
        while batch := list(islice(gen, chunk)):
            rows = [r for r, _ in batch]
            if sql is None:
                cols = list(rows[0])
                sql = f"INSERT INTO oc_order ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
            state.db.execute("BEGIN")
            state.db.executemany(sql, rows)
            state.db.executemany(
                "INSERT INTO oc_order_history (order_id, order_status_id, notify, comment,"
                " date_added) VALUES (?, ?, ?, ?, ?)",
                [h for _, hs in batch for h in hs],
            )
            state.db.execute("COMMIT")
            ids.extend(r["order_id"] for r in rows)
        insert_order_lines(state, ids, seed=state.seed if seed is None else seed)
    return ids


_OPTIONS = (
    ("Size", "Small"),
    ("Size", "Large"),
    ("Colour", "Red"),
    ("Colour", "Blue"),
    ("Checkbox", "Gift wrap"),
)
_CENT4 = Decimal("0.0001")


def _money4(value: Decimal) -> str:
    return str(value.quantize(_CENT4, rounding=ROUND_HALF_UP))


def insert_order_lines(state: ShopState, order_ids: list[int], *, seed: int) -> None:
    """Give generated orders lines, options, totals and (rarely) a sold gift voucher.

    Only when the shop has a catalogue (``Sandbox.start(catalogue=True)``): 1-4 lines of
    catalogue products each, 20 % VAT on taxable products and on the flat shipping, the totals
    the default extensions write (``Sub-Total``, the shipping method, ``VAT (20%)``, sometimes a
    coupon, ``Total``), and ``oc_order.total`` set to their sum. Each order draws from its own
    seeded generator, so the order rows themselves are the same with or without a catalogue.
    """
    db = state.db
    products = db.execute(
        "SELECT p.product_id, pd.name, p.model, p.price, p.tax_class_id, p.points FROM oc_product p"
        " JOIN oc_product_description pd ON pd.product_id = p.product_id AND pd.language_id = 1"
        " WHERE p.status = 1 ORDER BY p.product_id"
    ).fetchall()
    if not products or not order_ids:
        return
    db.execute("BEGIN")
    for order_id in order_ids:
        order = db.execute(
            "SELECT shipping_method, firstname FROM oc_order WHERE order_id = ?", (order_id,)
        ).fetchone()
        rng = random.Random(f"lines:{seed}:{order_id}")
        sub_total = tax_total = Decimal(0)
        for pid, name, model, price, tax_class, points in rng.sample(products, rng.randint(1, 4)):
            qty = rng.choice((1, 1, 1, 2, 3))
            unit = Decimal(str(price))
            tax = (
                (unit * Decimal("0.2")).quantize(_CENT4, rounding=ROUND_HALF_UP) if tax_class else Decimal(0)
            )
            sub_total += unit * qty
            tax_total += tax * qty
            cur = db.execute(
                "INSERT INTO oc_order_product (order_id, product_id, name, model, quantity, price, total, tax,"  # noqa: E501
                " reward) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    order_id,
                    pid,
                    name,
                    model,
                    qty,
                    _money4(unit),
                    _money4(unit * qty),
                    _money4(tax),
                    points * qty,
                ),
            )
            if rng.random() < 0.25:
                opt_name, opt_value = rng.choice(_OPTIONS)
                db.execute(
                    "INSERT INTO oc_order_option (order_id, order_product_id, product_option_id,"
                    " product_option_value_id, name, value, type) VALUES (?, ?, 0, 0, ?, ?, 'select')",
                    (order_id, cur.lastrowid, opt_name, opt_value),
                )
        if rng.random() < 0.02:
            amount = Decimal(rng.choice((25, 50, 100)))
            voucher = db.execute(
                "INSERT INTO oc_voucher (order_id, code, from_name, from_email, to_name, to_email,"
                " voucher_theme_id, message, amount, status, date_added) VALUES (?, ?, ?, '', 'Friend', '',"
                " 8, '', ?, 1, (SELECT date_added FROM oc_order WHERE order_id = ?))",
                (order_id, f"G{order_id:09d}", order[1], _money4(amount), order_id),
            )
            db.execute(
                "INSERT INTO oc_order_voucher (order_id, voucher_id, description, code, from_name, from_email,"  # noqa: E501
                " to_name, to_email, voucher_theme_id, message, amount) VALUES (?, ?, ?, ?, ?, '', 'Friend',"
                " '', 8, '', ?)",
                (
                    order_id,
                    voucher.lastrowid,
                    f"${amount:.2f} Gift Certificate for Friend",
                    f"G{order_id:09d}",
                    order[1],
                    _money4(amount),
                ),
            )
            sub_total += amount
        totals: list[tuple[str, str, Decimal, int]] = [("sub_total", "Sub-Total", sub_total, 1)]
        if order[0]:
            totals.append(("shipping", order[0], Decimal("5.0000"), 3))
            tax_total += Decimal("1.0000")
        if rng.random() < 0.1:
            totals.append(("coupon", "Coupon (APITEST10)", -(sub_total / 10).quantize(_CENT4), 4))
        if tax_total:
            totals.append(("tax", "VAT (20%)", tax_total, 5))
        grand = sum((t[2] for t in totals), Decimal(0))
        totals.append(("total", "Total", grand, 9))
        db.executemany(
            "INSERT INTO oc_order_total (order_id, code, title, value, sort_order) VALUES (?, ?, ?, ?, ?)",
            [(order_id, code, title, _money4(value), sort) for code, title, value, sort in totals],
        )
        db.execute("UPDATE oc_order SET total = ? WHERE order_id = ?", (_money4(grand), order_id))
    db.execute("COMMIT")


def iter_order_info(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Yield ``n`` generated orders shaped exactly like ``api/order/info``'s ``order`` object."""
    lookups = Lookups(
        zones={z[0]: z[3] for z in geography()[1]},
        countries={c[0]: (c[2], c[3]) for c in geography()[0]},
        statuses=ORDER_STATUSES,
        languages={1: "en-gb"},
        default_language="en-gb",
    )
    for row, _ in iter_orders(n, seed):
        yield order_info(row, lookups)
