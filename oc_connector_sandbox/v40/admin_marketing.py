"""The 4.0.2.3 admin's coupon and gift voucher pages: lists, ``.list`` fragments, forms, AJAX ``.save``/``.delete``.

Field rules are the 3.0 admin's (:mod:`oc_connector_sandbox.admin_rules`) with 4.0's messages: a coupon
code of 3-20 characters says so now, voucher errors come in 4.0's order, a duplicate code (any case)
is a ``warning``; answers are JSON instead of a redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from oc_connector_sandbox.admin_pages import oc_escape
from oc_connector_sandbox.admin_rules import validate_coupon, validate_voucher
from oc_connector_sandbox.v40.admin import (
    ZERO_DATE,
    AdminApp40,
    Answer,
    Page,
    money,
    pagination,
    results_text,
    short_date,
)

__all__ = ["marketing_handlers"]

COUPON_CODE = "Code must be between 3 and 20 characters!"
VOUCHER_ORDER = ("code", "to_name", "to_email", "from_name", "from_email", "amount")
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


def _can_modify(page: Page, controller: str) -> bool:
    perms = AdminApp40.permissions(page.state, int(page.session["user_id"]))
    return controller in perms.get("modify", [])


def _number(page: Page) -> int:
    try:
        return max(int(page.q("page") or 1), 1)
    except ValueError:
        return 1


def _status(enabled: Any) -> str:
    return (
        '<br/>\n<small class="text-success">Enabled</small>'
        if int(enabled)
        else '<br/>\n<small class="text-danger">Disabled</small>'
    )


def _list_frame(
    page: Page,
    *,
    form_id: str,
    route: str,
    heads: str,
    rows: list[str],
    total: int,
    number: int,
    keep: str,
    colspan: int,
) -> str:
    limit = int(page.state.get_setting("config_pagination_admin", 10))
    body = "\n".join(rows) or f'<tr>\n<td class="text-center" colspan="{colspan}">No results!</td>\n</tr>'
    paging = pagination(total, number, limit, page.link(route, keep + "&amp;page={page}"))
    return (
        f'<form id="{form_id}" method="post" data-oc-toggle="ajax" data-oc-load="{page.link(route)}">\n'
        '<div class="table-responsive">\n<table class="table table-bordered table-hover">\n<thead>\n<tr>\n'
        '<td class="text-center" style="width: 1px;"><input type="checkbox" class="form-check-input"/></td>\n'
        f'{heads}\n<td class="text-end">Action</td>\n</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</div>\n'
        f'<div class="row">\n<div class="col-sm-6 text-start">{paging}</div>\n'
        f'<div class="col-sm-6 text-end">{results_text(total, number, limit)}</div>\n</div>\n</form>'
    )


def _heads(
    page: Page, route: str, columns: tuple[tuple[str, str, str], ...], sort: str, direction: str
) -> str:
    flip = "DESC" if direction == "ASC" else "ASC"
    out = []
    for key, title, cls in columns:
        mark = f' class="{direction.lower()}"' if key == sort else ""
        out.append(
            f'<td class="{cls}"><a href="{page.link(route, f"&amp;sort={key}&amp;order={flip}")}"{mark}>'
            f"{title}</a></td>"
        )
    return "\n".join(out)


# -- coupons ----------------------------------------------------------------------------------------

_COUPON_SORTS = {
    "name": "name",
    "code": "code",
    "discount": "CAST(discount AS REAL)",
    "date_start": "date_start",
    "date_end": "date_end",
    "status": "status",
}


def _coupon_list(page: Page) -> str:
    sort = page.q("sort") or "name"
    direction = "DESC" if (page.q("order") or "ASC") == "DESC" else "ASC"
    number = _number(page)
    limit = int(page.state.get_setting("config_pagination_admin", 10))
    column = _COUPON_SORTS.get(sort, "name")
    total = int(page.state.query("SELECT COUNT(*) AS n FROM oc_coupon")[0]["n"])
    coupons = page.state.query(
        f"SELECT * FROM oc_coupon ORDER BY {column} COLLATE NOCASE {direction} LIMIT ? OFFSET ?",
        (limit, (number - 1) * limit),
    )
    keep = (f"&amp;sort={sort}" if page.q("sort") else "") + (
        f"&amp;order={page.q('order')}" if page.q("order") else ""
    )
    rows = [
        "<tr>\n"
        f'<td class="text-center"><input type="checkbox" name="selected[]" value="{c["coupon_id"]}"'
        ' class="form-check-input"/></td>\n'
        f'<td class="text-start">{c["name"]}\n{_status(c["status"])}\n</td>\n'
        f'<td class="text-start">{c["code"]}</td>\n<td class="text-end">{c["discount"]}</td>\n'
        f'<td class="text-start d-none d-lg-table-cell">{short_date(str(c["date_start"]))}</td>\n'
        f'<td class="text-start d-none d-lg-table-cell">{short_date(str(c["date_end"]))}</td>\n'
        f'<td class="text-start">{c["status"]}</td>\n'
        f'<td class="text-end"><a href="{page.link("marketing/coupon.form", "&amp;coupon_id=" + str(c["coupon_id"]) + keep)}"'
        ' data-bs-toggle="tooltip" title="Edit" class="btn btn-primary"><i class="fa-solid fa-pencil"></i></a></td>\n'
        "</tr>"
        for c in coupons
    ]
    heads = _heads(
        page,
        "marketing/coupon.list",
        (
            ("name", "Coupon Name", "text-start"),
            ("code", "Code", "text-start"),
            ("discount", "Discount", "text-end"),
            ("date_start", "Date Start", "text-start d-none d-lg-table-cell"),
            ("date_end", "Date End", "text-start d-none d-lg-table-cell"),
        ),
        sort,
        direction,
    )
    return _list_frame(
        page,
        form_id="form-coupon",
        route="marketing/coupon.list",
        heads=heads,
        rows=rows,
        total=total,
        number=number,
        keep=keep,
        colspan=8,
    )


def _coupon_form(page: Page) -> Answer:
    rows = page.state.query("SELECT * FROM oc_coupon WHERE coupon_id = ?", (int(page.q("coupon_id") or 0),))
    today = page.state.clock.now().date()
    end = _plus_month(today)
    c: dict[str, Any] = (
        rows[0]
        if rows
        else {
            "coupon_id": int(page.q("coupon_id") or 0),
            "name": "",
            "code": "",
            "type": "",
            "discount": "",
            "total": "",
            "logged": 0,
            "shipping": 0,
            "date_start": today.isoformat(),
            "date_end": end.isoformat(),
            "uses_total": 1,
            "uses_customer": 1,
            "status": 1,
        }
    )
    products = page.state.query(
        "SELECT cp.product_id, COALESCE(pd.name, '') AS name FROM oc_coupon_product cp LEFT JOIN"
        " oc_product_description pd ON pd.product_id = cp.product_id AND pd.language_id = 1 WHERE cp.coupon_id = ?",
        (c["coupon_id"],),
    )
    categories = page.state.query(
        "SELECT cc.category_id, COALESCE(cd.name, '') AS name FROM oc_coupon_category cc LEFT JOIN"
        " oc_category_description cd ON cd.category_id = cc.category_id AND cd.language_id = 1"
        " WHERE cc.coupon_id = ?",
        (c["coupon_id"],),
    )
    types = "".join(
        f'<option value="{v}"{" selected" if c["type"] == v else ""}>{n}</option>'
        for v, n in (("P", "Percentage"), ("F", "Fixed Amount"))
    )

    def check(name: str) -> str:
        mark = " checked" if int(c[name] or 0) else ""
        return (
            f'<input type="hidden" name="{name}" value="0"/>'
            f'<input type="checkbox" name="{name}" value="1" id="input-{name}" class="form-check-input"{mark}/>'
        )

    def text(name: str) -> str:
        value = "" if name in ("date_start", "date_end") and str(c[name]) == ZERO_DATE else c[name]
        return (
            f'<input type="text" name="{name}" value="{value}" id="input-{name.replace("_", "-")}"'
            ' class="form-control"/>'
        )

    product_rows = "".join(
        f'<tr id="coupon-product-{p["product_id"]}"><td>{p["name"]}<input type="hidden"'
        f' name="coupon_product[]" value="{p["product_id"]}"/></td></tr>'
        for p in products
    )
    category_rows = "".join(
        f'<tr id="coupon-category-{k["category_id"]}"><td>{k["name"]}<input type="hidden"'
        f' name="coupon_category[]" value="{k["category_id"]}"/></td></tr>'
        for k in categories
    )
    form = (
        f'<form id="form-coupon" action="{page.request.base}?route=marketing/coupon.save&user_token={page.token}"'
        ' method="post" data-oc-toggle="ajax">\n'
        f'{text("name")}\n{text("code")}\n<select name="type" id="input-type" class="form-select">{types}</select>\n'
        f"{text('discount')}\n{text('total')}\n{check('logged')}\n{check('shipping')}\n"
        '<input type="text" name="product" value="" id="input-product" class="form-control"/>\n'
        f'<table class="table m-0" id="coupon-product"><tbody>{product_rows}</tbody></table>\n'
        '<input type="text" name="category" value="" id="input-category" class="form-control"/>\n'
        f'<table class="table m-0" id="coupon-category"><tbody>{category_rows}</tbody></table>\n'
        f"{text('date_start')}\n{text('date_end')}\n{text('uses_total')}\n{text('uses_customer')}\n"
        f"{check('status')}\n"
        f'<input type="hidden" name="coupon_id" value="{c["coupon_id"]}" id="input-coupon-id"/>\n</form>'
    )
    return page.html(page.shell("Coupons", f"<h1>Coupons</h1>\n{form}"))


def _plus_month(day: date) -> date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    return day + timedelta(days=30)


def _posted(page: Page) -> dict[str, str]:
    return {k: oc_escape(v) for k, v in page.form_values() if not k.endswith("[]")}


def _coupon_save(page: Page) -> Answer:
    values = _posted(page)
    coupon_id = int(values.get("coupon_id") or 0)
    same = page.state.query(
        "SELECT coupon_id FROM oc_coupon WHERE LOWER(code) = LOWER(?)", (values.get("code", ""),)
    )
    fields, warning = validate_coupon(
        values,
        can_modify=_can_modify(page, "marketing/coupon"),
        existing_id=int(same[0]["coupon_id"]) if same else None,
        editing_id=coupon_id or None,
    )
    if "code" in fields:
        fields["code"] = COUPON_CODE
    if fields or warning:
        return page.json({"error": {**({"warning": warning} if warning else {}), **fields}})
    row = {k: values.get(k, "") for k in COUPON_FIELDS}
    for k in ("logged", "shipping", "status", "uses_total"):
        row[k] = int(row[k] or 0)  # type: ignore[assignment]
    for k in ("discount", "total"):
        row[k] = f"{float(row[k] or 0):.4f}"
    for k in ("date_start", "date_end"):
        row[k] = row[k] or ZERO_DATE  # MySQL stores an empty date as the zero date
    products = [int(v) for k, v in page.form_values() if k == "coupon_product[]"]
    categories = [int(v) for k, v in page.form_values() if k == "coupon_category[]"]
    db = page.state.db
    with page.state.lock:
        if coupon_id:
            db.execute(
                f"UPDATE oc_coupon SET {', '.join(f'{k} = ?' for k in row)} WHERE coupon_id = ?",
                (*row.values(), coupon_id),
            )
        else:
            cur = db.execute(
                f"INSERT INTO oc_coupon ({', '.join(row)}, date_added) VALUES ({', '.join('?' * len(row))}, ?)",
                (*row.values(), page.state.clock.stamp()),
            )
            new_id = int(cur.lastrowid or 0)
        target = coupon_id or new_id
        db.execute("DELETE FROM oc_coupon_product WHERE coupon_id = ?", (target,))
        db.execute("DELETE FROM oc_coupon_category WHERE coupon_id = ?", (target,))
        db.executemany(
            "INSERT INTO oc_coupon_product (coupon_id, product_id) VALUES (?, ?)",
            [(target, p) for p in products],
        )
        db.executemany(
            "INSERT OR IGNORE INTO oc_coupon_category (coupon_id, category_id) VALUES (?, ?)",
            [(target, k) for k in categories],
        )
    success = "Success: You have modified coupons!"
    return page.json({"success": success} if coupon_id else {"coupon_id": new_id, "success": success})


def _coupon_delete(page: Page) -> Answer:
    if not _can_modify(page, "marketing/coupon"):
        return page.json({"error": "Warning: You do not have permission to modify coupons!"})
    ids = [int(v) for k, v in page.form_values() if k == "selected[]"]
    with page.state.lock:
        for coupon_id in ids:
            for table in ("oc_coupon", "oc_coupon_product", "oc_coupon_category", "oc_coupon_history"):
                page.state.db.execute(f"DELETE FROM {table} WHERE coupon_id = ?", (coupon_id,))
    return page.json({"success": "Success: You have modified coupons!"})


def _history_fragment(page: Page, rows: list[dict[str, Any]], total: int, number: int, url: str) -> str:
    body = (
        "\n".join(
            "<tr>\n"
            f'<td class="text-end">{r["order_id"]}</td>\n<td class="text-start">{r["customer"]}</td>\n'
            f'<td class="text-end">{r["amount"]}</td>\n<td class="text-start">{short_date(str(r["date_added"]))}</td>\n'
            "</tr>"
            for r in rows
        )
        or '<tr>\n<td class="text-center" colspan="4">No results!</td>\n</tr>'
    )
    return (
        '<div class="table-responsive">\n<table class="table table-bordered table-hover">\n<thead>\n<tr>\n'
        '<td class="text-end">Order ID</td>\n<td class="text-start">Customer</td>\n'
        '<td class="text-end">Amount</td>\n<td class="text-start">Date Added</td>\n</tr>\n</thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>\n</div>\n"
        f'<div class="row">\n<div class="col-sm-6 text-start">{pagination(total, number, 10, url)}</div>\n'
        f'<div class="col-sm-6 text-end">{results_text(total, number, 10)}</div>\n</div>\n'
    )


def _coupon_history(page: Page) -> Answer:
    coupon_id, number = int(page.q("coupon_id") or 0), _number(page)
    total = int(
        page.state.query("SELECT COUNT(*) AS n FROM oc_coupon_history WHERE coupon_id = ?", (coupon_id,))[0][
            "n"
        ]
    )
    rows = page.state.query(
        "SELECT ch.order_id, COALESCE(c.firstname || ' ' || c.lastname, '') AS customer, ch.amount, ch.date_added"
        " FROM oc_coupon_history ch LEFT JOIN oc_customer c ON c.customer_id = ch.customer_id"
        " WHERE ch.coupon_id = ? ORDER BY ch.date_added ASC LIMIT 10 OFFSET ?",
        (coupon_id, (number - 1) * 10),
    )
    url = page.link("marketing/coupon.history", f"&amp;coupon_id={coupon_id}&amp;page={{page}}")
    return page.html(_history_fragment(page, rows, total, number, url))


# -- vouchers ---------------------------------------------------------------------------------------

_VOUCHER_SORTS = {
    "v.code": "v.code",
    "v.from_name": "v.from_name",
    "v.to_name": "v.to_name",
    "v.amount": "CAST(v.amount AS REAL)",
    "theme": "theme",
    "v.status": "v.status",
    "v.date_added": "v.date_added",
}


def _voucher_list(page: Page) -> str:
    sort = page.q("sort") or "v.date_added"
    direction = "ASC" if (page.q("order") or "DESC") == "ASC" else "DESC"
    number = _number(page)
    limit = int(page.state.get_setting("config_pagination_admin", 10))
    column = _VOUCHER_SORTS.get(sort, "v.date_added")
    total = int(page.state.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"])
    vouchers = page.state.query(
        "SELECT v.*, COALESCE(t.name, '') AS theme FROM oc_voucher v LEFT JOIN oc_voucher_theme_description t"
        f" ON t.voucher_theme_id = v.voucher_theme_id AND t.language_id = 1 ORDER BY {column} COLLATE NOCASE"
        f" {direction} LIMIT ? OFFSET ?",
        (limit, (number - 1) * limit),
    )
    currency = page.state.query(
        "SELECT symbol_left, symbol_right, decimal_place FROM oc_currency WHERE code = ?",
        (page.state.get_setting("config_currency", "USD"),),
    )[0]
    shape = (str(currency["symbol_left"]), str(currency["symbol_right"]), int(currency["decimal_place"]))
    keep = (f"&amp;sort={sort}" if page.q("sort") else "") + (
        f"&amp;order={page.q('order')}" if page.q("order") else ""
    )
    rows = []
    for v in vouchers:
        order_link = (
            f'<a href="{page.link("sale/order.info", "&amp;order_id=" + str(v["order_id"]) + keep)}"'
            ' data-bs-toggle="tooltip" title="View Order" class="btn btn-info"><i class="fa-solid fa-eye">'
            "</i></a>\n"
            if int(v["order_id"])
            else ""
        )
        rows.append(
            "<tr>\n"
            f'<td class="text-center"><input type="checkbox" name="selected[]" value="{v["voucher_id"]}"'
            ' class="form-check-input"/></td>\n'
            f'<td class="text-start">{v["code"]}\n{_status(v["status"])}\n</td>\n'
            f'<td class="text-start">{v["from_name"]}</td>\n<td class="text-start">{v["to_name"]}</td>\n'
            f'<td class="text-end">{money(v["amount"], shape, 1)}</td>\n'
            f'<td class="text-start d-none d-lg-table-cell">{v["theme"]}</td>\n'
            f'<td class="text-start d-none d-lg-table-cell">{short_date(str(v["date_added"]))}</td>\n'
            f'<td class="text-end">\n{order_link}'
            f'<a href="{page.link("sale/voucher.form", "&amp;voucher_id=" + str(v["voucher_id"]) + keep)}"'
            ' data-bs-toggle="tooltip" title="Edit" class="btn btn-primary"><i class="fa-solid fa-pencil"></i></a></td>\n'
            "</tr>"
        )
    heads = _heads(
        page,
        "sale/voucher.list",
        (
            ("v.code", "Code", "text-start"),
            ("v.from_name", "From", "text-start"),
            ("v.to_name", "To", "text-start"),
            ("v.amount", "Amount", "text-end"),
            ("theme", "Theme", "text-start d-none d-lg-table-cell"),
            ("v.date_added", "Date Added", "text-start d-none d-lg-table-cell"),
        ),
        sort,
        direction,
    )
    return _list_frame(
        page,
        form_id="form-voucher",
        route="sale/voucher.list",
        heads=heads,
        rows=rows,
        total=total,
        number=number,
        keep=keep,
        colspan=8,
    )


def _voucher_form(page: Page) -> Answer:
    rows = page.state.query(
        "SELECT * FROM oc_voucher WHERE voucher_id = ?", (int(page.q("voucher_id") or 0),)
    )
    v: dict[str, Any] = (
        rows[0]
        if rows
        else {
            "voucher_id": int(page.q("voucher_id") or 0),
            "code": "",
            "from_name": "",
            "from_email": "",
            "to_name": "",
            "to_email": "",
            "voucher_theme_id": "",
            "message": "",
            "amount": "",
            "status": 1,
        }
    )
    themes = page.state.query(
        "SELECT voucher_theme_id, name FROM oc_voucher_theme_description WHERE language_id = 1 ORDER BY name"
    )
    options = "".join(
        f'<option value="{t["voucher_theme_id"]}"{" selected" if str(t["voucher_theme_id"]) == str(v["voucher_theme_id"]) else ""}>'
        f"{t['name']}</option>"
        for t in themes
    )

    def text(name: str) -> str:
        return (
            f'<input type="text" name="{name}" value="{v[name]}" id="input-{name.replace("_", "-")}"'
            ' class="form-control"/>'
        )

    mark = " checked" if int(v["status"] or 0) else ""
    form = (
        f'<form id="form-voucher" action="{page.request.base}?route=sale/voucher.save&user_token={page.token}"'
        ' method="post" data-oc-toggle="ajax">\n'
        f"{text('code')}\n{text('from_name')}\n{text('from_email')}\n{text('to_name')}\n{text('to_email')}\n"
        f'<select name="voucher_theme_id" id="input-theme" class="form-select">{options}</select>\n'
        f'<textarea name="message" id="input-message" class="form-control">{v["message"]}</textarea>\n'
        f'{text("amount")}\n<input type="hidden" name="status" value="0"/>'
        f'<input type="checkbox" name="status" value="1" id="input-status" class="form-check-input"{mark}/>\n'
        f'<input type="hidden" name="voucher_id" value="{v["voucher_id"]}" id="input-voucher-id"/>\n</form>'
    )
    return page.html(page.shell("Gift Vouchers", f"<h1>Gift Vouchers</h1>\n{form}"))


def _voucher_save(page: Page) -> Answer:
    values = _posted(page)
    voucher_id = int(values.get("voucher_id") or 0)
    same = page.state.query(
        "SELECT voucher_id FROM oc_voucher WHERE LOWER(code) = LOWER(?)", (values.get("code", ""),)
    )
    fields, warning = validate_voucher(
        values,
        can_modify=_can_modify(page, "sale/voucher"),
        existing_id=int(same[0]["voucher_id"]) if same else None,
        editing_id=voucher_id or None,
    )
    if fields or warning:
        ordered = {k: fields[k] for k in VOUCHER_ORDER if k in fields}
        return page.json({"error": {**({"warning": warning} if warning else {}), **ordered}})
    row: dict[str, Any] = {k: values.get(k, "") for k in VOUCHER_FIELDS}
    row["voucher_theme_id"] = int(row["voucher_theme_id"] or 0)
    row["status"] = int(row["status"] or 0)
    row["amount"] = f"{float(row['amount']):.4f}"
    with page.state.lock:
        if voucher_id:
            page.state.db.execute(
                f"UPDATE oc_voucher SET {', '.join(f'{k} = ?' for k in row)} WHERE voucher_id = ?",
                (*row.values(), voucher_id),
            )
            return page.json({"success": "Success: You have modified vouchers!"})
        cur = page.state.db.execute(
            f"INSERT INTO oc_voucher (order_id, {', '.join(row)}, date_added) VALUES (0, {', '.join('?' * len(row))}, ?)",
            (*row.values(), page.state.clock.stamp()),
        )
    return page.json(
        {"voucher_id": int(cur.lastrowid or 0), "success": "Success: You have modified vouchers!"}
    )


def _voucher_delete(page: Page) -> Answer:
    if not _can_modify(page, "sale/voucher"):
        return page.json({"error": "Warning: You do not have permission to modify vouchers!"})
    ids = [int(v) for k, v in page.form_values() if k == "selected[]"]
    for voucher_id in ids:
        sold = page.state.query("SELECT order_id FROM oc_order_voucher WHERE voucher_id = ?", (voucher_id,))
        if sold:
            link = page.link("sale/order.info", f"&amp;order_id={sold[0]['order_id']}")
            return page.json(
                {
                    "error": f'Warning: This voucher cannot be deleted as it is part of an <a href="{link}">'
                    "order</a>!"
                }
            )
    with page.state.lock:
        for voucher_id in ids:
            page.state.db.execute("DELETE FROM oc_voucher WHERE voucher_id = ?", (voucher_id,))
            page.state.db.execute("DELETE FROM oc_voucher_history WHERE voucher_id = ?", (voucher_id,))
    return page.json({"success": "Success: You have modified vouchers!"})


def _voucher_history(page: Page) -> Answer:
    voucher_id, number = int(page.q("voucher_id") or 0), _number(page)
    total = int(
        page.state.query("SELECT COUNT(*) AS n FROM oc_voucher_history WHERE voucher_id = ?", (voucher_id,))[
            0
        ]["n"]
    )
    rows = page.state.query(
        "SELECT vh.order_id, COALESCE(o.firstname || ' ' || o.lastname, '') AS customer, vh.amount, vh.date_added"
        " FROM oc_voucher_history vh LEFT JOIN oc_order o ON o.order_id = vh.order_id WHERE vh.voucher_id = ?"
        " ORDER BY vh.date_added ASC LIMIT 10 OFFSET ?",
        (voucher_id, (number - 1) * 10),
    )
    url = page.link("sale/voucher.history", f"&amp;voucher_id={voucher_id}&amp;page={{page}}")
    return page.html(_history_fragment(page, rows, total, number, url))


def marketing_handlers() -> dict[str, Callable[[Page], Answer]]:
    """Route -> handler of the coupon and voucher pages."""
    return {
        "marketing/coupon": lambda p: p.html(
            p.shell("Coupons", f'<h1>Coupons</h1>\n<div id="coupon">{_coupon_list(p)}</div>')
        ),
        "marketing/coupon.list": lambda p: p.html(_coupon_list(p)),
        "marketing/coupon.form": _coupon_form,
        "marketing/coupon.save": _coupon_save,
        "marketing/coupon.delete": _coupon_delete,
        "marketing/coupon.history": _coupon_history,
        "sale/voucher": lambda p: p.html(
            p.shell("Gift Vouchers", f'<h1>Gift Vouchers</h1>\n<div id="voucher">{_voucher_list(p)}</div>')
        ),
        "sale/voucher.list": lambda p: p.html(_voucher_list(p)),
        "sale/voucher.form": _voucher_form,
        "sale/voucher.save": _voucher_save,
        "sale/voucher.delete": _voucher_delete,
        "sale/voucher.history": _voucher_history,
    }
