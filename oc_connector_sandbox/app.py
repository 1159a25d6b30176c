"""The catalog side of the sandbox as a WSGI application: routing, input escaping, API sessions."""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, cast
from urllib.parse import parse_qsl

from oc_connector_sandbox.orderinfo import Lookups, order_info
from oc_connector_sandbox.state import ShopState

__all__ = ["CatalogApp", "Request", "Response"]

NO_PERMISSION = "Warning: You do not have permission to access the API!"
TEST_ADDR_HEADER = "HTTP_X_SANDBOX_REMOTE_ADDR"
_ROUTE_STRIP = re.compile(r"[^A-Za-z0-9_/]")


class ArrayParam(Exception):
    """A string parameter was sent as an array: PHP's TypeError, HTTP 500 with an empty body."""


def escape(value: str) -> str:
    """OpenCart 3.0.5.0 request cleaning: htmlspecialchars(ENT_COMPAT) and trim."""
    return html.escape(value.strip(), quote=False).replace('"', "&quot;")


class Request:
    """One parsed request: cleaned GET and POST values (bracket keys kept flat)."""

    def __init__(self, environ: dict[str, Any], *, trust_addr_header: bool) -> None:
        self.environ = environ
        self.get = {
            escape(k): escape(v)
            for k, v in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        }
        self.post: dict[str, str] = {}
        self.post_pairs: list[tuple[str, str]] = []  # raw, in order: forms.parse_form builds $_POST
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
            if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
                self.post_pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
                self.post = {escape(k): escape(v) for k, v in self.post_pairs}
        addr = environ.get(TEST_ADDR_HEADER) if trust_addr_header else None
        self.remote_addr = str(addr or environ.get("REMOTE_ADDR", ""))
        self.route = _ROUTE_STRIP.sub("", self.get.get("route", ""))

    def q(self, name: str) -> str | None:
        """A GET string parameter (raises ArrayParam if sent as an array)."""
        if any(k.startswith(name + "[") for k in self.get):
            raise ArrayParam(name)
        return self.get.get(name)

    def p(self, name: str) -> str | None:
        """A POST string parameter (raises ArrayParam if sent as an array)."""
        if any(k.startswith(name + "[") for k in self.post):
            raise ArrayParam(name)
        return self.post.get(name)


class Response:
    """Status, headers and body of one answer."""

    def __init__(self, body: bytes, status: str = "200 OK", content_type: str = "application/json") -> None:
        self.body, self.status, self.content_type = body, status, content_type


def php_json(value: Any) -> bytes:
    """Encode like PHP json_encode defaults (escaped slashes, \\uXXXX)."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/").encode()


Handler = Callable[["CatalogApp", Request, dict[str, Any]], Any]
ROUTES: dict[str, Handler] = {}


def route(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for ``index.php?route=name``."""

    def deco(fn: Handler) -> Handler:
        ROUTES[name] = fn
        return fn

    return deco


class CatalogApp:
    """WSGI app of the storefront front controller (``index.php``) and the admin dispatch."""

    def __init__(self, state: ShopState, *, test_mode: bool = False) -> None:
        self.state = state
        self.test_mode = test_mode
        self._lookups: Lookups | None = None
        self._admin: Any = None

    @property
    def lookups(self) -> Lookups:
        """Reference data cached for order/info."""
        if self._lookups is None:
            with self.state.lock:
                self._lookups = Lookups.from_db(self.state.db, self.state.get_setting("config_language"))
        return self._lookups

    def invalidate_lookups(self) -> None:
        """Forget cached reference data after it changed."""
        self._lookups = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/admin/"):
            return cast(Iterable[bytes], self._admin_app()(environ, start_response))
        resp = self.handle(environ)
        start_response(
            resp.status,
            [
                ("Content-Type", resp.content_type),
                ("Content-Length", str(len(resp.body))),
                ("Cache-Control", "no-store, no-cache, must-revalidate"),
            ],
        )
        return [resp.body]

    def _admin_app(self) -> Any:
        if self._admin is None:
            if getattr(self.state, "version", "3.0") == "4.0":
                from oc_connector_sandbox.v40.admin import AdminApp40

                self._admin = AdminApp40(self.state)
                return self._admin
            try:
                from oc_connector_sandbox.admin import AdminApp
            except ImportError:
                return _not_found_admin
            self._admin = AdminApp(cast(Any, self.state))
        return self._admin

    def handle(self, environ: dict[str, Any]) -> Response:
        """Answer one catalog request (a 4.0 shop's in ``oc_connector_sandbox.v40.catalog``)."""
        if self.state.version == "4.0":
            from oc_connector_sandbox.v40.catalog import handle as handle40

            return handle40(self, environ)
        req = Request(environ, trust_addr_header=self.test_mode)
        handler = ROUTES.get(req.route)
        if handler is None or req.route.rsplit("/", 1)[-1].startswith("__"):
            return self.not_found(environ)
        try:
            session = self.start_session(req)
            result = handler(self, req, session["data"])
            self.save_session(session)
        except ArrayParam:
            return Response(b"", "500 Internal Server Error", "text/html; charset=utf-8")
        if isinstance(result, Response):
            return result
        return Response(php_json(result))

    def not_found(self, environ: dict[str, Any]) -> Response:
        """The storefront's HTML 404 page, linking back to the requested URL."""
        from oc_connector_sandbox.pages import not_found_page

        return Response(
            not_found_page(self.state.base_url, environ).encode(), "404 Not Found", "text/html; charset=utf-8"
        )

    # -- sessions ---------------------------------------------------------------------------------
    def start_session(self, req: Request) -> dict[str, Any]:
        """Authenticate the api_token (spec 2.3) and load its session data."""
        token = req.q("api_token")
        empty: dict[str, Any] = {"id": None, "data": {}}
        if not token or not req.route.startswith("api/"):
            return empty
        st = self.state
        now = st.clock.now()
        stamp = now.strftime("%Y-%m-%d %H:%M:%S")
        with st.lock:
            st.db.execute(
                "DELETE FROM oc_api_session WHERE date_modified < ?",
                ((now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),),
            )
            row = st.db.execute(
                "SELECT s.api_session_id FROM oc_api a JOIN oc_api_session s ON a.api_id = s.api_id "
                "JOIN oc_api_ip i ON a.api_id = i.api_id "
                "WHERE a.status = 1 AND s.session_id = ? AND i.ip = ?",
                (token, req.remote_addr),
            ).fetchone()
            if row is None:
                return empty
            st.db.execute(
                "UPDATE oc_api_session SET date_modified = ? WHERE api_session_id = ?", (stamp, row[0])
            )
            data_row = st.db.execute(
                "SELECT data FROM oc_session WHERE session_id = ? AND expire > ?", (token, stamp)
            ).fetchone()
        data = json.loads(data_row[0]) if data_row else {}
        return {"id": token, "data": data}

    def save_session(self, session: dict[str, Any]) -> None:
        """Write the session data back with a fresh expiry (gc_maxlifetime)."""
        if session["id"] is None:
            return
        st = self.state
        expire = st.clock.now() + timedelta(seconds=int(st.get_setting("session_gc_maxlifetime", 1440)))
        with st.lock:
            st.db.execute(
                "INSERT OR REPLACE INTO oc_session (session_id, data, expire) VALUES (?, ?, ?)",
                (session["id"], json.dumps(session["data"]), expire.strftime("%Y-%m-%d %H:%M:%S")),
            )

    def new_session(self, data: dict[str, Any]) -> str:
        """Create a brand-new session (26 hex characters) holding ``data``."""
        sid = secrets.token_hex(13)
        self.save_session({"id": sid, "data": data})
        return sid


