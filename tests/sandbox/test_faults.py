"""Fault injection through the real socket: errors, resets before/after commit, truncation, schedules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox, parse_faults
from oc_connector_sandbox.server import PHP_NOTICE


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=5, seed=1) as shop:
        yield shop


def _login(sb: Sandbox) -> requests.Response:
    return requests.post(sb.url + "index.php?route=api/login", data={"key": sb.api_key}, timeout=5)


def test_http_error_with_retry_after_then_recovers(sb: Sandbox) -> None:
    sb.set_faults(FaultSchedule([FaultRule("http_503", route="api/login", count=1, retry_after=7)]))
    r = _login(sb)
    assert (r.status_code, r.headers["Retry-After"]) == (503, "7")
    assert "api_token" in _login(sb).json()
    assert list(sb.request_log) == [("api/login", 503, "http_503"), ("api/login", 200, None)]
    assert sb.state.query("SELECT COUNT(*) AS n FROM oc_api_session")[0]["n"] == 1


def test_reset_before_runs_nothing_and_reset_after_commits(sb: Sandbox) -> None:
    sb.set_faults(FaultSchedule([FaultRule("reset_before", count=1)]))
    with pytest.raises(requests.ConnectionError):
        _login(sb)
    assert sb.query("SELECT COUNT(*) AS n FROM oc_api_session")[0]["n"] == 0
    sb.set_faults(FaultSchedule([FaultRule("reset_after", count=1)]))
    with pytest.raises(requests.ConnectionError):
        _login(sb)
    assert sb.query("SELECT COUNT(*) AS n FROM oc_api_session")[0]["n"] == 1  # the write happened


def test_truncated_json_and_php_notice(sb: Sandbox) -> None:
    sb.set_faults(FaultSchedule([FaultRule("truncated_json", count=1), FaultRule("php_notice", count=1)]))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _login(sb)
    r = _login(sb)
    assert r.content.startswith(PHP_NOTICE) and b'"api_token"' in r.content


def test_invalidate_token_and_maintenance(sb: Sandbox) -> None:
    token = _login(sb).json()["api_token"]
    sb.set_faults(FaultSchedule([FaultRule("invalidate_token", count=1), FaultRule("maintenance", count=1)]))
    url = sb.url + "index.php"
    params = {"route": "api/order/info", "api_token": token, "order_id": "1"}
    assert requests.get(url, params=params, timeout=5).json() == {
        "error": "Warning: You do not have permission to access the API!"
    }
    r = requests.get(url, params=params, timeout=5)
    assert r.status_code == 503 and "scheduled maintenance" in r.text


def test_schedules_are_deterministic_by_seed() -> None:
    def fired(seed: int) -> list[bool]:
        schedule = FaultSchedule([FaultRule("http_500", probability=0.3)], seed=seed)
        return [schedule.pick("api/order/info") is not None for _ in range(200)]

    assert fired(4) == fired(4) and fired(4) != fired(5)
    assert 30 < sum(fired(4)) < 90
    every = FaultSchedule([FaultRule("http_502", route="api/login", every=3)])
    assert [every.pick("api/login") is not None for _ in range(6)] == [False, False, True] * 2
    assert every.pick("api/order/info") is None


def test_parse_cli_spec() -> None:
    schedule = parse_faults("http_503:0.1,latency:20ms,slow:2s")
    assert [(r.kind, r.probability, r.latency) for r in schedule.rules] == [
        ("http_503", 0.1, 0.0),
        ("latency", 1.0, 0.02),
        ("slow", 1.0, 2.0),
    ]
    with pytest.raises(ValueError, match="unknown fault kind"):
        parse_faults("explode:1")
