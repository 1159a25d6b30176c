"""Guard the reverse-ETL public API: every name in __all__ exists and the list does not drift."""

from __future__ import annotations

import oc_connector.reverse as reverse


def test_all_names_exist_and_are_sorted() -> None:
    assert all(hasattr(reverse, name) for name in reverse.__all__)
    assert len(set(reverse.__all__)) == len(reverse.__all__)
    for name in reverse.__all__:
        obj = getattr(reverse, name)
        if callable(obj):
            assert obj.__module__.startswith("oc_connector.reverse."), name
    assert {"issue_vouchers_admin", "issue_vouchers_order", "push_coupons", "plan_vouchers",
            "plan_coupons", "VoucherLedger", "CouponLedger"} <= set(reverse.__all__)
