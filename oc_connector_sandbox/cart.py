"""The API cart over ``oc_cart`` rows (spec 4.2-4.5), like ``system/library/cart/cart.php``.

Rows are keyed by (``api_id``, ``customer_id`` = the session's logged-in customer, ``session_id`` = the
token). Reading the cart drops lines of unavailable products and lines with quantity <= 0, and API rows
older than one hour are purged on every read. Prices are floats in the default currency, tax excluded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from oc_connector_sandbox.forms import loads_option, option_json
from oc_connector_sandbox.totals import CartLine

if TYPE_CHECKING:
    from oc_connector_sandbox.app import CatalogApp

__all__ = [
    "CartLine",
    "add_item",
    "available_product",
    "cart_lines",
    "clear_cart",
    "customer_group_id",
    "has_stock",
    "needs_shipping",
    "points_total",
    "remove_item",
    "update_item",
]

_VALUE_TYPES = ("select", "radio", "image")


def _customer_id(session: dict[str, Any]) -> int:
    try:
        return int(session.get("customer_id") or 0)
    except (TypeError, ValueError):
        return 0


def _key(session: dict[str, Any], token: str) -> tuple[int, int, str]:
    return int(session.get("api_id") or 0), _customer_id(session), token


def customer_group_id(app: CatalogApp, session: dict[str, Any]) -> int:
    """The price group: the session customer's group, else ``config_customer_group_id``."""
    group = (
        (session.get("customer") or {}).get("customer_group_id")
        if isinstance(session.get("customer"), dict)
        else None
    )
    try:
        return int(group or app.state.get_setting("config_customer_group_id", 1))
    except (TypeError, ValueError):
        return int(app.state.get_setting("config_customer_group_id", 1))


