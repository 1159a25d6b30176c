"""Reference data every sandbox shop starts with (statuses, currencies, countries, API and admin users)."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import secrets
import string
from datetime import timedelta
from importlib import resources
from typing import Any

from oc_connector_sandbox.orderinfo import ORDER_INFO_KEYS
from oc_connector_sandbox.state import ShopState

__all__ = [
    "ORDER_STATUSES",
    "geography",
    "load_recorded_fixtures", "load_reference_data",
    "random_key",
    "read_data",
]

ORDER_STATUSES = {
    1: "Pending",
    2: "Processing",
    3: "Shipped",
    5: "Complete",
    7: "Canceled",
    8: "Denied",
    9: "Canceled Reversal",
    10: "Failed",
    11: "Refunded",
    12: "Reversed",
    13: "Chargeback",
    14: "Expired",
    15: "Processed",
    16: "Voided",
}
# (currency_id, title, code, left, right, decimals, value)
CURRENCIES = [
    (1, "Pound Sterling", "GBP", "£", "", "2", "0.61250001"),
    (2, "US Dollar", "USD", "$", "", "2", "1.00000000"),
    (3, "Euro", "EUR", "", "€", "2", "0.78460002"),
]
Country = tuple[int, str, str, str, str, int, int]
"""An ``oc_country`` row: id, name, ISO alpha-2 and alpha-3, address_format, postcode_required, status."""
Zone = tuple[int, int, str, str, int]
"""An ``oc_zone`` row: id, country_id, name, code, status."""


@functools.cache
def geography() -> tuple[tuple[Country, ...], tuple[Zone, ...]]:
    """The ``oc_country`` and ``oc_zone`` rows of a fresh OpenCart 3.0.5.0 install (read once).

    From ``data/geography.json``, extracted from the release's ``install/opencart.sql``: 253
    countries (with their address formats) and 4,108 zones, ids as the installer gives them.
    """
    data = read_data("geography.json")
    countries = tuple((int(c[0]), str(c[1]), str(c[2]), str(c[3]), str(c[4]), int(c[5]), int(c[6]))
                      for c in data["countries"])
    zones = tuple((int(z[0]), int(z[1]), str(z[2]), str(z[3]), int(z[4])) for z in data["zones"])
    return countries, zones


_KEY_CHARS = string.ascii_letters + string.digits


def random_key(length: int = 256) -> str:
    """Return a random alphanumeric API key like the installer's."""
    return "".join(secrets.choice(_KEY_CHARS) for _ in range(length))


def _admin_hash(password: str, salt: str) -> str:
    def sha1(text: str) -> str:
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    return sha1(salt + sha1(salt + sha1(password)))


def load_reference_data(state: ShopState, *, api_key: str, admin_password: str) -> None:
    """Insert the default install's reference rows and the sandbox's API and admin users.

    Args:
        state: The shop to fill.
        api_key: Key of the ``Default`` API user.
        admin_password: Password of the ``admin`` user.
    """
    db, now = state.db, state.clock.stamp()
    with state.lock:
        db.execute("BEGIN")
        db.execute("INSERT INTO oc_language VALUES (1, 'English', 'en-gb')")
        db.executemany("INSERT INTO oc_order_status VALUES (?, 1, ?)", list(ORDER_STATUSES.items()))
        db.executemany(
            "INSERT INTO oc_currency VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)", [(*c, now) for c in CURRENCIES]
        )
        countries, zones = geography()
        db.executemany("INSERT INTO oc_country VALUES (?, ?, ?, ?, ?, ?, ?)", countries)
        db.executemany("INSERT INTO oc_zone VALUES (?, ?, ?, ?, ?)", zones)
        db.executemany("INSERT INTO oc_customer_group VALUES (?, 0, ?)", [(1, 1), (2, 2)])
        db.executemany(
            "INSERT INTO oc_customer_group_description VALUES (?, 1, ?, '')",
            [(1, "Default"), (2, "Wholesale")],
        )
        db.executemany("INSERT INTO oc_voucher_theme VALUES (?, '')", [(6,), (7,), (8,)])
        db.executemany(
            "INSERT INTO oc_voucher_theme_description VALUES (?, 1, ?)",
            [(6, "Christmas"), (7, "Birthday"), (8, "General")],
        )
        db.executemany(
            "INSERT INTO oc_api (api_id, username, key, status, date_added, date_modified) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (1, "Default", api_key, 1, now, now),
                (2, "Disabled", random_key(64), 0, now, now),
                (3, "Secondary", random_key(64), 1, now, now),
            ],
        )
        db.executemany("INSERT INTO oc_api_ip (api_id, ip) VALUES (?, '127.0.0.1')", [(1,), (2,), (3,)])
        perms = [
            "marketing/coupon",
            "sale/voucher",
            "sale/order",
            "setting/setting",
            "user/api",
            "catalog/product",
            "customer/customer",
        ]
        db.execute(
            "INSERT INTO oc_user_group VALUES (1, 'Administrator', ?)",
            (json.dumps({"access": perms, "modify": perms}),),
        )
        salt = secrets.token_hex(5)[:9]
        db.execute(
            "INSERT INTO oc_user (user_id, user_group_id, username, password, salt, status, date_added)"
            " VALUES (1, 1, 'admin', ?, ?, 1, ?)",
            (_admin_hash(admin_password, salt), salt, now),
        )
        db.execute("COMMIT")


