"""``oc-connector vouchers issue`` and ``oc-connector coupons push``: CSV in, shop written once.

Voucher CSV header: ``request_key,to_name,to_email,from_name,from_email,amount,voucher_theme_id,message``.
Coupon CSV header: ``code,name,type,discount,total,logged,shipping,date_start,date_end,uses_total,
uses_customer,status`` plus optional ``products`` and ``categories`` (ids separated by ``;``).

In a coupon update an absent or empty cell leaves the field unchanged; the literal ``<clear>``
clears an optional field (products/categories empty, numbers and flags 0). Clearing ``name``,
``code``, ``type``, ``date_start`` or ``date_end`` is refused for that row with a reason.

Voucher channels (``--channel``):

- ``admin`` (default): codes derived from ``request_key``, written through the admin pages
  (``OPENCART_ADMIN_USERNAME`` / ``OPENCART_ADMIN_PASSWORD``), usable at once. With
  ``--check-redeemable`` each code is also applied through the catalog API (``api/voucher``, no
  order placed) before it counts as confirmed; a refused code is ``failed`` with the shop's words.
- ``order``: the catalog API only (``OPENCART_URL`` / API key). Up to ``--batch-size`` vouchers
  (50) per order, each order on its own login, placed for an issuer customer (``--issuer-*``,
  default a guest "Gift Vouchers" <vouchers@example.com>, telephone 000) with a payment address
  (``--address-1``, ``--city``, ``--postcode``, ``--country-id``, ``--zone-id``; defaults on
  OpenCart's install-default store country/zone, UK 222 / 3563), paid by ``--payment-method``
  (``bank_transfer``; COD needs shipping, so a voucher-only order cannot use it), then moved to
  ``--complete-status-id`` (5, Complete) so the vouchers become usable. The shop chooses random
  codes it does not return: the result file names the order id. If ``order/add`` ends without an
  answer, the next run finds the order by the batch id in its comment before anything is re-sent
  (scanning up from the last known order id, else ``--scan-from``), once ``--settle-s`` (60) have
  passed since the batch was sent: the shop may still be writing an order whose answer was lost.

OpenCart 4.0.2.x: the admin channel writes through ``Admin40Client`` (the version is
``OPENCART_VERSION``, or found at one catalog API login before the admin client is built); the order
channel and ``--check-redeemable`` are refused with the reason before anything is planned or sent
(4.0's ``api/sale/order.confirm`` edits the order its token confirmed before instead of adding one).

Exactly once however it is run: a run takes the warehouse lock of its scope (``vouchers:SHOP`` /
``coupons:SHOP``, ``--shop``, default ``default``); a second run waits ``--lock-wait`` seconds (10)
and then exits naming the holder (a holder that has exited on this host is taken over). Each
request is also claimed in its ledger row before any shop call. The shop is the source of truth:
with a lost or another warehouse, a voucher already at the request's derived code with its
recipient and amount, a coupon already as requested, or an order already carrying a batch's marker
(looked for in the admin order list when admin credentials are set, else in the warehouse's synced
orders of ``--shop``, else by a scan of at most ``--scan-limit`` order ids from ``--scan-from``)
is adopted, not sent again. A changed request (same key, new amount or recipient) updates the
voucher on the admin channel and is rejected, naming the fields, on the order channel.

Every run writes ``FILE.results.csv`` beside the input (one line per row: key, state, action,
code, order_id, reason; formula-like cells neutralised). The ledgers live in the warehouse
(``WAREHOUSE_URL``), so running the same file again issues nothing twice and resumes an interrupted
run. ``--dry-run``
prints the plan and writes neither the shop nor the ledger.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
import sqlalchemy as sa

from oc_connector.admin.client import AdminClient
from oc_connector.admin40.client import Admin40Client
from oc_connector.api.client import OpenCartClient
from oc_connector.api.version import CART_REFUSED_40, shop_version
from oc_connector.cli.environment import shop_from_environment, warehouse_engine
from oc_connector.cli.errors import EXIT_REJECTED
from oc_connector.dialect import ShopVersion
from oc_connector.errors import OpenCartError, UnsupportedOnVersion
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.batch_orders import BatchOrders, batch_orders_for
from oc_connector.reverse.coupons import plan_coupons, push_coupons
from oc_connector.reverse.csvio import read_rows, results_path, write_results
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.order_channel import (
    OrderChannelSettings,
    issue_vouchers_order,
    order_channel_settings,
    plan_vouchers_order,
)
from oc_connector.reverse.ports import CouponStore, VoucherStore
from oc_connector.reverse.redeem import REDEEM_REFUSED_40, SessionRedeemCheck
from oc_connector.reverse.validation import Rejected, VoucherRequest, parse_coupon_rows, parse_voucher_rows
from oc_connector.reverse.vouchers import issue_vouchers_admin, plan_vouchers
from oc_connector.settings import ShopSettings, build_admin_client, build_client
from oc_connector.sync.locks import ReverseLock, run_holder
from oc_connector.warehouse.migrate import upgrade

VOUCHER_COLUMNS = ("request_key", "to_name", "to_email", "from_name", "from_email", "amount",
                   "voucher_theme_id", "message")
COUPON_COLUMNS = ("code", "name", "type", "discount", "total", "logged", "shipping", "date_start",
                  "date_end", "uses_total", "uses_customer", "status")
RESULT_COLUMNS = ("key", "state", "action", "code", "order_id", "reason")

T = TypeVar("T")


def shop_version_of(settings: ShopSettings) -> ShopVersion:
    """The shop's OpenCart version: ``OPENCART_VERSION`` when set, else found at one catalog API login.

    Even a login the shop refuses tells the version (each version refuses on its own login route).
    """
    if settings.version is not None:
        return settings.version
    with build_client(settings) as client:
        return shop_version(client)


def _admin(settings: ShopSettings, *, alternative: str = "") -> AdminClient | Admin40Client:
    """The admin client of the shop's version (3.0: ``AdminClient``, 4.0.2.x: ``Admin40Client``)."""
    admin = build_admin_client(settings, version=shop_version_of(settings)) if settings.has_admin else None
    if admin is None:
        raise click.UsageError(
            "the admin channel needs OPENCART_ADMIN_USERNAME and OPENCART_ADMIN_PASSWORD (not set)"
            + alternative
        )
    return admin


