"""The catalog client's api_token lifecycle under denials: renew, send again (bounded), drop dead tokens.

Mocked shops (``responses``) pin the exact request sequence; one test runs against the sandbox's
``invalidate_token`` fault, which deletes the api session the way an admin or a session purge does.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from oc_connector import errors
from oc_connector.api.client import OpenCartClient
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox
from tests.support.recorded_exchanges import load

BASE = "https://shop.example/"
URL = BASE + "index.php"
KEY = "SECRET-api-key-0123456789"
TOKEN1 = "aaaaaaaaaaaaaaaaaaaaaaaa01"
TOKEN2 = "bbbbbbbbbbbbbbbbbbbbbbbb02"
TOKEN3 = "cccccccccccccccccccccccc03"
LOGIN_OK = '{"success":"Success: API session successfully started!","api_token":"%s"}'
DENIED = '{"error":"Warning: You do not have permission to access the API!"}'
FAST = RateLimit(per_second=1000, burst=1000)
QUICK_RETRY = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.05, max_total_delay=2.0)
NOT_FOUND = '{"error":"Warning: Order could not be found!"}'
ORDER_BODY = next(
    e.body for e in load("api_order_info.json") if e.case == "success: order created with status 2"
)


def make_client(**kw: Any) -> OpenCartClient:
    transport = Transport(BASE, rate_limit=None, retry=RetryPolicy(jitter=0.0), sleep=lambda s: None)
    return OpenCartClient(BASE, api_key=KEY, transport=transport, **kw)


def sent(calls: responses.CallList) -> list[tuple[str, str | None]]:
    """(route, api_token) of every request, in order."""
    out: list[tuple[str, str | None]] = []
    for call in calls:
        query = parse_qs(urlsplit(call.request.url).query)
        out.append((query["route"][0], query.get("api_token", [None])[0]))
    return out


@responses.activate
def test_a_token_from_an_explicit_login_is_renewed_once_on_its_first_denial() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=ORDER_BODY)
    client = make_client()
    client.login()
    assert client.order_info_raw(9)["order_id"] == "9"
    assert sent(responses.calls) == [
        ("api/login", None), ("api/order/info", TOKEN1), ("api/login", None), ("api/order/info", TOKEN2),
    ]
    assert client.stats["logins"] == 2 and client.stats["relogins"] == 1


@responses.activate
def test_a_token_whose_calls_only_failed_so_far_is_still_renewed() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=NOT_FOUND)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=ORDER_BODY)
    client = make_client()
    with pytest.raises(errors.NotFoundError):
        client.order_info_raw(99)  # the token never "worked": the shop answered with an error
    assert client.order_info_raw(9)["order_id"] == "9"
    assert sent(responses.calls)[2:] == [
        ("api/order/info", TOKEN1), ("api/login", None), ("api/order/info", TOKEN2),
    ]
    assert client.stats["relogins"] == 1


@responses.activate
def test_a_renewed_token_refused_too_is_renewed_again_within_the_call() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=ORDER_BODY)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN3)
    responses.get(URL, body=ORDER_BODY)
    client = make_client()
    client.order_info_raw(9)
    assert client.order_info_raw(9)["order_id"] == "9"  # TOKEN2 died too (a session purge): renewed again
    assert sent(responses.calls)[1:] == [
        ("api/order/info", TOKEN1),
        ("api/order/info", TOKEN1), ("api/login", None), ("api/order/info", TOKEN2),
        ("api/login", None), ("api/order/info", TOKEN3),
    ]
    assert client.stats["logins"] == 3 and client.stats["relogins"] == 2


@responses.activate
def test_a_call_stops_after_its_renewal_budget_and_the_next_call_logs_in_afresh() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=ORDER_BODY)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN3)
    responses.get(URL, body=ORDER_BODY)
    client = make_client(token_renewals=1)
    client.order_info_raw(9)
    with pytest.raises(errors.PermissionDenied):
        client.order_info_raw(9)
    assert len(responses.calls) == 5  # one renewal, one resend, then the error: no loop
    assert client.order_info_raw(9)["order_id"] == "9"  # logs in afresh, never reuses TOKEN2
    assert sent(responses.calls)[1:] == [
        ("api/order/info", TOKEN1),
        ("api/order/info", TOKEN1), ("api/login", None), ("api/order/info", TOKEN2),
        ("api/login", None), ("api/order/info", TOKEN3),
    ]


@responses.activate
def test_a_fresh_token_refused_is_renewed_within_the_call() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=ORDER_BODY)
    client = make_client()
    assert client.order_info_raw(9)["order_id"] == "9"
    assert sent(responses.calls) == [
        ("api/login", None), ("api/order/info", TOKEN1), ("api/login", None), ("api/order/info", TOKEN2),
    ]


@responses.activate
def test_dead_tokens_count_only_tokens_that_never_served_and_reset_on_an_answer() -> None:
    # TOKEN1 dies unused, TOKEN2 answers "not found" (the shop kept its session) then dies: the
    # count of dead tokens restarts, so a dead_tokens=2 client still goes on with TOKEN3.
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN2)
    responses.get(URL, body=NOT_FOUND)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=LOGIN_OK % TOKEN3)
    responses.get(URL, body=ORDER_BODY)
    client = make_client(dead_tokens=2)
    with pytest.raises(errors.NotFoundError):
        client.order_info_raw(99)
    assert client.order_info_raw(9)["order_id"] == "9"
    tokens = [t for r, t in sent(responses.calls) if r == "api/order/info"]
    assert tokens == [TOKEN1, TOKEN2, TOKEN2, TOKEN3]


@responses.activate
def test_a_renewal_whose_login_fails_raises_the_login_error_at_once() -> None:
    ip_refused = next(e.body for e in load("api_login.json") if '"ip"' in e.body)
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    responses.get(URL, body=ORDER_BODY)
    responses.get(URL, body=DENIED)
    responses.post(URL, body=ip_refused)
    client = make_client()
    client.order_info_raw(9)
    with pytest.raises(errors.IPNotAllowedError):
        client.order_info_raw(9)  # the IP was revoked mid-run: the renewal's login says so
    routes = [r for r, _ in sent(responses.calls)]
    assert routes == ["api/login", "api/order/info", "api/order/info", "api/login"]


@responses.activate
def test_a_write_is_retried_once_after_a_denial_since_the_shop_did_not_run_it() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    client = make_client()
    client.login()
    responses.replace(responses.POST, URL, body=DENIED)
    responses.add(responses.POST, URL, body=LOGIN_OK % TOKEN2)
    responses.add(responses.POST, URL, body='{"success":"Success: You have modified orders!"}')
    client.delete_order(9)
    assert sent(responses.calls)[1:] == [
        ("api/order/delete", TOKEN1), ("api/login", None), ("api/order/delete", TOKEN2),
    ]


def test_concurrent_denials_renew_the_shared_token_once() -> None:
    threads = 4
    everyone_sent = threading.Barrier(threads)
    logins: list[str] = []
    lock = threading.Lock()

    def login(request: Any) -> tuple[int, dict[str, str], str]:
        with lock:
            logins.append(TOKEN1 if not logins else f"{len(logins):026d}")
            return 200, {}, LOGIN_OK % logins[-1]

    def info(request: Any) -> tuple[int, dict[str, str], str]:
        token = parse_qs(urlsplit(request.url).query)["api_token"][0]
        if token == TOKEN1:
            everyone_sent.wait(timeout=10)  # every thread holds TOKEN1 before any denial is answered
            return 200, {}, DENIED
        return 200, {}, ORDER_BODY

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, URL, callback=login)
        mock.add_callback(responses.GET, URL, callback=info)
        client = make_client(max_concurrency=threads)
        client.login()
        results: list[str] = []
        failures: list[BaseException] = []

        def work() -> None:
            try:
                order = client.order_info_raw(9)
                with lock:
                    results.append(order["order_id"])
            except BaseException as exc:  # reported by the assertion below
                failures.append(exc)

        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=30)
    assert failures == [] and results == ["9"] * threads
    assert len(logins) == 2  # the first login and ONE renewal shared by every thread
    assert client.stats["relogins"] == 1


@responses.activate
def test_a_session_never_relogs_in_and_keeps_its_token() -> None:
    responses.post(URL, body=LOGIN_OK % TOKEN1)
    client = make_client()
    session = client.session()
    session.login()
    responses.replace(responses.POST, URL, body=DENIED)
    with pytest.raises(errors.PermissionDenied):
        session.set_currency("USD")
    with pytest.raises(errors.PermissionDenied):
        session.set_currency("USD")  # still the session's own token: no silent new (empty) cart
    assert [route for route, _ in sent(responses.calls)] == ["api/login"] + ["api/currency"] * 2
    assert all(token == TOKEN1 for _, token in sent(responses.calls)[1:])
    assert client.stats["logins"] == 0  # the parent client never logged in


def test_an_invalidated_api_session_is_renewed_against_the_sandbox() -> None:
    faults = FaultSchedule([FaultRule("invalidate_token", route="api/order/info", count=1)], seed=1)
    with Sandbox.start(orders=5, faults=faults) as sb:
        client = OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username,
                                allow_insecure_http=True, rate_limit=FAST, retry=QUICK_RETRY)
        client.login()
        assert client.order_info_raw(1)["order_id"] == "1"  # the shop deleted the session; renewed
        assert [client.order_info_raw(i)["order_id"] for i in (2, 3)] == ["2", "3"]
        assert sb.request_count("api/login") == 2 and client.stats["relogins"] == 1
        client.close()


def test_a_fresh_token_invalidated_at_once_is_renewed_within_the_call() -> None:
    faults = FaultSchedule([FaultRule("invalidate_token", route="api/order/info", count=1)], seed=1)
    with Sandbox.start(orders=5, faults=faults) as sb:
        client = OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username,
                                allow_insecure_http=True, rate_limit=FAST, retry=QUICK_RETRY)
        assert [client.order_info_raw(i)["order_id"] for i in (1, 2)] == ["1", "2"]
        assert sb.request_count("api/login") == 2 and sb.request_count("api/order/info") == 3
        client.close()


def test_a_revoked_ip_mid_run_ends_with_the_ip_error_after_one_renewal() -> None:
    with Sandbox.start(orders=5) as sb:
        client = OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username,
                                allow_insecure_http=True, rate_limit=FAST, retry=QUICK_RETRY)
        assert client.order_info_raw(1)["order_id"] == "1"
        sb.revoke_ip()
        with pytest.raises(errors.IPNotAllowedError):
            client.order_info_raw(2)
        assert sb.request_count("api/login") == 2  # one renewal attempt, no loop
        client.close()
