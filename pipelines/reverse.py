"""Dagster jobs pushing warehouse requests back into the shop: ``issue_vouchers``, ``push_coupons``.

Each job has one op that reads the pending rows of ``opencart_voucher_requests`` /
``opencart_coupon_requests``, validates them, pushes them (paced, reconciled, never blindly
re-sent) and writes the ledgers; its output metadata holds the counts per ledger state.

Run config (op ``issue_vouchers_op`` / ``push_coupons_op``): ``dry_run`` (plan only, nothing
written), ``channel`` (``admin`` or ``order``), ``batch_size`` (order channel), ``per_second``
(write pacing), ``code_prefix``, ``send_email``.

Resources: ``opencart`` (``get_admin_client()``, ``get_client()``) and ``warehouse``
(``get_engine()``), defined in ``pipelines/resources.py``.
"""


import importlib
from decimal import Decimal
from typing import Any

import dagster as dg

from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.coupons import plan_coupons, push_coupons
from oc_connector.reverse.inputs import (
    PacedCouponStore,
    PacedVoucherStore,
    Pacer,
    pending_coupon_rows,
    pending_voucher_rows,
)
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.order_channel import OrderChannelSettings, issue_vouchers_order
from oc_connector.reverse.requests import (
    CouponRequest,
    Rejected,
    VoucherRequest,
    parse_coupon_row,
    parse_voucher_row,
    reject_duplicates,
)
from oc_connector.reverse.vouchers import issue_vouchers_admin, plan_vouchers
from warehouse.migrate import upgrade


class VoucherRunConfig(dg.Config):
    """Run config of ``issue_vouchers``."""

    dry_run: bool = False
    channel: str = "admin"
    batch_size: int = 50
    per_second: float = 2.0
    code_prefix: str = ""
    send_email: bool = False
    issuer_firstname: str = "Gift"
    issuer_lastname: str = "Vouchers"
    issuer_email: str = "vouchers@example.com"
    issuer_telephone: str = "0"
    payment_address: dict[str, str] = {}  # noqa: RUF012 - pydantic copies defaults
    payment_method: str = "bank_transfer"
    complete_status_id: int = 5
    notify: bool = False
    scan_from: int = 1


def _order_settings(config: VoucherRunConfig) -> OrderChannelSettings:
    records = importlib.import_module("oc_connector.records")

    def draft(request: VoucherRequest) -> Any:
        return records.VoucherDraft(
            from_name=request.from_name, from_email=request.from_email, to_name=request.to_name,
            to_email=request.to_email, voucher_theme_id=request.voucher_theme_id, message=request.message,
            amount=request.amount,
        )

    return OrderChannelSettings(
        customer={"firstname": config.issuer_firstname, "lastname": config.issuer_lastname,
                  "email": config.issuer_email, "telephone": config.issuer_telephone},
        address=records.Address(**config.payment_address), make_draft=draft, batch_size=config.batch_size,
        payment_method=config.payment_method, complete_status_id=config.complete_status_id,
        notify=config.notify, scan_from=config.scan_from,
    )


class CouponRunConfig(dg.Config):
    """Run config of ``push_coupons``."""

    dry_run: bool = False
    per_second: float = 2.0


def _voucher_items(engine: Any) -> list[VoucherRequest | Rejected]:
    parsed = reject_duplicates(parse_voucher_row(r) for r in pending_voucher_rows(engine=engine))
    return [i for i in parsed if not isinstance(i, CouponRequest)]


@dg.op(required_resource_keys={"opencart", "warehouse"})
def issue_vouchers_op(context: dg.OpExecutionContext, config: VoucherRunConfig) -> dg.Output[int]:
    """Issue the pending gift-voucher requests; metadata: counts per ledger state."""
    engine = context.resources.warehouse.get_engine()
    upgrade(engine)
    items = _voucher_items(engine)
    ledger = VoucherLedger(engine=engine)
    if config.channel == "order":
        if config.dry_run:
            valid = [i for i in items if isinstance(i, VoucherRequest)]
            return dg.Output(0, metadata={
                "creates": len(valid), "rejected": len(items) - len(valid),
                "orders": -(-len(valid) // config.batch_size),
                "total_value": float(sum((i.amount for i in valid), start=Decimal(0))),
            })
        states = issue_vouchers_order(items, client=context.resources.opencart.get_client(), ledger=ledger,
                                      settings=_order_settings(config))
        return dg.Output(len(states), metadata={f"state_{k}": v for k, v in ledger.counts().items()})
    store = PacedVoucherStore(AdminVoucherStore(admin=context.resources.opencart.get_admin_client()),
                              pacer=Pacer(per_second=config.per_second))
    if config.dry_run:
        plan = plan_vouchers(items, store=store, ledger=ledger, prefix=config.code_prefix)
        return dg.Output(0, metadata={
            "creates": len(plan.creates), "updates": len(plan.updates), "unchanged": len(plan.unchanged),
            "rejected": len(plan.rejected), "calls": plan.calls, "total_value": float(plan.total_value),
        })
    results = issue_vouchers_admin(items, store=store, ledger=ledger, prefix=config.code_prefix,
                                   send_email=config.send_email)
    context.log.info("issued %d voucher requests", len(results))
    return dg.Output(len(results), metadata={f"state_{k}": v for k, v in ledger.counts().items()})


@dg.op(required_resource_keys={"opencart", "warehouse"})
def push_coupons_op(context: dg.OpExecutionContext, config: CouponRunConfig) -> dg.Output[int]:
    """Upsert the coupon requests by code; metadata: counts per ledger state."""
    engine = context.resources.warehouse.get_engine()
    upgrade(engine)
    parsed = reject_duplicates(parse_coupon_row(r) for r in pending_coupon_rows(engine=engine))
    items = [i for i in parsed if not isinstance(i, VoucherRequest)]
    store = PacedCouponStore(AdminCouponStore(admin=context.resources.opencart.get_admin_client()),
                             pacer=Pacer(per_second=config.per_second))
    if config.dry_run:
        plan = plan_coupons(items, store=store)
        return dg.Output(0, metadata={
            "creates": len(plan.creates), "updates": len(plan.updates), "unchanged": len(plan.unchanged),
            "rejected": len(plan.rejected), "calls": plan.calls,
        })
    ledger = CouponLedger(engine=engine)
    results = push_coupons(items, store=store, ledger=ledger)
    return dg.Output(len(results), metadata={f"state_{k}": v for k, v in ledger.counts().items()})


@dg.job(description="Issue gift vouchers from opencart_voucher_requests, exactly once.")
def issue_vouchers() -> None:
    """Issue pending gift vouchers."""
    issue_vouchers_op()


@dg.job(name="push_coupons", description="Upsert coupons from opencart_coupon_requests by code.")
def push_coupons_job() -> None:
    """Push coupons."""
    push_coupons_op()


REVERSE_JOBS = [issue_vouchers, push_coupons_job]
"""The reverse-ETL jobs, for pipelines/definitions.py."""
