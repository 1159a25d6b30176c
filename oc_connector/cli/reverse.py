"""``oc-connector vouchers issue`` and ``oc-connector coupons push``: CSV in, shop written once.

Voucher CSV header: ``request_key,to_name,to_email,from_name,from_email,amount,voucher_theme_id,message``.
Coupon CSV header: ``code,name,type,discount,total,logged,shipping,date_start,date_end,uses_total,
uses_customer,status`` plus optional ``products`` and ``categories`` (ids separated by ``;``).

In a coupon update an absent or empty cell leaves the field unchanged; the literal ``<clear>``
clears an optional field (products/categories empty, numbers and flags 0). Clearing ``name``,
``code``, ``type``, ``date_start`` or ``date_end`` is refused for that row with a reason.

Every run writes ``FILE.results.csv`` beside the input (one line per row: key, state, code,
reason; formula-like cells neutralised). The ledgers live in the warehouse (``WAREHOUSE_URL``), so
running the same file again issues nothing twice and resumes an interrupted run. ``--dry-run``
prints the plan and writes neither the shop nor the ledger.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from oc_connector.cli.settings import ShopSettings, shop_settings, warehouse_url
from oc_connector.errors import OpenCartError
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.coupons import plan_coupons, push_coupons
from oc_connector.reverse.csvio import read_rows, results_path, write_results
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.ports import CouponStore, VoucherStore
from oc_connector.reverse.requests import (
    CouponRequest,
    Rejected,
    VoucherRequest,
    parse_coupon_row,
    parse_voucher_row,
    reject_duplicates,
)
from oc_connector.reverse.vouchers import issue_vouchers_admin, plan_vouchers

VOUCHER_COLUMNS = ("request_key", "to_name", "to_email", "from_name", "from_email", "amount",
                   "voucher_theme_id", "message")
COUPON_COLUMNS = ("code", "name", "type", "discount", "total", "logged", "shipping", "date_start",
                  "date_end", "uses_total", "uses_customer", "status")
RESULT_COLUMNS = ("key", "state", "code", "reason")


def _admin(settings: ShopSettings) -> Any:
    if not settings.has_admin or settings.admin_username is None or settings.admin_password is None:
        raise click.UsageError("the admin channel needs OPENCART_ADMIN_USERNAME and OPENCART_ADMIN_PASSWORD")
    from oc_connector.admin.client import AdminClient

    return AdminClient(settings.url, username=settings.admin_username, password=settings.admin_password,
                       ca_bundle=settings.ca_bundle, allow_insecure_http=settings.allow_insecure_http)


def voucher_store() -> VoucherStore:
    """The admin voucher store from the environment (tests replace this)."""
    return AdminVoucherStore(admin=_admin(shop_settings()))


def coupon_store() -> CouponStore:
    """The admin coupon store from the environment (tests replace this)."""
    return AdminCouponStore(admin=_admin(shop_settings()))


def _engine(*, create: bool) -> tuple[sa.Engine, bool]:
    engine = sa.create_engine(warehouse_url())
    if create:
        importlib.import_module("warehouse.migrate").upgrade(engine)
        return engine, True
    return engine, sa.inspect(engine).has_table("opencart_voucher_ledger")


def _write(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    out = results_path(path)
    write_results(out, rows, columns=RESULT_COLUMNS)
    click.echo(f"results: {out}")


@click.group("vouchers")
def vouchers() -> None:
    """Gift vouchers: issue them from a CSV file, exactly once."""


@vouchers.command("issue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--channel", type=click.Choice(["admin", "order"]), default="admin", show_default=True)
@click.option("--prefix", default="", help="Shop-wide voucher code prefix (admin channel).")
@click.option("--send-email", is_flag=True, help="E-mail each voucher once (admin channel).")
def issue(file: Path, dry_run: bool, channel: str, prefix: str, send_email: bool) -> None:
    """Issue the gift vouchers listed in FILE (CSV)."""
    items: list[VoucherRequest | Rejected] = [
        i for i in reject_duplicates(parse_voucher_row(r) for r in read_rows(file, required=VOUCHER_COLUMNS))
        if not isinstance(i, CouponRequest)
    ]
    if channel == "order":
        raise click.UsageError("--channel order is issued by the Dagster job issue_vouchers "
                               "(it needs the catalog API client); use --channel admin here")
    engine, has_ledger = _engine(create=not dry_run)
    ledger = VoucherLedger(engine=engine) if has_ledger else None
    try:
        store = voucher_store()
        if dry_run:
            plan = plan_vouchers(items, store=store, ledger=ledger, prefix=prefix)
            click.echo(f"creates: {len(plan.creates)}  updates: {len(plan.updates)}  "
                       f"unchanged: {len(plan.unchanged)}  rejected: {len(plan.rejected)}  "
                       f"calls: {plan.calls}  total value: {plan.total_value}")
            rows = [{"key": k, "state": "would create"} for k in plan.creates]
            rows += [{"key": k, "state": "would update"} for k in plan.updates]
            rows += [{"key": k, "state": "unchanged"} for k in plan.unchanged]
            rows += [{"key": r.key, "state": "rejected", "reason": r.reason} for r in plan.rejected]
            _write(file, rows)
            return
        assert ledger is not None  # noqa: S101 - created above
        results = []
        with click.progressbar(items, label="issuing vouchers") as bar:
            for item in bar:
                results += issue_vouchers_admin([item], store=store, ledger=ledger, prefix=prefix,
                                                send_email=send_email)
    except OpenCartError as exc:
        raise click.ClickException(str(exc)) from exc
    _write(file, [{"key": r.request_key, "state": r.state, "code": r.code, "reason": r.reason}
                  for r in results])
    counts: dict[str, int] = {}
    for r in results:
        counts[r.state] = counts.get(r.state, 0) + 1
    click.echo("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


@click.group("coupons")
def coupons() -> None:
    """Coupons: create or update them from a CSV file, exactly once per code."""


@coupons.command("push")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
def push(file: Path, dry_run: bool) -> None:
    """Upsert the coupons listed in FILE (CSV) by code."""
    items: list[CouponRequest | Rejected] = [
        i for i in reject_duplicates(parse_coupon_row(r) for r in read_rows(file, required=("code",)))
        if not isinstance(i, VoucherRequest)
    ]
    try:
        store = coupon_store()
        if dry_run:
            plan = plan_coupons(items, store=store)
            click.echo(f"creates: {len(plan.creates)}  updates: {len(plan.updates)}  "
                       f"unchanged: {len(plan.unchanged)}  rejected: {len(plan.rejected)}  "
                       f"calls: {plan.calls}")
            rows = [{"key": k, "state": "would create"} for k in plan.creates]
            rows += [{"key": k, "state": "would update"} for k in plan.updates]
            rows += [{"key": k, "state": "unchanged"} for k in plan.unchanged]
            rows += [{"key": r.key, "state": "rejected", "reason": r.reason} for r in plan.rejected]
            _write(file, rows)
            return
        engine, _ = _engine(create=True)
        ledger = CouponLedger(engine=engine)
        results = []
        with click.progressbar(items, label="pushing coupons") as bar:
            for item in bar:
                results += push_coupons([item], store=store, ledger=ledger)
    except OpenCartError as exc:
        raise click.ClickException(str(exc)) from exc
    _write(file, [{"key": r.code, "state": r.state, "code": r.code, "reason": r.reason} for r in results])
