"""Incremental, resumable sync of OpenCart orders (and their status history) into the warehouse.

The API has no order list: orders are read one id at a time. The high-water mark (HWM) is the
highest order id below which every id has been read. Each run re-reads the open and recent orders,
then probes upward from the HWM until ``gap_tolerance`` consecutive ids answer not-found. Each
batch (data, history, quarantine and the HWM) commits in one transaction, so a crash anywhere
loses nothing and duplicates nothing.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from oc_connector.errors import ConfigurationError, NotFoundError, ServerError, UnexpectedResponseError
from oc_connector.load import (
    insert_history,
    mark_deleted,
    resolve_quarantine,
    upsert_orders,
    upsert_quarantine,
)
from oc_connector.normalize import QuarantinedRow, normalize_orders
from oc_connector.secret import redact
from oc_connector.sync_history import admin_history_rows, observed_history_row
from oc_connector.sync_state import acquire_lock, heartbeat, read_hwm, record_run, release_lock, set_hwm
from warehouse.migrate import upgrade
from warehouse.orders_schema import opencart_orders, opencart_quarantine

__all__ = ["OrderSync", "SyncOptions", "SyncProgress", "SyncResult"]

DEFAULT_FINAL_STATUSES = frozenset({5, 7, 8, 9, 10, 11, 12, 13, 14, 16})


class OrderReader(Protocol):
    """What the sync needs from :class:`oc_connector.client.OpenCartClient`."""

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        """The raw ``order`` object; raises NotFoundError when the id does not exist."""
        ...


class AdminHistoryReader(Protocol):
    """What the sync needs from :class:`oc_connector.admin.AdminClient`."""

    def order_history(self, order_id: int) -> list[Any]:
        """The order's full history rows (date_added, comment, status, notified)."""
        ...


@dataclass(frozen=True)
class SyncOptions:
    """How a sync runs."""

    shop: str = "default"
    workers: int = 4
    gap_tolerance: int = 50
    batch_size: int = 200
    final_statuses: frozenset[int] = DEFAULT_FINAL_STATUSES
    lookback: timedelta = timedelta(days=30)
    full: bool = False
    shop_timezone: str = "UTC"
    #: consecutive ids whose order/info stays unreadable (non-JSON, 5xx) after the client's retries
    #: before the run stops: fewer are quarantined one by one, this many is an outage
    max_consecutive_failures: int = 10


@dataclass(frozen=True)
class SyncProgress:
    """Progress report for a UI: phase ('reread' | 'probe'), ids read so far, current id, HWM."""

    phase: str
    ids_read: int
    total_hint: int | None
    current_id: int
    hwm: int


@dataclass(frozen=True)
class SyncResult:
    """What a run did."""

    shop: str
    orders_inserted: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    orders_deleted: int = 0
    history_rows: int = 0
    quarantined: int = 0
    api_calls: int = 0
    retries: int = 0
    rate_limit_wait_s: float = 0.0
    hwm_before: int = 0
    hwm_after: int = 0
    ids_read: int = 0
    duration_s: float = 0.0

    def as_metadata(self) -> dict[str, int | float | str]:
        """The result as a flat dict (for Dagster output metadata or logs)."""
        return dict(asdict(self))


@dataclass
class _Tally:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    history: int = 0
    quarantined: int = 0
    calls: int = 0
    ids_read: int = 0
    extra: dict[str, float] = field(default_factory=dict)
    #: unreadable answers not yet followed by a good one (held back: they may be an outage)
    failing: list[tuple[int, _Unreadable]] = field(default_factory=list)


@dataclass(frozen=True)
class _Unreadable:
    """order/info for one id stayed unreadable after the client's retries."""

    error: UnexpectedResponseError | ServerError

    def quarantined(self, order_id: int) -> QuarantinedRow:
        err = self.error
        http = f" [http={err.status}]" if err.status else ""
        reason = redact(f"order/info unreadable: {err.message}{http}")
        raw = json.dumps({"status": err.status, "body": redact(err.excerpt or "")}, ensure_ascii=False)
        return QuarantinedRow(entity_id=str(order_id), reason=reason[:500], raw=raw)


