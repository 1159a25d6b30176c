"""``addOrderHistory`` (spec section 5): the status change every history write goes through."""

from __future__ import annotations

from oc_connector.sandbox.state import ShopState

__all__ = ["add_order_history", "delete_order"]


def _status_list(state: ShopState, key: str) -> set[int]:
    return {int(s) for s in state.get_setting(key, [])}


def add_order_history(
    state: ShopState, *, order_id: int, status_id: int, comment: str = "", notify: bool = False
) -> bool:
    """Change an order's status and write a history row, with the side effects of section 5.

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
        old, customer_id = int(row[0]), int(row[1])
        processing = _status_list(state, "config_processing_status")
        complete = _status_list(state, "config_complete_status")
        db.execute("BEGIN")
        try:
            entering = (
                old not in processing
                and old not in complete
                and (status_id in processing or status_id in complete)
            )
            leaving = (
                (old in processing or old in complete)
                and status_id not in processing
                and status_id not in complete
            )
            if entering:
                _book_usage(state, order_id, customer_id, now)
            if leaving:
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
            # Vouchers sold in the order are usable only while it is in a complete status (5.3).
            db.execute(
                "UPDATE oc_voucher SET status = ? WHERE order_id = ?", (int(status_id in complete), order_id)
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return True


def _book_usage(state: ShopState, order_id: int, customer_id: int, now: str) -> None:
    """Book coupon, voucher and reward redemptions of the order (entering a processing status)."""
    db = state.db
    for code, title, value in db.execute(
        "SELECT code, title, value FROM oc_order_total WHERE order_id = ?", (order_id,)
    ).fetchall():
        label = title[title.find("(") + 1 : title.rfind(")")] if "(" in title else ""
        if code == "coupon" and label:
            coupon = db.execute("SELECT coupon_id FROM oc_coupon WHERE code = ?", (label,)).fetchone()
            if coupon:
                db.execute(
                    "INSERT INTO oc_coupon_history (coupon_id, order_id, customer_id, amount, date_added)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (coupon[0], order_id, customer_id, value, now),
                )
        elif code == "voucher" and label:
            voucher = db.execute("SELECT voucher_id FROM oc_voucher WHERE code = ?", (label,)).fetchone()
            if voucher:
                db.execute(
                    "INSERT INTO oc_voucher_history (voucher_id, order_id, amount, date_added) "
                    "VALUES (?, ?, ?, ?)",
                    (voucher[0], order_id, value, now),
                )
        elif code == "reward" and customer_id:
            points = int(label.split()[0]) if label else 0
            if points:
                db.execute(
                    "INSERT INTO oc_customer_reward (customer_id, order_id, description, points, "
                    "date_added) VALUES (?, ?, ?, ?, ?)",
                    (customer_id, order_id, f"Order ID: #{order_id}", -points, now),
                )


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
