"""End to end: a sync with admin credentials records the shop's own revenue statuses.

The sandbox's System > Settings page lists every order status as checkboxes, the shop's processing
and complete statuses checked (as 3.0.5.0 renders it). After a sync, ``opencart_revenue_statuses``
holds exactly those and ``mart_orders.is_revenue`` follows them; without admin credentials (or when
the admin user may not open the settings) a configured set stays.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa

import oc_connector.warehouse.marts  # noqa: F401  (registers the mart views with upgrade)
from oc_connector.admin.client import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.secret import Secret
from oc_connector.sync.run import OrderSync, SyncOptions, SyncResult
from oc_connector.warehouse.migrate import upgrade
from oc_connector.warehouse.revenue import opencart_revenue_statuses, set_revenue_statuses
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector_sandbox import Sandbox

FAST = RateLimit(per_second=1000, burst=1000)
QUICK_RETRY = RetryPolicy(initial_backoff=0.01, jitter=0.0)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox.start(orders=30, seed=11, php_notices=False)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _sync(sb: Sandbox, engine: sa.Engine, *, admin: bool) -> SyncResult:
    client = OpenCartClient(
        sb.url, api_key=sb.api_key, api_username=sb.api_username, allow_insecure_http=True,
        rate_limit=FAST, retry=QUICK_RETRY,
    )
    admin_client = AdminClient(
        sb.url, username=sb.admin_username, password=Secret(sb.admin_password), allow_insecure_http=True,
        rate_limit=FAST, retry=QUICK_RETRY,
    ) if admin else None
    options = SyncOptions(shop="sb", workers=2, admin_history=False, admin_details=False, change_feed=False)
    try:
        return OrderSync(client, engine, options, admin=admin_client, now=lambda: datetime(2030, 1, 1)).run()
    finally:
        client.close()
        if admin_client is not None:
            admin_client.close()


def _recorded(engine: sa.Engine) -> dict[str, set[tuple[int, str]]]:
    t = opencart_revenue_statuses
    with engine.connect() as conn:
        query = sa.select(t.c.kind, t.c.order_status_id, t.c.source).where(t.c.shop == "sb")
        rows = conn.execute(query).all()
    out: dict[str, set[tuple[int, str]]] = {}
    for kind, status, source in rows:
        out.setdefault(kind, set()).add((int(status), source))
    return out


def _revenue_ids(engine: sa.Engine) -> set[int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT order_id, is_revenue FROM mart_orders WHERE shop = 'sb'")).all()
    return {int(order_id) for order_id, is_revenue in rows if is_revenue}


def _shop_ids(sb: Sandbox, statuses: set[int]) -> set[int]:
    rows = sb.query("SELECT order_id, order_status_id FROM oc_order WHERE order_status_id > 0")
    return {int(r["order_id"]) for r in rows if int(r["order_status_id"]) in statuses}


def test_the_shops_processing_statuses_reach_the_table_and_the_mart(
    sb: Sandbox, warehouse_engine: sa.Engine
) -> None:
    # this shop books only Processing and Shipped orders, and Complete ones, as sales
    sb.set_setting("config_processing_status", ["2", "3"])
    sb.set_setting("config_complete_status", ["5"])
    upgrade(warehouse_engine)
    set_revenue_statuses(warehouse_engine, shop="sb", refund=[11], source="configured")

    result = _sync(sb, warehouse_engine, admin=True)

    assert result.revenue_statuses == "read from the shop"
    assert sb.request_count("setting/setting") == 1
    assert _recorded(warehouse_engine) == {
        "processing": {(2, "admin"), (3, "admin")},
        "complete": {(5, "admin")},
        "refund": {(11, "configured")},  # OpenCart has no refund setting: the configured one stays
    }
    assert _revenue_ids(warehouse_engine) == _shop_ids(sb, {2, 3, 5})
    assert _shop_ids(sb, {1}) - _revenue_ids(warehouse_engine), "the sample has Pending orders, no sales now"

    sb.set_setting("config_processing_status", ["1", "2", "3"])
    _sync(sb, warehouse_engine, admin=True)
    assert _revenue_ids(warehouse_engine) == _shop_ids(sb, {1, 2, 3, 5})


def test_without_the_settings_page_a_configured_set_stays(sb: Sandbox, warehouse_engine: sa.Engine) -> None:
    upgrade(warehouse_engine)
    set_revenue_statuses(warehouse_engine, shop="sb", processing=[2, 5], complete=[5], source="configured")
    configured = _recorded(warehouse_engine)

    without = _sync(sb, warehouse_engine, admin=False)
    assert without.revenue_statuses == "not read: no admin credentials"
    assert _recorded(warehouse_engine) == configured

    perms = ["sale/order", "catalog/product", "customer/customer"]
    sb.execute("UPDATE oc_user_group SET permission = ?", (json.dumps({"access": perms, "modify": perms}),))
    denied = _sync(sb, warehouse_engine, admin=True)
    assert denied.revenue_statuses.startswith("not read: ")
    assert _recorded(warehouse_engine) == configured
    assert _revenue_ids(warehouse_engine) == _shop_ids(sb, {2, 5})
