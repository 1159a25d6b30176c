"""Per-row validation of voucher and coupon requests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oc_connector.reverse.validation import (
    CLEAR,
    CouponRequest,
    Rejected,
    VoucherLimits,
    VoucherRequest,
    parse_coupon_row,
    parse_coupon_rows,
    parse_voucher_row,
    parse_voucher_rows,
    reject_duplicates,
)

GOOD = {
    "request_key": "c1-001", "to_name": "Ann Lee", "to_email": "ann@example.com",
    "from_name": "Shop", "from_email": "gifts@example.com", "amount": "25.50",
    "voucher_theme_id": "8", "message": "Happy birthday",
}


def test_good_voucher_row() -> None:
    req = parse_voucher_row(GOOD)
    assert req == VoucherRequest(
        request_key="c1-001", to_name="Ann Lee", to_email="ann@example.com", from_name="Shop",
        from_email="gifts@example.com", amount=Decimal("25.50"), voucher_theme_id=8, message="Happy birthday",
    )


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"to_email": "not-an-email"}, "to_email is not a valid e-mail address"),
        ({"from_email": "a" * 91 + "@x.com"}, "from_email is longer than 96 characters"),
        ({"to_name": ""}, "to_name must be 1..64 characters (got 0)"),
        ({"from_name": "x" * 65}, "from_name must be 1..64 characters (got 65)"),
        ({"amount": "0.5"}, "amount must be within 1..1000"),
        ({"amount": "1000.01"}, "amount must be within 1..1000"),
        ({"amount": "abc"}, "amount is not a number"),
        ({"amount": "NaN"}, "amount must be within 1..1000"),
        ({"voucher_theme_id": ""}, "voucher_theme_id must be a positive theme id"),
        ({"message": "y" * 5000}, "message is longer than 4096 characters"),
        ({"to_name": "Ann \ufffd"}, "to_name is not valid UTF-8 text"),
    ],
)
def test_bad_voucher_rows_have_reasons(override: dict[str, str], reason: str) -> None:
    result = parse_voucher_row({**GOOD, **override})
    assert isinstance(result, Rejected)
    assert result.key == "c1-001"
    assert reason in result.reasons


def test_custom_limits() -> None:
    limits = VoucherLimits(minimum=Decimal("10"), maximum=Decimal("20"))
    assert isinstance(parse_voucher_row({**GOOD, "amount": "25"}, limits=limits), Rejected)
    assert isinstance(parse_voucher_row({**GOOD, "amount": "15"}, limits=limits), VoucherRequest)


def test_formula_cells_are_plain_data() -> None:
    req = parse_voucher_row({**GOOD, "message": "=cmd|' /C calc'!A0"})
    assert isinstance(req, VoucherRequest)
    assert req.message == "=cmd|' /C calc'!A0"


def test_coupon_row_keeps_only_given_fields() -> None:
    req = parse_coupon_row({"code": "Summer10", "name": "Summer", "type": "p", "discount": "10",
                            "total": "", "products": "42;43", "uses_total": CLEAR})
    assert req == CouponRequest(
        code="Summer10",
        fields={"name": "Summer", "type": "P", "discount": "10", "products": (42, 43), "uses_total": None},
    )
    assert req.key == "summer10"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"code": "ab"}, "code must be 3..20 characters (got 2)"),
        ({"code": "x" * 21}, "code must be 3..20 characters (got 21)"),
        ({"code": CLEAR}, "code is required and cannot be cleared"),
        ({"code": "SUMMER", "name": CLEAR}, "name is required and cannot be cleared"),
        ({"code": "SUMMER", "date_end": CLEAR}, "date_end is required and cannot be cleared"),
        ({"code": "SUMMER", "type": "X"}, "type has an invalid value"),
        ({"code": "SUMMER", "date_start": "01/02/2026"}, "date_start has an invalid value"),
        ({"code": "SUMMER", "products": "1;two"}, "products must be ids separated by ';'"),
        ({"code": "SUMMER", "uses_total": "-1"}, "uses_total has an invalid value"),
    ],
)
def test_bad_coupon_rows(row: dict[str, str], reason: str) -> None:
    result = parse_coupon_row(row)
    assert isinstance(result, Rejected)
    assert reason in result.reasons


def test_duplicates_are_all_rejected_others_kept() -> None:
    a = parse_voucher_row(GOOD)
    b = parse_voucher_row({**GOOD, "request_key": "c1-002"})
    out = reject_duplicates([a, b, a])
    assert out[1] == b
    assert isinstance(out[0], Rejected) and isinstance(out[2], Rejected)
    assert out[0].reasons == ("duplicate key 'c1-001' in this input",)


def test_coupon_duplicates_are_case_insensitive() -> None:
    out = reject_duplicates([parse_coupon_row({"code": "SALE1"}), parse_coupon_row({"code": "sale1"})])
    assert all(isinstance(r, Rejected) for r in out)


def test_parse_rows_validates_then_rejects_repeated_keys_in_order() -> None:
    rows = [GOOD, {**GOOD, "request_key": "c1-002", "to_email": "x"}, {**GOOD, "request_key": "c1-003"}, GOOD]
    out = parse_voucher_rows(rows)
    assert [type(i) for i in out] == [Rejected, Rejected, VoucherRequest, Rejected]
    assert isinstance(out[0], Rejected) and out[0].reasons == ("duplicate key 'c1-001' in this input",)
    assert isinstance(out[1], Rejected) and out[1].reasons == ("to_email is not a valid e-mail address",)
    assert out[2] == parse_voucher_row({**GOOD, "request_key": "c1-003"})
    coupons = parse_coupon_rows([{"code": "SALE1"}, {"code": "other"}, {"code": "sale1"}])
    assert [(type(i), i.key if isinstance(i, Rejected) else i.code) for i in coupons] == [
        (Rejected, "sale1"), (CouponRequest, "other"), (Rejected, "sale1"),
    ]
