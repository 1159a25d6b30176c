"""Fault-matrix engine shared by ``bench/fault_matrix.py`` and the reliability tests.

One *cell* is (fault kind, job, seed): start a sandbox shop with a seeded fault schedule on the
job's routes, run the job (rerunning after a failure that survived the retries, as a user would,
a bounded number of times), then count against the shop's own tables what was lost, duplicated
and leaked. Every number comes from the sandbox's tables, never from what the job reports.
"""

from __future__ import annotations

import io
import json
import logging
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa

from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.errors import OpenCartError
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.coupons import push_coupons
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.validation import (
    CouponRequest,
    Rejected,
    VoucherRequest,
    parse_coupon_row,
    parse_voucher_row,
)
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.secret import RedactingFilter
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.ledger_schema import coupon_ledger, voucher_ledger
from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.orders_schema import opencart_orders, opencart_quarantine
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import Timeout
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox
from oc_connector_sandbox.app import ROUTES
from oc_connector_sandbox.faults import KINDS

__all__ = [
    "FAST",
    "JOBS",
    "QUICK_RETRY",
    "SCENARIOS",
    "UNSURVIVABLE",
    "Cell",
    "LogCapture",
    "all_kinds",
    "count_leaks",
    "order_channel_available",
    "record_posts",
    "record_tokens",
    "run_cell",
    "shop_secrets",
    "warehouse_text",
]

FAST = RateLimit(per_second=1000, burst=1000)
QUICK_RETRY = RetryPolicy(max_attempts=6, initial_backoff=0.01, max_backoff=0.05, max_total_delay=3.0,
                          jitter=0.2)
TIMEOUT = Timeout(2.0, 2.0)
JOBS = ("orders", "vouchers_admin", "vouchers_order", "coupons")
UNSURVIVABLE = ("revoked_ip", "disabled_api_user")
"""Operator-side faults no retry can survive: the run must fail clearly, the rerun after the fix must
complete exactly."""
SCENARIOS = ("two_runs_at_once", "rerun_empty_warehouse")
"""How a campaign is run rather than a shop fault, for the reverse-ETL jobs: two runs of it at once
on one warehouse (no run lock: the ledger claims alone must keep it exact), and the completed
campaign run again against another, empty warehouse (nothing may be written again)."""
JOB_ROUTES: dict[str, tuple[str, ...]] = {
    "orders": ("api/login", "api/order/info"),
    "vouchers_admin": ("common/login", "sale/voucher", "sale/voucher/add", "sale/voucher/edit"),
    "vouchers_order": ("api/login", "api/cart/add", "api/voucher/add", "api/customer", "api/payment/address",
                       "api/payment/methods", "api/payment/method", "api/order/add", "api/order/info",
                       "api/order/history"),
    "coupons": ("common/login", "marketing/coupon", "marketing/coupon/add", "marketing/coupon/edit"),
}
WRITE_ROUTES: dict[str, tuple[str, ...]] = {
    "vouchers_admin": ("sale/voucher/add",),
    "vouchers_order": ("api/order/add", "api/voucher/add"),
    "coupons": ("marketing/coupon/add", "marketing/coupon/edit"),
}
_HTTP = tuple(sorted(k for k in KINDS if k.startswith("http_")))


def all_kinds() -> list[str]:
    """Every injectable kind, its after-commit HTTP variants, the unsurvivable faults, the run scenarios."""
    kinds = sorted(KINDS)
    return kinds + [f"{k}+after_commit" for k in _HTTP] + list(UNSURVIVABLE) + list(SCENARIOS)


def order_channel_available() -> bool:
    """The sandbox serves the catalog order routes the order channel needs."""
    return {"api/order/add", "api/voucher/add"} <= set(ROUTES)


@dataclass
class Cell:
    """One run of the matrix: counts are taken from the shop's tables."""

    fault: str
    job: str
    seed: int
    runs: int = 0
    requests: int = 0
    faults_fired: int = 0
    lost: int = 0
    duplicated: int = 0
    leaked: int = 0
    outcome: str = ""
    errors: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        """Nothing lost, duplicated or leaked, and the job completed (or was not runnable)."""
        return (self.lost, self.duplicated, self.leaked) == (0, 0, 0) and not self.outcome.startswith("FAIL")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


