"""Concurrent ``order/info`` reads for the sync, yielded in id order.

Two schedules over one thread pool:

- :func:`fetch_in_order`: a known list of ids (re-reads, backfills), at most ``window`` in flight;
- :func:`fetch_until_gap`: ids upward from a mark until ``gap`` consecutive ids after the highest
  answered one are not found (there is no list route, so this is how new orders are found).

Results are always handed over in id order (batches, the high-water mark and the quarantine rules
depend on it), but :func:`fetch_until_gap` decides what to ask next from answers as they *complete*:
one slow answer at the head no longer keeps the other workers waiting, which it did when the next id
was only allowed once the head was consumed (``bench/bench_pull.py``: 0.81x of the raw ceiling at 8
workers with a 10-20 ms shop). Which ids get asked is unchanged: every id up to the highest answered
one plus ``gap``, so a quiet shop still costs exactly ``gap`` probes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Executor, Future
from queue import Empty, SimpleQueue

from oc_connector.sync.failures import Fetched

__all__ = ["fetch_in_order", "fetch_until_gap"]

Fetch = Callable[[int], Fetched]
Reads = Generator[Fetched, None, None]


def fetch_in_order(fetch: Fetch, ids: Iterable[int], *, pool: Executor, window: int) -> Reads:
    """Fetch ``ids`` concurrently with at most ``window`` in flight; yield results in id order.

    A fetch that raised raises when its turn comes.
    """
    pending: deque[Future[Fetched]] = deque()
    try:
        for oid in ids:
            pending.append(pool.submit(fetch, oid))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for fut in pending:
            fut.cancel()


def fetch_until_gap(fetch: Fetch, *, first: int, gap: int, pool: Executor, window: int) -> Reads:
    """Fetch ids ``first, first + 1, ...`` until ``gap`` ids after the highest answered one are not found.

    An id counts as answered when its result is not ``None`` (an order, or an unreadable answer:
    the shop said something other than "not found"). Results are yielded in id order; a fetch that
    raised raises when its turn comes. At most ``window`` ids are asked and not yet yielded.
    """
    last_seen = first - 1
    next_id = first
    inflight: dict[Future[Fetched], int] = {}
    done: dict[int, Future[Fetched]] = {}
    completed: SimpleQueue[Future[Fetched]] = SimpleQueue()  # one put per finished read: O(1) waits
    turn = first
    try:
        while True:
            while len(inflight) + len(done) < window and next_id <= last_seen + gap:
                fut = pool.submit(fetch, next_id)
                inflight[fut] = next_id
                fut.add_done_callback(completed.put)
                next_id += 1
            if turn not in done:
                if not inflight:
                    return
                fut = completed.get()
                while True:  # every read finished meanwhile, taken in one wake-up
                    oid = inflight.pop(fut)
                    done[oid] = fut
                    if not fut.cancelled() and fut.exception() is None and fut.result()[1] is not None:
                        last_seen = max(last_seen, oid)
                    try:
                        fut = completed.get_nowait()
                    except Empty:
                        break
            while turn in done:
                fetched = done.pop(turn).result()
                turn += 1
                yield fetched
    finally:
        for fut in inflight:
            fut.cancel()
