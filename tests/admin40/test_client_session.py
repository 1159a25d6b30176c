"""Admin40Client's two-step login, re-login and errors against the recorded login exchanges."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from oc_connector.admin40 import Admin40Client
from oc_connector.errors import AdminError, AdminLoginError, ConfigurationError
from tests.support.admin40_shop import (
    LOGIN,
    LOGIN_TOKENS,
    PASSWORD,
    TOKEN,
    Answer,
    Shop40,
    client_for,
    mocked_http,
    real,
)

#: the exchanges of admin_login.json these tests replay, and what each shows
COVERED = {
    ("admin_login.json", 0): "the login page: its form action carries the login token",
    ("admin_login.json", 1): "a wrong password: JSON error -> AdminLoginError",
    ("admin_login.json", 2): "no login token: redirect to common/login -> a fresh token",
    ("admin_login.json", 3): "the login page with the session's error message: still a login form",
    ("admin_login.json", 4): "a wrong login token: the same redirect as a missing one",
    ("admin_login.json", 5): "empty credentials: the same JSON error as a wrong password",
    ("admin_login.json", 6): "success: the user_token from the JSON redirect",
    ("admin_login.json", 7): "a used login token: the redirect to common/login",
    ("admin_login.json", 8): "the dashboard is a page, not a login form",
    ("admin_login.json", 9): "no user_token: the login page in place of the page",
    ("admin_login.json", 10): "a wrong user_token: the login page",
    ("admin_login.json", 11): "the right token without the session cookie: the login page",
    ("admin_login.json", 12): "an AJAX fragment with a wrong token: the login page",
    ("admin_login.json", 13): "success with a redirect that has its own query: the user_token still read",
    ("admin_login.json", 15): "the old token after a logout: the login page",
}
NOT_READ = {
    ("admin_login.json", 14): "common/logout: the client never logs out (the session expires by itself)",
}


@pytest.fixture(autouse=True)
def _http() -> Iterator[None]:
    yield from mocked_http()


def test_login_gets_a_login_token_then_posts_the_credentials_to_it() -> None:
    shop = Shop40()
    rows = client_for(shop).order_history(312)
    assert [r.status for r in rows] == ["Processing", "Shipped", "Complete", "Pending"]
    first, second, third = shop.sent[:3]
    assert (first.method, first.params) == ("GET", {"route": "common/login"})
    assert second.method == "POST"
    assert second.params == {"route": "common/login.login", "login_token": LOGIN_TOKENS[0]}
    assert second.data == [("username", "admin"), ("password", PASSWORD), ("redirect", "")]
    assert third.params == {"route": "sale/order.history", "user_token": TOKEN, "order_id": "312"}
    assert shop.transport.safe_flags[:3] == [True, True, True]


@pytest.mark.parametrize("index", [1, 5])
def test_refused_credentials_are_a_login_error_without_the_password(index: int) -> None:
    shop = Shop40(password="another")
    with pytest.raises(AdminLoginError) as info:
        client_for(shop).login()
    assert "wrong username or password" in str(info.value)
    assert "No match for Username and/or Password." in str(info.value)
    assert PASSWORD not in str(info.value)
    assert LOGIN[index].body == LOGIN[1].body  # empty fields answer as a wrong password does


def test_a_refused_login_token_is_fetched_again_once() -> None:
    shop = Shop40(refuse_login_tokens=1)
    client = client_for(shop)
    client.login()
    assert shop.routes() == ["common/login", "common/login.login", "common/login", "common/login.login"]
    assert shop.sent[3].params["login_token"] == LOGIN_TOKENS[1]
    assert [LOGIN[i].body for i in (2, 4, 7)] == [LOGIN[2].body] * 3  # missing, wrong, used: one answer


def test_a_login_token_spoilt_by_reads_in_flight_is_fetched_again_up_to_four_times() -> None:
    # each read still in flight with an old user_token is shown the login page, which replaces the
    # session's login token: three in a row still end in a login
    shop = Shop40(refuse_login_tokens=3)
    client_for(shop).login()
    assert shop.routes().count("common/login.login") == 4


def test_four_refused_login_tokens_are_an_error() -> None:
    shop = Shop40(refuse_login_tokens=4)
    with pytest.raises(AdminError, match="refused 4 fresh login tokens"):
        client_for(shop).login()


def test_the_user_token_is_read_from_a_redirect_with_its_own_query() -> None:
    shop = Shop40()
    shop_login = shop._login

    def with_query(sent):  # type: ignore[no-untyped-def]
        shop_login(sent)
        return Answer(200, real(LOGIN[13].body), "application/json")

    shop._login = with_query  # type: ignore[method-assign]
    assert len(client_for(shop).order_history(313)) == 2


@pytest.mark.parametrize("index", [3, 9, 10, 11, 12, 15])
def test_a_login_page_in_place_of_a_page_logs_in_again_once(index: int) -> None:
    shop = Shop40()
    client = client_for(shop)
    client.login()
    answers = iter([Answer(200, real(LOGIN[index].body))])
    real_history = shop._replay

    def once(sent):  # type: ignore[no-untyped-def]
        answer = next(answers, None)
        if answer is not None:
            shop.end_session()
            return answer
        ex = next(e for k, e in real_history.items()
                  if k[1] == "sale/order.history" and ("order_id", "313") in k[2])
        return Answer(200, real(ex.body))

    shop.overrides[("GET", "sale/order.history")] = once
    assert len(client.order_history(313)) == 2
    assert shop.logins() == 2


def test_a_session_lost_again_after_the_new_login_is_an_error() -> None:
    shop = Shop40()
    client = client_for(shop)

    def lost(_sent):  # type: ignore[no-untyped-def]
        shop.end_session()
        return Answer(200, real(LOGIN[11].body))

    shop.overrides[("GET", "sale/voucher.form")] = lost
    with pytest.raises(AdminError, match="session ended again"):
        client.voucher_form(10)


def test_the_dashboard_is_not_taken_for_a_login_page() -> None:
    from oc_connector.admin.session import _shows_login

    assert not _shows_login(real(LOGIN[8].body))
    assert all(_shows_login(real(LOGIN[i].body)) for i in (0, 3, 9, 10, 11, 12, 15))


def test_no_secret_in_logs_errors_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    shop = Shop40()
    client = client_for(shop)

    def denied(_sent):  # type: ignore[no-untyped-def]
        return Answer(200, "<html><body><h1>Permission Denied!</h1></body></html>")

    shop.overrides[("GET", "marketing/coupon.form")] = denied
    with pytest.raises(AdminError) as info:
        client.coupon_form(7)
    assert "lacks the access permission for 'marketing/coupon'" in str(info.value)
    for text in (caplog.text, str(info.value), repr(info.value), repr(client)):
        assert PASSWORD not in text and TOKEN not in text and LOGIN_TOKENS[0] not in text


def test_the_constructor_is_the_shared_one() -> None:
    with pytest.raises(ConfigurationError):
        Admin40Client("http://shop.example.com/", username="a", password="b")
    client = Admin40Client("http://127.0.0.2/oc", username="a", password="b", admin_path="/backend/")
    assert client.transport.base_url == "http://127.0.0.2/oc/"
    assert repr(client) == "Admin40Client('http://127.0.0.2/oc/backend/index.php', username='a')"
