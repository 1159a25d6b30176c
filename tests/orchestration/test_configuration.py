"""The CLI and the Dagster app read the same variables the same way (oc_connector.settings).

The app is built from an environment, its resource resolved as a run would resolve it (EnvVars
read then), and its shop settings compared field by field with what the CLI reads from the same
environment. Importing ``pipelines.definitions`` reads no environment at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oc_connector.cli.environment import shop_from_environment
from pipelines import definitions

VARIABLES = (
    "OPENCART_URL", "OPENCART_API_USERNAME", "OPENCART_API_KEY", "OPENCART_ADMIN_USERNAME",
    "OPENCART_ADMIN_PASSWORD", "OPENCART_ALLOW_INSECURE_HTTP", "OPENCART_CA_BUNDLE", "HTTPS_PROXY",
    "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "WAREHOUSE_URL",
    "OPENCART_PARTITION_SIZE", "OPENCART_FRESHNESS_HOURS", "OC_CONNECTOR_CONFIG", "OPENCART_VERSION",
)
KEY, PASSWORD = "same-env-api-key-0123456789", "same-env-admin-pw"
COMPARED = ("url", "api_username", "api_key", "admin_username", "admin_password", "allow_insecure_http",
            "ca_bundle", "proxies", "version")

CASES = {
    "https shop, proxy, admin, private CA": {
        "OPENCART_URL": "https://shop.example.com/", "OPENCART_API_KEY": KEY,
        "OPENCART_API_USERNAME": "sync-user", "OPENCART_ADMIN_USERNAME": "admin",
        "OPENCART_ADMIN_PASSWORD": PASSWORD, "OPENCART_CA_BUNDLE": "/etc/ssl/private-ca.pem",
        "HTTPS_PROXY": "http://proxy:3128", "http_proxy": "http://plain:8080", "OPENCART_VERSION": "4.0",
    },
    "http shop allowed in any case, NO_PROXY lists it": {
        "OPENCART_URL": "http://shop.internal/", "OPENCART_API_KEY": KEY,
        "OPENCART_ALLOW_INSECURE_HTTP": "TRUE", "HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": ".internal",
    },
    "minimal: defaults": {"OPENCART_URL": "https://shop.example.com/", "OPENCART_API_KEY": KEY},
    "empty values count as unset": {
        "OPENCART_URL": "https://shop.example.com/", "OPENCART_API_KEY": KEY, "OPENCART_API_USERNAME": " ",
        "OPENCART_ALLOW_INSECURE_HTTP": "", "OPENCART_CA_BUNDLE": "", "OPENCART_VERSION": "",
    },
}


def _use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("env", CASES.values(), ids=CASES.keys())
def test_cli_and_dagster_build_the_same_settings_from_one_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    _use_env(monkeypatch, env)
    cli = shop_from_environment()
    defs = definitions.defs()
    configured = defs.resources["opencart_default"]
    # no secret value in the resource's configuration: EnvVars, resolved when a run starts
    assert KEY not in repr(configured) and PASSWORD not in repr(configured)
    resource = configured.process_config_and_initialize()
    dagster = resource.shop_settings()
    assert {f: getattr(dagster, f) for f in COMPARED} == {f: getattr(cli, f) for f in COMPARED}
    assert dagster.api_key.get() == cli.api_key.get() == KEY
    assert dagster.has_admin is cli.has_admin
    client = resource.get_client()
    assert client.base_url == env["OPENCART_URL"]
    assert client.version == cli.version  # configured: known before any request; auto: None
    assert (cli.version.value if cli.version else "auto") == (env.get("OPENCART_VERSION") or "auto")
    assert client.transport._session.proxies == cli.proxies
    admin = resource.get_admin_client()
    if cli.has_admin:
        # one shop, one bucket: the admin channel draws from the catalog client's budget
        assert admin.transport._limiter is client.transport._limiter
        admin.close()
    else:
        assert admin is None
    client.close()


def test_a_bad_flag_fails_loading_the_app_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from oc_connector.errors import ConfigurationError

    _use_env(monkeypatch, CASES["minimal: defaults"] | {"OPENCART_ALLOW_INSECURE_HTTP": "perhaps"})
    with pytest.raises(ConfigurationError, match="OPENCART_ALLOW_INSECURE_HTTP"):
        definitions.defs()


_IMPORT_THEN_CONFIGURE = r"""
import json, os, sys
import dagster  # its own import may read its variables; only ours are watched below

seen = []


class Watched(dict):
    def __getitem__(self, key):
        seen.append(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        seen.append(key)
        return super().get(key, default)

    def __contains__(self, key):
        seen.append(key)
        return super().__contains__(key)


real, os.environ = os.environ, Watched(os.environ)
import pipelines.definitions as app
os.environ = real
ours = [k for k in seen if k.upper().startswith(("OPENCART_", "WAREHOUSE_")) or k.upper().endswith("_PROXY")]

os.environ.update(OPENCART_PARTITION_SIZE="25", OPENCART_FRESHNESS_HOURS="5",
                  OPENCART_ALLOW_INSECURE_HTTP="on", WAREHOUSE_URL="sqlite:///later.db")
defs = app.defs()
backfill = defs.resolve_assets_def(dagster.AssetKey(["default", "opencart_orders_by_id_range"]))
tables = defs.resolve_assets_def(dagster.AssetKey(["default", "opencart_orders"]))
checks = {spec.name: spec.description for spec in tables.check_specs}
print(json.dumps({
    "read_at_import": ours,
    "partitions": backfill.partitions_def.name,
    "about": backfill.descriptions_by_key[backfill.key],
    "fresh": checks["sync_is_fresh"],
    "insecure": defs.resources["opencart_default"].allow_insecure_http,
    "warehouse": defs.resources["warehouse"].url.env_var_name,
}))
"""


def test_importing_the_app_reads_no_environment(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(root)}
    out = subprocess.run(  # this interpreter, a fixed script
        [sys.executable, "-c", _IMPORT_THEN_CONFIGURE], cwd=root, env=env, capture_output=True, text=True,
        check=False, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["read_at_import"] == []
    assert seen["partitions"] == "default_order_id_ranges"  # dynamic: they follow the shop
    assert "25 ids each" in seen["about"]  # set after the import: what defs() sees
    assert "5 hours" in seen["fresh"]
    assert seen["insecure"] is True
    assert seen["warehouse"] == "WAREHOUSE_URL"  # an EnvVar, resolved when a run starts


@pytest.mark.parametrize(("given", "field", "known"), [("4.0", "4.0", "4.0"), (None, "auto", None)])
def test_a_fleet_shops_version_reaches_its_client(given: str | None, field: str, known: str | None) -> None:
    from oc_connector.orchestration.resources import OpenCartResource
    from oc_connector.settings import ShopConfig

    shop = ShopConfig(key="x", url="https://shop.example.com/", api_key_env="X_API_KEY", version=given)
    resource = OpenCartResource.for_shop(shop, {}, api_key="k-not-sent")
    assert resource.version == field and resource.variables()["OPENCART_VERSION"] == field
    client = resource.get_client()
    assert (client.version.value if client.version else None) == known
    client.close()
