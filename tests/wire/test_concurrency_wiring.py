"""The transport feeds its adaptive limit each answer's latency and outcome (fake clock, mocked shop)."""

from __future__ import annotations

import pytest
import requests
import responses

from oc_connector import errors
from oc_connector.wire.concurrency import (
    DEFAULT_MAX_CONCURRENCY,
    AdaptiveConcurrency,
    ConcurrencyPolicy,
    adaptive_limit,
)
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport

BASE = "https://shop.example/"
URL = BASE + "index.php"
ONCE = RetryPolicy(max_attempts=1)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, **policy: float) -> tuple[Transport, AdaptiveConcurrency]:
    kw = {"initial": 4, "max_limit": 8, "window": 2, "min_window_s": 0.0, **policy}
    limit = AdaptiveConcurrency(ConcurrencyPolicy(**kw), clock=clock)  # type: ignore[arg-type]
    transport = Transport(BASE, rate_limit=None, retry=ONCE, sleep=lambda _s: None, concurrency=limit)
    return transport, limit


def get(transport: Transport) -> None:
    transport.send("GET", "index.php", route="api/order/info", params={"route": "api/order/info"},
                   safe=True, stateless=True)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@responses.activate
def test_a_5xx_halves_the_limit_as_overload(status: int) -> None:
    responses.get(URL, status=status, body="down")
    transport, limit = make(Clock())
    with pytest.raises(errors.ServerError):
        get(transport)
    assert limit.limit == 2
    assert [c.reason for c in limit.changes] == ["5xx / timeout / reset from the shop"]


@responses.activate
def test_a_429_halves_the_limit_as_throttled() -> None:
    responses.get(URL, status=429, headers={"Retry-After": "1"})
    transport, limit = make(Clock())
    with pytest.raises(errors.RateLimitedError):
        get(transport)
    assert (limit.limit, limit.changes[0].reason) == (2, "HTTP 429 from the shop")
    assert limit.resume_at == 1.0  # no request starts before the shop's Retry-After


@responses.activate
def test_a_503_with_retry_after_pauses_the_slots_too() -> None:
    responses.get(URL, status=503, headers={"Retry-After": "5"}, body="maintenance")
    clock = Clock()
    clock.now = 10.0
    transport, limit = make(clock)
    with pytest.raises(errors.ServerError):
        get(transport)
    assert (limit.limit, limit.resume_at) == (2, 15.0)
    assert not limit.acquire(blocking=False)


@responses.activate
def test_a_reset_counts_as_overload() -> None:
    responses.get(URL, body=requests.exceptions.ConnectionError("Connection reset by peer"))
    transport, limit = make(Clock())
    with pytest.raises(errors.ConnectError):
        get(transport)
    assert limit.limit == 2


@responses.activate
def test_an_api_error_answer_is_an_ok_answer_for_the_limit() -> None:
    responses.get(URL, body='{"error":"Warning: Order could not be found!"}')
    transport, limit = make(Clock(), initial=1)
    get(transport)
    get(transport)
    assert not any("5xx" in c.reason for c in limit.changes)


@responses.activate
def test_each_answer_feeds_its_latency_the_limit_grows_while_it_stays_flat_and_falls_when_it_rises() -> None:
    clock = Clock()
    latency = [0.010]

    def answer(_request: object) -> tuple[int, dict[str, str], str]:
        clock.now += latency[0]  # the shop takes this long, on the limit's own clock
        return 200, {}, '{"order":{}}'

    responses.add_callback(responses.GET, URL, callback=answer)
    transport, limit = make(clock, initial=1)
    for _ in range(4):
        get(transport)  # one at a time: always at the limit of 1, latency flat
    assert limit.limit == 2
    assert "latency flat" in limit.changes[-1].reason
    transport, limit = make(clock, initial=8)
    for _ in range(8):  # a window is one answer per slot
        get(transport)  # the no-load latency: 10 ms
    latency[0] = 0.050  # the shop became 5x slower: 8 x 2 x 10/50 = 3.2, half at most
    for _ in range(8):
        get(transport)
    assert limit.limit == 4
    assert limit.changes[-1].reason == (
        "latency rose: median 50.0 ms > 2 x recent 10.0 ms (queue 6.4, no-load 10.0 ms)"
    )


@responses.activate
def test_without_an_adaptive_limit_the_transport_keeps_its_fixed_slots() -> None:
    responses.get(URL, status=503)
    transport = Transport(BASE, rate_limit=None, retry=ONCE, sleep=lambda _s: None, max_concurrency=3)
    assert transport.concurrency is None
    with pytest.raises(errors.ServerError):
        get(transport)


def test_the_default_limit_starts_at_two_and_a_worker_count_caps_it() -> None:
    assert (adaptive_limit().limit, adaptive_limit().policy.max_limit) == (2, DEFAULT_MAX_CONCURRENCY)
    assert adaptive_limit(6).policy.max_limit == 6
    assert (adaptive_limit(1).limit, adaptive_limit(1).policy.max_limit) == (1, 1)
    with pytest.raises(errors.ConfigurationError):
        adaptive_limit(0)
