"""``oc-connector check`` against mocked shops."""

from __future__ import annotations

import requests
import responses
from click.testing import CliRunner

from oc_connector.cli.check import check

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
