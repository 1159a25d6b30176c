"""The 4.0.2.3 admin's order pages: ``sale/order`` list and fragment, ``.info`` editor, ``.history``, ``.invoice``.

Rendered from the 3.0 tables (see :mod:`.admin_fixtures` for how 4.0's method JSON sits in them).
Stored values are printed as stored (the shop's templates do not escape), so 4.0.2.3's double
escaped ``&amp;amp;`` shows as it does on the real shop. The editor is far smaller than the real
175 KB page but holds every element and value a client reads from it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from oc_connector_sandbox.admin_pages import nl2br
from oc_connector_sandbox.v40.admin import Answer, Page, money, pagination, results_text, short_date

__all__ = ["collate", "order_handlers"]

SORTS = (
    "o.order_id",
    "o.store_name",
    "customer",
    "order_status",
    "o.date_added",
    "o.date_modified",
    "o.total",
)
FILTERS = (
    "filter_order_id",
    "filter_customer_id",
    "filter_customer",
    "filter_store_id",
    "filter_order_status",
    "filter_order_status_id",
    "filter_total",
    "filter_date_from",
    "filter_date_to",
)
HISTORY_LIMIT = 10
DEFAULT_FORMAT = (
    "{firstname} {lastname}\n{company}\n{address_1}\n{address_2}\n{city} {postcode}\n{zone}\n{country}"
)


def collate(text: str) -> str:
    """MariaDB's ``utf8mb4_general_ci`` closely enough: case and accents ignored."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


def _int(value: str | None) -> int:
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        digits = ""
        for c in str(value).strip():
            if not (c.isdigit() or (c in "+-" and not digits)):
                break
            digits += c
        return int(digits) if digits.lstrip("+-") else 0


def _currencies(page: Page) -> dict[str, tuple[str, str, int]]:
    return {
        str(r["code"]): (str(r["symbol_left"]), str(r["symbol_right"]), int(r["decimal_place"]))
        for r in page.state.query("SELECT code, symbol_left, symbol_right, decimal_place FROM oc_currency")
    }


def _statuses(page: Page) -> dict[int, str]:
    return {
        int(r["order_status_id"]): str(r["name"])
        for r in page.state.query("SELECT order_status_id, name FROM oc_order_status WHERE language_id = 1")
    }


# -- list ---------------------------------------------------------------------------------------------


def _filter_url(page: Page, *, skip: tuple[str, ...] = ()) -> str:
    parts = []
    for name in FILTERS:
        value = page.q(name)
        if value is None or name in skip:
            continue
        if name in ("filter_customer_id", "filter_store_id", "filter_order_status_id"):
            value = str(_int(value))
        parts.append(f"&amp;{name}={value}")
    return "".join(parts)


def _matching_orders(page: Page) -> list[dict[str, Any]]:
    statuses = _statuses(page)
    rows = page.state.query(
        "SELECT order_id, firstname, lastname, order_status_id, store_id, store_name, customer_id,"
        " shipping_method, total, currency_code, currency_value, date_added, date_modified FROM oc_order"
    )
    status_list = page.q("filter_order_status") or ""
    status_id = page.q("filter_order_status_id")
    out = []
    for row in rows:
        row["customer"] = f"{row['firstname']} {row['lastname']}"
        row["order_status"] = statuses.get(int(row["order_status_id"]))
        sid = int(row["order_status_id"])
        if status_list:
            if sid not in {_int(s) for s in status_list.split(",")}:
                continue
        elif status_id is not None and status_id != "":
            if sid != _int(status_id):
                continue
        elif sid <= 0:
            continue
        if _int(page.q("filter_order_id")) and row["order_id"] != _int(page.q("filter_order_id")):
            continue
        store = page.q("filter_store_id")
        if store not in (None, "") and int(row["store_id"]) != _int(store):
            continue
        if _int(page.q("filter_customer_id")) and int(row["customer_id"]) != _int(
            page.q("filter_customer_id")
        ):
            continue
        name = page.q("filter_customer")
        if name and collate(name) not in collate(row["customer"]):
            continue
        day = str(row["date_added"])[:10]
        if page.q("filter_date_from") and day < str(page.q("filter_date_from")):
            continue
        if page.q("filter_date_to") and day > str(page.q("filter_date_to")):
            continue
        total = page.q("filter_total")
        if total and _float(total) and abs(float(row["total"]) - _float(total)) > 1e-9:
            continue
        out.append(row)
    return out


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _sort_key(sort: str) -> Callable[[dict[str, Any]], Any]:
    keys: dict[str, Callable[[dict[str, Any]], Any]] = {
        "o.store_name": lambda r: collate(str(r["store_name"])),
        "customer": lambda r: collate(str(r["customer"])),
        "order_status": lambda r: collate(str(r["order_status"] or "")),
        "o.date_added": lambda r: str(r["date_added"]),
        "o.date_modified": lambda r: str(r["date_modified"]),
        "o.total": lambda r: float(r["total"]),
    }
    return keys.get(sort, lambda r: int(r["order_id"]))