Fetched = tuple[int, "dict[str, Any] | _Unreadable | None"]


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class OrderSync:
    """Incremental order sync of one shop into one warehouse.

    Args:
        client: reads one order by id (``order_info_raw``), raising NotFoundError.
        engine: the warehouse engine (the schema is upgraded on each run).
        options: see :class:`SyncOptions`.
        admin: optional admin client; when given, new and changed orders get their full history.
        progress: called after each committed batch.
        now: clock returning naive UTC datetimes (injectable for tests).
        after_batch: called after each committed batch with the batch's highest id (test hook
            for crash injection).
    """

    def __init__(
        self,
        client: OrderReader,
        engine: sa.Engine,
        options: SyncOptions = SyncOptions(),
        *,
        admin: AdminHistoryReader | None = None,
        progress: Callable[[SyncProgress], None] | None = None,
        now: Callable[[], datetime] = _utcnow,
        after_batch: Callable[[int], None] | None = None,
        lock_wait: timedelta = timedelta(seconds=5),
    ) -> None:
        o = options
        if min(o.workers, o.batch_size, o.gap_tolerance, o.max_consecutive_failures) < 1:
            raise ValueError("workers, batch_size, gap_tolerance, max_consecutive_failures must be >= 1")
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

    # -- public -------------------------------------------------------------------------------

    def run(self) -> SyncResult:
        """Re-read open/recent (or all, with ``full``) orders, then probe for new ones.

        Returns:
            The run's statistics.
        """
        return self._locked(self._run_body)

    def backfill(self, first_id: int, last_id: int) -> SyncResult:
        """Read exactly ids ``first_id..last_id`` and upsert them; the HWM is not moved."""
        if first_id > last_id:
            raise ValueError("first_id must not exceed last_id")

        def body(tally: _Tally, hwm: int) -> int:
            known = self._loaded_ids(first_id, last_id)
            self._process(
                range(first_id, last_id + 1),
                tally,
                phase="backfill",
                hwm=hwm,
                loaded=known,
                total=last_id - first_id + 1,
            )
            return hwm

        return self._locked(body)

    # -- orchestration ------------------------------------------------------------------------

    def _locked(self, body: Callable[[_Tally, int], int]) -> SyncResult:
        started = time.monotonic()
        upgrade(self._engine)
        acquire_lock(
            self._engine, shop=self._opt.shop, holder=self._holder, now=self._now, wait=self._lock_wait
        )
        tally = _Tally()
        stats_before = self._client_stats()
        try:
            with self._engine.connect() as conn:
                hwm_before = read_hwm(conn, shop=self._opt.shop)
            hwm_after = body(tally, hwm_before)
            if tally.failing:  # no good answer came after them: they may be the start of an outage
                raise tally.failing[-1][1].error
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
                retries=int(stats_after.get("retries", 0) - stats_before.get("retries", 0)),
                rate_limit_wait_s=float(
                    stats_after.get("rate_limit_wait_s", 0.0) - stats_before.get("rate_limit_wait_s", 0.0)
                ),
                hwm_before=hwm_before,
                hwm_after=hwm_after,
                ids_read=tally.ids_read,
                duration_s=time.monotonic() - started,
            )
            record_run(self._engine, shop=self._opt.shop, finished_at=self._now(), stats=result.as_metadata())
            return result
        finally:
            release_lock(self._engine, shop=self._opt.shop, holder=self._holder)

    def _run_body(self, tally: _Tally, hwm: int) -> int:
        reread = self._reread_ids(hwm)
        self._process(reread, tally, phase="reread", hwm=hwm, loaded=set(reread), total=len(reread))
        return self._probe(tally, hwm)

    def _client_stats(self) -> dict[str, float]:
        stats = getattr(self._client, "stats", None)
        out: dict[str, float] = {}
        for name in ("retries", "rate_limit_wait_s"):
            value = stats.get(name) if isinstance(stats, dict) else getattr(stats, name, None)
            if isinstance(value, (int, float)):
                out[name] = float(value)
        return out

    def _loaded_ids(self, first_id: int, last_id: int) -> set[int]:
        t = opencart_orders
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.c.order_id).where(
                    t.c.shop == self._opt.shop, t.c.order_id.between(first_id, last_id)
                )
            )
            return {int(r[0]) for r in rows}

    def _reread_ids(self, hwm: int) -> list[int]:
        t = opencart_orders
        where: list[Any] = [t.c.shop == self._opt.shop, t.c.order_id <= hwm]
        if not self._opt.full:
            since = self._now() - self._opt.lookback
            where += [
                t.c._deleted_at.is_(None),
                sa.or_(
                    t.c.order_status_id.is_(None),
                    t.c.order_status_id.not_in(sorted(self._opt.final_statuses)),
                    t.c.date_added_utc >= since,
                ),
            ]
        q = opencart_quarantine
        with self._engine.connect() as conn:
            ids = {int(r[0]) for r in conn.execute(sa.select(t.c.order_id).where(*where))}
            # orders set aside earlier are retried: once the shop fixes them they load
            held = conn.execute(
                sa.select(q.c.entity_id).where(
                    q.c.shop == self._opt.shop, q.c.entity == "order", ~q.c.resolved
                )
            )
            ids |= {int(r[0]) for r in held if str(r[0]).isdigit() and int(r[0]) <= hwm}
        return sorted(ids)

    # -- fetching -----------------------------------------------------------------------------

    def _fetch(self, order_id: int) -> Fetched:
        try:
            body = self._client.order_info_raw(order_id)
        except NotFoundError:
            return order_id, None
        except (UnexpectedResponseError, ServerError) as exc:  # the client's retries are exhausted
            return order_id, _Unreadable(exc)
        inner = body.get("order") if isinstance(body, dict) else None
        return order_id, inner if isinstance(inner, dict) else body

    def _accept(self, fetched: Fetched, tally: _Tally) -> list[Fetched]:
        """What can go into a batch now, in id order.

        An unreadable id is held back until a readable answer (an order or not-found) shows the shop
        works, then quarantined; ``max_consecutive_failures`` unreadable ids in a row stop the run
        with the error, so an outage is never quarantined. Transport errors are never caught.
        """
        oid, got = fetched
        if isinstance(got, _Unreadable):
            tally.failing.append((oid, got))
            if len(tally.failing) >= self._opt.max_consecutive_failures:
                raise got.error
            return []
        ready = [*tally.failing, fetched]
        tally.failing.clear()
        return ready

    def _window(self) -> int:
        """Fetches kept in flight: a whole batch ahead, so the pool keeps reading while a batch commits.

        With only ``2 * workers`` ahead the workers went idle during each commit (measured by
        ``bench/bench_pull.py``: 0.6x of the raw ceiling at 8 workers).
        """
        return max(self._opt.workers * 2, self._opt.batch_size)

    def _ordered(self, ids: Iterable[int], pool: ThreadPoolExecutor) -> Iterator[Fetched]:
        """Fetch ids concurrently with a bounded window, yielding results in id order."""
        window: deque[Future[Fetched]] = deque()
        it = iter(ids)
        limit = self._window()
        try:
            for oid in it:
                window.append(pool.submit(self._fetch, oid))
                if len(window) >= limit:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for fut in window:
                fut.cancel()

    def _process(
        self, ids: Iterable[int], tally: _Tally, *, phase: str, hwm: int, loaded: set[int], total: int | None
    ) -> None:
        batch: list[Fetched] = []
        with ThreadPoolExecutor(max_workers=self._opt.workers) as pool:
            for fetched in self._ordered(ids, pool):
                tally.calls += 1
                batch += self._accept(fetched, tally)
                if len(batch) >= self._opt.batch_size:
                    self._commit(batch, tally, phase=phase, hwm=hwm, loaded=loaded, total=total)
                    batch = []
            if batch:
                self._commit(batch, tally, phase=phase, hwm=hwm, loaded=loaded, total=total)

    def _probe(self, tally: _Tally, hwm: int) -> int:
        """Read ids above the mark until ``gap_tolerance`` consecutive not-found; return new mark.

        An unreadable id counts as found (the shop answered with an error, not "not found"): the
        probe looks beyond it and, once it is quarantined, the mark passes it.
        """
        state = {"last_found": hwm, "last_seen": hwm, "next": hwm + 1}
        window: deque[Future[Fetched]] = deque()
        batch: list[Fetched] = []
        limit = self._window()
        with ThreadPoolExecutor(max_workers=self._opt.workers) as pool:
            try:
                while True:
                    # never ask beyond last_found + gap_tolerance: a quiet shop costs exactly
                    # gap_tolerance probes
                    while (
                        len(window) < limit and state["next"] <= state["last_seen"] + self._opt.gap_tolerance
                    ):
                        window.append(pool.submit(self._fetch, state["next"]))
                        state["next"] += 1
                    if not window:
                        break
                    fetched = window.popleft().result()
                    tally.calls += 1
                    if fetched[1] is not None:
                        state["last_seen"] = fetched[0]
                    for oid, got in self._accept(fetched, tally):
                        batch.append((oid, got))
                        if got is not None:
                            state["last_found"] = max(state["last_found"], oid)
                    if len(batch) >= self._opt.batch_size:
                        self._commit(
                            batch,
                            tally,
                            phase="probe",
                            hwm=state["last_found"],
                            loaded=set(),
                            total=None,
                            move_hwm=True,
                        )
                        batch = []
                if batch:
                    self._commit(
                        batch,
                        tally,
                        phase="probe",
                        hwm=state["last_found"],
                        loaded=set(),
                        total=None,
                        move_hwm=True,
                    )
            finally:
                for fut in window:
                    fut.cancel()
        return state["last_found"]

    # -- loading ------------------------------------------------------------------------------

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
    ) -> None:
        shop = self._opt.shop
        now = self._now()
        found = [(oid, got) for oid, got in batch if isinstance(got, dict)]
        unreadable = [got.quarantined(oid) for oid, got in batch if isinstance(got, _Unreadable)]
        missing = [oid for oid, got in batch if got is None and oid in loaded]
        norm = normalize_orders(
            [order for _, order in found],
            shop=shop,
            timezone=self._opt.shop_timezone,
            requested_ids=[oid for oid, _ in found],
        )
        admin_rows: list[dict[str, Any]] = []
        with self._engine.begin() as conn:
            counts = upsert_orders(conn, norm.frame, now=now)
            touched = set(counts.new_ids) | set(counts.changed_ids)
            history: list[dict[str, Any]] = []
            if touched:
                sub = norm.frame[norm.frame["order_id"].isin(list(touched))]
                history = [
                    observed_history_row({str(k): v for k, v in rec.items()}, observed_at=now)
                    for rec in sub[
                        ["shop", "order_id", "order_status_id", "order_status", "date_modified"]
                    ].to_dict("records")
                ]
                if self._admin is not None:
                    for oid in sorted(touched):
                        admin_rows += admin_history_rows(
                            shop=shop, order_id=oid, rows=self._admin.order_history(oid), observed_at=now
                        )
            tally.history += insert_history(conn, history + admin_rows)
            held = norm.quarantined + unreadable
            if held:
                tally.quarantined += upsert_quarantine(conn, held, shop=shop, now=now)
            resolve_quarantine(conn, shop=shop, order_ids=[int(i) for i in norm.frame["order_id"]])
            tally.deleted += mark_deleted(conn, shop=shop, order_ids=missing, now=now)
            if move_hwm:
                set_hwm(conn, shop=shop, hwm=hwm)
            heartbeat(conn, shop=shop, holder=self._holder, now=now)
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
