"""Replay recorded exchanges from a real OpenCart 3.0.5.0 shop against the sandbox (WSGI, in process).

Compared: HTTP status, content type family, JSON shape (keys and value types) and every message
string. Exchanges not replayed yet are listed in NOT_REPRODUCED with the reason.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from recorded_exchanges import Exchange, load

from oc_connector.sandbox import Sandbox

REPLAYED = ("api_login.json", "unknown_routes_404.json", "api_order_info.json")
# Recorded files whose exchanges are not replayed yet, with why.
NOT_REPRODUCED = {
    "api_cart_*.json, api_coupon.json, api_customer.json, api_payment_*.json, api_shipping_*.json, "
    "api_reward*.json, api_voucher*.json, api_currency.json, api_order_add.json, api_order_edit.json": (
        "the session/cart routes are not implemented in the sandbox yet"
    ),
    "api_order_info.json cases answering an order": "needs the recorded fixtures (orders 1..60)",
    "bulk_order_info_all_orders.json": "needs fixtures='recorded' (orders 1..60), not built yet",
}
MESSAGE_KEYS = {"error", "success", "warning", "ip", "key"}


@pytest.fixture(scope="module")
def shop() -> Iterator[Sandbox]:
    with Sandbox.start(orders=0, test_mode=True, api_key="K" * 64) as sb:
        yield sb


def _sub(text: str, subs: dict[str, str]) -> str:
    for placeholder, value in subs.items():
        text = text.replace(placeholder, value)
    return text


def _call(sb: Sandbox, ex: Exchange, subs: dict[str, str]) -> tuple[int, str, bytes]:
    query = urlencode({k: _sub(v, subs) for k, v in ex.query.items()})
    body = urlencode({k: _sub(v, subs) for k, v in (ex.form or {}).items()}).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": ex.method,
        "PATH_INFO": "/index.php",
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/x-www-form-urlencoded" if ex.form is not None else "",
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": ex.client_ip,
        "wsgi.input": io.BytesIO(body),
    }
    resp = sb.app.handle(environ)
    return int(resp.status.split()[0]), resp.content_type, resp.body


def _shape(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, str) and key in MESSAGE_KEYS:
        return value
    return type(value).__name__


def _cases() -> list[Exchange]:
    out = []
    for name in REPLAYED:
        for ex in load(name):
            if name == "api_order_info.json" and '"order":' in ex.body:
                continue  # listed in NOT_REPRODUCED
            out.append(ex)
    return out


@pytest.mark.parametrize("ex", _cases(), ids=lambda ex: ex.id)
def test_replay(shop: Sandbox, ex: Exchange) -> None:
    login = shop.app.handle(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/index.php",
            "QUERY_STRING": "route=api/login",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(b"key=" + b"K" * 64)),
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(b"key=" + b"K" * 64),
        }
    )
    token = json.loads(login.body)["api_token"]
    disabled_key = shop.query("SELECT key FROM oc_api WHERE username = 'Disabled'")[0]["key"]
    subs = {"<KEY_OF_DISABLED_API_USER>": disabled_key, "<KEY>": "K" * 64, "<TOKEN>": token}
    if "<EXPIRED_TOKEN>" in str(ex.query):
        expired = json.loads(_call(shop, load("api_login.json")[1], subs)[2])["api_token"]
        shop.execute(
            "UPDATE oc_api_session SET date_modified = '2000-01-01 00:00:00' WHERE session_id = ?", (expired,)
        )
        subs["<EXPIRED_TOKEN>"] = expired
    status, content_type, body = _call(shop, ex, subs)
    assert status == ex.status
    if ex.status == 404:
        assert content_type.startswith("text/html")
        assert "The page you requested cannot be found!" in body.decode()
        return
    if ex.status == 500:
        assert body == ex.body.encode() == b""
        return
    got, want = json.loads(body), json.loads(ex.body)
    if "api_token" in want:
        assert len(got["api_token"]) == 26
        got["api_token"] = want["api_token"]
    assert _shape(got) == _shape(want)
