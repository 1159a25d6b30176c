"""Form, error and page-kind parsers against the real recorded admin pages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from oc_connector.admin import (
    CouponForm,
    VoucherForm,
    is_login_page,
    is_page_not_found,
    is_permission_denied,
    login_error,
    parse_coupon_form,
    parse_form_errors,
    parse_voucher_form,
)
from oc_connector.errors import AdminError
from tests.support.admin_recordings import COUPON, HISTORY, LOGIN, MISC, VOUCHER
from tests.support.recorded_exchanges import Exchange

CODE_MSG = "Code must be between 3 and 10 characters!"
NAME_MSG = "Coupon Name must be between 3 and 128 characters!"
EMAIL_MSG = "E-Mail Address does not appear to be valid!"
AMOUNT_MSG = "Amount must be greater than or equal to 1!"


def _posted(exchange: Exchange) -> list[tuple[str, str]]:
    assert exchange.form is not None
    return [(re.sub(r"\[\d+\]$", "[]", k), v) for k, v in exchange.form.items()]


def test_coupon_edit_form_with_products_and_category() -> None:
    form = parse_coupon_form(COUPON[15].body)
    assert form == CouponForm(
        name="Admin rec products+category",
        code="ADMRECPC",
        type="P",
        discount=Decimal("15"),
        total=Decimal("100"),
        logged=False,
        shipping=True,
        products=(40, 43),
        categories=(18,),
        date_start=date(2026, 1, 1),
        date_end=date(2027, 12, 31),
        uses_total=50,
        uses_customer=2,
        status=True,
    )


def test_coupon_form_after_edit_matches_what_was_posted() -> None:
    form = parse_coupon_form(COUPON[20].body)
    posted = dict(_posted(COUPON[18]))
    assert form.name == posted["name"] == "Admin rec products+category (edited)"
    assert (form.type, form.discount, form.total) == ("F", Decimal("20.5"), Decimal("150"))
    assert form.products == (33, 40) and form.categories == (18,)
    # the shop stores products in id order; the post order was 40, 33
    resent = dict(form.to_post())
    for key in ("name", "code", "type", "discount", "total", "logged", "shipping", "date_start"):
        assert resent[key] == posted[key], key
    assert [k for k, _ in form.to_post()] == [k for k, _ in _posted(COUPON[18])]


def test_coupon_fixture_and_missing_id_and_add_forms() -> None:
    fixture = parse_coupon_form(COUPON[16].body)
    assert (fixture.code, fixture.type, fixture.products, fixture.uses_total) == (
        "APITEST10",
        "P",
        (),
        100000,
    )
    for blank in (parse_coupon_form(COUPON[17].body), parse_coupon_form(COUPON[5].body)):
        assert (blank.name, blank.code, blank.type) == ("", "", None)
        assert (blank.uses_total, blank.uses_customer) == (1, 1)
        assert blank.date_start == date(2026, 11, 27) and blank.date_end == date(2026, 12, 27)


def test_failed_coupon_post_renders_posted_values() -> None:
    form = parse_coupon_form(COUPON[13].body)
    assert (form.name, form.code, form.products, form.categories) == ("ab", "APITEST10", (40,), (20,))


def test_voucher_forms() -> None:
    added = parse_voucher_form(VOUCHER[15].body)
    assert added == VoucherForm(
        code="ADMRVADD",
        from_name="Admin Rec",
        from_email="admin.rec@example.com",
        to_name="Tess Throwaway",
        to_email="tess.throwaway@example.com",
        voucher_theme_id=7,
        message='Happy birthday!\nSecond line & <b>bold</b> "quoted"',
        amount=Decimal("30"),
        status=True,
    )
    assert dict(added.to_post()) == {**dict(_posted(VOUCHER[6]))}
    edited = parse_voucher_form(VOUCHER[20].body)
    assert dict(edited.to_post()) == dict(_posted(VOUCHER[18]))
    assert edited.message == "Edited message\r\nwith CRLF" and edited.status is False
    order_voucher = parse_voucher_form(VOUCHER[16].body)
    assert (order_voucher.code, order_voucher.amount, order_voucher.voucher_theme_id) == (
        "qVr7R1D6El",
        Decimal("25"),
        8,
    )
    for blank in (parse_voucher_form(VOUCHER[17].body), parse_voucher_form(VOUCHER[5].body)):
        assert (blank.code, blank.voucher_theme_id, blank.amount) == ("", None, Decimal("0"))


def test_form_parsers_refuse_other_pages() -> None:
    with pytest.raises(AdminError):
        parse_coupon_form(VOUCHER[5].body)
    with pytest.raises(AdminError):
        parse_voucher_form(LOGIN[0].body)


@pytest.mark.parametrize(
    ("exchange", "fields", "warning"),
    [
        (COUPON[8], {"name": NAME_MSG}, None),
        (COUPON[9], {"code": CODE_MSG}, None),
        (COUPON[10], {"code": CODE_MSG}, None),
        (COUPON[11], {}, "Warning: Coupon code is already in use!"),
        (COUPON[12], {}, "Warning: Coupon code is already in use!"),
        (COUPON[13], {"name": NAME_MSG}, "Warning: Coupon code is already in use!"),
        (COUPON[14], {"name": NAME_MSG, "code": CODE_MSG}, None),
        (COUPON[21], {}, "Warning: Coupon code is already in use!"),
        (COUPON[22], {"name": NAME_MSG}, None),
        (VOUCHER[8], {"code": CODE_MSG}, None),
        (VOUCHER[9], {"code": CODE_MSG}, None),
        (VOUCHER[10], {}, "Warning: Voucher code is already in use!"),
        (VOUCHER[11], {}, "Warning: Voucher code is already in use!"),
        (VOUCHER[12], {"to_email": EMAIL_MSG}, None),
        (VOUCHER[13], {"amount": AMOUNT_MSG}, None),
        (VOUCHER[21], {"amount": AMOUNT_MSG}, "Warning: Voucher code is already in use!"),
        (MISC[6], {}, "Warning: You do not have permission to modify vouchers!"),
        (COUPON[7], {}, None),
        (COUPON[15], {}, None),
    ],
    ids=lambda v: v.id if isinstance(v, Exchange) else None,
)
def test_form_errors(exchange: Exchange, fields: dict[str, str], warning: str | None) -> None:
    assert parse_form_errors(exchange.body) == (fields, warning)


def test_every_voucher_field_empty_lists_six_messages_in_form_order() -> None:
    fields, warning = parse_form_errors(VOUCHER[14].body)
    assert warning is None
    assert list(fields.items()) == [
        ("code", CODE_MSG),
        ("from_name", "Your Name must be between 1 and 64 characters!"),
        ("from_email", EMAIL_MSG),
        ("to_name", "Recipient's Name must be between 1 and 64 characters!"),
        ("to_email", EMAIL_MSG),
        ("amount", AMOUNT_MSG),
    ]


def test_warning_with_html_inside() -> None:
    _, warning = parse_form_errors(VOUCHER[32].body)
    assert warning == "Warning: This voucher cannot be deleted as it is part of an order!"


LOCKED = (
    "Warning: Your account has exceeded allowed number of login attempts. "
    "Please try again in 1 hour or reset password."
)


@pytest.mark.parametrize(
    ("exchange", "error"),
    [
        (LOGIN[0], None),
        (LOGIN[1], None),
        (LOGIN[7], "No match for Username and/or Password."),
        (LOGIN[11], "No match for Username and/or Password."),
        (LOGIN[12], LOCKED),
        (LOGIN[13], "No match for Username and/or Password."),
        (LOGIN[14], "No match for Username and/or Password."),
        (LOGIN[15], None),
        (LOGIN[16], None),
        (LOGIN[17], "Invalid token session. Please login again."),
        (LOGIN[18], "Invalid token session. Please login again."),
        (LOGIN[19], None),
        (MISC[12], None),
        (MISC[13], None),
        (HISTORY[18], "Invalid token session. Please login again."),
    ],
    ids=lambda v: v.id if isinstance(v, Exchange) else None,
)
def test_login_pages(exchange: Exchange, error: str | None) -> None:
    assert is_login_page(exchange.body)
    assert login_error(exchange.body) == error
    assert not is_permission_denied(exchange.body)
    assert not is_page_not_found(exchange.body)


def test_permission_denied_and_not_found_pages() -> None:
    for exchange in (MISC[3], MISC[4], MISC[5], MISC[9]):
        assert is_permission_denied(exchange.body), exchange.id
        assert not is_login_page(exchange.body) and not is_page_not_found(exchange.body)
    assert is_page_not_found(MISC[10].body) and not is_permission_denied(MISC[10].body)
    for ordinary in (MISC[0], COUPON[0], COUPON[15], VOUCHER[0], MISC[8]):
        assert not is_login_page(ordinary.body), ordinary.id
        assert not is_permission_denied(ordinary.body) and not is_page_not_found(ordinary.body)
        assert login_error(ordinary.body) is None
