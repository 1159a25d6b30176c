"""Dagster jobs pushing warehouse requests back into the shop: ``issue_vouchers``, ``push_coupons``.

Each job has one op that reads the pending rows of ``opencart_voucher_requests`` /
``opencart_coupon_requests``, validates them, pushes them (paced, reconciled, never blindly
re-sent) and writes the ledgers; its output metadata holds the counts per ledger state and a
``results`` table (one row per request: key, state, action, code, order id, reason).

A retried or re-executed run issues nothing twice: the op holds the warehouse's reverse-ETL lock
of its scope (``vouchers:<shop>`` / ``coupons:<shop>``, run config ``shop``, default the shop's
resource key; a second run waits ``lock_wait_s`` and fails naming the holder), claims every
request in its ledger row before any shop call, and adopts what the shop already holds (see
``oc_connector.reverse``; the order channel looks for a batch's order in the warehouse's synced
orders of ``shop`` when there are any, else by a bounded scan).

Run config (op ``issue_vouchers_op`` / ``push_coupons_op``): ``dry_run`` (plan only, nothing
written), ``channel`` (``admin`` or ``order``: an enum, a typo is refused when the run is
launched), ``batch_size`` (order channel), ``per_second``
(admin channel write pacing: at most that many shop writes per second, spaced by the project's
rate limiter), ``code_prefix``, ``send_email``, ``check_redeemable`` (admin channel: confirm a
code only once ``api/voucher`` accepts it; off by default); order channel: the issuer (``issuer_firstname``,
``issuer_lastname``, ``issuer_email``, ``issuer_telephone``, ``issuer_customer_id``), its payment
address (``address_1``, ``city``, ``postcode``, ``country_id``, ``zone_id``; defaults on OpenCart's
install-default UK/London store zone), ``payment_method`` (``bank_transfer``: voucher-only orders
cannot use COD), ``complete_status_id`` (5), ``notify``, ``scan_from`` (first order id scanned
when reconciling a batch whose order/add outcome is unknown and no order id is known yet) and
``settle_s`` (60: seconds after such a batch was sent before its order is looked for, time for a
write the shop may still be running to land).

OpenCart 4.0.2.x: the admin client is the resource's ``Admin40Client`` (configured ``version``, or
found at the catalog client's login); ``channel=order`` and ``check_redeemable`` fail the op with the
reason before anything is planned or sent.

Resources: the shop's (``get_admin_client()``, ``get_client()``; key ``opencart`` for the jobs
below, ``opencart_<shop>`` for those :func:`build_reverse_jobs` builds for a fleet's shop) and
``warehouse`` (``get_engine()``), defined in ``oc_connector/orchestration/resources.py``.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from enum import Enum
from typing import Any

import dagster as dg
import sqlalchemy as sa

from oc_connector.api.version import CART_REFUSED_40, shop_version
from oc_connector.dialect import ShopVersion
from oc_connector.orchestration.metadata import LEDGER
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.batch_orders import batch_orders_for
from oc_connector.reverse.coupons import plan_coupons, push_coupons
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.order_channel import (
    OrderChannelSettings,
    issue_vouchers_order,
    order_channel_settings,
    plan_vouchers_order,
)
from oc_connector.reverse.pacing import PacedStore, PacedVoucherStore
from oc_connector.reverse.redeem import REDEEM_REFUSED_40, SessionRedeemCheck
from oc_connector.reverse.sources import pending_coupon_rows, pending_voucher_rows
from oc_connector.reverse.validation import parse_coupon_rows, parse_voucher_rows
from oc_connector.reverse.vouchers import issue_vouchers_admin, plan_vouchers
from oc_connector.sync.locks import ReverseLock, run_holder
from oc_connector.warehouse.migrate import upgrade
from oc_connector.wire.ratelimit import Limiter, RateLimit


class VoucherChannel(Enum):
    """How vouchers are written: admin pages (chosen codes) or voucher-only orders (batches)."""

    admin = "admin"
    order = "order"


class VoucherRunConfig(dg.Config):
    """Run config of ``issue_vouchers`` (the order-channel fields are ignored on the admin channel)."""

    dry_run: bool = False
    channel: VoucherChannel = VoucherChannel.admin
    batch_size: int = 50
    per_second: float = 2.0
    code_prefix: str = ""
    send_email: bool = False
    check_redeemable: bool = False
    issuer_firstname: str = "Gift"
    issuer_lastname: str = "Vouchers"
    issuer_email: str = "vouchers@example.com"
    issuer_telephone: str = "000"
    issuer_customer_id: int = 0
    address_1: str = "Gift voucher desk"
    city: str = "London"
    postcode: str = "SW1A 1AA"
    country_id: int = 222
    zone_id: int = 3563
    payment_method: str = "bank_transfer"
    complete_status_id: int = 5
    notify: bool = False
    scan_from: int = 1
    settle_s: float = 60.0
    shop: str = ""
    lock_wait_s: float = 10.0


def _order_settings(config: VoucherRunConfig) -> OrderChannelSettings:
    return order_channel_settings(
        issuer_firstname=config.issuer_firstname, issuer_lastname=config.issuer_lastname,
        issuer_email=config.issuer_email, issuer_telephone=config.issuer_telephone,
        issuer_customer_id=config.issuer_customer_id, address_1=config.address_1, city=config.city,
        postcode=config.postcode, country_id=config.country_id, zone_id=config.zone_id,
        batch_size=config.batch_size, payment_method=config.payment_method,
        complete_status_id=config.complete_status_id, notify=config.notify, scan_from=config.scan_from,
        settle_s=config.settle_s,
    )


class CouponRunConfig(dg.Config):
    """Run config of ``push_coupons``."""

    dry_run: bool = False
    per_second: float = 2.0
    shop: str = ""
    lock_wait_s: float = 10.0


@contextmanager
def _locked(engine: sa.Engine, scope: str, wait_s: float) -> Iterator[str]:
    """Hold the reverse-ETL lock of ``scope`` for the op; yields the run's holder name."""
    holder = run_holder("dagster")
    with ReverseLock(engine=engine, scope=scope, holder=holder, wait=timedelta(seconds=wait_s)):
        yield holder


