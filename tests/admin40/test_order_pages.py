"""The 4.0 order list, editor, invoice and history parsers on every recorded page, against the DB rows."""

from __future__ import annotations

from collections import Counter

import pytest

from oc_connector.admin import parse_order_history
from oc_connector.admin40 import parse_invoice_page, parse_order_info, parse_order_list
from oc_connector.admin40.records import OrderAddress
from oc_connector.errors import AdminPageError
from tests.support.recorded_exchanges import Exchange, load40
from tests.support.truth40_orders import (
    STATUS_NAMES,
    day,
    history_rows,
    line_rows,
    method,
    option_rows,
    order,
    shown,
    text,
    total_rows,
    voucher_rows,
)

LIST = load40("admin_order_list.json")
INFO = load40("admin_order_info.json")
INVOICE = load40("admin_order_invoice.json")
HISTORY = load40("admin_order_history.json")

COVERED = {
    **{("admin_order_list.json", e.index): "order list rows and paging vs the DB" for e in LIST},
    **{("admin_order_info.json", e.index): "order editor vs the DB" for e in INFO},
    **{("admin_order_invoice.json", e.index): "invoice blocks vs the DB" for e in INVOICE if e.index != 5},
    **{("admin_order_history.json", e.index): "history rows vs the DB" for e in HISTORY},
}
NOT_READ = {
    ("admin_order_invoice.json", 5): "sale/order.shipping (dispatch note): the invoice shows all it shows",
}
_ORDERED_BY = {  # the list's sort per exchange: rows must come back in that order
    "o.order_id": lambda r: r.order_id,
    "o.date_added": lambda r: r.date_added,
    "o.date_modified": lambda r: r.date_modified,
}  # o.total sorts by the stored default-currency total, which the list does not show


def _id(ex: Exchange) -> str:
    return ex.id


# -- list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("ex", LIST, ids=_id)
def test_every_order_list_row_is_the_shop_row(ex: Exchange) -> None:
    listing = parse_order_list(ex.body)
    expected = listing.last - listing.first + 1 if listing.total and listing.last >= listing.first else 0
    assert len(listing.rows) == expected
    assert len(listing.rows) <= 10
    for row in listing.rows:
        db = order(row.order_id) if str(row.order_id) in _truth_ids() else None
        if db is None:
            continue
        assert row.customer == text(f"{db['firstname']} {db['lastname']}")
        assert row.status == STATUS_NAMES[int(db["order_status_id"])]
        assert row.total == shown(db["total"], db)
        assert (row.date_added, row.date_modified) == (day(db["date_added"]), day(db["date_modified"]))
    key = _ORDERED_BY.get(ex.query.get("sort", "o.order_id"))
    if key is not None and listing.rows:
        values = [key(r) for r in listing.rows]
        assert values == sorted(values, reverse=ex.query.get("order", "DESC") == "DESC")


def test_order_list_paging_and_filters() -> None:
    first = parse_order_list(LIST[1].body)
    assert (first.page, first.pages, first.total, first.first, first.last) == (1, 31, 303, 1, 10)
    assert [r.order_id for r in first.rows][:3] == [313, 312, 311]
    assert parse_order_list(LIST[0].body) == first  # the full page embeds the same fragment
    last = parse_order_list(LIST[18].body)
    assert (last.page, len(last.rows)) == (31, 3)
    past = parse_order_list(LIST[19].body)
    assert past.rows == () and past.page == 32 and past.total == 303
    assert parse_order_list(LIST[22].body).total == 0  # deleted order 99
    assert parse_order_list(LIST[28].body).total == 0  # no status-0 orders in this shop
    assert parse_order_list(LIST[33].body) == first  # filter_email is ignored by 4.0.2.3
    assert {r.status for r in parse_order_list(LIST[29].body).rows} <= {"Pending", "Processing"}
    one_day = parse_order_list(LIST[32].body)
    assert {r.date_added.isoformat() for r in one_day.rows} == {"2026-05-28"}
    assert all(r.shipping_code == "" for r in first.rows)  # 4.0 lists show no shipping code


def _truth_ids() -> set[str]:
    from tests.support.recorded_exchanges import truth40

    return {k for k, v in truth40()["orders"].items() if v is not None}


# -- order editor --------------------------------------------------------------------------

_ORDERS = [e for e in INFO if e.query.get("order_id") and order(int(e.query["order_id"])) is not None]
_EMPTY = [e for e in INFO if e not in _ORDERS]


def _address(address: OrderAddress, db: dict[str, str], kind: str) -> None:
    fields = ("firstname", "lastname", "company", "address_1", "city", "postcode", "country", "zone")
    for field in (f for f in fields if f"{kind}_{f}" in db):  # the truth holds a subset of the columns
        assert getattr(address, field) == text(db[f"{kind}_{field}"]), (kind, field)


