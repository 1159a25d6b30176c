"""``oc-connector check`` against mocked shops, and against the sandbox in its 4.0 mode."""

from __future__ import annotations

from pathlib import Path

import requests
import responses
from click.testing import CliRunner

from oc_connector.cli.check import check
from oc_connector_sandbox import Sandbox
from tests.support.replay_shop import BASE, recorded30, recorded40, shop30, shop40
from tests.support.replay_shop import KEY as REPLAY_KEY

KEY = "check-secret-key-0123456789"
ENV = {"OPENCART_URL": "https://shop.example/", "OPENCART_API_KEY": KEY}
URL = "https://shop.example/index.php"
NOT_FOUND = '{"error":"Warning: Order could not be found!"}'


def run() -> tuple[int, str]:
    result = CliRunner().invoke(check, [], env=ENV)
    assert KEY not in result.output
    return result.exit_code, result.output


@responses.activate
def test_good_shop() -> None:
    responses.post(URL, body='{"success":"ok","api_token":"cccccccccccccccccccccccc03"}')
    responses.get(URL, body=NOT_FOUND)
    code, out = run()
    assert code == 0
    assert "OK" in out and "https://shop.example/" in out


@responses.activate
def test_bad_key() -> None:
    responses.post(URL, body="[]")
    code, out = run()
    assert code != 0
    assert "API key or API username is wrong" in out


@responses.activate
def test_ip_not_allowed() -> None:
    responses.post(
        URL, body='{"error":{"ip":"Warning: Your IP 203.0.113.9 is not allowed to access this API!"}}'
    )
    code, out = run()
    assert code != 0
    assert "203.0.113.9" in out and "IP Addresses" in out


@responses.activate
def test_not_an_opencart_shop() -> None:
    responses.post(URL, status=404, body="<!DOCTYPE html><html><body>Not found</body></html>")
    code, out = run()
    assert code != 0 and "does not look like an OpenCart" in out
    responses.replace(responses.POST, URL, body="<html><body>Welcome to nginx</body></html>")
    code, out = run()
    assert code != 0 and "did not answer JSON" in out


@responses.activate
def test_tls_problem() -> None:
    responses.post(URL, body=requests.exceptions.SSLError("certificate verify failed"))
    code, out = run()
    assert code != 0 and "TLS problem" in out


def run_with(env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(check, [], env=env)
    assert env["OPENCART_API_KEY"] not in result.output
    return result.exit_code, result.output


@responses.activate
def test_check_names_a_detected_40_shop_and_that_its_sync_needs_the_admin() -> None:
    shop = shop40({"api/sale/cart": recorded40("api_sale_cart.json", "empty cart (fresh token)")})
    code, out = run_with({"OPENCART_URL": BASE, "OPENCART_API_KEY": REPLAY_KEY})
    lines = out.splitlines()
    version = "OpenCart 4.0 (detected: api/account/login answered, api/login is a 404 page)"
    assert f"OK    OpenCart version: {version}" in lines
    assert "OK    API token: the token works (api/sale/cart answered)" in lines
    assert any(x.startswith("FAIL  admin: ") and "no API route that reads an order" in x for x in lines)
    assert code != 0
    assert shop.routes_sent == ["api/login", "api/account/login", "api/sale/cart"]


@responses.activate
def test_check_names_a_configured_version() -> None:
    shop = shop30({"api/order/info": recorded30("api_order_info.json", "error: unknown order_id")})
    _code, out = run_with({"OPENCART_URL": BASE, "OPENCART_API_KEY": REPLAY_KEY, "OPENCART_VERSION": "3.0"})
    lines = out.splitlines()
    assert "OK    OpenCart version: OpenCart 3.0 (configured: set in the configuration)" in lines
    assert "OK    API token: the token works (api/order/info answered)" in lines
    assert shop.routes_sent == ["api/login", "api/order/info"]


@responses.activate
def test_check_names_the_version_of_a_shop_that_refused_the_key() -> None:
    shop40()
    code, out = run_with({"OPENCART_URL": BASE, "OPENCART_API_KEY": "a-wrong-key-0123456789"})
    assert code != 0 and "API key or API username is wrong" in out
    assert "OK    OpenCart version: OpenCart 4.0 (detected: api/account/login answered" in out


@responses.activate
def test_check_without_an_opencart_shop_finds_no_version() -> None:
    responses.post(URL, status=404, body="<!DOCTYPE html><html><body>Not found</body></html>")
    code, out = run()
    assert code != 0 and "FAIL  OpenCart version: not found: the login failed" in out
    assert "neither api/login nor api/account/login" in out


def test_check_logs_in_to_a_detected_40_admin_and_probes_its_permissions(tmp_path: Path) -> None:
    with Sandbox.start(version="4.0") as sb:
        env = {"OPENCART_URL": sb.url, "OPENCART_API_USERNAME": sb.api_username,
               "OPENCART_API_KEY": sb.api_key, "OPENCART_ADMIN_USERNAME": sb.admin_username,
               "OPENCART_ADMIN_PASSWORD": sb.admin_password,
               "WAREHOUSE_URL": f"sqlite:///{tmp_path / 'wh.db'}"}
        result = CliRunner().invoke(check, [], env=env)
        admin_routes = {route for route, _status, _fault in sb.request_log if not route.startswith("api/")}
    lines = result.output.splitlines()
    assert "OK    admin login: as 'admin'" in lines, result.output
    assert any(x.startswith("OK    admin permission for vouchers") for x in lines), result.output
    assert "common/login.login" in admin_routes and "sale/voucher.save" in admin_routes  # 4.0's routes
    assert sb.admin_password not in result.output
