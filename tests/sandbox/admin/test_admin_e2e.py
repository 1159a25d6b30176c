"""AdminClient end to end against the sandbox AdminApp, served on loopback by wsgiref.

The sandbox's ``ShopState``/schema were not in the repository when this was written, so
the state here is a minimal stand-in holding only the OpenCart tables AdminApp reads
(see ``oc_connector_sandbox.admin``); replace it with ``Sandbox.start()`` once that lands.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from oc_connector.admin import AdminClient, CouponForm, VoucherForm
from oc_connector.errors import AdminError, AdminFormError, AdminLoginError
from oc_connector.secret import REDACTED, RedactingFilter
from oc_connector_sandbox.admin import AdminApp, password_hash

PASSWORD = "S3cret&<pass>"
SCHEMA = """
CREATE TABLE oc_user_group (user_group_id INTEGER PRIMARY KEY, name TEXT, permission TEXT);
CREATE TABLE oc_user (user_id INTEGER PRIMARY KEY, user_group_id INT, username TEXT, password TEXT,
  salt TEXT, status INT);
CREATE TABLE oc_customer_login (customer_login_id INTEGER PRIMARY KEY, email TEXT, ip TEXT, total INT,
  date_added TEXT, date_modified TEXT);
CREATE TABLE oc_coupon (coupon_id INTEGER PRIMARY KEY, name TEXT, code TEXT, type TEXT, discount REAL,
  logged INT, shipping INT, total REAL, date_start TEXT, date_end TEXT, uses_total INT,
  uses_customer INT, status INT, date_added TEXT);
CREATE TABLE oc_coupon_product (coupon_product_id INTEGER PRIMARY KEY, coupon_id INT, product_id INT);
CREATE TABLE oc_coupon_category (coupon_id INT, category_id INT);
CREATE TABLE oc_product_description (product_id INT, language_id INT, name TEXT);
CREATE TABLE oc_category_description (category_id INT, language_id INT, name TEXT);
CREATE TABLE oc_voucher (voucher_id INTEGER PRIMARY KEY, order_id INT, code TEXT, from_name TEXT,
  from_email TEXT, to_name TEXT, to_email TEXT, voucher_theme_id INT, message TEXT, amount REAL,
  status INT, date_added TEXT);
CREATE TABLE oc_voucher_theme_description (voucher_theme_id INT, language_id INT, name TEXT);
CREATE TABLE oc_order_status (order_status_id INT, language_id INT, name TEXT);
CREATE TABLE oc_order_history (order_history_id INTEGER PRIMARY KEY, order_id INT, order_status_id INT,
  notify INT, comment TEXT, date_added TEXT);
