"""The admin-form adapters: field maps round-trip through the admin records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from oc_connector.admin.records import CouponForm, CouponRow, VoucherForm, VoucherRow
from oc_connector.errors import AdminError
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore


class FakeAdmin:
    def __init__(self) -> None:
        self.coupons: dict[int, CouponForm] = {}
        self.vouchers: dict[int, VoucherForm] = {}
        self.sent: list[int] = []

    def iter_coupons(self) -> list[CouponRow]:
        return [CouponRow(coupon_id=cid, name=f.name, code=f.code, discount=f.discount,
                          date_start=f.date_start or date.min, date_end=f.date_end or date.min,
                          status=f.status)
                for cid, f in sorted(self.coupons.items(), key=lambda kv: kv[1].code.lower())]

    def coupon_form(self, coupon_id: int) -> CouponForm:
        if coupon_id not in self.coupons:
            raise AdminError(f"coupon {coupon_id} does not exist")
        return self.coupons[coupon_id]

    def create_coupon(self, form: CouponForm) -> None:
        self.coupons[len(self.coupons) + 1] = form

    def update_coupon(self, coupon_id: int, form: CouponForm) -> None:
        self.coupons[coupon_id] = form

    def iter_vouchers(self) -> list[VoucherRow]:
        return [VoucherRow(voucher_id=vid, code=f.code, from_name=f.from_name, to_name=f.to_name,
                           amount=f.amount, theme="Birthday", status=f.status, date_added=date.min)
                for vid, f in sorted(self.vouchers.items(), key=lambda kv: kv[1].code.lower())]

    def voucher_form(self, voucher_id: int) -> VoucherForm:
        if voucher_id not in self.vouchers:
            raise AdminError(f"voucher {voucher_id} does not exist")
        return self.vouchers[voucher_id]

    def create_voucher(self, form: VoucherForm) -> None:
        self.vouchers[len(self.vouchers) + 1] = form

    def update_voucher(self, voucher_id: int, form: VoucherForm) -> None:
        self.vouchers[voucher_id] = form

    def send_voucher(self, voucher_id: int) -> None:
        self.sent.append(voucher_id)


def test_voucher_store_round_trip() -> None:
    admin = FakeAdmin()
    store = AdminVoucherStore(admin=admin)
    fields = {"code": "GVAB23CD", "from_name": "Shop", "from_email": "s@x.io", "to_name": "Ann",
              "to_email": "a@x.io", "voucher_theme_id": "8", "message": "hi", "amount": "25.5000",
              "status": "1"}
    store.create(fields)
    assert admin.vouchers[1] == VoucherForm(
        code="GVAB23CD", from_name="Shop", from_email="s@x.io", to_name="Ann", to_email="a@x.io",
        voucher_theme_id=8, message="hi", amount=Decimal("25.5"), status=True,
    )
    assert store.find("gvab23cd") == (1, fields)
    store.update(1, {**fields, "amount": "30"})
    assert admin.vouchers[1] == replace(admin.vouchers[1], amount=Decimal("30"))
    store.send(1)
    assert admin.sent == [1]
    assert store.find("NOPE") is None


def test_coupon_store_round_trip() -> None:
    admin = FakeAdmin()
    store = AdminCouponStore(admin=admin)
    fields = {"name": "Summer", "code": "SUMMER10", "type": "P", "discount": "10.0000", "total": "0.0000",
              "logged": "0", "shipping": "1", "products": "42;40", "categories": "",
              "date_start": "2026-11-27", "date_end": "2026-12-27", "uses_total": "1",
              "uses_customer": "1", "status": "1"}
    store.create(fields)
    assert admin.coupons[1].products == (42, 40) and admin.coupons[1].shipping is True
    assert admin.coupons[1].date_end == date(2026, 12, 27)
    assert store.find("summer10") == (1, fields)
