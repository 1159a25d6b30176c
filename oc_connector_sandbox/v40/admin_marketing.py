"""The 4.0.2.3 admin's coupon and gift voucher pages: lists, ``.list`` fragments, forms, AJAX ``.save``/``.delete``.

Field rules are the 3.0 admin's (:mod:`oc_connector_sandbox.admin_rules`) with 4.0's messages: a coupon
code of 3-20 characters says so now, voucher errors come in 4.0's order, a duplicate code (any case)
is a ``warning``; answers are JSON instead of a redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from oc_connector_sandbox.admin_marketing import COUPON_FIELDS, VOUCHER_FIELDS, plus_month
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
Validator = Callable[..., tuple[dict[str, str], str | None]]


@dataclass(frozen=True)
class _Link:
    """Ids posted as ``<posted>[]`` and kept in the link table ``oc_<posted>``."""

    posted: str
    column: str
    verb: str = "INSERT"

    @property
    def table(self) -> str:
        return f"oc_{self.posted}"


@dataclass(frozen=True)
class _Entity:
    """What the 4.0 list, form, save, delete and history pages of coupons and vouchers differ in."""

    route: str  # the controller: ``marketing/coupon``
    key: str
    table: str
    title: str  # the page title and heading
    anchor: str  # the id of the list's container on the full page
    plural: str  # in messages: "You have modified coupons!"
    validate: Validator
    store: Callable[[dict[str, str]], dict[str, Any]]  # posted (escaped) text -> the row written
    list_sql: str  # ``SELECT ... FROM ...``; ordering and paging are appended
    sorts: Mapping[str, str]  # ``sort`` parameter -> SQL
    default_sort: str
    default_order: str
    history_sql: str  # the history rows of one id (``?``), ordered; paging is appended
    messages: Mapping[str, str] | None = None  # 4.0's wording of some field errors
    field_order: tuple[str, ...] | None = None  # field errors in the form's order
    links: tuple[_Link, ...] = ()
    delete_tables: tuple[str, ...] = ()
    insert_constants: tuple[tuple[str, object], ...] = ()  # columns set only on insert

    @property
    def success(self) -> str:
        return f"Success: You have modified {self.plural}!"


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


# -- shared by coupons and vouchers -----------------------------------------------------------------


def _listing(page: Page, entity: _Entity) -> tuple[list[dict[str, Any]], str, str, int, int, str]:
    """The list page's rows, sort key, direction, page number, total and the sort/order to keep."""
    sort = page.q("sort") or entity.default_sort
    other = "ASC" if entity.default_order == "DESC" else "DESC"
    direction = other if (page.q("order") or entity.default_order) == other else entity.default_order
    number = _number(page)
    limit = int(page.state.get_setting("config_pagination_admin", 10))
    column = entity.sorts.get(sort, entity.sorts[entity.default_sort])
    total = int(page.state.query(f"SELECT COUNT(*) AS n FROM {entity.table}")[0]["n"])
    rows = page.state.query(
        f"{entity.list_sql} ORDER BY {column} COLLATE NOCASE {direction} LIMIT ? OFFSET ?",
        (limit, (number - 1) * limit),
    )
    keep = (f"&amp;sort={sort}" if page.q("sort") else "") + (
        f"&amp;order={page.q('order')}" if page.q("order") else ""
    )
    return rows, sort, direction, number, total, keep


def _record(page: Page, entity: _Entity, new: dict[str, Any]) -> dict[str, Any]:
    """The record of the form's id, or ``new`` (an unknown id shows the empty add form)."""
    rows = page.state.query(
        f"SELECT * FROM {entity.table} WHERE {entity.key} = ?", (int(page.q(entity.key) or 0),)
    )
    return rows[0] if rows else {entity.key: int(page.q(entity.key) or 0), **new}


def _text_input(name: str, value: Any) -> str:
    return (
        f'<input type="text" name="{name}" value="{value}" id="input-{name.replace("_", "-")}"'
        ' class="form-control"/>'
    )


def _posted(page: Page) -> dict[str, str]:
    return {k: oc_escape(v) for k, v in page.form_values() if not k.endswith("[]")}


