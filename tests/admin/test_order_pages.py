"""The order, invoice, product and customer page parsers against every recorded page and the shop's rows.

``admin_pages_truth.json`` holds the database rows read right after the pages. Money must equal
round(stored × the order's stored currency_value, 2), half-up (spec 10.7), compared exactly.
"""

from __future__ import annotations

import html
import json
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import pytest

from oc_connector.admin import is_page_not_found
from oc_connector.admin.catalog_pages import parse_customer_list, parse_product_list
from oc_connector.admin.money import parse_money, read_money
from oc_connector.admin.order_pages import parse_invoice_page, parse_order_list, parse_order_page
from oc_connector.errors import AdminError, AdminPageError
from tests.support.recorded_exchanges import RECORDED_DIR, Exchange, load

ORDER_LIST = [e for e in load("admin_order_list.json") if e.route == "sale/order"]
ORDER_INFO = load("admin_order_info.json")
INVOICES = [e for e in load("admin_order_invoice.json") if e.route == "sale/order/invoice"]
PRODUCT_LISTS = [e for e in load("admin_catalog_product.json") if e.route == "catalog/product"]
CUSTOMER_LISTS = [e for e in load("admin_customer.json") if e.route == "customer/customer"]


@cache
def truth() -> dict[str, Any]:
    return dict(json.loads((RECORDED_DIR / "admin_pages_truth.json").read_text(encoding="utf-8")))


def shown(stored: str | Decimal, rate: str = "1") -> Decimal:
    return (Decimal(stored) * Decimal(rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "left", "right"),
    [
        ("$1,106.00", "1106.00", "$", ""),
        ("£468.55", "468.55", "£", ""),
        ("788.52€", "788.52", "", "€"),
        ("£-19.72", "-19.72", "£", ""),
        ("$-24.58", "-24.58", "$", ""),
        ("-6.13€", "-6.13", "", "€"),
        ("  $0.00 ", "0.00", "$", ""),
        ("1,234,567.89€", "1234567.89", "", "€"),
        ("100", "100", "", ""),
        # a currency's symbol is free text: letters, spaces and dots are part of it
        ("US $366.00", "366.00", "US $", ""),
        ("US $-1,366.00", "-1366.00", "US $", ""),
        ("CHF 12.00", "12.00", "CHF ", ""),
        ("Fr.12.00", "12.00", "Fr.", ""),
        ("12.00 лв.", "12.00", "", " лв."),
        ("-12.00 kr", "-12.00", "", " kr"),
    ],
)
def test_money_in_the_shops_format(text: str, value: str, left: str, right: str) -> None:
    money = read_money(text, page="sale/order", field="total")
    assert (money.value, money.symbol_left, money.symbol_right) == (Decimal(value), left, right)


@pytest.mark.parametrize(
    "text", ["", "$", "1.234,56€", "$1,10", "-$5.00", "$5.00€", "$1.2.3", "£--1.00", "abc", "US $1 234.00",
             "12,00 лв.", "$5.00-"]
)
def test_ambiguous_money_is_refused_naming_page_and_field(text: str) -> None:
    with pytest.raises(AdminPageError) as caught:
        parse_money(text, page="sale/order/info", field="order 7 total")
    assert caught.value.page == "sale/order/info" and caught.value.field == "order 7 total"
    assert isinstance(caught.value, AdminError)


# -- order list ----------------------------------------------------------------------------


def _list_truth(exchange: Exchange, key: str) -> dict[str, Any]:
    query = {k: v for k, v in exchange.query.items() if k not in ("user_token", "route")}
    found = [c for c in truth()[key] if c["query"] == query]
    assert len(found) == 1, exchange.id
    return dict(found[0])


