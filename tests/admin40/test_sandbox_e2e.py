"""The 4.0 client and order reader against the sandbox shop in 4.0 mode (the recorded shop's tables)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from oc_connector.admin import CouponForm
from oc_connector.admin40 import Admin40Client, AdminOrderReader
from oc_connector.errors import AdminFormError
from oc_connector.sync.normalize import normalize_orders
from oc_connector_sandbox import Sandbox
from tests.support.recorded_exchanges import truth40


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox.start(fixtures="recorded", version="4.0") as sb:
        yield sb


def _client(sb: Sandbox) -> Admin40Client:
    return Admin40Client(
        sb.url, username=sb.admin_username, password=sb.admin_password, allow_insecure_http=True
    )


def test_a_primed_reader_reads_each_order_in_one_request(sandbox: Sandbox) -> None:
    admin = _client(sandbox)
    reader = AdminOrderReader(admin, currency_values={c["code"]: c["value"] for c in truth40()["currencies"]})
    for page in admin.iter_order_pages(sort="o.date_modified"):
        reader.prime(page.rows)
    before = admin.transport.stats.snapshot()["requests"]
    ids = [i for i in range(1, 41) if truth40()["orders"].get(str(i))]
    raws = [reader.order_info_raw(i) for i in ids]
    assert admin.transport.stats.snapshot()["requests"] - before == len(ids)
    assert normalize_orders(raws, requested_ids=ids).quarantined == []
    for raw in raws:
        db = truth40()["orders"][raw["order_id"]]
        assert {k: raw[k] for k in ("email", "payment_company", "comment", "order_status_id")} == {
            k: db[k] for k in ("email", "payment_company", "comment", "order_status_id")
        }
        assert raw["date_modified"][:10] == db["date_modified"][:10]


def test_coupons_are_created_once_and_a_duplicate_is_refused(sandbox: Sandbox) -> None:
    admin = _client(sandbox)
    form = CouponForm(name="Sandbox 40", code="SBX40", type="P", discount=Decimal("5"), products=(40,),
                      date_start=date(2026, 1, 1), date_end=date(2027, 1, 1))
    admin.create_coupon(form)
    found = admin.find_coupon("sbx40")
    assert found is not None and admin.coupon_form(found.coupon_id) == form
    with pytest.raises(AdminFormError) as info:
        admin.create_coupon(form)
    assert info.value.warning == "Warning: Coupon code is already in use!"
    assert admin.missing_permissions() == {}


def test_a_coupon_saved_without_dates_lists_the_zero_date_as_the_real_shop(sandbox: Sandbox) -> None:
    admin = _client(sandbox)
    admin.create_coupon(CouponForm(name="Undated 40", code="NODATE40", type="F", discount=Decimal("2")))
    (stored,) = sandbox.query("SELECT coupon_id, date_start, date_end FROM oc_coupon WHERE code = 'NODATE40'")
    assert (stored["date_start"], stored["date_end"]) == ("0000-00-00", "0000-00-00")  # as MySQL keeps it
    listing = admin._request("marketing/coupon.list", {"sort": "code", "order": "DESC"}).text
    row_html = listing.split("NODATE40", 1)[1].split("</tr>", 1)[0]
    assert row_html.count(">30/11/-0001</td>") == 2 and "//" not in row_html.split("<a ", 1)[0]
    found = admin.find_coupon("NODATE40")
    assert found is not None and (found.date_start, found.date_end) == (date.min, date.min)
    form = admin.coupon_form(found.coupon_id)  # the form shows a zero date empty
    assert (form.date_start, form.date_end) == (None, None)