# -- the recorded shop (tests/recorded/INDEX.md) -------------------------------------------------------
# Catalogue tables loaded row for row from data/demo_catalogue.json (OpenCart's demo install values).
_CATALOGUE_TABLES = (
    "product_option",
    "product_option_value",
    "option",
    "option_description",
    "option_value_description",
    "product_to_store",
    "product_reward",
)
# order/info keys computed from lookups at read time, not stored in oc_order.
_DERIVED_ORDER_KEYS = {"order_status", "language_code"}


def read_data(name: str) -> Any:
    """Return the parsed JSON data file ``oc_connector_sandbox/data/<name>``."""
    text = resources.files("oc_connector_sandbox").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _insert_rows(state: ShopState, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        state.db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))


def _order_row(order: dict[str, Any]) -> dict[str, Any]:
    """The ``oc_order`` columns of one recorded ``api/order/info`` object."""
    row: dict[str, Any] = {}
    for key in ORDER_INFO_KEYS:
        if key in _DERIVED_ORDER_KEYS or key.endswith(("_zone_code", "_iso_code_2", "_iso_code_3")):
            continue
        value = order[key]
        row[key] = json.dumps(value) if key.endswith("custom_field") else value
    row["customer_group_id"] = 1
    return row


# The demo's price tables; the base schema leaves them out, the cart prices from them when present.
_PRICE_TABLES_DDL = (
    "CREATE TABLE IF NOT EXISTS oc_product_special (product_special_id INTEGER PRIMARY KEY,"
    " product_id INTEGER NOT NULL, customer_group_id INTEGER NOT NULL, priority INTEGER NOT NULL DEFAULT 1,"
    " price TEXT NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS oc_product_discount (product_discount_id INTEGER PRIMARY KEY,"
    " product_id INTEGER NOT NULL, customer_group_id INTEGER NOT NULL, quantity INTEGER NOT NULL,"
    " priority INTEGER NOT NULL DEFAULT 1, price TEXT NOT NULL, date_start TEXT NOT NULL,"
    " date_end TEXT NOT NULL)",
)


def _load_catalogue(state: ShopState) -> None:
    cat = read_data("demo_catalogue.json")
    for ddl in _PRICE_TABLES_DDL:
        state.db.execute(ddl)
    _insert_rows(state, "oc_product_special", cat["product_special"])
    _insert_rows(state, "oc_product_discount", cat["product_discount"])
    for product in cat["products"]:
        values = {k: v for k, v in product.items() if k != "name"}
        _insert_rows(state, "oc_product", [values])
        _insert_rows(
            state,
            "oc_product_description",
            [{"product_id": product["product_id"], "language_id": 1, "name": product["name"]}],
        )
    for table in _CATALOGUE_TABLES:
        _insert_rows(state, f"oc_{table}", cat[table])


