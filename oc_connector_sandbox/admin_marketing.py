"""Coupon (``marketing/coupon``) and gift voucher (``sale/voucher``) pages of the sandbox admin.

Both are the same list / add / edit pages over one table; what differs is described by an
:class:`_Entity` (route, id key, table, fields, casts, list query and the page renderers), and
:func:`_entity_handlers` answers the pages of any entity.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from oc_connector_sandbox.admin_rules import validate_coupon, validate_voucher
from oc_connector_sandbox.admin_views import (
    CouponListItem,
    VoucherListItem,
    render_coupon_form,
    render_coupon_list,
    render_voucher_form,
    render_voucher_list,
)

if TYPE_CHECKING:
    from oc_connector_sandbox.admin import AdminApp, AdminShopState, _Request

Answer = tuple[str, list[tuple[str, str]], str]
Handler = Callable[["_Request", str, bool], Answer]
Validator = Callable[..., tuple[dict[str, str], str | None]]

LIMIT = 20
COUPON_SORTS = {"name", "code", "discount", "date_start", "date_end", "status"}
VOUCHER_SORTS = {"v.code", "v.from_name", "v.to_name", "v.amount", "theme", "v.status", "v.date_added"}
COUPON_FIELDS = (
    "name",
    "code",
    "type",
    "discount",
    "total",
    "logged",
    "shipping",
    "date_start",
    "date_end",
    "uses_total",
    "uses_customer",
    "status",
)
VOUCHER_FIELDS = (
    "code",
    "from_name",
    "from_email",
    "to_name",
    "to_email",
    "voucher_theme_id",
    "message",
    "amount",
    "status",
)


def _d(text: str) -> str:
    return datetime.fromisoformat(str(text)[:10]).strftime("%d/%m/%Y")


def _num(text: str) -> float:
    try:
        return float(Decimal(text.strip() or "0"))
    except InvalidOperation:
        return 0.0


def _count(text: str) -> int:
    return int(_num(text))


def _flag(text: str) -> int:
    return int(text == "1")


@dataclass(frozen=True)
class _Link:
    """Ids tied to an item through a link table, posted as ``<posted>[]``."""

    posted: str  # the form field's name without ``[]``; the link table is ``oc_<posted>``
    kwarg: str  # the form renderer's keyword for the (id, name) pairs
    column: str  # the linked id's column in the link table
    names: str  # the description table holding the names

    @property
    def table(self) -> str:
        return f"oc_{self.posted}"


@dataclass(frozen=True)
class _Entity:
    """What the list / add / edit pages of one admin entity differ in."""

    route: str
    key: str
    table: str
    noun: str  # form titles: "Add <noun>" / "Edit <noun>"
    fields: tuple[str, ...]
    casts: Mapping[str, Callable[[str], object]]  # posted text -> stored value (others as posted)
    decimals: tuple[str, ...]  # shown as ``%.4f`` on the edit form
    flash: str
    validate: Validator
    sorts: set[str]
    default_sort: str
    default_order: str
    list_sql: str  # ``SELECT ... FROM ...``; ordering and paging are appended
    list_item: Callable[[Sequence[Any]], object]
    render_list: Callable[..., str]
    render_form: Callable[..., str]
    defaults: Callable[[date], dict[str, str]]  # a new item's form values (given today)
    links: tuple[_Link, ...] = ()
    list_links: tuple[tuple[str, str], ...] = ()  # list renderer keyword -> route (no paging kept)
    choices: tuple[tuple[str, str, str], ...] = ()  # form keyword, description table, id column
    insert_constants: tuple[tuple[str, object], ...] = ()  # columns set only on insert
    missing_is_add: bool = False  # editing an unknown id shows the add form
    redirect_keeps_paging: bool = False


def _paging(
    request: _Request, sorts: set[str], default: str, default_order: str
) -> tuple[str, str, int, str]:
    sort = request.query.get("sort", default)
    sort = sort if sort in sorts else default
    order = "DESC" if request.query.get("order", default_order) == "DESC" else "ASC"
    page = max(int(request.query.get("page") or 1), 1)
    keep = f"&amp;sort={sort}&amp;order={order}" if "sort" in request.query else ""
    return sort, order, page, keep


def _entity_handlers(entity: _Entity, state: AdminShopState, app: AdminApp) -> dict[tuple[str, str], Handler]:
    """Handlers of ``entity``'s list (``index``), ``add`` and ``edit`` pages."""
    db = state.db
    key, table = entity.key, entity.table

    def index(request: _Request, token: str, can_modify: bool) -> Answer:
        flash = request.session.pop("flash", None)
        sort, order, page, keep = _paging(request, entity.sorts, entity.default_sort, entity.default_order)
        total = int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        rows = db.execute(
            f"{entity.list_sql} ORDER BY {sort} COLLATE NOCASE {order} LIMIT ? OFFSET ?",
            (LIMIT, (page - 1) * LIMIT),
        ).fetchall()
        links = {kwarg: app._url(request, route, token) for kwarg, route in entity.list_links}
        return app._html(
            entity.render_list(
                rows=[entity.list_item(r) for r in rows],
                url=app._url(request, entity.route, token, keep),
                edit_url=app._url(request, f"{entity.route}/edit", token, keep),
                page=page,
                total=total,
                success=flash,
                **links,
            )
        )

    def form_page(
        request: _Request,
        token: str,
        item_id: int | None,
        values: dict[str, str],
        related: Mapping[str, list[int]],
        errors: dict[str, str],
        warning: str | None,
    ) -> Answer:
        extra: dict[str, Any] = {
            link.kwarg: [(i, _name(db, link.names, link.column, i)) for i in related.get(link.posted, [])]
            for link in entity.links
        }
        for kwarg, names, column in entity.choices:
            extra[kwarg] = [
                (int(r[0]), str(r[1]))
                for r in db.execute(f"SELECT {column}, name FROM {names} WHERE language_id = 1 ORDER BY name")
            ]
        suffix = f"&amp;{key}={item_id}" if item_id is not None else ""
        page = "edit" if item_id is not None else "add"
        return app._html(
            entity.render_form(
                title=f"{page.capitalize()} {entity.noun}",
                action=app._url(request, f"{entity.route}/{page}", token, suffix),
                values=values,
                errors=errors,
                warning=warning,
                **extra,
            )
        )

    def save(request: _Request, token: str, can_modify: bool, item_id: int | None) -> Answer:
        values = {k: request.value(k) for k in entity.fields}
        related = {
            link.posted: [int(v) for k, v in request.form if k.startswith(f"{link.posted}[") and v.isdigit()]
            for link in entity.links
        }
        with state.lock:
            found = db.execute(
                f"SELECT {key} FROM {table} WHERE LOWER(code) = LOWER(?)", (values["code"],)
            ).fetchone()
            errors, warning = entity.validate(
                values,
                can_modify=can_modify,
                existing_id=int(found[0]) if found else None,
                editing_id=item_id,
            )
            if errors or warning:
                return form_page(request, token, item_id, values, related, errors, warning)
            row = tuple(entity.casts.get(k, str)(values[k]) for k in entity.fields)
            if item_id is None:
                columns = (*(c for c, _ in entity.insert_constants), *entity.fields, "date_added")
                stamp = state.clock().isoformat(sep=" ", timespec="seconds")
                cur = db.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    (*(v for _, v in entity.insert_constants), *row, stamp),
                )
                item_id = int(cur.lastrowid or 0)
            else:
                assignments = ", ".join(f"{k}=?" for k in entity.fields)
                db.execute(f"UPDATE {table} SET {assignments} WHERE {key}=?", (*row, item_id))
            for link in entity.links:
                db.execute(f"DELETE FROM {link.table} WHERE {key} = ?", (item_id,))
                db.executemany(
                    f"INSERT INTO {link.table} ({key}, {link.column}) VALUES (?, ?)",
                    [(item_id, i) for i in related[link.posted]],
                )
            db.commit()
        request.session["flash"] = entity.flash
        keep = ""
        if entity.redirect_keeps_paging:
            keep = "".join(
                f"&{k}={request.query[k]}" for k in ("sort", "order", "page") if k in request.query
            )
        return app._redirect(f"{request.base}?route={entity.route}&user_token={token}{keep}")

    def add(request: _Request, token: str, can_modify: bool) -> Answer:
        if request.method == "POST":
            return save(request, token, can_modify, None)
        return form_page(request, token, None, entity.defaults(state.clock().date()), {}, {}, None)

    def edit(request: _Request, token: str, can_modify: bool) -> Answer:
        item_id = int(request.query.get(key) or 0)
        if request.method == "POST":
            return save(request, token, can_modify, item_id)
        row = db.execute(
            f"SELECT {', '.join(entity.fields)} FROM {table} WHERE {key} = ?", (item_id,)
        ).fetchone()
        if row is None:
            shown_id = None if entity.missing_is_add else item_id
            return form_page(request, token, shown_id, entity.defaults(state.clock().date()), {}, {}, None)
        values = {k: str(v) for k, v in zip(entity.fields, row, strict=True)}
        for name in entity.decimals:
            values[name] = f"{Decimal(values[name]):.4f}"
        related = {
            link.posted: [
                int(r[0])
                for r in db.execute(
                    f"SELECT {link.column} FROM {link.table} WHERE {key} = ? ORDER BY {link.column}",
                    (item_id,),
                )
            ]
            for link in entity.links
        }
        return form_page(request, token, item_id, values, related, {}, None)

    return {(entity.route, "index"): index, (entity.route, "add"): add, (entity.route, "edit"): edit}