def _save(page: Page, entity: _Entity) -> Answer:
    values = _posted(page)
    record_id = int(values.get(entity.key) or 0)
    same = page.state.query(
        f"SELECT {entity.key} FROM {entity.table} WHERE LOWER(code) = LOWER(?)", (values.get("code", ""),)
    )
    fields, warning = entity.validate(
        values,
        can_modify=_can_modify(page, entity.route),
        existing_id=int(same[0][entity.key]) if same else None,
        editing_id=record_id or None,
    )
    fields = {k: (entity.messages or {}).get(k, v) for k, v in fields.items()}
    if entity.field_order is not None:
        fields = {k: fields[k] for k in entity.field_order if k in fields}
    if fields or warning:
        return page.json({"error": {**({"warning": warning} if warning else {}), **fields}})
    row = entity.store(values)
    linked = {
        link.posted: [int(v) for k, v in page.form_values() if k == f"{link.posted}[]"] for link in entity.links
    }
    db = page.state.db
    with page.state.lock:
        if record_id:
            db.execute(
                f"UPDATE {entity.table} SET {', '.join(f'{k} = ?' for k in row)} WHERE {entity.key} = ?",
                (*row.values(), record_id),
            )
        else:
            columns = (*(c for c, _ in entity.insert_constants), *row, "date_added")
            cur = db.execute(
                f"INSERT INTO {entity.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                (*(v for _, v in entity.insert_constants), *row.values(), page.state.clock.stamp()),
            )
            new_id = int(cur.lastrowid or 0)
        target = record_id or new_id
        for link in entity.links:
            db.execute(f"DELETE FROM {link.table} WHERE {entity.key} = ?", (target,))
        for link in entity.links:
            db.executemany(
                f"{link.verb} INTO {link.table} ({entity.key}, {link.column}) VALUES (?, ?)",
                [(target, i) for i in linked[link.posted]],
            )
    return page.json({"success": entity.success} if record_id else {entity.key: new_id, "success": entity.success})


def _delete(page: Page, entity: _Entity, guard: Callable[[Page, list[int]], Answer | None] | None = None) -> Answer:
    if not _can_modify(page, entity.route):
        return page.json({"error": f"Warning: You do not have permission to modify {entity.plural}!"})
    ids = [int(v) for k, v in page.form_values() if k == "selected[]"]
    refused = guard(page, ids) if guard is not None else None
    if refused is not None:
        return refused
    with page.state.lock:
        for record_id in ids:
            for table in entity.delete_tables:
                page.state.db.execute(f"DELETE FROM {table} WHERE {entity.key} = ?", (record_id,))
    return page.json({"success": entity.success})


def _history(page: Page, entity: _Entity) -> Answer:
    record_id, number = int(page.q(entity.key) or 0), _number(page)
    table = f"{entity.table}_history"
    total = int(
        page.state.query(f"SELECT COUNT(*) AS n FROM {table} WHERE {entity.key} = ?", (record_id,))[0]["n"]
    )
    rows = page.state.query(f"{entity.history_sql} LIMIT 10 OFFSET ?", (record_id, (number - 1) * 10))
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
    url = page.link(f"{entity.route}.history", f"&amp;{entity.key}={record_id}&amp;page={{page}}")
    return page.html(
        '<div class="table-responsive">\n<table class="table table-bordered table-hover">\n<thead>\n<tr>\n'
        '<td class="text-end">Order ID</td>\n<td class="text-start">Customer</td>\n'
        '<td class="text-end">Amount</td>\n<td class="text-start">Date Added</td>\n</tr>\n</thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>\n</div>\n"
        f'<div class="row">\n<div class="col-sm-6 text-start">{pagination(total, number, 10, url)}</div>\n'
        f'<div class="col-sm-6 text-end">{results_text(total, number, 10)}</div>\n</div>\n'
    )


def _handlers(
    entity: _Entity,
    render_list: Callable[[Page], str],
    form: Callable[[Page], Answer],
    guard: Callable[[Page, list[int]], Answer | None] | None = None,
) -> dict[str, Callable[[Page], Answer]]:
    """The list page, its ``.list`` fragment, ``.form``, ``.save``, ``.delete`` and ``.history`` of ``entity``."""
    title = entity.title
    return {
        entity.route: lambda p: p.html(
            p.shell(title, f'<h1>{title}</h1>\n<div id="{entity.anchor}">{render_list(p)}</div>')
        ),
        f"{entity.route}.list": lambda p: p.html(render_list(p)),
        f"{entity.route}.form": form,
        f"{entity.route}.save": lambda p: _save(p, entity),
        f"{entity.route}.delete": lambda p: _delete(p, entity, guard),
        f"{entity.route}.history": lambda p: _history(p, entity),
    }


# -- coupons ----------------------------------------------------------------------------------------


