"""Configuration from a mapping: clear errors naming the missing variable, no empty secrets."""

from __future__ import annotations

import pytest

from oc_connector.errors import ConfigurationError
from oc_connector.settings import DEFAULT_WAREHOUSE_URL, shop_settings, warehouse_settings


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