def _coupon_item(r: Sequence[Any]) -> CouponListItem:
    return CouponListItem(
        int(r[0]), str(r[1]), str(r[2]), f"{Decimal(str(r[3])):.4f}", _d(r[4]), _d(r[5]), bool(r[6])
    )


def _voucher_item(r: Sequence[Any]) -> VoucherListItem:
    amount = f"${Decimal(str(r[4])):.2f}"
    return VoucherListItem(
        int(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        amount,
        str(r[5] or ""),
        bool(r[6]),
        _d(r[7]),
        int(r[8]) or None,
    )


def _coupon_defaults(today: date) -> dict[str, str]:
    return {
        "date_start": today.isoformat(),
        "date_end": plus_month(today).isoformat(),
        "uses_total": "1",
        "uses_customer": "1",
        "status": "1",
    }


COUPON = _Entity(
    route="marketing/coupon",
    key="coupon_id",
    table="oc_coupon",
    noun="Coupon",
    fields=COUPON_FIELDS,
    casts={
        "discount": _num,
        "total": _num,
        "logged": _flag,
        "shipping": _flag,
        "uses_total": _count,
        "uses_customer": _count,
        "status": _flag,
    },
    decimals=("discount", "total"),
    flash="Success: You have modified coupons!",
    validate=validate_coupon,
    sorts=COUPON_SORTS,
    default_sort="name",
    default_order="ASC",
    list_sql="SELECT coupon_id, name, code, discount, date_start, date_end, status FROM oc_coupon",
    list_item=_coupon_item,
    render_list=render_coupon_list,
    render_form=render_coupon_form,
    defaults=_coupon_defaults,
    links=(
        _Link("coupon_product", "products", "product_id", "oc_product_description"),
        _Link("coupon_category", "categories", "category_id", "oc_category_description"),
    ),
    missing_is_add=True,
    redirect_keeps_paging=True,
)

VOUCHER = _Entity(
    route="sale/voucher",
    key="voucher_id",
    table="oc_voucher",
    noun="Gift Voucher",
    fields=VOUCHER_FIELDS,
    casts={"voucher_theme_id": _count, "amount": _num, "status": _flag},
    decimals=("amount",),
    flash="Success: You have modified vouchers!",
    validate=validate_voucher,
    sorts=VOUCHER_SORTS,
    default_sort="v.date_added",
    default_order="DESC",
    list_sql=(
        "SELECT v.voucher_id, v.code, v.from_name, v.to_name, v.amount, t.name AS theme, v.status, "
        "v.date_added, v.order_id FROM oc_voucher v LEFT JOIN oc_voucher_theme_description t "
        "ON v.voucher_theme_id = t.voucher_theme_id AND t.language_id = 1"
    ),
    list_item=_voucher_item,
    render_list=render_voucher_list,
    render_form=render_voucher_form,
    defaults=lambda today: {"status": "1"},
    list_links=(("order_url", "sale/order/info"),),
    choices=(("themes", "oc_voucher_theme_description", "voucher_theme_id"),),
    insert_constants=(("order_id", 0),),
)


def coupon_handlers(state: AdminShopState, app: AdminApp) -> dict[tuple[str, str], Handler]:
    """Handlers of ``marketing/coupon`` (list, add, edit)."""
    return _entity_handlers(COUPON, state, app)


def voucher_handlers(state: AdminShopState, app: AdminApp) -> dict[tuple[str, str], Handler]:
    """Handlers of ``sale/voucher`` (list, add, edit, send)."""

    def send(request: _Request, token: str, can_modify: bool) -> Answer:
        body: Any = []
        if request.method == "POST" and any(
            k == "voucher_id" or k.startswith("selected[") for k, _ in request.form
        ):
            body = (
                {"success": "Success: Gift Voucher e-mail has been sent!"}
                if can_modify
                else {"error": "error_permission"}
            )
        return "200 OK", [("Content-Type", "application/json")], json.dumps(body)

    return {**_entity_handlers(VOUCHER, state, app), ("sale/voucher", "send"): send}


def _name(db: Any, table: str, key: str, item_id: int) -> str:
    row = db.execute(f"SELECT name FROM {table} WHERE {key} = ? AND language_id = 1", (item_id,)).fetchone()
    return str(row[0]) if row else ""


def plus_month(day: date) -> date:
    """The same day a month later (the last days of a shorter month fall back to its 30th, 29th, 28th)."""
    month = day.month % 12 + 1
    year = day.year + (1 if day.month == 12 else 0)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return day + timedelta(days=30)