# -- secrets ------------------------------------------------------------------------------------
_USER_TOKEN = re.compile(r'"user_token"\s*:\s*"([^"]+)"')


_TOKEN_PARAM = re.compile(r"(?:^|&)(?:api_token|user_token)=([^&]+)")


def record_tokens(sb: Sandbox) -> None:
    """Remember every api_token/user_token any request carries (the shop deletes invalidated ones)."""
    server: Any = sb._server  # test-only peek: wrap the WSGI app the server calls
    inner = server.app
    seen: set[str] = set()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        seen.update(_TOKEN_PARAM.findall(environ.get("QUERY_STRING", "")))
        return inner(environ, start_response)

    server.app = app
    sb.seen_tokens = seen  # type: ignore[attr-defined]


def record_posts(sb: Sandbox) -> Counter[str]:
    """Count every POST the shop serves, by route (the request log does not keep the method).

    Writes of the admin channel are the POSTs of its forms: reading an edit form is a GET of the
    same route. Returns the live counter.
    """
    server: Any = sb._server  # test-only peek: wrap the WSGI app the server calls
    inner = server.app
    posts: Counter[str] = Counter()
    lock = threading.Lock()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "POST":
            route = parse_qs(environ.get("QUERY_STRING", "")).get("route", [""])[0]
            with lock:
                posts[route] += 1
        return inner(environ, start_response)

    server.app = app
    return posts


def shop_secrets(sb: Sandbox) -> set[str]:
    """Every secret the shop knows of: API key, api_tokens issued, admin password, admin user_tokens.

    Tokens come from ``oc_api_session``/``oc_session`` and, after :func:`record_tokens`, from every
    request the shop served.
    """
    found = {sb.api_key, sb.admin_password, *getattr(sb, "seen_tokens", ())}
    found |= {str(r["session_id"]) for r in sb.query("SELECT session_id FROM oc_api_session")}
    for row in sb.query("SELECT data FROM oc_session"):
        found |= set(_USER_TOKEN.findall(str(row["data"])))
    return {s for s in found if s and len(s) >= 8}


def count_leaks(texts: Iterable[str], secrets: Iterable[str]) -> int:
    """Occurrences of any secret in any text."""
    wanted = list(secrets)
    return sum(text.count(s) for text in texts for s in wanted)


def warehouse_text(engine: sa.Engine) -> list[str]:
    """Every row of every warehouse table, as text."""
    out: list[str] = []
    names = sa.inspect(engine).get_table_names()
    with engine.connect() as conn:
        for name in names:
            table = sa.Table(name, sa.MetaData(), autoload_with=engine)
            out.extend(repr(tuple(r)) for r in conn.execute(sa.select(table)))
    return out


class LogCapture(logging.Handler):
    """Formats every record (DEBUG and up) through :class:`RedactingFilter`, like the CLI handler."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RedactingFilter())
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)  # includes exc_text when an exception is attached
        self.lines.append(text)


@contextmanager
def capture_logs() -> Iterator[LogCapture]:
    """Root logger at DEBUG (urllib3 included) into a redacting capture handler."""
    root = logging.getLogger()
    handler = LogCapture()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


# -- schedules ----------------------------------------------------------------------------------
def schedule_for(kind: str, job: str, *, seed: int, probability: float) -> FaultSchedule:
    """The seeded schedule of one cell: ``kind`` on each of the job's routes (after-commit on writes)."""
    base, _, variant = kind.partition("+")
    after = variant == "after_commit"
    routes = WRITE_ROUTES.get(job, JOB_ROUTES[job][-1:]) if after else JOB_ROUTES[job]
    rules = []
    for route in routes:
        kw: dict[str, Any] = {"route": route, "probability": probability, "after_commit": after}
        if base in ("latency", "slow"):
            kw["latency"] = (0.001, 0.03) if base == "latency" else (0.05, 0.15)
        if base in ("http_429", "http_503"):
            kw["retry_after"] = 0
        rules.append(FaultRule(base, **kw))
    return FaultSchedule(rules, seed=seed)


