"""AdminClient against a scripted shop that answers with the real recorded pages.

The shop sits behind ``responses`` at the HTTP level, so every request goes through the
real :class:`~oc_connector.wire.transport.Transport` (retry policy, rate limiter, TLS policy).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from oc_connector.admin import AdminClient, CouponForm, VoucherForm
from oc_connector.api.client import OpenCartClient
from oc_connector.errors import (
    AdminError,
    AdminFormError,
    AdminLoginError,
    ConfigurationError,
    OutcomeUnknown,
    ServerError,
)
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport
from tests.support.recorded_exchanges import load

COUPON = load("admin_coupon.json")
VOUCHER = load("admin_voucher.json")
HISTORY = load("admin_order_history.json")
LOGIN = load("admin_login.json")
MISC = load("admin_misc.json")

PASSWORD = "pw-Very-Secret-42"
TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
BASE = "http://127.0.0.1:8080/"
URL = f"{BASE}admin/index.php"
FAST = RetryPolicy(max_attempts=3, initial_backoff=0.0, jitter=0.0)


@dataclass(frozen=True)
class Answer:
    """One scripted admin answer."""

    status: int
    text: str
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None


def _page(body: str) -> Answer:
    return Answer(status=200, text=body)


def _redirect(route: str) -> Answer:
    return Answer(status=302, text="", location=f"{BASE}admin/index.php?route={route}&user_token={TOKEN}")


class SpyTransport(Transport):
    """The real transport, noting the ``safe`` flag of each call and never sleeping."""

    def __init__(self) -> None:
        super().__init__(BASE, retry=FAST, rate_limit=None, sleep=lambda _s: None)
        self.safe_flags: list[bool] = []

    def send(self, method: str, path: str, *, safe: bool, **kwargs: Any) -> requests.Response:
        self.safe_flags.append(safe)
        return super().send(method, path, safe=safe, **kwargs)


@dataclass
class FakeShop:
    """Routes (method, route, page) to recorded pages; records what the client sent."""

    pages: dict[tuple[str, str, str], Callable[[], Answer]] = field(default_factory=dict)
    login_answers: list[Answer] = field(default_factory=list)
    sent: list[tuple[str, dict[str, str], list[tuple[str, str]] | None, bool]] = field(default_factory=list)
    transport: SpyTransport = field(default_factory=SpyTransport)

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        answer = self._answer(request)
        headers = {"Content-Type": answer.content_type}
        if answer.location is not None:
            headers["Location"] = answer.location
        return answer.status, headers, answer.text

    def _answer(self, request: requests.PreparedRequest) -> Answer:
        parts = urlsplit(request.url or "")
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == URL
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        data = parse_qsl(body, keep_blank_values=True) if body is not None else None
        assert request.method is not None
        self.sent.append((request.method, params, data, self.transport.safe_flags[-1]))
        route = params["route"]
        if route == "common/login":
            return self.login_answers.pop(0) if self.login_answers else _redirect("common/dashboard")
        if params.get("user_token") != TOKEN:
            return _page(LOGIN[16].body)
        return self.pages[(request.method, route, params.get("page", "1"))]()

    def logins(self) -> int:
        return sum(1 for _, p, _, _ in self.sent if p["route"] == "common/login")


@pytest.fixture(autouse=True)
def _http() -> Iterator[None]:
    responses.start()
    try:
        yield
    finally:
        responses.stop()
        responses.reset()


def _client(shop: FakeShop) -> AdminClient:
    responses.add_callback(responses.GET, URL, callback=shop)
    responses.add_callback(responses.POST, URL, callback=shop)
    return AdminClient(BASE, username="admin", password=PASSWORD, transport=shop.transport)


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
            Answer(200, VOUCHER[26].body, "application/json"),
            Answer(200, MISC[7].body, "application/json"),
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
    with pytest.raises(ConfigurationError):
        AdminClient("ftp://shop.example.com/", username="a", password="b")
    remote = AdminClient("http://shop.example.com/", username="a", password="b", allow_insecure_http=True)
    assert remote.transport.base_url == "http://shop.example.com/"
    assert AdminClient("http://127.0.0.2/oc", username="a", password="b").transport.base_url == "http://127.0.0.2/oc/"


def test_reads_are_retried_through_the_transport_but_form_posts_never() -> None:
    answers = iter([Answer(503, "busy"), _page(HISTORY[11].body)])
    posts = iter([Answer(503, "busy")])
    shop = FakeShop(
        pages={
            ("GET", "sale/order/history", "1"): lambda: next(answers),
            ("POST", "sale/voucher/add", "1"): lambda: next(posts),
        }
    )
    client = _client(shop)
    assert len(client.order_history(494)) == 7
    routes = [p["route"] for _, p, _, _ in shop.sent]
    assert routes == ["common/login", "sale/order/history", "sale/order/history"]
    assert client.transport.stats.snapshot()["retries"] == 1
    form = VoucherForm(code="GIFTX", from_name="A", from_email="a@example.com", to_name="B",
                       to_email="b@example.com", voucher_theme_id=7, message="", amount=Decimal("5"))
    with pytest.raises(OutcomeUnknown) as info:
        client.create_voucher(form)
    assert info.value.route == "sale/voucher/add" and info.value.status == 503
    assert [m for m, p, _, _ in shop.sent if p["route"] == "sale/voucher/add"] == ["POST"]
    assert PASSWORD not in str(info.value) and TOKEN not in str(info.value)


def test_a_read_failing_on_every_attempt_raises_the_server_error() -> None:
    shop = FakeShop(pages={("GET", "marketing/coupon/edit", "1"): lambda: Answer(502, "down")})
    with pytest.raises(ServerError) as info:
        _client(shop).coupon_form(3)
    assert (info.value.route, info.value.status) == ("marketing/coupon/edit", 502)
    assert sum(1 for _, p, _, _ in shop.sent if p["route"] == "marketing/coupon/edit") == FAST.max_attempts


def test_a_form_post_lost_in_transit_is_outcome_unknown() -> None:
    shop = FakeShop()
    responses.add_callback(responses.POST, URL, callback=shop)  # the login
    responses.add(responses.POST, URL, body=requests.ConnectionError("connection reset"))
    client = AdminClient(BASE, username="admin", password=PASSWORD, transport=shop.transport)
    with pytest.raises(OutcomeUnknown) as info:
        client.create_coupon(CouponForm(name="abc", code="LOST1"))
    assert info.value.route == "marketing/coupon/add"
    assert "may or may not have been applied" in str(info.value)
    posts = [c.request.url or "" for c in responses.calls if c.request.method == "POST"]
    assert len(posts) == 2 and "route=marketing%2Fcoupon%2Fadd" in posts[1]
    assert TOKEN not in str(info.value)


def test_admin_and_catalog_share_the_shop_limiter_but_not_the_cookie_jar() -> None:
    limit = RateLimit(per_second=3.0, burst=2)
    admin = AdminClient(BASE, username="a", password="b", rate_limit=limit)
    catalog = OpenCartClient(BASE, api_key="k", rate_limit=limit)
    other = AdminClient("http://127.0.0.1:9090/", username="a", password="b", rate_limit=limit)
    assert admin.transport._limiter is not None
    assert admin.transport._limiter is catalog.transport._limiter
    assert other.transport._limiter is not admin.transport._limiter
    assert admin.transport._session is not catalog.transport._session
    assert AdminClient(BASE, username="a", password="b", rate_limit=None).transport._limiter is None


def test_admin_client_closes_its_transport_as_a_context_manager() -> None:
    from oc_connector.admin.client import AdminClient

    closed: list[bool] = []
    with AdminClient("https://shop.example/", username="admin", password="pw") as admin:
        admin.transport.close = lambda: closed.append(True)  # type: ignore[method-assign]
    assert closed == [True]
