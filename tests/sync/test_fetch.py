"""sync_fetch: reads handed over in id order; the probe asks exactly the ids up to the last answer + gap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from oc_connector.sync.fetch import fetch_in_order, fetch_until_gap

Fetched = tuple[int, Any]


def shop(found: set[int], asked: list[int], lock: threading.Lock) -> Any:
    def fetch(oid: int) -> Fetched:
        with lock:
            asked.append(oid)
        return oid, ({"order_id": oid} if oid in found else None)

    return fetch


def test_until_gap_asks_every_id_up_to_the_last_found_plus_gap_and_yields_in_order() -> None:
    found = {1, 2, 3, 7, 12}  # 4-6 and 8-11 are gaps shorter than 5
    asked: list[int] = []
    with ThreadPoolExecutor(4) as pool:
        got = list(fetch_until_gap(shop(found, asked, threading.Lock()), first=1, gap=5, pool=pool, window=8))
    assert [oid for oid, _ in got] == list(range(1, 18))
    assert [oid for oid, body in got if body] == [1, 2, 3, 7, 12]
    assert sorted(asked) == list(range(1, 18))  # 12 + 5 trailing probes, nothing more


def test_a_quiet_shop_costs_exactly_gap_probes() -> None:
    asked: list[int] = []
    with ThreadPoolExecutor(8) as pool:
        fetch = shop(set(), asked, threading.Lock())
        got = list(fetch_until_gap(fetch, first=101, gap=50, pool=pool, window=50))
    assert sorted(asked) == list(range(101, 151)) and len(got) == 50


def test_a_slow_head_does_not_stop_the_next_ids_being_asked() -> None:
    # id 1 answers only after ids beyond the initial window were asked: with in-order gating the
    # probe could not ask id 4 before id 1 was consumed.
    asked: list[int] = []
    lock = threading.Lock()
    four_asked = threading.Event()

    def fetch(oid: int) -> Fetched:
        with lock:
            asked.append(oid)
        if oid == 4:
            four_asked.set()
        if oid == 1:
            assert four_asked.wait(timeout=10), "id 4 was never asked while id 1 was slow"
        return oid, {"order_id": oid} if oid <= 6 else None

    with ThreadPoolExecutor(3) as pool:
        got = list(fetch_until_gap(fetch, first=1, gap=2, pool=pool, window=10))
    assert [oid for oid, _ in got] == list(range(1, 9))


def test_an_error_raises_in_its_turn_after_the_ids_before_it() -> None:
    def fetch(oid: int) -> Fetched:
        if oid == 3:
            raise RuntimeError("shop down")
        return oid, {"order_id": oid}

    seen: list[int] = []
    with ThreadPoolExecutor(4) as pool, pytest.raises(RuntimeError, match="shop down"):
        for oid, _ in fetch_until_gap(fetch, first=1, gap=3, pool=pool, window=6):
            seen.append(oid)
    assert seen == [1, 2]


def test_in_order_keeps_the_window_and_order() -> None:
    asked: list[int] = []
    ids = [5, 3, 9, 1, 7]
    with ThreadPoolExecutor(2) as pool:
        got = list(fetch_in_order(shop(set(ids), asked, threading.Lock()), ids, pool=pool, window=2))
    assert [oid for oid, _ in got] == ids and sorted(asked) == sorted(ids)
