"""A sandbox shop with generated orders and the demo catalogue, and the clients the resources use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector_sandbox import Sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=30, catalogue=True) as shop:
        yield shop


@pytest.fixture
def api(sb: Sandbox) -> Iterator[OpenCartClient]:
    client = OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username,
                            allow_insecure_http=True, rate_limit=None)
    yield client
    client.close()


@pytest.fixture
def admin(sb: Sandbox) -> Iterator[AdminClient]:
    client = AdminClient(sb.url, username=sb.admin_username, password=sb.admin_password,
                         allow_insecure_http=True, rate_limit=None)
    yield client
    client.close()


@pytest.fixture
def routes(sb: Sandbox) -> Callable[[Callable[[], Any]], tuple[Any, list[str]]]:
    """Run a call and return its result with the routes it requested, in order."""

    def run(call: Callable[[], Any]) -> tuple[Any, list[str]]:
        start = len(sb.request_log)
        result = call()
        return result, [route for route, _status, _fault in list(sb.request_log)[start:]]

    return run
