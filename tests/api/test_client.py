"""OpenCartClient, Transport, RetryPolicy and the limiter against mocked shops (``responses``)."""

from __future__ import annotations

import logging
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from oc_connector import errors
from oc_connector.api.client import OpenCartClient
from oc_connector.wire.ratelimit import Limiter, RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport, check_url_security
from tests.support.recorded_exchanges import load

BASE = "https://shop.example/"
URL = BASE + "index.php"
KEY = "SECRET-api-key-0123456789"
TOKEN1 = "aaaaaaaaaaaaaaaaaaaaaaaa01"
TOKEN2 = "bbbbbbbbbbbbbbbbbbbbbbbb02"
LOGIN_OK = '{"success":"Success: API session successfully started!","api_token":"%s"}'
DENIED = '{"error":"Warning: You do not have permission to access the API!"}'
ORDER_BODY = next(
    e.body for e in load("api_order_info.json") if e.case == "success: order created with status 2"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def make_client(clock: FakeClock | None = None, **kw: object) -> OpenCartClient:
    clock = clock or FakeClock()
    transport = Transport(BASE, rate_limit=None, retry=kw.pop("retry", RetryPolicy()), sleep=clock.sleep)  # type: ignore[arg-type]
    return OpenCartClient(BASE, api_key=KEY, clock=clock, transport=transport, **kw)  # type: ignore[arg-type]


def route_of(call: responses.Call) -> str:
    return parse_qs(urlsplit(call.request.url).query)["route"][0]


def query_of(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_lazy_login_then_order_info_typed() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=ORDER_BODY)
    client = make_client()
    order = client.order_info(9)
    assert order.order_id == 9 and order.total == Decimal("252.0000") and order.order_status_id == 2
    login, info = responses.calls
    assert route_of(login) == "api/login"
    assert parse_qs(login.request.body) == {"username": ["Default"], "key": [KEY]}
    assert "key" not in query_of(login)
    assert query_of(info) == {"route": ["api/order/info"], "api_token": [TOKEN1], "order_id": ["9"]}
    assert client.stats["logins"] == 1 and client.stats["by_route"]["api/order/info"] == 1


@responses.activate
def test_credentials_in_header_only() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    client = make_client(credentials_in="header")
    client.login()
    req = responses.calls[0].request
    assert req.headers["Authorization"].startswith("Basic ")
    assert not req.body


@responses.activate
def test_not_found() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body='{"error":"Warning: Order could not be found!"}')
    with pytest.raises(errors.NotFoundError):
        make_client().order_info_raw(999)


@responses.activate
def test_reactive_relogin_once_after_a_token_that_worked() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=ORDER_BODY)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=ORDER_BODY)
    client = make_client()
    client.order_info_raw(9)
    assert client.order_info_raw(9)["order_id"] == "9"
    assert query_of(responses.calls[4])["api_token"] == [TOKEN2]
    assert client.stats["relogins"] == 1


@responses.activate
def test_a_shop_that_refuses_every_new_token_stops_after_dead_tokens_logins() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=DENIED)
    with pytest.raises(errors.PermissionDenied, match="refused 3 new api_tokens in a row"):
        make_client(dead_tokens=3).order_info_raw(9)
    routes = [query_of(c)["route"][0] for c in responses.calls]
    assert routes == ["api/login", "api/order/info"] * 3  # three logins, then a clear stop, no loop


@responses.activate
def test_proactive_relogin_after_idle() -> None:
    clock = FakeClock()
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=ORDER_BODY)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=ORDER_BODY)
    client = make_client(clock, token_max_idle=60)
    client.order_info_raw(9)
    clock.now += 61
    client.order_info_raw(9)
    assert [route_of(c) for c in responses.calls] == ["api/login", "api/order/info"] * 2
    assert query_of(responses.calls[3])["api_token"] == [TOKEN2]


@responses.activate
def test_login_errors() -> None:
    responses.post(URL, body="[]")
    with pytest.raises(errors.AuthenticationError):
        make_client().login()
    responses.replace(
        responses.POST,
        URL,
        body='{"error":{"ip":"Warning: Your IP 10.1.2.3 is not allowed to access this API!"}}',
    )
    with pytest.raises(errors.IPNotAllowedError) as info:
        make_client().login()
    assert info.value.ip == "10.1.2.3"


