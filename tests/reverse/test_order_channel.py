"""Order-channel voucher issuance: batches, reconciliation after unknown outcomes and kills."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from oc_connector.api.records import Address, PaymentMethod, VoucherDraft
from oc_connector.errors import ConfigurationError, NotFoundError, OutcomeUnknown
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.order_channel import (
    Issuer,
    OrderChannelSettings,
    batch_id_for,
    issue_vouchers_order,
    order_channel_settings,
    plan_vouchers_order,
)
from oc_connector.reverse.validation import Rejected, VoucherRequest, parse_voucher_row
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata


class FakeShop:
    """Orders with vouchers; ``add_order`` faults: "before" (nothing) / "after" (committed)."""

    def __init__(self, methods: Sequence[str] = ("bank_transfer",)) -> None:
        self.orders: dict[int, dict[str, Any]] = {10: {"comment": "someone else", "order_status_id": 1,
                                                       "vouchers": []}}
        self.faults: list[str] = []
        self.methods = methods
        self.history: list[tuple[int, int]] = []

    def session(self) -> FakeSession:
        return FakeSession(self)

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        if order_id not in self.orders:
            raise NotFoundError("Warning: Order could not be found!")
        return dict(self.orders[order_id])

    def add_order_history(self, order_id: int, *, order_status_id: int, comment: str = "",
                          notify: bool = False) -> None:
        self.history.append((order_id, order_status_id))
        self.orders[order_id]["order_status_id"] = order_status_id

    @property
    def vouchers(self) -> list[str]:
        return [v for o in self.orders.values() for v in o["vouchers"]]


class FakeSession:
    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop
        self.drafts: list[str] = []

    def set_customer(self, *, firstname: str, lastname: str, email: str, telephone: str,
                     customer_id: int = 0) -> None:
        assert email == "gifts@x.io" and customer_id == 0

    def add_vouchers(self, vs: Sequence[VoucherDraft]) -> None:
        self.drafts = [v.message for v in vs]  # the tests carry the request key in the message

    def set_payment_address(self, a: Address) -> None:
        assert a == SETTINGS.payment_address and a.country_id == 222

    def payment_methods(self) -> dict[str, PaymentMethod]:
        return {m: PaymentMethod(m, m.title(), "", None) for m in self.shop.methods}

    def set_payment_method(self, code: str) -> None:
        assert code in self.shop.methods

    def add_order(self, *, comment: str = "", order_status_id: int | None = None,
                  payment_method: str | None = None) -> int:
        fault = self.shop.faults.pop(0) if self.shop.faults else None
        if fault == "before":
            raise OutcomeUnknown("reset before")
        order_id = max(self.shop.orders) + 1
        self.shop.orders[order_id] = {"comment": comment, "order_status_id": 1, "vouchers": list(self.drafts)}
        if fault == "after":
            raise OutcomeUnknown("reset after commit")
        return order_id


SETTINGS = OrderChannelSettings(
    issuer=Issuer(firstname="Gift", lastname="Desk", email="gifts@x.io", telephone="123"),
    batch_size=3, scan_from=10, scan_misses=3, settle_s=0,
)


@pytest.fixture
def ledger(warehouse_engine: sa.Engine) -> VoucherLedger:
    metadata.create_all(warehouse_engine, tables=[voucher_ledger])
    return VoucherLedger(engine=warehouse_engine)


def _items(n: int) -> list[VoucherRequest | Rejected]:
    out: list[VoucherRequest | Rejected] = []
    for i in range(n):
        r = parse_voucher_row({"request_key": f"k{i:02}", "to_name": "A", "to_email": "a@x.io",
                               "from_name": "S", "from_email": "s@x.io", "amount": "5",
                               "voucher_theme_id": "8", "message": f"k{i:02}"})
        assert isinstance(r, VoucherRequest)
        out.append(r)
    return [*out, Rejected("bad", ("amount is not a number",))]


def test_batches_and_rerun(ledger: VoucherLedger) -> None:
    shop = FakeShop()
    states = issue_vouchers_order(_items(7), client=shop, ledger=ledger, settings=SETTINGS)
    assert states == {f"k{i:02}": "confirmed" for i in range(7)} | {"bad": "rejected"}
    assert sorted(shop.vouchers) == [f"k{i:02}" for i in range(7)]
    assert len(shop.orders) == 4  # the foreign order + ceil(7/3)
    issue_vouchers_order(_items(7), client=shop, ledger=ledger, settings=SETTINGS)
    assert len(shop.vouchers) == 7
    rows = {r.request_key: r for r in ledger.rows()}
    assert rows["k00"].batch_id == batch_id_for(["k00", "k01", "k02"])
    assert shop.orders[rows["k00"].order_id or 0]["order_status_id"] == 5


def test_each_batch_scans_from_the_highest_order_id_the_ledger_knows(ledger: VoucherLedger) -> None:
    assert ledger.max_order_id() is None
    issue_vouchers_order(_items(7), client=FakeShop(), ledger=ledger, settings=SETTINGS)
    by_batch = sorted({(r.order_floor, r.order_id) for r in ledger.rows() if r.order_id})
    order_ids = [oid for _, oid in by_batch]
    # the first batch knows no order (scan_from), each later one the order of the batch before
    assert [floor for floor, _ in by_batch] == [SETTINGS.scan_from, *order_ids[:-1]]
    assert ledger.max_order_id() == max(order_ids)


def test_outcome_unknown_after_commit_is_adopted(ledger: VoucherLedger) -> None:
    shop = FakeShop()
    shop.faults = ["after", "before"]
    first = issue_vouchers_order(_items(6), client=shop, ledger=ledger, settings=SETTINGS)
    assert set(first.values()) == {"pending", "rejected"}
    second = issue_vouchers_order(_items(6), client=shop, ledger=ledger, settings=SETTINGS)
    assert set(second.values()) == {"confirmed", "rejected"}
    assert sorted(shop.vouchers) == [f"k{i:02}" for i in range(6)]


@pytest.mark.parametrize(("sent_ago", "waits"), [(10.0, [50.0]), (60.0, []), (600.0, [])])
def test_a_lost_send_settles_before_its_order_is_looked_for(
    ledger: VoucherLedger, sent_ago: float, waits: list[float]
) -> None:
    """A lost order/add may still be being written: the scan waits ``settle_s`` after the send."""
    shop = FakeShop()
    shop.faults = ["after"]  # the order lands, its answer is lost
    settings = dataclasses.replace(SETTINGS, settle_s=60)
    issue_vouchers_order(_items(2), client=shop, ledger=ledger, settings=settings)
    [sent] = {r.updated_at for r in ledger.rows() if r.request_key != "bad"}
    assert sent is not None and sent.tzinfo is not None
    events: list[object] = []
    looked_up = shop.order_info_raw

    def order_info_raw(order_id: int) -> dict[str, Any]:
        events.append(order_id)
        return looked_up(order_id)

    shop.order_info_raw = order_info_raw  # type: ignore[method-assign]
    states = issue_vouchers_order(_items(2), client=shop, ledger=ledger, settings=settings,
                                  now=lambda: sent + dt.timedelta(seconds=sent_ago), sleep=events.append)
    assert states == {"k00": "confirmed", "k01": "confirmed", "bad": "rejected"}
    assert events[: len(waits)] == waits and all(isinstance(e, int) for e in events[len(waits):])
    assert sorted(shop.vouchers) == ["k00", "k01"]  # adopted, not sent again


def test_missing_payment_method_names_the_extension(ledger: VoucherLedger) -> None:
    shop = FakeShop(methods=("free_checkout",))
    with pytest.raises(ConfigurationError, match="Bank Transfer"):
        issue_vouchers_order(_items(2), client=shop, ledger=ledger, settings=SETTINGS)
    assert shop.vouchers == []


@pytest.mark.parametrize("seed", range(5))
def test_killed_between_steps_issues_each_voucher_once(ledger: VoucherLedger, seed: int) -> None:
    rng = random.Random(seed)
    shop = FakeShop()
    shop.faults = rng.choices(["after", "before", "ok"], k=4)
    for _ in range(40):
        left = [rng.randint(0, 5)]

        def hook(key: str, step: str, _left: list[int] = left) -> None:
            _left[0] -= 1
            if _left[0] < 0:
                raise RuntimeError("killed")

        try:
            states = issue_vouchers_order(_items(8), client=shop, ledger=ledger, settings=SETTINGS, hook=hook)
        except RuntimeError:
            continue
        if set(states.values()) == {"confirmed", "rejected"}:
            break
    assert sorted(shop.vouchers) == [f"k{i:02}" for i in range(8)]
    order_ids = {r.order_id for r in ledger.rows() if r.state == "confirmed"}
    assert order_ids == {oid for oid, o in shop.orders.items() if o["vouchers"]}


def test_plan_counts_orders_and_value_and_writes_nothing(ledger: VoucherLedger) -> None:
    plan = plan_vouchers_order(_items(7), ledger=ledger, batch_size=3)
    assert plan.creates == [f"k{i:02}" for i in range(7)] and plan.orders == 3 and plan.calls == 24
    assert [r.key for r in plan.rejected] == ["bad"] and str(plan.total_value) == "35"
    assert ledger.rows() == []
    issue_vouchers_order(_items(4), client=FakeShop(), ledger=ledger, settings=SETTINGS)
    again = plan_vouchers_order(_items(7), ledger=ledger, batch_size=3)
    assert again.unchanged == ["k00", "k01", "k02", "k03"] and again.orders == 1


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ConfigurationError, match="batch_size"):
        OrderChannelSettings(batch_size=0)
    with pytest.raises(ConfigurationError, match="complete_status_id 2"):
        OrderChannelSettings(complete_status_id=2)
    with pytest.raises(ConfigurationError, match="settle_s must not be negative"):
        OrderChannelSettings(settle_s=-1)
    with pytest.raises(ConfigurationError, match="telephone must be 3-32 characters; issuer e-mail 'x'"):
        Issuer(telephone="1", email="x")
    with pytest.raises(ConfigurationError, match="issuer firstname must be 1-32"):
        Issuer(firstname=" ")


def test_settings_from_flat_options() -> None:
    options: dict[str, Any] = {
        "issuer_firstname": "Ann", "issuer_lastname": "Lee", "issuer_email": "ann@example.com",
        "issuer_telephone": "0123", "issuer_customer_id": 7, "address_1": "1 High St", "city": "Leeds",
        "postcode": "LS1 1AA", "country_id": 222, "zone_id": 3608, "batch_size": 20,
        "payment_method": "cheque", "complete_status_id": 15, "notify": True, "scan_from": 40,
    }
    settings = order_channel_settings(**options)
    assert settings.issuer == Issuer(firstname="Ann", lastname="Lee", email="ann@example.com",
                                     telephone="0123", customer_id=7)
    assert settings.payment_address == Address(firstname="Ann", lastname="Lee", address_1="1 High St",
                                               city="Leeds", postcode="LS1 1AA", country_id=222,
                                               zone_id=3608)
    assert (settings.batch_size, settings.payment_method, settings.complete_status_id) == (20, "cheque", 15)
    assert settings.complete_status_ids == frozenset({3, 5, 15})
    assert settings.notify is True and settings.scan_from == 40
    with pytest.raises(ConfigurationError, match="issuer e-mail 'nope'"):
        order_channel_settings(**{**options, "issuer_email": "nope"})
