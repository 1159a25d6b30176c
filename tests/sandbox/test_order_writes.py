"""api/order/history and api/order/delete over HTTP."""

from __future__ import annotations

import requests

from oc_connector_sandbox import Sandbox

OK = {"success": "Success: You have modified orders!"}
NOT_FOUND = {"error": "Warning: Order could not be found!"}


def test_history_then_delete() -> None:
    with Sandbox.start(orders=3, seed=2) as sb, requests.Session() as http:
        token = http.post(sb.url + "index.php?route=api/login", data={"key": sb.api_key}).json()["api_token"]
        order_id = sb.query("SELECT MIN(order_id) AS id FROM oc_order")[0]["id"]
        url = sb.url + "index.php"

        def call(route: str, oid: object, data: dict[str, str] | None = None) -> object:
            params = {"route": route, "api_token": token, "order_id": str(oid)}
            return http.post(url, params=params, data=data or {}).json()

        assert call("api/order/history", order_id, {"order_status_id": "3", "comment": "Tom & Jerry"}) == OK
        last = sb.query(
            "SELECT order_status_id, comment, notify FROM oc_order_history WHERE order_id = ? "
            "ORDER BY order_history_id DESC LIMIT 1",
            (order_id,),
        )
        assert last == [{"order_status_id": 3, "comment": "Tom &amp; Jerry", "notify": 0}]
        info = http.get(
            url, params={"route": "api/order/info", "api_token": token, "order_id": order_id}
        ).json()
        assert (info["order"]["order_status_id"], info["order"]["order_status"]) == ("3", "Shipped")
        assert call("api/order/history", 999999, {"order_status_id": "3"}) == NOT_FOUND
        assert call("api/order/delete", order_id) == OK
        assert sb.query("SELECT * FROM oc_order_history WHERE order_id = ?", (order_id,)) == []
        assert call("api/order/delete", order_id) == NOT_FOUND
        assert call("api/order/history", order_id, {"order_status_id": "1"}) == NOT_FOUND