@responses.activate
def test_safe_calls_retry_and_honour_retry_after() -> None:
    clock = FakeClock()
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, status=429, headers={"Retry-After": "7"})
    responses.get(URL, status=502)
    responses.get(URL, body=ORDER_BODY)
    client = make_client(clock, retry=RetryPolicy(initial_backoff=0.5, jitter=0.0))
    assert client.order_info_raw(9)["order_id"] == "9"
    assert clock.sleeps == [7.0, 1.0]
    assert client.stats["retries"] == 2


@responses.activate
def test_retries_stop_after_max_attempts() -> None:
    clock = FakeClock()
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, status=503)
    client = make_client(clock, retry=RetryPolicy(max_attempts=3, jitter=0.0))
    with pytest.raises(errors.ServerError):
        client.order_info_raw(9)
    assert len(responses.calls) == 4 and len(clock.sleeps) == 2


@responses.activate
def test_writes_are_never_retried_and_surface_outcome_unknown() -> None:
    clock = FakeClock()
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.post(URL, status=500)
    client = make_client(clock)
    with pytest.raises(errors.OutcomeUnknown) as info:
        client.add_order_history(9, order_status_id=5, comment="done")
    assert isinstance(info.value.cause, errors.ServerError)
    assert len(responses.calls) == 2 and clock.sleeps == []
    hist = responses.calls[1].request
    assert query_of(responses.calls[1])["order_id"] == ["9"]
    assert parse_qs(hist.body) == {
        "order_status_id": ["5"],
        "comment": ["done"],
        "notify": ["0"],
        "override": ["0"],
    }


@responses.activate
def test_connection_reset_on_write_is_outcome_unknown() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.post(URL, body=requests.exceptions.ConnectionError("reset"))
    with pytest.raises(errors.OutcomeUnknown) as info:
        make_client().delete_order(3)
    assert isinstance(info.value.cause, errors.ConnectError)


def test_url_security() -> None:
    assert check_url_security("http://127.0.0.1:8080", allow_insecure_http=False) == "http://127.0.0.1:8080/"
    assert (
        check_url_security("http://localhost/shop/index.php", allow_insecure_http=False)
        == "http://localhost/shop/"
    )
    assert check_url_security("http://[::1]/", allow_insecure_http=False) == "http://[::1]/"
    with pytest.raises(errors.ConfigurationError, match="unencrypted"):
        check_url_security("http://shop.example/", allow_insecure_http=False)
    assert check_url_security("http://shop.example", allow_insecure_http=True) == "http://shop.example/"
    with pytest.raises(errors.ConfigurationError):
        check_url_security("ftp://shop.example/", allow_insecure_http=True)


@responses.activate
def test_tls_error_is_not_retried() -> None:
    clock = FakeClock()
    responses.post(URL, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(errors.TLSError):
        make_client(clock).login()
    assert len(responses.calls) == 1 and clock.sleeps == []


def test_limiter_is_deterministic_with_a_fake_clock() -> None:
    clock = FakeClock()
    lim = Limiter(RateLimit(per_second=2, burst=2), clock=clock, sleep=clock.sleep)
    waits = [lim.acquire() for _ in range(4)]
    assert waits == [0.0, 0.0, 0.5, 0.5]
    clock.now += 10
    assert lim.acquire() == 0.0


@responses.activate
def test_secrets_never_reach_logs_reprs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, status=503, body=f"proxy says api_token={TOKEN1}")
    responses.get(URL, body=DENIED)
    client = make_client(clock, retry=RetryPolicy(max_attempts=2, jitter=0.0))
    texts = [repr(client)]
    for _ in range(2):
        try:
            client.order_info_raw(9)
        except errors.OpenCartError as exc:
            texts.append(str(exc))
            texts.append(repr(exc))
    texts.append(caplog.text)
    blob = "\n".join(texts)
    assert "retrying" in caplog.text
    assert KEY not in blob and TOKEN1 not in blob


@responses.activate
def test_truncated_json_is_retried_on_reads_and_unknown_on_writes() -> None:
    clock = FakeClock()
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=ORDER_BODY[:40])
    responses.get(URL, body=ORDER_BODY)
    client = make_client(clock, retry=RetryPolicy(jitter=0.0))
    assert client.order_info_raw(9)["order_id"] == "9"
    assert clock.sleeps == [0.5]
    responses.post(URL, body='{"success":"Success: You have modif')
    with pytest.raises(errors.OutcomeUnknown) as info:
        client.delete_order(9)
    assert isinstance(info.value.cause, errors.UnexpectedResponseError)
    assert clock.sleeps == [0.5]
