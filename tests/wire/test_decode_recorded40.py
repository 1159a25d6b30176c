"""The one decoder with the 4.0 dialect against EVERY recorded 4.0 catalog API exchange.

Expectations come from the recorded case label (what the recorder did: no token, unknown token,
wrong key, a disallowed IP, an unknown route) and, for the shop's own JSON answers, from the JSON
document after any PHP warning text; each error is checked for its class and its key fields
(``ip``, ``fields``, route and status). The 3.0 rules stay as they were for the same answers.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import responses

from oc_connector import errors
from oc_connector.dialect import ShopVersion
from oc_connector.wire.decode import decode_body, status_error
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport
from tests.support.recorded_exchanges import Exchange, api_files40, load40

V4 = ShopVersion.V4_0
EXCHANGES = [e for f in api_files40() for e in load40(f)]
FATAL = next(e.body for e in load40("api_token_variants.json") if "expired" in e.case)
NO_TOKEN_PAGE = next(e.body for e in load40("api_sale_cart.json") if e.case == "auth error: no api_token")
UNKNOWN_ROUTE_PAGE = next(e.body for e in load40("unknown_routes.json") if "api/order/info" in e.case)


def _json_in(body: str) -> Any:
    """The JSON document of a body, after the PHP warnings 4.0.2.3 prints before it."""
    if body.startswith("<b>"):
        body = body.rsplit("</b>", 1)[-1]
    return json.loads(body)


def expected(e: Exchange) -> type[Exception] | str:
    """The error class this exchange must raise, or "data"."""
    case = e.case.lower()
    label = case.split(":")[0]
    if e.file == "unknown_routes.json":
        return errors.RouteNotFoundError  # a valid token reached the shop: the route is what is missing
    if e.route == V4.login_route:
        if "ip" in case and "not in the api user's ip list" in case:
            return errors.IPNotAllowedError
        return errors.AuthenticationError if label.startswith("error") else "data"
    token_variant = case.startswith(("api_token with illegal", "api_token[]", "token whose"))
    if label.startswith("auth error") or token_variant:
        return errors.PermissionDenied
    document = _json_in(e.body)
    if isinstance(document, dict) and set(document) == {"error"}:
        if "Order could not be found" in str(document["error"]):
            return errors.NotFoundError
        return errors.ValidationError
    return "data"


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[e.id for e in EXCHANGES])
def test_every_recorded_40_exchange_decodes_as_expected(exchange: Exchange) -> None:
    route = str(exchange.route)
    want = expected(exchange)
    if want == "data":
        got = decode_body(route=route, status=exchange.status, body=exchange.body, version=V4)
        assert got == _json_in(exchange.body)
        return
    assert isinstance(want, type)
    with pytest.raises(want) as info:
        decode_body(route=route, status=exchange.status, body=exchange.body, version=V4)
    err = info.value
    assert type(err) is want  # not a subclass standing in for another
    assert (err.route, err.status) == (route, exchange.status)
    if isinstance(err, errors.ValidationError):
        error = _json_in(exchange.body)["error"]
        assert err.error == error
        assert err.fields == (error if isinstance(error, dict) else {})
    if isinstance(err, errors.IPNotAllowedError):
        assert err.ip == "127.0.0.1"
    if exchange.status >= 404:
        assert err.excerpt is not None and "<b>" not in err.excerpt and "<!DOCTYPE" not in err.excerpt


def test_the_recordings_hold_every_kind_of_answer_in_the_expected_numbers() -> None:
    kinds = Counter(getattr(expected(e), "__name__", "data") for e in EXCHANGES)
    api_routes = len(api_files40()) - 3  # without the login, the token variants and the unknown routes
    # two auth failures per route file, two more in the cart file, three token variants
    assert kinds["PermissionDenied"] == 2 * api_routes + 2 + 3
    assert kinds["RouteNotFoundError"] == 6
    assert kinds["AuthenticationError"] == 7 and kinds["IPNotAllowedError"] == 1
    assert (kinds["NotFoundError"], kinds["ValidationError"], kinds["data"]) == (7, 57, 121)
    assert sum(kinds.values()) == len(EXCHANGES) == 254


def test_order_confirm_reports_every_failing_check_at_once_as_fields() -> None:
    confirms = load40("api_sale_order_confirm.json")
    e = next(x for x in confirms if x.case == "error: empty session (fresh token)")
    with pytest.raises(errors.ValidationError) as info:
        decode_body(route="api/sale/order.confirm", status=200, body=e.body, version=V4)
    assert info.value.fields == {
        "product": "Warning: Products required!",
        "customer": "Warning: Customer details required!",
        "payment_address": "Warning: Payment address required!",
        "payment_method": "Warning: Payment method required!",
    }


def test_order_confirm_success_after_php_warnings_is_its_json() -> None:
    confirms = load40("api_sale_order_confirm.json")
    e = next(x for x in confirms if x.case.startswith("flow C") and "success" in x.case)
    assert e.extra.get("non_json_prefix") is True
    data = decode_body(route="api/sale/order.confirm", status=200, body=e.body, version=V4)
    assert data == {"order_id": 313, "success": "Success: You have modified orders!", "points": 0,
                    "commission": "$0.00"}


def test_login_errors_are_strings_on_40() -> None:
    wrong = next(x for x in load40("api_account_login.json") if x.case == "error: wrong key")
    with pytest.raises(errors.AuthenticationError) as auth:
        decode_body(route="api/account/login", status=200, body=wrong.body, version=V4)
    assert auth.value.error == "Warning: Incorrect API Key!"
    ip = '{"error":"Warning: Your IP 2001:db8::7 is not allowed to access this API!"}'
    with pytest.raises(errors.IPNotAllowedError) as refused:
        decode_body(route="api/account/login", status=200, body=ip, version=V4)
    assert refused.value.ip == "2001:db8::7" and "IP Addresses" in refused.value.message


def test_a_key_array_is_a_refused_login_not_a_retriable_odd_answer() -> None:
    e = next(x for x in load40("api_account_login.json") if "key[]" in x.case)
    with pytest.raises(errors.AuthenticationError) as info:
        decode_body(route="api/account/login", status=e.status, body=e.body, version=V4)
    assert info.value.retriable is False and "not a single string" in info.value.message


def test_the_40_rules_do_not_leak_into_the_30_ones() -> None:
    """The same non-JSON answers keep their 3.0 meaning: a 500 is a server error, a 404 a missing route."""
    with pytest.raises(errors.ServerError):
        decode_body(route="api/sale/cart", status=500, body=FATAL)
    with pytest.raises(errors.RouteNotFoundError):
        decode_body(route="api/sale/cart", status=404, body=NO_TOKEN_PAGE)
    with pytest.raises(errors.ValidationError):  # a 3.0 login never answers a string: not "wrong key"
        decode_body(route="api/account/login", status=200, body='{"error":"Warning: Incorrect API Key!"}')


@pytest.mark.parametrize(
    ("status", "body", "route", "cls"),
    [
        (500, FATAL, "api/sale/cart", errors.PermissionDenied),
        (500, "", "api/sale/cart", errors.ServerError),  # an empty 500: a server error, retried
        (500, "<b>Fatal error</b>: Allowed memory size exhausted", "api/sale/cart", errors.ServerError),
        (502, "<html>Bad Gateway</html>", "api/sale/cart", errors.ServerError),
        (503, FATAL, "common/home", errors.ServerError),  # not an api/* route
        (500, FATAL, "api/account/login", errors.ServerError),  # the login has no token to refuse
        (404, NO_TOKEN_PAGE, "api/sale/cart", errors.PermissionDenied),
        (404, UNKNOWN_ROUTE_PAGE, "api/order/info", errors.RouteNotFoundError),
        (404, "<html><body>nginx: 404 Not Found</body></html>", "api/sale/cart", errors.RouteNotFoundError),
        (404, NO_TOKEN_PAGE, "api/account/login", errors.RouteNotFoundError),  # a 3.0 shop has no such route
        (429, FATAL, "api/sale/cart", errors.RateLimitedError),
    ],
)
def test_the_40_status_table(status: int, body: str, route: str, cls: type[errors.ResponseError]) -> None:
    err = status_error(status, route=route, body=lambda: body, version=V4)
    assert type(err) is cls
    assert err.retriable is cls.retriable


BASE = "https://shop.example/"


@responses.activate
def test_the_transport_maps_a_refused_40_token_before_retrying_or_calling_a_write_unknown() -> None:
    transport = Transport(BASE, rate_limit=None, retry=RetryPolicy(max_attempts=4, jitter=0.0),
                          sleep=lambda _s: None)
    responses.get(f"{BASE}index.php", status=500, body=FATAL, content_type="text/html; charset=UTF-8")
    responses.post(f"{BASE}index.php", status=500, body=FATAL, content_type="text/html; charset=UTF-8")
    with pytest.raises(errors.PermissionDenied):
        transport.send("GET", "index.php", route="api/sale/cart", safe=True, version=V4)
    assert len(responses.calls) == 1  # not retried: a refused token stays refused
    with pytest.raises(errors.PermissionDenied):  # the route did not run: the outcome is known
        transport.send("POST", "index.php", route="api/sale/order.addHistory", safe=False, version=V4)
    with pytest.raises(errors.OutcomeUnknown):  # the same answer from a 3.0 shop stays a server error
        transport.send("POST", "index.php", route="api/order/history", safe=False)
