"""Parsers of the OpenCart 4.0.2.3 coupon and gift-voucher pages, and of their AJAX JSON answers.

Lists (``marketing/coupon.list``, ``sale/voucher.list``, 10 rows a page) put the status under the
name (coupons) or the code (vouchers) as ``<small>Enabled</small>``; the coupon list also prints
the raw status (``1``/``0``) in a cell of its own that has no header (a template slip), so a row
has 8 cells under 7 headers. A voucher row links its order (``sale/order.info&order_id=N``) when it
was sold in one. Forms (``.form``) are the 3.0 fields with the status as a switch (a hidden ``0``
and a checkbox ``1``) instead of a select; an unknown id gets the empty add form. Saves and deletes
answer JSON: ``{"coupon_id": N, "success": ...}`` for a new record, ``{"success": ...}`` for an
edit, ``{"error": {field: message, "warning": message}}`` for a refusal (the duplicate code is the
``warning``, as on 3.0), and for a delete ``{"error": "message"}``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from bs4 import Tag

from oc_connector.admin.html import (
    _checked,
    _day,
    _decimal,
    _form,
    _list_page,
    _query_int,
    _row_id,
    _text,
    parse_coupon_form,
    parse_voucher_form,
)
from oc_connector.admin.order_pages import ZERO_DAY
from oc_connector.admin.records import CouponForm, CouponRow, ListPage, VoucherForm, VoucherRow
from oc_connector.admin40.pages import soup_of
from oc_connector.errors import AdminError, AdminFormError
from oc_connector.secret import redact
from oc_connector.wire.decode import excerpt, json_document

__all__ = [
    "parse_coupon_form40",
    "parse_coupon_list40",
    "parse_save_answer",
    "parse_voucher_form40",
    "parse_voucher_list40",
]

_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def _list_day(cell: Tag) -> date:
    """A coupon's start or end day; ``date.min`` for a zero date.

    A date posted empty is stored as ``0000-00-00`` (the shop's ``NO_ZERO_IN_DATE`` session mode),
    which PHP shows as ``30/11/-0001``.
    """
    text = _text(cell)
    return date.min if text == ZERO_DAY else _day(text)


def _head_and_status(cell: Tag) -> tuple[str, bool]:
    """The text before the cell's ``<br/>`` and whether its ``<small>`` says Enabled."""
    head = next((s.strip() for s in cell.strings if s.strip()), "")
    small = cell.find("small")
    return head, isinstance(small, Tag) and _text(small) == "Enabled"


def _coupon_row(cells: list[Tag]) -> CouponRow:
    if len(cells) < 8:
        raise AdminError(f"coupon row with {len(cells)} cells, expected 8")
    name, status = _head_and_status(cells[1])
    return CouponRow(
        coupon_id=_row_id(cells, "coupon_id"),
        name=name,
        code=_text(cells[2]),
        discount=_decimal(_text(cells[3])),
        date_start=_list_day(cells[4]),
        date_end=_list_day(cells[5]),
        status=status,
    )


def _voucher_row(cells: list[Tag]) -> VoucherRow:
    if len(cells) < 8:
        raise AdminError(f"voucher row with {len(cells)} cells, expected 8")
    code, status = _head_and_status(cells[1])
    order_id = None
    for link in cells[-1].find_all("a"):
        href = str(link.get("href", ""))
        if "route=sale/order.info" in href:
            order_id = _query_int(href, "order_id")
    return VoucherRow(
        voucher_id=_row_id(cells, "voucher_id"),
        code=code,
        from_name=_text(cells[2]),
        to_name=_text(cells[3]),
        amount=_decimal(_text(cells[4])),
        theme=_text(cells[5]),
        status=status,
        date_added=_day(_text(cells[6])),
        order_id=order_id,
    )


def parse_coupon_list40(html: str) -> ListPage[CouponRow]:
    """Parse a ``marketing/coupon.list`` fragment (or the ``marketing/coupon`` page embedding it).

    Raises:
        AdminError: The page is not a coupon list.
    """
    return _list_page(html, "#form-coupon table", _coupon_row)


def parse_voucher_list40(html: str) -> ListPage[VoucherRow]:
    """Parse a ``sale/voucher.list`` fragment (``order_id`` set when the row links an order).

    Raises:
        AdminError: The page is not a voucher list.
    """
    return _list_page(html, "#form-voucher table", _voucher_row)


def parse_coupon_form40(html: str) -> CouponForm:
    """Parse the coupon form (``marketing/coupon.form``; an unknown id gives the empty add form).

    Raises:
        AdminError: The page has no coupon form.
    """
    form = parse_coupon_form(html)
    return replace(form, status=_checked(_form(soup_of(html), "form-coupon"), "status"))


def parse_voucher_form40(html: str) -> VoucherForm:
    """Parse the gift voucher form (``sale/voucher.form``).

    Raises:
        AdminError: The page has no voucher form.
    """
    form = parse_voucher_form(html)
    return replace(form, status=_checked(_form(soup_of(html), "form-voucher"), "status"))


def _plain(message: str) -> str:
    """A message without its markup (a link to the order the voucher is part of), redacted."""
    return redact(" ".join(_TAG.sub("", message).split()))[:500]


def parse_save_answer(text: str, *, route: str, key: str) -> int | None:
    """Read the JSON answer of a ``.save`` or ``.delete`` post.

    Args:
        text: The body.
        route: The route posted to (for errors).
        key: The id key a creating save answers with (``coupon_id``, ``voucher_id``).

    Returns:
        The new record's id, or None (an edit, a delete).

    Raises:
        AdminFormError: The shop refused: ``fields`` maps each field to its message, ``warning``
            holds the form-wide message (duplicate code, no modify permission, a voucher that is
            part of an order).
        AdminError: The answer is not JSON or says neither success nor error.
    """
    try:
        answer = json_document(text)
    except ValueError:
        raise AdminError(f"admin answered no JSON: {excerpt(text)!r}", route=route) from None
    if not isinstance(answer, dict):
        raise AdminError(f"admin answered {excerpt(str(answer))!r}", route=route)
    error = answer.get("error")
    if error:
        items = error.items() if isinstance(error, dict) else ()
        fields = {str(k): str(v) for k, v in items if k != "warning"}
        raw = error.get("warning") if isinstance(error, dict) else error
        warning = _plain(str(raw)) if raw else None
        summary = "; ".join([*(f"{k}: {v}" for k, v in fields.items()), *([warning] if warning else [])])
        raise AdminFormError(f"admin form refused: {summary}", fields=fields, warning=warning, route=route)
    if "success" not in answer:
        raise AdminError(f"admin answered neither success nor error: {excerpt(text)!r}", route=route)
    new_id = answer.get(key)
    return int(new_id) if isinstance(new_id, int | str) and str(new_id).isdigit() else None
