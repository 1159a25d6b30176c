"""A scripted OpenCart 4.0.2.3 admin behind ``responses`` that answers with the real recorded pages.

The login is the shop's: ``GET common/login`` hands out a login token (the recorded page), ``POST
common/login.login`` checks it and the password and answers the recorded JSON; any other route
without the session's ``user_token`` gets the recorded login page. Other requests are answered with
the recorded exchange of the same method, route, query and form (list parameters equal to the
shop's defaults do not count, as for the shop), or by an override the test sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

from oc_connector.admin40.client import Admin40Client
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Transport
from tests.support.recorded_exchanges import Exchange, admin_files40, load40

PASSWORD = "pw-Very-Secret-40"
TOKEN = "0123456789abcdef0123456789abcdef"
LOGIN_TOKENS = ("fedcba9876543210fedcba9876543210", "aaaabbbbccccddddeeeeffff00001111")
BASE = "http://127.0.0.1:8081/"
URL = f"{BASE}admin/index.php"
FAST = RetryPolicy(max_attempts=3, initial_backoff=0.0, jitter=0.0)
LOGIN = load40("admin_login.json")

# what the shop does when the parameter is absent: the same page either way
_DEFAULTS = {
    "sale/order.list": {"sort": "o.order_id", "order": "DESC", "page": "1"},
    "marketing/coupon.list": {"sort": "name", "order": "ASC", "page": "1"},
    "sale/voucher.list": {"sort": "v.date_added", "order": "DESC", "page": "1"},
    "sale/order.history": {"page": "1"},
}


def real(body: str, login_token: str = LOGIN_TOKENS[0]) -> str:
    """A recorded body with the redaction placeholders put back as real-looking tokens."""
    return body.replace("<USER_TOKEN>", TOKEN).replace("<LOGIN_TOKEN>", login_token)


@dataclass(frozen=True)
class Answer:
    """One scripted answer."""

    status: int
    text: str
    content_type: str = "text/html; charset=utf-8"
    location: str | None = None


def recorded(ex: Exchange) -> Answer:
    """The recorded exchange's answer (tokens restored)."""
    return Answer(ex.status, real(ex.body), ex.content_type or "text/html", ex.extra.get("location"))


@dataclass(frozen=True)
class Sent:
    """One request the client sent."""

    method: str
    params: dict[str, str]
    data: list[tuple[str, str]] | None

    @property
    def route(self) -> str:
        return self.params.get("route", "")


def _key(route: str, query: dict[str, str]) -> frozenset[tuple[str, str]]:
    defaults = _DEFAULTS.get(route, {})
    skip = {"route", "user_token", "login_token"}
    return frozenset((k, v) for k, v in query.items() if k not in skip and defaults.get(k) != v)


def _form(form: Any) -> tuple[tuple[str, str], ...] | None:
    if form is None:
        return None
    pairs = form.items() if isinstance(form, dict) else form
    return tuple((str(k), str(v)) for k, v in pairs)


def _index() -> dict[tuple[str, str, frozenset[tuple[str, str]], Any], Exchange]:
    out: dict[tuple[str, str, frozenset[tuple[str, str]], Any], Exchange] = {}
    for name in admin_files40():
        if name == "admin_login.json":
            continue  # the session answers are the fake's own (it logs in and out as the shop does)
        for ex in load40(name):
            if ex.route is None:
                continue
            form = _form(ex.form)
            out.setdefault((ex.method, ex.route, _key(ex.route, ex.query), form and tuple(sorted(form))), ex)
    return out


class SpyTransport(Transport):
    """The real transport, noting the ``safe`` flag of each call and never sleeping."""

    def __init__(self) -> None:
        super().__init__(BASE, retry=FAST, rate_limit=None, sleep=lambda _s: None)
        self.safe_flags: list[bool] = []

    def send(self, method: str, path: str, *, safe: bool, **kwargs: Any) -> requests.Response:
        self.safe_flags.append(safe)
        return super().send(method, path, safe=safe, **kwargs)


@dataclass
class Shop40:
    """The scripted shop (see the module docstring); ``sent`` lists every request."""

    password: str = PASSWORD
    overrides: dict[tuple[str, str], Callable[[Sent], Answer]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    transport: SpyTransport = field(default_factory=SpyTransport)
    logged_in: bool = False
    #: login tokens handed out in turn (the last one repeats)
    login_tokens: list[str] = field(default_factory=lambda: list(LOGIN_TOKENS))
    #: how many login-token checks to fail before accepting one (the session lost it)
    refuse_login_tokens: int = 0
    _login_token: str | None = None
    _replay: dict[tuple[str, str, frozenset[tuple[str, str]], Any], Exchange] = field(default_factory=_index)

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        answer = self._answer(request)
        headers = {"Content-Type": answer.content_type}
        if answer.location is not None:
            headers["Location"] = answer.location
        return answer.status, headers, answer.text

    def _answer(self, request: requests.PreparedRequest) -> Answer:
        parts = urlsplit(request.url or "")
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == URL
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        data = parse_qsl(body, keep_blank_values=True) if body is not None else None
        assert request.method is not None
        sent = Sent(request.method, params, data)
        self.sent.append(sent)
        if sent.route == "common/login":
            tokens = self.login_tokens
            self._login_token = tokens.pop(0) if len(tokens) > 1 else tokens[0]
            return Answer(200, real(LOGIN[0].body, self._login_token))
        if sent.route == "common/login.login":
            return self._login(sent)
        if not self.logged_in or params.get("user_token") != TOKEN:
            return Answer(200, real(LOGIN[11].body))
        override = self.overrides.get((sent.method, sent.route))
        if override is not None:
            return override(sent)
        form = _form(data)
        key = (sent.method, sent.route, _key(sent.route, params), form and tuple(sorted(form)))
        ex = self._replay.get(key)
        if ex is None:
            raise AssertionError(f"no recorded answer for {sent}")
        return recorded(ex)

    def _login(self, sent: Sent) -> Answer:
        fields = dict(sent.data or [])
        token_ok = self._login_token is not None and sent.params.get("login_token") == self._login_token
        if not token_ok or self.refuse_login_tokens > 0:
            self.refuse_login_tokens -= 1
            return recorded(LOGIN[2])  # {"redirect": ".../common/login"}
        if fields.get("username") != "admin" or fields.get("password") != self.password:
            return recorded(LOGIN[1])  # {"error": "No match for Username and/or Password."}
        self._login_token = None  # used up
        self.logged_in = True
        return Answer(200, real(LOGIN[6].body), "application/json")

    def end_session(self) -> None:
        """The shop forgets the session (expired, logged out elsewhere)."""
        self.logged_in = False

    def logins(self) -> int:
        return sum(1 for s in self.sent if s.route == "common/login.login")

    def routes(self) -> list[str]:
        return [s.route for s in self.sent]


def client_for(shop: Shop40) -> Admin40Client:
    """A 4.0 admin client talking to ``shop`` (inside an active ``responses`` mock)."""
    responses.add_callback(responses.GET, URL, callback=shop)
    responses.add_callback(responses.POST, URL, callback=shop)
    return Admin40Client(BASE, username="admin", password=PASSWORD, transport=shop.transport)


def mocked_http() -> Iterator[None]:
    """Body of an autouse fixture: ``responses`` active for the test."""
    responses.start()
    try:
        yield
    finally:
        responses.stop()
        responses.reset()