def purge_expired(app: CatalogApp) -> None:
    """Delete API cart rows added more than one hour ago (runs on every cart read)."""
    cutoff = (app.state.clock.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    app.state.execute("DELETE FROM oc_cart WHERE api_id > 0 AND date_added < ?", (cutoff,))


def available_product(app: CatalogApp, product_id: int) -> dict[str, Any] | None:
    """The product as the storefront sees it: enabled, available now, in store 0, described."""
    rows = app.state.query(
        "SELECT p.*, d.name FROM oc_product p JOIN oc_product_description d ON d.product_id = p.product_id "
        "AND d.language_id = 1 JOIN oc_product_to_store s ON s.product_id = p.product_id AND s.store_id = 0 "
        "WHERE p.product_id = ? AND p.status = 1 AND p.date_available <= ?",
        (product_id, app.state.clock.stamp()),
    )
    return rows[0] if rows else None


def product_options(app: CatalogApp, product_id: int) -> list[dict[str, Any]]:
    """The product's options (id, name, type, required) in option sort order."""
    return app.state.query(
        "SELECT po.product_option_id, po.required, o.type, od.name FROM oc_product_option po "
        "JOIN oc_option o ON o.option_id = po.option_id LEFT JOIN oc_option_description od "
        "ON od.option_id = o.option_id AND od.language_id = 1 WHERE po.product_id = ? ORDER BY o.sort_order",
        (product_id,),
    )


def add_item(
    app: CatalogApp,
    session: dict[str, Any],
    token: str,
    product_id: int,
    quantity: int,
    option: Any,
    *,
    override_price: float | None = None,
) -> None:
    """``cart->add``: merge into the row with the same product and option JSON, else insert.

    ``override_price`` (4.0 only, see ``v40.schema``) makes a new row keep that unit price.
    """
    api_id, customer_id, sid = _key(session, token)
    encoded = option_json(option)
    st = app.state
    with st.lock:
        row = st.db.execute(
            "SELECT cart_id FROM oc_cart WHERE api_id = ? AND customer_id = ? AND session_id = ? "
            "AND product_id = ? AND recurring_id = 0 AND option = ?",
            (api_id, customer_id, sid, product_id, encoded),
        ).fetchone()
        if row is None and override_price is not None:
            st.db.execute(
                "INSERT INTO oc_cart (api_id, customer_id, session_id, product_id, recurring_id, option, "
                "quantity, date_added, override, price) VALUES (?, ?, ?, ?, 0, ?, ?, ?, 1, ?)",
                (api_id, customer_id, sid, product_id, encoded, quantity, st.clock.stamp(), override_price),
            )
        elif row is None:
            st.db.execute(
                "INSERT INTO oc_cart (api_id, customer_id, session_id, product_id, recurring_id, option, "
                "quantity, date_added) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                (api_id, customer_id, sid, product_id, encoded, quantity, st.clock.stamp()),
            )
        else:
            st.db.execute("UPDATE oc_cart SET quantity = quantity + ? WHERE cart_id = ?", (quantity, row[0]))


def update_item(app: CatalogApp, session: dict[str, Any], token: str, cart_id: int, quantity: int) -> None:
    """``cart->update``: set a row's quantity (only rows of this session)."""
    app.state.execute(
        "UPDATE oc_cart SET quantity = ? WHERE cart_id = ? AND api_id = ? AND customer_id = ? "
        "AND session_id = ?",
        (quantity, cart_id, *_key(session, token)),
    )


def remove_item(app: CatalogApp, session: dict[str, Any], token: str, cart_id: int) -> None:
    """``cart->remove``: delete one row of this session."""
    app.state.execute(
        "DELETE FROM oc_cart WHERE cart_id = ? AND api_id = ? AND customer_id = ? AND session_id = ?",
        (cart_id, *_key(session, token)),
    )


def clear_cart(app: CatalogApp, session: dict[str, Any], token: str) -> None:
    """``cart->clear``: delete every row of this session (api, customer, token)."""
    app.state.execute(
        "DELETE FROM oc_cart WHERE api_id = ? AND customer_id = ? AND session_id = ?", _key(session, token)
    )


def _line_options(
    app: CatalogApp, product_id: int, quantity: int, chosen: Any
) -> tuple[list[dict[str, Any]], float, int, bool]:
    """Option entries, summed option price and points, and whether the option stock suffices."""
    st = app.state
    options: list[dict[str, Any]] = []
    price, points, stock = 0.0, 0, True
    items = chosen.items() if isinstance(chosen, dict) else []
    for po_id, value in items:
        po = st.query(
            "SELECT po.product_option_id, o.type, od.name FROM oc_product_option po "
            "JOIN oc_option o ON o.option_id = po.option_id LEFT JOIN oc_option_description od "
            "ON od.option_id = o.option_id AND od.language_id = 1 "
            "WHERE po.product_option_id = ? AND po.product_id = ?",
            (po_id, product_id),
        )
        if not po:
            continue
        otype = po[0]["type"]
        if otype in _VALUE_TYPES or otype == "checkbox":
            if otype == "checkbox":
                values = (
                    list(value.values())
                    if isinstance(value, dict)
                    else value
                    if isinstance(value, list)
                    else []
                )
            else:
                values = [value]
            for v in values:
                pov = st.query(
                    "SELECT pov.*, ovd.name FROM oc_product_option_value pov LEFT JOIN "
                    "oc_option_value_description ovd ON ovd.option_value_id = pov.option_value_id "
                    "AND ovd.language_id = 1 WHERE pov.product_option_value_id = ? "
                    "AND pov.product_option_id = ?",
                    (str(v), po_id),
                )
                if not pov:
                    continue
                ov = pov[0]
                price += (-1 if ov["price_prefix"] == "-" else 1) * float(ov["price"])
                points += (-1 if ov["points_prefix"] == "-" else 1) * int(ov["points"])
                if int(ov["subtract"]) and (not int(ov["quantity"]) or int(ov["quantity"]) < quantity):
                    stock = False
                options.append(
                    {
                        "product_option_id": str(po_id),
                        "product_option_value_id": str(v),
                        "name": po[0]["name"] or "",
                        "value": ov["name"] or "",
                        "type": otype,
                    }
                )
        else:
            options.append(
                {
                    "product_option_id": str(po_id),
                    "product_option_value_id": "",
                    "name": po[0]["name"] or "",
                    "value": value if isinstance(value, str) else str(value),
                    "type": otype,
                }
            )
    return options, price, points, stock


def _has_table(app: CatalogApp, name: str) -> bool:
    return bool(app.state.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))