def load_demo_catalogue(state: ShopState, *, customers: int = 50) -> None:
    """Load the demo install's catalogue (products 28-49) and ``customers`` registered customers.

    The customers are ids ``1..customers`` (the ids generated orders refer to), with seeded names,
    groups, statuses and ``date_added`` spread over the year before the shop clock.

    Args:
        state: The shop to fill (after :func:`load_reference_data`).
        customers: How many customers to create.
    """
    rng = random.Random(f"customers:{state.seed}")
    first = ("Ava", "Ben", "Chloé", "Dario", "Elif", "Finn", "Greta", "Hugo", "Iris", "Jonas")
    last = ("Archer", "Müller", "Nowak", "O&#039;Brien", "Rossi", "Smith", "Wang", "Østergaard")
    end = state.clock.now()
    with state.lock:
        state.db.execute("BEGIN")
        _load_catalogue(state)
        for cid in range(1, customers + 1):
            added = end - timedelta(seconds=rng.randrange(365 * 86400))
            _insert_rows(
                state,
                "oc_customer",
                [
                    {
                        "customer_id": cid,
                        "customer_group_id": rng.choice((1, 1, 1, 2)),
                        "firstname": rng.choice(first),
                        "lastname": rng.choice(last),
                        "email": f"customer{cid}@example.com",
                        "telephone": f"0{rng.randrange(10**9, 10**10)}",
                        "ip": f"10.1.{rng.randrange(256)}.{rng.randrange(256)}",
                        "status": int(rng.random() < 0.9),
                        "date_added": added.strftime("%Y-%m-%d %H:%M:%S"),
                    }
                ],
            )
        state.db.execute("COMMIT")


def _load_recorded_orders(state: ShopState) -> None:
    for exchange in read_data("recorded_orders.json"):
        order = json.loads(exchange["body"]).get("order")
        if order is None:  # deleted before the recording (61, 62): stays "not found"
            continue
        _insert_rows(state, "oc_order", [_order_row(order)])
        _insert_rows(
            state,
            "oc_order_total",
            [
                {
                    "order_id": order["order_id"],
                    "code": "total",
                    "title": "Total",
                    "value": order["total"],
                    "sort_order": 9,
                }
            ],
        )
        if int(order["order_status_id"]):
            _insert_rows(
                state,
                "oc_order_history",
                [
                    {
                        "order_id": order["order_id"],
                        "order_status_id": order["order_status_id"],
                        "notify": 0,
                        "comment": "",
                        "date_added": order["date_modified"],
                    }
                ],
            )


def load_recorded_fixtures(state: ShopState) -> None:
    """Turn a shop holding only reference data into the shop the recordings were made from.

    Adds the demo catalogue (products 28-49 with options, rewards, store links), the recorded
    changes to it (product 30 restocked to 100, product 49 out of stock, product 42 minimum 2), the
    coupons, customers 1 and 2 (customer 1 with 1000 reward points), the admin voucher GIFTADM50,
    the payment/shipping/total settings, and orders 1..60 exactly as ``api/order/info`` answered
    them (61 and 62 were deleted). Call after :func:`load_reference_data`.

    Args:
        state: The shop to fill.
    """
    shop = read_data("recorded_shop.json")
    with state.lock:
        state.db.execute("BEGIN")
        _load_catalogue(state)
        for change in shop["product_changes"]:
            pid = change["product_id"]
            for col, value in change.items():
                if col != "product_id":
                    state.db.execute(f"UPDATE oc_product SET {col} = ? WHERE product_id = ?", (value, pid))
        _insert_rows(state, "oc_coupon", shop["coupons"])
        for customer in shop["customers"]:
            points = customer["reward_points"]
            _insert_rows(state, "oc_customer", [{k: v for k, v in customer.items() if k != "reward_points"}])
            if points:
                _insert_rows(
                    state,
                    "oc_customer_reward",
                    [
                        {
                            "customer_id": customer["customer_id"],
                            "order_id": 0,
                            "description": "fixture",
                            "points": points,
                            "date_added": customer["date_added"],
                        }
                    ],
                )
        _insert_rows(state, "oc_voucher", shop["vouchers"])
        _load_recorded_orders(state)
        state.db.execute("COMMIT")
    state.settings.update(shop["settings"])
    state.settings["config_url"] = "http://127.0.0.1:8080/"
