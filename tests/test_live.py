"""Opt-in checks against a real OpenCart 3.0 shop.

Run with ``OC_LIVE_URL``, ``OC_LIVE_API_KEY`` (and optionally ``OC_LIVE_API_USERNAME``) set:
``bash scripts/test -m live``. Read-only: they log in and read orders, nothing else.
"""

from __future__ import annotations

import os

import pytest

from oc_connector.api.client import OpenCartClient
from oc_connector.errors import NotFoundError
from oc_connector.secret import Secret
from oc_connector.wire.ratelimit import RateLimit

pytestmark = pytest.mark.live


@pytest.fixture
def live_client() -> OpenCartClient:
    url = os.environ.get("OC_LIVE_URL")
    key = os.environ.get("OC_LIVE_API_KEY")
    if not url or not key:
        pytest.skip("set OC_LIVE_URL and OC_LIVE_API_KEY to run the live checks")
    return OpenCartClient(
        url,
        api_key=Secret(key),
        api_username=os.environ.get("OC_LIVE_API_USERNAME", "Default"),
        rate_limit=RateLimit(per_second=2, burst=2),
    )


def test_live_login_and_order_reads(live_client: OpenCartClient) -> None:
    with live_client:
        live_client.login()
        found = 0
        for order_id in range(1, 11):
            try:
                order = live_client.order_info(order_id)
            except NotFoundError:
                continue
            assert order.order_id == order_id
            found += 1
        stats = live_client.stats
        assert stats["logins"] == 1
        assert stats["by_route"].get("api/order/info", 0) >= 10
        if found == 0:
            pytest.skip("orders 1..10 do not exist on this shop: nothing to compare")
