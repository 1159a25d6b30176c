"""AdminClient against a scripted shop that answers with the real recorded pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import requests
import responses
from recorded_exchanges import load

from oc_connector.admin import (
    AdminClient,
    AdminResponse,
    CouponForm,
    RequestsAdminHTTP,
    VoucherForm,
)
from oc_connector.admin.http import FormData
from oc_connector.errors import (
    AdminError,
    AdminFormError,
    AdminLoginError,
    ConfigurationError,
    OutcomeUnknown,
)

COUPON = load("admin_coupon.json")
VOUCHER = load("admin_voucher.json")
HISTORY = load("admin_order_history.json")
LOGIN = load("admin_login.json")
MISC = load("admin_misc.json")

PASSWORD = "pw-Very-Secret-42"
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
BASE = "http://127.0.0.1:8080/"


def _page(body: str) -> AdminResponse:
    return AdminResponse(status=200, text=body, content_type="text/html; charset=utf-8")


def _redirect(route: str) -> AdminResponse:
    loc = f"{BASE}admin/index.php?route={route}&user_token={TOKEN}"
    return AdminResponse(status=302, text="", location=loc)


@dataclass
class FakeShop:
    """Routes (method, route, page) to recorded pages; records what the client sent."""

    pages: dict[tuple[str, str, str], Callable[[], AdminResponse]] = field(default_factory=dict)
    login_answers: list[AdminResponse] = field(default_factory=list)
    sent: list[tuple[str, dict[str, str], list[tuple[str, str]] | None, bool]] = field(default_factory=list)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str],
        data: FormData | None = None,
        safe: bool,
    ) -> AdminResponse:
        assert url == f"{BASE}admin/index.php"
        self.sent.append((method, dict(params), list(data) if data is not None else None, safe))
        route = params["route"]
        if route == "common/login":
            return self.login_answers.pop(0) if self.login_answers else _redirect("common/dashboard")
        if params.get("user_token") != TOKEN:
            return _page(LOGIN[16].body)
        return self.pages[(method, route, params.get("page", "1"))]()

    def logins(self) -> int:
        return sum(1 for _, p, _, _ in self.sent if p["route"] == "common/login")


def _client(shop: FakeShop) -> AdminClient:
    return AdminClient(BASE, username="admin", password=PASSWORD, http=shop)


def test_login_sends_credentials_and_uses_the_token() -> None:
    shop = FakeShop(pages={("GET", "sale/order/history", "1"): lambda: _page(HISTORY[11].body)})
    rows = _client(shop).order_history(494)
    assert len(rows) == 7 and rows[0].status == "Chargeback"
    method, params, data, _ = shop.sent[0]
    assert (method, params, data) == (
        "POST",
        {"route": "common/login"},
        [("username", "admin"), ("password", PASSWORD)],
    )
    assert shop.sent[1][1] == {"route": "sale/order/history", "user_token": TOKEN, "order_id": "494"}


@pytest.mark.parametrize(
    ("answer", "needle"),
    [(LOGIN[7].body, "wrong username or password"), (LOGIN[12].body, "locked out")],
)
def test_login_failures_say_which(answer: str, needle: str) -> None:
    shop = FakeShop(login_answers=[_page(answer)])
    with pytest.raises(AdminLoginError) as info:
        _client(shop).login()
    assert needle in str(info.value)
    assert PASSWORD not in str(info.value)


def test_order_history_reads_every_page_and_stops_at_the_page_count() -> None:
    shop = FakeShop(
        pages={
            ("GET", "sale/order/history", "1"): lambda: _page(HISTORY[12].body),
            ("GET", "sale/order/history", "2"): lambda: _page(HISTORY[13].body),
        }
    )
    rows = _client(shop).order_history(104)
    assert len(rows) == 14
    assert rows[-1].comment == ""
    assert [p.get("page") for _, p, _, _ in shop.sent[1:]] == [None, "2"]


def test_iter_and_find_coupons_by_code() -> None:
    shop = FakeShop(
        pages={
            ("GET", "marketing/coupon", "1"): lambda: _page(COUPON[2].body),
            ("GET", "marketing/coupon", "2"): lambda: _page(COUPON[3].body),
        }
    )
    client = _client(shop)
    codes = [row.code for row in client.iter_coupons()]
    assert len(codes) == 32 and codes[0] < codes[-1]
    assert shop.sent[1][1]["sort"] == "code" and shop.sent[1][1]["order"] == "ASC"
    found = client.find_coupon("apitest10")
    assert found is not None and found.code == "APITEST10"
    before = len(shop.sent)
    assert client.find_coupon("0000-before-everything") is None
    assert len(shop.sent) == before + 1  # stopped on the first page


def test_session_death_logs_in_again_once() -> None:
    answers = iter([_page(LOGIN[17].body), _page(HISTORY[11].body)])
    shop = FakeShop(pages={("GET", "sale/order/history", "1"): lambda: next(answers)})
    rows = _client(shop).order_history(494)
    assert [r.status for r in rows][:2] == ["Chargeback", "Complete"]
    assert shop.logins() == 2


def test_session_dying_twice_is_an_error() -> None:
    shop = FakeShop(pages={("GET", "sale/voucher/edit", "1"): lambda: _page(LOGIN[17].body)})
    with pytest.raises(AdminError, match="session ended again"):
        _client(shop).voucher_form(98)


def test_permission_denied_names_route_and_permission() -> None:
    shop = FakeShop(pages={("GET", "marketing/coupon/edit", "1"): lambda: _page(MISC[3].body)})
    with pytest.raises(AdminError) as info:
        _client(shop).coupon_form(7)
    text = str(info.value)
    assert "access permission for 'marketing/coupon'" in text
    assert "User Groups" in text and info.value.route == "marketing/coupon/edit"


def test_forms_read_and_missing_ids_refused() -> None:
    shop = FakeShop(
        pages={
            ("GET", "marketing/coupon/edit", "1"): lambda: _page(COUPON[15].body),
            ("GET", "sale/voucher/edit", "1"): lambda: _page(VOUCHER[17].body),
        }
    )
    client = _client(shop)
    assert client.coupon_form(59).products == (40, 43)
    with pytest.raises(AdminError, match="voucher 999999 does not exist"):
        client.voucher_form(999999)


def test_create_coupon_posts_all_fields_once_and_reports_refusals() -> None:
    answers = iter([_redirect("marketing/coupon"), _page(COUPON[13].body)])
    shop = FakeShop(pages={("POST", "marketing/coupon/add", "1"): lambda: next(answers)})
    form = CouponForm(name="ab", code="APITEST10", type="P", discount=Decimal("10"), products=(40,))
    client = _client(shop)
    client.create_coupon(form)
    _, _, data, safe = shop.sent[-1]
    assert data == form.to_post() and safe is False
    with pytest.raises(AdminFormError) as info:
        client.create_coupon(form)
    assert info.value.fields == {"name": "Coupon Name must be between 3 and 128 characters!"}
    assert info.value.warning == "Warning: Coupon code is already in use!"


def test_update_voucher_refused_and_send() -> None:
    form = VoucherForm(
        code="GIFTADM50",
        from_name="A",
        from_email="a@example.com",
        to_name="B",
        to_email="b@example.com",
        voucher_theme_id=7,
        message="",
        amount=Decimal("0"),
    )
    sends = iter(
        [
            AdminResponse(200, VOUCHER[26].body, "application/json"),
            AdminResponse(200, MISC[7].body, "application/json"),
        ]
    )
    shop = FakeShop(
        pages={
            ("POST", "sale/voucher/edit", "1"): lambda: _page(VOUCHER[21].body),
            ("POST", "sale/voucher/send", "1"): lambda: next(sends),
        }
    )
    client = _client(shop)
    with pytest.raises(AdminFormError) as info:
        client.update_voucher(98, form)
    assert info.value.warning == "Warning: Voucher code is already in use!"
    assert shop.sent[-1][1]["voucher_id"] == "98"
    client.send_voucher(98)
    assert shop.sent[-1][2] == [("voucher_id", "98")]
    with pytest.raises(AdminError, match="modify permission for 'sale/voucher'"):
        client.send_voucher(98)


def test_no_secret_in_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    shop = FakeShop(pages={("GET", "marketing/coupon/edit", "1"): lambda: _page(MISC[3].body)})
    client = _client(shop)
    with pytest.raises(AdminError) as info:
        client.coupon_form(1)
    texts = [caplog.text, str(info.value), repr(info.value), repr(client)]
    for text in texts:
        assert PASSWORD not in text and TOKEN not in text


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        AdminClient("http://shop.example.com/", username="a", password="b")
    AdminClient("http://shop.example.com/", username="a", password="b", allow_insecure_http=True)


@responses.activate
def test_requests_http_retries_reads_but_not_writes() -> None:
    url = f"{BASE}admin/index.php"
    responses.add(responses.GET, url, status=503, body="busy")
    responses.add(responses.GET, url, status=302, headers={"Location": "x?route=a"})
    http = RequestsAdminHTTP(backoff=0)
    answer = http.request("GET", url, params={"route": "common/login"}, safe=True)
    assert (answer.status, answer.location) == (302, "x?route=a")
    responses.add(responses.POST, url, body=requests.ConnectionError("reset"))
    with pytest.raises(OutcomeUnknown) as info:
        http.request("POST", url, params={"route": "sale/voucher/add"}, data=[("a", "b")], safe=False)
    assert info.value.route == "sale/voucher/add"
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1
