"""Optional redeemability check of admin-channel codes through the real client's api/voucher."""

from __future__ import annotations

import pytest
import responses
import sqlalchemy as sa

from oc_connector.api.client import OpenCartClient
from oc_connector.reverse.ledger import VoucherLedger
from oc_connector.reverse.redeem import SessionRedeemCheck
from oc_connector.reverse.validation import Rejected, VoucherRequest, parse_voucher_row
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.warehouse.ledger_schema import voucher_ledger
from oc_connector.warehouse.metadata import metadata
from oc_connector.wire.transport import Transport
from tests.reverse.fakes import FakeStore
from tests.reverse.http_shop import BASE, HttpShop


@pytest.fixture
def ledger(sqlite_engine: sa.Engine) -> VoucherLedger:
    metadata.create_all(sqlite_engine, tables=[voucher_ledger])
    return VoucherLedger(engine=sqlite_engine)


def client() -> OpenCartClient:
    return OpenCartClient(BASE, api_key="redeem-key-0123456789",
                          transport=Transport(BASE, rate_limit=None, sleep=lambda _s: None))


def _items(n: int) -> list[VoucherRequest | Rejected]:
    return [parse_voucher_row({"request_key": f"r{i}", "to_name": "Ann", "to_email": "a@x.io",
                               "from_name": "Shop", "from_email": "s@x.io", "amount": "10",
                               "voucher_theme_id": "8"}) for i in range(n)]  # type: ignore[misc]


@responses.activate
def test_refused_code_is_failed_then_confirmed_on_rerun_without_a_second_write(ledger: VoucherLedger) -> None:
    shop = HttpShop()
    shop.install()
    store = FakeStore()
    check = SessionRedeemCheck(client=client())
    first = issue_vouchers_admin(_items(2), store=store, ledger=ledger, redeem_check=check)
    assert [r.state for r in first] == ["failed", "failed"]
    assert first[0].reason == ("not redeemable (api/voucher): the shop refused the request: "
                               "Warning: Gift Voucher is either invalid or the balance has been used up!")
    assert store.writes == 2 and shop.logins == 1  # one cart session for every check
    assert shop.routes.count("api/voucher") == 2 and shop.routes.count("api/order/add") == 0
    shop.valid_codes = {row["code"].upper() for row in store.rows.values()}
    again = issue_vouchers_admin(_items(2), store=store, ledger=ledger, redeem_check=SessionRedeemCheck(
        client=client()))
    assert [r.state for r in again] == ["confirmed", "confirmed"] and all(r.reason is None for r in again)
    assert store.writes == 2 and shop.forms["api/voucher"]["voucher"] == again[1].code


@responses.activate
def test_off_by_default_no_api_call(ledger: VoucherLedger) -> None:
    shop = HttpShop()
    shop.install()
    results = issue_vouchers_admin(_items(1), store=FakeStore(), ledger=ledger)
    assert [r.state for r in results] == ["confirmed"] and shop.routes == []
