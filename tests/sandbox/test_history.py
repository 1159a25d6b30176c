"""addOrderHistory side effects (spec 5): status, history rows, usage booking, fraud status."""

from __future__ import annotations

import pytest

from oc_connector_sandbox import Sandbox


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
        sold = sb.add_voucher(code="SOLD000001", order_id=order_id)
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
        sb.set_order_status(order_id, 5)
        assert len(sb.query("SELECT * FROM oc_coupon_history WHERE order_id = ?", (order_id,))) == 1
        sb.set_order_status(order_id, 7)  # canceled: leaves processing/complete
        for table in ("oc_coupon_history", "oc_voucher_history"):
            assert sb.query(f"SELECT * FROM {table} WHERE order_id = ?", (order_id,)) == []  # noqa: S608
        assert sb.query("SELECT points FROM oc_customer_reward WHERE order_id = ?", (order_id,)) == []
        # Status changes never touch the sold voucher: its validity follows the order status (5.3).
        assert sb.query("SELECT status FROM oc_voucher WHERE voucher_id = ?", (sold,)) == [{"status": 1}]
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


def _order_with_totals(sb: Sandbox, customer_id: int, totals: list[tuple[str, str, str]]) -> int:
    """An order outside the processing statuses (status 0) carrying the given order-total lines."""
    [order_id] = sb.add_orders(1)
    sb.execute(
        "UPDATE oc_order SET order_status_id = 0, customer_id = ? WHERE order_id = ?", (customer_id, order_id)
    )
    sb.execute("DELETE FROM oc_order_total WHERE order_id = ?", (order_id,))
    for code, title, value in totals:
        sb.execute(
            "INSERT INTO oc_order_total (order_id, code, title, value, sort_order) VALUES (?, ?, ?, ?, 1)",
            (order_id, code, title, value),
        )
    return order_id


def _status(sb: Sandbox, order_id: int) -> int:
    rows = sb.query("SELECT order_status_id FROM oc_order WHERE order_id = ?", (order_id,))
    return int(rows[0]["order_status_id"])


@pytest.mark.parametrize(("fraud_status", "expected"), [(8, 8), (0, 2), (None, 2)])
def test_exhausted_coupon_sets_the_fraud_status(fraud_status: int | None, expected: int) -> None:
    with Sandbox.start(orders=0) as sb:
        if fraud_status is None:
            sb.state.settings.pop("config_fraud_status_id", None)  # a fresh install: unset
        else:
            sb.state.settings["config_fraud_status_id"] = fraud_status
        coupon = sb.add_coupon(code="ONCEONLY", uses_total=1)
        first = _order_with_totals(sb, 0, [("coupon", "Coupon (ONCEONLY)", "-5.0000")])
        second = _order_with_totals(sb, 0, [("coupon", "Coupon (ONCEONLY)", "-5.0000")])
        sb.set_order_status(first, 2)
        assert _status(sb, first) == 2
        sb.set_order_status(second, 2)  # usage limit reached: the confirmation fails
        assert _status(sb, second) == expected
        history = sb.query(
            "SELECT order_status_id FROM oc_order_history WHERE order_id = ? "
            "ORDER BY order_history_id DESC LIMIT 1",
            (second,),
        )
        assert history == [{"order_status_id": expected}]
        assert sb.query("SELECT order_id FROM oc_coupon_history WHERE coupon_id = ?", (coupon,)) == [
            {"order_id": first}
        ]


def test_spent_voucher_and_missing_points_set_the_fraud_status() -> None:
    with Sandbox.start(orders=0) as sb:
        sb.state.settings["config_fraud_status_id"] = 8
        cid = sb.add_customer(firstname="Pat", lastname="Points", reward_points=50)
        short = _order_with_totals(sb, cid, [("reward", "Reward Points (100)", "-1.0000")])
        sb.set_order_status(short, 1)
        assert _status(sb, short) == 8  # 50 points < 100
        assert sb.query("SELECT points FROM oc_customer_reward WHERE order_id = ?", (short,)) == []
        enough = _order_with_totals(sb, cid, [("reward", "Reward Points (40)", "-0.4000")])
        sb.set_order_status(enough, 1)
        assert _status(sb, enough) == 1
        assert sb.query("SELECT points FROM oc_customer_reward WHERE order_id = ?", (enough,)) == [
            {"points": -40}
        ]
        sb.add_voucher(code="GIFT20", amount="20.0000")
        spend = _order_with_totals(sb, 0, [("voucher", "Gift Certificate (GIFT20)", "-20.0000")])
        again = _order_with_totals(sb, 0, [("voucher", "Gift Certificate (GIFT20)", "-20.0000")])
        sb.set_order_status(spend, 5)
        assert _status(sb, spend) == 5
        sb.set_order_status(again, 5)  # balance gone
        assert _status(sb, again) == 8
        assert [r["order_id"] for r in sb.query("SELECT order_id FROM oc_voucher_history")] == [spend]
        sb.set_order_status(spend, 7)  # cancelling the first order gives the balance back
        sb.set_order_status(again, 7)  # Denied -> Canceled: both outside P
        sb.set_order_status(again, 5)
        assert _status(sb, again) == 5
        assert [r["order_id"] for r in sb.query("SELECT order_id FROM oc_voucher_history")] == [again]
