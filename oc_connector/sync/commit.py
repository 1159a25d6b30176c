"""Commit a sync's batches on one background thread, in order, while the fetch loop goes on.

Normalising and upserting a batch takes the sync's loop away from the fetch pool; with the loop
busy, no new ids are submitted and the workers drain their window and wait (the probe's window is
also bounded by the last id the loop has seen). Handing each batch to one committer thread keeps the
loop feeding the workers while the previous batch is written.

Order and memory stay bounded: :meth:`BatchCommitter.submit` first waits for the commit before it
(raising that commit's error), so at most one batch is being written while the next one fills, and
batches land in submission order (the high-water mark only moves forward).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.pool import SingletonThreadPool

__all__ = ["BatchCommitter", "commits_inline"]

log = logging.getLogger("oc_connector.sync.run")


def commits_inline(engine: sa.Engine) -> bool:
    """True when the engine's connections belong to one thread (SQLite in memory): commit in place."""
    return isinstance(engine.pool, SingletonThreadPool)


class BatchCommitter:
    """Runs commit callables one at a time, in submission order, on one background thread.

    Args:
        inline: run each commit in the caller's thread instead (see :func:`commits_inline`).

    Use as a context manager: leaving it waits for the last commit; its error is raised unless an
    error is already on its way out (then the commit's error is logged and the first one wins).
    """

    def __init__(self, *, inline: bool = False) -> None:
        self._pool = None if inline else ThreadPoolExecutor(1, thread_name_prefix="oc-sync-commit")
        self._pending: Future[None] | None = None

    def submit(self, commit: Callable[[], None]) -> None:
        """Wait for the previous commit (raising its error), then start ``commit``."""
        self.wait()
        if self._pool is None:
            commit()
        else:
            self._pending = self._pool.submit(commit)

    def wait(self) -> None:
        """Wait for the running commit, if any; raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> BatchCommitter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                self.wait()
            else:
                try:
                    self.wait()
                except Exception:
                    log.exception("a batch commit failed too while the sync was stopping")
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
