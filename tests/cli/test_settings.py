"""Environment configuration for the CLI: clear errors naming the missing variable, no empty secrets."""

from __future__ import annotations

import pytest

from oc_connector.cli.settings import DEFAULT_WAREHOUSE_URL, MissingSetting, shop_settings, warehouse_url


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
    with pytest.raises(MissingSetting, match=name):
        shop_settings(env)


def test_admin_credentials_and_warehouse_url() -> None:
    s = shop_settings({
        "OPENCART_URL": "https://s/", "OPENCART_API_KEY": "k",
        "OPENCART_ADMIN_USERNAME": "admin", "OPENCART_ADMIN_PASSWORD": "pw-secret",
    })
    assert s.has_admin and s.admin_password is not None and s.admin_password.get() == "pw-secret"
    assert warehouse_url({}) == DEFAULT_WAREHOUSE_URL
    assert warehouse_url({"WAREHOUSE_URL": "postgresql+psycopg://u@h/db"}) == "postgresql+psycopg://u@h/db"
