"""The sandbox's product and customer lists against the real shop's: the same rows read the same.

The shop's own ``oc_product``/``oc_product_special``/``oc_customer`` rows from
``admin_pages_truth.json`` are loaded into a sandbox; AdminClient then reads every recorded list
query from the sandbox, and the records must equal those parsed from the recorded pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from oc_connector.admin import AdminClient
from oc_connector.admin.catalog_pages import parse_customer_list, parse_product_list
from oc_connector.admin.order_records import CustomerListRow, ProductListRow
from oc_connector.admin.records import ListPage
from oc_connector.secret import Secret
from oc_connector.wire.ratelimit import RateLimit
from oc_connector_sandbox import Sandbox
from tests.support.recorded_exchanges import RECORDED_DIR, load

PRODUCTS = [e for e in load("admin_catalog_product.json") if e.route == "catalog/product"]
CUSTOMERS = [e for e in load("admin_customer.json") if e.route == "customer/customer"]
TRUTH = json.loads((RECORDED_DIR / "admin_pages_truth.json").read_text(encoding="utf-8"))


def _fill(sb: Sandbox) -> None:
    names = {r["product_id"]: r["name"] for r in TRUTH["product_lists"][0]["rows"]}
    for p in TRUTH["products"]:
        sb.execute(
            "INSERT INTO oc_product (product_id, model, sku, quantity, price, status)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (p["product_id"], p["model"], p["sku"], p["quantity"], p["price"], p["status"]),
        )
        sb.execute(
            "INSERT INTO oc_product_description (product_id, language_id, name) VALUES (?, 1, ?)",
            (p["product_id"], names[p["product_id"]]),
        )
    sb.execute(
        "CREATE TABLE IF NOT EXISTS oc_product_special (product_special_id INTEGER PRIMARY KEY,"
        " product_id INTEGER, customer_group_id INTEGER, priority INTEGER, price TEXT, date_start TEXT,"
        " date_end TEXT)"
    )
    for s in TRUTH["product_specials"]:
        sb.execute(
            "INSERT INTO oc_product_special VALUES (?, ?, ?, ?, ?, ?, ?)",
            tuple(
                s[k]
                for k in (
                    "product_special_id",
                    "product_id",
                    "customer_group_id",
                    "priority",
                    "price",
                    "date_start",
                    "date_end",
                )
            ),
        )
    for c in TRUTH["customers"]:
        sb.execute(
            "INSERT INTO oc_customer (customer_id, customer_group_id, firstname, lastname, email, telephone,"
            " status, safe, ip, date_added) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tuple(
                c[k]
                for k in (
                    "customer_id",
                    "customer_group_id",
                    "firstname",
                    "lastname",
                    "email",
                    "telephone",
                    "status",
                    "safe",
                    "ip",
                    "date_added",
                )
            ),
        )


@pytest.fixture(scope="module")
def admin() -> Iterator[AdminClient]:
    sb = Sandbox.start()
    _fill(sb)
    client = AdminClient(
        sb.url,
        username=sb.admin_username,
        password=Secret(sb.admin_password),
        allow_insecure_http=True,
        rate_limit=RateLimit(per_second=1000, burst=1000),
    )
    try:
        yield client
    finally:
        client.close()
        sb.stop()


def _query(exchange: Any) -> dict[str, str]:
    return {k: v for k, v in exchange.query.items() if k not in ("route", "user_token")}


def _same(ours: ListPage[Any], real: ListPage[Any], sort: str) -> None:
    assert (ours.page, ours.pages, ours.total, ours.first, ours.last) == (
        real.page,
        real.pages,
        real.total,
        real.first,
        real.last,
    )
    if sort in ("", "pd.name", "name"):  # unique keys: the order is fixed
        assert ours.rows == real.rows
    else:  # ties in the sort column come back in no fixed order on the real shop
        assert sorted(ours.rows, key=repr) == sorted(real.rows, key=repr)


@pytest.mark.parametrize("exchange", PRODUCTS, ids=[e.case for e in PRODUCTS])
def test_product_list_reads_like_the_real_shop(admin: AdminClient, exchange: Any) -> None:
    real: ListPage[ProductListRow] = parse_product_list(exchange.body)
    params = _query(exchange)
    ours = _page(admin, "catalog/product", params, parse_product_list)
    _same(ours, real, params.get("sort", ""))


@pytest.mark.parametrize("exchange", CUSTOMERS, ids=[e.case for e in CUSTOMERS])
def test_customer_list_reads_like_the_real_shop(admin: AdminClient, exchange: Any) -> None:
    real: ListPage[CustomerListRow] = parse_customer_list(exchange.body)
    params = _query(exchange)
    ours = _page(admin, "customer/customer", params, parse_customer_list)
    _same(ours, real, params.get("sort", ""))


def _page(admin: AdminClient, route: str, params: dict[str, str], parse: Any) -> Any:
    return parse(admin._request(route, params).text)