# -- jobs ---------------------------------------------------------------------------------------
def voucher_items(n: int, *, tag: str) -> list[VoucherRequest | Rejected]:
    """``n`` valid voucher requests with distinct keys."""
    rows = [{"request_key": f"{tag}-{i}", "to_name": f"To {i}", "to_email": f"t{i}@x.io", "from_name": "Shop",
             "from_email": "s@x.io", "amount": str(5 + i), "voucher_theme_id": "8", "message": "hi"}
            for i in range(n)]
    return [parse_voucher_row(r) for r in rows]


def coupon_items(n: int, *, tag: str) -> list[CouponRequest | Rejected]:
    """``n`` valid new-coupon requests."""
    start = date(2026, 11, 27)
    rows = [{"code": f"{tag.upper()}{i:03d}", "name": f"Coupon {i}", "type": "P", "discount": str(5 + i),
             "date_start": start.isoformat(), "date_end": (start + timedelta(days=30)).isoformat()}
            for i in range(n)]
    return [parse_coupon_row(r) for r in rows]


def _admin(sb: Sandbox) -> AdminClient:
    return AdminClient(sb.url, username=sb.admin_username, password=sb.admin_password,
                       allow_insecure_http=True, rate_limit=FAST, retry=QUICK_RETRY, timeout=TIMEOUT)


def _catalog(sb: Sandbox) -> OpenCartClient:
    return OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username, allow_insecure_http=True,
                          rate_limit=FAST, retry=QUICK_RETRY, timeout=TIMEOUT)


@dataclass
class _Ctx:
    sb: Sandbox
    engine: sa.Engine
    size: int
    texts: list[str] = field(default_factory=list)


def _job_orders(ctx: _Ctx) -> Callable[[], Any]:
    options = SyncOptions(shop="m", workers=2, gap_tolerance=10, batch_size=10)
    now = ctx.sb.clock.now() + timedelta(minutes=5)

    def run() -> Any:
        client = _catalog(ctx.sb)
        try:
            result = OrderSync(client, ctx.engine, options, now=lambda: now).run()
            ctx.texts.append(json.dumps(result.as_metadata(), default=str))
            return result
        finally:
            client.close()

    return run


def _job_vouchers_admin(ctx: _Ctx) -> Callable[[], Any]:
    metadata.create_all(ctx.engine, tables=[voucher_ledger])
    ledger = VoucherLedger(engine=ctx.engine)
    items = voucher_items(ctx.size, tag="fm")

    def run() -> Any:
        results = issue_vouchers_admin(items, store=AdminVoucherStore(admin=_admin(ctx.sb)), ledger=ledger,
                                       attempts=4)
        ctx.texts.extend(repr(r) for r in results)
        if any(r.state != "confirmed" for r in results):
            raise _Incomplete(", ".join(sorted({r.state for r in results})))
        return results

    return run


def _job_vouchers_order(ctx: _Ctx) -> Callable[[], Any]:
    from oc_connector.reverse.order_channel import Issuer, OrderChannelSettings, issue_vouchers_order

    metadata.create_all(ctx.engine, tables=[voucher_ledger])
    ledger = VoucherLedger(engine=ctx.engine)
    items = voucher_items(ctx.size, tag="fo")
    settings = OrderChannelSettings(issuer=Issuer(email="desk@x.io"), batch_size=3, scan_misses=5,
                                    settle_s=0)

    def run() -> Any:
        client = _catalog(ctx.sb)
        try:
            states = issue_vouchers_order(items, client=client, ledger=ledger, settings=settings)
        finally:
            client.close()
        ctx.texts.append(repr(states))
        if set(states.values()) != {"confirmed"}:
            raise _Incomplete(", ".join(sorted(set(states.values()))))
        return states

    return run


