"""The sandbox's admin panel: a WSGI app answering ``/admin/`` like OpenCart 3.0.5.0.

It needs from the shop state: ``db`` (a ``sqlite3.Connection`` holding OpenCart's tables
``oc_user``, ``oc_user_group``, ``oc_customer_login``, ``oc_coupon``, ``oc_coupon_product``,
``oc_coupon_category``, ``oc_voucher``, ``oc_voucher_theme_description``, ``oc_order_history``,
``oc_order_status``, ``oc_product_description``, ``oc_category_description``), ``lock`` (a
context manager serialising writes) and ``clock`` (a callable returning the shop's ``datetime``).
Markup comes from :mod:`admin_pages` / :mod:`admin_views`, rules from :mod:`admin_rules`.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import sqlite3
import string
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import parse_qsl

from oc_connector_sandbox.admin_pages import (
    HistoryItem,
    oc_escape,
    render_history_fragment,
    render_login_page,
    render_not_found,
    render_permission_denied,
)
from oc_connector_sandbox.admin_rules import ATTEMPTS_MESSAGE, LOGIN_MESSAGE, login_locked

__all__ = ["AdminApp", "AdminShopState", "password_hash"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Form = list[tuple[str, str]]
_TOKEN_CHARS = string.ascii_letters + string.digits
LIMIT = 20
HISTORY_LIMIT = 10


class AdminShopState(Protocol):
    """What the admin app uses of the sandbox's ``ShopState``."""

    db: sqlite3.Connection
    lock: AbstractContextManager[Any]

    def clock(self) -> datetime:
        """The shop's current time."""
        ...

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A ``config_*`` setting (``default`` when unset)."""
        ...


def password_hash(password: str, salt: str) -> str:
    """OpenCart 3.0's admin password hash (of the input-escaped password)."""

    def sha1(text: str) -> str:
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    return sha1(salt + sha1(salt + sha1(password)))


