"""The Dagster reverse jobs run in-process against fake resources and a SQLite warehouse, and with the
real resources against the sandbox's OpenCart 4.0 mode."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import responses
import sqlalchemy as sa

from oc_connector.api.client import OpenCartClient
from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
from oc_connector.orchestration.reverse import REVERSE_JOBS, _write_limiter, issue_vouchers, push_coupons_job
from oc_connector.reverse.pacing import PacedVoucherStore
from oc_connector.reverse.sources import pending_voucher_rows
from oc_connector.warehouse.ledger_schema import coupon_requests, voucher_requests
from oc_connector.warehouse.migrate import upgrade
from oc_connector.wire.ratelimit import Limiter, RateLimit
from oc_connector.wire.transport import Transport
from oc_connector_sandbox import Sandbox
from tests.reverse.http_shop import BASE, HttpShop
from tests.reverse.test_admin_stores import FakeAdmin


class Shop:
    def __init__(self) -> None:
        self.admin = FakeAdmin()

    def get_admin_client(self) -> FakeAdmin:
        return self.admin


class ApiShop(Shop):
    """Also the catalog API: a real OpenCartClient on the mocked HTTP shop."""

    def get_client(self) -> OpenCartClient:
        transport = Transport(BASE, rate_limit=None, sleep=lambda _s: None)
        return OpenCartClient(BASE, api_key="job-key-0123456789", transport=transport)


class Warehouse:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def get_engine(self) -> sa.Engine:
        return self.engine


def _engine(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    upgrade(engine)
    rows = [{"request_key": f"r{i}", "to_name": "Ann", "to_email": "a@x.io", "from_name": "Shop",
             "from_email": "s@x.io", "amount": Decimal("10"), "voucher_theme_id": 8, "message": ""}
            for i in range(3)]
    rows.append({**rows[0], "request_key": "bad", "to_email": "nope"})
    with engine.begin() as conn:
        conn.execute(voucher_requests.insert(), rows)
        conn.execute(coupon_requests.insert(), [{"code": "SALE10", "name": "Sale ten", "type": "P",
                                                 "discount": "10"}])
    return engine


def _config(op: str, **values: object) -> dict[str, object]:
    return {"ops": {op: {"config": values}}}


def test_issue_vouchers_job_dry_run_then_real_then_rerun(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    shop = Shop()
    resources = {"opencart": shop, "warehouse": Warehouse(engine)}
    dry = issue_vouchers.execute_in_process(
        run_config=_config("issue_vouchers_op", dry_run=True, per_second=1000), resources=resources
    )
    assert dry.success and shop.admin.vouchers == {}
    assert len(pending_voucher_rows(engine=engine)) == 4
    for _ in range(2):
        real = issue_vouchers.execute_in_process(run_config=_config("issue_vouchers_op", per_second=1000),
                                                 resources=resources)
        assert real.success
    assert len(shop.admin.vouchers) == 3
    assert pending_voucher_rows(engine=engine) == []
    (mat,) = [e for e in real.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    meta = mat.step_output_data.metadata  # type: ignore[union-attr]
    assert meta["state_confirmed"].value == 3 and meta["state_rejected"].value == 1


def test_push_coupons_job(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    shop = Shop()
    resources = {"opencart": shop, "warehouse": Warehouse(engine)}
    for _ in range(2):
        result = push_coupons_job.execute_in_process(run_config=_config("push_coupons_op", per_second=1000),
                                                     resources=resources)
        assert result.success
    assert [f.code for f in shop.admin.coupons.values()] == ["SALE10"]
    assert {j.name for j in REVERSE_JOBS} == {"issue_vouchers", "push_coupons"}


def test_write_pacing_spaces_calls() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    pacer = Limiter(RateLimit(per_second=4, burst=1), clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.acquire()
    assert slept == [0.25, 0.25]


def test_the_per_second_option_is_one_write_per_interval() -> None:
    assert _write_limiter(4).limit == RateLimit(per_second=4, burst=1)  # paced as spaced above


@responses.activate
def test_order_channel_dry_run_plans_orders(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    http = HttpShop()
    http.install()
    shop = ApiShop()
    result = issue_vouchers.execute_in_process(
        run_config=_config("issue_vouchers_op", dry_run=True, channel="order", batch_size=2),
        resources={"opencart": shop, "warehouse": Warehouse(engine)},
    )
    assert result.success
    (out,) = [e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    meta = out.step_output_data.metadata  # type: ignore[union-attr]
    assert {k: meta[k].value for k in ("creates", "rejected", "orders", "total_value")} == {
        "creates": 3, "rejected": 1, "orders": 2, "total_value": 30.0,
    }
    assert len(pending_voucher_rows(engine=engine)) == 4
    assert http.routes == ["api/login"]  # the version check's login (4.0 refuses the channel): no order


@responses.activate
def test_order_channel_job_through_the_real_client(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    http = HttpShop()
    http.install()
    http.faults = ["reset_after"]
    shop = ApiShop()
    config = _config("issue_vouchers_op", channel="order", batch_size=2, issuer_email="desk@x.io",
                     postcode="LS1 1AA", settle_s=0.0)
    for _ in range(2):
        resources = {"opencart": shop, "warehouse": Warehouse(engine)}
        result = issue_vouchers.execute_in_process(run_config=config, resources=resources)
        assert result.success
    assert [len(o.vouchers) for o in http.orders.values()] == [2, 1]  # the first order adopted, not resold
    assert {o.status for o in http.orders.values()} == {5}
    assert http.forms["api/customer"]["email"] == "desk@x.io"
    assert http.forms["api/payment/address"]["postcode"] == "LS1 1AA"
    (out,) = [e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    meta = out.step_output_data.metadata  # type: ignore[union-attr]
    assert meta["state_confirmed"].value == 3 and meta["state_rejected"].value == 1
    assert pending_voucher_rows(engine=engine) == []


def test_paced_store_paces_writes_not_lookups() -> None:
    waits: list[str] = []

    class Store:
        def find(self, code: str) -> None:
            waits.append(f"find {code}")

        def create(self, fields: object) -> None:
            waits.append("create")

        def update(self, record_id: int, fields: object) -> None:
            waits.append("update")

        def send(self, voucher_id: int) -> None:
            waits.append("send")

    class CountingLimiter(Limiter):
        def acquire(self) -> float:
            waits.append("wait")
            return 0.0

    limiter = CountingLimiter(RateLimit(per_second=1, burst=1))
    store = PacedVoucherStore(Store(), limiter=limiter)  # type: ignore[arg-type]
    store.find("A")
    store.create({})
    store.update(1, {})
    store.send(1)
    assert waits == ["find A", "wait", "create", "wait", "update", "wait", "send"]


# -- against the sandbox in its OpenCart 4.0.2.3 mode, with the real resources ----------------------


def _resources40(sb: Sandbox, url: str) -> dict[str, object]:
    """The real shop and warehouse resources; ``version`` left to detection (``auto``)."""
    return {
        "opencart": OpenCartResource(url=sb.url, api_key=str(sb.api_key), api_username=sb.api_username,
                                     admin_username=sb.admin_username, admin_password=sb.admin_password,
                                     allow_insecure_http=True, rate_per_second=200.0),
        "warehouse": WarehouseResource(url=url),
    }


def test_voucher_and_coupon_jobs_write_once_through_the_40_admin(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    url = str(engine.url)
    with Sandbox.start(version="4.0") as sb:
        for _ in range(2):
            for job, op in ((issue_vouchers, "issue_vouchers_op"), (push_coupons_job, "push_coupons_op")):
                result = job.execute_in_process(run_config=_config(op, per_second=100.0),
                                                resources=_resources40(sb, url))
                assert result.success
        vouchers = sb.query("SELECT to_email, amount FROM oc_voucher ORDER BY voucher_id")
        coupons = sb.query("SELECT code, discount FROM oc_coupon WHERE code = 'SALE10'")
        saves = sb.request_count("sale/voucher.save"), sb.request_count("marketing/coupon.save")
    assert [(r["to_email"], float(r["amount"])) for r in vouchers] == [("a@x.io", 10.0)] * 3
    assert [(r["code"], float(r["discount"])) for r in coupons] == [("SALE10", 10.0)]
    assert saves == (3, 1)  # the second runs wrote nothing


@pytest.mark.parametrize(("values", "reason"), [
    ({"channel": "order", "settle_s": 0.0},
     "channel=order: the cart and order channel of the catalog API is refused on OpenCart 4.0"),
    ({"check_redeemable": True},
     "check_redeemable: the redeemability check applies each code in a catalog API cart session"),
], ids=["order-channel", "redeem-check"])
def test_what_40_cannot_do_exactly_once_fails_the_job_with_the_reason(
    tmp_path: Path, values: dict[str, object], reason: str
) -> None:
    engine = _engine(tmp_path)
    with Sandbox.start(version="4.0") as sb:
        result = issue_vouchers.execute_in_process(
            run_config=_config("issue_vouchers_op", **values),
            resources=_resources40(sb, str(engine.url)), raise_on_error=False,
        )
        sent = [route for route, _status, _fault in sb.request_log]
    assert not result.success
    (failure,) = [e for e in result.all_node_events if e.event_type_value == "STEP_FAILURE"]
    message = str(failure.step_failure_data.user_failure_data.description)  # type: ignore[union-attr]
    assert message.startswith(reason)
    admin = [route for route in sent if not route.startswith("api/")]
    assert [route for route in sent if route.startswith("api/")] == ["api/login", "api/account/login"]
    assert not any(route.endswith(".save") for route in admin)  # the version check: nothing written
    assert len(pending_voucher_rows(engine=engine)) == 4