def _order_list(page: Page) -> str:
    limit = int(page.state.get_setting("config_pagination_admin", 10))
    sort = page.q("sort") or "o.order_id"
    direction = page.q("order") or "DESC"
    number = _int(page.q("page")) if page.q("page") is not None else 1
    rows = _matching_orders(page)
    rows.sort(key=lambda r: int(r["order_id"]))
    rows.sort(key=_sort_key(sort if sort in SORTS else "o.order_id"), reverse=direction == "DESC")
    total = len(rows)
    start = max((number - 1) * limit, 0)
    shown = rows[start : start + limit]
    currencies = _currencies(page)
    filters = _filter_url(page)
    keep = filters + (f"&amp;sort={sort}" if page.q("sort") is not None else "")
    keep += f"&amp;order={direction}" if page.q("order") is not None else ""
    keep_page = keep + (f"&amp;page={page.q('page')}" if page.q("page") is not None else "")
    body = []
    for r in shown:
        shipping = "10" if r["shipping_method"] else ""
        body.append(
            "<tr>\n"
            f'<td class="text-center"><input type="checkbox" name="selected[]" value="{r["order_id"]}"'
            ' class="form-check-input"/>\n'
            f'<input type="hidden" name="shipping_method[]" value="{shipping}"/></td>\n'
            f'<td class="text-end">{r["order_id"]}</td>\n'
            f'<td class="text-start">{r["store_name"]}</td>\n'
            f'<td class="text-start">{r["customer"]}</td>\n'
            f'<td class="text-start"><label>{r["order_status"] or "Missing Orders"}</label></td>\n'
            f'<td class="text-end d-none d-lg-table-cell">'
            f"{money(r['total'], currencies[r['currency_code']], r['currency_value'])}</td>\n"
            f'<td class="text-start d-none d-lg-table-cell">{short_date(str(r["date_added"]))}</td>\n'
            f'<td class="text-start d-none d-xl-table-cell">{short_date(str(r["date_modified"]))}</td>\n'
            f'<td class="text-end"><a href="{page.link("sale/order.info", "&amp;order_id=" + str(r["order_id"]) + keep_page)}"'
            ' data-bs-toggle="tooltip" title="View" class="btn btn-primary"><i class="fa-solid fa-eye"></i></a></td>\n'
            "</tr>"
        )
    if not body:
        body.append('<tr>\n<td class="text-center" colspan="9">No results!</td>\n</tr>')
    flip = "ASC" if direction == "DESC" else "DESC"
    heads = []
    for key, title, cls in (
        ("o.order_id", "Order ID", "text-end"),
        ("o.store_name", "Store", "text-start"),
        ("customer", "Customer", "text-start"),
        ("order_status", "Status", "text-start"),
        ("o.total", "Total", "text-end d-none d-lg-table-cell"),
        ("o.date_added", "Date Added", "text-start d-none d-lg-table-cell"),
        ("o.date_modified", "Date Modified", "text-start d-none d-xl-table-cell"),
    ):
        mark = f' class="{direction.lower()}"' if key == sort else ""
        href = page.link("sale/order.list", f"&amp;sort={key}{filters}&amp;order={flip}")
        heads.append(f'<td class="{cls}"><a href="{href}"{mark}>{title}</a></td>')
    paging = pagination(total, number, limit, page.link("sale/order.list", keep + "&amp;page={page}"))
    return (
        f'<form id="form-order" method="post" enctype="application/x-www-form-urlencoded"'
        f' data-load="{page.link("sale/order.list", keep_page)}">\n'
        '<div class="table-responsive">\n<table class="table table-bordered table-hover">\n<thead>\n<tr>\n'
        '<td class="text-center" style="width: 1px;"><input type="checkbox" class="form-check-input"/></td>\n'
        + "\n".join(heads)
        + '\n<td class="text-end">Action</td>\n</tr>\n</thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>\n</div>\n"
        f'<div class="row">\n<div class="col-sm-6 text-start">{paging}</div>\n'
        f'<div class="col-sm-6 text-end">{results_text(total, number, limit)}</div>\n</div>\n</form>'
    )


