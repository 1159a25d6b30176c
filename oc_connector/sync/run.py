"""Incremental, resumable sync of OpenCart orders (and their status history) into the warehouse.

The API has no order list: orders are read one id at a time. The high-water mark (HWM) is the
highest order id below which every id has been read. Each run re-reads the open and recent orders,
then probes upward from the HWM until ``gap_tolerance`` consecutive ids answer not-found. Each
batch (data, history, quarantine and the HWM) commits in one transaction, so a crash anywhere
loses nothing and duplicates nothing.

With an admin client, every new or changed order (and every order whose details are not loaded
yet) also gets its lines, totals and sold vouchers replaced in the same batch transaction (read as
:mod:`oc_connector.sync.details` describes), and each run first refreshes ``opencart_products``
(the whole catalogue, needed to map invoice lines to product ids) and ``opencart_customers`` (new
customers, see :func:`~oc_connector.sync.details.read_new_customers`) and records the shop's
processing and complete statuses (:mod:`oc_connector.sync.statuses`). A soft-deleted order keeps
its detail rows, as it keeps its order row: filter on ``opencart_orders._deleted_at``.

On an OpenCart 4.0 shop (``SyncOptions.version``, a 4.0 admin client or order reader, or the
catalog client's version: see :func:`~oc_connector.sync.shop40.shop_version`) there is no API order
read: orders, lines, totals and history come from the admin pages through the 4.0 admin client,
which is then required (:mod:`oc_connector.sync.shop40`).
Products and customers are not refreshed there (``SyncResult.dimensions`` says so).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from oc_connector.dialect import ShopVersion
from oc_connector.errors import (
    AdminError,
    AdminLoginError,
    AdminPageError,
    ConfigurationError,
    NotFoundError,
    ServerError,
    UnexpectedResponseError,
)
from oc_connector.sync.commit import BatchCommitter, commits_inline
from oc_connector.sync.details import (
    ProductIndex,
    read_details,
    read_new_customers,
    read_page_details,
    read_products,
)
from oc_connector.sync.failures import FailureGate, Fetched, Unreadable
from oc_connector.sync.feed import OrderListReader, plan_feed, read_feed_day, set_feed_day, shop_day
from oc_connector.sync.fetch import fetch_in_order, fetch_until_gap
from oc_connector.sync.history import admin_history_rows, observed_history_row
from oc_connector.sync.load import (
    detail_order_ids,
    insert_history,
    known_customer_ids,
    known_hashes,
    mark_deleted,
    record_absent,
    replace_order_details,
    resolve_quarantine,
    upsert_customers,
    upsert_order_rows,
    upsert_products,
    upsert_quarantine,
)
from oc_connector.sync.locks import RangeLock, ShopLock, SyncLock
from oc_connector.sync.normalize import QuarantinedRow, normalize_order_rows
from oc_connector.sync.normalize_details import customer_rows, detail_rows, product_rows
from oc_connector.sync.options import (
    DEFAULT_FINAL_STATUSES,
    AdminHistoryReader,
    OrderReader,
    SyncOptions,
    SyncProgress,
    SyncResult,
)
from oc_connector.sync.queries import loaded_ids, reread_ids
from oc_connector.sync.shop40 import (
    STATUSES_NOT_READ_40,
    PrimingLister,
    Shop40Reads,
    list_orders,
    reads40,
    shop_version,
)
from oc_connector.sync.state import ensure_state_row, read_hwm, record_run, set_hwm
from oc_connector.sync.statuses import record_shop_statuses
from oc_connector.sync.sweep import FEED_BOUND, plan_sweep, set_sweep_at, set_sweep_position, staleness_bound
from oc_connector.warehouse.migrate import upgrade
from oc_connector.warehouse.transactions import begin_write
from oc_connector.wire.concurrency import AdaptiveConcurrency

__all__ = [
    "DEFAULT_FINAL_STATUSES",
    "AdminHistoryReader",
    "OrderReader",
    "OrderSync",
    "SyncOptions",
    "SyncProgress",
    "SyncResult",
]


@dataclass
class _Tally:
    lock: SyncLock
    gate: FailureGate
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    history: int = 0
    quarantined: int = 0
    calls: int = 0
    admin_calls: int = 0
    ids_read: int = 0
    lines: int = 0
    totals: int = 0
    vouchers: int = 0
    details_quarantined: int = 0
    fallbacks: int = 0
    products: int = 0
    customers: int = 0
    list_requests: int = 0
    sweep_reads: int = 0
    staleness: str = ""


_DEFAULT_OPTIONS = SyncOptions()


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _concurrency_report(adaptive: Any, changes_before: int, started: float) -> dict[str, Any]:
    """The run's final adaptive limit and its changes since ``changes_before`` (none if fixed)."""
    if not isinstance(adaptive, AdaptiveConcurrency):
        return {}
    return {
        "concurrency_limit": adaptive.limit,
        "concurrency_changes": tuple(
            (round(c.at - started, 3), c.old, c.new, c.reason) for c in adaptive.changes[changes_before:]
        ),
    }


