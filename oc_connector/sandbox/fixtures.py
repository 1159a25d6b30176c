"""Reference data every sandbox shop starts with (statuses, currencies, countries, API and admin users)."""

from __future__ import annotations

import hashlib
import json
import secrets
import string

from oc_connector.sandbox.state import ShopState

__all__ = ["ORDER_STATUSES", "load_reference_data", "random_key"]

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
COUNTRIES = [
    (222, "United Kingdom", "GB", "GBR", "", 1),
    (223, "United States", "US", "USA", "", 0),
    (81, "Germany", "DE", "DEU", "", 1),
]
ZONES = [
    (3563, 222, "Lancashire", "LANCS"),
    (3513, 222, "Aberdeen", "ABN"),
    (3608, 222, "Greater London", "GTL"),
    (3624, 223, "California", "CA"),
    (3655, 223, "New York", "NY"),
    (1256, 81, "Bayern", "BAY"),
    (1260, 81, "Berlin", "BER"),
]
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
        db.executemany("INSERT INTO oc_country VALUES (?, ?, ?, ?, ?, ?, 1)", COUNTRIES)
        db.executemany("INSERT INTO oc_zone VALUES (?, ?, ?, ?, 1)", ZONES)
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
        perms = ["marketing/coupon", "sale/voucher", "sale/order", "user/api"]
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
