"""Replay recorded admin exchanges against the sandbox AdminApp and compare what the parsers read.

Preconditions are those of ``test_sandbox_admin_e2e`` (APITEST10 and GIFTADM50 exist, user groups
with and without coupon permission). Not replayed: list pages and edit forms of real rows (the
sandbox does not hold the recorded shop's 32 coupons / 71 vouchers), history fragments of real
orders (covered by the markup round-trip tests), and the dashboards (not read by the client).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from oc_connector.admin import (
    is_login_page,
    is_permission_denied,
    login_error,
    parse_coupon_form,
    parse_form_errors,
    parse_voucher_form,
)
from oc_connector_sandbox.admin import AdminApp
from tests.sandbox.admin.test_admin_e2e import PASSWORD, shop  # noqa: F401  (fixture)
from tests.support.admin_recordings import COUPON, LOGIN, MISC, VOUCHER
from tests.support.recorded_exchanges import Exchange


def _login(base: str, username: str = "admin") -> tuple[requests.Session, str]:
    session = requests.Session()
    answer = session.post(
        f"{base}admin/index.php",
        params={"route": "common/login"},
        files={"username": (None, username), "password": (None, PASSWORD)},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    token = parse_qs(urlsplit(answer.headers["Location"]).query)["user_token"][0]
    assert len(token) == 32 and token.isalnum()
    return session, token


def _replay(session: requests.Session, base: str, token: str | None, exchange: Exchange) -> requests.Response:
    query = {
        k: (token if v == "<USER_TOKEN>" else v)
        for k, v in exchange.query.items()
        if token or v != "<USER_TOKEN>"
    }
    if exchange.route is not None:
        query["route"] = exchange.route
    form = exchange.form or {}
    if "password" in form:
        form = {**form, "password": PASSWORD if form["password"] == "<PASSWORD>" else "wrong"}
    return session.request(
        exchange.method, f"{base}admin/index.php", params=query, data=form or None, allow_redirects=False
    )


FAILED_POSTS = [e for e in COUPON[8:15]] + [e for e in VOUCHER[8:15]]


@pytest.fixture
def admin(shop: tuple[str, AdminApp, object]) -> Iterator[tuple[str, requests.Session, str]]:  # noqa: F811
    base = shop[0]
    session, token = _login(base)
    yield base, session, token


@pytest.mark.parametrize("exchange", FAILED_POSTS, ids=lambda e: e.id)
def test_failed_posts_read_the_same(admin: tuple[str, requests.Session, str], exchange: Exchange) -> None:
    base, session, token = admin
    ours = _replay(session, base, token, exchange)
    assert ours.status_code == exchange.status == 200
    assert parse_form_errors(ours.text) == parse_form_errors(exchange.body)
    parse = parse_coupon_form if exchange.route and "coupon" in exchange.route else parse_voucher_form
    mine, real = parse(ours.text), parse(exchange.body)
    if parse is parse_coupon_form:
        assert (mine.name, mine.code, mine.products, mine.categories) == (
            real.name,
            real.code,
            real.products,
            real.categories,
        )
    else:
        assert mine == real


@pytest.mark.parametrize("exchange", [COUPON[6], VOUCHER[6]], ids=lambda e: e.id)
def test_successful_adds_redirect_to_the_list(
    admin: tuple[str, requests.Session, str], exchange: Exchange
) -> None:
    base, session, token = admin
    ours = _replay(session, base, token, exchange)
    assert ours.status_code == 302
    expected = exchange.extra["location"].split("index.php")[1].replace("<USER_TOKEN>", token)
    assert ours.headers["Location"].endswith(expected)
    listing = session.get(ours.headers["Location"])
    _, warning = parse_form_errors(listing.text)
    assert warning is None and "Success: You have modified" in listing.text


def test_login_pages_read_the_same(shop: tuple[str, AdminApp, object]) -> None:  # noqa: F811
    base = shop[0]
    fresh = requests.Session()
    for exchange in (LOGIN[0], LOGIN[1], LOGIN[15], LOGIN[16], LOGIN[13], LOGIN[14]):
        ours = _replay(fresh, base, None, exchange)
        assert ours.status_code == 200 and is_login_page(ours.text), exchange.id
        assert login_error(ours.text) == login_error(exchange.body), exchange.id
    session, token = _login(base)
    for exchange in (LOGIN[17], LOGIN[18]):
        ours = _replay(session, base, None, exchange)
        assert (
            login_error(ours.text)
            == login_error(exchange.body)
            == "Invalid token session. Please login again."
        )
    again = _replay(session, base, token, LOGIN[4])
    assert again.status_code == 302 and "route=common/dashboard" in again.headers["Location"]


def test_limited_user_pages_read_the_same(shop: tuple[str, AdminApp, object]) -> None:  # noqa: F811
    base = shop[0]
    session, token = _login(base, "limited")
    for exchange in (MISC[3], MISC[4], MISC[5]):
        assert is_permission_denied(_replay(session, base, token, exchange).text), exchange.id
    ours = _replay(session, base, token, MISC[6])
    assert parse_form_errors(ours.text) == parse_form_errors(MISC[6].body)
    assert _replay(session, base, token, MISC[7]).json() == {"error": "error_permission"}
