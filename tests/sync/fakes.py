"""An in-memory shop answering order/info like OpenCart, seeded from the recorded real orders."""

from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from datetime import datetime
from typing import Any

from oc_connector.errors import NotFoundError
from tests.support.recorded_exchanges import bulk_orders


def recorded_orders() -> list[dict[str, Any]]:
    """The real order/info ``order`` objects recorded from an OpenCart 3.0.5.0 shop."""
    out = []
    for ex in bulk_orders():
        body = json.loads(ex["body"])
        if "order" in body:
            out.append(body["order"])
    return out


def history_row(*, changed_at: datetime, observed_at: datetime, **changes: Any) -> dict[str, Any]:
    """One observed ``opencart_order_history`` row of order 1 in shop ``s`` ("Pending"), with ``changes``."""
    row: dict[str, Any] = {
        "shop": "s",
        "order_id": 1,
        "source": "observed",
        "order_status_id": 1,
        "order_status": "Pending",
        "changed_at": changed_at,
        "changed_on": changed_at.date(),
        "comment": "",
        "notify": None,
        "observed_at": observed_at,
        "event_key": "k1",
    }
    return row | changes


class FakeShop:
    """order_info_raw over a dict of orders; counts calls per id; thread-safe."""

    def __init__(self, orders: list[dict[str, Any]] | None = None) -> None:
        self.orders: dict[int, dict[str, Any]] = {
            int(o["order_id"]): copy.deepcopy(o) for o in (orders or recorded_orders())
        }
        self.calls: Counter[int] = Counter()
        self._lock = threading.Lock()
        self.fail_on: dict[int, Exception] = {}

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        with self._lock:
            self.calls[order_id] += 1
            if order_id in self.fail_on:
                raise self.fail_on[order_id]
            order = self.orders.get(order_id)
        if order is None:
            raise NotFoundError("Warning: Order could not be found!", route="api/order/info")
        return copy.deepcopy(order)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def reset_calls(self) -> None:
        self.calls.clear()

    def set_status(self, order_id: int, status_id: int, name: str, when: str) -> None:
        o = self.orders[order_id]
        o["order_status_id"] = str(status_id)
        o["order_status"] = name
        o["date_modified"] = when

    def add_order(self, order_id: int, **fields: Any) -> None:
        base = copy.deepcopy(next(iter(self.orders.values())))
        base.update({"order_id": str(order_id)}, **fields)
        self.orders[order_id] = base
