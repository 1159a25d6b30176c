"""``addOrderHistory`` (spec section 5): the status change every history write goes through."""

from __future__ import annotations

from typing import Any

from oc_connector_sandbox.state import ShopState

__all__ = ["add_order_history", "delete_order"]


def _status_list(state: ShopState, key: str) -> set[int]:
    return {int(s) for s in state.get_setting(key, [])}


def _as_int(value: Any) -> int:
    """MySQL's loose cast of a stored value to an integer (``'5abc'`` -> 5, ``'x'`` -> 0)."""
    text = str(value if value is not None else "").strip()
    digits = ""
    for i, ch in enumerate(text):
        if ch.isdigit() or (i == 0 and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


def add_order_history(
    state: ShopState, *, order_id: int, status_id: int, comment: str = "", notify: bool = False
) -> bool:
    """Change an order's status and write a history row, with the side effects of section 5.

    Entering the processing/complete set P books coupon/voucher/reward usage and subtracts stock;
    leaving P releases the usage and restocks. A failed confirmation switches the new status to
    ``config_fraud_status_id`` when that setting is set. Sold vouchers are not touched: their
    validity follows the order's current status (5.3).

    Returns:
        False if the order does not exist.
    """
    db = state.db
    now = state.clock.stamp()
    with state.lock:
        row = db.execute(
            "SELECT order_status_id, customer_id FROM oc_order WHERE order_id = ?", (order_id,)
        ).fetchone()
        if row is None:
            return False
        old, customer_id = _as_int(row[0]), _as_int(row[1])
        real = _status_list(state, "config_processing_status") | _status_list(state, "config_complete_status")
        db.execute("BEGIN")
        try:
            entering = old not in real and status_id in real
            leaving = old in real and status_id not in real
            if entering:
                if not _book_usage(state, order_id, customer_id, now):
                    fraud = _as_int(state.get_setting("config_fraud_status_id", 0))
                    if fraud:
                        status_id = fraud
                _move_stock(state, order_id, -1)
            if leaving:
                _move_stock(state, order_id, 1)
                for table in ("oc_coupon_history", "oc_voucher_history", "oc_customer_transaction"):
                    db.execute(f"DELETE FROM {table} WHERE order_id = ?", (order_id,))
                db.execute("DELETE FROM oc_customer_reward WHERE order_id = ? AND points < 0", (order_id,))
            db.execute(
                "UPDATE oc_order SET order_status_id = ?, date_modified = ? WHERE order_id = ?",
                (status_id, now, order_id),
            )
            db.execute(
                "INSERT INTO oc_order_history (order_id, order_status_id, notify, comment, date_added) "
                "VALUES (?, ?, ?, ?, ?)",
                (order_id, status_id, int(notify), comment, now),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return True


def _move_stock(state: ShopState, order_id: int, sign: int) -> None:
    """Subtract (``sign=-1``) or restock (``sign=1``) the order's products and chosen option values.

    Only rows with ``subtract = 1`` move, like the shop's ``addOrderHistory``.
    """
    db = state.db
    for order_product_id, product_id, quantity in db.execute(
        "SELECT order_product_id, product_id, quantity FROM oc_order_product WHERE order_id = ?", (order_id,)
    ).fetchall():
        qty = sign * _as_int(quantity)
        db.execute(
            "UPDATE oc_product SET quantity = quantity + ? WHERE product_id = ? AND subtract = 1",
            (qty, product_id),
        )
        for (value_id,) in db.execute(
            "SELECT product_option_value_id FROM oc_order_option WHERE order_id = ? AND order_product_id = ?",
            (order_id, order_product_id),
        ).fetchall():
            db.execute(
                "UPDATE oc_product_option_value SET quantity = quantity + ? "
                "WHERE product_option_value_id = ? AND subtract = 1",
                (qty, value_id),
            )


def _label(title: str) -> str:
    """The code/points between the first ``(`` and the last ``)`` of a total's title."""
    start, end = title.find("("), title.rfind(")")
    return title[start + 1 : end] if start >= 0 and end > start else ""


def _book_usage(state: ShopState, order_id: int, customer_id: int, now: str) -> bool:
    """Confirm coupon, voucher and reward redemptions of the order (entering a processing status).

    Returns:
        False if one of them is no longer valid (nothing is booked for that one).
    """
    db = state.db
    ok = True
    for code, title, value in db.execute(
        "SELECT code, title, value FROM oc_order_total WHERE order_id = ? "
        "ORDER BY sort_order, order_total_id",
        (order_id,),
    ).fetchall():
        label = _label(str(title))
        if not label:
            continue
        if code == "coupon":
            coupon_id = _coupon_usable(state, label, customer_id)
            if coupon_id is None:
                ok = False
                continue
            db.execute(
                "INSERT INTO oc_coupon_history (coupon_id, order_id, customer_id, amount, date_added)"
                " VALUES (?, ?, ?, ?, ?)",
                (coupon_id, order_id, customer_id, value, now),
            )
        elif code == "voucher":
            voucher_id = _voucher_usable(state, label)
            if voucher_id is None:
                ok = False
                continue
            db.execute(
                "INSERT INTO oc_voucher_history (voucher_id, order_id, amount, date_added) "
                "VALUES (?, ?, ?, ?)",
                (voucher_id, order_id, value, now),
            )
        elif code == "reward":
            points = _as_int(label.split()[0])
            balance = db.execute(
                "SELECT COALESCE(SUM(points), 0) FROM oc_customer_reward WHERE customer_id = ?",
                (customer_id,),
            ).fetchone()[0]
            if int(balance) < points:
                ok = False
                continue
            db.execute(
                "INSERT INTO oc_customer_reward (customer_id, order_id, description, points, "
                "date_added) VALUES (?, ?, ?, ?, ?)",
                (customer_id, order_id, f"Order ID: #{order_id}", -points, now),
            )
    return ok


def _coupon_usable(state: ShopState, code: str, customer_id: int) -> int | None:
    """The coupon's id if it is enabled and below its total and per-customer usage limits."""
    db = state.db
    row = db.execute(
        "SELECT coupon_id, uses_total, uses_customer FROM oc_coupon "
        "WHERE lower(code) = lower(?) AND status = 1",
        (code,),
    ).fetchone()
    if row is None:
        return None
    coupon_id, uses_total, uses_customer = int(row[0]), _as_int(row[1]), _as_int(row[2])
    used_sql = "SELECT COUNT(*) FROM oc_coupon_history WHERE coupon_id = ?"
    used = db.execute(used_sql, (coupon_id,)).fetchone()[0]
    if uses_total > 0 and int(used) >= uses_total:
        return None
    if customer_id and uses_customer > 0:
        mine = db.execute(
            "SELECT COUNT(*) FROM oc_coupon_history WHERE coupon_id = ? AND customer_id = ?",
            (coupon_id, customer_id),
        ).fetchone()[0]
        if int(mine) >= uses_customer:
            return None
    return coupon_id


def _voucher_usable(state: ShopState, code: str) -> int | None:
    """The voucher's id if it is redeemable now (spec 5.3, 6.2): enabled, order complete, balance left."""
    db = state.db
    row = db.execute(
        "SELECT v.voucher_id, v.order_id, v.amount FROM oc_voucher v JOIN oc_voucher_theme_description t "
        "ON t.voucher_theme_id = v.voucher_theme_id AND t.language_id = 1 "
        "WHERE lower(v.code) = lower(?) AND v.status = 1",
        (code,),
    ).fetchone()
    if row is None:
        return None
    voucher_id, sold_in = int(row[0]), _as_int(row[1])
    if sold_in:
        linked = db.execute(
            "SELECT o.order_status_id FROM oc_order o JOIN oc_order_voucher ov ON ov.order_id = o.order_id "
            "WHERE o.order_id = ? AND ov.voucher_id = ?",
            (sold_in, voucher_id),
        ).fetchone()
        if linked is None or _as_int(linked[0]) not in _status_list(state, "config_complete_status"):
            return None
    used = db.execute(
        "SELECT COALESCE(SUM(amount), 0) FROM oc_voucher_history WHERE voucher_id = ?", (voucher_id,)
    ).fetchone()[0]
    return voucher_id if float(row[2]) + float(used) > 0 else None


def delete_order(state: ShopState, order_id: int) -> bool:
    """``api/order/delete``: unconfirm (status 0), then delete the order and what hangs off it (4.10).

    The order's gift vouchers are kept with ``status = 0``. Returns False if the order does not exist.
    """
    if not add_order_history(state, order_id=order_id, status_id=0):
        return False
    with state.lock:
        for table in (
            "oc_order",
            "oc_order_history",
            "oc_order_product",
            "oc_order_option",
            "oc_order_total",
            "oc_order_voucher",
            "oc_customer_transaction",
        ):
            state.db.execute(f"DELETE FROM {table} WHERE order_id = ?", (order_id,))
        state.db.execute("UPDATE oc_voucher SET status = 0 WHERE order_id = ?", (order_id,))
    return True
