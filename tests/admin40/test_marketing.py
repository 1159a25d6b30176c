"""4.0 coupons and gift vouchers: list, form and JSON-answer parsers and client calls, on the recordings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from oc_connector.admin import CouponForm, VoucherForm
from oc_connector.admin40 import (
    parse_coupon_form40,
    parse_coupon_list40,
    parse_save_answer,
    parse_voucher_form40,
    parse_voucher_list40,
)
from oc_connector.errors import AdminError, AdminFormError, OutcomeUnknown
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from tests.support.admin40_shop import TOKEN, Answer, Sent, Shop40, client_for, mocked_http, real, recorded
from tests.support.recorded_exchanges import load40

COUPON = load40("admin_coupon.json")
VOUCHER = load40("admin_voucher.json")

COVERED = {
    **{("admin_coupon.json", i): "coupon list, form or JSON answer" for i in (*range(11), 12, 13)},
    **{("admin_voucher.json", i): "voucher list, form or JSON answer" for i in (*range(8), *range(9, 13))},
}
NOT_READ = {
    ("admin_coupon.json", 11): "marketing/coupon.history: which orders used a coupon; not read",
    ("admin_voucher.json", 8): "sale/voucher.history: which orders used a voucher; not read",
}


@pytest.fixture(autouse=True)
def _http() -> Iterator[None]:
    yield from mocked_http()


# -- parsers -------------------------------------------------------------------------------


def test_coupon_lists() -> None:
    page = parse_coupon_list40(COUPON[0].body)
    assert (page.total, page.pages, len(page.rows)) == (7, 1, 7)
    by_code = {row.code: row for row in page.rows}
    assert {c for c, row in by_code.items() if row.status} == {"APITEST10", "BIGSPEND25", "LOGGEDONLY"}
    assert by_code["APITEST10"].name == "API test 10% off" and by_code["APITEST10"].coupon_id == 7
    assert by_code["BIGSPEND25"].discount == Decimal("25.0000")
    assert (by_code["2222"].date_start, by_code["2222"].date_end) == (date(2014, 1, 1), date(2020, 1, 1))
    by_code_desc = [row.code for row in parse_coupon_list40(COUPON[1].body).rows]
    assert by_code_desc == sorted(by_code_desc, key=str.casefold, reverse=True)
    after_delete = parse_coupon_list40(COUPON[13].body)
    assert {r.code for r in after_delete.rows} == set(by_code)  # ADMREC40 came and went


def test_coupon_forms() -> None:
    edit = parse_coupon_form40(COUPON[3].body)
    assert edit == CouponForm(
        name="API test 10% off", code="APITEST10", type="P", discount=Decimal("10"), total=Decimal("0"),
        date_start=date(2026, 4, 16), date_end=date(2029, 12, 1), uses_total=100000, uses_customer=1000,
        status=True,
    )
    assert parse_coupon_form40(COUPON[2].body).code == "" == parse_coupon_form40(COUPON[4].body).code
    assert parse_coupon_form40(COUPON[2].body).type is None
    edited = parse_coupon_form40(COUPON[10].body)
    assert (edited.code, edited.discount, edited.products) == ("ADMREC40", Decimal("20.5"), ())


def test_voucher_lists_link_the_order_a_voucher_was_sold_in() -> None:
    page = parse_voucher_list40(VOUCHER[1].body)
    codes = [row.code for row in page.rows]
    assert codes == sorted(codes, key=str.casefold) and page.total == 9
    by_code = {row.code: row for row in page.rows}  # recorded before GIFTADM400 was made
    assert by_code["eca3635fcb"].order_id == 19 and by_code["eca3635fcb"].voucher_id == 1
    assert all(row.order_id for row in page.rows) and by_code["eca3635fcb"].amount == Decimal("50.00")
    assert by_code["1dae03fb29"].theme == "Christmas" and by_code["1dae03fb29"].from_name == "Robert Murphy"
    newest = parse_voucher_list40(VOUCHER[0].body).rows
    assert [r.date_added for r in newest] == sorted((r.date_added for r in newest), reverse=True)


def test_voucher_forms() -> None:
    assert parse_voucher_form40(VOUCHER[7].body) == VoucherForm(
        code="GIFTADM400", from_name="Shop Admin", from_email="admin@example.com", to_name="Lucky Customer",
        to_email="lucky@example.com", voucher_theme_id=8, message="Thank you for shopping with us!\nEnjoy.",
        amount=Decimal("400"), status=True,
    )
    assert parse_voucher_form40(VOUCHER[9].body).code == "eca3635fcb"
    assert parse_voucher_form40(VOUCHER[2].body).code == ""


@pytest.mark.parametrize(
    ("ex", "key", "new_id"),
    [(COUPON[8], "coupon_id", 11), (COUPON[9], "coupon_id", None), (COUPON[12], "coupon_id", None),
     (VOUCHER[5], "voucher_id", 10), (VOUCHER[10], "voucher_id", 11), (VOUCHER[11], "voucher_id", None)],
    ids=lambda v: getattr(v, "case", str(v)),
)
def test_accepted_saves_and_deletes(ex: object, key: str, new_id: int | None) -> None:
    assert parse_save_answer(ex.body, route=ex.route, key=key) == new_id  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("ex", "fields", "warning"),
    [
        (COUPON[5], {"name", "code"}, None),
        (COUPON[6], set(), "Warning: Coupon code is already in use!"),
        (COUPON[7], {"code"}, None),
        (VOUCHER[3], {"code", "to_name", "to_email", "from_name", "from_email", "amount"}, None),
        (VOUCHER[4], {"code"}, None),
        (VOUCHER[6], set(), "Warning: Voucher code is already in use!"),
        (VOUCHER[12], set(), "Warning: This voucher cannot be deleted as it is part of an order!"),
    ],
    ids=lambda v: getattr(v, "case", str(v)),
)
def test_refusals_are_form_errors(ex: object, fields: set[str], warning: str | None) -> None:
    with pytest.raises(AdminFormError) as info:
        parse_save_answer(ex.body, route=ex.route, key="_")  # type: ignore[attr-defined]
    assert set(info.value.fields) == fields and info.value.warning == warning
    assert "<USER_TOKEN>" not in str(info.value) and "href" not in str(info.value)


def test_an_answer_that_is_not_json_is_an_admin_error() -> None:
    with pytest.raises(AdminError, match="no JSON"):
        parse_save_answer(COUPON[13].body, route="marketing/coupon.save", key="coupon_id")


# -- the client ----------------------------------------------------------------------------


def _answer(ex: object) -> object:
    return lambda _sent: recorded(ex)  # type: ignore[arg-type]


def test_create_posts_id_0_and_every_field_once_and_reports_refusals() -> None:
    answers = iter([COUPON[8], COUPON[6]])
    shop = Shop40(overrides={("POST", "marketing/coupon.save"): lambda _s: recorded(next(answers))})
    client = client_for(shop)
    form = CouponForm(name="Admin rec throwaway 40", code="ADMREC40", type="P", discount=Decimal("15"),
                      products=(40, 43), categories=(18,))
    client.create_coupon(form)
    post = shop.sent[-1]
    assert post.data == [("coupon_id", "0"), *form.to_post()] and shop.transport.safe_flags[-1] is False
    assert post.params == {"route": "marketing/coupon.save", "user_token": TOKEN}
    with pytest.raises(AdminFormError) as info:
        client.create_coupon(form)
    assert info.value.warning == "Warning: Coupon code is already in use!"  # as the 3.0 client says it


def test_update_posts_the_id_and_a_lost_post_is_outcome_unknown() -> None:
    answers = iter([recorded(VOUCHER[11]), Answer(503, "busy")])
    shop = Shop40(overrides={("POST", "sale/voucher.save"): lambda _s: next(answers)})
    client = client_for(shop)
    form = parse_voucher_form40(VOUCHER[7].body)
    client.update_voucher(10, form)
    assert shop.sent[-1].data == [("voucher_id", "10"), *form.to_post()]
    with pytest.raises(OutcomeUnknown):
        client.update_voucher(10, form)
    assert [s.route for s in shop.sent].count("sale/voucher.save") == 2  # never resent


def test_forms_lists_and_finds_through_the_shop() -> None:
    shop = Shop40()
    client = client_for(shop)
    assert client.coupon_form(7).code == "APITEST10"
    with pytest.raises(AdminError, match="coupon 999999 does not exist"):
        client.coupon_form(999999)
    assert client.voucher_form(10).amount == Decimal("400")
    found = client.find_voucher("E0F4AA0D5E")  # the list was recorded before GIFTADM400 was made
    assert found is not None and found.voucher_id == 7 and found.order_id == 225
    assert shop.sent[-1].params["sort"] == "v.code" and shop.sent[-1].params["order"] == "ASC"
    shop.overrides[("GET", "marketing/coupon.list")] = _answer(COUPON[0])  # type: ignore[assignment]
    assert len(list(client.iter_coupons())) == 7
    assert (shop.sent[-1].params["sort"], shop.sent[-1].params["order"]) == ("code", "ASC")


def test_deletes_post_the_selected_ids() -> None:
    shop = Shop40()
    client = client_for(shop)
    client.delete_coupons([11])
    assert shop.sent[-1].data == [("selected[]", "11")]
    with pytest.raises(AdminFormError, match="part of an order"):
        client.delete_vouchers([1])


def test_the_reverse_etl_stores_take_the_4_0_client() -> None:
    shop = Shop40()
    client = client_for(shop)
    store = AdminVoucherStore(admin=client)
    found = store.find("ECA3635FCB")
    assert found is not None and found[0] == 1 and found[1]["amount"] == "50.0000"
    shop.overrides[("GET", "marketing/coupon.list")] = _answer(COUPON[13])  # type: ignore[assignment]
    coupons = AdminCouponStore(admin=client)
    assert coupons.find("APITEST10") is not None


def _permission_shop(denied: set[str]) -> Shop40:
    def save(sent: Sent) -> Answer:
        controller = sent.route.removesuffix(".save")
        if controller in denied:
            kind = "coupons" if "coupon" in controller else "vouchers"
            warning = f"Warning: You do not have permission to modify {kind}!"
            body = f'{{"error":{{"warning":"{warning}","code":"x"}}}}'
            return Answer(200, body, "application/json")
        return recorded(COUPON[5] if "coupon" in controller else VOUCHER[3])

    shop = Shop40()
    shop.overrides[("POST", "marketing/coupon.save")] = save
    shop.overrides[("POST", "sale/voucher.save")] = save
    shop.overrides[("GET", "marketing/coupon.list")] = _answer(COUPON[13])  # type: ignore[assignment]
    shop.overrides[("GET", "sale/voucher.list")] = _answer(VOUCHER[1])  # type: ignore[assignment]
    return shop


def test_missing_permissions_are_probed_without_writing() -> None:
    shop = _permission_shop(set())
    assert client_for(shop).missing_permissions() == {}
    probes = {"sale/order.history", "marketing/coupon.save", "sale/voucher.save"}
    assert {s.route for s in shop.sent} >= probes
    posted = [dict(s.data or []) for s in shop.sent if s.route.endswith(".save")]
    assert all(p["code"] == "" and p.get("coupon_id", p.get("voucher_id")) == "0" for p in posted)


def test_a_missing_modify_permission_is_named() -> None:
    shop = _permission_shop({"sale/voucher"})
    assert client_for(shop).missing_permissions() == {"vouchers": ["modify sale/voucher"]}


def test_a_missing_access_permission_is_named() -> None:
    shop = _permission_shop(set())
    shop.overrides[("GET", "sale/voucher.list")] = lambda _s: Answer(200, real("<h1>Permission Denied!</h1>"))
    assert client_for(shop).missing_permissions() == {"vouchers": ["access sale/voucher"]}


def test_a_zero_coupon_date_is_the_earliest_day() -> None:
    body = COUPON[1].body.replace("<td class=\"text-start d-none d-lg-table-cell\">16/04/2026</td>",
                                  "<td class=\"text-start d-none d-lg-table-cell\">30/11/-0001</td>", 1)
    assert parse_coupon_list40(body).rows[0].date_start == date.min