@pytest.mark.parametrize("ex", _ORDERS, ids=_id)
def test_order_editor_is_the_shop_row(ex: Exchange) -> None:
    db = order(int(ex.query["order_id"]))
    assert db is not None
    info = parse_order_info(ex.body)
    assert info is not None
    h, o = info.header, info.order
    assert o.order_id == int(db["order_id"]) and o.date_added == day(db["date_added"])
    assert (h.customer_id, h.customer_group_id) == (int(db["customer_id"]), int(db["customer_group_id"]))
    assert o.customer_id == (int(db["customer_id"]) or None)
    for field in ("firstname", "lastname", "email", "telephone", "comment"):
        assert getattr(h, field) == text(db[field]), field
    assert h.payment.firstname == "" == db["payment_firstname"]  # the 4.0.2.3 defect, kept
    _address(h.payment, db, "payment")
    _address(h.shipping, db, "shipping")
    assert (h.payment_method, h.payment_code) == method(db, "payment")
    assert (h.shipping_method, h.shipping_code) == method(db, "shipping")
    assert o.shipping_method == (method(db, "shipping")[0] or None)
    assert h.currency_code == db["currency_code"]
    status = int(db["order_status_id"])
    assert (h.order_status_id, h.order_status) == (status, STATUS_NAMES[status])
    assert o.status_id == int(db["order_status_id"])
    assert (h.invoice_no, h.invoice_text) == (int(db["invoice_no"]), db["invoice_prefix"] + db["invoice_no"])
    assert info.total == shown(db["total"], db)
    lines = [(ln.product_id, ln.name, ln.model, ln.quantity, ln.price, ln.total) for ln in o.lines]
    assert lines == line_rows(db)
    for line, product in zip(o.lines, db["products"], strict=True):
        stored = option_rows(db, product["order_product_id"])
        assert [name for name, _ in line.options] == [name for name, _, _ in stored]
        assert [v for (_, v), (_, _, t) in zip(line.options, stored, strict=True) if t != "file"] == [
            v for _, v, t in stored if t != "file"
        ]
    assert o.reward == sum(int(p["reward"]) for p in db["products"])
    assert [(v.description, v.amount) for v in o.vouchers] == voucher_rows(db)
    assert all(v.voucher_id is None for v in o.vouchers)  # 4.0 does not link them
    assert [(t.title, t.value) for t in o.totals] == total_rows(db)
    symbol = {"USD": ("$", ""), "EUR": ("", "€"), "GBP": ("£", "")}[db["currency_code"]]
    assert (o.currency_left, o.currency_right) == symbol
    embedded = Counter((r.date_added, r.comment, r.status, r.notified) for r in info.history.rows)
    assert embedded == history_rows(db)
    assert info.history.total == len(db["history"])  # hidden rows are counted


@pytest.mark.parametrize("ex", _EMPTY, ids=_id)
def test_the_empty_editor_of_a_deleted_or_unknown_order_is_none(ex: Exchange) -> None:
    assert parse_order_info(ex.body) is None


def test_the_editor_shows_the_stored_text_of_a_double_escaped_row() -> None:
    info = parse_order_info(INFO[1].body)
    assert info is not None
    assert info.header.payment.company == "Smith &amp; Sons Ltd"  # stored as Smith &amp;amp; Sons Ltd
    assert info.order.payment_address[0] == "Smith &amp; Sons Ltd"  # no name line: no payment first name
    assert info.order.shipping_address[0] == "Carl Customer"


def test_a_page_that_is_not_the_editor_is_refused() -> None:
    with pytest.raises(AdminPageError):
        parse_order_info(LIST[1].body)


# -- invoice -------------------------------------------------------------------------------


@pytest.mark.parametrize("ex", [e for e in INVOICE if e.route == "sale/order.invoice"], ids=_id)
def test_every_invoice_block_is_the_shop_row(ex: Exchange) -> None:
    blocks = parse_invoice_page(ex.body)
    posted = ex.form if isinstance(ex.form, list) else [("order_id", ex.query.get("order_id", "0"))]
    asked = [int(v) for _, v in posted]
    expected = [i for i in asked if i and order(i) is not None]
    assert [b.order_id for b in blocks] == expected
    for block in blocks:
        db = order(block.order_id)
        assert db is not None
        assert block.date_added == day(db["date_added"]) and block.invoice == ""
        assert block.payment_method == method(db, "payment")[0]
        assert block.shipping_method == (method(db, "shipping")[0] or None)
        assert block.comment == text(db["comment"])
        lines = [(line.name, line.model, line.quantity, line.price, line.total) for line in block.lines]
        assert lines == [row[1:] for row in line_rows(db)]
        for line, product in zip(block.lines, db["products"], strict=True):
            stored = option_rows(db, product["order_product_id"])
            assert [n for n, _ in line.options] == [n for n, _, _ in stored]
        assert [(v.description, v.amount) for v in block.vouchers] == voucher_rows(db)
        assert [(t.title, t.value) for t in block.totals] == total_rows(db)
        payment = block.payment_address
        assert payment[0] == text(db["payment_lastname"])  # the name line without the first name
        assert payment[-1] == text(db["payment_country"])


def test_the_invoice_shows_the_double_escaped_row_as_stored() -> None:
    (block,) = parse_invoice_page(INVOICE[1].body)
    assert block.payment_address[:2] == ("Customer", "Smith &amp; Sons Ltd")


# -- history -------------------------------------------------------------------------------


@pytest.mark.parametrize("ex", HISTORY, ids=_id)
def test_every_history_fragment_is_the_shop_rows(ex: Exchange) -> None:
    page = parse_order_history(ex.body)
    oid = int(ex.query.get("order_id", 0))
    db = order(oid) if oid and str(oid) in _truth_ids() else None
    if db is None:
        assert (page.rows, page.total) == ((), 0)
        return
    if ex.query.get("page") == "2":
        assert page.rows == () and page.pages == 1  # 7 rows: no page 2
        return
    assert Counter((r.date_added, r.comment, r.status, r.notified) for r in page.rows) == history_rows(db)
    assert page.total == len(db["history"])
    dates = [r.date_added for r in page.rows]
    assert dates == sorted(dates, reverse=True)