def order_page(page: Page) -> Answer:
    """``sale/order``: the list page with its filter panel; the list fragment inside ``#order``."""
    statuses = _statuses(page)
    options = '<option value=""></option><option value="0">Missing Orders</option>' + "".join(
        f'<option value="{sid}">{name}</option>' for sid, name in sorted(statuses.items(), key=lambda s: s[1])
    )
    panel = (
        '<div id="filter-order" class="card"><div class="card-body">'
        '<input type="text" name="filter_order_id" id="input-order-id" class="form-control"/>'
        '<input type="text" name="filter_customer" id="input-customer" class="form-control"/>'
        f'<select name="filter_order_status_id" id="input-order-status" class="form-select">{options}</select>'
        '<input type="text" name="filter_total" id="input-total" class="form-control"/>'
        '<input type="date" name="filter_date_from" id="input-date-from" class="form-control"/>'
        '<input type="date" name="filter_date_to" id="input-date-to" class="form-control"/>'
        "</div></div>"
    )
    return page.html(
        page.shell("Orders", f'<h1>Orders</h1>\n{panel}\n<div id="order">{_order_list(page)}</div>')
    )


def order_list(page: Page) -> Answer:
    """``sale/order.list``: the AJAX fragment."""
    return page.html(_order_list(page))


# -- history ----------------------------------------------------------------------------------------


def _history(page: Page, order_id: int, number: int) -> str:
    statuses = _statuses(page)
    total = int(
        page.state.query("SELECT COUNT(*) AS n FROM oc_order_history WHERE order_id = ?", (order_id,))[0]["n"]
    )
    rows = page.state.query(
        "SELECT order_status_id, comment, notify, date_added FROM oc_order_history WHERE order_id = ?"
        " ORDER BY date_added DESC, order_history_id ASC LIMIT ? OFFSET ?",
        (order_id, HISTORY_LIMIT, max(number - 1, 0) * HISTORY_LIMIT),
    )
    body = [
        "<tr>\n"
        f'<td class="text-start">{short_date(str(r["date_added"]))}</td>\n'
        f'<td class="text-start">{nl2br(str(r["comment"]))}</td>\n'
        f'<td class="text-start">{statuses[int(r["order_status_id"])]}</td>\n'
        f'<td class="text-start">{"Yes" if int(r["notify"]) else "No"}</td>\n'
        "</tr>"
        for r in rows
        if int(r["order_status_id"]) in statuses  # the shop's join drops a status without a name
    ]
    if not body:
        body = ['<tr>\n<td class="text-center" colspan="4">No results!</td>\n</tr>']
    url = page.link("sale/order.history", f"&amp;order_id={order_id}&amp;page={{page}}")
    return (
        '<div class="table-responsive">\n<table class="table table-bordered">\n<thead>\n<tr>\n'
        '<td class="text-start">Date Added</td>\n<td class="text-start">Comment</td>\n'
        '<td class="text-start">Status</td>\n<td class="text-start">Customer Notified</td>\n'
        "</tr>\n</thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n</div>\n"
        f'<div class="row">\n<div class="col-sm-6 text-start">{pagination(total, number, HISTORY_LIMIT, url)}</div>\n'
        f'<div class="col-sm-6 text-end">{results_text(total, number, HISTORY_LIMIT)}</div>\n</div>\n'
    )


def order_history(page: Page) -> Answer:
    """``sale/order.history``: 10 entries a page, newest first."""
    number = _int(page.q("page")) if page.q("page") is not None else 1
    return page.html(_history(page, _int(page.q("order_id")), max(number, 1)))


# -- editor -----------------------------------------------------------------------------------------


def _order(page: Page, order_id: int) -> dict[str, Any] | None:
    rows = page.state.query("SELECT * FROM oc_order WHERE order_id = ?", (order_id,)) if order_id else []
    return rows[0] if rows else None


