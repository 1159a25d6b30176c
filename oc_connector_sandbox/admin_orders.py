"""The sandbox admin's order pages: ``sale/order`` list, ``sale/order/info`` and ``sale/order/invoice``.

Rendered from the sandbox's own ``oc_order``/``oc_order_product``/``oc_order_option``/
``oc_order_total``/``oc_order_voucher`` rows as OpenCart 3.0.5.0 renders them (spec 10.7):
amounts in the order's currency (stored value × stored ``currency_value``, rounded half-up),
product prices with tax (``config_tax`` on), ``Missing Orders`` for status 0, and the
list's filters, sorts and 20-row paging. Only what a client reads is reproduced.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from oc_connector_sandbox.admin_pages import _document, pagination_block, render_not_found

if TYPE_CHECKING:
    from oc_connector_sandbox.admin import AdminApp, AdminShopState, _Request

__all__ = ["fold", "money_text", "order_handlers"]

Answer = tuple[str, list[tuple[str, str]], str]
Handler = Callable[["_Request", str, bool], Answer]
LIMIT = 20
_SORTS = {
    "o.order_id": "o.order_id",
    "customer": "customer",
    "order_status": "order_status",
    "o.total": "CAST(o.total AS REAL)",
    "o.date_added": "o.date_added",
    "o.date_modified": "o.date_modified",
}
_FILTERS = (
    "order_id",
    "customer",
    "order_status_id",
    "order_status",
    "total",
    "date_added",
    "date_modified",
)


def fold(text: object) -> str:
    """Case- and accent-insensitive form (MariaDB's ``utf8mb4_unicode_ci`` for LIKE)."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def money_text(value: Decimal, rate: Decimal, left: str, right: str, places: int = 2) -> str:
    """The currency library's format: rounded half-up, ``,`` thousands, sign after a left symbol."""
    amount = (value * rate).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{left}{sign}{abs(amount):,.{places}f}{right}"


def _day(stamp: object) -> str:
    """``date('d/m/Y', strtotime($stamp))``: a zero date is the day before 0001-01-01 to PHP."""
    if str(stamp).startswith("0000-00-00"):
        return "30/11/-0001"
    return datetime.fromisoformat(str(stamp)).strftime("%d/%m/%Y")


def _rows(db: sqlite3.Connection, sql: str, args: Any = ()) -> list[sqlite3.Row]:
    cursor = db.cursor()
    cursor.row_factory = sqlite3.Row
    return list(cursor.execute(sql, args).fetchall())


class _Orders:
    def __init__(self, state: AdminShopState, app: AdminApp) -> None:
        self.state, self.app = state, app
        state.db.create_function("oc_fold", 1, fold, deterministic=True)

    def _currency(self, code: str) -> tuple[str, str]:
        row = self.state.db.execute(
            "SELECT symbol_left, symbol_right FROM oc_currency WHERE code = ?", (code,)
        ).fetchone()
        return (str(row[0]), str(row[1])) if row else ("", "")

    def _money(self, order: Any) -> Callable[[object], str]:
        left, right = self._currency(str(order["currency_code"]))
        rate = Decimal(str(order["currency_value"]))
        return lambda value: money_text(Decimal(str(value)), rate, left, right)

    # -- list ------------------------------------------------------------------------------

    def order_list(self, request: _Request, token: str, can_modify: bool) -> Answer:
        q = request.query
        where: list[str] = []
        args: list[object] = []
        if q.get("filter_order_status"):
            ids = [
                int(i)
                for i in q["filter_order_status"].split(",")
                if i.strip().lstrip("-").isdigit()
            ]
            where.append(
                "(" + " OR ".join("o.order_status_id = ?" for _ in ids) + ")" if ids else "0"
            )
            args += ids
        elif q.get("filter_order_status_id", "") != "":
            where.append("o.order_status_id = ?")
            args.append(int(float(q["filter_order_status_id"] or 0)))
        else:
            where.append("o.order_status_id > 0")
        if q.get("filter_order_id"):
            where.append("o.order_id = ?")
            args.append(int(float(q["filter_order_id"])))
        if q.get("filter_customer"):
            where.append("oc_fold(o.firstname || ' ' || o.lastname) LIKE ?")
            args.append(f"%{fold(q['filter_customer'])}%")
        for key in ("date_added", "date_modified"):
            if q.get(f"filter_{key}"):
                where.append(f"DATE(o.{key}) = DATE(?)")
                args.append(q[f"filter_{key}"])
        if q.get("filter_total"):
            where.append("CAST(o.total AS REAL) = ?")
            args.append(float(q["filter_total"]))
        sort = _SORTS.get(q.get("sort", ""), "o.order_id")
        direction = "ASC" if "order" in q and q["order"] != "DESC" else "DESC"
        page = max(int(q.get("page") or 1), 1)
        sql_where = " AND ".join(where)
        db = self.state.db
        total = int(
            db.execute(f"SELECT COUNT(*) FROM oc_order o WHERE {sql_where}", args).fetchone()[0]
        )
        rows = _rows(
            db,
            "SELECT o.*, o.firstname || ' ' || o.lastname AS customer, (SELECT os.name FROM oc_order_status os"  # noqa: E501
            " WHERE os.order_status_id = o.order_status_id AND os.language_id = 1) AS order_status"
            f" FROM oc_order o WHERE {sql_where} ORDER BY {sort} {direction}, o.order_id {direction}"
            " LIMIT ? OFFSET ?",
            [*args, LIMIT, (page - 1) * LIMIT],
        )
        keep = "".join(
            f"&amp;filter_{k}={q['filter_' + k]}"
            for k in _FILTERS
            if q.get(f"filter_{k}", "") != ""
        )
        base = self.app._url(request, "sale/order", token, keep)
        body = []
        for r in rows:
            money = self._money(r)
            view = self.app._url(
                request, "sale/order/info", token, f"&amp;order_id={r['order_id']}"
            )
            body.append(
                "<tr>\n"
                f'  <td class="text-center"><input type="checkbox" name="selected[]" value="{r["order_id"]}" />\n'  # noqa: E501
                f'    <input type="hidden" name="shipping_code[]" value="{r["shipping_code"]}" /></td>\n'
                f'  <td class="text-right">{r["order_id"]}</td>\n'
                f'  <td class="text-left">{r["customer"]}</td>\n'
                f'  <td class="text-left">{r["order_status"] or "Missing Orders"}</td>\n'
                f'  <td class="text-right">{money(r["total"])}</td>\n'
                f'  <td class="text-left">{_day(r["date_added"])}</td>\n'
                f'  <td class="text-left">{_day(r["date_modified"])}</td>\n'
                f'  <td class="text-right"><a href="{view}" title="View" class="btn btn-primary"></a>'
                f'<ul class="dropdown-menu"><li><a href="{r["order_id"]}">Delete</a></li></ul></td>\n'
                "</tr>"
            )
        if not body:
            body.append('<tr><td class="text-center" colspan="8">No results!</td></tr>')
        sorted_url = base + f"&amp;sort={q['sort']}" if "sort" in q else base
        sorted_url += f"&amp;order={q['order']}" if "order" in q else ""
        heads = ("Order ID", "Customer", "Status", "Total", "Date Added", "Date Modified", "Action")
        table = (
            '<form method="post" action="" enctype="multipart/form-data" id="form-order">\n'
            '<div class="table-responsive"><table class="table table-bordered table-hover">\n'
            "<thead><tr><td></td>" + "".join(f"<td>{h}</td>" for h in heads) + "</tr></thead>\n"
            "<tbody>\n" + "\n".join(body) + "\n</tbody></table></div></form>\n"
        )
        paging = pagination_block(url=sorted_url, page=page, total=total, limit=LIMIT)
        return self.app._html(
            _document("Orders", '<div class="container-fluid">\n' + table + paging + "</div>")
        )

    # -- shared parts ----------------------------------------------------------------------

    def _order(self, order_id: int) -> Any:
        found = _rows(self.state.db, "SELECT * FROM oc_order WHERE order_id = ?", (order_id,))
        return found[0] if found else None

    def _products(
        self, order: Any, money: Callable[[object], str], product_link: Callable[[int], str] | None
    ) -> str:
        db = self.state.db
        out = []
        for p in _rows(
            db,
            "SELECT * FROM oc_order_product WHERE order_id = ? ORDER BY order_product_id",
            (order["order_id"],),
        ):
            tax, qty = Decimal(str(p["tax"])), int(p["quantity"])
            name = p["name"]
            if product_link is not None:
                name = f'<a href="{product_link(int(p["product_id"]))}">{name}</a>'
            for o in _rows(
                db,
                "SELECT name, value FROM oc_order_option WHERE order_product_id = ? ORDER BY order_option_id",
                (p["order_product_id"],),
            ):
                name += f"\n<br/>\n&nbsp;<small> - {o['name']}: {o['value']}</small>"
            out.append(
                f'<tr><td>{name}\n</td><td>{p["model"]}</td><td class="text-right">{qty}</td>'
                f'<td class="text-right">{money(Decimal(str(p["price"])) + tax)}</td>'
                f'<td class="text-right">{money(Decimal(str(p["total"])) + tax * qty)}</td></tr>'
            )
        return "\n".join(out)

    def _vouchers(
        self, order: Any, money: Callable[[object], str], link: Callable[[int], str] | None
    ) -> str:
        out = []
        for v in _rows(
            self.state.db,
            "SELECT * FROM oc_order_voucher WHERE order_id = ? ORDER BY order_voucher_id",
            (order["order_id"],),
        ):
            text = v["description"]
            if link is not None:
                text = f'<a href="{link(int(v["voucher_id"]))}">{text}</a>'
            amount = money(v["amount"])
            out.append(
                f'<tr><td>{text}</td><td></td><td class="text-right">1</td>'
                f'<td class="text-right">{amount}</td><td class="text-right">{amount}</td></tr>'
            )
        return "\n".join(out)

    def _totals(self, order: Any, money: Callable[[object], str]) -> str:
        rows = _rows(
            self.state.db,
            "SELECT title, value FROM oc_order_total WHERE order_id = ? ORDER BY sort_order, order_total_id",
            (order["order_id"],),
        )
        return "\n".join(
            f'<tr><td colspan="4" class="text-right">{t["title"]}</td><td class="text-right">{money(t["value"])}</td></tr>'  # noqa: E501
            for t in rows
        )

    def _lines_table(
        self, order: Any, money: Callable[[object], str], request: _Request | None, token: str
    ) -> str:
        product_link: Callable[[int], str] | None = None
        voucher_link: Callable[[int], str] | None = None
        if request is not None:
            asked = request

            def product_link(i: int) -> str:
                return self.app._url(asked, "catalog/product/edit", token, f"&amp;product_id={i}")

            def voucher_link(i: int) -> str:
                return self.app._url(asked, "sale/voucher/edit", token, f"&amp;voucher_id={i}")

        heads = "".join(
            f"<td>{h}</td>" for h in ("Product", "Model", "Quantity", "Unit Price", "Total")
        )
        return (
            f'<table class="table table-bordered"><thead><tr>{heads}</tr></thead><tbody>\n'
            + self._products(order, money, product_link)
            + "\n"
            + self._vouchers(order, money, voucher_link)
            + "\n"
            + self._totals(order, money)
            + "\n</tbody></table>\n"
        )

    @staticmethod
    def _address(order: Any, kind: str) -> str:
        parts = [
            f"{order[kind + '_firstname']} {order[kind + '_lastname']}".strip(),
            *(order[f"{kind}_{c}"] for c in ("company", "address_1", "address_2")),
            f"{order[kind + '_city']} {order[kind + '_postcode']}".strip(),
            order[kind + "_zone"],
            order[kind + "_country"],
        ]
        return "<br />".join(p for p in parts if p)

    def _address_table(self, order: Any) -> str:
        shipping = bool(order["shipping_method"])
        head = "<td>Payment Address</td>" + ("<td>Shipping Address</td>" if shipping else "")
        cells = f"<td>{self._address(order, 'payment')}</td>"
        cells += f"<td>{self._address(order, 'shipping')}</td>" if shipping else ""
        return f'<table class="table table-bordered"><thead><tr>{head}</tr></thead><tbody><tr>{cells}</tr></tbody></table>\n'  # noqa: E501

    @staticmethod
    def _comment(order: Any) -> str:
        if not order["comment"]:
            return ""
        return (
            '<table class="table table-bordered"><thead><tr><td>Customer Comment</td></tr></thead>'
            f"<tbody><tr><td>{order['comment']}</td></tr></tbody></table>\n"
        )

    # -- info ------------------------------------------------------------------------------

    def order_info(self, request: _Request, token: str, can_modify: bool) -> Answer:
        raw = request.query.get("order_id", "")
        order = self._order(int(raw)) if raw.isdigit() else None
        if order is None:
            return self.app._html(render_not_found())
        db, money = self.state.db, self._money(order)

        def row(title: str, value: str) -> str:
            return f'<tr><td><button title="{title}" class="btn btn-info btn-xs"></button></td><td>{value}</td></tr>\n'  # noqa: E501

        details = row("Store", f'<a href="{order["store_url"]}">{order["store_name"]}</a>')
        details += row("Date Added", _day(order["date_added"])) + row(
            "Payment Method", order["payment_method"]
        )
        if order["shipping_method"]:
            details += row("Shipping Method", order["shipping_method"])
        customer = f"{order['firstname']} {order['lastname']}"
        if order["customer_id"]:
            link = self.app._url(
                request, "customer/customer/edit", token, f"&amp;customer_id={order['customer_id']}"
            )
            customer = f'<a href="{link}" target="_blank">{customer}</a>'
        group = db.execute(
            "SELECT name FROM oc_customer_group_description WHERE customer_group_id = ? AND language_id = 1",
            (order["customer_group_id"],),
        ).fetchone()
        people = row("Customer", customer) + row("Customer Group", group[0] if group else "")
        people += row("E-Mail", f'<a href="mailto:{order["email"]}">{order["email"]}</a>')
        people += row("Telephone", order["telephone"])
        reward = db.execute(
            "SELECT COALESCE(SUM(reward), 0) FROM oc_order_product WHERE order_id = ?",
            (order["order_id"],),
        ).fetchone()[0]
        invoice = f"{order['invoice_prefix']}{order['invoice_no']}" if order["invoice_no"] else ""
        options = (
            f'<tr><td>Invoice</td><td id="invoice" class="text-right">{invoice}</td></tr>\n'
            f'<tr><td>Reward Points</td><td class="text-right">{reward}</td></tr>\n'
            f'<tr><td>Affiliate</td><td class="text-right">{money(order["commission"])}</td></tr>\n'
        )
        picked = ' selected="selected"'
        statuses = "".join(
            f'<option value="{s[0]}"{picked if s[0] == order["order_status_id"] else ""}>{s[1]}</option>'
            for s in db.execute(
                "SELECT order_status_id, name FROM oc_order_status WHERE language_id = 1 ORDER BY name"
            ).fetchall()
        )

        def panel(title: str, content: str) -> str:
            return (
                f'<div class="panel panel-default"><div class="panel-heading"><h3 class="panel-title">{title}</h3>'  # noqa: E501
                f"</div>{content}</div>\n"
            )

        content = (
            panel("Order Details", f'<table class="table"><tbody>{details}</tbody></table>')
            + panel("Customer Details", f'<table class="table">{people}</table>')
            + panel("Options", f'<table class="table"><tbody>{options}</tbody></table>')
            + panel(
                f"Order (#{order['order_id']})",
                '<div class="panel-body">'
                + self._address_table(order)
                + self._lines_table(order, money, request, token)
                + self._comment(order)
                + "</div>",
            )
            + panel(
                "Order History",
                f'<select name="order_status_id" id="input-order-status">{statuses}</select>'
                '<textarea name="comment" id="input-comment"></textarea>',
            )
        )
        return self.app._html(
            _document("Orders", '<div class="container-fluid">\n' + content + "</div>")
        )

    # -- invoice ---------------------------------------------------------------------------

    def invoice(self, request: _Request, token: str, can_modify: bool) -> Answer:
        chosen = [v for k, v in request.form if k.startswith("selected[")]
        if not chosen:
            chosen = [request.query["order_id"]] if "order_id" in request.query else []
        blocks = []
        for raw in chosen:
            order = self._order(int(raw)) if raw.isdigit() else None
            if order is None:
                continue
            money = self._money(order)
            heading = (
                f"Invoice #{order['invoice_prefix']}{order['invoice_no']}"
                if order["invoice_no"]
                else f"Order (#{order['order_id']})"
            )
            shipping = (
                f"<b>Shipping Method</b> {order['shipping_method']}<br/>"
                if order["shipping_method"]
                else ""
            )
            details = (
                '<table class="table table-bordered"><thead><tr><td colspan="2">Order Details</td></tr></thead>'  # noqa: E501
                f"<tbody><tr><td><address><strong>{order['store_name']}</strong></address></td>"
                f"<td><b>Date Added</b> {_day(order['date_added'])}<br/><b>Order ID:</b> {order['order_id']}<br/>"  # noqa: E501
                f"<b>Payment Method</b> {order['payment_method']}<br/>{shipping}</td></tr></tbody></table>\n"
            )
            blocks.append(
                f'<div style="page-break-after: always;">\n<h1>{heading}</h1>\n'
                + details
                + self._address_table(order)
                + self._lines_table(order, money, None, token)
                + self._comment(order)
                + "</div>\n"
            )
        page = (
            '<!DOCTYPE html>\n<html dir="ltr" lang="en">\n<head>\n<meta charset="UTF-8" />\n<title>Invoice</title>\n'  # noqa: E501
            '</head>\n<body>\n<div class="container">\n'
            + "".join(blocks)
            + "</div>\n</body>\n</html>\n"
        )
        return self.app._html(page)


def order_handlers(state: AdminShopState, app: AdminApp) -> dict[tuple[str, str], Handler]:
    """Handlers of ``sale/order`` (list), ``sale/order/info`` and ``sale/order/invoice``."""
    orders = _Orders(state, app)
    return {
        ("sale/order", "index"): orders.order_list,
        ("sale/order", "info"): orders.order_info,
        ("sale/order", "invoice"): orders.invoice,
    }
