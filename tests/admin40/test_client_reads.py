"""Admin40Client's order reads through the scripted 4.0 shop: parameters sent, pages read, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oc_connector.admin40 import order_list_params
from oc_connector.errors import AdminError, AdminNotFoundError, ConfigurationError
from tests.support.admin40_shop import Shop40, client_for, mocked_http
from tests.support.recorded_exchanges import load40

INVOICE = load40("admin_order_invoice.json")


@pytest.fixture(autouse=True)
def _http() -> Iterator[None]:
    yield from mocked_http()


def test_order_list_sends_the_sort_order_and_page() -> None:
    shop = Shop40()
    listing = client_for(shop).order_list(1, sort="o.date_modified", order="ASC")
    assert listing.rows[0].order_id == 3 and listing.total == 303  # modified 17/05, before order 1
    params = shop.sent[-1].params
    assert (params["route"], params["sort"], params["order"]) == ("sale/order.list", "o.date_modified", "ASC")
    assert "page" not in params


def test_3_0_filter_names_are_mapped_where_4_0_means_the_same() -> None:
    shop = Shop40()
    client = client_for(shop)
    one_day = client.order_list(date_added="2026-05-28")
    assert {r.date_added.isoformat() for r in one_day.rows} == {"2026-05-28"}
    params = shop.sent[-1].params
    assert (params["filter_date_from"], params["filter_date_to"]) == ("2026-05-28", "2026-05-28")
    assert client.order_list(filter_order_status_id=0).total == 0  # 0 is a value, not "no filter"
    assert shop.sent[-1].params["filter_order_status_id"] == "0"
    assert [r.order_id for r in client.order_list(total="685.0000").rows] == [7]
    assert [r.order_id for r in client.order_list(order_id=5, customer=None).rows] == [5]
    assert "filter_customer" not in shop.sent[-1].params


@pytest.mark.parametrize(
    ("filters", "needle"),
    [
        ({"filter_date_modified": "2026-05-28"}, "no date-modified filter"),
        ({"email": "rec.guest@example.com"}, "ignores filter_email"),
        ({"filter_nosuch": "1"}, "has no filter_nosuch"),
        ({"date_added": "2026-05-28", "date_from": "2026-05-01"}, "not both"),
    ],
)
def test_filters_4_0_lacks_are_refused_before_any_request(filters: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        order_list_params("o.order_id", "DESC", filters)


def test_unknown_sort_keys_and_orders_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="cannot sort by 'nosuch'"):
        order_list_params("nosuch", "ASC", {})
    with pytest.raises(ConfigurationError, match="ASC or DESC"):
        order_list_params("o.order_id", "desc", {})
    expected = {"sort": "o.store_name", "order": "ASC", "page": "3"}
    assert order_list_params("o.store_name", "ASC", {}, 3) == expected


def test_order_pages_are_read_lazily_up_to_the_page_count() -> None:
    shop = Shop40()
    pages = client_for(shop).iter_order_pages(filter_order_id=5)
    assert shop.sent == []
    assert [r.order_id for page in pages for r in page.rows] == [5]
    assert shop.routes().count("sale/order.list") == 1


def test_order_info_and_page_and_the_empty_editor_of_a_deleted_order() -> None:
    shop = Shop40()
    client = client_for(shop)
    info = client.order_info(312)
    assert info.header.currency_code == "EUR" and shop.sent[-1].params["order_id"] == "312"
    assert [line.product_id for line in client.order_page(2).lines] == [35, 46]
    for missing in (99, 999999):
        with pytest.raises(AdminNotFoundError, match=f"no order {missing}"):
            client.order_info(missing)


def test_invoices_are_posted_as_selected_ids_and_skip_what_the_shop_lacks() -> None:
    shop = Shop40()
    client = client_for(shop)
    ids = [int(v) for _, v in INVOICE[2].form]  # type: ignore[union-attr]
    assert [b.order_id for b in client.order_invoices(ids)] == ids
    posts = [s for s in shop.sent if s.route == "sale/order.invoice"]
    assert len(posts) == 1 and posts[0].method == "POST"
    assert posts[0].data == [("selected[]", str(i)) for i in ids]
    assert shop.transport.safe_flags[-1] is True  # rendering an invoice changes nothing: retriable
    mixed = [int(v) for _, v in INVOICE[3].form]  # type: ignore[union-attr]
    assert [b.order_id for b in client.order_invoices(mixed)] == [5, 312]
    with pytest.raises(ConfigurationError):
        list(client.order_invoices([1], batch_size=0))


def test_history_reads_every_page_and_stops_at_the_page_count() -> None:
    shop = Shop40()
    rows = client_for(shop).order_history(311)
    assert len(rows) == 4  # 7 rows, 3 of status 0 left out by the shop
    assert shop.routes().count("sale/order.history") == 1


def test_the_default_currency_is_read_from_the_empty_editor() -> None:
    shop = Shop40()
    assert client_for(shop).default_currency() == "USD"
    assert "order_id" not in shop.sent[-1].params


def test_settings_pages_4_0_lacks_say_so_without_a_request() -> None:
    shop = Shop40()
    client = client_for(shop)
    with pytest.raises(AdminError, match=r"not read from an OpenCart 4\.0 admin"):
        client.shop_timezone()
    with pytest.raises(AdminError, match=r"not read from an OpenCart 4\.0 admin"):
        client.order_status_settings()
    assert shop.sent == []