def voucher_store() -> VoucherStore:
    """The admin voucher store from the environment (tests replace this)."""
    return AdminVoucherStore(admin=_admin(
        shop_from_environment(),
        alternative="; set both, or issue through the catalog API with --channel order (random codes)",
    ))


def order_client() -> OpenCartClient:
    """The catalog API client from the environment (tests replace this)."""
    return build_client(shop_from_environment())


def order_admin() -> AdminClient | Admin40Client | None:
    """The admin client when admin credentials are set, for the order list (tests replace this).

    The order channel runs on OpenCart 3.0 only (refused on 4.0 before this is asked for), so this is
    the 3.0 client.
    """
    try:
        settings = shop_from_environment()
    except click.UsageError:
        return None  # the catalog client came from elsewhere (tests): no admin channel either
    return build_admin_client(settings, version=ShopVersion.V3_0)


def refuse_order_channel_on_40(client: OpenCartClient) -> None:
    """Stop the order channel before anything is planned or sent when the shop runs OpenCart 4.0.

    Raises:
        UnsupportedOnVersion: the shop runs OpenCart 4.0 (the message says why and what to use).
    """
    if shop_version(client) is ShopVersion.V4_0:
        raise UnsupportedOnVersion(f"--channel order: {CART_REFUSED_40}", version="4.0")


def _run_lock(engine: sa.Engine, *, scope: str, wait_s: float, holder: str) -> ReverseLock:
    """The warehouse lock of one reverse-ETL run (entered by the caller)."""
    return ReverseLock(engine=engine, scope=scope, holder=holder, wait=timedelta(seconds=wait_s))


def coupon_store() -> CouponStore:
    """The admin coupon store from the environment (tests replace this)."""
    return AdminCouponStore(admin=_admin(shop_from_environment()))


def _engine(*, create: bool) -> tuple[sa.Engine, bool]:
    engine = warehouse_engine()
    if create:
        upgrade(engine)
        return engine, True
    return engine, sa.inspect(engine).has_table("opencart_voucher_ledger")


def _voucher_ledger(*, dry_run: bool) -> VoucherLedger | None:
    """The voucher ledger (created unless a dry run), or None on a dry run before any ledger exists."""
    engine, has_ledger = _engine(create=not dry_run)
    return VoucherLedger(engine=engine) if has_ledger else None


def _read_csv(path: Path, parse: Callable[[Iterable[Mapping[str, str | None]]], list[T]],
              *, required: Sequence[str]) -> list[T]:
    """Read and validate the input CSV.

    A missing column, a malformed CSV or an unreadable file ends in a click error message naming the
    file (non-zero exit), not in a traceback.
    """
    try:
        return parse(read_rows(path, required=required))
    except (OpenCartError, OSError) as exc:  # both name the file (ConfigurationError: missing columns)
        raise click.ClickException(str(exc)) from exc
    except csv.Error as exc:
        raise click.ClickException(f"{path.name}: not a readable CSV file: {exc}") from exc