@pytest.mark.parametrize(
    "exchange", [e for e in ORDER_LIST if "<USER_TOKEN>" in e.query.values()], ids=lambda e: e.id
)
def test_order_list_pages_read_as_the_shop_stores_them(exchange: Exchange) -> None:
    listing = parse_order_list(exchange.body)
    case = _list_truth(exchange, "order_lists")
    assert [r.order_id for r in listing.rows] == case["page_ids"]
    assert (
        f"Showing {listing.first} to {listing.last} of {listing.total} ({listing.pages} Pages)"
        == case["page_showing"]
    )
    stored = {int(r["order_id"]): r for r in case["rows"]}
    if case["match"] is True:
        assert [r.order_id for r in listing.rows] == case["ids"]
    for row in listing.rows:
        want = stored[row.order_id]
        assert row.customer == html.unescape(want["customer"])
        assert row.status == (want["order_status"] or "Missing Orders")
        assert row.total == shown(want["total"], want["currency_value"]), row
        assert row.date_added.isoformat() == want["date_added"][:10]
        assert row.date_modified.isoformat() == want["date_modified"][:10]


def test_order_list_past_the_end_has_no_rows() -> None:
    listing = parse_order_list(next(e for e in ORDER_LIST if e.query.get("page") == "999").body)
    assert listing.rows == () and (listing.first, listing.last, listing.total) == (19961, 1279, 1279)


# -- order info and invoices ---------------------------------------------------------------


def _expected_lines(order: dict[str, Any]) -> list[tuple[Any, ...]]:
    rate = order["currency_value"]
    out = []
    for p in order["products"]:
        qty = int(p["quantity"])
        tax = Decimal(p["tax"])
        options = tuple(
            (html.unescape(o["name"]), html.unescape(o["value"]))
            for o in order["options"]
            if o["order_product_id"] == p["order_product_id"]
        )
        out.append(
            (
                int(p["product_id"]),
                html.unescape(p["name"]),
                html.unescape(p["model"]),
                options,
                qty,
                shown(Decimal(p["price"]) + tax, rate),
                shown(Decimal(p["total"]) + tax * qty, rate),
            )
        )
    return out


def _expected_totals(order: dict[str, Any]) -> list[tuple[str, Decimal]]:
    ordered = sorted(order["totals"], key=lambda t: (int(t["sort_order"]), int(t["order_total_id"])))
    return [(html.unescape(t["title"]), shown(t["value"], order["currency_value"])) for t in ordered]


def _same_options(
    parsed: tuple[tuple[str, str], ...], stored: tuple[tuple[str, str], ...], order: dict[str, Any]
) -> bool:
    files = {html.unescape(o["name"]) for o in order["options"] if o["type"] == "file"}
    # A file option shows the upload's original name, the row holds the upload code.
    return [(n, "" if n in files else v) for n, v in parsed] == [
        (n, "" if n in files else v) for n, v in stored
    ]


@pytest.mark.parametrize("exchange", ORDER_INFO, ids=lambda e: e.id)
def test_order_pages_equal_the_order_rows(exchange: Exchange) -> None:
    order = truth()["orders"].get(exchange.query.get("order_id", "0"))
    if order is None:
        assert is_page_not_found(exchange.body)
        return
    page = parse_order_page(exchange.body)
    rate = order["currency_value"]
    assert page.order_id == int(order["order_id"])
    expected = _expected_lines(order)
    assert [(ln.product_id, ln.name, ln.model, ln.quantity, ln.price, ln.total) for ln in page.lines] == [
        (e[0], e[1], e[2], e[4], e[5], e[6]) for e in expected
    ]
    for line, want in zip(page.lines, expected, strict=True):
        assert _same_options(line.options, want[3], order)
    assert [(t.title, t.value) for t in page.totals] == _expected_totals(order)
    assert [(v.voucher_id, v.description, v.amount) for v in page.vouchers] == [
        (int(v["voucher_id"]), html.unescape(v["description"]), shown(v["amount"], rate))
        for v in order["vouchers"]
    ]
    assert page.customer_id == (int(order["customer_id"]) or None)
    assert page.customer == html.unescape(f"{order['firstname']} {order['lastname']}")
    assert (page.email, page.telephone) == (order["email"], order["telephone"])
    status = int(order["order_status_id"])
    assert page.status_id == (status or None)
    assert page.date_added.isoformat() == order["date_added"][:10]
    symbol = {"USD": ("$", ""), "GBP": ("£", ""), "EUR": ("", "€")}[order["currency_code"]]
    assert (page.currency_left, page.currency_right) == symbol
    assert page.reward == sum(int(p["reward"]) for p in order["products"])