"""


@dataclass
class MiniState:
    db: sqlite3.Connection
    lock: threading.RLock = field(default_factory=threading.RLock)
    now: datetime = datetime(2026, 11, 27, 12, 0, 0)

    def clock(self) -> datetime:
        return self.now


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def _state() -> MiniState:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.executescript(SCHEMA)
    full = json.dumps(
        {
            "access": ["marketing/coupon", "sale/voucher", "sale/order"],
            "modify": ["marketing/coupon", "sale/voucher", "sale/order"],
        }
    )
    limited = json.dumps({"access": ["sale/voucher", "sale/order"], "modify": []})
    db.execute(
        "INSERT INTO oc_user_group VALUES (1, 'Administrator', ?), (11, 'limited', ?)", (full, limited)
    )
    escaped = "S3cret&amp;&lt;pass&gt;"
    db.execute(
        "INSERT INTO oc_user VALUES (1, 1, 'admin', ?, 'salt1', 1)", (password_hash(escaped, "salt1"),)
    )
    db.execute(
        "INSERT INTO oc_user VALUES (2, 11, 'limited', ?, 'salt2', 1)", (password_hash(escaped, "salt2"),)
    )
    db.execute(
        "INSERT INTO oc_user VALUES (3, 11, 'lockme', ?, 'salt3', 1)", (password_hash(escaped, "salt3"),)
    )
    db.execute("INSERT INTO oc_product_description VALUES (40, 1, 'iPhone'), (43, 1, 'MacBook')")
    db.execute("INSERT INTO oc_category_description VALUES (18, 1, 'Laptops &amp; Notebooks')")
    db.execute("INSERT INTO oc_voucher_theme_description VALUES (7, 1, 'Birthday'), (8, 1, 'General')")
    db.execute(
        "INSERT INTO oc_coupon (name, code, type, discount, logged, shipping, total, date_start, date_end,"
        " uses_total, uses_customer, status) VALUES ('API test 10 percent', 'APITEST10', 'P', 10, 0, 0, 0,"
        " '2020-01-01', '2035-12-31', 100000, 100000, 1)"
    )
    for i in range(25):
        db.execute(
            "INSERT INTO oc_coupon (name, code, type, discount, logged, shipping, total, date_start,"
            " date_end, uses_total, uses_customer, status) VALUES (?, ?, 'F', ?, 0, 0, 0, '2026-01-01',"
            " '2027-12-31', 1, 1, ?)",
            (f"Bulk {i:02d}", f"BULK{i:02d}", i, int(i % 3 != 2)),
        )
    db.execute(
        "INSERT INTO oc_voucher (order_id, code, from_name, from_email, to_name, to_email, voucher_theme_id,"
        " message, amount, status, date_added) VALUES (0, 'GIFTADM50', 'A', 'a@example.com', 'B',"
        " 'b@example.com', 8, 'hi', 50, 1, '2026-11-01 10:00:00')"
    )
    db.execute(
        "INSERT INTO oc_order_status VALUES (1, 1, 'Pending'), (2, 1, 'Processing'), (5, 1, 'Complete')"
    )
    start = datetime(2026, 1, 1)
    for i in range(14):
        status = 999 if i == 4 else (1, 2, 5)[i % 3]
        db.execute(
            "INSERT INTO oc_order_history (order_id, order_status_id, notify, comment, date_added)"
            " VALUES (104, ?, ?, ?, ?)",
            (status, i % 2, f"row {i} &amp; &lt;b&gt;", (start + timedelta(days=i)).isoformat(sep=" ")),
        )
    db.commit()
    return MiniState(db=db)


@pytest.fixture
def shop() -> Iterator[tuple[str, AdminApp, MiniState]]:
    state = _state()
    app = AdminApp(state)
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", app, state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        state.db.close()


def _client(base: str, username: str = "admin", password: str = PASSWORD) -> AdminClient:
    return AdminClient(base, username=username, password=password)


def test_coupon_create_find_read_update_and_duplicates(
    shop: tuple[str, AdminApp, MiniState], caplog: pytest.LogCaptureFixture
) -> None:
    # urllib3 logs request URLs (with user_token) at DEBUG: the project's defence is the
    # RedactingFilter on handlers, which works because the client registers the token.
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())
    base, app, _ = shop
    client = _client(base)
    assert len(list(client.iter_coupons())) == 26
    form = CouponForm(
        name='Promo "winter" & more',
        code="WINTER26",
        type="P",
        discount=Decimal("12.5"),
        total=Decimal("100"),
        shipping=True,
        products=(43, 40),
        categories=(18,),
        date_start=datetime(2026, 12, 1).date(),
        date_end=datetime(2027, 1, 31).date(),
        uses_total=50,
        uses_customer=2,
    )
    client.create_coupon(form)
    row = client.find_coupon("winter26")
    assert row is not None and row.code == "WINTER26" and row.discount == Decimal("12.5")
    read = client.coupon_form(row.coupon_id)
    assert read == CouponForm(**{**form.__dict__, "products": (40, 43)})
    client.update_coupon(row.coupon_id, CouponForm(**{**read.__dict__, "status": False}))
    assert client.coupon_form(row.coupon_id).status is False
    with pytest.raises(AdminFormError) as info:
        client.create_coupon(CouponForm(name="x", code="apitest10"))
    assert info.value.warning == "Warning: Coupon code is already in use!"
    assert info.value.fields == {"name": "Coupon Name must be between 3 and 128 characters!"}
    assert client.find_coupon("NOPE") is None
    token = next(iter(s["user_token"] for s in app._sessions.values() if "user_token" in s))
    for text in (caplog.text, str(info.value)):
        assert PASSWORD not in text and token not in text
    # the filter really had urllib3's request lines to work on, and masked the token in them
    urllib3_lines = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    url_lines = [line for line in urllib3_lines if "GET /" in line]
    assert url_lines and all(f"user_token={REDACTED}" in line for line in url_lines)


def test_vouchers_send_and_permissions(shop: tuple[str, AdminApp, MiniState]) -> None:
    base, _, _ = shop
    client = _client(base)
    form = VoucherForm(
        code="GIFTNEW1",
        from_name="Ann",
        from_email="ann@example.com",
        to_name="Bo",
        to_email="bo@example.com",
        voucher_theme_id=7,
        message="Hi\nthere & <you>",
        amount=Decimal("25"),
    )
    client.create_voucher(form)
    row = client.find_voucher("giftnew1")
    assert row is not None and (row.amount, row.theme, row.order_id) == (Decimal("25"), "Birthday", None)
    assert client.voucher_form(row.voucher_id) == form
    with pytest.raises(AdminFormError, match="already in use"):
        client.update_voucher(row.voucher_id, VoucherForm(**{**form.__dict__, "code": "GIFTADM50"}))
    client.send_voucher(row.voucher_id)
    limited = _client(base, "limited")
    with pytest.raises(AdminError, match="access permission for 'marketing/coupon'"):
        limited.coupon_form(1)
    with pytest.raises(AdminFormError, match="permission to modify vouchers"):
        limited.create_voucher(VoucherForm(**{**form.__dict__, "code": "GIFTNEW2"}))
    with pytest.raises(AdminError, match="modify permission for 'sale/voucher'"):
        limited.send_voucher(row.voucher_id)


def test_order_history_across_pages_and_relogin(shop: tuple[str, AdminApp, MiniState]) -> None:
    base, app, _ = shop
    client = _client(base)
    rows = client.order_history(104)
    assert len(rows) == 13  # 14 rows, one with a status that has no name
    assert rows[0].comment == "row 13 & <b>" and rows[0].status == "Processing"
    assert [r.date_added.day for r in rows][:3] == [14, 13, 12]
    app._sessions.clear()  # the session dies server-side
    assert len(client.order_history(104)) == 13


def test_login_failures_and_lock_out(shop: tuple[str, AdminApp, MiniState]) -> None:
    base, _, state = shop
    with pytest.raises(AdminLoginError, match="wrong username or password"):
        _client(base, "nosuchuser", "x").login()
    for _ in range(5):
        with pytest.raises(AdminLoginError, match="wrong username or password") as info:
            _client(base, "lockme", "wrong-pass").login()
        assert "wrong-pass" not in str(info.value)
    with pytest.raises(AdminLoginError, match="locked out"):
        _client(base, "lockme").login()
    state.now += timedelta(hours=1, minutes=1)
    _client(base, "lockme").login()
