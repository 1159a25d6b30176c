"""AdminClient's order, invoice, product and customer reads against the recorded pages."""

from __future__ import annotations

import pytest

from oc_connector.errors import AdminNotFoundError, ConfigurationError
from tests.admin.test_client import FakeShop, _client, _http, _page  # noqa: F401  (fixture)
from tests.support.recorded_exchanges import load

ORDER_LIST = load("admin_order_list.json")
ORDER_INFO = load("admin_order_info.json")
INVOICE = load("admin_order_invoice.json")
PRODUCTS = load("admin_catalog_product.json")
CUSTOMERS = load("admin_customer.json")


def test_order_list_sends_sort_order_filters_and_page() -> None:
    shop = FakeShop(pages={("GET", "sale/order", "2"): lambda: _page(ORDER_LIST[13].body)})
    listing = _client(shop).order_list(
        2, sort="o.date_modified", order="DESC", order_status_id=0, customer=None
    )
    assert listing.page == 2 and len(listing.rows) == 20
    params = shop.sent[-1][1]
    assert params["filter_order_status_id"] == "0" and "filter_customer" not in params
    assert (params["sort"], params["order"], params["page"]) == ("o.date_modified", "DESC", "2")


def test_order_pages_are_fetched_lazily_until_the_page_count() -> None:
    shop = FakeShop(pages={("GET", "sale/order", "1"): lambda: _page(ORDER_LIST[19].body)})
    pages = _client(shop).iter_order_pages(filter_order_status_id=0)
    assert shop.sent == []
    assert [r.order_id for p in pages for r in p.rows] == [1301]


def test_order_page_and_its_not_found() -> None:
    shop = FakeShop(pages={("GET", "sale/order/info", "1"): lambda: _page(ORDER_INFO[4].body)})
    client = _client(shop)
    order = client.order_page(176)
    assert order.vouchers[0].voucher_id == 2 and shop.sent[-1][1]["order_id"] == "176"
    shop.pages[("GET", "sale/order/info", "1")] = lambda: _page(ORDER_INFO[11].body)
    with pytest.raises(AdminNotFoundError, match="order 607"):
        client.order_page(607)


def test_invoices_are_posted_in_batches_of_selected_ids() -> None:
    shop = FakeShop(pages={("POST", "sale/order/invoice", "1"): lambda: _page(INVOICE[2].body)})
    client = _client(shop)
    blocks = list(client.order_invoices([5, 607, 608, 10, 999999, 0], batch_size=3))
    posts = [
        data for method, _, data, _ in shop.sent if method == "POST" and data and data[0][0] == "selected[]"
    ]
    assert posts == [
        [("selected[]", "5"), ("selected[]", "607"), ("selected[]", "608")],
        [("selected[]", "10"), ("selected[]", "999999"), ("selected[]", "0")],
    ]
    assert [b.order_id for b in blocks] == [5, 10, 5, 10]  # the scripted shop answers the same page twice
    assert all(safe for _, _, _, safe in shop.sent[1:])
    with pytest.raises(ConfigurationError):
        list(client.order_invoices([1], batch_size=0))


def test_product_and_customer_lists() -> None:
    shop = FakeShop(
        pages={
            ("GET", "catalog/product", "1"): lambda: _page(PRODUCTS[2].body),
            ("GET", "customer/customer", "2"): lambda: _page(CUSTOMERS[2].body),
        }
    )
    client = _client(shop)
    assert [r.name for r in client.product_list(filter_name="Mac").rows][:1] == ["MacBook"]
    assert shop.sent[-1][1]["filter_name"] == "Mac"
    assert client.customer_list(2).rows[-1].name == "Zoë Müller"