class _Request:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.method = str(environ.get("REQUEST_METHOD", "GET"))
        self.query = dict(parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
        self.form: Form = []
        # The caller's session (the success alert of a post waits there for the next list).
        self.session: dict[str, Any] = {}
        if self.method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            self.form = _parse_body(str(environ.get("CONTENT_TYPE", "")), raw)
        cookie = SimpleCookie(str(environ.get("HTTP_COOKIE", "")))
        self.session_id = cookie["OCSESSID"].value if "OCSESSID" in cookie else None
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        self.base = f"{environ.get('wsgi.url_scheme', 'http')}://{host}/admin/index.php"

    def value(self, name: str) -> str:
        return oc_escape(dict(self.form).get(name, ""))


def _parse_body(content_type: str, raw: bytes) -> Form:
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        out: Form = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                out.append((name, payload.decode("utf-8")))
        return out
    return parse_qsl(raw.decode("utf-8"), keep_blank_values=True)


class AdminApp:
    """WSGI callable for every request whose path starts with ``/admin/``.

    Args:
        state: The sandbox shop state (see :class:`AdminShopState`).
    """

    def __init__(self, state: AdminShopState) -> None:
        self._state = state
        self._sessions: dict[str, dict[str, Any]] = {}
        self._orders: dict[tuple[str, str], Any] | None = None

    # -- plumbing --------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request."""
        request = _Request(environ)
        session_id = request.session_id or secrets.token_hex(13)
        session = self._sessions.setdefault(session_id, {})
        request.session = session
        status, headers, body = self._dispatch(request, session)
        headers.append(("Set-Cookie", f"OCSESSID={session_id}; path=/"))
        start_response(status, headers)
        return [body.encode("utf-8")]

    @staticmethod
    def _html(body: str) -> tuple[str, list[tuple[str, str]], str]:
        return "200 OK", [("Content-Type", "text/html; charset=utf-8")], body

    @staticmethod
    def _redirect(location: str) -> tuple[str, list[tuple[str, str]], str]:
        return "302 Found", [("Content-Type", "text/html; charset=UTF-8"), ("Location", location)], ""

    def _url(self, request: _Request, route: str, token: str, extra: str = "") -> str:
        return f"{request.base}?route={route}&amp;user_token={token}{extra}"

    def _dispatch(self, request: _Request, session: dict[str, Any]) -> tuple[str, list[tuple[str, str]], str]:
        route = request.query.get("route") or "common/login"
        if route == "common/login":
            return self._login(request, session)
        if route == "common/logout":
            session.clear()  # the old token then gives the plain login page
            return self._redirect(f"{request.base}?route=common/login")
        token = session.get("user_token")
        if not token or request.query.get("user_token") != token:
            error = "Invalid token session. Please login again." if token else None
            return self._html(self._login_page(request, error=error))
        controller = "/".join(route.split("/")[:2])
        method = route.split("/")[2] if route.count("/") >= 2 else "index"
        permissions = self._permissions(int(session["user_id"]))
        if controller != "common/dashboard" and controller not in permissions.get("access", []):
            return self._html(render_permission_denied())
        handler = self._handlers().get((controller, method))
        if handler is None:
            return self._html(render_not_found())
        can_modify = controller in permissions.get("modify", [])
        return handler(request, token, can_modify)

    def _handlers(
        self,
    ) -> dict[tuple[str, str], Callable[[_Request, str, bool], tuple[str, list[tuple[str, str]], str]]]:
        from oc_connector_sandbox.admin_catalog import catalog_handlers
        from oc_connector_sandbox.admin_marketing import coupon_handlers, voucher_handlers
        from oc_connector_sandbox.admin_orders import order_handlers

        handlers = {
            ("common/dashboard", "index"): lambda r, t, m: self._html(
                "<!DOCTYPE html><html><body><h1>Dashboard</h1></body></html>"
            ),
            ("sale/order", "history"): self._order_history,
            ("setting/setting", "index"): self._settings_page,
        }
        handlers.update(coupon_handlers(self._state, self))
        handlers.update(voucher_handlers(self._state, self))
        if self._orders is None:
            # built once: each registers a SQL function, which SQLite refuses during another query
            self._orders = order_handlers(self._state, self) | catalog_handlers(self._state, self)
        handlers.update(self._orders)
        return handlers

    # -- login -----------------------------------------------------------------------------

    def _login_page(self, request: _Request, *, error: str | None = None, username: str = "") -> str:
        return render_login_page(action=f"{request.base}?route=common/login", username=username, error=error)

    def _login(self, request: _Request, session: dict[str, Any]) -> tuple[str, list[tuple[str, str]], str]:
        token = session.get("user_token")
        if token and request.query.get("user_token") == token:
            return self._redirect(f"{request.base}?route=common/dashboard&user_token={token}")
        if request.method != "POST":
            return self._html(self._login_page(request))
        username, password = request.value("username"), request.value("password")
        db, now = self._state.db, self._state.clock()
        with self._state.lock:
            attempt = db.execute(
                "SELECT total, date_modified FROM oc_customer_login WHERE email = ?", (username.lower(),)
            ).fetchone()
            last = datetime.fromisoformat(str(attempt[1])) if attempt else None
            if attempt and login_locked(attempts=int(attempt[0]), last_attempt=last, now=now):
                return self._html(self._login_page(request, error=ATTEMPTS_MESSAGE, username=username))
            user = db.execute(
                "SELECT user_id, password, salt FROM oc_user WHERE LOWER(username) = ? AND status = 1",
                (username.lower(),),
            ).fetchone()
            if user and password and password_hash(password, str(user[2])) == str(user[1]):
                db.execute("DELETE FROM oc_customer_login WHERE email = ?", (username.lower(),))
                db.commit()
                new_token = "".join(secrets.choice(_TOKEN_CHARS) for _ in range(32))
                session.update(user_id=int(user[0]), user_token=new_token)
                return self._redirect(f"{request.base}?route=common/dashboard&user_token={new_token}")
            if username and password:
                stamp = now.isoformat(sep=" ", timespec="seconds")
                if attempt:
                    db.execute(
                        "UPDATE oc_customer_login SET total = total + 1, date_modified = ? WHERE email = ?",
                        (stamp, username.lower()),
                    )
                else:
                    db.execute(
                        "INSERT INTO oc_customer_login (email, ip, total, date_added, date_modified) "
                        "VALUES (?, '127.0.0.1', 1, ?, ?)",
                        (username.lower(), stamp, stamp),
                    )
                db.commit()
        return self._html(self._login_page(request, error=LOGIN_MESSAGE, username=username))

    def _permissions(self, user_id: int) -> dict[str, list[str]]:
        row = self._state.db.execute(
            "SELECT g.permission FROM oc_user u JOIN oc_user_group g ON u.user_group_id = g.user_group_id "
            "WHERE u.user_id = ?",
            (user_id,),
        ).fetchone()
        return dict(json.loads(row[0])) if row and row[0] else {}

    # -- settings --------------------------------------------------------------------------

    def _settings_page(
        self, request: _Request, token: str, can_modify: bool
    ) -> tuple[str, list[tuple[str, str]], str]:
        """System > Settings as 3.0.5.0 renders it: the Local tab's time zone and the Option tab's
        processing and complete status checkbox lists (every status by name, the shop's own checked)."""
        current = str(self._state.get_setting("config_timezone", "UTC"))
        chosen = ' selected="selected"'
        options = "".join(
            f'<option value="{zone}"{chosen if zone == current else ""}>{zone}</option>'
            for zone in dict.fromkeys(["UTC", "Europe/London", "Europe/Berlin", "America/New_York", current])
        )
        statuses = self._state.db.execute(
            "SELECT order_status_id, name FROM oc_order_status WHERE language_id = 1 ORDER BY name"
        ).fetchall()
        return self._html(
            "<!DOCTYPE html><html><body><form id=\"form-setting\">"
            '<div class="tab-pane" id="tab-option">'
            + self._status_checkboxes(
                statuses, "config_processing_status", "input-process-status", "Processing Order Status"
            )
            + self._status_checkboxes(
                statuses, "config_complete_status", "input-complete-status", "Complete Order Status"
            )
            + "</div>"
            '<div class="tab-pane" id="tab-local">'
            '<label class="col-sm-2 control-label" for="input-timezone">Time Zone</label>'
            f'<select name="config_timezone" id="input-timezone" class="form-control">{options}</select>'
            "</div></form></body></html>"
        )

    def _status_checkboxes(self, statuses: list[Any], key: str, input_id: str, label: str) -> str:
        checked = {str(s) for s in self._state.get_setting(key, [])}
        mark = ' checked="checked"'
        boxes = "".join(
            '<div class="checkbox"><label> '
            f'<input type="checkbox" name="{key}[]" value="{sid}"{mark if str(sid) in checked else ""} />'
            f"\n{html.escape(str(name))}\n</label></div>"
            for sid, name in statuses
        )
        return (
            '<div class="form-group">'
            f'<label class="col-sm-2 control-label" for="{input_id}">'
            f'<span data-toggle="tooltip">{label}</span></label>'
            '<div class="col-sm-10"><div class="well well-sm" style="height: 150px; overflow: auto;">'
            f"{boxes}</div></div></div>"
        )

    # -- order history ---------------------------------------------------------------------

    def _order_history(
        self, request: _Request, token: str, can_modify: bool
    ) -> tuple[str, list[tuple[str, str]], str]:
        order_id = int(request.query.get("order_id") or 0)
        page = max(int(request.query.get("page") or 1), 1)
        db = self._state.db
        total = int(
            db.execute("SELECT COUNT(*) FROM oc_order_history WHERE order_id = ?", (order_id,)).fetchone()[0]
        )
        rows = db.execute(
            "SELECT oh.date_added, oh.comment, os.name, oh.notify FROM oc_order_history oh "
            "JOIN oc_order_status os ON oh.order_status_id = os.order_status_id AND os.language_id = 1 "
            "WHERE oh.order_id = ? ORDER BY oh.date_added DESC, oh.order_history_id DESC LIMIT ? OFFSET ?",
            (order_id, HISTORY_LIMIT, (page - 1) * HISTORY_LIMIT),
        ).fetchall()
        items = [
            HistoryItem(
                date_added=datetime.fromisoformat(str(r[0])).strftime("%d/%m/%Y"),
                comment=str(r[1] or ""),
                status=str(r[2]),
                notified=bool(r[3]),
            )
            for r in rows
        ]
        url = self._url(request, "sale/order/history", token, f"&amp;order_id={order_id}")
        return self._html(render_history_fragment(rows=items, url=url, page=page, total=total))
