"""A mocked shop (``responses``) that answers with the recorded bodies of a real 3.0 or 4.0 shop.

Each answer is a recorded exchange's status and body, picked by route and by what the request
carries (key, token); only the ``<TOKEN>`` placeholder is filled with the token the mock issued.
The shop keeps the tokens it issued (``live``), so a test can expire, revoke or block them, and
it notes every request as ``(route, api_token or None)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

from tests.support.recorded_exchanges import Exchange, load, load40

KEY = "REPLAY-secret-api-key-0123456789abcdef"
BASE = "https://shop.example/"
URL = BASE + "index.php"


def _one(exchanges: tuple[Exchange, ...], case: str) -> Exchange:
    """The first exchange with this case label (some 3.0 labels repeat with the same answer)."""
    found = [e for e in exchanges if e.case == case]
    assert found, f"no recorded case {case!r}"
    return found[0]


Answer = tuple[int, dict[str, str], str]
Form = dict[str, list[str]]
UNKNOWN_TOKEN = "auth error: unknown api_token (well-formed, never issued)"


def _answer(e: Exchange, token: str | None = None) -> Answer:
    body = e.body.replace("<TOKEN>", token) if token else e.body
    return e.status, {"Content-Type": e.content_type or "text/html"}, body


@dataclass
class ReplayShop:
    """A shop of one version answering from its recordings (see the module docstring).

    Attributes:
        version: ``"3.0"`` or ``"4.0"``.
        routes: route -> the recorded exchange it answers with a live token.
        live: tokens the shop accepts.
        key_ok: the API key is accepted (else every login is refused as a wrong key).
        ip_blocked: the login refuses the caller's IP (the key is right).
        drop_token: the next N api/* calls reach the shop without their api_token (a proxy).
        sent: ``(route, api_token)`` of every request, in order.
        forms: the POST body of every request, in order (``{name: [values]}``).
    """

    version: str
    routes: dict[str, Exchange] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)
    key_ok: bool = True
    ip_blocked: bool = False
    drop_token: int = 0
    sent: list[tuple[str, str | None]] = field(default_factory=list)
    forms: list[dict[str, list[str]]] = field(default_factory=list)
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    _issued: int = 0

    def install(self) -> ReplayShop:
        """Register the callbacks with the active ``responses`` mock."""
        for method in (responses.GET, responses.POST):
            responses.add_callback(method, URL, callback=self._handle)
        return self

    def expire_all(self) -> None:
        """Every issued token dies (an idle purge, a disabled user, a removed IP)."""
        self.live.clear()

    @property
    def routes_sent(self) -> list[str]:
        return [route for route, _token in self.sent]

    def _handle(self, request: Any) -> Answer:
        query = parse_qs(urlsplit(request.url).query)
        route = query["route"][0]
        token = query.get("api_token", [None])[0]
        body = request.body or ""
        form = parse_qs(body if isinstance(body, str) else body.decode(), keep_blank_values=True)
        self.sent.append((route, token))
        self.forms.append(form)
        self.queries.append(query)
        if route.startswith("api/") and self.drop_token and token is not None:
            self.drop_token -= 1
            token = None
        handler: Callable[[str, str | None, Form], Answer]
        handler = self._handle30 if self.version == "3.0" else self._handle40
        return handler(route, token, form)

    def _issue(self) -> str:
        self._issued += 1
        token = f"{self._issued:026x}"
        self.live.add(token)
        return token

    # -- OpenCart 3.0.5.0 ------------------------------------------------------------------------

    def _handle30(self, route: str, token: str | None, form: Form) -> Answer:
        logins = load("api_login.json")
        if route == "api/login":
            if self.ip_blocked:
                return _answer(next(e for e in logins if "IP not allowed" in e.case))
            if not self.key_ok or form.get("key") != [KEY]:
                return _answer(_one(logins, "error: wrong key"))
            return _answer(_one(logins, "success: username + key (POST)"), self._issue())
        if route not in self.routes:
            return _answer(load("unknown_routes_404.json")[0])
        if token not in self.live:
            return _answer(_one(load("api_order_info.json"), UNKNOWN_TOKEN))
        return _answer(self.routes[route], token)

    # -- OpenCart 4.0.2.3 ------------------------------------------------------------------------

    def _handle40(self, route: str, token: str | None, form: Form) -> Answer:
        logins = load40("api_account_login.json")
        if route == "api/account/login":
            if not self.key_ok or form.get("key") != [KEY] or not form.get("username"):
                return _answer(_one(logins, "error: wrong key"))
            if self.ip_blocked:
                return _answer(next(e for e in logins if "not in the API user's IP list" in e.case))
            return _answer(_one(logins, "success: username + key (POST)"), self._issue())
        cart = load40("api_sale_cart.json")
        if route.startswith("api/") and token is None:
            no_token = _one(cart, "auth error: no api_token")
            return no_token.status, {"Content-Type": no_token.content_type}, no_token.body.replace(
                "route=api/sale/cart", f"route={route}"
            )
        if route.startswith("api/") and token not in self.live:
            return _answer(_one(cart, UNKNOWN_TOKEN))
        if route not in self.routes:
            unknown = _one(load40("unknown_routes.json"), "valid token, route api/login")
            return unknown.status, {"Content-Type": unknown.content_type}, unknown.body.replace(
                "route=api/login", f"route={route}"
            ).replace("<TOKEN>", str(token))
        return _answer(self.routes[route], token)


def shop30(routes: dict[str, Exchange] | None = None) -> ReplayShop:
    """A 3.0 shop answering ``routes`` (route -> recorded exchange) with a live token."""
    return ReplayShop("3.0", dict(routes or {})).install()


def shop40(routes: dict[str, Exchange] | None = None) -> ReplayShop:
    """A 4.0 shop answering ``routes`` (route -> recorded exchange) with a live token."""
    return ReplayShop("4.0", dict(routes or {})).install()


def recorded40(file: str, case: str) -> Exchange:
    """The exchange of a 4.0 file with this case label."""
    return _one(load40(file), case)


def recorded30(file: str, case: str) -> Exchange:
    """The (first) exchange of a 3.0 file with this case label."""
    return _one(load(file), case)