def _write(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    out = results_path(path)
    write_results(out, rows, columns=RESULT_COLUMNS)
    click.echo(f"results: {out}")


def _report_plan(path: Path, *, creates: Sequence[str], updates: Sequence[str] | None,
                 unchanged: Sequence[str], rejected: Sequence[Rejected], tail: str) -> None:
    """Print the plan's counts (``updates`` None: a plan without updates), then write its rows."""
    counts = [f"creates: {len(creates)}"]
    counts += [] if updates is None else [f"updates: {len(updates)}"]
    counts += [f"unchanged: {len(unchanged)}", f"rejected: {len(rejected)}", tail]
    click.echo("  ".join(counts))
    rows: list[Mapping[str, object]] = [{"key": k, "state": "would create"} for k in creates]
    rows += [{"key": k, "state": "would update"} for k in updates or ()]
    rows += [{"key": k, "state": "unchanged"} for k in unchanged]
    rows += [{"key": r.key, "state": "rejected", "reason": r.reason} for r in rejected]
    _write(path, rows)


_SHOWN_REJECTED = 10


def _finish(results: Sequence[Mapping[str, object]], *, done_before: set[str], verb: str, noun: str,
            allow_rejected: bool) -> None:
    """Say what this run did, list rejected rows (first 10), exit 3 if any (unless allowed).

    ``done_before``: keys already confirmed before this run (the ledger's view), so a rerun says
    "sent 0 (all 60 already issued)" instead of repeating the first run's counts; rows whose
    ``action`` is ``adopt`` or ``none`` (nothing sent) count as already done too.
    """
    confirmed = [r for r in results if r.get("state") == "confirmed"]
    # adopted (the shop already held it: another warehouse issued it) counts as already done
    new = [r for r in confirmed
           if r.get("key") not in done_before and r.get("action") not in ("adopt", "none")]
    already = len(confirmed) - len(new)
    line = f"{verb} {len(new)}"
    if already and not new:
        line += f" (all {already} already {_DONE[verb]})"
    elif already:
        line += f" ({already} more already {_DONE[verb]})"
    others = Counter(str(r.get("state")) for r in results if r.get("state") != "confirmed")
    line += "".join(f", {state} {n}" for state, n in sorted(others.items()))
    click.echo(f"{noun}: {line}")
    rejected = [r for r in results if r.get("state") == "rejected"]
    for row in rejected[:_SHOWN_REJECTED]:
        click.echo(f"  rejected {row.get('key')}: {row.get('reason')}", err=True)
    if len(rejected) > _SHOWN_REJECTED:
        click.echo(f"  ... and {len(rejected) - _SHOWN_REJECTED} more rejected rows (see the results file)",
                   err=True)
    if rejected and not allow_rejected:
        click.echo(f"{len(rejected)} row(s) rejected: fix them and run again "
                   f"(exit code {EXIT_REJECTED}; --allow-rejected exits 0)", err=True)
        raise SystemExit(EXIT_REJECTED)


_DONE = {"sent": "issued", "written": "in the shop"}
_ALLOW_REJECTED = click.option(
    "--allow-rejected", is_flag=True,
    help=f"Exit 0 even when some rows were rejected (default: exit code {EXIT_REJECTED}).")


@click.group("vouchers")
def vouchers() -> None:
    """Gift vouchers: issue them from a CSV file, exactly once."""


def _issue_order(file: Path, items: Sequence[VoucherRequest | Rejected], *, dry_run: bool,
                 settings: OrderChannelSettings, allow_rejected: bool, shop_key: str,
                 lock_wait: float) -> None:
    with order_client() as client:
        refuse_order_channel_on_40(client)
        ledger = _voucher_ledger(dry_run=dry_run)
        if dry_run:
            plan = plan_vouchers_order(items, ledger=ledger, batch_size=settings.batch_size)
            _report_plan(file, creates=plan.creates, updates=None, unchanged=plan.unchanged,
                         rejected=plan.rejected,
                         tail=f"orders: {plan.orders}  calls: {plan.calls}  total value: {plan.total_value}")
            return
        assert ledger is not None  # noqa: S101 - created above
        before = {r.request_key for r in ledger.rows() if r.state == "confirmed"}
        valid = sum(1 for i in items if isinstance(i, VoucherRequest))
        steps: dict[str, str] = {}
        batches = -(-valid // settings.batch_size)
        with click.progressbar(length=batches, label="issuing voucher orders") as bar:

            def progress(key: str, step: str) -> None:
                if step in ("adopted", "issued"):
                    steps[key] = step  # the batch's first key stands for the batch
                if step == "confirmed":
                    bar.update(1)

            holder = run_holder("vouchers")
            issuer = settings.issuer
            with _run_lock(ledger.engine, scope=f"vouchers:{shop_key}", wait_s=lock_wait, holder=holder):
                orders: BatchOrders = batch_orders_for(
                    client, scan_from=settings.scan_from, misses=settings.scan_misses,
                    limit=settings.scan_limit, customer=f"{issuer.firstname} {issuer.lastname}",
                    admin=order_admin(), engine=ledger.engine, shop=shop_key)
                states = issue_vouchers_order(items, client=client, ledger=ledger, settings=settings,
                                              hook=progress, orders=orders, holder=holder)
    rows_by_key = {r.request_key: r for r in ledger.rows()}
    done = {rows_by_key[k].batch_id: step for k, step in steps.items() if k in rows_by_key}
    results: list[dict[str, object]] = []
    for key in dict.fromkeys(i.request_key if isinstance(i, VoucherRequest) else i.key or "<empty>"
                             for i in items):
        state, row = states.get(key, "pending"), rows_by_key.get(key)
        results.append({"key": key, "state": state, "order_id": row.order_id if row else None,
                        "action": _order_action(state, done.get(row.batch_id) if row else None),
                        "code": row.code if row else None, "reason": row.reason if row else None})
    _write(file, results)
    _finish(results, done_before=before, verb="sent", noun="vouchers", allow_rejected=allow_rejected)


def _order_action(state: str, step: str | None) -> str | None:
    """What the order channel did for a row: ``sell`` (sent), ``adopt`` (found in the shop), ``none``."""
    if state in ("rejected", "skipped"):
        return None
    if step is not None:
        return {"issued": "sell", "adopted": "adopt"}[step]
    return "none" if state == "confirmed" else None


_SHOP_OPTION = click.option("--shop", "shop_key", default="default", show_default=True,
                            help="Shop key: the scope of the run's warehouse lock (and of synced orders).")
_LOCK_WAIT_OPTION = click.option("--lock-wait", type=click.FloatRange(min=0), default=10.0, show_default=True,
                                 help="Seconds to wait for another run of the same shop before exiting.")


@vouchers.command("issue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--channel", type=click.Choice(["admin", "order"]), default="admin", show_default=True,
              help="admin: chosen codes through the admin pages; order: catalog-API orders (random codes).")
@click.option("--prefix", default="", help="Shop-wide voucher code prefix (admin channel).")
@click.option("--send-email", is_flag=True, help="E-mail each voucher once (admin channel).")
@click.option("--check-redeemable", is_flag=True,
              help="Admin channel: confirm a voucher only once api/voucher accepts its code (one API login).")
@click.option("--batch-size", type=click.IntRange(1, 500), default=50, show_default=True,
              help="Vouchers per order (order channel).")
@click.option("--issuer-firstname", default="Gift", show_default=True, help="Order customer (order channel).")
@click.option("--issuer-lastname", default="Vouchers", show_default=True,
              help="Order customer's last name (order channel).")
@click.option("--issuer-email", default="vouchers@example.com", show_default=True,
              help="Order customer's e-mail (order channel).")
@click.option("--issuer-telephone", default="000", show_default=True,
              help="Order customer's telephone (order channel).")
@click.option("--issuer-customer-id", type=int, default=0, show_default=True, help="0: a guest.")
@click.option("--address-1", default="Gift voucher desk", show_default=True, help="Payment address line.")
@click.option("--city", default="London", show_default=True, help="Payment address city (order channel).")
@click.option("--postcode", default="SW1A 1AA", show_default=True,
              help="Payment address postcode (order channel).")
@click.option("--country-id", type=int, default=222, show_default=True, help="OpenCart's default (UK).")
@click.option("--zone-id", type=int, default=3563, show_default=True, help="OpenCart's default zone.")
@click.option("--payment-method", default="bank_transfer", show_default=True,
              help="Payment extension code; voucher-only orders cannot use cod.")
@click.option("--complete-status-id", type=int, default=5, show_default=True,
              help="Status that makes the vouchers usable.")
@click.option("--notify", is_flag=True, help="E-mail the issuer when completing an order.")
@click.option("--scan-from", type=int, default=1, show_default=True,
              help="First order id scanned when reconciling an unknown order/add outcome.")
@click.option("--settle-s", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds after a batch's lost order/add before its order is looked for.")
@click.option("--scan-limit", type=click.IntRange(1), default=10_000, show_default=True,
              help="Order ids read at most when looking for a batch sold from another warehouse "
                   "(without admin credentials or synced orders).")
@_SHOP_OPTION
@_LOCK_WAIT_OPTION
@_ALLOW_REJECTED
def issue(file: Path, dry_run: bool, channel: str, prefix: str, send_email: bool, check_redeemable: bool,
          allow_rejected: bool, shop_key: str, lock_wait: float, scan_limit: int, **options: Any) -> None:
    """Issue the gift vouchers listed in FILE (CSV)."""
    items = _read_csv(file, parse_voucher_rows, required=VOUCHER_COLUMNS)
    if channel == "order":
        try:
            settings = dataclasses.replace(order_channel_settings(**options), scan_limit=scan_limit)
            _issue_order(file, items, dry_run=dry_run, settings=settings, allow_rejected=allow_rejected,
                         shop_key=shop_key, lock_wait=lock_wait)
        except OpenCartError as exc:
            raise click.ClickException(str(exc)) from exc
        return
    ledger = _voucher_ledger(dry_run=dry_run)
    try:
        store = voucher_store()
        if dry_run:
            plan = plan_vouchers(items, store=store, ledger=ledger, prefix=prefix)
            _report_plan(file, creates=plan.creates, updates=plan.updates, unchanged=plan.unchanged,
                         rejected=plan.rejected, tail=f"calls: {plan.calls}  total value: {plan.total_value}")
            return
        assert ledger is not None  # noqa: S101 - created above
        before = {r.request_key for r in ledger.rows() if r.state == "confirmed"}
        api = order_client() if check_redeemable else None
        if api is not None and shop_version(api) is ShopVersion.V4_0:
            api.close()
            raise click.UsageError(f"--check-redeemable: {REDEEM_REFUSED_40}")
        redeem = SessionRedeemCheck(client=api) if api is not None else None
        results = []
        holder = run_holder("vouchers")
        with contextlib.ExitStack() as stack:
            stack.enter_context(_run_lock(ledger.engine, scope=f"vouchers:{shop_key}", wait_s=lock_wait,
                                          holder=holder))
            if api is not None:
                stack.enter_context(api)
            with click.progressbar(items, label="issuing vouchers") as bar:
                for item in bar:
                    results += issue_vouchers_admin([item], store=store, ledger=ledger, prefix=prefix,
                                                    send_email=send_email, redeem_check=redeem, holder=holder)
    except OpenCartError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [{"key": r.request_key, "state": r.state, "action": r.action, "code": r.code, "reason": r.reason}
            for r in results]
    _write(file, rows)
    _finish(rows, done_before=before, verb="sent", noun="vouchers", allow_rejected=allow_rejected)


@click.group("coupons")
def coupons() -> None:
    """Coupons: create or update them from a CSV file, exactly once per code."""


@coupons.command("push")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@_SHOP_OPTION
@_LOCK_WAIT_OPTION
@_ALLOW_REJECTED
def push(file: Path, dry_run: bool, allow_rejected: bool, shop_key: str, lock_wait: float) -> None:
    """Upsert the coupons listed in FILE (CSV) by code."""
    items = _read_csv(file, parse_coupon_rows, required=("code",))
    try:
        store = coupon_store()
        if dry_run:
            plan = plan_coupons(items, store=store)
            _report_plan(file, creates=plan.creates, updates=plan.updates, unchanged=plan.unchanged,
                         rejected=plan.rejected, tail=f"calls: {plan.calls}")
            return
        engine, _ = _engine(create=True)
        ledger = CouponLedger(engine=engine)
        before = {r.code.upper() for r in ledger.rows() if r.state == "confirmed"}
        results = []
        holder = run_holder("coupons")
        with _run_lock(engine, scope=f"coupons:{shop_key}", wait_s=lock_wait, holder=holder), \
                click.progressbar(items, label="pushing coupons") as bar:
            for item in bar:
                results += push_coupons([item], store=store, ledger=ledger, holder=holder)
    except OpenCartError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = [{"key": r.code, "state": r.state, "action": r.action, "code": r.code, "reason": r.reason}
            for r in results]
    _write(file, rows)
    _finish([{**r, "key": str(r["key"] or "").upper()} for r in rows], done_before=before, verb="written",
            noun="coupons", allow_rejected=allow_rejected)