def _results_table(rows: Iterable[dict[str, Any]]) -> dg.MetadataValue:
    """Per-row results as a markdown table (key, state, action, code, order id, reason)."""
    lines = ["| key | state | action | code | order_id | reason |", "|---|---|---|---|---|---|"]
    for r in rows:
        cells = [str(r.get(c) or "").replace("|", "/")
                 for c in ("key", "state", "action", "code", "order_id", "reason")]
        lines.append("| " + " | ".join(cells) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def _write_limiter(per_second: float) -> Limiter:
    """``per_second`` writes at most, one at a time (``per_second`` of the run config)."""
    return Limiter(RateLimit(per_second=per_second, burst=1))


def _state_counts(ledger: VoucherLedger | CouponLedger) -> dict[str, int]:
    return {f"state_{k}": v for k, v in ledger.counts().items()}


def _ledger_written(context: dg.OpExecutionContext, ledger: VoucherLedger) -> None:
    """Record a materialisation of the voucher ledger asset, with its rows per state."""
    counts = _state_counts(ledger)
    context.log_event(dg.AssetMaterialization(
        LEDGER, metadata={**counts, "dagster/row_count": sum(counts.values())}
    ))


def build_reverse_jobs(resource_key: str = "opencart") -> list[dg.JobDefinition]:
    """``issue_vouchers`` and ``push_coupons`` writing to the shop of resource ``resource_key``."""

    def shop(context: dg.OpExecutionContext) -> Any:
        return getattr(context.resources, resource_key)

    @dg.op(name="issue_vouchers_op", required_resource_keys={resource_key, "warehouse"})
    def issue_vouchers_op(context: dg.OpExecutionContext, config: VoucherRunConfig) -> dg.Output[int]:
        """Issue the pending gift-voucher requests; metadata: counts per ledger state."""
        engine = context.resources.warehouse.get_engine()
        upgrade(engine)
        items = parse_voucher_rows(pending_voucher_rows(engine=engine))
        ledger = VoucherLedger(engine=engine)
        if config.channel is VoucherChannel.order:
            client = shop(context).get_client()
            if shop_version(client) is ShopVersion.V4_0:
                raise dg.Failure(description=f"channel=order: {CART_REFUSED_40}", allow_retries=False)
            if config.dry_run:
                oplan = plan_vouchers_order(items, ledger=ledger, batch_size=config.batch_size)
                return dg.Output(0, metadata={
                    "creates": len(oplan.creates), "unchanged": len(oplan.unchanged),
                    "rejected": len(oplan.rejected), "orders": oplan.orders, "calls": oplan.calls,
                    "total_value": float(oplan.total_value),
                })
            settings = _order_settings(config)
            with _locked(engine, f"vouchers:{config.shop or resource_key}", config.lock_wait_s) as holder:
                issuer = settings.issuer
                orders = batch_orders_for(
                    client, scan_from=settings.scan_from, misses=settings.scan_misses,
                    limit=settings.scan_limit, customer=f"{issuer.firstname} {issuer.lastname}",
                    engine=engine, shop=config.shop or None)
                states = issue_vouchers_order(items, client=client, ledger=ledger, settings=settings,
                                              orders=orders, holder=holder)
            _ledger_written(context, ledger)
            rows = {r.request_key: r for r in ledger.rows(keys=list(states))}
            table = _results_table(
                {"key": k, "state": v, "order_id": getattr(rows.get(k), "order_id", None),
                 "reason": getattr(rows.get(k), "reason", None)} for k, v in states.items())
            return dg.Output(len(states), metadata={**_state_counts(ledger), "results": table})
        store = PacedVoucherStore(AdminVoucherStore(admin=shop(context).get_admin_client()),
                                  limiter=_write_limiter(config.per_second))
        if config.dry_run:
            plan = plan_vouchers(items, store=store, ledger=ledger, prefix=config.code_prefix)
            return dg.Output(0, metadata={
                "creates": len(plan.creates), "updates": len(plan.updates),
                "unchanged": len(plan.unchanged), "rejected": len(plan.rejected), "calls": plan.calls,
                "total_value": float(plan.total_value),
            })
        redeem = None
        if config.check_redeemable:
            api = shop(context).get_client()
            if shop_version(api) is ShopVersion.V4_0:
                raise dg.Failure(description=f"check_redeemable: {REDEEM_REFUSED_40}", allow_retries=False)
            redeem = SessionRedeemCheck(client=api)
        with _locked(engine, f"vouchers:{config.shop or resource_key}", config.lock_wait_s) as holder:
            results = issue_vouchers_admin(items, store=store, ledger=ledger, prefix=config.code_prefix,
                                           send_email=config.send_email, redeem_check=redeem, holder=holder)
        context.log.info("issued %d voucher requests", len(results))
        _ledger_written(context, ledger)
        table = _results_table({"key": r.request_key, "state": r.state, "action": r.action, "code": r.code,
                                "reason": r.reason} for r in results)
        return dg.Output(len(results), metadata={**_state_counts(ledger), "results": table})

    @dg.op(name="push_coupons_op", required_resource_keys={resource_key, "warehouse"})
    def push_coupons_op(context: dg.OpExecutionContext, config: CouponRunConfig) -> dg.Output[int]:
        """Upsert the coupon requests by code; metadata: counts per ledger state."""
        engine = context.resources.warehouse.get_engine()
        upgrade(engine)
        items = parse_coupon_rows(pending_coupon_rows(engine=engine))
        store = PacedStore(AdminCouponStore(admin=shop(context).get_admin_client()),
                           limiter=_write_limiter(config.per_second))
        if config.dry_run:
            plan = plan_coupons(items, store=store)
            return dg.Output(0, metadata={
                "creates": len(plan.creates), "updates": len(plan.updates),
                "unchanged": len(plan.unchanged), "rejected": len(plan.rejected), "calls": plan.calls,
            })
        ledger = CouponLedger(engine=engine)
        with _locked(engine, f"coupons:{config.shop or resource_key}", config.lock_wait_s) as holder:
            results = push_coupons(items, store=store, ledger=ledger, holder=holder)
        table = _results_table({"key": r.code, "state": r.state, "action": r.action, "code": r.code,
                                "reason": r.reason} for r in results)
        return dg.Output(len(results), metadata={**_state_counts(ledger), "results": table})

    @dg.job(description="Issue gift vouchers from opencart_voucher_requests, exactly once.")
    def issue_vouchers() -> None:
        """Issue pending gift vouchers."""
        issue_vouchers_op()

    @dg.job(name="push_coupons", description="Upsert coupons from opencart_coupon_requests by code.")
    def push_coupons_job() -> None:
        """Push coupons."""
        push_coupons_op()

    return [issue_vouchers, push_coupons_job]


issue_vouchers, push_coupons_job = build_reverse_jobs()
REVERSE_JOBS = [issue_vouchers, push_coupons_job]
"""The reverse-ETL jobs on resource ``opencart`` (a single shop)."""
