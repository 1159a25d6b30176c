"""Markup of the sandbox's admin lists and forms (coupons, gift vouchers).

Values are stored strings (escaped at input) or posted values escaped with
:func:`~oc_connector_sandbox.admin_pages.oc_escape`; they are emitted as they are.
Only what a client reads is reproduced: tables, checkbox values and edit links with
ids, pagination, ``text-danger`` field errors, ``alert-danger`` / ``alert-success``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack

from oc_connector_sandbox.admin_pages import _document, pagination_block

__all__ = [
    "CouponListItem",
    "ListFrame",
    "VoucherListItem",
    "render_coupon_form",
    "render_coupon_list",
    "render_voucher_form",
    "render_voucher_list",
]


@dataclass(frozen=True)
class CouponListItem:
    """One coupon row as listed (dates already ``d/m/Y``, discount as stored)."""

    coupon_id: int
    name: str
    code: str
    discount: str
    date_start: str
    date_end: str
    status: bool


@dataclass(frozen=True)
class VoucherListItem:
    """One voucher row as listed (amount currency-formatted, date ``d/m/Y``)."""

    voucher_id: int
    code: str
    from_name: str
    to_name: str
    amount: str
    theme: str
    status: bool
    date_added: str
    order_id: int | None = None


_CLOSE = '<button type="button" class="close" data-dismiss="alert">&times;</button>'


def _alerts(success: str | None, warning: str | None) -> str:
    out = ""
    if warning:
        out += (
            '<div class="alert alert-danger alert-dismissible"><i class="fa fa-exclamation-circle"></i> '
            f"{warning}\n  {_CLOSE}\n</div>\n"
        )
    if success:
        out += (
            '<div class="alert alert-success alert-dismissible"><i class="fa fa-check-circle"></i> '
            f"{success}\n  {_CLOSE}\n</div>\n"
        )
    return out


def _cell(value: object, align: str = "left") -> str:
    return f'<td class="text-{align}">{value}</td>'


class ListFrame(TypedDict):
    """What every list page takes besides its rows: its URLs, paging and alerts."""

    url: str
    edit_url: str  # the row's ``&amp;<id key>=N`` is appended
    page: int
    total: int
    limit: NotRequired[int]  # 20 if not given
    success: NotRequired[str | None]
    warning: NotRequired[str | None]


def _list(*, form_id: str, headers: Sequence[str], body_rows: Sequence[str], frame: ListFrame) -> str:
    head = "".join(_cell(h) for h in headers)
    if not body_rows:
        body_rows = [f'<tr><td class="text-center" colspan="{len(headers) + 1}">No results!</td></tr>']
    table = (
        f'<form action="" method="post" enctype="multipart/form-data" id="{form_id}">\n'
        '<div class="table-responsive"><table class="table table-bordered table-hover">\n'
        f'<thead><tr><td style="width: 1px;" class="text-center"></td>{head}</tr></thead>\n'
        "<tbody>\n" + "\n".join(body_rows) + "\n</tbody></table></div></form>\n"
    )
    paging = pagination_block(
        url=frame["url"], page=frame["page"], total=frame["total"], limit=frame.get("limit", 20)
    )
    return _document(
        "Admin",
        '<div class="container-fluid">\n'
        + _alerts(frame.get("success"), frame.get("warning"))
        + table
        + paging
        + "</div>",
    )


def _row(row_id: int, cells: Sequence[str]) -> str:
    checkbox = f'<td class="text-center"><input type="checkbox" name="selected[]" value="{row_id}" /></td>'
    return "<tr>" + checkbox + "".join(cells) + "</tr>"


def _edit_link(edit_url: str, key: str, row_id: int) -> str:
    return f'<a href="{edit_url}&amp;{key}={row_id}" title="Edit" class="btn btn-primary"></a>'


def render_coupon_list(*, rows: Sequence[CouponListItem], **frame: Unpack[ListFrame]) -> str:
    """The ``marketing/coupon`` list page; ``edit_url`` gets ``&amp;coupon_id=N`` appended."""
    body = [
        _row(
            r.coupon_id,
            [
                _cell(r.name),
                _cell(r.code),
                _cell(r.discount, "right"),
                _cell(r.date_start),
                _cell(r.date_end),
                _cell("Enabled" if r.status else "Disabled"),
                _cell(_edit_link(frame["edit_url"], "coupon_id", r.coupon_id), "right"),
            ],
        )
        for r in rows
    ]
    headers = ["Coupon Name", "Code", "Discount", "Date Start", "Date End", "Status", "Action"]
    return _list(form_id="form-coupon", headers=headers, body_rows=body, frame=frame)


def render_voucher_list(
    *, rows: Sequence[VoucherListItem], order_url: str, **frame: Unpack[ListFrame]
) -> str:
    """The ``sale/voucher`` list page (a View Order link for vouchers sold in an order)."""
    body = []
    for r in rows:
        action = ""
        if r.order_id:
            link = f"{order_url}&amp;order_id={r.order_id}"
            action = f'<a href="{link}" title="View Order" class="btn btn-info"></a> '
        action += _edit_link(frame["edit_url"], "voucher_id", r.voucher_id)
        cells = [_cell(v) for v in (r.code, r.from_name, r.to_name)]
        cells += [_cell(r.amount, "right"), _cell(r.theme), _cell("Enabled" if r.status else "Disabled")]
        body.append(_row(r.voucher_id, [*cells, _cell(r.date_added), _cell(action, "right")]))
    headers = ["Code", "From", "To", "Amount", "Theme", "Status", "Date Added", "Action"]
    return _list(form_id="form-voucher", headers=headers, body_rows=body, frame=frame)


def _text_input(name: str, values: Mapping[str, str], errors: Mapping[str, str]) -> str:
    error = f'\n<div class="text-danger">{errors[name]}</div>' if name in errors else ""
    return (
        f'<div class="form-group"><div class="col-sm-10">\n'
        f'<input type="text" name="{name}" value="{values.get(name, "")}" class="form-control" />'
        f"{error}\n</div></div>\n"
    )


_SELECTED = ' selected="selected"'


def _select(name: str, options: Sequence[tuple[str, str]], current: str | None) -> str:
    opts = "".join(
        f'<option value="{v}"{_SELECTED if v == current else ""}>{label}</option>' for v, label in options
    )
    return (
        f'<div class="form-group"><div class="col-sm-10"><select name="{name}">{opts}</select></div></div>\n'
    )


def _radio(name: str, current: str) -> str:
    out = ""
    for value, label in (("1", "Yes"), ("0", "No")):
        checked = ' checked="checked"' if value == current else ""
        radio = f'<input type="radio" name="{name}" value="{value}"{checked} />'
        out += f'<label class="radio-inline">{radio} {label}</label>'
    return f'<div class="form-group"><div class="col-sm-10">{out}</div></div>\n'


def _picked(kind: str, items: Sequence[tuple[int, str]]) -> str:
    blocks = "".join(
        f'<div id="coupon-{kind}{item_id}"><i class="fa fa-minus-circle"></i> {name}\n'
        f'<input type="hidden" name="coupon_{kind}[]" value="{item_id}" /></div>'
        for item_id, name in items
    )
    return (
        f'<div class="form-group"><div class="col-sm-10"><input type="text" name="{kind}" value="" />'
        f'<div id="coupon-{kind}" class="well well-sm">{blocks}</div></div></div>\n'
    )


def _form_page(*, title: str, action: str, form_id: str, fields: str, warning: str | None) -> str:
    return _document(
        title,
        '<div class="container-fluid">\n'
        + _alerts(None, warning)
        + '<div class="panel panel-default"><div class="panel-heading">'
        + f'<h3 class="panel-title">{title}</h3></div>\n'
        + f'<form action="{action}" method="post" enctype="multipart/form-data" id="{form_id}" '
        + 'class="form-horizontal">\n'
        + fields
        + "</form></div></div>",
    )


def render_coupon_form(
    *,
    title: str,
    action: str,
    values: Mapping[str, str],
    products: Sequence[tuple[int, str]] = (),
    categories: Sequence[tuple[int, str]] = (),
    errors: Mapping[str, str] | None = None,
    warning: str | None = None,
) -> str:
    """The coupon add/edit form with current (or posted) values, field errors and warning."""
    errs = errors or {}
    fields = (
        _text_input("name", values, errs)
        + _text_input("code", values, errs)
        + _select("type", [("P", "Percentage"), ("F", "Fixed Amount")], values.get("type"))
        + _text_input("discount", values, errs)
        + _text_input("total", values, errs)
        + _radio("logged", values.get("logged", "0"))
        + _radio("shipping", values.get("shipping", "0"))
        + _picked("product", products)
        + _picked("category", categories)
        + _text_input("date_start", values, errs)
        + _text_input("date_end", values, errs)
        + _text_input("uses_total", values, errs)
        + _text_input("uses_customer", values, errs)
        + _select("status", [("1", "Enabled"), ("0", "Disabled")], values.get("status", "1"))
    )
    return _form_page(title=title, action=action, form_id="form-coupon", fields=fields, warning=warning)


def render_voucher_form(
    *,
    title: str,
    action: str,
    values: Mapping[str, str],
    themes: Sequence[tuple[int, str]],
    errors: Mapping[str, str] | None = None,
    warning: str | None = None,
) -> str:
    """The gift voucher add/edit form."""
    errs = errors or {}
    message = values.get("message", "")
    fields = (
        "".join(
            _text_input(n, values, errs) for n in ("code", "from_name", "from_email", "to_name", "to_email")
        )
        + _select("voucher_theme_id", [(str(i), n) for i, n in themes], values.get("voucher_theme_id"))
        + '<div class="form-group"><div class="col-sm-10">'
        + f'<textarea name="message" rows="5">{message}</textarea></div></div>\n'
        + _text_input("amount", values, errs)
        + _select("status", [("1", "Enabled"), ("0", "Disabled")], values.get("status", "1"))
    )
    return _form_page(title=title, action=action, form_id="form-voucher", fields=fields, warning=warning)
