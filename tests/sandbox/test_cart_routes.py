"""Cart routes over the WSGI app: api/cart/add|edit|remove|products, with the recorded messages and shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from oc_connector_sandbox import Sandbox
from oc_connector_sandbox.forms import option_json, parse_form, php_gt
from tests.support.sandbox_helpers import DENIED, MODIFIED, WsgiClient


def add_options(sb: Sandbox, product_id: int) -> dict[str, int]:
    """A required select (Red +2.00 / Blue), a required text and an optional checkbox on a product."""
    ids: dict[str, int] = {}
    sb.execute("INSERT OR IGNORE INTO oc_option (option_id, type, sort_order) VALUES (901, 'select', 1)")
    sb.execute("INSERT OR IGNORE INTO oc_option (option_id, type, sort_order) VALUES (902, 'text', 2)")
    sb.execute("INSERT OR IGNORE INTO oc_option (option_id, type, sort_order) VALUES (903, 'checkbox', 3)")
    for oid, name in ((901, "Select"), (902, "Text"), (903, "Checkbox")):
        sb.execute("DELETE FROM oc_option_description WHERE option_id = ?", (oid,))
        sb.execute("INSERT INTO oc_option_description VALUES (?, 1, ?)", (oid, name))
    for vid, oid, name in (
        (9011, 901, "Red"),
        (9012, 901, "Blue"),
        (9031, 903, "Box 1"),
        (9032, 903, "Box 2"),
    ):
        sb.execute("DELETE FROM oc_option_value_description WHERE option_value_id = ?", (vid,))
        sb.execute("INSERT INTO oc_option_value_description VALUES (?, 1, ?, ?)", (vid, oid, name))
    for key, oid, required in (("select", 901, 1), ("text", 902, 1), ("checkbox", 903, 0)):
        sb.execute(
            "INSERT INTO oc_product_option (product_id, option_id, value, required) VALUES (?, ?, '', ?)",
            (product_id, oid, required),
        )
        ids[key] = int(sb.query("SELECT max(product_option_id) AS m FROM oc_product_option")[0]["m"])
    for key, po, oid, vid, price, qty in (
        ("red", ids["select"], 901, 9011, "2.0000", 5),
        ("blue", ids["select"], 901, 9012, "0.0000", 0),
        ("box1", ids["checkbox"], 903, 9031, "1.0000", 10),
        ("box2", ids["checkbox"], 903, 9032, "1.5000", 10),
    ):
        sb.execute(
            "INSERT INTO oc_product_option_value (product_option_id, product_id, option_id, option_value_id, "
            "quantity, subtract, price, price_prefix, points, points_prefix, weight, weight_prefix) "
            "VALUES (?, ?, ?, ?, ?, 1, ?, '+', 0, '+', '0', '+')",
            (po, product_id, oid, vid, qty, price),
        )
        ids[key] = int(
            sb.query("SELECT max(product_option_value_id) AS m FROM oc_product_option_value")[0]["m"]
        )
    return ids


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=0, test_mode=True) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> WsgiClient:
    return WsgiClient(sb)


# -- forms -----------------------------------------------------------------------------------------
def test_parse_form_builds_php_post() -> None:
    form = parse_form(
        [
            ("product[0][product_id]", "42"),
            ("product[0][option][223][]", "8"),
            ("product[0][option][223][]", "10"),
            ("product[0][option][208]", " <b>hi</b> "),
            ("custom_field[1]", 'a"b'),
            ("voucher", "plain"),
        ]
    )
    assert form["product"]["0"]["option"] == {"223": {"0": "8", "1": "10"}, "208": "&lt;b&gt;hi&lt;/b&gt;"}
    assert form["custom_field"] == {"1": "a&quot;b"} and form["voucher"] == "plain"
    assert option_json(form["product"]["0"]["option"]) == '{"223":["8","10"],"208":"&lt;b&gt;hi&lt;\\/b&gt;"}'
    assert option_json({}) == "[]"
    assert php_gt("50", None) and not php_gt(None, None) and php_gt("300", 200) and not php_gt("0", 0)


# -- permission shapes -----------------------------------------------------------------------------
def test_permission_error_shapes(sb: Sandbox) -> None:
    anon = WsgiClient(sb, token="nosuchtoken")
    for route in ("api/cart/add", "api/cart/products"):
        assert anon.call(route) == {"error": {"warning": DENIED}}
    for route in ("api/cart/edit", "api/cart/remove"):
        assert anon.call(route) == {"error": DENIED}


# -- add -------------------------------------------------------------------------------------------
def test_single_add_validates_store_and_required_options(sb: Sandbox, client: WsgiClient) -> None:
    pid = sb.add_product(name="Optioned", price="10.0000")
    ids = add_options(sb, pid)
    assert client.call("api/cart/add", {"product_id": "999999", "quantity": "1"}) == {
        "error": {"store": "Product can not be bought from the store you have choosen!"}
    }
    disabled = sb.add_product(name="Off", status=0)
    assert "store" in client.call("api/cart/add", {"product_id": str(disabled)})["error"]
    # Empty values are discarded before the required check ("0" counts as empty in PHP).
    err = client.call("api/cart/add", {"product_id": str(pid), f"option[{ids['select']}]": "0"})
    assert err == {
        "error": {"option": {str(ids["select"]): "Select required!", str(ids["text"]): "Text required!"}}
    }
    assert client.call("api/cart/add") == []
    client.patch(shipping_method={"code": "flat.flat"}, payment_method={"code": "cod"})
    form = [
        ("product_id", str(pid)),
        ("quantity", "2"),
        (f"option[{ids['select']}]", str(ids["red"])),
        (f"option[{ids['text']}]", "hello"),
        (f"option[{ids['checkbox']}][]", str(ids["box1"])),
        (f"option[{ids['checkbox']}][]", str(ids["box2"])),
    ]
    assert client.call("api/cart/add", form) == MODIFIED
    assert "shipping_method" not in client.session() and "payment_method" not in client.session()
    # Same product and options again: the quantity adds up on the same row.
    assert client.call("api/cart/add", form) == MODIFIED
    rows = sb.query("SELECT * FROM oc_cart WHERE session_id = ?", (client.token,))
    assert len(rows) == 1 and rows[0]["quantity"] == 4
    products = client.call("api/cart/products")["products"]
    assert products[0]["option"] == [
        {
            "product_option_id": str(ids["select"]),
            "product_option_value_id": str(ids["red"]),
            "name": "Select",
            "value": "Red",
            "type": "select",
        },
        {
            "product_option_id": str(ids["text"]),
            "product_option_value_id": "",
            "name": "Text",
            "value": "hello",
            "type": "text",
        },
        {
            "product_option_id": str(ids["checkbox"]),
            "product_option_value_id": str(ids["box1"]),
            "name": "Checkbox",
            "value": "Box 1",
            "type": "checkbox",
        },
        {
            "product_option_id": str(ids["checkbox"]),
            "product_option_value_id": str(ids["box2"]),
            "name": "Checkbox",
            "value": "Box 2",
            "type": "checkbox",
        },
    ]
    assert products[0]["price"] == "$14.50" and products[0]["total"] == "$58.00"
    assert products[0]["quantity"] == "4" and products[0]["stock"] is True
    # Without quantity the single form adds 1.
    plain = sb.add_product(name="Plain")
    assert client.call("api/cart/add", {"product_id": str(plain)}) == MODIFIED
    assert sb.query("SELECT quantity FROM oc_cart WHERE product_id = ?", (plain,))[0]["quantity"] == 1


def test_bulk_add_clears_cart_skips_checks_and_warns(sb: Sandbox, client: WsgiClient) -> None:
    first = sb.add_product(name="First", price="5.0000")
    second = sb.add_product(name="Second", price="7.0000")
    client.call("api/cart/add", {"product_id": str(first), "quantity": "3"})
    body = client.raw(
        "api/cart/add",
        [
            ("product[0][product_id]", "999999"),
            ("product[0][quantity]", "1"),
            ("product[1][product_id]", str(second)),
            ("product[1][quantity]", "2"),
        ],
    )
    assert json.loads(body) == MODIFIED
    products = client.call("api/cart/products")["products"]
    assert [(p["name"], p["quantity"]) for p in products] == [("Second", "2")]
    # The unknown product's row is deleted by the read.
    assert len(sb.query("SELECT * FROM oc_cart WHERE session_id = ?", (client.token,))) == 1
    body = client.raw("api/cart/add", [("product[0][quantity]", "1")])
    assert body == (
        '<b>Warning</b>: Undefined array key "product_id" in <b><OC_ROOT>/catalog/controller/api/cart.php</b>'
        ' on line <b>21</b>{"success":"Success: You have modified your shopping cart!"}'
    )


# -- edit / remove ---------------------------------------------------------------------------------
def test_edit_and_remove(sb: Sandbox, client: WsgiClient) -> None:
    pid = sb.add_product(name="Editable", price="10.0000")
    client.call("api/cart/add", {"product_id": str(pid), "quantity": "1"})
    cart_id = client.call("api/cart/products")["products"][0]["cart_id"]
    client.patch(reward=10, shipping_methods={})
    assert client.call("api/cart/edit", {"key": cart_id, "quantity": "5"}) == MODIFIED
    assert "reward" not in client.session() and "shipping_methods" not in client.session()
    assert client.call("api/cart/products")["products"][0]["quantity"] == "5"
    assert client.call("api/cart/edit", {"key": "999999", "quantity": "5"}) == MODIFIED
    assert client.raw("api/cart/edit") == (
        '<b>Warning</b>: Undefined array key "key" in <b><OC_ROOT>/catalog/controller/api/cart.php</b> '
        'on line <b>84</b><b>Warning</b>: Undefined array key "quantity" in '
        "<b><OC_ROOT>/catalog/controller/api/cart.php</b> on line <b>84</b>"
        '{"success":"Success: You have modified your shopping cart!"}'
    )
    sb.state.settings["config_error_display"] = 0
    try:
        assert client.raw("api/cart/edit") == json.dumps(MODIFIED, separators=(",", ":"))
    finally:
        sb.state.settings["config_error_display"] = 1
    # Quantity 0 hides and deletes the line.
    assert client.call("api/cart/edit", {"key": cart_id, "quantity": "0"}) == MODIFIED
    assert client.call("api/cart/products")["products"] == []
    client.call("api/cart/add", {"product_id": str(pid), "quantity": "1"})
    cart_id = client.call("api/cart/products")["products"][0]["cart_id"]
    assert client.call("api/cart/remove") == []
    client.patch(vouchers={"123": {"code": 123, "amount": 5}, "KEEP": {"code": "KEEP", "amount": 1}})
    assert client.call("api/cart/remove", {"key": cart_id}) == MODIFIED
    assert client.call("api/cart/remove", {"key": "123"}) == MODIFIED
    assert client.call("api/cart/products")["products"] == []
    assert list(client.session()["vouchers"]) == ["KEEP"]


def test_other_token_and_customer_lines_are_invisible(sb: Sandbox, client: WsgiClient) -> None:
    pid = sb.add_product(name="Mine")
    client.call("api/cart/add", {"product_id": str(pid)})
    other = WsgiClient(sb)
    assert other.call("api/cart/products")["products"] == []
    cart_id = client.call("api/cart/products")["products"][0]["cart_id"]
    other.call("api/cart/remove", {"key": cart_id})
    assert len(client.call("api/cart/products")["products"]) == 1
    # Lines added before a customer logged in are keyed to customer 0 and disappear.
    client.patch(customer_id=5)
    assert client.call("api/cart/products")["products"] == []


# -- products --------------------------------------------------------------------------------------
def test_products_stock_minimum_tax_and_vouchers(sb: Sandbox, client: WsgiClient) -> None:
    sold_out = sb.add_product(name="Sold Out", price="20.0000", quantity=0, reward=10)
    taxed = sb.add_product(name="Taxed", price="100.0000", tax_class_id=9, minimum=3, points=50)
    client.call("api/cart/add", {"product_id": str(taxed), "quantity": "2"})
    client.call("api/cart/add", {"product_id": str(sold_out), "quantity": "1"})
    client.patch(
        vouchers={
            "77": {
                "code": 77,
                "description": "$25.00 Gift Certificate for V",
                "from_name": "F",
                "from_email": "f@x.com",
                "to_name": "V",
                "to_email": "v@x.com",
                "voucher_theme_id": "8",
                "message": "",
                "amount": 25,
            }
        }
    )
    body = client.raw("api/cart/products")
    data = json.loads(body)
    assert list(data) == ["error", "products", "vouchers", "totals"]
    assert data["error"] == {
        "stock": "Products marked with *** are not available in the desired quantity or not in stock!",
        "minimum": ["Minimum order amount for Taxed is 3!"],
    }
    taxed_line, sold_line = data["products"]
    assert taxed_line["price"] == "$122.00" and taxed_line["total"] == "$244.00"
    assert taxed_line["stock"] is True and taxed_line["shipping"] == "1" and taxed_line["reward"] == 0
    assert sold_line["stock"] is False and sold_line["reward"] == 10 and sold_line["quantity"] == "1"
    assert data["vouchers"][0]["code"] == 77 and data["vouchers"][0]["price"] == "$25.00"
    assert '"amount":25}' in body
    titles = [t["title"] for t in data["totals"]]
    assert titles[0] == "Sub-Total" and titles[-1] == "Total"
    assert data["totals"][0]["text"] == "$245.00"
    # With stock checkout allowed (and no warning) the line is reported in stock and there is no error.
    sb.state.settings["config_stock_checkout"] = 1
    try:
        data = client.call("api/cart/products")
        assert "stock" not in data["error"] and data["products"][1]["stock"] is True
    finally:
        sb.state.settings["config_stock_checkout"] = 0


def test_lines_expire_one_hour_after_adding(sb: Sandbox, client: WsgiClient) -> None:
    pid = sb.add_product(name="Old")
    client.call("api/cart/add", {"product_id": str(pid)})
    old = (sb.state.clock.now() - timedelta(minutes=61)).strftime("%Y-%m-%d %H:%M:%S")
    sb.execute("UPDATE oc_cart SET date_added = ? WHERE session_id = ?", (old, client.token))
    assert client.call("api/cart/products") == {
        "products": [],
        "vouchers": [],
        "totals": [{"title": "Sub-Total", "text": "$0.00"}, {"title": "Total", "text": "$0.00"}],
    }


def test_quantity_discount_then_special_price(sb: Sandbox, client: WsgiClient) -> None:
    """Like the demo Apple Cinema: discounts by summed cart quantity, a special overrides them."""
    sb.execute(
        "CREATE TABLE IF NOT EXISTS oc_product_special (product_special_id INTEGER PRIMARY KEY, "
        "product_id INTEGER NOT NULL, customer_group_id INTEGER NOT NULL, priority INTEGER NOT NULL, "
        "price TEXT NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL)"
    )
    sb.execute(
        "CREATE TABLE IF NOT EXISTS oc_product_discount (product_discount_id INTEGER PRIMARY KEY, "
        "product_id INTEGER NOT NULL, customer_group_id INTEGER NOT NULL, quantity INTEGER NOT NULL, "
        "priority INTEGER NOT NULL, price TEXT NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL)"
    )
    bulk = sb.add_product(name="Bulk", price="100.0000")
    special = sb.add_product(name="Special", price="100.0000")
    for qty, price in ((10, "88.0000"), (20, "77.0000")):
        sb.execute(
            "INSERT INTO oc_product_discount (product_id, customer_group_id, quantity, priority, price, "
            "date_start, date_end) VALUES (?, 1, ?, 1, ?, '0000-00-00', '0000-00-00')",
            (bulk, qty, price),
        )
    for priority, price, end in (
        (2, "90.0000", "0000-00-00"),
        (1, "80.0000", "0000-00-00"),
        (0, "1.0000", "2020-01-01"),
    ):
        sb.execute(
            "INSERT INTO oc_product_special (product_id, customer_group_id, priority, price, date_start, "
            "date_end) VALUES (?, 1, ?, ?, '0000-00-00', ?)",
            (special, priority, price, end),
        )
    client.call("api/cart/add", {"product_id": str(bulk), "quantity": "9"})
    client.call("api/cart/add", {"product_id": str(special), "quantity": "1"})
    prices = {p["name"]: p["price"] for p in client.call("api/cart/products")["products"]}
    assert prices == {"Bulk": "$100.00", "Special": "$80.00"}
    # A second line of the same product (other options) counts toward the discount quantity.
    client.call("api/cart/add", [("product_id", str(bulk)), ("quantity", "11"), ("option[1]", "x")])
    prices = {p["name"]: p["price"] for p in client.call("api/cart/products")["products"]}
    assert prices == {"Bulk": "$77.00", "Special": "$80.00"}