def _job_coupons(ctx: _Ctx) -> Callable[[], Any]:
    metadata.create_all(ctx.engine, tables=[coupon_ledger])
    ledger = CouponLedger(engine=ctx.engine)
    items = coupon_items(ctx.size, tag="fm")

    def run() -> Any:
        results = push_coupons(items, store=AdminCouponStore(admin=_admin(ctx.sb)), ledger=ledger,
                               today=date(2026, 11, 27))
        ctx.texts.extend(repr(r) for r in results)
        if any(r.state not in ("confirmed", "unchanged") for r in results):
            raise _Incomplete(", ".join(sorted({r.state for r in results})))
        return results

    return run


class _Incomplete(Exception):
    """The job returned but left requests unfinished (failed/unknown states)."""


_JOBS: dict[str, Callable[[_Ctx], Callable[[], Any]]] = {
    "orders": _job_orders,
    "vouchers_admin": _job_vouchers_admin,
    "vouchers_order": _job_vouchers_order,
    "coupons": _job_coupons,
}


# -- checks against the shop --------------------------------------------------------------------
def _check_orders(ctx: _Ctx) -> tuple[int, int]:
    shop = {int(r["order_id"]) for r in ctx.sb.query("SELECT order_id FROM oc_order")}
    t = opencart_orders
    with ctx.engine.connect() as conn:
        ids = [int(i) for i in conn.scalars(
            sa.select(t.c.order_id).where(t.c.shop == "m", t.c._deleted_at.is_(None)))]
        quarantined = {int(q) for q in conn.scalars(
            sa.select(opencart_quarantine.c.entity_id).where(opencart_quarantine.c.shop == "m",
                                                             opencart_quarantine.c.resolved.is_(False)))}
    lost = len(shop - set(ids))
    duplicated = (len(ids) - len(set(ids))) + len(set(ids) - shop)
    return lost + len(quarantined - set(ids) - (shop - set(ids))), duplicated


def _check_vouchers(ctx: _Ctx, before: int, tag: str) -> tuple[int, int]:
    rows = ctx.sb.query("SELECT code, to_email, amount FROM oc_voucher WHERE voucher_id > ?", (before,))
    wanted = {f"t{i}@x.io": float(5 + i) for i in range(ctx.size)}
    per_request: dict[str, int] = {}
    for r in rows:
        per_request[str(r["to_email"])] = per_request.get(str(r["to_email"]), 0) + 1
    codes = [str(r["code"]).lower() for r in rows]
    missing = sum(1 for email in wanted if per_request.get(email, 0) == 0)
    dup = sum(n - 1 for n in per_request.values() if n > 1) + (len(codes) - len(set(codes)))
    dup += sum(1 for email in per_request if email not in wanted)
    ledger = VoucherLedger(engine=ctx.engine)
    confirmed = {(r.code or "").lower() for r in ledger.rows()
                 if r.state == "confirmed" and r.channel != "order"}
    if tag == "admin":
        missing += len(confirmed - set(codes))  # a confirmed code the shop does not have
    return missing, dup


def _check_coupons(ctx: _Ctx) -> tuple[int, int]:
    rows = ctx.sb.query("SELECT lower(code) AS code, discount FROM oc_coupon WHERE code LIKE 'FM%'")
    wanted = {f"fm{i:03d}": float(5 + i) for i in range(ctx.size)}
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["code"]] = counts.get(r["code"], 0) + 1
    discounts = {(r["code"], float(r["discount"])) for r in rows}
    missing = sum(1 for c, d in wanted.items() if counts.get(c, 0) == 0 or (c, d) not in discounts)
    dup = sum(n - 1 for n in counts.values() if n > 1) + sum(1 for c in counts if c not in wanted)
    return missing, dup


def _break(sb: Sandbox, fault: str) -> None:
    if fault == "revoked_ip":
        sb.revoke_ip("127.0.0.1")
    else:
        sb.disable_api_user()


def _fix(sb: Sandbox, fault: str) -> None:
    if fault == "revoked_ip":
        sb.allow_ip("127.0.0.1")
    else:
        sb.enable_api_user()


