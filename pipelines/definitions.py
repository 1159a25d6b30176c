"""``dagster dev -m pipelines.definitions``: assets, checks, jobs, schedule and resources.

The variables are those of the CLI (``oc_connector/settings.py``, README "Configuration"): the shop's
(``OPENCART_URL``, ``OPENCART_API_KEY``, ...) go into the resources as ``dg.EnvVar``; the app's own
(``OPENCART_PARTITION_SIZE`` / ``OPENCART_MAX_ORDER_ID`` backfill ranges, ``OPENCART_FRESHNESS_HOURS``)
are read when Dagster loads the definitions, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from oc_connector.orchestration.assets import backfill_asset, mart_assets, opencart_order_tables
from oc_connector.orchestration.checks import build_checks
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.orchestration.reverse import REVERSE_JOBS
from oc_connector.secret import install_log_redaction
from oc_connector.settings import dagster_settings

# every Dagster process loads this module: redact secrets from all log records (urllib3 logs
# request URLs, api_token included, at DEBUG) before any handler sees them
install_log_redaction()


def build_definitions(env: Mapping[str, str]) -> dg.Definitions:
    """The app for the variables in ``env``.

    Raises:
        ConfigurationError: an app variable (partitions, freshness, the insecure-http flag) is bad.
    """
    app = dagster_settings(env)
    backfill = backfill_asset(app)
    sync_job = dg.define_asset_job(
        "opencart_sync",
        selection=dg.AssetSelection.assets(opencart_order_tables, *mart_assets),
        description="Incremental sync of orders and history, then the mart views.",
    )
    backfill_job = dg.define_asset_job(
        "opencart_backfill",
        selection=dg.AssetSelection.assets(backfill),
        description="Re-read order-id ranges (one partition per range); the incremental mark is not moved.",
    )
    hourly_sync = dg.ScheduleDefinition(
        job=sync_job, cron_schedule="0 * * * *", default_status=dg.DefaultScheduleStatus.STOPPED
    )
    return dg.Definitions(
        assets=[opencart_order_tables, backfill, *mart_assets],
        asset_checks=build_checks(app),
        jobs=[sync_job, backfill_job, *REVERSE_JOBS],
        schedules=[hourly_sync],
        resources={
            "opencart": OpenCartResource.from_environment(env),
            "warehouse": WarehouseResource.from_environment(env),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster loads: the app for this process's environment, read at load time."""
    return build_definitions(os.environ)
