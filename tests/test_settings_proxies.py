"""Proxies come from the standard variables (oc_connector.settings); the session reads no environment."""

from __future__ import annotations

import pytest

from oc_connector.settings import proxies_for, shop_settings
from oc_connector.wire.transport import Transport

URL = "https://shop.example.com/"


def test_proxies_by_scheme_either_case() -> None:
    env = {"HTTPS_PROXY": "http://proxy:3128", "http_proxy": "http://plain:8080"}
    assert proxies_for(URL, env) == {"https": "http://proxy:3128", "http": "http://plain:8080"}


@pytest.mark.parametrize("no_proxy", ["shop.example.com", ".example.com", "other.org, example.com", "*"])
def test_no_proxy_listing_the_shop_host_means_no_proxy(no_proxy: str) -> None:
    assert proxies_for(URL, {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": no_proxy}) == {}


def test_no_proxy_for_other_hosts_keeps_the_proxy() -> None:
    env = {"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "notexample.com,localhost"}
    assert proxies_for(URL, env) == {"https": "http://proxy:3128"}


def test_shop_settings_carry_the_proxies() -> None:
    env = {"OPENCART_URL": URL, "OPENCART_API_KEY": "k" * 32, "HTTPS_PROXY": "http://proxy:3128"}
    assert shop_settings(env).proxies == {"https": "http://proxy:3128"}


def test_the_transport_session_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://should-not-be-used:1")
    transport = Transport(URL, proxies={"https": "http://explicit:3128"})
    session = transport._session
    assert session.trust_env is False
    assert session.proxies == {"https": "http://explicit:3128"}
    settings = session.merge_environment_settings(URL, {}, None, None, None)
    assert settings["proxies"] == {"https": "http://explicit:3128"}
    transport.close()