def _split(ids: list[int], *, below: int) -> tuple[list[int], list[int]]:
    """``ids`` under ``below``, and the rest."""
    return [i for i in ids if i < below], [i for i in ids if i > below]


class OrderSync:
    """Incremental order sync of one shop into one warehouse.

    Args:
        client: reads one order by id (``order_info_raw``), raising NotFoundError: the catalog
            API client, or on OpenCart 4.0 an :class:`~oc_connector.admin40.orders.AdminOrderReader`
            (or the catalog client, whose version then says 4.0: the sync makes the reader).
        engine: the warehouse engine (the schema is upgraded on each run).
        options: see :class:`SyncOptions`.
        admin: optional admin client; when given, new and changed orders get their full history
            and their lines, totals and sold vouchers (see ``SyncOptions.admin_history`` and
            ``admin_details``), and products and customers are refreshed (3.0 only). Required on
            OpenCart 4.0 (an ``Admin40Client``).
        progress: called after each committed batch.
        now: clock returning naive UTC datetimes (injectable for tests).
        after_batch: called after each committed batch with the batch's highest id (test hook
            for crash injection).
        lock_wait: how long ``run`` and ``backfill`` wait for a lock another run holds.

    Raises:
        ConfigurationError: an option that must be at least 1 is not, or the shop time zone is
            unknown; from ``run``/``backfill``: a 4.0 shop without a 4.0 admin client.
    """

    def __init__(
        self,
        client: OrderReader,
        engine: sa.Engine,
        options: SyncOptions = _DEFAULT_OPTIONS,
        *,
        admin: AdminHistoryReader | None = None,
        progress: Callable[[SyncProgress], None] | None = None,
        now: Callable[[], datetime] = _utcnow,
        after_batch: Callable[[int], None] | None = None,
        lock_wait: timedelta = timedelta(seconds=5),
    ) -> None:
        too_small = [
            f"{name}={getattr(options, name)}"
            for name in ("workers", "batch_size", "gap_tolerance", "max_consecutive_failures")
            if getattr(options, name) < 1
        ]
        if too_small:
            raise ConfigurationError(f"SyncOptions {', '.join(too_small)}: each must be >= 1")
        try:
            ZoneInfo(options.shop_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"unknown shop timezone {options.shop_timezone!r}") from None
        self._client = client
        self._engine = engine
        self._opt = options
        self._admin = admin
        self._progress = progress
        self._now = now
        self._after_batch = after_batch
        self._lock_wait = lock_wait
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._index: ProductIndex | None = None
        #: the shop's version (found at the start of the first run; None: not known, read as 3.0)
        #: and, on 4.0, its admin reads
        self._resolved = False
        self._version: ShopVersion | None = None
        self._v40: Shop40Reads | None = None

    @property
    def _details_state(self) -> str:
        """``loaded`` when this sync loads the admin details, else why not."""
        if self._admin is None:
            return "not loaded: no admin credentials"
        if not self._opt.admin_details:
            return "not loaded: turned off (admin_details=False)"
        if self._v40 is not None:
            return "loaded"
        if not hasattr(self._admin, "order_invoices"):
            return "not loaded: the admin client cannot read order pages"
        return "loaded"

    # -- public -------------------------------------------------------------------------------

    def run(self) -> SyncResult:
        """Re-read open/recent (or all, with ``full``) orders, then probe for new ones.

        Returns:
            The run's statistics.
        """
        lock = ShopLock(
            engine=self._engine, shop=self._opt.shop, holder=self._holder, now=self._now, wait=self._lock_wait
        )
        return self._locked(self._run_body, lock)

    def backfill(self, first_id: int, last_id: int) -> SyncResult:
        """Read exactly ids ``first_id..last_id`` and upsert them; the HWM is not moved.

        A backfill holds only the lock of its id range (``opencart_sync_range_lock``), not the
        shop's: backfills of disjoint ranges run at the same time; one whose range overlaps a
        range held by a live backfill waits up to ``lock_wait``, then raises ``SyncLockedError``
        naming the holder and its range. A backfill and ``run()`` may also overlap in time: both
        only upsert (orders by key, history rows ignored when their event exists, quarantine by
        key), and a backfill never moves the mark, so together they leave the same rows as one
        after the other (``_last_synced_at`` aside).

        Args:
            first_id: first order id to read (inclusive).
            last_id: last order id to read (inclusive).

        Returns:
            The backfill's statistics (``hwm_before == hwm_after``).

        Raises:
            ConfigurationError: ``first_id`` exceeds ``last_id``.
            SyncLockedError: an overlapping range stayed held for ``lock_wait``.
        """
        lock = RangeLock(
            engine=self._engine,
            shop=self._opt.shop,
            holder=self._holder,
            now=self._now,
            first_id=first_id,
            last_id=last_id,
            wait=self._lock_wait,
        )

        def body(tally: _Tally, hwm: int) -> int:
            known = loaded_ids(self._engine, shop=self._opt.shop, first_id=first_id, last_id=last_id)
            self._process(
                range(first_id, last_id + 1),
                tally,
                phase="backfill",
                hwm=hwm,
                loaded=known,
                total=last_id - first_id + 1,
            )
            return hwm

        return self._locked(body, lock)

    # -- orchestration ------------------------------------------------------------------------

    def _resolve_shop(self) -> None:
        """Find the shop's version once; on 4.0 read orders, details and history over the admin."""
        if self._resolved:
            return
        version = shop_version(self._client, self._admin, self._opt)
        if version is ShopVersion.V4_0:
            self._v40 = reads40(self._client, self._admin, self._opt, pages=2 * self._opt.batch_size
                                + self._window() + self._opt.workers)
            self._client = self._v40.reader
            self._admin = self._v40.reader  # history and details from the pages the reader keeps
        self._version = version
        self._resolved = True

    def _version_read(self) -> str:
        """The version the run read: as found at its start, else as the client found it since."""
        found = self._version or getattr(self._client, "version", None)
        return found.value if isinstance(found, ShopVersion) else ""

    def _dimensions_state(self) -> str:
        """Whether this run refreshes products and customers, else why not."""
        if self._v40 is not None:
            return "not refreshed: OpenCart 4.0 (no product or customer list is read from its admin)"
        if self._details_state != "loaded":
            return f"not refreshed: {self._details_state.removeprefix('not loaded: ')}"
        return "refreshed"

    def _locked(self, body: Callable[[_Tally, int], int], lock: SyncLock) -> SyncResult:
        started = time.monotonic()
        self._resolve_shop()
        upgrade(self._engine)
        lock.acquire()
        started_at = self._now()
        tally = _Tally(lock=lock, gate=FailureGate(self._opt.max_consecutive_failures))
        stats_before = self._client_stats()
        admin_before = self._admin_requests()
        reads = self._client if self._v40 is None else self._v40.admin.transport
        adaptive = getattr(reads, "concurrency", None)
        changes_before = len(adaptive.changes) if isinstance(adaptive, AdaptiveConcurrency) else 0
        clock_at_start = time.monotonic()
        try:
            with self._engine.connect() as conn:
                hwm_before = read_hwm(conn, shop=self._opt.shop)
            statuses = (
                record_shop_statuses(self._admin, self._engine, shop=self._opt.shop)
                if self._v40 is None
                else STATUSES_NOT_READ_40
            )
            dimensions = self._dimensions_state()
            if dimensions == "refreshed":
                self._refresh_dimensions(tally)
            hwm_after = body(tally, hwm_before)
            tally.gate.check_done()
            stats_after = self._client_stats()
            result = SyncResult(
                shop=self._opt.shop,
                orders_inserted=tally.inserted,
                orders_updated=tally.updated,
                orders_unchanged=tally.unchanged,
                orders_deleted=tally.deleted,
                history_rows=tally.history,
                quarantined=tally.quarantined,
                api_calls=tally.calls,
                admin_calls=tally.admin_calls,
                retries=int(stats_after.get("retries", 0) - stats_before.get("retries", 0)),
                rate_limit_wait_s=float(
                    stats_after.get("rate_limit_wait_s", 0.0) - stats_before.get("rate_limit_wait_s", 0.0)
                ),
                hwm_before=hwm_before,
                hwm_after=hwm_after,
                ids_read=tally.ids_read,
                list_requests=tally.list_requests,
                duration_s=time.monotonic() - started,
                details=self._details_state,
                order_lines=tally.lines,
                order_totals=tally.totals,
                order_vouchers=tally.vouchers,
                details_quarantined=tally.details_quarantined,
                details_fallbacks=tally.fallbacks,
                products=tally.products,
                customers=tally.customers,
                revenue_statuses=statuses,
                admin_requests=self._admin_requests() - admin_before,
                **_concurrency_report(adaptive, changes_before, clock_at_start),
                sweep_reads=tally.sweep_reads,
                staleness=tally.staleness,
                version=self._version_read(),
                dimensions=dimensions,
            )
            record_run(
                self._engine,
                shop=self._opt.shop,
                started_at=started_at,
                finished_at=self._now(),
                stats=result.as_metadata(),
            )
            return result
        finally:
            lock.release()

    def _run_body(self, tally: _Tally, hwm: int) -> int:
        started = self._now()
        feed = self._feed()
        with self._engine.connect() as conn:
            day = read_feed_day(conn, shop=self._opt.shop) if feed is not None else None
        tally.staleness = FEED_BOUND if feed is not None else staleness_bound(self._opt.staleness_window)
        if feed is not None and day is not None and not self._opt.full:
            return self._feed_body(feed, day, started, tally, hwm)
        since = None if self._opt.full else started - self._opt.lookback
        reread = reread_ids(
            self._engine, shop=self._opt.shop, hwm=hwm, since=since, final_statuses=self._opt.final_statuses
        )
        newest: int | None = None
        if self._v40 is not None:  # the list bounds the new ids (and, read whole, primes the reader)
            newest, listed = list_orders(self._v40, every=self._opt.full or hwm == 0 or feed is not None)
            tally.list_requests += listed
        self._process(reread, tally, phase="reread", hwm=hwm, loaded=set(reread), total=len(reread))
        if feed is None and since is not None:
            self._sweep(tally, hwm, since=since, started=started)
        hwm_after = self._probe(tally, hwm, last=newest)
        if feed is not None:  # the feed starts from here: every order has just been read
            with begin_write(self._engine) as conn:
                set_feed_day(conn, shop=self._opt.shop, day=shop_day(started, self._opt.shop_timezone))
        return hwm_after

    def _sweep(self, tally: _Tally, hwm: int, *, since: datetime, started: datetime) -> None:
        """Re-read this run's slice of the final orders (see :mod:`oc_connector.sync.sweep`)."""
        shop = self._opt.shop
        plan = plan_sweep(
            self._engine, shop=shop, hwm=hwm, since=since, final_statuses=self._opt.final_statuses,
            started=started, window=self._opt.staleness_window,
        )

        def position(conn: sa.Connection, batch: list[Fetched]) -> None:
            set_sweep_position(conn, shop=shop, order_id=batch[-1][0])

        def done(conn: sa.Connection) -> None:
            ensure_state_row(conn, shop)
            set_sweep_at(conn, shop=shop, at=started)

        before = tally.ids_read
        self._process(plan.ids, tally, phase="sweep", hwm=hwm, loaded=set(plan.ids), total=len(plan.ids),
                      each=position, finish=done)
        tally.sweep_reads += tally.ids_read - before

    def _feed(self) -> OrderListReader | None:
        """The admin client as a change feed, when it can list orders and the feed is wanted.

        On 4.0 every list page the feed reads is primed into the order reader.
        """
        if not self._opt.change_feed:
            return None
        if self._v40 is not None:
            return PrimingLister(self._v40)
        if not callable(getattr(self._admin, "order_list", None)):
            return None
        return self._admin  # type: ignore[return-value]

    def _feed_body(self, feed: OrderListReader, day: date, started: datetime, tally: _Tally, hwm: int) -> int:
        """Re-read what the change feed lists as changed (and the quarantine), then probe for new ids."""
        shop = self._opt.shop
        plan = plan_feed(feed, self._engine, shop=shop, since=day, hwm=hwm, started_utc=started,
                         timezone=self._opt.shop_timezone)
        tally.list_requests += plan.list_requests
        held = reread_ids(self._engine, shop=shop, hwm=hwm, since=started, final_statuses=(), only_held=True)
        ids = sorted(set(plan.changed) | set(plan.missing) | set(held))
        loaded = set(plan.changed) | set(plan.missing)

        def cursor(conn: sa.Connection) -> None:
            set_feed_day(conn, shop=shop, day=plan.next_day)

        self._process(ids, tally, phase="feed", hwm=hwm, loaded=loaded, total=len(ids), finish=cursor)
        return self._probe(tally, hwm, last=plan.newest)

    def _admin_requests(self) -> int:
        """Requests the admin client has sent so far (0 without one, or without transport stats)."""
        session = self._admin if self._v40 is None else self._v40.admin
        stats = getattr(getattr(session, "transport", None), "stats", None)
        value = getattr(stats, "requests", 0)
        return int(value) if isinstance(value, int) else 0

    def _refresh_dimensions(self, tally: _Tally) -> None:
        """Read the catalogue (kept as the run's product index) and new customers; upsert both."""
        admin: Any = self._admin
        shop, now = self._opt.shop, self._now()
        products = read_products(admin)
        self._index = ProductIndex(products)
        with self._engine.connect() as conn:
            known = known_customer_ids(conn, shop=shop)
        customers = read_new_customers(admin, known, full=self._opt.full)
        with begin_write(self._engine) as conn:
            upsert_products(conn, product_rows(products, shop=shop, now=now))
            upsert_customers(conn, customer_rows(customers, shop=shop, now=now))
        tally.products += len(products)
        tally.customers += len({c.customer_id for c in customers} - known)

    def _client_stats(self) -> dict[str, float]:
        """Retries and rate-limit waits of the order reads so far (on 4.0: of the admin session)."""
        if self._v40 is not None:
            return {k: float(v) for k, v in self._v40.admin.transport.stats.snapshot().items()
                    if k in ("retries", "rate_limit_wait_s")}
        stats = getattr(self._client, "stats", None)
        out: dict[str, float] = {}
        for name in ("retries", "rate_limit_wait_s"):
            value = stats.get(name) if isinstance(stats, dict) else getattr(stats, name, None)
            if isinstance(value, (int, float)):
                out[name] = float(value)
        return out

    # -- fetching -----------------------------------------------------------------------------

    def _fetch(self, order_id: int) -> Fetched:
        try:
            body = self._client.order_info_raw(order_id)
        except NotFoundError:
            return order_id, None
        except (UnexpectedResponseError, ServerError) as exc:  # the client's retries are exhausted
            return order_id, Unreadable(exc)
        except AdminPageError as exc:  # 4.0: the order's page does not parse
            return order_id, Unreadable(exc)
        except AdminError as exc:  # 4.0: a page answered 5xx after the retries
            if isinstance(exc, AdminLoginError) or exc.status is None or exc.status < 500:
                raise
            return order_id, Unreadable(exc)
        inner = body.get("order") if isinstance(body, dict) else None
        return order_id, inner if isinstance(inner, dict) else body

    def _window(self) -> int:
        """Fetches kept in flight: a whole batch ahead, so the pool keeps reading while a batch commits.

        With only ``2 * workers`` ahead the workers went idle during each commit (measured by
        ``bench/bench_pull.py``: 0.6x of the raw ceiling at 8 workers).
        """
        return max(self._opt.workers * 2, self._opt.batch_size)

    def _process(
        self, ids: Iterable[int], tally: _Tally, *, phase: str, hwm: int, loaded: set[int], total: int | None,
        finish: Callable[[sa.Connection], None] | None = None,
        each: Callable[[sa.Connection, list[Fetched]], None] | None = None,
    ) -> None:
        """Read ``ids`` and commit them in batches.

        ``each`` runs in every batch's transaction (with the batch), ``finish`` in the last one's.
        """
        batch: list[Fetched] = []
        ready: list[Fetched] = []  # a full batch held back until it is known not to be the last
        with (
            ThreadPoolExecutor(max_workers=self._opt.workers) as pool,
            self._committer() as committer,
            closing(fetch_in_order(self._fetch, ids, pool=pool, window=self._window())) as fetches,
        ):
            for fetched in fetches:
                tally.calls += 1
                batch += tally.gate.accept(fetched)
                if len(batch) >= self._opt.batch_size:
                    if ready:
                        committer.submit(self._commit_read(ready, tally, phase=phase, hwm=hwm, loaded=loaded,
                                                           total=total, each=each))
                    ready, batch = batch, []
            last = ready + batch
            if last:
                committer.submit(self._commit_read(last, tally, phase=phase, hwm=hwm, loaded=loaded,
                                                   total=total, finish=finish, each=each))
        if not last and finish is not None:
            with begin_write(self._engine) as conn:
                finish(conn)
                tally.lock.heartbeat(conn, now=self._now())

    def _probe(self, tally: _Tally, hwm: int, *, last: int | None = None) -> int:
        """Read ids above the mark until ``gap_tolerance`` consecutive not-found; return new mark.

        With ``last`` (the newest id the admin list shows), read exactly the ids up to it instead.

        An unreadable id counts as found (the shop answered with an error, not "not found"): the
        probe looks beyond it and, once it is quarantined, the mark passes it.
        """
        last_found = hwm
        batch: list[Fetched] = []
        not_found: list[int] = []  # not-found ids not yet known to lie below a found one
        # the reads are closed first on the way out (an error): their queued fetches are cancelled
        with (
            ThreadPoolExecutor(max_workers=self._opt.workers) as pool,
            self._committer() as committer,
            closing(
                fetch_until_gap(
                    self._fetch, first=hwm + 1, gap=self._opt.gap_tolerance, pool=pool, window=self._window()
                )
                if last is None
                else fetch_in_order(self._fetch, range(hwm + 1, last + 1), pool=pool, window=self._window())
            ) as fetches,
        ):
            for fetched in fetches:
                tally.calls += 1
                for oid, got in tally.gate.accept(fetched):
                    batch.append((oid, got))
                    if got is not None:
                        last_found = max(last_found, oid)
                    else:
                        not_found.append(oid)
                if len(batch) >= self._opt.batch_size:
                    gaps, not_found = _split(not_found, below=last_found)
                    committer.submit(partial(self._commit_probe, batch, tally, last_found, gaps))
                    batch = []
            if batch:
                gaps, _trailing = _split(not_found, below=last_found)
                committer.submit(partial(self._commit_probe, batch, tally, last_found, gaps))
        return last_found

    def _committer(self) -> BatchCommitter:
        """Where batches are written: one background thread, in order (inline for per-thread engines)."""
        return BatchCommitter(inline=commits_inline(self._engine))

    def _commit_read(
        self, batch: list[Fetched], tally: _Tally, *, phase: str, hwm: int, loaded: set[int],
        total: int | None, finish: Callable[[sa.Connection], None] | None = None,
        each: Callable[[sa.Connection, list[Fetched]], None] | None = None,
    ) -> Callable[[], None]:
        """The commit of a re-read or backfill batch.

        A not-found id at or below the mark that was never loaded is recorded as absent (a gap);
        one that was loaded is soft-deleted.
        """
        absent = [oid for oid, got in batch if got is None and oid not in loaded and oid <= hwm]
        return partial(self._commit, batch, tally, phase=phase, hwm=hwm, loaded=loaded, total=total,
                       absent=absent, finish=finish, each=each)

    def _commit_probe(self, batch: list[Fetched], tally: _Tally, last_found: int, gaps: list[int]) -> None:
        """Commit a probe batch, moving the mark to the highest id found so far.

        ``gaps``: not-found ids below that mark (recorded as absent); the trailing not-found ids
        beyond the last order are not gaps.
        """
        self._commit(
            batch, tally, phase="probe", hwm=last_found, loaded=set(), total=None, move_hwm=True, absent=gaps
        )

    def _changed_ids(self, rows: list[dict[str, Any]]) -> set[int]:
        """Ids of the rows that are new or differ from the warehouse's (only with an admin client)."""
        if self._admin is None or not rows:
            return set()
        ids = [int(r["order_id"]) for r in rows]
        with self._engine.connect() as conn:
            known = known_hashes(conn, shop=self._opt.shop, order_ids=ids)
        return {int(r["order_id"]) for r in rows if known.get(int(r["order_id"])) != r["_hash"]}

    def _detail_ids(self, rows: list[dict[str, Any]], changed: set[int]) -> set[int]:
        """Orders of the rows whose details are read: new, changed, or not loaded yet."""
        if self._details_state != "loaded" or not rows:
            return set()
        ids = [int(r["order_id"]) for r in rows]
        with self._engine.connect() as conn:
            loaded = detail_order_ids(conn, shop=self._opt.shop, order_ids=ids)
        return changed | (set(ids) - loaded)

    def _read_details(self, order_ids: set[int], tally: _Tally) -> Any:
        """The details of ``order_ids`` (see :func:`~oc_connector.sync.details.read_details`)."""
        if self._v40 is not None:
            return read_page_details(self._v40.reader, order_ids)
        index = self._index if self._index is not None else ProductIndex(())
        got = read_details(self._admin, order_ids, index, batch=self._opt.invoice_batch)  # type: ignore[arg-type]
        tally.fallbacks += got.fallbacks
        return got

    def _admin_history(self, order_ids: set[int], *, now: datetime, tally: _Tally) -> list[dict[str, Any]]:
        """The admin history rows of ``order_ids`` (none without an admin client), counted in ``tally``."""
        if self._admin is None or not self._opt.admin_history:
            return []
        rows: list[dict[str, Any]] = []
        for oid in sorted(order_ids):
            tally.admin_calls += 1
            rows += admin_history_rows(
                shop=self._opt.shop, order_id=oid, rows=self._admin.order_history(oid), observed_at=now
            )
        return rows

    # -- loading ------------------------------------------------------------------------------

    def _write_details(
        self,
        conn: sa.Connection,
        read: Any,
        headers: dict[int, dict[str, Any]],
        tally: _Tally,
        *,
        now: datetime,
    ) -> None:
        """Replace the details read, quarantine (as ``order_details``) the orders whose page failed."""
        shop = self._opt.shop
        rows = detail_rows(read.details, shop=shop, headers=headers, now=now)
        loaded = [d.order_id for d in read.details]
        replace_order_details(
            conn, shop=shop, order_ids=loaded, lines=rows.lines, totals=rows.totals, vouchers=rows.vouchers
        )
        resolve_quarantine(conn, shop=shop, order_ids=loaded, entity="order_details")
        if read.failures:
            held = [
                QuarantinedRow(entity_id=str(f.order_id), reason=f.reason, raw="{}") for f in read.failures
            ]
            tally.details_quarantined += upsert_quarantine(
                conn, held, shop=shop, now=now, entity="order_details"
            )
        tally.lines += len(rows.lines)
        tally.totals += len(rows.totals)
        tally.vouchers += len(rows.vouchers)

    def _commit(
        self,
        batch: list[Fetched],
        tally: _Tally,
        *,
        phase: str,
        hwm: int,
        loaded: set[int],
        total: int | None,
        move_hwm: bool = False,
        absent: Sequence[int] = (),
        finish: Callable[[sa.Connection], None] | None = None,
        each: Callable[[sa.Connection, list[Fetched]], None] | None = None,
    ) -> None:
        shop = self._opt.shop
        now = self._now()
        found = [(oid, got) for oid, got in batch if isinstance(got, dict)]
        unreadable = [got.quarantined(oid) for oid, got in batch if isinstance(got, Unreadable)]
        missing = [oid for oid, got in batch if got is None and oid in loaded]
        norm = normalize_order_rows(
            [order for _, order in found],
            shop=shop,
            timezone=self._opt.shop_timezone,
            requested_ids=[oid for oid, _ in found],
        )
        # the admin history is read before the write transaction, not inside it: no HTTP call
        # holds the warehouse's write lock (on SQLite, the whole file's)
        asked = self._changed_ids(norm.rows)
        admin_rows = self._admin_history(asked, now=now, tally=tally)
        want_details = self._detail_ids(norm.rows, asked)
        details = self._read_details(want_details, tally) if want_details else None
        headers: dict[int, dict[str, Any]] = {}
        if self._details_state == "loaded":
            headers = {
                int(r["order_id"]): {k: r[k] for k in ("order_id", "currency_code", "shipping_method")}
                for r in norm.rows
            }
        with begin_write(self._engine) as conn:
            counts = upsert_order_rows(conn, norm.rows, now=now)
            touched = set(counts.new_ids) | set(counts.changed_ids)
            if self._details_state == "loaded" and touched - want_details:
                # another writer changed these rows between the read above and this transaction
                late = self._read_details(touched - want_details, tally)
                if details is None:
                    details = late
                else:
                    details.details += late.details
                    details.failures += late.failures
            if details is not None:
                self._write_details(conn, details, headers, tally, now=now)
            history: list[dict[str, Any]] = []
            if touched:
                history = [
                    observed_history_row(row, observed_at=now)
                    for row in norm.rows
                    if row["order_id"] in touched
                ]
                # another writer changed these rows between the read above and this transaction
                admin_rows += self._admin_history(touched - asked, now=now, tally=tally)
            tally.history += insert_history(conn, history + admin_rows)
            held = norm.quarantined + unreadable
            if held:
                tally.quarantined += upsert_quarantine(conn, held, shop=shop, now=now)
            resolve_quarantine(conn, shop=shop, order_ids=[int(r["order_id"]) for r in norm.rows])
            tally.deleted += mark_deleted(conn, shop=shop, order_ids=missing, now=now)
            record_absent(conn, shop=shop, order_ids=absent, now=now)
            if move_hwm:
                set_hwm(conn, shop=shop, hwm=hwm)
            if each is not None:
                each(conn, batch)
            if finish is not None:
                finish(conn)
            tally.lock.heartbeat(conn, now=now)
        tally.inserted += counts.inserted
        tally.updated += counts.updated
        tally.unchanged += counts.unchanged
        tally.ids_read += len(batch)
        last_id = batch[-1][0]
        if self._progress is not None:
            self._progress(
                SyncProgress(
                    phase=phase, ids_read=tally.ids_read, total_hint=total, current_id=last_id, hwm=hwm
                )
            )
        if self._after_batch is not None:
            self._after_batch(last_id)
