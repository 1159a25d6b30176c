"""Configuration from a mapping: clear errors naming the missing variable, no empty secrets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.secret import redact
from oc_connector.settings import (
    DEFAULT_WAREHOUSE_URL,
    DagsterSettings,
    build_admin_client,
    build_client,
    dagster_settings,
    parse_flag,
    shop_settings,
    warehouse_settings,
)
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.transport import Timeout


def test_reads_shop_settings_with_defaults() -> None:
    s = shop_settings({"OPENCART_URL": "https://shop.example.com/", "OPENCART_API_KEY": "k" * 64})
    assert s.url == "https://shop.example.com/"
    assert s.api_username == "Default"
    assert s.api_key.get() == "k" * 64
    assert "k" * 64 not in repr(s)
    assert not s.has_admin


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"OPENCART_API_KEY": "k"}, "OPENCART_URL"),
        ({"OPENCART_URL": "https://s/"}, "OPENCART_API_KEY"),
        ({"OPENCART_URL": "https://s/", "OPENCART_API_KEY": "   "}, "OPENCART_API_KEY"),
        ({"OPENCART_URL": "https://s/", "OPENCART_API_KEY": "k", "OPENCART_ADMIN_USERNAME": "admin"},
         "OPENCART_ADMIN_PASSWORD"),
    ],
)
def test_missing_value_names_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        shop_settings(env)


def test_admin_credentials_and_warehouse_url() -> None:
    s = shop_settings({
        "OPENCART_URL": "https://s/", "OPENCART_API_KEY": "k",
        "OPENCART_ADMIN_USERNAME": "admin", "OPENCART_ADMIN_PASSWORD": "pw-secret",
    })
    assert s.has_admin and s.admin_password is not None and s.admin_password.get() == "pw-secret"
    assert warehouse_settings({}).url == DEFAULT_WAREHOUSE_URL
    pg = "postgresql+psycopg://u@h/db"
    assert warehouse_settings({"WAREHOUSE_URL": pg}).url == pg


BASE = {"OPENCART_URL": "https://s.example/", "OPENCART_API_KEY": "key-0123456789"}
INSECURE = "OPENCART_ALLOW_INSECURE_HTTP"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("On", True),
        ("0", False), ("false", False), ("No", False), ("OFF", False), ("", False), ("  ", False),
    ],
)
def test_the_insecure_http_flag_has_one_parser(value: str, expected: bool) -> None:
    env = BASE | {"OPENCART_ALLOW_INSECURE_HTTP": value}
    assert shop_settings(env).allow_insecure_http is expected
    assert parse_flag(value, name="X") is expected


@pytest.mark.parametrize(
    ("read", "env", "name", "hint"),
    [
        (shop_settings, {INSECURE: "2"}, INSECURE, "1/true/yes/on"),
        (shop_settings, {INSECURE: "y"}, INSECURE, "0/false/no/off"),
        (shop_settings, {"OPENCART_URL": " "}, "OPENCART_URL", "export OPENCART_URL="),
        (shop_settings, {"OPENCART_API_KEY": ""}, "OPENCART_API_KEY", "Admin > System > Users > API"),
        (shop_settings, {"OPENCART_ADMIN_USERNAME": "admin"}, "OPENCART_ADMIN_PASSWORD", "both"),
        (shop_settings, {"OPENCART_ADMIN_PASSWORD": "pw-secret"}, "OPENCART_ADMIN_USERNAME", "both"),
        (dagster_settings, {"OPENCART_PARTITION_SIZE": "0"}, "OPENCART_PARTITION_SIZE", "greater than 0"),
        (dagster_settings, {"OPENCART_PARTITION_SIZE": "lots"}, "OPENCART_PARTITION_SIZE", "integer"),
        (dagster_settings, {"OPENCART_FRESHNESS_HOURS": "-1"}, "OPENCART_FRESHNESS_HOURS", "greater than 0"),
    ],
)
def test_a_bad_value_is_a_configuration_error_naming_the_variable(
    read: Callable[[dict[str, str]], object], env: dict[str, str], name: str, hint: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        read(BASE | env)
    assert name in caught.value.message and hint in caught.value.message
    assert "pw-secret" not in caught.value.message and "key-0123456789" not in caught.value.message


def test_values_are_read_from_the_mapping_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENCART_URL", "https://from-environ.example/")
    monkeypatch.setenv("OPENCART_API_USERNAME", "environ-user")
    monkeypatch.setenv("WAREHOUSE_URL", "sqlite:///environ.db")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("OPENCART_API_USERNAME=dotenv-user\n", encoding="utf-8")
    s = shop_settings(BASE | {"url": "https://lower-case-name.example/", "api_username": "by-field-name"})
    assert s.url == "https://s.example/" and s.api_username == "Default"
    assert warehouse_settings({}).url == DEFAULT_WAREHOUSE_URL
    assert dagster_settings({}) == DagsterSettings()


def test_values_are_stripped_except_the_password_and_secrets_stay_masked() -> None:
    s = shop_settings(BASE | {
        "OPENCART_URL": " https://s.example/ ", "OPENCART_API_USERNAME": "  ",
        "OPENCART_ADMIN_USERNAME": " admin ", "OPENCART_ADMIN_PASSWORD": " pw with spaces ",
        "OPENCART_CA_BUNDLE": " /etc/ca.pem ",
    })
    assert (s.url, s.api_username, s.admin_username, s.ca_bundle) == (
        "https://s.example/", "Default", "admin", "/etc/ca.pem")
    assert s.admin_password is not None and s.admin_password.get() == " pw with spaces "
    assert "pw with spaces" not in repr(s) and "key-0123456789" not in repr(s)
    assert redact("key key-0123456789, password [ pw with spaces ]") == "key ***, password [***]"


def test_both_clients_get_every_option_from_one_settings_object(tmp_path: Path) -> None:
    s = shop_settings(BASE | {
        "OPENCART_ADMIN_USERNAME": "admin", "OPENCART_ADMIN_PASSWORD": "pw-secret-2",
        "OPENCART_CA_BUNDLE": str(tmp_path / "ca.pem"), "HTTPS_PROXY": "http://proxy:3128",
    }, rate_per_second=3, max_concurrency=2, timeout=Timeout(connect=1, read=2))
    api, admin = build_client(s), build_admin_client(s)
    assert admin is not None
    try:
        for client in (api, admin):
            transport = client.transport
            assert transport.base_url == "https://s.example/"
            assert transport._verify == str(tmp_path / "ca.pem")
            assert transport._session.proxies == {"https": "http://proxy:3128"}
            assert transport.timeout == Timeout(connect=1, read=2)
            assert transport._limiter is not None and transport._limiter.limit == RateLimit(3, 3)
        assert api.transport._limiter is admin.transport._limiter
        assert api.api_username == "Default"
    finally:
        api.close()
        admin.close()
    assert build_admin_client(shop_settings(BASE)) is None


SHOP = {"OPENCART_URL": "https://s/", "OPENCART_API_KEY": "k"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None), ("auto", None), ("AUTO", None), ("  ", None),
        ("3.0", ShopVersion.V3_0), ("3", ShopVersion.V3_0), ("3.0.3.8", ShopVersion.V3_0),
        ("4.0", ShopVersion.V4_0), (" 4.0.2.3 ", ShopVersion.V4_0),
    ],
)
def test_opencart_version_is_auto_by_default_or_a_major_version(
    value: str | None, expected: ShopVersion | None
) -> None:
    env = SHOP if value is None else {**SHOP, "OPENCART_VERSION": value}
    settings = shop_settings(env)
    assert settings.version is expected
    client = build_client(settings)
    assert client.version is expected  # passed to the client: a configured version skips detection
    info = client.version_info
    assert (info.source if info else None) == ("configured" if expected else None)
    client.close()


@pytest.mark.parametrize("value", ["4.1", "5", "2.3.0.2", "latest", "v4"])
def test_a_bad_opencart_version_is_a_configuration_error_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        shop_settings({**SHOP, "OPENCART_VERSION": value})
    assert str(err.value).startswith("OPENCART_VERSION must be auto, 3.0 or 4.0")
    assert repr(value) in str(err.value)


def test_build_admin_client_picks_the_client_of_the_shops_version() -> None:
    from oc_connector.admin.client import AdminClient
    from oc_connector.admin40.client import Admin40Client
    from oc_connector.dialect import ShopVersion
    from oc_connector.settings import build_admin_client, shop_settings

    env = {"OPENCART_URL": "https://shop.example", "OPENCART_API_KEY": "k" * 32,
           "OPENCART_ADMIN_USERNAME": "admin", "OPENCART_ADMIN_PASSWORD": "pw"}
    assert type(build_admin_client(shop_settings(env))) is AdminClient
    assert type(build_admin_client(shop_settings(env | {"OPENCART_VERSION": "4.0"}))) is Admin40Client
    # a detected version overrides the configured one
    assert type(build_admin_client(shop_settings(env), version=ShopVersion.V4_0)) is Admin40Client
    assert build_admin_client(shop_settings({k: v for k, v in env.items() if "ADMIN" not in k})) is None