def run_cell(fault: str, job: str, *, seed: int, size: int = 6, orders: int = 30, probability: float = 0.2,
             max_runs: int = 6, budget_s: float = 60.0) -> Cell:
    """Run one (fault, job, seed) cell and count lost/duplicated/leaked against the shop's tables.

    Args:
        fault: a sandbox fault kind, ``kind+after_commit``, or one of :data:`UNSURVIVABLE`.
        job: one of :data:`JOBS`.
        seed: seeds the shop, its generator and the fault schedule.
        size: vouchers/coupons requested per run.
        orders: generated orders in the shop (orders job).
        probability: chance per matching request that the fault fires.
        max_runs: bounded reruns after a failure that survived the retries.
        budget_s: stop rerunning after this much wall time.

    Returns:
        The filled :class:`Cell`.
    """
    cell = Cell(fault=fault, job=job, seed=seed)
    catalog_job = job in ("orders", "vouchers_order")
    if job == "vouchers_order" and not order_channel_available():
        cell.outcome = "not run: route missing"
        return cell
    if fault in UNSURVIVABLE and not catalog_job:
        cell.outcome = "n/a (catalog API user only)"
        return cell
    if fault in SCENARIOS:
        if job == "orders":
            cell.outcome = "n/a (reverse-ETL jobs only)"
            return cell
        return _run_scenario(cell, size=size)
    with tempfile.TemporaryDirectory() as tmp, capture_logs() as logs:
        engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'wh.db'}")
        sb = Sandbox.start(orders=orders if job == "orders" else 0, seed=seed)
        record_tokens(sb)
        try:
            ctx = _Ctx(sb=sb, engine=engine, size=size)
            run = _JOBS[job](ctx)
            voucher_before = int(sb.query("SELECT COALESCE(MAX(voucher_id), 0) AS m FROM oc_voucher")[0]["m"])
            schedule: FaultSchedule | None = None
            if fault in UNSURVIVABLE:
                _break(sb, fault)
            else:
                schedule = schedule_for(fault, job, seed=seed, probability=probability)
                sb.set_faults(schedule)
            _run_bounded(cell, run, fault=fault, sb=sb, max_runs=max_runs, budget_s=budget_s)
            cell.requests = sb.request_count()
            cell.faults_fired = sum(1 for _r, _s, f in list(sb.request_log) if f)
            if job == "orders":
                cell.lost, cell.duplicated = _check_orders(ctx)
            elif job == "coupons":
                cell.lost, cell.duplicated = _check_coupons(ctx)
            else:
                cell.lost, cell.duplicated = _check_vouchers(ctx, voucher_before, job.rsplit("_", 1)[-1])
            texts = [*logs.lines, *ctx.texts, *cell.errors, *warehouse_text(engine)]
            cell.leaked = count_leaks(texts, shop_secrets(sb))
        finally:
            sb.stop()
            engine.dispose()
    return cell


def _check_reverse(ctx: _Ctx, job: str, voucher_before: int) -> tuple[int, int]:
    if job == "coupons":
        return _check_coupons(ctx)
    return _check_vouchers(ctx, voucher_before, job.rsplit("_", 1)[-1])


