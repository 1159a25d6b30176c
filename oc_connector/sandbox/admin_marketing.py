"""Coupon (``marketing/coupon``) and gift voucher (``sale/voucher``) pages of the sandbox admin."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from oc_connector.sandbox.admin_rules import validate_coupon, validate_voucher
from oc_connector.sandbox.admin_views import (
    CouponListItem,
    VoucherListItem,
    render_coupon_form,
    render_coupon_list,
    render_voucher_form,
    render_voucher_list,
)

if TYPE_CHECKING:
    from oc_connector.sandbox.admin import AdminApp, AdminShopState, _Request

Answer = tuple[str, list[tuple[str, str]], str]
Handler = Callable[["_Request", str, bool], Answer]

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


def _paging(
    request: _Request, sorts: set[str], default: str, default_order: str
) -> tuple[str, str, int, str]:
    sort = request.query.get("sort", default)
    sort = sort if sort in sorts else default
    order = "DESC" if request.query.get("order", default_order) == "DESC" else "ASC"
    page = max(int(request.query.get("page") or 1), 1)
    keep = f"&amp;sort={sort}&amp;order={order}" if "sort" in request.query else ""
    return sort, order, page, keep


def coupon_handlers(state: AdminShopState, app: AdminApp) -> dict[tuple[str, str], Handler]:
    """Handlers of ``marketing/coupon`` (list, add, edit)."""
    db = state.db

    def listing(request: _Request, token: str, can_modify: bool, success: str | None = None) -> Answer:
        sort, order, page, keep = _paging(request, COUPON_SORTS, "name", "ASC")
        total = int(db.execute("SELECT COUNT(*) FROM oc_coupon").fetchone()[0])
        rows = db.execute(
            "SELECT coupon_id, name, code, discount, date_start, date_end, status FROM oc_coupon "
            f"ORDER BY {sort} COLLATE NOCASE {order} LIMIT ? OFFSET ?",
            (LIMIT, (page - 1) * LIMIT),
        ).fetchall()
        items = [
            CouponListItem(
                int(r[0]), str(r[1]), str(r[2]), f"{Decimal(str(r[3])):.4f}", _d(r[4]), _d(r[5]), bool(r[6])
            )
            for r in rows
        ]
        flash = success
        return app._html(
            render_coupon_list(
                rows=items,
                url=app._url(request, "marketing/coupon", token, keep),
                edit_url=app._url(request, "marketing/coupon/edit", token, keep),
                page=page,
                total=total,
                success=flash,
            )
        )

    def form_page(
        request: _Request,
        token: str,
        coupon_id: int | None,
        values: dict[str, str],
        products: list[int],
        categories: list[int],
        errors: dict[str, str],
        warning: str | None,
    ) -> Answer:
        names_p = [(p, _name(db, "oc_product_description", "product_id", p)) for p in products]
        names_c = [(c, _name(db, "oc_category_description", "category_id", c)) for c in categories]
        suffix = f"&amp;coupon_id={coupon_id}" if coupon_id is not None else ""
        route = "marketing/coupon/edit" if coupon_id is not None else "marketing/coupon/add"
        return app._html(
            render_coupon_form(
                title="Edit Coupon" if coupon_id is not None else "Add Coupon",
                action=app._url(request, route, token, suffix),
                values=values,
                products=names_p,
                categories=names_c,
                errors=errors,
                warning=warning,
            )
        )

    def save(request: _Request, token: str, can_modify: bool, coupon_id: int | None) -> Answer:
        values = {k: request.value(k) for k in COUPON_FIELDS}
        products = [int(v) for k, v in request.form if k.startswith("coupon_product[") and v.isdigit()]
        categories = [int(v) for k, v in request.form if k.startswith("coupon_category[") and v.isdigit()]
        with state.lock:
            found = db.execute(
                "SELECT coupon_id FROM oc_coupon WHERE LOWER(code) = LOWER(?)", (values["code"],)
            ).fetchone()
            errors, warning = validate_coupon(
                values,
                can_modify=can_modify,
                existing_id=int(found[0]) if found else None,
                editing_id=coupon_id,
            )
            if errors or warning:
                return form_page(request, token, coupon_id, values, products, categories, errors, warning)
            row = (
                values["name"],
                values["code"],
                values["type"],
                _num(values["discount"]),
                int(values["logged"] == "1"),
                int(values["shipping"] == "1"),
                _num(values["total"]),
                values["date_start"],
                values["date_end"],
                int(_num(values["uses_total"])),
                int(_num(values["uses_customer"])),
                int(values["status"] == "1"),
            )
            if coupon_id is None:
                cur = db.execute(
                    "INSERT INTO oc_coupon (name, code, type, discount, logged, shipping, total, date_start, "
                    "date_end, uses_total, uses_customer, status, date_added) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (*row, state.clock().isoformat(sep=" ", timespec="seconds")),
                )
                coupon_id = int(cur.lastrowid or 0)
            else:
                db.execute(
                    "UPDATE oc_coupon SET name=?, code=?, type=?, discount=?, logged=?, shipping=?, total=?, "
                    "date_start=?, date_end=?, uses_total=?, uses_customer=?, status=? WHERE coupon_id=?",
                    (*row, coupon_id),
                )
            db.execute("DELETE FROM oc_coupon_product WHERE coupon_id = ?", (coupon_id,))
            db.execute("DELETE FROM oc_coupon_category WHERE coupon_id = ?", (coupon_id,))
            db.executemany(
                "INSERT INTO oc_coupon_product (coupon_id, product_id) VALUES (?, ?)",
                [(coupon_id, p) for p in products],
            )
            db.executemany(
                "INSERT INTO oc_coupon_category (coupon_id, category_id) VALUES (?, ?)",
                [(coupon_id, c) for c in categories],
            )
            db.commit()
        request.session["flash"] = "Success: You have modified coupons!"
        keep = "".join(f"&{k}={request.query[k]}" for k in ("sort", "order", "page") if k in request.query)
        return app._redirect(f"{request.base}?route=marketing/coupon&user_token={token}{keep}")

    def index(request: _Request, token: str, can_modify: bool) -> Answer:
        flash = request.session.pop("flash", None)
        return listing(request, token, can_modify, flash)

    def add(request: _Request, token: str, can_modify: bool) -> Answer:
        if request.method == "POST":
            return save(request, token, can_modify, None)
        today = state.clock().date()
        values = {
            "date_start": today.isoformat(),
            "date_end": _plus_month(today).isoformat(),
            "uses_total": "1",
            "uses_customer": "1",
            "status": "1",
        }
        return form_page(request, token, None, values, [], [], {}, None)

    def edit(request: _Request, token: str, can_modify: bool) -> Answer:
        coupon_id = int(request.query.get("coupon_id") or 0)
        if request.method == "POST":
            return save(request, token, can_modify, coupon_id)
        row = db.execute(
            f"SELECT {', '.join(COUPON_FIELDS)} FROM oc_coupon WHERE coupon_id = ?", (coupon_id,)
        ).fetchone()
        if row is None:
            return add(request, token, can_modify)
        values = {k: str(v) for k, v in zip(COUPON_FIELDS, row, strict=True)}
        for key in ("discount", "total"):
            values[key] = f"{Decimal(values[key]):.4f}"
        products = [
            int(r[0])
            for r in db.execute(
                "SELECT product_id FROM oc_coupon_product WHERE coupon_id = ? ORDER BY product_id",
                (coupon_id,),
            )
        ]
        categories = [
            int(r[0])
            for r in db.execute(
                "SELECT category_id FROM oc_coupon_category WHERE coupon_id = ? ORDER BY category_id",
                (coupon_id,),
            )
        ]
        return form_page(request, token, coupon_id, values, products, categories, {}, None)

    return {
        ("marketing/coupon", "index"): index,
        ("marketing/coupon", "add"): add,
        ("marketing/coupon", "edit"): edit,
    }


def voucher_handlers(state: AdminShopState, app: AdminApp) -> dict[tuple[str, str], Handler]:
    """Handlers of ``sale/voucher`` (list, add, edit, send)."""
    db = state.db

    def themes() -> list[tuple[int, str]]:
        return [
            (int(r[0]), str(r[1]))
            for r in db.execute(
                "SELECT voucher_theme_id, name FROM oc_voucher_theme_description "
                "WHERE language_id = 1 ORDER BY name"
            )
        ]

    def index(request: _Request, token: str, can_modify: bool) -> Answer:
        flash = request.session.pop("flash", None)
        sort, order, page, keep = _paging(request, VOUCHER_SORTS, "v.date_added", "DESC")
        total = int(db.execute("SELECT COUNT(*) FROM oc_voucher").fetchone()[0])
        rows = db.execute(
            "SELECT v.voucher_id, v.code, v.from_name, v.to_name, v.amount, t.name AS theme, v.status, "
            "v.date_added, v.order_id FROM oc_voucher v LEFT JOIN oc_voucher_theme_description t "
            "ON v.voucher_theme_id = t.voucher_theme_id AND t.language_id = 1 "
            f"ORDER BY {sort} COLLATE NOCASE {order} LIMIT ? OFFSET ?",
            (LIMIT, (page - 1) * LIMIT),
        ).fetchall()
        items = [
            VoucherListItem(
                int(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                f"${Decimal(str(r[4])):.2f}",
                str(r[5] or ""),
                bool(r[6]),
                _d(r[7]),
                int(r[8]) or None,
            )
            for r in rows
        ]
        return app._html(
            render_voucher_list(
                rows=items,
                url=app._url(request, "sale/voucher", token, keep),
                edit_url=app._url(request, "sale/voucher/edit", token, keep),
                order_url=app._url(request, "sale/order/info", token),
                page=page,
                total=total,
                success=flash,
            )
        )

    def form_page(
        request: _Request,
        token: str,
        voucher_id: int | None,
        values: dict[str, str],
        errors: dict[str, str],
        warning: str | None,
    ) -> Answer:
        suffix = f"&amp;voucher_id={voucher_id}" if voucher_id is not None else ""
        route = "sale/voucher/edit" if voucher_id is not None else "sale/voucher/add"
        return app._html(
            render_voucher_form(
                title="Edit Gift Voucher" if voucher_id is not None else "Add Gift Voucher",
                action=app._url(request, route, token, suffix),
                values=values,
                themes=themes(),
                errors=errors,
                warning=warning,
            )
        )

    def save(request: _Request, token: str, can_modify: bool, voucher_id: int | None) -> Answer:
        values = {k: request.value(k) for k in VOUCHER_FIELDS}
        with state.lock:
            found = db.execute(
                "SELECT voucher_id FROM oc_voucher WHERE LOWER(code) = LOWER(?)", (values["code"],)
            ).fetchone()
            errors, warning = validate_voucher(
                values,
                can_modify=can_modify,
                existing_id=int(found[0]) if found else None,
                editing_id=voucher_id,
            )
            if errors or warning:
                return form_page(request, token, voucher_id, values, errors, warning)
            row = (
                values["code"],
                values["from_name"],
                values["from_email"],
                values["to_name"],
                values["to_email"],
                int(_num(values["voucher_theme_id"])),
                values["message"],
                _num(values["amount"]),
                int(values["status"] == "1"),
            )
            if voucher_id is None:
                db.execute(
                    "INSERT INTO oc_voucher (order_id, code, from_name, from_email, to_name, to_email, "
                    "voucher_theme_id, message, amount, status, date_added) VALUES (0,?,?,?,?,?,?,?,?,?,?)",
                    (*row, state.clock().isoformat(sep=" ", timespec="seconds")),
                )
            else:
                db.execute(
                    "UPDATE oc_voucher SET code=?, from_name=?, from_email=?, to_name=?, to_email=?, "
                    "voucher_theme_id=?, message=?, amount=?, status=? WHERE voucher_id=?",
                    (*row, voucher_id),
                )
            db.commit()
        request.session["flash"] = "Success: You have modified vouchers!"
        return app._redirect(f"{request.base}?route=sale/voucher&user_token={token}")

    def add(request: _Request, token: str, can_modify: bool) -> Answer:
        if request.method == "POST":
            return save(request, token, can_modify, None)
        return form_page(request, token, None, {"status": "1"}, {}, None)

    def edit(request: _Request, token: str, can_modify: bool) -> Answer:
        voucher_id = int(request.query.get("voucher_id") or 0)
        if request.method == "POST":
            return save(request, token, can_modify, voucher_id)
        row = db.execute(
            f"SELECT {', '.join(VOUCHER_FIELDS)} FROM oc_voucher WHERE voucher_id = ?", (voucher_id,)
        ).fetchone()
        values = {k: str(v) for k, v in zip(VOUCHER_FIELDS, row, strict=True)} if row else {"status": "1"}
        if row:
            values["amount"] = f"{Decimal(values['amount']):.4f}"
        return form_page(request, token, voucher_id, values, {}, None)

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

    return {
        ("sale/voucher", "index"): index,
        ("sale/voucher", "add"): add,
        ("sale/voucher", "edit"): edit,
        ("sale/voucher", "send"): send,
    }


LIMIT = 20


def _name(db: Any, table: str, key: str, item_id: int) -> str:
    row = db.execute(f"SELECT name FROM {table} WHERE {key} = ? AND language_id = 1", (item_id,)).fetchone()
    return str(row[0]) if row else ""


def _plus_month(day: date) -> date:
    month = day.month % 12 + 1
    year = day.year + (1 if day.month == 12 else 0)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return day + timedelta(days=30)
