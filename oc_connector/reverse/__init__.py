"""Reverse ETL: push gift vouchers and coupons from the warehouse into the shop, exactly once.

Vouchers: :func:`issue_vouchers_admin` (chosen, derived codes; recommended for bulk) or
:func:`issue_vouchers_order` (catalog API orders of up to K vouchers, through
``OpenCartClient``); :func:`plan_vouchers` / :func:`plan_vouchers_order` are the dry runs.
Coupons: :func:`push_coupons` and :func:`plan_coupons`. Both admin-channel pushes are one
find -> write -> reconcile -> read-back state machine (:mod:`.upsert`) over one admin store
(:class:`AdminVoucherStore`, :class:`AdminCouponStore`), given the entity.

Input rows come from the warehouse (:func:`pending_voucher_rows`, :func:`pending_coupon_rows`)
or a CSV file (:func:`read_rows`) and are validated by :func:`parse_voucher_row` /
:func:`parse_coupon_row`; progress lives in the ledgers (:class:`VoucherLedger`,
:class:`CouponLedger`, one :class:`Ledger` API). Writes can be paced with the project's rate
limiter (:class:`PacedStore`, :class:`PacedVoucherStore`).
"""

from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.codes import ALPHABET, derive_code, derive_unique_code
from oc_connector.reverse.coupons import CouponPlan, CouponResult, plan_coupons, push_coupons
from oc_connector.reverse.csvio import neutralise, read_rows, results_path, write_results
from oc_connector.reverse.ledger import CouponLedger, Ledger, VoucherLedger
from oc_connector.reverse.order_channel import (
    Issuer,
    OrderChannelSettings,
    OrderPlan,
    batch_id_for,
    default_payment_address,
    issue_vouchers_order,
    order_channel_settings,
    plan_vouchers_order,
    voucher_draft,
)
from oc_connector.reverse.pacing import PacedStore, PacedVoucherStore
from oc_connector.reverse.ports import CouponStore, RecordStore, VoucherStore
from oc_connector.reverse.redeem import RedeemCheck, SessionRedeemCheck
from oc_connector.reverse.sources import pending_coupon_rows, pending_voucher_rows
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
from oc_connector.reverse.vouchers import IssueResult, VoucherPlan, issue_vouchers_admin, plan_vouchers

__all__ = [
    "ALPHABET",
    "CLEAR",
    "AdminCouponStore",
    "AdminVoucherStore",
    "CouponLedger",
    "CouponPlan",
    "CouponRequest",
    "CouponResult",
    "CouponStore",
    "IssueResult",
    "Issuer",
    "Ledger",
    "OrderChannelSettings",
    "OrderPlan",
    "PacedStore",
    "PacedVoucherStore",
    "RecordStore",
    "RedeemCheck",
    "Rejected",
    "SessionRedeemCheck",
    "VoucherLedger",
    "VoucherLimits",
    "VoucherPlan",
    "VoucherRequest",
    "VoucherStore",
    "batch_id_for",
    "default_payment_address",
    "derive_code",
    "derive_unique_code",
    "issue_vouchers_admin",
    "issue_vouchers_order",
    "neutralise",
    "order_channel_settings",
    "parse_coupon_row",
    "parse_coupon_rows",
    "parse_voucher_row",
    "parse_voucher_rows",
    "pending_coupon_rows",
    "pending_voucher_rows",
    "plan_coupons",
    "plan_vouchers",
    "plan_vouchers_order",
    "push_coupons",
    "read_rows",
    "reject_duplicates",
    "results_path",
    "voucher_draft",
    "write_results",
]