def _coupon_row(values: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {k: values.get(k, "") for k in COUPON_FIELDS}
    for k in ("logged", "shipping", "status", "uses_total"):
        row[k] = int(row[k] or 0)
    for k in ("discount", "total"):
        row[k] = f"{float(row[k] or 0):.4f}"
    for k in ("date_start", "date_end"):
        row[k] = row[k] or ZERO_DATE  # MySQL stores an empty date as the zero date
    return row


COUPON = _Entity(
    route="marketing/coupon",
    key="coupon_id",
    table="oc_coupon",
    title="Coupons",
    anchor="coupon",
    plural="coupons",
    validate=validate_coupon,
    store=_coupon_row,
    list_sql="SELECT * FROM oc_coupon",
    sorts={
        "name": "name",
        "code": "code",
        "discount": "CAST(discount AS REAL)",
        "date_start": "date_start",
        "date_end": "date_end",
        "status": "status",
    },
    default_sort="name",
    default_order="ASC",
    history_sql=(
        "SELECT ch.order_id, COALESCE(c.firstname || ' ' || c.lastname, '') AS customer, ch.amount, ch.date_added"
        " FROM oc_coupon_history ch LEFT JOIN oc_customer c ON c.customer_id = ch.customer_id"
        " WHERE ch.coupon_id = ? ORDER BY ch.date_added ASC"
    ),
    messages={"code": COUPON_CODE},
    links=(_Link("coupon_product", "product_id"), _Link("coupon_category", "category_id", "INSERT OR IGNORE")),
    delete_tables=("oc_coupon", "oc_coupon_product", "oc_coupon_category", "oc_coupon_history"),
)


def _coupon_list(page: Page) -> str:
    coupons, sort, direction, number, total, keep = _listing(page, COUPON)
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
    today = page.state.clock.now().date()
    new = dict.fromkeys(("name", "code", "type", "discount", "total"), "")
    c = _record(page, COUPON, {
        **new, "logged": 0, "shipping": 0, "date_start": today.isoformat(),
        "date_end": plus_month(today).isoformat(), "uses_total": 1, "uses_customer": 1, "status": 1,
    })
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
        zero = name in ("date_start", "date_end") and str(c[name]) == ZERO_DATE
        return _text_input(name, "" if zero else c[name])  # the form shows a zero date empty

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


# -- vouchers ---------------------------------------------------------------------------------------


def _voucher_row(values: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {k: values.get(k, "") for k in VOUCHER_FIELDS}
    row["voucher_theme_id"] = int(row["voucher_theme_id"] or 0)
    row["status"] = int(row["status"] or 0)
    row["amount"] = f"{float(row['amount']):.4f}"
    return row


VOUCHER = _Entity(
    route="sale/voucher",
    key="voucher_id",
    table="oc_voucher",
    title="Gift Vouchers",
    anchor="voucher",
    plural="vouchers",
    validate=validate_voucher,
    store=_voucher_row,
    list_sql=(
        "SELECT v.*, COALESCE(t.name, '') AS theme FROM oc_voucher v LEFT JOIN oc_voucher_theme_description t"
        " ON t.voucher_theme_id = v.voucher_theme_id AND t.language_id = 1"
    ),
    sorts={
        "v.code": "v.code",
        "v.from_name": "v.from_name",
        "v.to_name": "v.to_name",
        "v.amount": "CAST(v.amount AS REAL)",
        "theme": "theme",
        "v.status": "v.status",
        "v.date_added": "v.date_added",
    },
    default_sort="v.date_added",
    default_order="DESC",
    history_sql=(
        "SELECT vh.order_id, COALESCE(o.firstname || ' ' || o.lastname, '') AS customer, vh.amount, vh.date_added"
        " FROM oc_voucher_history vh LEFT JOIN oc_order o ON o.order_id = vh.order_id WHERE vh.voucher_id = ?"
        " ORDER BY vh.date_added ASC"
    ),
    field_order=VOUCHER_ORDER,
    delete_tables=("oc_voucher", "oc_voucher_history"),
    insert_constants=(("order_id", 0),),
)


def _voucher_list(page: Page) -> str:
    vouchers, sort, direction, number, total, keep = _listing(page, VOUCHER)
    currency = page.state.query(
        "SELECT symbol_left, symbol_right, decimal_place FROM oc_currency WHERE code = ?",
        (page.state.get_setting("config_currency", "USD"),),
    )[0]
    shape = (str(currency["symbol_left"]), str(currency["symbol_right"]), int(currency["decimal_place"]))
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
    new = dict.fromkeys(("code", "from_name", "from_email", "to_name", "to_email", "voucher_theme_id"), "")
    v = _record(page, VOUCHER, {**new, "message": "", "amount": "", "status": 1})
    themes = page.state.query(
        "SELECT voucher_theme_id, name FROM oc_voucher_theme_description WHERE language_id = 1 ORDER BY name"
    )
    options = "".join(
        f'<option value="{t["voucher_theme_id"]}"{" selected" if str(t["voucher_theme_id"]) == str(v["voucher_theme_id"]) else ""}>'
        f"{t['name']}</option>"
        for t in themes
    )

    def text(name: str) -> str:
        return _text_input(name, v[name])

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


def _sold_vouchers_stay(page: Page, ids: list[int]) -> Answer | None:
    """A voucher sold in an order cannot be deleted: then none of the posted ids is."""
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
    return None


def marketing_handlers() -> dict[str, Callable[[Page], Answer]]:
    """Route -> handler of the coupon and voucher pages."""
    return {
        **_handlers(COUPON, _coupon_list, _coupon_form),
        **_handlers(VOUCHER, _voucher_list, _voucher_form, _sold_vouchers_stay),
    }