def _run_scenario(cell: Cell, *, size: int) -> Cell:
    """A run scenario (:data:`SCENARIOS`) of a reverse-ETL job, counted like a fault cell.

    ``two_runs_at_once``: the job's run started twice together in threads on one warehouse (each
    with its own clients and ledger claims). ``rerun_empty_warehouse``: one run, then the same
    campaign on a second, empty warehouse; that rerun must POST no form and send no ``order/add``.
    """
    job = cell.job
    with tempfile.TemporaryDirectory() as tmp, capture_logs() as logs:
        engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'wh.db'}")
        other = sa.create_engine(f"sqlite:///{Path(tmp) / 'other.db'}")
        sb = Sandbox.start(orders=0, seed=cell.seed)
        record_tokens(sb)
        posts = record_posts(sb)
        try:
            ctx = _Ctx(sb=sb, engine=engine, size=size)
            run = _JOBS[job](ctx)
            voucher_before = int(sb.query("SELECT COALESCE(MAX(voucher_id), 0) AS m FROM oc_voucher")[0]["m"])
            rerun_writes = 0
            if cell.fault == "two_runs_at_once":
                cell.runs = 2
                errors: list[str] = []

                def one() -> None:
                    try:
                        run()
                    except Exception as exc:  # any error of either run fails the cell
                        errors.append(f"{type(exc).__name__}: {exc}")

                threads = [threading.Thread(target=one) for _ in range(2)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                cell.errors.extend(errors)
            else:
                cell.runs = 2
                run()
                written = sum(posts[r] for r in WRITE_ROUTES[job])
                rerun = _JOBS[job](_Ctx(sb=sb, engine=other, size=size))
                try:
                    rerun()
                except Exception as exc:  # any error of the rerun fails the cell
                    cell.errors.append(f"{type(exc).__name__}: {exc}")
                rerun_writes = sum(posts[r] for r in WRITE_ROUTES[job]) - written
            cell.requests = sb.request_count()
            cell.lost, cell.duplicated = _check_reverse(ctx, job, voucher_before)
            texts = [*logs.lines, *ctx.texts, *cell.errors, *warehouse_text(engine), *warehouse_text(other)]
            cell.leaked = count_leaks(texts, shop_secrets(sb))
            if cell.errors:
                cell.outcome = f"FAIL: {cell.errors[0][:80]}"
            elif rerun_writes:
                cell.outcome = f"FAIL: the rerun wrote {rerun_writes} times"
            else:
                cell.outcome = ("ok (both runs complete)" if cell.fault == "two_runs_at_once"
                                else "ok (rerun wrote nothing)")
        finally:
            sb.stop()
            engine.dispose()
            other.dispose()
    return cell


def _run_bounded(cell: Cell, run: Callable[[], Any], *, fault: str, sb: Sandbox, max_runs: int,
                 budget_s: float) -> None:
    start = time.monotonic()
    unsurvivable = fault in UNSURVIVABLE
    while cell.runs < max_runs:
        cell.runs += 1
        try:
            run()
        except (OpenCartError, _Incomplete) as exc:
            cell.errors.append(f"{type(exc).__name__}: {exc}")
            if unsurvivable and cell.runs == 1:
                _fix(sb, fault)
            if time.monotonic() - start > budget_s:
                cell.outcome = f"FAIL: gave up after {cell.runs} runs ({cell.errors[-1][:80]})"
                return
            continue
        if unsurvivable and cell.runs == 1:
            cell.outcome = "FAIL: ran through a revoked/disabled API user"
            return
        if unsurvivable:
            cell.outcome = f"clear error ({cell.errors[0].split(':')[0]}); rerun after fix ok"
        else:
            cell.outcome = "ok" if cell.runs == 1 else f"ok after {cell.runs} runs"
            if fault == "invalidate_token" and not sb.request_count("api/login"):
                cell.outcome += " (no-op here: the admin channel has no api_token)"
        return
    cell.outcome = f"FAIL: incomplete after {cell.runs} runs ({cell.errors[-1][:80]})"


def markdown(cells: Iterable[Cell]) -> str:
    """The published table: one row per (fault, job), seeds aggregated."""
    grouped: dict[tuple[str, str], list[Cell]] = {}
    for c in cells:
        grouped.setdefault((c.fault, c.job), []).append(c)
    out = io.StringIO()
    out.write("| fault | job | runs | requests | lost | duplicated | leaked | outcome |\n")
    out.write("|---|---|---:|---:|---:|---:|---:|---|\n")
    for (fault, job), group in grouped.items():
        outcomes = sorted({c.outcome for c in group})
        out.write(f"| {fault} | {job} | {sum(c.runs for c in group)} | {sum(c.requests for c in group)} | "
                  f"{sum(c.lost for c in group)} | {sum(c.duplicated for c in group)} | "
                  f"{sum(c.leaked for c in group)} | {'; '.join(outcomes)} |\n")
    return out.getvalue()
