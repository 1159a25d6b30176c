"""The fleet file: many shops from one TOML file, validated by oc_connector.settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.settings import fleet_settings

TWO_SHOPS = """
reverse_etl_shop = "berlin"

[warehouse]
url_env = "WAREHOUSE_URL"

[defaults]
rate_per_second = 3
owners = ["team:data"]

[[shops]]
key = "berlin"
url = "https://berlin.example.com/"
api_key_env = "BERLIN_API_KEY"
admin_username = "sync"
admin_password_env = "BERLIN_ADMIN_PASSWORD"
timezone = "Europe/Berlin"
version = "4.0"
workers = 2
partition_size = 5000
freshness_hours = 6
tags = { region = "eu" }

[[shops]]
key = "paris"
url_env = "PARIS_URL"
api_key_env = "PARIS_API_KEY"
rate_per_second = 8
"""


def _write(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "fleet.toml"
    path.write_text(text, encoding="utf-8")
    return {"OC_CONNECTOR_CONFIG": str(path)}


def test_reads_shops_defaults_and_the_warehouse(tmp_path: Path) -> None:
    fleet = fleet_settings(_write(tmp_path, TWO_SHOPS))
    berlin, paris = fleet.shops
    assert (berlin.key, berlin.timezone, berlin.workers) == ("berlin", "Europe/Berlin", 2)
    assert berlin.partition_size == 5000 and berlin.tags == {"region": "eu"}
    assert berlin.rate_per_second == 3 and paris.rate_per_second == 8  # defaults, then the shop's own
    assert berlin.owners == paris.owners == ("team:data",)
    assert berlin.admin_password_env == "BERLIN_ADMIN_PASSWORD" and paris.url_env == "PARIS_URL"
    assert fleet.warehouse_url_env == "WAREHOUSE_URL"
    assert fleet.reverse_shop == berlin
    assert berlin.version is ShopVersion.V4_0 and paris.version is None  # paris: auto, detected at login


def test_the_default_file_in_the_working_directory_then_the_variables(tmp_path: Path) -> None:
    assert fleet_settings({}, cwd=tmp_path).shops[0].key == "default"  # no file: the single shop
    (tmp_path / "oc-connector.toml").write_text(TWO_SHOPS, encoding="utf-8")
    assert [s.key for s in fleet_settings({}, cwd=tmp_path).shops] == ["berlin", "paris"]


def test_the_single_shop_of_the_variables_keeps_its_secrets_in_them() -> None:
    env = {"OPENCART_PARTITION_SIZE": "25", "OPENCART_ADMIN_USERNAME": "admin", "WAREHOUSE_URL": "sqlite://"}
    (shop,) = fleet_settings(env, cwd=Path("/nonexistent")).shops
    assert (shop.url_env, shop.api_key_env, shop.admin_password_env) == (
        "OPENCART_URL", "OPENCART_API_KEY", "OPENCART_ADMIN_PASSWORD")
    assert shop.partition_size == 25 and shop.admin_username == "admin"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('api_key_env = "PARIS_API_KEY"', 'api_key = "s3cret"'), "api_key: a secret does not belong"),
        (('key = "paris"', 'key = "berlin"'), "shop keys must be unique: berlin"),
        (('rate_per_second = 8', 'rate_per_second = "fast"'), "shops.1.rate_per_second"),
        (('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"'), "unknown timezone"),
        (('owners = ["team:data"]', 'owners = ["data team"]'), "owners must be team:<name> or an e-mail"),
        (('url_env = "PARIS_URL"', ''), "give url or url_env"),
        (('admin_username = "sync"', ''), "admin_username and admin_password_env go together"),
        (('reverse_etl_shop = "berlin"', 'reverse_etl_shop = "rome"'), "reverse_etl_shop 'rome'"),
        (('[[shops]]', '[[shops'), "not valid TOML"),
        (('version = "4.0"', 'version = "4.1"'), "shops.0.version: version must be auto, 3.0 or 4.0"),
    ],
)
def test_a_bad_file_names_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    env = _write(tmp_path, TWO_SHOPS.replace(*change, 1))
    with pytest.raises(ConfigurationError, match=r"fleet\.toml") as err:
        fleet_settings(env)
    assert message in str(err.value)
    assert "s3cret" not in str(err.value)


def test_a_named_file_that_is_missing_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match=r"OC_CONNECTOR_CONFIG=nowhere\.toml: no such file"):
        fleet_settings({"OC_CONNECTOR_CONFIG": "nowhere.toml"})


def test_the_single_shop_of_the_variables_takes_opencart_version() -> None:
    (shop,) = fleet_settings({"OPENCART_VERSION": "3.0"}, cwd=Path("/nonexistent")).shops
    assert shop.version is ShopVersion.V3_0
    with pytest.raises(ConfigurationError, match="OPENCART_VERSION must be auto"):
        fleet_settings({"OPENCART_VERSION": "four"}, cwd=Path("/nonexistent"))
