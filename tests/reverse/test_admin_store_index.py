"""The admin stores' per-run code index against the sandbox shop, counted in its request log.

One list scan per run, then a bounded number of admin requests per voucher / coupon whatever the
shop holds; records changed by someone else mid-run, and creates whose answer was lost, are still
found (never created twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from math import ceil

import pytest
import sqlalchemy as sa

from bench.matrix import record_posts
from oc_connector.admin import AdminClient
from oc_connector.admin.records import VoucherForm, VoucherRow
from oc_connector.errors import AdminError, AdminFormError
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.codes import derive_code
from oc_connector.reverse.coupons import push_coupons
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.validation import (
    CouponRequest,
    Rejected,
    VoucherRequest,
    parse_coupon_row,
    parse_voucher_row,
)
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.warehouse.ledger_schema import coupon_ledger, voucher_ledger
from oc_connector.warehouse.metadata import metadata
from oc_connector.wire.transport import DEFAULT_RETRY
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox
from tests.reverse.test_admin_stores import FakeAdmin
from tests.support.admin_dialects import VERSIONS, AdminDialect, dialect_of

LIST, EDIT, ADD = "sale/voucher", "sale/voucher/edit", "sale/voucher/add"
ROUTES = (LIST, EDIT, ADD, "common/login")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start() as shop:
        yield shop


@pytest.fixture
def engine(sqlite_engine: sa.Engine) -> sa.Engine:
    metadata.create_all(sqlite_engine, tables=[voucher_ledger, coupon_ledger])
    return sqlite_engine


def _admin(sb: Sandbox) -> AdminClient:
    return AdminClient(sb.url, username=sb.admin_username, password=sb.admin_password,
                       allow_insecure_http=True, rate_limit=None, retry=DEFAULT_RETRY)


def _items(n: int, tag: str = "camp") -> list[VoucherRequest | Rejected]:
    return [parse_voucher_row({"request_key": f"{tag}-{i}", "to_name": f"To {i}", "to_email": f"t{i}@x.io",
                               "from_name": "Shop", "from_email": "s@x.io", "amount": str(5 + i),
                               "voucher_theme_id": "8", "message": "hi"})
            for i in range(n)]


def _vouchers(sb: Sandbox) -> int:
    return int(sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"])


def _counts(sb: Sandbox, routes: tuple[str, ...] = ROUTES) -> dict[str, int]:
    return {route: sb.request_count(route) for route in routes}


def _delta(sb: Sandbox, before: dict[str, int]) -> dict[str, int]:
    return {route: sb.request_count(route) - n for route, n in before.items()}


def _seed_vouchers(sb: Sandbox, n: int) -> None:
    for i in range(n):
        sb.add_voucher(code=f"SEED{i:04d}", amount="10.0000")


def _by_code(sb: Sandbox, code: str) -> list[dict[str, object]]:
    return sb.query("SELECT voucher_id, code, amount FROM oc_voucher WHERE LOWER(code) = LOWER(?)", (code,))


def test_30_vouchers_into_a_shop_of_200_scan_the_list_once_then_cost_3_requests_each(
    sb: Sandbox, engine: sa.Engine
) -> None:
    _seed_vouchers(sb, 200)
    held = _vouchers(sb)
    assert held >= 200
    counts = _counts(sb)
    store = AdminVoucherStore(admin=_admin(sb))
    results = issue_vouchers_admin(_items(30), store=store, ledger=VoucherLedger(engine=engine))
    assert [r.state for r in results] == ["confirmed"] * 30
    assert _vouchers(sb) == held + 30
    # one scan (every list page once); per voucher: 1 add, 1 edit-form probe of the next id that finds
    # it for the read-back, and 1 probe of the next id for the new code's uniqueness check (not for
    # the first one: the scan was just made)
    assert _delta(sb, counts) == {LIST: ceil(held / 20), ADD: 30, EDIT: 2 * 30 - 1, "common/login": 1}
    assert store.index.scans == 1
    codes = [r.code or "" for r in results]
    assert all(len(_by_code(sb, code)) == 1 for code in codes)
    # a rerun re-reads each voucher by id (1 form read each after its own scan), writes nothing
    counts = _counts(sb)
    again = issue_vouchers_admin(_items(30), store=AdminVoucherStore(admin=_admin(sb)),
                                 ledger=VoucherLedger(engine=engine))
    assert [r.state for r in again] == ["confirmed"] * 30
    assert _delta(sb, counts)[ADD] == 0 and _vouchers(sb) == held + 30


def test_a_voucher_someone_else_adds_with_our_next_code_is_found_and_left_alone(
    sb: Sandbox, engine: sa.Engine
) -> None:
    _seed_vouchers(sb, 30)
    store = AdminVoucherStore(admin=_admin(sb))
    theirs = derive_code("camp-2", prefix="GV", length=8)

    def meanwhile(key: str, step: str) -> None:
        if (key, step) == ("camp-0", "confirmed"):
            sb.add_voucher(code=f"OTHER{key}", amount="1.0000")  # an unrelated code: probes walk over it
        if (key, step) == ("camp-1", "confirmed"):
            sb.add_voucher(code=theirs, amount="99.0000")

    held = _vouchers(sb)
    results = issue_vouchers_admin(_items(4), store=store, ledger=VoucherLedger(engine=engine),
                                   prefix="GV", length=8, hook=meanwhile)
    assert [r.state for r in results] == ["confirmed"] * 4
    assert results[2].code != theirs  # taken when derived: the next salt was used
    assert _vouchers(sb) == held + 4 + 2
    assert [float(str(row["amount"])) for row in _by_code(sb, theirs)] == [99.0]
    assert [len(_by_code(sb, r.code or "")) for r in results] == [1, 1, 1, 1]
    found = store.find("othercamp-0")
    assert found is not None and found[1]["amount"] == "1.0000"
    assert store.index.scans == 1


def test_a_voucher_recoded_by_someone_else_is_rescanned_not_trusted(sb: Sandbox, engine: sa.Engine) -> None:
    store = AdminVoucherStore(admin=_admin(sb))
    ledger = VoucherLedger(engine=engine)
    results = issue_vouchers_admin(_items(3), store=store, ledger=ledger)
    code = results[0].code or ""
    old_id = int(str(_by_code(sb, code)[0]["voucher_id"]))
    # someone renames our voucher and another record now carries its code
    sb.execute("UPDATE oc_voucher SET code = 'RENAMED1' WHERE voucher_id = ?", (old_id,))
    new_id = sb.add_voucher(code=code, amount="5.0000", to_name="To 0", to_email="t0@x.io",
                            from_name="Shop", from_email="s@x.io", message="hi")
    found = store.find(code)
    assert found is not None and found[0] == new_id != old_id
    assert store.index.scans == 2
    # and a record whose code vanished is not invented
    sb.execute("UPDATE oc_voucher SET code = 'RENAMED2' WHERE voucher_id = ?", (new_id,))
    assert store.find(code) is None and store.index.scans == 3


@pytest.fixture(params=VERSIONS, ids=[f"oc{v}" for v in VERSIONS])
def dialect(request: pytest.FixtureRequest) -> AdminDialect:
    """The admin channel of one OpenCart version (its sandbox mode, client and routes)."""
    return dialect_of(request.param)


def test_creates_whose_answer_was_lost_are_found_by_probing_not_created_twice(
    dialect: AdminDialect, engine: sa.Engine
) -> None:
    routes = dialect.vouchers
    with dialect.start() as sb:
        _seed_vouchers(sb, 50)
        held = _vouchers(sb)
        lost = FaultRule("reset_after", route=routes.add, after_commit=True, every=2)
        sb.set_faults(FaultSchedule([lost]))
        counts = _counts(sb, (routes.list, routes.add))
        store = AdminVoucherStore(admin=dialect.client(sb))
        results = issue_vouchers_admin(_items(6), store=store, ledger=VoucherLedger(engine=engine))
        assert [r.state for r in results] == ["confirmed"] * 6
        assert lost.fired == 3 and _vouchers(sb) == held + 6
        assert [len(_by_code(sb, r.code or "")) for r in results] == [1] * 6
        # a lost answer costs no rescan: the probe of the next id finds the committed voucher
        assert store.index.scans == 1
        delta = _delta(sb, counts)
    assert delta[routes.add] == 6 and delta[routes.list] == ceil(held / dialect.page_size)


def test_creates_that_never_landed_are_rescanned_before_sending_again(sb: Sandbox, engine: sa.Engine) -> None:
    held = _vouchers(sb)
    refused = FaultRule("reset_before", route=ADD, count=2)
    sb.set_faults(FaultSchedule([refused]))
    store = AdminVoucherStore(admin=_admin(sb))
    results = issue_vouchers_admin(_items(3), store=store, ledger=VoucherLedger(engine=engine))
    assert [r.state for r in results] == ["confirmed"] * 3
    assert refused.fired == 2 and _vouchers(sb) == held + 3
    # each unknown outcome: 3 id probes miss, then one rescan answers "absent" before the resend
    assert store.index.scans == 1 + 2


def test_a_record_behind_an_id_gap_is_caught_by_the_duplicate_refusal_then_a_rescan(sb: Sandbox) -> None:
    store = AdminVoucherStore(admin=_admin(sb))
    assert store.find("LATE0001") is None and store.index.trusted
    late = sb.add_voucher(code="LATE0001", amount="3.0000")
    sb.execute("UPDATE oc_voucher SET voucher_id = ? WHERE voucher_id = ?", (late + 10, late))
    # behind a gap of missing ids the catch-up probe does not see it (a documented limit) ...
    assert store.find("late0001") is None
    fields = {"code": "late0001", "from_name": "Shop", "from_email": "s@x.io", "to_name": "Ann",
              "to_email": "a@x.io", "voucher_theme_id": "8", "message": "", "amount": "4.0000", "status": "1"}
    # ... but the shop refuses the duplicate code, and the index then distrusts its misses
    with pytest.raises(AdminFormError):
        store.create(fields)
    assert not store.index.trusted
    found = store.find("late0001")
    assert found is not None and found[0] == late + 10 and found[1]["amount"] == "3.0000"
    assert store.index.scans == 2 and len(_by_code(sb, "late0001")) == 1


def _coupon(code: str, **cells: str) -> CouponRequest:
    result = parse_coupon_row({"code": code, **cells})
    assert isinstance(result, CouponRequest), result
    return result


def test_coupons_scan_the_list_once_and_survive_lost_answers(
    dialect: AdminDialect, engine: sa.Engine
) -> None:
    routes = dialect.coupons
    with dialect.start() as sb:
        for i in range(60):
            sb.add_coupon(code=f"SEEDC{i:03d}")
        held = int(sb.query("SELECT COUNT(*) AS n FROM oc_coupon")[0]["n"])
        lost = FaultRule("reset_after", route=routes.add, every=3)
        sb.set_faults(FaultSchedule([lost]))
        counts = _counts(sb, (routes.list, routes.form, routes.add))
        posts = record_posts(sb)
        store = AdminCouponStore(admin=dialect.client(sb))
        items: list[CouponRequest | Rejected] = [
            _coupon(f"NEW{i:02d}", name=f"New {i}", type="F", discount=str(i + 1)) for i in range(9)
        ]
        items.append(_coupon("SEEDC007", discount="33"))  # an update of an existing coupon
        results = push_coupons(items, store=store, ledger=CouponLedger(engine=engine))
        expected = [("confirmed", "create")] * 9 + [("confirmed", "update")]
        assert [(r.state, r.action) for r in results] == expected
        assert lost.fired == 3
        assert int(sb.query("SELECT COUNT(*) AS n FROM oc_coupon")[0]["n"]) == held + 9
        for i in range(9):
            rows = sb.query("SELECT discount FROM oc_coupon WHERE code = ?", (f"NEW{i:02d}",))
            assert [float(r["discount"]) for r in rows] == [float(i + 1)]
        delta = _delta(sb, counts)
    assert delta[routes.list] == ceil(held / dialect.page_size) and store.index.scans == 1
    assert routes.writes(posts) == 10  # 9 creates (3 answers lost, none re-sent) and 1 update
    assert delta[routes.form] <= 3 * 10


def test_many_records_added_since_the_scan_are_rescanned_not_walked_one_by_one(sb: Sandbox) -> None:
    _seed_vouchers(sb, 40)
    store = AdminVoucherStore(admin=_admin(sb))
    assert store.find("NOPE0001") is None and store.index.scans == 1
    for i in range(3):
        sb.add_voucher(code=f"FEW{i:03d}")
    counts = _counts(sb)
    found = store.find("few002")  # a few new records: walked by id (3 forms + the missing id after them)
    assert found is not None and found[1]["code"] == "FEW002"
    assert _delta(sb, counts) == {LIST: 0, EDIT: 4, ADD: 0, "common/login": 0}
    for i in range(30):
        sb.add_voucher(code=f"MANY{i:03d}")
    counts = _counts(sb)
    found = store.find("many029")  # more than the walk limit (20): one rescan instead of 30 forms
    assert found is not None and found[1]["code"] == "MANY029"
    assert store.index.scans == 2
    assert _delta(sb, counts) == {LIST: ceil(_vouchers(sb) / 20), EDIT: 20 + 1, ADD: 0, "common/login": 0}


def _fields(code: str) -> dict[str, str]:
    return {"code": code, "from_name": "Shop", "from_email": "s@x.io", "to_name": "Ann", "to_email": "a@x.io",
            "voucher_theme_id": "8", "message": "", "amount": "3.0000", "status": "1"}


def test_an_edit_that_changes_a_code_moves_it_in_the_index() -> None:
    admin = FakeAdmin()
    store = AdminVoucherStore(admin=admin)
    assert store.find("OLDCODE1") is None
    store.create(_fields("OLDCODE1"))
    found = store.find("oldcode1")
    assert found is not None and found[0] == 1
    store.update(1, _fields("NEWCODE1"))
    assert store.find("newcode1") == (1, _fields("NEWCODE1")) and store.index.scans == 1
    assert store.find("OLDCODE1") is None and store.index.scans == 2  # verified, stale, rescanned


def test_a_list_that_contradicts_the_forms_even_after_a_rescan_is_an_error() -> None:
    class Liar(FakeAdmin):
        def iter_vouchers(self) -> list[VoucherRow]:
            return [replace(row, code="GHOST001") for row in super().iter_vouchers()]

    admin = Liar()
    admin.vouchers[1] = VoucherForm(code="REAL0001", from_name="S", from_email="s@x.io", to_name="A",
                                    to_email="a@x.io", voucher_theme_id=8, message="", amount=Decimal("1"))
    with pytest.raises(AdminError, match="disagree"):
        AdminVoucherStore(admin=admin).find("ghost001")