def _lines(
    page: Page, order: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    order_id = order["order_id"]
    products = page.state.query(
        "SELECT * FROM oc_order_product WHERE order_id = ? ORDER BY order_product_id", (order_id,)
    )
    for p in products:
        p["options"] = page.state.query(
            "SELECT * FROM oc_order_option WHERE order_id = ? AND order_product_id = ? ORDER BY order_option_id",
            (order_id, p["order_product_id"]),
        )
    vouchers = page.state.query(
        "SELECT * FROM oc_order_voucher WHERE order_id = ? ORDER BY order_voucher_id", (order_id,)
    )
    totals = page.state.query(
        "SELECT * FROM oc_order_total WHERE order_id = ? ORDER BY sort_order, order_total_id", (order_id,)
    )
    return products, vouchers, totals


def _upload_name(page: Page, code: str) -> str | None:
    try:
        rows = page.state.query("SELECT name FROM oc_upload WHERE code = ?", (code,))
    except Exception:  # a shop without uploads
        return None
    return str(rows[0]["name"]) if rows else None


def _options_html(page: Page, options: list[dict[str, Any]], *, links: bool) -> str:
    out = []
    for o in options:
        value = str(o["value"])
        if o["type"] == "file":
            name = _upload_name(page, value)
            if name is None:
                continue
            if links:
                href = f"{page.link('tool/upload.download', f'&amp;code={value}')}"
                value = f'<a href="{href}">{name}</a>'
            else:
                value = name
        out.append(f"<br/>\n<small> - {o['name']}: {value}</small>")
    return "".join(out)


def _select(name: str, input_id: str, options: list[tuple[str, str]], chosen: str) -> str:
    items = "".join(
        f'<option value="{v}"{" selected" if v == chosen else ""}>{label}</option>' for v, label in options
    )
    return f'<select name="{name}" id="{input_id}" class="form-select">{items}</select>'


def _address_modal(page: Page, kind: str, order: dict[str, Any] | None) -> str:
    def v(field: str) -> str:
        return str(order.get(f"{kind}_{field}", "")) if order else ""

    countries = [
        (str(r["country_id"]), str(r["name"]))
        for r in page.state.query("SELECT country_id, name FROM oc_country WHERE status = 1 ORDER BY name")
    ]
    fields = "".join(
        f'<input type="text" name="{f}" value="{v(f)}" id="input-{kind}-{f.replace("_", "-")}" class="form-control"/>\n'
        for f in ("firstname", "lastname", "company", "address_1", "address_2", "city", "postcode")
    )
    return (
        f'<div id="modal-{kind}-address" class="modal"><form id="form-{kind}-address">\n{fields}'
        + _select(
            "country_id",
            f"input-{kind}-country",
            [("", " --- Please Select --- "), *countries],
            str(order.get(f"{kind}_country_id", "")) if order else "-",
        )
        + f'\n<select name="zone_id" id="input-{kind}-zone" class="form-select"></select>\n</form></div>'
    )


def _address_value(order: dict[str, Any] | None, kind: str) -> str:
    if order is None:
        return ""
    parts = []
    if order[f"{kind}_firstname"]:
        parts.append(f"{order[f'{kind}_firstname']} {order[f'{kind}_lastname']}")
    for field in ("company", "address_1", "address_2", "city", "postcode", "zone", "country"):
        if order[f"{kind}_{field}"]:
            parts.append(str(order[f"{kind}_{field}"]))
    return "\n<br/>\n".join(parts)


def order_info(page: Page) -> Answer:
    """``sale/order.info``: the order editor; an empty "add order" editor for an unknown id."""
    order_id = _int(page.q("order_id"))
    order = _order(page, order_id)
    currencies = _currencies(page)
    code = str(order["currency_code"]) if order else str(page.state.get_setting("config_currency", "USD"))
    rate = order["currency_value"] if order else 1

    def fmt(value: Any) -> str:
        return money(value, currencies[code], rate)

    products, vouchers, totals = _lines(page, order) if order else ([], [], [])
    product_rows = []
    for p in products:
        options = _options_html(page, p["options"], links=True)
        points = f"<br/>\n<small> - Points: {p['reward']}</small>" if int(p["reward"]) else ""
        unit = float(p["price"]) + float(p["tax"])
        link = f"index.php?route=catalog/product.form&user_token={page.token}&product_id={p['product_id']}"
        product_rows.append(
            f'<tr>\n<td class="text-start"><a href="{link}" target="_blank">{p["name"]}</a>{options}{points}\n</td>\n'
            f'<td class="text-start">{p["model"]}</td>\n<td class="text-end">{p["quantity"]}</td>\n'
            f'<td class="text-end">{fmt(unit)}</td>\n<td class="text-end">{fmt(unit * int(p["quantity"]))}</td>\n'
            '<td class="text-end"></td>\n</tr>'
        )
    voucher_rows = [
        f'<tr>\n<td class="text-start">{v["description"]}</td>\n<td></td>\n<td class="text-end">1</td>\n'
        f'<td class="text-end">{fmt(v["amount"])}</td>\n<td class="text-end">{fmt(v["amount"])}</td>\n'
        '<td class="text-end"></td>\n</tr>'
        for v in vouchers
    ]
    total_rows = [
        f'<tr>\n<td class="text-end"><strong>{t["title"]}</strong></td>\n'
        f'<td class="text-end" style="width: 1px;">{fmt(t["value"])}</td>\n</tr>'
        for t in totals
    ]
    coupon = ""
    for t in totals:
        title = str(t["title"])
        if t["code"] == "coupon" and "(" in title and ")" in title:
            coupon = title[title.index("(") + 1 : title.rindex(")")]
    if order is None:
        customer = ""
    elif int(order["customer_id"]):
        href = f"index.php?route=customer/customer.form&user_token={page.token}&customer_id={order['customer_id']}"
        customer = f'<a href="{href}" target="_blank">{order["firstname"]} {order["lastname"]}</a>'
    else:
        customer = f"{order['firstname']} {order['lastname']}"
    statuses = _statuses(page)
    status_options = [(str(s), n) for s, n in sorted(statuses.items(), key=lambda s: s[1])]
    chosen_status = (
        str(order["order_status_id"]) if order else str(page.state.get_setting("config_order_status_id", 1))
    )
    currency_options = [
        (str(r["code"]), str(r["title"]))
        for r in page.state.query("SELECT code, title FROM oc_currency ORDER BY title")
    ]
    reward = sum(int(p["reward"]) for p in products)
    invoice = (
        f"{order['invoice_prefix']}{order['invoice_no'] or 0}"
        if order and int(order["invoice_no"])
        else (f"{order['invoice_prefix']}0" if order else "")
    )

    def field(name: str) -> str:
        return str(order[name]) if order else ""

    # the Generate button is shown while the order has no invoice number
    generate = (
        '<button type="button" id="button-invoice" data-bs-toggle="tooltip" title="Generate"'
        ' class="btn btn-outline-primary"><i class="fa-solid fa-cog"></i></button>\n'
        if order and not int(order["invoice_no"])
        else ""
    )

    # an id that names no order still titles the (empty) editor with it; the date is today's
    header = f"Order (#{order_id})" if order_id else "Add Order"
    if not product_rows and not voucher_rows:
        voucher_rows = ['<tr>\n<td colspan="6" class="text-center">No results!</td>\n</tr>']
    history = _history(page, order_id, 1) if order else _history(page, 0, 1)
    shipping_name = field("shipping_method")
    content = f"""<h1>Orders</h1>
<div class="card mb-3">
<div class="card-header"><i class="fa-solid fa-info-circle"></i> {header}</div>
<div class="card-body">
<div class="lead"><strong>Invoice</strong><br/><span id="invoice-value">{invoice}</span></div>
{generate}<div class="lead"><strong>Customer</strong><br/><div id="customer-value">{customer}</div></div>
<div class="lead p-2"><strong>Date Added</strong><br/>{short_date(field("date_added") or page.state.clock.stamp())}</div>
<table class="table table-bordered">
<tbody id="order-products">
{chr(10).join(product_rows)}
</tbody>
<tbody id="order-vouchers">
{chr(10).join(voucher_rows)}
</tbody>
</table>
<form id="form-store">{_select("store_id", "input-store", [("0", "Your Store")], "0" if order else "")}</form>
<form id="form-language">{_select("language", "input-language", [("en-gb", "English")], "en-gb")}</form>
<form id="form-currency">{_select("currency", "input-currency", currency_options, code)}</form>
<form id="form-coupon"><input type="text" name="coupon" value="{coupon}" id="input-coupon" class="form-control"/></form>
<form id="form-voucher"><input type="text" name="voucher" value="" id="input-voucher" class="form-control"/></form>
<form id="form-reward"><input type="text" name="reward" value="0" id="input-reward" class="form-control"/></form>
<div id="reward-value">{reward}</div>
<div id="affiliate-value">&nbsp;</div>
<div id="commission-value">&nbsp;</div>
<div id="payment-address-value">
{_address_value(order, "payment")}
</div>
<div id="shipping-address" class="col{"" if shipping_name else " d-none"}">
<div id="shipping-address-value">
{_address_value(order, "shipping")}
</div>
</div>
<div id="shipping-method" class="col-md{"" if shipping_name else " d-none"}">
<span id="shipping-method-value">{shipping_name}</span>
<input type="hidden" name="shipping_code" value="{field("shipping_code")}" id="input-shipping-code"/>
</div>
<div id="payment-method" class="col-md">
<span id="payment-method-value">{field("payment_method")}</span>
<input type="hidden" name="payment_code" value="{field("payment_code")}" id="input-payment-code"/>
</div>
<span id="comment-value">{nl2br(field("comment"))}</span>
<table class="table table-bordered">
<tbody id="order-totals">
{chr(10).join(total_rows)}
</tbody>
</table>
</div>
</div>
<div class="card mb-3">
<div id="tab-history" class="tab-pane active">
<div id="history">{history}</div>
<form id="form-history">
{_select("order_status_id", "input-order-status", status_options, chosen_status)}
<textarea name="comment" id="input-history" class="form-control"></textarea>
<input type="hidden" name="order_id" value="{order_id if order else ""}" id="input-order-id"/>
</form>
</div>
<div id="tab-additional" class="tab-pane">
<table class="table table-bordered">
<thead><tr><td colspan="2">Browser</td></tr></thead>
<tbody>
<tr><td>IP Address</td><td>{field("ip")}</td></tr>
<tr><td>User Agent</td><td>{field("user_agent")}</td></tr>
<tr><td>Accept Language</td><td>{field("accept_language")}</td></tr>
</tbody>
</table>
</div>
</div>
<div id="modal-customer" class="modal"><form id="form-customer">
<input type="text" name="customer" value="{field("firstname") + " " + field("lastname")}" id="input-customer" class="form-control"/>
<input type="hidden" name="customer_id" value="{field("customer_id") or 0}" id="input-customer-id"/>
{_select("customer_group_id", "input-customer-group", [("1", "Default")], field("customer_group_id") or "1")}
<input type="text" name="firstname" value="{field("firstname")}" id="input-firstname" class="form-control"/>
<input type="text" name="lastname" value="{field("lastname")}" id="input-lastname" class="form-control"/>
<input type="text" name="email" value="{field("email")}" id="input-email" class="form-control"/>
<input type="text" name="telephone" value="{field("telephone")}" id="input-telephone" class="form-control"/>
</form></div>
{_address_modal(page, "payment", order)}
{_address_modal(page, "shipping", order)}
<div id="modal-comment" class="modal"><form id="form-comment">
<textarea name="comment" id="input-comment" class="form-control">{field("comment")}</textarea>
</form></div>
<script type="text/javascript">
var payment_zone_id = '{field("payment_zone_id")}';
var shipping_zone_id = '{field("shipping_zone_id")}';
</script>"""
    return page.html(page.shell("Orders", content))


# -- invoice / dispatch note ----------------------------------------------------------------------


def _format_address(order: dict[str, Any], kind: str) -> str:
    fmt = str(order.get(f"{kind}_address_format") or "") or DEFAULT_FORMAT
    text = fmt.replace("\r\n", "\n")
    for key in (
        "firstname",
        "lastname",
        "company",
        "address_1",
        "address_2",
        "city",
        "postcode",
        "zone",
        "country",
    ):
        text = text.replace("{" + key + "}", str(order.get(f"{kind}_{key}", "")))
    return "<br/>".join(line.strip() for line in text.strip().split("\n") if line.strip())


def _ids(page: Page) -> list[int]:
    if page.request.method == "POST":
        return [_int(v) for k, v in page.form_values() if k == "selected[]"]
    if page.q("order_id") is not None:
        return [_int(page.q("order_id"))]
    return []


def _card(title: str, value: str) -> str:
    return (
        '<div class="col"><div class="form-control-plaintext p-0 border rounded mb-3">'
        f'<div class="lead p-2"><strong>{title}</strong>\n<br/>\n{value}\n</div></div></div>'
    )


def _document(page: Page, title: str, *, shipping: bool) -> Answer:
    currencies = _currencies(page)
    blocks = []
    for order_id in _ids(page):
        order = _order(page, order_id)
        if order is None:
            continue
        if shipping and not order["shipping_code"]:
            continue
        code, rate = str(order["currency_code"]), order["currency_value"]

        def fmt(value: Any, code: str = code, rate: Any = rate) -> str:
            return money(value, currencies[code], rate)

        products, vouchers, totals = _lines(page, order)
        invoice = f"{order['invoice_prefix']}{order['invoice_no']}" if int(order["invoice_no"]) else "&nbsp;"
        cards = [
            _card("Invoice", invoice),
            _card("Order ID", str(order_id)),
            _card("Date Added", short_date(str(order["date_added"]))),
            _card("Store", str(order["store_name"])),
            _card("Store Address", "Address 1"),
            _card("Store Telephone", "123456789"),
            _card("Store E-Mail", "admin@example.com"),
        ]
        if not shipping:
            cards.append(_card("Payment Method", str(order["payment_method"])))
        if order["shipping_method"]:
            cards.append(_card("Shipping Method", str(order["shipping_method"])))
        addresses = []
        if not shipping and (order["payment_lastname"] or order["payment_address_1"]):
            addresses.append(_card("Payment Address", _format_address(order, "payment")))
        if order["shipping_method"]:
            addresses.append(_card("Shipping Address", _format_address(order, "shipping")))
        rows = []
        for p in products:
            unit = float(p["price"]) + float(p["tax"])
            rows.append(
                f"<tr>\n<td>{p['name']}{_options_html(page, p['options'], links=False)}\n</td>\n"
                f'<td>{p["model"]}</td>\n<td class="text-end">{p["quantity"]}</td>\n'
                + (
                    ""
                    if shipping
                    else f'<td class="text-end">{fmt(unit)}</td>\n'
                    f'<td class="text-end">{fmt(unit * int(p["quantity"]))}</td>\n'
                )
                + "</tr>"
            )
        if not shipping:
            rows += [
                f'<tr>\n<td>{v["description"]}</td>\n<td></td>\n<td class="text-end">1</td>\n'
                f'<td class="text-end">{fmt(v["amount"])}</td>\n<td class="text-end">{fmt(v["amount"])}</td>\n</tr>'
                for v in vouchers
            ]
            rows += [
                f'<tr>\n<td class="text-end" colspan="4"><b>{t["title"]}</b></td>\n'
                f'<td class="text-end">{fmt(t["value"])}</td>\n</tr>'
                for t in totals
            ]
        if order["comment"]:
            addresses.append(_card("Comment", nl2br(str(order["comment"]))))
        comment = ""
        blocks.append(
            f'<div style="page-break-after: always;">\n<h1>{title} #{order_id}</h1>\n'
            f'<div class="row">\n{"".join(cards)}\n</div>\n<div class="row">\n{"".join(addresses)}\n</div>\n'
            f'<table class="table table-bordered">\n<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>\n{comment}\n</div>'
        )
    base = page.request.base.removesuffix("index.php")
    body = (
        '<!DOCTYPE html>\n<html dir="ltr" lang="en">\n<head>\n  <meta charset="UTF-8"/>\n'
        f'  <title>{title}</title>\n  <base href="{base}"/>\n</head>\n<body>\n'
        f'<div class="container">\n{"".join(blocks)}\n</div>\n</body>\n</html>\n'
    )
    return page.html(body)


def order_invoice(page: Page) -> Answer:
    """``sale/order.invoice``: one block per known order, in the order asked."""
    return _document(page, "Invoice", shipping=False)


def order_shipping(page: Page) -> Answer:
    """``sale/order.shipping``: the dispatch note (orders that ship)."""
    return _document(page, "Dispatch Note", shipping=True)


def order_handlers() -> dict[str, Callable[[Page], Answer]]:
    """Route -> handler of the order pages."""
    return {
        "sale/order": order_page,
        "sale/order.list": order_list,
        "sale/order.info": order_info,
        "sale/order.history": order_history,
        "sale/order.invoice": order_invoice,
        "sale/order.shipping": order_shipping,
    }
