"""``dagster dev -m pipelines.definitions``: assets, checks, jobs, schedule and resources.

Environment: OPENCART_URL, OPENCART_API_KEY, optional OPENCART_ADMIN_USERNAME /
OPENCART_ADMIN_PASSWORD, OPENCART_ALLOW_INSECURE_HTTP (1 for a loopback sandbox), WAREHOUSE_URL,
OPENCART_PARTITION_SIZE / OPENCART_MAX_ORDER_ID (backfill ranges), OPENCART_FRESHNESS_HOURS.
"""

from __future__ import annotations

import os

import dagster as dg

from oc_connector.settings import proxies_for
from oc_connector.orchestration.assets import mart_assets, opencart_order_tables, opencart_orders_backfill
from oc_connector.orchestration.checks import CHECKS
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.orchestration.reverse import REVERSE_JOBS
from oc_connector.secret import install_log_redaction

# every Dagster process loads this module: redact secrets from all log records (urllib3 logs
# request URLs, api_token included, at DEBUG) before any handler sees them
install_log_redaction()


def _optional_env(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


def _shop_proxy() -> str | None:
    """The proxy for the shop from the standard variables (as the CLI reads them), or None."""
    proxies = proxies_for(os.environ.get("OPENCART_URL", ""), os.environ)
    return proxies.get("https") or proxies.get("http")


sync_job = dg.define_asset_job(
    "opencart_sync",
    selection=dg.AssetSelection.assets(opencart_order_tables, *mart_assets),
    description="Incremental sync of orders and history, then the mart views.",
)
backfill_job = dg.define_asset_job(
    "opencart_backfill",
    selection=dg.AssetSelection.assets(opencart_orders_backfill),
    description="Re-read order-id ranges (one partition per range); the incremental mark is not moved.",
)
hourly_sync = dg.ScheduleDefinition(
    job=sync_job, cron_schedule="0 * * * *", default_status=dg.DefaultScheduleStatus.STOPPED
)

resources = {
    "opencart": OpenCartResource(
        url=dg.EnvVar("OPENCART_URL"),
        api_key=dg.EnvVar("OPENCART_API_KEY"),
        api_username=os.environ.get("OPENCART_API_USERNAME", "Default"),
        admin_username=_optional_env("OPENCART_ADMIN_USERNAME"),
        admin_password=_optional_env("OPENCART_ADMIN_PASSWORD"),
        allow_insecure_http=os.environ.get("OPENCART_ALLOW_INSECURE_HTTP", "") == "1",
        proxy_url=_shop_proxy(),
    ),
    "warehouse": WarehouseResource(url=os.environ.get("WAREHOUSE_URL", "sqlite:///oc_warehouse.db")),
}

defs = dg.Definitions(
    assets=[opencart_order_tables, opencart_orders_backfill, *mart_assets],
    asset_checks=CHECKS,
    jobs=[sync_job, backfill_job, *REVERSE_JOBS],
    schedules=[hourly_sync],
    resources=resources,
)
