"""``dagster dev -m pipelines.definitions``: every configured shop in one code location.

The shops come from the fleet file (``OC_CONNECTOR_CONFIG``, default ``oc-connector.toml`` in the
working directory) or, without one, the single shop ``default`` of the CLI's variables
(``oc_connector/settings.py``, README "Configuration"). Each shop's definitions come from the
library's factory; all share one warehouse resource. Read when Dagster loads the definitions,
never at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from oc_connector.orchestration.assets import ledger_assets
from oc_connector.orchestration.metadata import ShopKeys, warehouse_kind
from oc_connector.orchestration.resources import WarehouseResource
from oc_connector.orchestration.reverse import build_reverse_jobs
from oc_connector.orchestration.shop import build_shop_definitions
from oc_connector.secret import install_log_redaction
from oc_connector.settings import DEFAULT_WAREHOUSE_URL, fleet_settings

# every Dagster process loads this module: redact secrets from all log records (urllib3 logs
# request URLs, api_token included, at DEBUG) before any handler sees them
install_log_redaction()


def build_definitions(env: Mapping[str, str]) -> dg.Definitions:
    """The app for the variables in ``env``.

    Raises:
        ConfigurationError: the fleet file or a variable (partitions, freshness, insecure-http flag) is bad.
    """
    fleet = fleet_settings(env)
    url = fleet.warehouse_url or env.get(fleet.warehouse_url_env or "", "") or DEFAULT_WAREHOUSE_URL
    kind = warehouse_kind(url)  # only the engine's name is kept
    reverse = fleet.reverse_shop
    shared = dg.Definitions(
        assets=ledger_assets(warehouse_kind=kind),
        jobs=build_reverse_jobs(ShopKeys(reverse.key).resource) if reverse else [],
        resources={"warehouse": WarehouseResource.for_fleet(fleet)},
    )
    shops = [build_shop_definitions(shop, env=env, warehouse_kind=kind) for shop in fleet.shops]
    return dg.Definitions.merge(*shops, shared)


@dg.definitions
def defs() -> dg.Definitions:
    """What Dagster loads: the app for this process's environment, read at load time."""
    return build_definitions(os.environ)
