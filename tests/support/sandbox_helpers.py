"""Helpers shared by the sandbox route tests: request environ, API login, the two API clients, data.

Imported as ``from sandbox_helpers import ...`` (pytest puts this folder on ``sys.path``).

- :class:`WsgiClient` calls the in-process WSGI app (``sb.app.handle``) with one API token.
- :class:`HttpApi` calls the served sandbox over HTTP (``requests``) with one API token.
Both read and patch the token's ``oc_session`` data, to put session state in place directly.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlencode

import requests

from oc_connector_sandbox import Sandbox

Form = list[tuple[str, str]] | dict[str, str]

DENIED = "Warning: You do not have permission to access the API!"
MODIFIED = {"success": "Success: You have modified your shopping cart!"}
# The recorded shop's GB address (a payment or shipping address form).
GB_ADDRESS = {
    "firstname": "Alice",
    "lastname": "Archer",
    "company": "",
    "address_1": "1 Test Street",
    "address_2": "",
    "city": "Manchester",
    "postcode": "M1 1AA",
    "country_id": "222",
    "zone_id": "3563",
}
# The recorded guest customer (the ``api/customer`` form).
GUEST_ALICE = {
    "customer_id": "0",
    "customer_group_id": "1",
    "firstname": "Alice",
    "lastname": "Archer",
    "email": "alice.archer@example.com",
    "telephone": "0161000000",
}
# A gift voucher bought in the cart (the ``api/voucher/add`` form).
GIFT_VOUCHER = {
    "from_name": "Gina Giver",
    "from_email": "gina.giver@example.com",
    "to_name": "Rex Receiver",
    "to_email": "rex.receiver@example.com",
    "voucher_theme_id": "8",
    "message": "Happy testing",
    "amount": "25",
}


def carl(customer_id: int = 0) -> dict[str, Any]:
    """The session ``customer`` entry of customer Carl (a guest unless ``customer_id`` is given)."""
    return {
        "customer_id": customer_id,
        "customer_group_id": "1",
        "firstname": "Carl",
        "lastname": "Customer",
        "email": "carl@example.com",
        "telephone": "0123456",
        "custom_field": [],
    }


def session_voucher(amount: str = "25", to_name: str = "Vera") -> dict[str, Any]:
    """A gift voucher entry of the session's ``vouchers`` (as ``api/voucher/add`` stores it), from Carl."""
    return {
        "code": "SESSION1",
        "description": f"${amount} Gift Certificate for {to_name}",
        "to_name": to_name,
        "to_email": "vera@example.com",
        "from_name": "Carl",
        "from_email": "carl@example.com",
        "voucher_theme_id": "8",
        "message": "enjoy",
        "amount": float(amount),
    }


def wsgi_environ(
    method: str, query: str, body: bytes, *, form: bool = True, ip: str | None = None
) -> dict[str, Any]:
    """A WSGI environ for ``/index.php`` from 127.0.0.1; ``ip`` sets the sandbox's remote-address header."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/index.php",
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/x-www-form-urlencoded" if form else "",
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
    }
    if ip is not None:
        environ["HTTP_X_SANDBOX_REMOTE_ADDR"] = ip
    return environ


def wsgi_login(sb: Sandbox, *, key: str | None = None, username: str = "Default") -> str:
    """A fresh API token from ``api/login`` (with the sandbox's own key unless ``key`` is given)."""
    body = urlencode({"username": username, "key": sb.api_key if key is None else key}).encode()
    resp = sb.app.handle(wsgi_environ("POST", "route=api/login", body, ip="127.0.0.1"))
    return str(json.loads(resp.body)["api_token"])


class _Session:
    """Reads and patches the ``oc_session`` data of ``self.token``."""

    sb: Sandbox
    token: str

    def session(self) -> dict[str, Any]:
        row = self.sb.query("SELECT data FROM oc_session WHERE session_id = ?", (self.token,))
        return dict(json.loads(row[0]["data"]))

    def patch(self, **values: Any) -> None:
        data = {**self.session(), **values}
        self.sb.execute("UPDATE oc_session SET data = ? WHERE session_id = ?", (json.dumps(data), self.token))


class WsgiClient(_Session):
    """One API token (a fresh login unless given) driving the in-process WSGI app."""

    def __init__(self, sb: Sandbox, token: str | None = None) -> None:
        self.sb = sb
        self.token = token or wsgi_login(sb)

    def raw(self, route: str, form: Form | None = None, **query: str) -> str:
        """The body of a 200 answer to a POST of ``form`` to ``route``."""
        params = {"route": route, **({"api_token": self.token} if self.token else {}), **query}
        body = urlencode(list(form.items()) if isinstance(form, dict) else form or []).encode()
        resp = self.sb.app.handle(wsgi_environ("POST", urlencode(params), body))
        assert resp.status.startswith("200"), resp.status
        return resp.body.decode()

    def call(self, route: str, form: Form | None = None) -> Any:
        """The JSON answer to a POST of ``form`` to ``route``."""
        return json.loads(self.raw(route, form))


class HttpApi(_Session):
    """One logged-in API token against a served sandbox, over HTTP."""

    def __init__(self, sb: Sandbox, http: requests.Session) -> None:
        self.sb, self.http = sb, http
        self.token = self.login()

    def login(self) -> str:
        """A fresh API token."""
        resp = self.http.post(self.sb.url + "index.php?route=api/login", data={"key": self.sb.api_key})
        return str(resp.json()["api_token"])

    def call(self, route: str, data: dict[str, str] | None = None, **query: Any) -> Any:
        """The JSON answer (status 200) to a POST of ``data`` to ``route`` with ``query``."""
        params = {"route": route, "api_token": self.token, **{k: str(v) for k, v in query.items()}}
        resp = self.http.post(self.sb.url + "index.php", params=params, data=data or {})
        assert resp.status_code == 200
        return resp.json()

    def add_to_cart(self, product_id: int, quantity: int = 1, option: dict[str, str] | None = None) -> None:
        """An ``oc_cart`` line of this token, put in place directly."""
        self.sb.execute(
            "INSERT INTO oc_cart (api_id, customer_id, session_id, product_id, recurring_id, option, "
            "quantity, date_added) VALUES (1, 0, ?, ?, 0, ?, ?, ?)",
            (self.token, product_id, json.dumps(option or []), quantity, self.sb.state.clock.stamp()),
        )

    def set_customer(self, customer_id: int = 0) -> None:
        """Customer :func:`carl` in the session."""
        self.patch(customer=carl(customer_id))