def _base_price(app: CatalogApp, product: dict[str, Any], group: int, product_quantity: int) -> float:
    """The unit price before options: quantity discount for the summed cart quantity, then a special."""
    price = float(product["price"])
    now = app.state.clock.stamp()
    dated = "(date_start = '0000-00-00' OR date_start < ?) AND (date_end = '0000-00-00' OR date_end > ?)"
    if _has_table(app, "oc_product_discount"):
        rows = app.state.query(
            "SELECT price FROM oc_product_discount WHERE product_id = ? AND customer_group_id = ? "
            f"AND quantity <= ? AND {dated} "
            "ORDER BY quantity DESC, priority ASC, CAST(price AS REAL) ASC LIMIT 1",
            (product["product_id"], group, product_quantity, now, now),
        )
        if rows:
            price = float(rows[0]["price"])
    if _has_table(app, "oc_product_special"):
        rows = app.state.query(
            "SELECT price FROM oc_product_special WHERE product_id = ? AND customer_group_id = ? "
            f"AND {dated} ORDER BY priority ASC, CAST(price AS REAL) ASC LIMIT 1",
            (product["product_id"], group, now, now),
        )
        if rows:
            price = float(rows[0]["price"])
    return price


def cart_lines(app: CatalogApp, session: dict[str, Any], token: str | None) -> list[CartLine]:
    """``cart->getProducts``: the session's lines; unavailable or quantity <= 0 rows are deleted."""
    if not token or "api_id" not in session:
        return []
    purge_expired(app)
    st = app.state
    rows = st.query(
        "SELECT * FROM oc_cart WHERE api_id = ? AND customer_id = ? AND session_id = ? ORDER BY cart_id",
        _key(session, token),
    )
    group = customer_group_id(app, session)
    lines: list[CartLine] = []
    for r in rows:
        qty = int(r["quantity"])
        product = available_product(app, int(r["product_id"]))
        if product is None or qty <= 0:
            st.execute("DELETE FROM oc_cart WHERE cart_id = ?", (r["cart_id"],))
            continue
        options, opt_price, opt_points, stock = _line_options(
            app, int(r["product_id"]), qty, loads_option(r["option"])
        )
        if not int(product["quantity"]) or int(product["quantity"]) < qty:
            stock = False
        reward_rows = st.query(
            "SELECT points FROM oc_product_reward WHERE product_id = ? AND customer_group_id = ?",
            (r["product_id"], group),
        )
        reward = int(reward_rows[0]["points"]) if reward_rows else 0
        if r.get("override"):  # 4.0 only (v40.schema): an order line put back by order.load
            price = float(r["price"])
        else:
            same = sum(int(x["quantity"]) for x in rows if x["product_id"] == r["product_id"])
            price = _base_price(app, product, group, same)
        price += opt_price
        lines.append(
            CartLine(
                cart_id=int(r["cart_id"]),
                product_id=int(r["product_id"]),
                name=product["name"] or "",
                model=product["model"],
                shipping=int(product["shipping"]),
                quantity=qty,
                price=price,
                total=price * qty,
                tax_class_id=int(product["tax_class_id"]),
                reward=reward * qty,
                points=(int(product["points"]) + opt_points) * qty,
                minimum=int(product["minimum"]),
                stock=stock,
                option=options,
            )
        )
    return lines


def needs_shipping(lines: list[CartLine]) -> bool:
    """``cart->hasShipping``."""
    return any(line.shipping for line in lines)


def has_stock(lines: list[CartLine]) -> bool:
    """``cart->hasStock``."""
    return all(line.stock for line in lines)


def points_total(lines: list[CartLine]) -> int:
    """Points needed to buy the cart with points (the reward routes' maximum)."""
    return sum(line.points for line in lines if line.points)
