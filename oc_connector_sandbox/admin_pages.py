"""Markup of the sandbox's admin pages: the parts a client reads, as OpenCart 3.0.5.0 renders them.

Pure functions from stored values to HTML. Stored strings are already escaped at input
(:func:`oc_escape`, like OpenCart's ``htmlspecialchars`` + ``trim``), so they are emitted
as they are, exactly as the real templates do. Menus and styling are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "HistoryItem",
    "oc_escape",
    "pagination_block",
    "render_history_fragment",
    "render_login_page",
    "render_not_found",
    "render_permission_denied",
]

NUM_LINKS = 8


def oc_escape(value: str) -> str:
    """Escape user input as the shop does before storing it (a single quote is kept)."""
    return (
        value.strip().replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def nl2br(value: str) -> str:
    """PHP ``nl2br``: ``<br />`` before each line break, the break itself kept."""
    out: list[str] = []
    i = 0
    while i < len(value):
        pair = value[i : i + 2]
        if pair in ("\r\n", "\n\r"):
            out.append("<br />" + pair)
            i += 2
        elif value[i] in "\r\n":
            out.append("<br />" + value[i])
            i += 1
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _page_url(url: str, page: int) -> str:
    return url if page == 1 else f"{url}&amp;page={page}"


def pagination_block(*, url: str, page: int, total: int, limit: int) -> str:
    """The row holding the pagination list and "Showing A to B of N (P Pages)".

    Args:
        url: The page URL without ``page`` (``&amp;``-escaped, absolute).
        page: The current page (may be past the end, as in the real shop).
        total: Rows counted.
        limit: Rows per page.
    """
    pages = math.ceil(total / limit) if total else 0
    links = ""
    if pages > 1:
        items: list[str] = []
        if page > 1:
            items.append(f'<li><a href="{url}">|&lt;</a></li>')
            items.append(f'<li><a href="{_page_url(url, page - 1)}">&lt;</a></li>')
        if pages <= NUM_LINKS:
            start, end = 1, pages
        else:
            start = page - NUM_LINKS // 2
            end = page + NUM_LINKS // 2
            if start < 1:
                end += abs(start) + 1
                start = 1
            if end > pages:
                start -= end - pages
                end = pages
        for i in range(start, end + 1):
            if i == page:
                items.append(f'<li class="active"><span>{i}</span></li>')
            else:
                items.append(f'<li><a href="{_page_url(url, i)}">{i}</a></li>')
        if page < pages:
            items.append(f'<li><a href="{_page_url(url, page + 1)}">&gt;</a></li>')
            items.append(f'<li><a href="{_page_url(url, pages)}">&gt;|</a></li>')
        links = '<ul class="pagination">' + "".join(items) + "</ul>"
    first = (page - 1) * limit + 1 if total else 0
    last = total if (page - 1) * limit > total - limit else (page - 1) * limit + limit
    showing = f"Showing {first} to {last} of {total} ({pages} Pages)"
    return (
        '<div class="row">\n'
        f'  <div class="col-sm-6 text-left">{links}</div>\n'
        f'  <div class="col-sm-6 text-right">{showing}</div>\n'
        "</div>\n"
    )


@dataclass(frozen=True)
class HistoryItem:
    """One stored order history row as the fragment shows it (comment as stored)."""

    date_added: str  # already formatted d/m/Y
    comment: str
    status: str
    notified: bool


def render_history_fragment(
    *, rows: Sequence[HistoryItem], url: str, page: int, total: int, limit: int = 10
) -> str:
    """The ``sale/order/history`` fragment (no ``<html>`` wrapper)."""
    body = []
    for row in rows:
        body.append(
            "      <tr>\n"
            f'        <td class="text-left">{row.date_added}</td>\n'
            f'        <td class="text-left">{nl2br(row.comment)}</td>\n'
            f'        <td class="text-left">{row.status}</td>\n'
            f'        <td class="text-left">{"Yes" if row.notified else "No"}</td>\n'
            "      </tr>\n"
        )
    if not body:
        body.append('      <tr>\n        <td class="text-center" colspan="4">No results!</td>\n      </tr>\n')
    head = "".join(
        f'        <td class="text-left">{name}</td>\n'
        for name in ("Date Added", "Comment", "Status", "Customer Notified")
    )
    return (
        '<div class="table-responsive">\n  <table class="table table-bordered">\n'
        f"    <thead>\n      <tr>\n{head}      </tr>\n    </thead>\n"
        f"    <tbody>\n{''.join(body)}    </tbody>\n  </table>\n</div>\n"
        + pagination_block(url=url, page=page, total=total, limit=limit)
    )


def _document(title: str, content: str) -> str:
    return (
        '<!DOCTYPE html>\n<html dir="ltr" lang="en">\n<head>\n<meta charset="UTF-8" />\n'
        f'<title>{title}</title>\n</head>\n<body>\n<div id="content">\n{content}\n</div>\n</body>\n</html>\n'
    )


def render_login_page(
    *, action: str, username: str = "", error: str | None = None, redirect: str = ""
) -> str:
    """The login page; ``username`` as posted (already escaped), ``error`` the alert text."""
    alert = ""
    if error:
        alert = (
            '<div class="alert alert-danger alert-dismissible"><i class="fa fa-exclamation-circle"></i> '
            f'{error}\n  <button type="button" class="close" data-dismiss="alert">&times;</button>\n</div>\n'
        )
    form = (
        f'<form action="{action}" method="post" enctype="multipart/form-data">\n'
        f'  <input type="text" name="username" value="{username}" id="input-username" />\n'
        '  <input type="password" name="password" value="" placeholder="Password" id="input-password" />\n'
        '  <button type="submit" class="btn btn-primary"><i class="fa fa-key"></i> Login</button>\n'
        f'  <input type="hidden" name="redirect" value="{redirect}" />\n'
        "</form>"
    )
    return _document("Administration", '<div class="container-fluid">\n' + alert + form + "\n</div>")


def render_permission_denied() -> str:
    """The "Permission Denied!" page (HTTP 200)."""
    return _document(
        "Permission Denied!",
        '<div class="page-header"><div class="container-fluid"><h1>Permission Denied!</h1></div></div>\n'
        '<div class="container-fluid"><div class="panel panel-default"><div class="panel-body">'
        '<p class="text-center">You do not have permission to access this page, please refer to your '
        "system administrator.</p></div></div></div>",
    )


def render_not_found() -> str:
    """The "Page Not Found!" page (HTTP 200)."""
    return _document(
        "Page Not Found!",
        '<div class="page-header"><div class="container-fluid"><h1>Page Not Found!</h1></div></div>\n'
        '<div class="container-fluid"><div class="panel panel-default"><div class="panel-body">'
        '<p class="text-center">The page you are looking for could not be found! Please contact your '
        "administrator if the problem persists.</p></div></div></div>",
    )
