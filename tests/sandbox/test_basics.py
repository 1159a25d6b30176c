"""The sandbox handle, api/login, api/order/info, sessions and the generator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from oc_connector_sandbox import Sandbox
from oc_connector_sandbox.generate import iter_order_info
from oc_connector_sandbox.orderinfo import ORDER_INFO_KEYS

NO_PERMISSION = {"error": "Warning: You do not have permission to access the API!"}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=30, seed=3, test_mode=True) as shop:
        yield shop


def _login(sb: Sandbox, http: requests.Session, **extra: str) -> requests.Response:
    return http.post(sb.url + "index.php", params={"route": "api/login"}, data={"key": sb.api_key, **extra})


def _info(sb: Sandbox, http: requests.Session, token: str, order_id: object, **headers: str) -> object:
    r = http.get(
        sb.url + "index.php",
        params={"route": "api/order/info", "api_token": token, "order_id": str(order_id)},
        headers=headers,
    )
    assert r.status_code == 200
    return r.json()


def test_login_and_order_info_match_the_database(sb: Sandbox) -> None:
    with requests.Session() as http:
        body = _login(sb, http).json()
        assert body["success"] == "Success: API session successfully started!"
        token = body["api_token"]
        assert len(token) == 26 and all(c in "0123456789abcdef" for c in token)
        first = sb.query("SELECT order_id, firstname, total FROM oc_order ORDER BY order_id LIMIT 1")[0]
        info = _info(sb, http, token, first["order_id"])
    assert isinstance(info, dict)
    order = info["order"]
    assert tuple(order) == ORDER_INFO_KEYS
    assert order["order_id"] == str(first["order_id"])
    assert order["firstname"] == first["firstname"] and order["total"] == first["total"]
    assert info["success"] == "Success: You have modified orders!"
    assert sb.request_count("api/order/info") == 1


def test_login_failures(sb: Sandbox) -> None:
    with requests.Session() as http:
        assert _login(sb, http, username="Nobody").json() == []
        assert http.post(sb.url + "index.php?route=api/login", data={}).json() == []
        r = _login(sb, http, **{})
        assert "api_token" in r.json()
        bad_ip = http.post(
            sb.url + "index.php?route=api/login",
            data={"key": sb.api_key},
            headers={"X-Sandbox-Remote-Addr": "127.0.0.2"},
        ).json()
    assert bad_ip == {
        "error": {
            "ip": "Warning: Your IP 127.0.0.2 is not allowed to access this API!",
            "key": "Warning: Incorrect API Key!",
        }
    }


def test_token_rules(sb: Sandbox) -> None:
    with requests.Session() as http:
        token = _login(sb, http).json()["api_token"]
        assert _info(sb, http, "0123456789abcdef0123456789", 1) == NO_PERMISSION
        assert _info(sb, http, token, 999999) == {"error": "Warning: Order could not be found!"}
        assert _info(sb, http, token, 1, **{"X-Sandbox-Remote-Addr": "127.0.0.2"}) == NO_PERMISSION
        # session data expires after gc_maxlifetime idle (1440 s) although the api_session row lives 1 h
        sb.clock.advance(1441)
        assert _info(sb, http, token, 1) == NO_PERMISSION
        token = _login(sb, http).json()["api_token"]
        sb.clock.advance(1000)
        assert "order" in _info(sb, http, token, 1)  # sliding
        sb.disable_api_user()
        assert _info(sb, http, token, 1) == NO_PERMISSION
        sb.enable_api_user()
        assert "order" in _info(sb, http, token, 1)
        sb.revoke_ip("127.0.0.1")
        assert _info(sb, http, token, 1) == NO_PERMISSION


def test_unknown_route_is_html_404_and_array_param_is_500(sb: Sandbox) -> None:
    with requests.Session() as http:
        r = http.get(sb.url + "index.php", params={"route": "api/order"})
        assert r.status_code == 404 and "The page you requested cannot be found!" in r.text
        assert f"{sb.url}index.php?route=api/order" in r.text
        r = http.post(sb.url + "index.php?route=api/login", data={"key[]": "x"})
        assert (r.status_code, r.content) == (500, b"")


def test_generator_is_deterministic_and_shaped_like_order_info() -> None:
    a = list(iter_order_info(200, seed=5))
    assert a == list(iter_order_info(200, seed=5))
    assert a != list(iter_order_info(200, seed=6))
    assert all(tuple(o) == ORDER_INFO_KEYS for o in a)
    assert all(isinstance(o["total"], str) and isinstance(o["order_id"], str) for o in a)
    ids = [int(o["order_id"]) for o in a]
    assert ids == sorted(ids) and len(set(ids)) == 200 and ids[-1] > 200  # gaps from deleted orders
    assert {o["currency_code"] for o in a} == {"USD", "EUR", "GBP"}
    assert any(o["order_status_id"] == "0" and o["order_status"] is None for o in a)
    assert any("&amp;" in o["lastname"] for o in a)
    assert any(o["customer_id"] == "0" for o in a) and any(o["customer_id"] != "0" for o in a)


def test_repr_hides_the_key_and_unknown_fixtures_are_refused(sb: Sandbox) -> None:
    assert sb.api_key not in repr(sb) and sb.admin_password not in repr(sb)
    assert len(sb.api_key) >= 64 and sb.api_key.isalnum()
    with pytest.raises(ValueError, match="unknown fixtures 'nosuch'"):
        Sandbox.start(fixtures="nosuch")  # type: ignore[arg-type]
