"""What a 4.0 sandbox shop starts with beyond the 3.0 reference data, and the recorded 4.0 shop.

:func:`load_reference_data40` runs for every 4.0 shop (after the 3.0 ``load_reference_data``): the 4.0
schema additions, the installer's five disabled currencies, ``::1`` on the ``Default`` API user's IP
list and the 4.0 settings. :func:`load_recorded_fixtures40` then builds the shop
``tests/recorded40`` was recorded from, as far as its catalog API and admin exchanges need it.
"""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox.fixtures import _insert_rows, _load_catalogue, read_data
from oc_connector_sandbox.state import ShopState
from oc_connector_sandbox.v40.schema import extend_schema

__all__ = [
    "SETTINGS40",
    "load_recorded_fixtures40",
    "load_reference_data40",
    "store_generated_as_v40",
]

# (currency_id, title, code, left, right, decimals, value): the 4.0 installer's disabled currencies.
_DISABLED_CURRENCIES = [
    (4, "Hong Kong Dollar", "HKD", "HK$", "", "2", "7.82224000"),
    (5, "Indian Rupee", "INR", "₹", "", "2", "64.40000000"),
    (6, "Russian Ruble", "RUB", "", "₽", "2", "56.40360000"),
    (7, "Chinese Yuan Renminbi", "CNY", "¥", "", "2", "6.34510000"),
    (8, "Australian Dollar", "AUD", "$", "", "2", "1.26544000"),
]
SETTINGS40: dict[str, Any] = {
    "config_session_expire": 86400,
    "config_checkout_payment_address": 1,  # the recorded shop's setup; the installer leaves it at 0
    "config_telephone_required": 0,
    "config_stock_checkout": 0,
    "config_stock_warning": 0,
    "config_pagination_admin": 10,
    "payment_free_checkout_status": 1,
    "payment_free_checkout_sort_order": 1,
    "payment_bank_transfer_status": 1,
    "payment_bank_transfer_sort_order": 2,
    "payment_cod_status": 1,
    "payment_cod_sort_order": 5,
    "shipping_flat_status": 1,
    "shipping_flat_cost": "5.00",
    "shipping_flat_tax_class_id": 9,
    "shipping_flat_sort_order": 1,
}
"""Settings every 4.0 sandbox shop has (4.0.2.3 installer values unless noted)."""


def load_reference_data40(state: ShopState) -> None:
    """Turn a 3.0 reference shop into a 4.0 one (schema, currencies, API user IPs, settings)."""
    now = state.clock.stamp()
    with state.lock:
        extend_schema(state.db)
        state.db.executemany(
            "INSERT INTO oc_currency VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
            [(*c, now) for c in _DISABLED_CURRENCIES],
        )
        state.db.execute("INSERT INTO oc_api_ip (api_id, ip) VALUES (1, '::1')")
    state.settings.update(SETTINGS40)


_CUSTOMERS = [
    {"customer_id": 1, "customer_group_id": 1, "firstname": "Rita", "lastname": "Reward",
     "email": "rita.reward@example.com", "telephone": "+1 881 4041568", "custom_field": "", "status": 1,
     "date_added": "2026-05-16 09:00:00"},
    {"customer_id": 2, "customer_group_id": 1, "firstname": "Carl", "lastname": "Customer",
     "email": "carl.customer@example.com", "telephone": "+44 845 2494341", "custom_field": "", "status": 1,
     "date_added": "2026-05-16 09:00:00"},
]  # fmt: skip


def load_recorded_fixtures40(state: ShopState) -> None:
    """The recorded 4.0.2.3 shop (tests/recorded40/INDEX.md), for its catalog API and its admin.

    The admin's recorded shop (``v40.admin_fixtures``: the 303 orders 1-313 as the admin pages show
    them after the recording, the coupons ``APITEST10``, ``BIGSPEND25``, ``DISABLED5``,
    ``LOGGEDONLY`` and the disabled demo ones, the 9 gift vouchers sold in orders, uploads,
    currencies), plus what the API needs: the demo catalogue (products 28-49; 28-48 with 100000 in
    stock, 49 with none, 42 with minimum 2) and customers 1 *Rita Reward* (1000 reward points) and
    2 *Carl Customer*. The admin gift voucher ``GIFTADM400`` is not in it: the admin recording
    creates it (``sale/voucher.save``). Call after :func:`load_reference_data40`.
    """
    from oc_connector_sandbox.v40.admin_fixtures import load_admin_fixtures40

    shop = read_data("recorded_shop.json")
    with state.lock:
        state.db.execute("BEGIN")
        _load_catalogue(state)
        state.db.execute("UPDATE oc_product SET quantity = 100000 WHERE product_id BETWEEN 28 AND 48")
        state.db.execute("UPDATE oc_product SET quantity = 0 WHERE product_id = 49")
        state.db.execute("UPDATE oc_product SET minimum = 2 WHERE product_id = 42")
        _insert_rows(state, "oc_customer", _CUSTOMERS)
        _insert_rows(
            state,
            "oc_customer_reward",
            [{"customer_id": 1, "order_id": 0, "description": "fixture", "points": 1000,
              "date_added": "2026-05-16 09:00:00"}],
        )  # fmt: skip
        state.db.execute("COMMIT")
    load_admin_fixtures40(state)
    state.settings.update({**shop["settings"], **SETTINGS40})
    state.settings["config_url"] = "http://127.0.0.1:8081/"


def store_generated_as_v40(state: ShopState, order_ids: list[int]) -> None:
    """Give generated orders (``generate.insert_orders`` writes 3.0 rows) 4.0's payment codes.

    4.0 names a payment method by ``ext.option`` (``cod.cod``); names and the shipping code
    (``flat.flat``) are the same in both (see ``v40.orders`` for how 4.0 orders sit in the columns).
    """
    if not order_ids:
        return
    with state.lock:
        state.db.executemany(
            "UPDATE oc_order SET payment_code = payment_code || '.' || payment_code "
            "WHERE order_id = ? AND payment_code != '' AND instr(payment_code, '.') = 0",
            [(order_id,) for order_id in order_ids],
        )
