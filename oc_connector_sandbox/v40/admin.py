"""The sandbox's OpenCart 4.0.2.3 admin: a WSGI app answering ``/admin/`` like a 4.0.2.3 shop's admin.

Two-step login (``common/login`` gives a ``login_token``, ``common/login.login`` answers JSON), a
``user_token`` of 32 lowercase hex that is only good with the session cookie, and ``route=a/b.method``
dispatch to the order pages (:mod:`.admin_orders`) and the coupon/voucher pages (:mod:`.admin_marketing`).
Sessions, passwords and permissions are the 3.0 admin's (:mod:`oc_connector_sandbox.admin`).
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from oc_connector_sandbox.admin import _Request, password_hash
from oc_connector_sandbox.admin_rules import LOGIN_MESSAGE
from oc_connector_sandbox.state import ShopState

__all__ = ["AdminApp40", "Answer", "Page", "money", "pagination", "results_text", "short_date"]

Answer = tuple[str, list[tuple[str, str]], str]
TOKEN_MESSAGE = "Invalid token session. Please login again."  # noqa: S105 (a message)
_HTML = "text/html; charset=utf-8"
_SESSION_ID = re.compile(r"^[a-zA-Z0-9,\-]{22,52}$")  # what Session::start accepts


def _php_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


ZERO_DATE = "0000-00-00"
"""What MySQL stores for a date posted empty (the shop's session SQL mode lets it), as the real shop."""


def short_date(stamp: str) -> str:
    """``YYYY-MM-DD ...`` as 4.0's ``date('d/m/Y', strtotime(...))`` (``date_format_short``).

    The zero date is the day before 0001-01-01 to PHP: ``30/11/-0001``.
    """
    if stamp.startswith(ZERO_DATE):
        return "30/11/-0001"
    return f"{stamp[8:10]}/{stamp[5:7]}/{stamp[0:4]}"


def money(value: Any, currency: tuple[str, str, int], rate: Any) -> str:
    """4.0's ``currency->format``: ``value * rate`` rounded, thousands with ``,``, symbols around."""
    left, right, places = currency
    amount = (Decimal(str(value)) * Decimal(str(rate))).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    sign = "-" if amount < 0 else ""  # after the left symbol: $-34.60, -37.66€
    return f"{left}{sign}{abs(amount):,.{places}f}{right}"


def results_text(total: int, page: int, limit: int) -> str:
    """``Showing A to B of N (P Pages)`` as 4.0 computes it (past the end A exceeds N)."""
    start = (page - 1) * limit + 1 if total else 0
    end = total if (page - 1) * limit > total - limit else (page - 1) * limit + limit
    pages = -(-total // limit)
    return f"Showing {start} to {end} of {total} ({pages} Pages)"


def pagination(total: int, page: int, limit: int, url: str) -> str:
    """4.0's ``common/pagination``: ``url`` holds ``{page}`` (``&amp;page={page}``)."""
    pages = -(-total // limit)
    page = max(page, 1)
    back = page > 1 and pages < page
    if not (pages > 1 or back):
        return ""

    def plain() -> str:
        return url.replace("&amp;page={page}", "")

    items = []
    if page > 1:
        items.append(f'<li class="page-item"><a href="{plain()}" class="page-link">|&lt;</a></li>')
        prev = plain() if page - 1 == 1 else url.replace("{page}", str(page - 1))
        items.append(f'<li class="page-item"><a href="{prev}" class="page-link">&lt;</a></li>')
    if pages > 1:
        if pages <= 8:
            start, end = 1, pages
        else:
            start, end = page - 4, page + 4
            if start < 1:
                end += abs(start) + 1
                start = 1
            if end > pages:
                start -= end - pages
                end = pages
        for i in range(start, end + 1):
            if i == page:
                items.append(f'<li class="page-item active"><span class="page-link">{i}</span></li>')
            else:
                href = url.replace("{page}", str(i))
                items.append(f'<li class="page-item"><a href="{href}" class="page-link">{i}</a></li>')
    if pages > page:
        items.append(
            f'<li class="page-item"><a href="{url.replace("{page}", str(page + 1))}" class="page-link">&gt;</a></li>'
        )
        items.append(
            f'<li class="page-item"><a href="{url.replace("{page}", str(pages))}" class="page-link">&gt;|</a></li>'
        )
    return '<ul class="pagination">\n' + "\n".join(items) + "\n</ul>"


def _page_shell(title: str, content: str, base: str) -> str:
    return (
        '<!DOCTYPE html>\n<html dir="ltr" lang="en">\n<head>\n  <meta charset="UTF-8"/>\n'
        f'  <title>{title}</title>\n  <base href="{base.removesuffix("index.php")}"/>\n</head>\n<body>\n'
        f'<div id="container">\n  <div id="alert" class="toast-container position-fixed top-0 end-0 p-3"></div>\n'
        f"{content}\n</div>\n</body></html>\n"
    )


class Page:
    """What a page handler gets: the request, its session and link helpers."""

    def __init__(self, request: _Request, session: dict[str, Any], state: ShopState) -> None:
        self.request = request
        self.session = session
        self.state = state
        self.token = str(session.get("user_token", ""))

    def q(self, name: str, default: str | None = None) -> str | None:
        """A GET parameter as sent."""
        return self.request.query.get(name, default)

    def link(self, route: str, extra: str = "") -> str:
        """An absolute admin link with ``&amp;`` separators and the user token."""
        return f"{self.request.base}?route={route}&amp;user_token={self.token}{extra}"

    def html(self, body: str) -> Answer:
        return "200 OK", [("Content-Type", _HTML)], body

    def json(self, value: Any) -> Answer:
        return "200 OK", [("Content-Type", "application/json")], _php_json(value)

    def shell(self, title: str, content: str) -> str:
        """A full admin page around ``content``."""
        return _page_shell(title, f'<div id="content">\n{content}\n</div>', self.request.base)

    def form_values(self) -> list[tuple[str, str]]:
        """The POST pairs, in order."""
        return list(self.request.form)


Handler = Callable[[Page], Answer]


class AdminApp40:
    """WSGI callable for every ``/admin/`` request of a 4.0 sandbox shop."""

    def __init__(self, state: ShopState) -> None:
        from oc_connector_sandbox.v40.admin_marketing import marketing_handlers
        from oc_connector_sandbox.v40.admin_orders import order_handlers

        self._state = state
        self._sessions: dict[str, dict[str, Any]] = {}
        self._handlers: dict[str, Handler] = {**order_handlers(), **marketing_handlers()}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """Answer one request."""
        request = _Request(environ)
        session_id = request.session_id
        # as Session::start: a well-formed cookie id is kept even when its session is gone (expired,
        # collected), so a client's cookie stays valid for its next login; only a missing or
        # malformed one gets a new id
        if session_id is None or not _SESSION_ID.match(session_id):
            session_id = secrets.token_hex(13)
        session = self._sessions.setdefault(session_id, {})
        status, headers, body = self._dispatch(request, session)
        headers.append(("Set-Cookie", f"OCSESSID={session_id}; Max-Age=86400; path=/admin/; SameSite=Strict"))
        start_response(status, headers)
        return [body.encode("utf-8")]

    def _dispatch(self, request: _Request, session: dict[str, Any]) -> Answer:
        page = Page(request, session, self._state)
        route = request.query.get("route") or "common/login"
        controller = route.rsplit(".", 1)[0]
        if route == "common/login.login":
            return self._login(page)
        if controller == "common/login":
            return self._login_page(page, route)
        if route == "common/logout":
            session.clear()
            return (
                "302 Found",
                [
                    ("Content-Type", "text/html; charset=UTF-8"),
                    ("Location", f"{request.base}?route=common/login"),
                ],
                "",
            )
        logged = "user_id" in session
        token = request.query.get("user_token")
        if not logged or token is None or token != session.get("user_token"):
            return self._login_page(page, route)
        if route == "common/dashboard":
            return page.html(page.shell("Dashboard", "<h1>Dashboard</h1>"))
        handler = self._handlers.get(route)
        if handler is None:
            return page.html(page.shell("Page Not Found!", "<h1>Page Not Found!</h1>"))
        return handler(page)

    # -- login -----------------------------------------------------------------------------------

    def _login_page(self, page: Page, route: str) -> Answer:
        session, query = page.session, page.request.query
        if (
            "user_id" in session
            and query.get("user_token") is not None
            and query.get("user_token") == session.get("user_token")
        ):
            return (
                "302 Found",
                [
                    ("Content-Type", "text/html; charset=UTF-8"),
                    (
                        "Location",
                        f"{page.request.base}?route=common/dashboard&user_token={session['user_token']}",
                    ),
                ],
                "",
            )
        if "user_token" in query and query.get("user_token") != session.get("user_token"):
            error = TOKEN_MESSAGE
        else:
            error = str(session.pop("error", ""))
        session["login_token"] = secrets.token_hex(16)
        redirect = ""
        if route != "common/login":
            args = "&amp;".join(
                f"{k}={v}" for k, v in page.request.query.items() if k not in ("route", "user_token")
            )
            redirect = f"{page.request.base}?route={route}" + (f"&amp;{args}" if args else "")
        action = f"{page.request.base}?route=common/login.login&login_token={session['login_token']}"
        alert = (
            '<div class="alert alert-danger alert-dismissible"><i class="Dfa-circle-exclamation"></i> '
            f'{error} <button type="button" class="btn-close" data-bs-dismiss="alert"></button></div>'
            if error
            else ""
        )
        hidden = f'<input type="hidden" name="redirect" value="{redirect}"/>' if redirect else ""
        form = (
            '<div class="card"><div class="card-header"><i class="fa-solid fa-lock"></i> '
            'Please enter your login details.</div>\n<div class="card-body">\n'
            f'<form id="form-login" action="{action}" method="post" data-oc-toggle="ajax">\n{alert}\n'
            '<div class="mb-3"><label for="input-username" class="form-label">Username</label>'
            '<input type="text" name="username" value="" placeholder="Username" id="input-username"'
            ' class="form-control"/></div>\n'
            '<div class="mb-3"><label for="input-password" class="form-label">Password</label>'
            '<input type="password" name="password" value="" placeholder="Password" id="input-password"'
            ' class="form-control"/></div>\n'
            '<div class="text-end"><button type="submit" class="btn btn-primary">'
            '<i class="fa-solid fa-key"></i> Login</button></div>\n'
            f"{hidden}\n</form>\n</div></div>"
        )
        return page.html(page.shell("Administration", form))

    def _login(self, page: Page) -> Answer:
        session, request = page.session, page.request
        posted = dict(request.form)
        answer: dict[str, str] = {}
        if "user_id" in session and request.query.get("user_token") == session.get("user_token"):
            answer["redirect"] = f"{request.base}?route=common/dashboard&user_token={session['user_token']}"
        login_token = request.query.get("login_token")
        if login_token is None or "login_token" not in session or login_token != session["login_token"]:
            session["error"] = LOGIN_MESSAGE
            answer["redirect"] = f"{request.base}?route=common/login"
        user_id = (
            None if answer else self._check_password(posted.get("username", ""), posted.get("password", ""))
        )
        if not answer and user_id is None:
            answer["error"] = LOGIN_MESSAGE
        if not answer:
            session.pop("login_token", None)
            session["user_token"] = secrets.token_hex(16)
            session["user_id"] = user_id
            # the shop reads the escaped post, then turns &amp; back into &
            target = html.escape(posted.get("redirect", "").strip(), quote=True).replace("&#x27;", "'")
            if target and target.startswith(request.base.removesuffix("index.php")):
                answer["redirect"] = (target + "&user_token=" + session["user_token"]).replace("&amp;", "&")
            else:
                answer["redirect"] = (
                    f"{request.base}?route=common/dashboard&user_token={session['user_token']}"
                )
        return page.json(answer)

    def _check_password(self, username: str, password: str) -> int | None:
        if not username or not password:
            return None
        rows = self._state.query(
            "SELECT user_id, password, salt FROM oc_user WHERE LOWER(username) = ? AND status = 1",
            (username.strip().lower(),),
        )
        if rows and password_hash(password, str(rows[0]["salt"])) == str(rows[0]["password"]):
            return int(rows[0]["user_id"])
        return None

    # -- shared lookups --------------------------------------------------------------------------

    @staticmethod
    def permissions(state: ShopState, user_id: int) -> dict[str, list[str]]:
        rows = state.query(
            "SELECT g.permission FROM oc_user u JOIN oc_user_group g ON u.user_group_id = g.user_group_id"
            " WHERE u.user_id = ?",
            (user_id,),
        )
        return dict(json.loads(rows[0]["permission"])) if rows else {}
