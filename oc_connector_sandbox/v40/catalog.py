"""The 4.0 catalog front controller: 4.0 routes, the api_token session and its non-JSON failures.

A request on an ``api/`` route with an ``api_token`` starts the session of that token when the token
has an ``oc_api_session`` row younger than an hour (sliding), its API user is enabled and the client
IP is on the user's list; otherwise the session is never started and the shop dies with the PHP
fatal :data:`~oc_connector_sandbox.v40.storefront.SESSION_FATAL` (HTTP 500). Without an
``api_token`` the storefront session of the ``OCSESSID`` cookie is used (so a token sent as that
cookie works, without the IP check). An ``api/`` route other than ``api/account/login`` whose
session has no ``api_id`` ends on the storefront's Not Found page (HTTP 404), like unknown routes.
Session data lives in ``oc_session`` for ``config_session_expire`` seconds (default 86400).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from oc_connector_sandbox.app import Request, Response, php_json
from oc_connector_sandbox.forms import parse_form
from oc_connector_sandbox.v40.storefront import SESSION_FATAL, not_found_page, token_type_error

if TYPE_CHECKING:
    from oc_connector_sandbox.app import CatalogApp
    from oc_connector_sandbox.state import ShopState

__all__ = ["ROUTES", "Call", "handle", "route"]

_ROUTE_CHARS = re.compile(r"[^A-Za-z0-9_|/.]")
_SESSION_ID = re.compile(r"^[A-Za-z0-9,\-]{22,52}$")
JSON = "application/json"
HTML_UTF8 = "text/html; charset=UTF-8"


@dataclass
class Call:
    """One request on its way through a 4.0 controller."""

    app: CatalogApp
    req: Request
    route: str
    session_id: str | None
    session: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def state(self) -> ShopState:
        """The shop."""
        return self.app.state

    @property
    def token(self) -> str:
        """The id the cart rows of this session are kept under."""
        return self.session_id or ""

    def post(self) -> dict[str, Any]:
        """``$this->request->post``: the body as PHP builds ``$_POST`` (nested dicts, escaped)."""
        return parse_form(self.req.post_pairs)

    def get(self, name: str) -> str | None:
        """A GET string value (escaped), None when absent or an array."""
        value = self.req.get.get(name)
        return value if isinstance(value, str) else None

    def setting(self, key: str, default: Any = None) -> Any:
        """A ``config_*`` setting."""
        return self.state.get_setting(key, default)


Handler = Callable[[Call], Any]
ROUTES: dict[str, Handler] = {}


def route(name: str) -> Callable[[Handler], Handler]:
    """Register a 4.0 handler for ``index.php?route=name`` (``controller.method``)."""

    def deco(fn: Handler) -> Handler:
        ROUTES[name] = fn
        return fn

    return deco


def _route_of(environ: dict[str, Any]) -> str:
    from urllib.parse import parse_qsl

    raw = next(
        (v for k, v in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True) if k == "route"), ""
    )
    name = _ROUTE_CHARS.sub("", raw)
    return name.removesuffix(".index")


def _cookie(environ: dict[str, Any], name: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except Exception:  # a malformed Cookie header is no cookie
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def authenticate(state: ShopState, token: str, remote_addr: str) -> bool:
    """``getApiByToken`` after ``cleanSessions``: whether the token is good (its session then refreshed)."""
    now = state.clock.now()
    with state.lock:
        state.db.execute(
            "DELETE FROM oc_api_session WHERE date_modified < ?",
            ((now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),),
        )
        row = state.db.execute(
            "SELECT s.api_session_id FROM oc_api a JOIN oc_api_session s ON a.api_id = s.api_id "
            "JOIN oc_api_ip i ON a.api_id = i.api_id WHERE a.status = 1 AND s.session_id = ? AND i.ip = ?",
            (token, remote_addr),
        ).fetchone()
        if row is None:
            return False
        state.db.execute(
            "UPDATE oc_api_session SET date_modified = ? WHERE api_session_id = ?",
            (now.strftime("%Y-%m-%d %H:%M:%S"), row[0]),
        )
    return True


def read_session(state: ShopState, session_id: str) -> dict[str, Any]:
    """The session's data, empty once it expired."""
    rows = state.query(
        "SELECT data FROM oc_session WHERE session_id = ? AND expire > ?", (session_id, state.clock.stamp())
    )
    if not rows or not rows[0]["data"]:
        return {}
    data = json.loads(rows[0]["data"])
    return data if isinstance(data, dict) else {}


