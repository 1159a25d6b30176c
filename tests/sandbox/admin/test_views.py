"""The sandbox's list and form markup reads back like the recorded real pages."""

from __future__ import annotations

from oc_connector.admin import (
    CouponForm,
    VoucherForm,
    parse_coupon_form,
    parse_coupon_list,
    parse_form_errors,
    parse_voucher_form,
    parse_voucher_list,
)
from oc_connector_sandbox.admin_pages import oc_escape
from oc_connector_sandbox.admin_views import (
    CouponListItem,
    VoucherListItem,
    render_coupon_form,
    render_coupon_list,
    render_voucher_form,
    render_voucher_list,
)
from tests.support.recorded_exchanges import load

COUPON = load("admin_coupon.json")
VOUCHER = load("admin_voucher.json")
BASE = "http://127.0.0.1:8080/admin/index.php?route="
SUCCESS = "Success: You have modified coupons!"


def _coupon_values(form: CouponForm) -> dict[str, str]:
    return {k: oc_escape(v) for k, v in form.to_post() if not k.endswith("[]")}


def _voucher_values(form: VoucherForm) -> dict[str, str]:
    return {k: oc_escape(v) for k, v in form.to_post()}


def test_coupon_list_round_trip() -> None:
    for exchange in (COUPON[1], COUPON[2], COUPON[32]):
        real = parse_coupon_list(exchange.body)
        items = [
            CouponListItem(
                coupon_id=r.coupon_id,
                name=oc_escape(r.name),
                code=oc_escape(r.code),
                discount=str(r.discount),
                date_start=r.date_start.strftime("%d/%m/%Y"),
                date_end=r.date_end.strftime("%d/%m/%Y"),
                status=r.status,
            )
            for r in real.rows
        ]
        html = render_coupon_list(
            rows=items,
            url=f"{BASE}marketing/coupon&amp;user_token=T",
            edit_url=f"{BASE}marketing/coupon/edit&amp;user_token=T",
            page=real.page,
            total=real.total,
            success=SUCCESS,
        )
        assert parse_coupon_list(html) == real
        assert parse_form_errors(html) == ({}, None)


def test_empty_coupon_list() -> None:
    html = render_coupon_list(rows=[], url=f"{BASE}marketing/coupon", edit_url="e", page=1, total=0)
    page = parse_coupon_list(html)
    assert (page.rows, page.pages, page.total) == ((), 0, 0)
    assert 'colspan="8">No results!' in html


def test_voucher_list_round_trip_keeps_order_links() -> None:
    real = parse_voucher_list(VOUCHER[1].body)
    items = [
        VoucherListItem(
            voucher_id=r.voucher_id,
            code=oc_escape(r.code),
            from_name=oc_escape(r.from_name),
            to_name=oc_escape(r.to_name),
            amount=f"${r.amount:.2f}",
            theme=r.theme,
            status=r.status,
            date_added=r.date_added.strftime("%d/%m/%Y"),
            order_id=r.order_id,
        )
        for r in real.rows
    ]
    html = render_voucher_list(
        rows=items,
        url=f"{BASE}sale/voucher&amp;user_token=T",
        edit_url=f"{BASE}sale/voucher/edit&amp;user_token=T",
        order_url=f"{BASE}sale/order/info&amp;user_token=T",
        page=2,
        total=real.total,
    )
    assert parse_voucher_list(html) == real
    assert any(r.order_id for r in parse_voucher_list(html).rows)


def test_coupon_form_round_trip_with_errors() -> None:
    for exchange, picked in ((COUPON[15], [(40, "iPhone"), (43, "MacBook")]), (COUPON[13], [(40, "iPhone")])):
        real = parse_coupon_form(exchange.body)
        html = render_coupon_form(
            title="Add Coupon",
            action=f"{BASE}marketing/coupon/add&amp;user_token=T",
            values=_coupon_values(real),
            products=picked,
            categories=[(c, "Laptops &amp; Notebooks") for c in real.categories],
            errors=parse_form_errors(exchange.body)[0],
            warning=parse_form_errors(exchange.body)[1],
        )
        assert parse_coupon_form(html) == real
        assert parse_form_errors(html) == parse_form_errors(exchange.body)


def test_voucher_form_round_trip_with_errors() -> None:
    themes = [(7, "Birthday"), (6, "Christmas"), (8, "General")]
    for exchange in (VOUCHER[15], VOUCHER[20], VOUCHER[14], VOUCHER[21]):
        real = parse_voucher_form(exchange.body)
        fields, warning = parse_form_errors(exchange.body)
        html = render_voucher_form(
            title="Edit Gift Voucher",
            action=f"{BASE}sale/voucher/edit&amp;user_token=T&amp;voucher_id=98",
            values=_voucher_values(real) | ({"amount": ""} if exchange is VOUCHER[14] else {}),
            themes=themes,
            errors=fields,
            warning=warning,
        )
        assert parse_voucher_form(html) == real, exchange.id
        assert parse_form_errors(html) == (fields, warning)