def _not_found_admin(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<h1>Not Found</h1>"]


# -- routes ---------------------------------------------------------------------------------------
@route("api/login")
def api_login(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.1."""
    key = req.p("key")
    username = req.p("username")
    st = app.state
    if key is None:
        return []
    with st.lock:
        api = st.db.execute(
            "SELECT api_id FROM oc_api WHERE username = ? AND key = ? AND status = 1",
            (username if username is not None else "Default", key),
        ).fetchone()
        if api is None:
            return []
        ips = [
            str(r[0]).strip() for r in st.db.execute("SELECT ip FROM oc_api_ip WHERE api_id = ?", (api[0],))
        ]
        if req.remote_addr not in ips:
            return {
                "error": {
                    "ip": f"Warning: Your IP {req.remote_addr} is not allowed to access this API!",
                    "key": "Warning: Incorrect API Key!",
                }
            }
        token = app.new_session({"api_id": api[0]})
        stamp = st.clock.stamp()
        st.db.execute(
            "INSERT INTO oc_api_session (api_id, session_id, ip, date_added, date_modified) "
            "VALUES (?, ?, ?, ?, ?)",
            (api[0], token, req.remote_addr, stamp, stamp),
        )
    return {"success": "Success: API session successfully started!", "api_token": token}


@route("api/order/info")
def api_order_info(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.11."""
    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    order_id = req.q("order_id") or "0"
    st = app.state
    with st.lock:
        cur = st.db.execute("SELECT * FROM oc_order WHERE order_id = ?", (_int(order_id),))
        row = cur.fetchone()
        names = [d[0] for d in cur.description]
    if row is None:
        return {"error": "Warning: Order could not be found!"}
    return {
        "order": order_info(dict(zip(names, row, strict=True)), app.lookups),
        "success": "Success: You have modified orders!",
    }


@route("api/order/history")
def api_order_history(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.12: add a history entry and change the status (a write)."""
    from oc_connector_sandbox.history import add_order_history

    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    order_id = _int(req.q("order_id") or "0")
    status_id = _int(req.p("order_status_id") or "0")
    notify = _int(req.p("notify") or "0")
    comment = req.p("comment") or ""
    if not add_order_history(
        app.state, order_id=order_id, status_id=status_id, comment=comment, notify=bool(notify)
    ):
        return {"error": "Warning: Order could not be found!"}
    return {"success": "Success: You have modified orders!"}


@route("api/order/delete")
def api_order_delete(app: CatalogApp, req: Request, session: dict[str, Any]) -> Any:
    """Spec 4.10."""
    from oc_connector_sandbox.history import delete_order

    if "api_id" not in session:
        return {"error": NO_PERMISSION}
    if not delete_order(app.state, _int(req.q("order_id") or "0")):
        return {"error": "Warning: Order could not be found!"}
    return {"success": "Success: You have modified orders!"}


def _int(value: str) -> int:
    """PHP (int) cast of a string: leading digits, else 0."""
    m = re.match(r"\s*[+-]?\d+", value)
    return int(m.group()) if m else 0


# Route modules register themselves on import (after ROUTES and the helpers above exist).
from oc_connector_sandbox import routes_cart as _routes_cart  # noqa: E402,F401
from oc_connector_sandbox import routes_checkout as _routes_checkout  # noqa: E402,F401
from oc_connector_sandbox import routes_order as _routes_order  # noqa: E402,F401
from oc_connector_sandbox import routes_session as _routes_session  # noqa: E402,F401
