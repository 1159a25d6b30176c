"""The sandbox admin's ``catalog/product`` and ``customer/customer`` lists (spec 10.7).

Rendered from the sandbox's ``oc_product``/``oc_product_description``/``oc_product_special`` and
``oc_customer``/``oc_customer_group_description`` rows as OpenCart 3.0.5.0's ``getList`` renders
them: prices in the default currency (a special active now struck through and followed by the
special), quantities labelled by level, ``Enabled``/``Disabled``, dates ``d/m/Y``, the list's
filters and sorts (ties broken by id), and 20-row paging. Only what a client reads is reproduced.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from oc_connector_sandbox.admin_orders import LIMIT, Answer, Handler, _day, _rows, fold, money_text
from oc_connector_sandbox.admin_pages import _document, pagination_block

if TYPE_CHECKING:
    from oc_connector_sandbox.admin import AdminApp, AdminShopState, _Request

__all__ = ["catalog_handlers"]

# text columns sort as MariaDB's utf8mb4_unicode_ci does: case- and accent-insensitive
_PRODUCT_SORTS = {
    "pd.name": "oc_fold(pd.name)",
    "p.model": "oc_fold(p.model)",
    "p.price": "CAST(p.price AS REAL)",
    "p.quantity": "p.quantity",
    "p.status": "p.status",
}
_CUSTOMER_SORTS = {
    "name": "oc_fold(c.firstname || ' ' || c.lastname)",
    "c.email": "oc_fold(c.email)",
    "customer_group": "oc_fold(cgd.name)",
    "c.status": "c.status",
    "c.ip": "c.ip",
    "c.date_added": "c.date_added",
}


def _has_table(db: Any, name: str) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        is not None
    )


def _quantity_label(quantity: int) -> str:
    level = "warning" if quantity <= 0 else "danger" if quantity <= 5 else "success"
    return f'<span class="label label-{level}">{quantity}</span>'


class _Catalog:
    def __init__(self, state: AdminShopState, app: AdminApp) -> None:
        self.state, self.app = state, app
        state.db.create_function("oc_fold", 1, fold, deterministic=True)

    def _default_money(self) -> Any:
        code = str(getattr(self.state, "settings", {}).get("config_currency", "USD"))
        row = self.state.db.execute(
            "SELECT symbol_left, symbol_right, value FROM oc_currency WHERE code = ?", (code,)
        ).fetchone()
        left, right = (str(row[0]), str(row[1])) if row else ("$", "")
        return lambda value: money_text(Decimal(str(value)), Decimal(1), left, right)

    def _special(self, product_id: int) -> Any:
        db = self.state.db
        if not _has_table(db, "oc_product_special"):
            return None
        today = self.state.clock().strftime("%Y-%m-%d")
        for price, start, end in db.execute(
            "SELECT price, date_start, date_end FROM oc_product_special WHERE product_id = ?"
            " ORDER BY priority, CAST(price AS REAL)",
            (product_id,),
        ).fetchall():
            started = start in ("", "0000-00-00") or str(start) < today
            running = end in ("", "0000-00-00") or str(end) > today
            if started and running:
                return price
        return None

    def product_list(self, request: _Request, token: str, can_modify: bool) -> Answer:
        q = request.query
        where: list[str] = ["pd.language_id = 1"]
        args: list[object] = []
        for key, column in (("name", "pd.name"), ("model", "p.model"), ("price", "p.price")):
            if q.get(f"filter_{key}"):
                where.append(f"oc_fold({column}) LIKE ?")
                args.append(fold(q[f"filter_{key}"]) + "%")
        for key in ("quantity", "status"):
            if q.get(f"filter_{key}", "") != "":
                where.append(f"p.{key} = ?")
                args.append(int(float(q[f"filter_{key}"])))
        sort = _PRODUCT_SORTS.get(q.get("sort", ""), "oc_fold(pd.name)")
        direction = "DESC" if q.get("order") == "DESC" else "ASC"
        page = max(int(q.get("page") or 1), 1)
        sql_where = " AND ".join(where)
        base_sql = (
            "FROM oc_product p LEFT JOIN oc_product_description pd ON p.product_id = pd.product_id"
            f" WHERE {sql_where}"
        )
        db = self.state.db
        total = int(db.execute(f"SELECT COUNT(DISTINCT p.product_id) {base_sql}", args).fetchone()[0])
        rows = _rows(
            db,
            f"SELECT p.product_id, pd.name, p.model, p.price, p.quantity, p.status {base_sql}"
            f" GROUP BY p.product_id ORDER BY {sort} {direction}, p.product_id {direction} LIMIT ? OFFSET ?",
            [*args, LIMIT, (page - 1) * LIMIT],
        )
        money = self._default_money()
        edit = self.app._url(request, "catalog/product/edit", token)
        body = []
        for r in rows:
            special = self._special(int(r["product_id"]))
            if special is not None:
                price = (
                    f'<span style="text-decoration: line-through;">{money(r["price"])}</span><br/>\n'
                    f'<div class="text-danger">{money(special)}</div>\n'
                )
            else:
                price = f"{money(r['price'])}\n"
            body.append(
                "<tr>\n"
                f'<td class="text-center"><input type="checkbox" name="selected[]" value="{r["product_id"]}" />\n</td>\n'  # noqa: E501
                f'<td class="text-center"> <img src="" alt="{r["name"]}" class="img-thumbnail" /> </td>\n'
                f'<td class="text-left">{r["name"]}</td>\n'
                f'<td class="text-left">{r["model"]}</td>\n'
                f'<td class="text-right"> {price}</td>\n'
                f'<td class="text-right"> {_quantity_label(int(r["quantity"]))} </td>\n'
                f'<td class="text-left">{"Enabled" if int(r["status"]) else "Disabled"}</td>\n'
                f'<td class="text-right"><a href="{edit}&amp;product_id={r["product_id"]}" title="Edit"'
                ' class="btn btn-primary"><i class="fa fa-pencil"></i></a></td>\n'
                "</tr>"
            )
        heads = ("Image", "Product Name", "Model", "Price", "Quantity", "Status", "Action")
        return self._page(
            "Products", "form-product", "catalog/product", heads, body, request, token, page, total
        )

    def customer_list(self, request: _Request, token: str, can_modify: bool) -> Answer:
        q = request.query
        where: list[str] = ["cgd.language_id = 1"]
        args: list[object] = []
        if q.get("filter_name"):
            where.append("oc_fold(c.firstname || ' ' || c.lastname) LIKE ?")
            args.append(f"%{fold(q['filter_name'])}%")
        if q.get("filter_email"):
            where.append("oc_fold(c.email) LIKE ?")
            args.append(fold(q["filter_email"]) + "%")
        for key in ("customer_group_id", "status"):
            if q.get(f"filter_{key}", "") != "":
                where.append(f"c.{key} = ?")
                args.append(int(float(q[f"filter_{key}"])))
        if q.get("filter_ip"):
            where.append("c.ip = ?")
            args.append(q["filter_ip"])
        if q.get("filter_date_added"):
            where.append("DATE(c.date_added) = DATE(?)")
            args.append(q["filter_date_added"])
        sort = _CUSTOMER_SORTS.get(q.get("sort", ""), "oc_fold(c.firstname || ' ' || c.lastname)")
        direction = "DESC" if q.get("order") == "DESC" else "ASC"
        page = max(int(q.get("page") or 1), 1)
        base_sql = (
            "FROM oc_customer c LEFT JOIN oc_customer_group_description cgd"
            f" ON c.customer_group_id = cgd.customer_group_id WHERE {' AND '.join(where)}"
        )
        db = self.state.db
        total = int(db.execute(f"SELECT COUNT(*) {base_sql}", args).fetchone()[0])
        rows = _rows(
            db,
            "SELECT c.customer_id, c.firstname || ' ' || c.lastname AS name, c.email, cgd.name AS customer_group,"  # noqa: E501
            f" c.status, c.ip, c.date_added {base_sql}"
            f" ORDER BY {sort} {direction}, c.customer_id {direction} LIMIT ? OFFSET ?",
            [*args, LIMIT, (page - 1) * LIMIT],
        )
        edit = self.app._url(request, "customer/customer/edit", token)
        body = []
        for r in rows:
            body.append(
                "<tr>\n"
                f'<td class="text-center"><input type="checkbox" name="selected[]" value="{r["customer_id"]}" />\n</td>\n'  # noqa: E501
                f'<td class="text-left">{r["name"]}</td>\n'
                f'<td class="text-left">{r["email"]}</td>\n'
                f'<td class="text-left">{r["customer_group"]}</td>\n'
                f'<td class="text-left">{"Enabled" if int(r["status"]) else "Disabled"}</td>\n'
                f'<td class="text-left">{r["ip"]}</td>\n'
                f'<td class="text-left">{_day(r["date_added"])}</td>\n'
                f'<td class="text-right"><div class="btn-group"><a href="{edit}&amp;customer_id={r["customer_id"]}"'  # noqa: E501
                ' title="Edit" class="btn btn-primary"><i class="fa fa-pencil"></i></a></div></td>\n'
                "</tr>"
            )
        heads = ("Customer Name", "E-Mail", "Customer Group", "Status", "IP", "Date Added", "Action")
        return self._page(
            "Customers", "form-customer", "customer/customer", heads, body, request, token, page, total
        )

    def _page(
        self,
        title: str,
        form_id: str,
        route: str,
        heads: tuple[str, ...],
        body: list[str],
        request: _Request,
        token: str,
        page: int,
        total: int,
    ) -> Answer:
        q = request.query
        if not body:
            body = ['<tr><td class="text-center" colspan="8">No results!</td></tr>']
        keep = "".join(f"&amp;{k}={v}" for k, v in q.items() if k.startswith("filter_") and v != "")
        keep += "".join(f"&amp;{k}={q[k]}" for k in ("sort", "order") if k in q)
        table = (
            f'<form action="" method="post" enctype="multipart/form-data" id="{form_id}">\n'
            '<div class="table-responsive"><table class="table table-bordered table-hover">\n'
            '<thead><tr><td style="width: 1px;" class="text-center"></td>'
            + "".join(f"<td>{h}</td>" for h in heads)
            + "</tr></thead>\n<tbody>\n"
            + "\n".join(body)
            + "\n</tbody></table></div></form>\n"
        )
        paging = pagination_block(
            url=self.app._url(request, route, token, keep), page=page, total=total, limit=LIMIT
        )
        return self.app._html(_document(title, '<div class="container-fluid">\n' + table + paging + "</div>"))


def catalog_handlers(state: AdminShopState, app: AdminApp) -> dict[tuple[str, str], Handler]:
    """Handlers of the ``catalog/product`` and ``customer/customer`` lists."""
    catalog = _Catalog(state, app)
    return {
        ("catalog/product", "index"): catalog.product_list,
        ("customer/customer", "index"): catalog.customer_list,
    }
