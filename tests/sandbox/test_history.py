"""addOrderHistory side effects (spec 5): status, history rows, usage booking, sold vouchers."""

from __future__ import annotations

from oc_connector.sandbox import Sandbox


def test_status_change_books_and_releases_usage() -> None:
    with Sandbox.start(orders=0) as sb:
        cid = sb.add_customer(firstname="Rita", lastname="Reward", reward_points=1000)
        sb.add_coupon(code="APITEST10")
        sb.add_voucher(code="GIFTADM50")
        now = sb.clock.now().strftime("%Y-%m-%d %H:%M:%S")
        [order_id] = sb.add_orders(1)
        sb.execute(
            "UPDATE oc_order SET order_status_id = 0, customer_id = ? WHERE order_id = ?", (cid, order_id)
        )
        for code, title, value in [
            ("coupon", "Coupon (APITEST10)", "-10.0000"),
            ("voucher", "Gift Certificate (GIFTADM50)", "-50.0000"),
            ("reward", "Reward Points (100)", "-1.0000"),
        ]:
            sb.execute(
                "INSERT INTO oc_order_total (order_id, code, title, value, sort_order) "
                "VALUES (?, ?, ?, ?, 1)",
                (order_id, code, title, value),
            )
        sold = sb.add_voucher(code="SOLD000001", order_id=order_id, status=0)
        sb.set_order_status(order_id, 2, comment="paid", notify=True)
        assert sb.query("SELECT order_status_id FROM oc_order WHERE order_id = ?", (order_id,)) == [
            {"order_status_id": 2}
        ]
        assert sb.query("SELECT amount FROM oc_coupon_history WHERE order_id = ?", (order_id,)) == [
            {"amount": "-10.0000"}
        ]
        assert sb.query("SELECT amount FROM oc_voucher_history WHERE order_id = ?", (order_id,)) == [
            {"amount": "-50.0000"}
        ]
        assert sb.query("SELECT points FROM oc_customer_reward WHERE order_id = ?", (order_id,)) == [
            {"points": -100}
        ]
        assert sb.query("SELECT status FROM oc_voucher WHERE voucher_id = ?", (sold,)) == [{"status": 0}]
        sb.set_order_status(order_id, 5)
        assert sb.query("SELECT status FROM oc_voucher WHERE voucher_id = ?", (sold,)) == [{"status": 1}]
        assert len(sb.query("SELECT * FROM oc_coupon_history WHERE order_id = ?", (order_id,))) == 1
        sb.set_order_status(order_id, 7)  # canceled: leaves processing/complete
        for table in ("oc_coupon_history", "oc_voucher_history"):
            assert sb.query(f"SELECT * FROM {table} WHERE order_id = ?", (order_id,)) == []  # noqa: S608
        assert sb.query("SELECT points FROM oc_customer_reward WHERE order_id = ?", (order_id,)) == []
        assert sb.query("SELECT status FROM oc_voucher WHERE voucher_id = ?", (sold,)) == [{"status": 0}]
        history = sb.query(
            "SELECT order_status_id, notify, comment FROM oc_order_history "
            "WHERE order_id = ? AND date_added >= ? ORDER BY order_history_id",
            (order_id, now),
        )
        assert [(h["order_status_id"], h["notify"], h["comment"]) for h in history][-3:] == [
            (2, 1, "paid"),
            (5, 0, ""),
            (7, 0, ""),
        ]