def test_order_page_keeps_options_and_comment() -> None:
    page = parse_order_page(next(e for e in ORDER_INFO if e.query.get("order_id") == "116").body)
    assert page.lines[0].options[:3] == (
        ("Radio", "Medium"),
        ("Checkbox", "Checkbox 2"),
        ("Checkbox", "Checkbox 3"),
    )
    assert ("File", "spec-115.txt") in page.lines[0].options
    customer7 = parse_order_page(next(e for e in ORDER_INFO if e.query.get("order_id") == "7").body)
    assert customer7.comment.startswith("Please leave the parcel")


@pytest.mark.parametrize("exchange", INVOICES, ids=lambda e: e.id)
def test_invoice_blocks_equal_the_order_rows(exchange: Exchange) -> None:
    blocks = parse_invoice_page(exchange.body)
    if isinstance(exchange.form, list):
        asked = [int(v) for _, v in exchange.form]
    else:
        asked = [int(exchange.query["order_id"])] if "order_id" in exchange.query else []
    orders = truth()["orders"]
    assert [b.order_id for b in blocks] == [i for i in asked if orders.get(str(i))]
    for block in blocks:
        order = orders[str(block.order_id)]
        expected = _expected_lines(order)
        assert [(ln.name, ln.model, ln.quantity, ln.price, ln.total) for ln in block.lines] == [
            (e[1], e[2], e[4], e[5], e[6]) for e in expected
        ], block.order_id
        for line, want in zip(block.lines, expected, strict=True):
            assert _same_options(line.options, want[3], order)
        assert [(t.title, t.value) for t in block.totals] == _expected_totals(order)
        assert [(v.description, v.amount) for v in block.vouchers] == [
            (html.unescape(v["description"]), shown(v["amount"], order["currency_value"]))
            for v in order["vouchers"]
        ]
        invoice = f"{order['invoice_prefix']}{order['invoice_no']}" if int(order["invoice_no"]) else ""
        assert block.invoice == invoice
        assert block.date_added.isoformat() == order["date_added"][:10]


def test_invoice_page_is_checked() -> None:
    with pytest.raises(AdminPageError):
        parse_invoice_page(ORDER_INFO[0].body)


# -- products and customers ----------------------------------------------------------------


@pytest.mark.parametrize("exchange", PRODUCT_LISTS, ids=lambda e: e.id)
def test_product_lists_equal_the_product_rows(exchange: Exchange) -> None:
    listing = parse_product_list(exchange.body)
    case = _list_truth(exchange, "product_lists")
    assert [r.product_id for r in listing.rows] == case["page_ids"]
    assert sorted(r.product_id for r in listing.rows) == sorted(case["ids"])
    stored = {int(r["product_id"]): r for r in case["rows"]}
    specials = {int(s["product_id"]): s for s in truth()["product_specials"] if s["priority"] == "1"}
    for row in listing.rows:
        want = stored[row.product_id]
        assert (row.name, row.model, row.quantity, row.status) == (
            html.unescape(want["name"]),
            want["model"],
            int(want["quantity"]),
            want["status"] == "1",
        )
        assert row.price == shown(want["price"])
        special = specials.get(row.product_id)
        assert row.special == (shown(special["price"]) if special else None)


@pytest.mark.parametrize("exchange", CUSTOMER_LISTS, ids=lambda e: e.id)
def test_customer_lists_equal_the_customer_rows(exchange: Exchange) -> None:
    listing = parse_customer_list(exchange.body)
    case = _list_truth(exchange, "customer_lists")
    assert [r.customer_id for r in listing.rows] == case["page_ids"] == case["ids"]
    for row, want in zip(listing.rows, case["rows"], strict=True):
        assert (row.name, row.email, row.customer_group, row.status, row.ip) == (
            html.unescape(want["name"]),
            want["email"],
            want["customer_group"],
            want["status"] == "1",
            want["ip"],
        )
        assert row.date_added.isoformat() == want["date_added"][:10]
