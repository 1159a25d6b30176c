"""The catalog client speaks both dialects: the version detected at login (or configured), and 4.0's
token renewal, order writes and refusals, against shops replaying the real shops' recorded answers."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from oc_connector import errors
from oc_connector.api.client import OpenCartClient
from oc_connector.dialect import ShopVersion
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport
from tests.support.replay_shop import BASE, KEY, recorded30, recorded40, shop30, shop40

V3, V4 = ShopVersion.V3_0, ShopVersion.V4_0
CART40 = {"api/sale/cart": recorded40("api_sale_cart.json", "empty cart (fresh token)")}
HISTORY40 = {"api/sale/order.addHistory": recorded40(
    "api_sale_order_addHistory.json", "success: order 312 -> 2 Processing"
)}
ORDER30 = {"api/order/info": recorded30("api_order_info.json", "success: order created with status 2")}


def make_client(**kw: Any) -> OpenCartClient:
    transport = Transport(BASE, rate_limit=None, retry=RetryPolicy(max_attempts=3, jitter=0.0),
                          sleep=lambda _s: None)
    kw.setdefault("api_key", KEY)
    return OpenCartClient(BASE, transport=transport, **kw)


# -- detection -----------------------------------------------------------------------------------


@responses.activate
def test_a_30_shop_is_detected_by_its_login_with_no_extra_request() -> None:
    shop = shop30(ORDER30)
    client = make_client()
    assert client.version is None and client.version_info is None
    assert client.order_info_raw(9)["order_id"] == "9"
    assert shop.routes_sent == ["api/login", "api/order/info"]
    assert client.version is V3
    info = client.version_info
    assert info is not None and (info.source, info.evidence) == ("detected", "api/login answered")
    assert info.describe() == "OpenCart 3.0 (detected: api/login answered)"


@responses.activate
def test_a_40_shop_is_detected_with_one_extra_request_and_only_once() -> None:
    shop = shop40(CART40)
    client = make_client()
    assert client.call("api/sale/cart", method="GET", safe=True)["products"] == []
    shop.expire_all()
    client.call("api/sale/cart", method="GET", safe=True)  # renewed: straight to the 4.0 login
    assert shop.routes_sent == [
        "api/login", "api/account/login", "api/sale/cart",
        "api/sale/cart", "api/account/login", "api/sale/cart",
    ]
    assert client.version is V4
    assert client.version_info is not None
    assert client.version_info.describe() == (
        "OpenCart 4.0 (detected: api/account/login answered, api/login is a 404 page)"
    )
    assert client.stats["logins"] == 2 and client.stats["relogins"] == 1


@responses.activate
@pytest.mark.parametrize(("version", "login"), [(V3, "api/login"), (V4, "api/account/login")])
def test_a_configured_version_skips_detection(version: ShopVersion, login: str) -> None:
    shop = (shop30 if version is V3 else shop40)()
    client = make_client(version=version.value)
    assert client.version is version  # known before any request
    client.login()
    assert shop.routes_sent == [login]
    assert client.version_info is not None and client.version_info.source == "configured"
    described = client.version_info.describe()
    assert described == f"OpenCart {version.value} (configured: set in the configuration)"


@responses.activate
def test_a_wrong_key_on_40_is_a_refused_login_not_a_wrong_version() -> None:
    shop = shop40()
    client = make_client(api_key="not-the-key")
    with pytest.raises(errors.AuthenticationError) as info:
        client.login()
    assert info.value.route == "api/account/login" and info.value.error == "Warning: Incorrect API Key!"
    assert client.version is V4  # the 4.0 login route itself refused: the version is known anyway
    assert shop.routes_sent == ["api/login", "api/account/login"]
    with pytest.raises(errors.AuthenticationError):
        client.login()
    assert shop.routes_sent[2:] == ["api/account/login"]  # no second detection


@responses.activate
def test_a_wrong_key_on_30_never_tries_the_40_route() -> None:
    shop = shop30()
    client = make_client(api_key="not-the-key")
    with pytest.raises(errors.AuthenticationError):
        client.login()
    assert shop.routes_sent == ["api/login"] and client.version is V3


@responses.activate
@pytest.mark.parametrize(("version", "ip"), [("3.0", "127.0.0.2"), ("4.0", "127.0.0.1")])
def test_a_disallowed_ip_is_named_in_both_dialects(version: str, ip: str) -> None:
    shop = (shop30 if version == "3.0" else shop40)()
    shop.ip_blocked = True
    client = make_client()
    with pytest.raises(errors.IPNotAllowedError) as info:
        client.login()
    assert info.value.ip == ip and client.version is ShopVersion(version)


@responses.activate
def test_a_url_with_neither_login_route_says_so() -> None:
    responses.post(BASE + "index.php", status=404, body="<html><body>404 Not Found</body></html>")
    client = make_client()
    with pytest.raises(errors.RouteNotFoundError) as info:
        client.login()
    assert "neither api/login" in info.value.message and "api/account/login" in info.value.message
    assert client.version is None and len(responses.calls) == 2


@responses.activate
@pytest.mark.parametrize(("configured", "shop", "other"), [("3.0", shop40, "4.0"), ("4.0", shop30, "3.0")])
def test_a_configured_version_the_shop_does_not_speak_says_which_to_try(
    configured: str, shop: Any, other: str
) -> None:
    replay = shop()
    with pytest.raises(errors.RouteNotFoundError) as info:
        make_client(version=configured).login()
    assert f"is the shop on OpenCart {other}" in info.value.message
    assert "OPENCART_VERSION=auto" in info.value.message
    assert len(replay.sent) == 1


def test_a_bad_configured_version_is_a_configuration_error() -> None:
    with pytest.raises(errors.ConfigurationError, match=r"version must be auto, 3\.0 or 4\.0"):
        make_client(version="5.1")


# -- token renewal on 4.0 --------------------------------------------------------------------------


@responses.activate
def test_a_40_token_refused_with_the_php_fatal_is_renewed_and_the_call_sent_again() -> None:
    shop = shop40(CART40)
    client = make_client(version="4.0")
    client.login()
    first = next(iter(shop.live))
    shop.expire_all()  # the shop now answers the old token with HTTP 500 and the session fatal
    assert client.call("api/sale/cart", method="GET", safe=True)["products"] == []
    assert [(r, t == first) for r, t in shop.sent] == [
        ("api/account/login", False), ("api/sale/cart", True),
        ("api/account/login", False), ("api/sale/cart", False),
    ]
    assert client.stats["relogins"] == 1 and client.stats["retries"] == 0  # renewed, never retried as a 500


@responses.activate
def test_a_40_404_page_without_the_token_is_a_refused_token_and_is_renewed() -> None:
    shop = shop40(CART40)
    client = make_client(version="4.0")
    shop.drop_token = 1  # a proxy strips api_token once: the shop answers its 404 page
    assert client.call("api/sale/cart", method="GET", safe=True)["products"] == []
    assert shop.routes_sent == ["api/account/login", "api/sale/cart", "api/account/login", "api/sale/cart"]


@responses.activate
def test_a_40_write_refused_by_the_fatal_is_resent_on_the_new_token_not_outcome_unknown() -> None:
    shop = shop40(HISTORY40)
    client = make_client(version="4.0")
    client.login()
    shop.expire_all()
    client.add_order_history(312, order_status_id=2, comment="Payment received, thank you.")
    assert shop.routes_sent == [
        "api/account/login", "api/sale/order.addHistory", "api/account/login", "api/sale/order.addHistory",
    ]


@responses.activate
@pytest.mark.parametrize(
    ("change", "cls"),
    [("key_ok", errors.AuthenticationError), ("ip_blocked", errors.IPNotAllowedError)],
)
def test_a_40_renewal_whose_login_fails_surfaces_the_login_error(change: str, cls: type[Exception]) -> None:
    shop = shop40(CART40)
    client = make_client(version="4.0")
    client.login()
    shop.expire_all()
    setattr(shop, change, change == "ip_blocked")  # API user disabled (key refused) or IP removed
    with pytest.raises(cls) as info:
        client.call("api/sale/cart", method="GET", safe=True)
    if isinstance(info.value, errors.IPNotAllowedError):
        assert info.value.ip == "127.0.0.1"
    assert shop.routes_sent == ["api/account/login", "api/sale/cart", "api/account/login"]


@responses.activate
def test_an_unknown_route_on_40_with_a_good_token_is_not_taken_for_a_token_problem() -> None:
    shop = shop40()
    client = make_client(version="4.0")
    with pytest.raises(errors.RouteNotFoundError) as info:
        client.call("api/sale/nosuch", method="GET", safe=True)
    assert "OpenCart 4.0" in info.value.message
    assert shop.routes_sent == ["api/account/login", "api/sale/nosuch"]  # no renewal


# -- what the client itself does on 4.0 -------------------------------------------------------------


@responses.activate
def test_reading_an_order_on_40_is_refused_with_the_reason_and_nothing_is_sent_for_it() -> None:
    shop = shop40()
    client = make_client()
    with pytest.raises(errors.UnsupportedOnVersion) as info:
        client.order_info(9)
    assert info.value.version == "4.0"
    assert "no API route that reads an order" in info.value.message and "admin user" in info.value.message
    assert shop.routes_sent == ["api/login", "api/account/login"]  # only the login that found the version
    with pytest.raises(errors.UnsupportedOnVersion):
        client.order_info_raw(9)
    assert len(shop.sent) == 2


@responses.activate
def test_add_order_history_on_40_posts_the_order_id_and_always_a_status() -> None:
    shop = shop40(HISTORY40)
    client = make_client(version="4.0")
    client.add_order_history(312, order_status_id=2, comment="Payment received, thank you.", notify=True)
    assert shop.routes_sent[-1] == "api/sale/order.addHistory"
    assert shop.forms[-1] == {
        "order_id": ["312"], "order_status_id": ["2"], "comment": ["Payment received, thank you."],
        "notify": ["1"], "override": ["0"],
    }
    assert "order_id" not in shop.queries[-1]  # 4.0 reads it from the POST body only


@responses.activate
def test_add_order_history_on_40_for_an_unknown_order_is_not_found() -> None:
    shop40({"api/sale/order.addHistory": recorded40("api_sale_order_addHistory.json", "error: order 999999")})
    with pytest.raises(errors.NotFoundError):
        make_client(version="4.0").add_order_history(999999, order_status_id=2)


@responses.activate
def test_delete_order_on_40_uses_the_sale_route() -> None:
    deleted = recorded40("api_sale_order_delete.json", "order 999999: still success")
    shop = shop40({"api/sale/order.delete": deleted})
    make_client(version="4.0").delete_order(999999)  # 4.0 answers success for any id (documented)
    assert shop.routes_sent[-1] == "api/sale/order.delete" and shop.queries[-1]["order_id"] == ["999999"]


@responses.activate
def test_the_30_order_writes_keep_their_routes() -> None:
    shop = shop30({
        "api/order/history": recorded30("api_order_history.json", "success: Pending -> ... -> Shipped (3)"),
        "api/order/delete": recorded30("api_order_delete.json", "success: delete"),
    })
    client = make_client()
    client.add_order_history(9, order_status_id=2)
    client.delete_order(9)
    assert shop.routes_sent == ["api/login", "api/order/history", "api/order/delete"]
    assert shop.queries[1]["order_id"] == ["9"] and "order_id" not in shop.forms[1]


@responses.activate
def test_a_cart_session_on_40_is_refused_with_the_reason() -> None:
    shop40(CART40)
    client = make_client(version="4.0")
    with pytest.raises(errors.UnsupportedOnVersion) as info:
        client.session()
    assert "order.confirm" in info.value.message and "exactly once" in info.value.message
    assert len(responses.calls) == 0


@responses.activate
def test_a_cart_session_made_before_the_version_is_known_refuses_at_its_login() -> None:
    shop = shop40(CART40)
    client = make_client()
    session = client.session()  # the version is not known yet: nothing sent
    assert len(shop.sent) == 0
    with pytest.raises(errors.UnsupportedOnVersion):
        session.cart()
    assert shop.routes_sent == ["api/login", "api/account/login"]  # refused before any cart route
    assert client.version is V4  # the session's detection is the client's too
    with pytest.raises(errors.UnsupportedOnVersion):
        client.session()
