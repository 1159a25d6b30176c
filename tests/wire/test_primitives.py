"""coerce, the retry policy's limits, the shared limiter and the login-once lock."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal

import pytest
import responses

from oc_connector import errors
from oc_connector.api.client import OpenCartClient
from oc_connector.coerce import to_datetime, to_decimal, to_int
from oc_connector.wire.ratelimit import Limiter, RateLimit, shared_limiter
from oc_connector.wire.retry import RetryPolicy, is_retriable
from oc_connector.wire.transport import Transport


def test_coerce() -> None:
    assert to_int("12") == 12 and to_int("") is None and to_int(None) is None and to_int(7) == 7
    assert to_decimal("252.0000") == Decimal("252.0000") and to_decimal("") is None
    assert to_datetime("2026-11-26 23:10:58") == datetime(2026, 11, 26, 23, 10, 58)
    assert to_datetime("0000-00-00 00:00:00") is None and to_datetime("") is None
    with pytest.raises(ValueError):
        to_decimal("abc")


def test_what_is_retriable() -> None:
    assert is_retriable(errors.ConnectError("x")) and is_retriable(errors.ReadTimeout("x"))
    assert is_retriable(errors.ServerError("x")) and is_retriable(errors.RateLimitedError("x"))
    assert is_retriable(errors.UnexpectedResponseError("x"))
    assert not is_retriable(errors.TLSError("x"))
    assert not is_retriable(errors.ValidationError("x")) and not is_retriable(errors.OutcomeUnknown("x"))
    assert not is_retriable(ValueError("x"))


def test_total_delay_cap_stops_early() -> None:
    sleeps: list[float] = []
    calls = [0]

    def fail() -> None:
        calls[0] += 1
        raise errors.RateLimitedError("429", retry_after=50)

    policy = RetryPolicy(max_attempts=10, max_total_delay=120, jitter=0)
    with pytest.raises(errors.RateLimitedError):
        policy.run(fail, sleep=sleeps.append)
    assert sleeps == [50, 50] and calls[0] == 3


def test_backoff_is_exponential_capped_and_jittered() -> None:
    p = RetryPolicy(initial_backoff=1, max_backoff=5, jitter=0.5)
    assert [p.backoff(n, None, rng=lambda: 0.0) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    assert p.backoff(1, None, rng=lambda: 1.0) == 1.5
    assert p.backoff(1, 9.0, rng=lambda: 0.0) == 9.0


def test_shared_limiter_is_one_per_shop() -> None:
    a = shared_limiter("https://a.example/", RateLimit(5, 5))
    assert a is shared_limiter("https://a.example/", RateLimit(5, 5))
    assert a is not shared_limiter("https://b.example/", RateLimit(5, 5))


def test_catalog_and_admin_client_of_one_shop_share_one_bucket() -> None:
    from oc_connector.admin.client import AdminClient

    url = "https://one-bucket.example/"
    api = OpenCartClient(url, api_key="k" * 32, rate_limit=RateLimit(5, 5))
    admin = AdminClient(url, username="admin", password="p" * 12, rate_limit=RateLimit(5, 5))
    try:
        assert api.transport._limiter is admin.transport._limiter
        assert api.transport._limiter is shared_limiter(url, RateLimit(5, 5))
    finally:
        api.close()
        admin.close()


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        (RateLimit(5, 5), RateLimit(10, 10), RateLimit(5, 5)),  # a looser second rate changes nothing
        (RateLimit(10, 10), RateLimit(5, 5), RateLimit(5, 5)),  # a stricter second rate wins
        (RateLimit(5, 20), RateLimit(10, 2), RateLimit(5, 2)),  # the lower rate and the lower burst
    ],
)
def test_a_second_rate_for_one_shop_makes_the_bucket_the_stricter(
    first: RateLimit, second: RateLimit, shared: RateLimit
) -> None:
    key = f"https://stricter-{first.per_second}-{second.per_second}-{second.burst}.example/"
    a = shared_limiter(key, first)
    b = shared_limiter(key, second)
    assert a is b
    assert a.limit == shared


def test_a_shop_bucket_no_client_uses_starts_afresh() -> None:
    key = "https://afresh.example/"
    assert shared_limiter(key, RateLimit(1, 1)).limit == RateLimit(1, 1)  # dropped at once
    assert shared_limiter(key, RateLimit(50, 50)).limit == RateLimit(50, 50)


def test_tightening_caps_the_tokens_at_the_new_burst() -> None:
    now = [0.0]
    waits: list[float] = []
    lim = Limiter(RateLimit(10, 10), clock=lambda: now[0], sleep=waits.append)
    lim.tighten(RateLimit(1, 2))
    assert [lim.acquire() for _ in range(3)] == [0.0, 0.0, 1.0]


@responses.activate
def test_threads_share_one_login() -> None:
    url = "https://shop.example/index.php"
    responses.post(url, body='{"success":"ok","api_token":"eeeeeeeeeeeeeeeeeeeeeeee05"}')
    responses.get(url, body='{"error":"Warning: Order could not be found!"}')
    client = OpenCartClient(
        "https://shop.example/",
        api_key="k" * 12,
        transport=Transport("https://shop.example/", rate_limit=None),
    )
    seen: list[type[BaseException]] = []

    def work() -> None:
        try:
            client.order_info_raw(1)
        except errors.NotFoundError as exc:
            seen.append(type(exc))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [errors.NotFoundError] * 6
    assert client.stats["logins"] == 1 and client.stats["by_route"] == {"api/login": 1, "api/order/info": 6}