def write_session(state: ShopState, session_id: str, data: dict[str, Any]) -> None:
    """Store the session data with a fresh expiry (``config_session_expire``)."""
    lifetime = int(state.get_setting("config_session_expire", 86400) or 86400)
    expire = (state.clock.now() + timedelta(seconds=lifetime)).strftime("%Y-%m-%d %H:%M:%S")
    state.execute(
        "INSERT OR REPLACE INTO oc_session (session_id, data, expire) VALUES (?, ?, ?)",
        (session_id, json.dumps(data) if data else "", expire),
    )


def _start_currency(state: ShopState, session: dict[str, Any]) -> None:
    """``startup/currency``: a session currency that is not an enabled code (exactly) becomes the default."""
    codes = {r["code"] for r in state.query("SELECT code FROM oc_currency WHERE status = 1")}
    if session.get("currency") not in codes:
        session["currency"] = state.get_setting("config_currency", "USD")


def not_found(app: CatalogApp, environ: dict[str, Any]) -> Response:
    """The 4.0 storefront's Not Found page, HTTP 404."""
    currencies = [
        (r["code"], f"{r['symbol_left'] or r['symbol_right']} {r['title']}")
        for r in app.state.query("SELECT * FROM oc_currency WHERE status = 1 ORDER BY title")
    ]
    page = not_found_page(app.state.base_url, environ, currencies)
    return Response(page.encode(), "404 Not Found", "text/html; charset=utf-8")


def fatal(text: str, status: str = "500 Internal Server Error") -> Response:
    """A PHP error text as the whole answer (``text/html``)."""
    return Response(text.encode(), status, HTML_UTF8)


def _shown(state: ShopState) -> bool:
    return bool(getattr(state, "php_notices", True)) and bool(
        int(state.get_setting("config_error_display", 1))
    )


def handle(app: CatalogApp, environ: dict[str, Any]) -> Response:
    """Answer one catalog request of a 4.0 shop."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ = {**environ, "wsgi.input": io.BytesIO(raw), "sandbox.raw_body": raw}
    req = Request(environ, trust_addr_header=app.test_mode)
    name = _route_of(environ)
    state = app.state
    is_api = name.startswith("api/")
    session_id: str | None
    if is_api and any(k == "api_token" or k.startswith("api_token[") for k in req.get):
        if "api_token" not in req.get:
            return fatal(
                token_type_error(
                    "Opencart\\Catalog\\Model\\Setting\\Api::getApiByToken",
                    "#1 ($token)",
                    "catalog/model/setting/api.php",
                    26,
                )
            )
        token = req.get["api_token"]
        if not authenticate(state, token, req.remote_addr):
            return fatal(SESSION_FATAL)
        session_id = token
    else:
        cookie = _cookie(environ, "OCSESSID")
        session_id = cookie if cookie and _SESSION_ID.match(cookie) else None
    session = read_session(state, session_id) if session_id else {}
    _start_currency(state, session)
    if is_api and name != "api/account/login" and "api_id" not in session:
        return not_found(app, environ)
    handler = ROUTES.get(name)
    if handler is None:
        return not_found(app, environ)
    call = Call(app=app, req=req, route=name, session_id=session_id, session=session)
    result = handler(call)
    if session_id is not None:
        write_session(state, session_id, call.session)
    if isinstance(result, Response):
        return result
    body = php_json(result)
    if call.warnings and _shown(state):
        body = "".join(call.warnings).encode() + body
    return Response(body, "200 OK", JSON)


# Route modules register themselves on import (after ROUTES exists).
from oc_connector_sandbox.v40 import routes_cart as _routes_cart  # noqa: E402,F401
from oc_connector_sandbox.v40 import routes_checkout as _routes_checkout  # noqa: E402,F401
from oc_connector_sandbox.v40 import routes_order as _routes_order  # noqa: E402,F401
from oc_connector_sandbox.v40 import routes_session as _routes_session  # noqa: E402,F401
from oc_connector_sandbox.v40 import upload as _upload  # noqa: E402,F401
