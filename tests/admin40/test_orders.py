"""AdminOrderReader: 3.0-shaped order dicts from the recorded 4.0 pages, normalised, against the DB."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest

from oc_connector.admin40 import AdminOrderReader, parse_order_list, stored_text
from oc_connector.api.records import Order
from oc_connector.errors import NotFoundError
from oc_connector.sync.normalize import normalize_orders
from tests.support.admin40_shop import Answer, Sent, Shop40, client_for, mocked_http, recorded
from tests.support.recorded_exchanges import load40, truth40
from tests.support.truth40_orders import method, order, shown

LIST = load40("admin_order_list.json")
INFO = load40("admin_order_info.json")
ORDER_IDS = [int(e.query["order_id"]) for e in INFO if order(int(e.query.get("order_id", "999999")))]
RATES = {c["code"]: c["value"] for c in truth40()["currencies"]}
LISTED = {row.order_id: row for ex in LIST for row in parse_order_list(ex.body).rows}
#: the stored columns the reader must give back byte for byte (the truth holds these)
STORED = (
    "firstname", "lastname", "email", "telephone", "comment", "payment_firstname", "payment_lastname",
    "payment_company", "payment_address_1", "payment_city", "payment_postcode", "payment_country",
    "payment_zone", "shipping_firstname", "shipping_lastname", "shipping_address_1", "shipping_city",
    "shipping_postcode", "shipping_country",
)


@pytest.fixture(autouse=True)
def _http() -> Iterator[None]:
    yield from mocked_http()


def _list_by_id(sent: Sent) -> Answer:
    """sale/order.list&filter_order_id=N: recorded for 5 and 99; "No results!" for the others."""
    return recorded(LIST[21] if sent.params.get("filter_order_id") == "5" else LIST[22])


def _reader(**options: object) -> tuple[AdminOrderReader, Shop40]:
    shop = Shop40(overrides={("GET", "sale/order.list"): _list_by_id})
    return AdminOrderReader(client_for(shop), **options), shop  # type: ignore[arg-type]


def test_the_dicts_have_the_3_0_keys_and_normalise_to_the_shop_rows() -> None:
    reader, shop = _reader(currency_values=RATES)
    reader.prime(LISTED.values())
    raws = [reader.order_info_raw(oid) for oid in ORDER_IDS]
    keys_3_0 = {f.name for f in fields(Order)} - {"raw"}
    assert all(keys_3_0 <= set(raw) for raw in raws)
    assert all(set(raw) - keys_3_0 == {"customer_group_id"} for raw in raws)
    result = normalize_orders(raws, shop="s40", requested_ids=ORDER_IDS)
    assert result.quarantined == []
    frame = result.frame.set_index("order_id")
    for oid, raw in zip(ORDER_IDS, raws, strict=True):
        db = order(oid)
        assert db is not None
        for name in STORED:
            assert raw[name] == db[name], (oid, name)  # the stored text, escaping and all
            assert frame.at[oid, name] == html.unescape(db[name]), (oid, name)
        row = frame.loc[oid]
        ids = (int(db["customer_id"]), int(db["order_status_id"]))
        assert (row["customer_id"], row["order_status_id"]) == ids
        assert row["currency_code"] == db["currency_code"]
        assert row["currency_value"] == Decimal(db["currency_value"])
        assert shown(row["total"], db) == shown(db["total"], db)  # the displayed cent, both ways
        half_cent = Decimal("0.005") / Decimal(db["currency_value"]) + Decimal("0.00005")  # + the 4th decimal
        assert abs(row["total"] - Decimal(db["total"])) <= half_cent
        assert (row["payment_method"], row["payment_code"]) == method(db, "payment")
        assert (row["shipping_method"], row["shipping_code"]) == method(db, "shipping")
        assert row["date_added"] == pd.Timestamp(datetime.fromisoformat(db["date_added"][:10]))
        if oid in LISTED:
            assert row["date_modified"] == pd.Timestamp(datetime.fromisoformat(db["date_modified"][:10]))
        else:
            assert pd.isna(row["date_modified"])  # not in a recorded list: the shop's list said nothing
        assert (raw["invoice_no"], raw["invoice_prefix"]) == (db["invoice_no"], db["invoice_prefix"])
        assert raw["language_code"] == "en-gb" and raw["store_name"] == "Your Store"
    unlisted = [oid for oid in ORDER_IDS if oid not in LISTED]
    assert [s.params.get("filter_order_id") for s in shop.sent if s.route == "sale/order.list"] == [
        str(oid) for oid in unlisted
    ]
    assert reader.list_reads == len(unlisted)


def test_a_double_escaped_row_keeps_its_stored_text() -> None:
    reader, _ = _reader(currency_values=RATES)
    raw = reader.order_info_raw(312)
    assert raw["payment_company"] == "Smith &amp;amp; Sons Ltd"
    frame = normalize_orders([raw]).frame
    assert frame.at[0, "payment_company"] == "Smith &amp; Sons Ltd"  # what the API client posted
    assert raw["payment_firstname"] == ""  # 4.0.2.3 does not store it


def test_without_rates_only_default_currency_orders_get_a_total() -> None:
    reader, shop = _reader()
    raws = {oid: reader.order_info_raw(oid) for oid in (2, 312, 313)}
    assert (raws[2]["currency_value"], raws[2]["total"]) == ("1.00000000", "1120.0000")
    assert (raws[312]["currency_value"], raws[312]["total"]) == (None, None)
    assert (raws[313]["currency_value"], raws[313]["total"]) == (None, None)
    assert normalize_orders(raws.values()).quarantined == []
    editors = [s for s in shop.sent if s.route == "sale/order.info" and "order_id" not in s.params]
    assert len(editors) == 1  # the default currency is read once per reader


def test_the_details_and_history_of_a_read_order_cost_no_request() -> None:
    reader, shop = _reader(currency_values=RATES)
    reader.prime([LISTED[312]])
    reader.order_info_raw(312)
    before = len(shop.sent)
    lines = reader.order_page(312).lines
    history = reader.order_history(312)
    assert len(shop.sent) == before
    assert [line.product_id for line in lines] == [30, 33]
    assert [h.status for h in history] == ["Processing", "Shipped", "Complete", "Pending"]
    assert [s.route for s in shop.sent] == ["common/login", "common/login.login", "sale/order.info"]


def test_an_order_not_read_yet_is_fetched_for_its_details() -> None:
    reader, shop = _reader(currency_values=RATES)
    assert [line.product_id for line in reader.order_page(2).lines] == [35, 46]
    assert len(reader.order_history(2)) == 3
    assert [s.route for s in shop.sent][2:] == ["sale/order.info"]


def test_a_deleted_or_unknown_order_is_not_found() -> None:
    reader, _ = _reader(currency_values=RATES)
    for missing in (99, 999999):
        with pytest.raises(NotFoundError):
            reader.order_info_raw(missing)


def test_stored_text_inverts_the_shops_input_filter() -> None:
    assert stored_text('Apple Cinema 30" & <b>x</b>') == "Apple Cinema 30&quot; &amp; &lt;b&gt;x&lt;/b&gt;"
    assert stored_text("Queen's Road") == "Queen's Road"  # ENT_COMPAT leaves single quotes
    assert stored_text("Smith &amp; Sons") == "Smith &amp;amp; Sons"
