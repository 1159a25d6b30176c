"""Progress of a long sync on stderr: a rich progress bar on a terminal, plain log lines otherwise.

On a terminal each phase gets a bar: ids done / total where the total is known (the re-read of
open orders knows it up front; a backfill knows its range), the rate in ids per second and the
time left. The probe above the high-water mark has no total (nobody knows the newest order id):
its line shows the ids read, the current order id and the mark. Off a terminal (a log file, CI, a
pipe) one plain line per phase start and then at most one every ``interval`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from oc_connector.sync.options import SyncProgress

__all__ = ["SyncProgressDisplay"]


class _Rate(ProgressColumn):
    """Ids per second, from rich's own speed estimate."""

    def render(self, task: Task) -> Text:
        """The task's speed as ``12.3 ids/s`` (``-`` until known)."""
        speed = task.finished_speed or task.speed
        return Text("- ids/s" if speed is None else f"{speed:.1f} ids/s", style="progress.data.speed")


class SyncProgressDisplay:
    """Receives :class:`SyncProgress` reports and draws them.

    Args:
        stream: where to draw (stderr).
        terminal: draw a bar (True) or plain lines (False); None: ask the stream.
        interval: seconds between plain lines within one phase.
        clock: monotonic seconds (plain lines' pacing and rate).
    """

    def __init__(
        self,
        stream: IO[str],
        *,
        terminal: bool | None = None,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._terminal = stream.isatty() if terminal is None else terminal
        self._interval = interval
        self._clock = clock
        self._phase: str | None = None
        self._phase_start = self._mark = clock()
        self._last_line = 0.0
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._seen = 0  # ids_read of the last report: the sync counts across phases
        self._offset = 0  # ids read before the current phase

    def __enter__(self) -> SyncProgressDisplay:
        if self._terminal:
            console = Console(file=self._stream, force_terminal=True)
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _Rate(),
                TextColumn("elapsed"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[where]}"),
                console=console,
                transient=False,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, report: SyncProgress) -> None:
        """Show one report (called by the sync after each committed batch)."""
        where = f"at order {report.current_id}, mark {report.hwm}"
        new_phase = report.phase != self._phase
        if new_phase:
            self._offset = self._seen
        self._seen = report.ids_read
        done = report.ids_read - self._offset
        if self._progress is not None:
            self._bar(report, done, where, new_phase=new_phase)
        else:
            self._line(report, done, where, new_phase=new_phase)

    def _bar(self, report: SyncProgress, done: int, where: str, *, new_phase: bool) -> None:
        assert self._progress is not None  # noqa: S101 - terminal mode
        fields: dict[str, Any] = {"where": where}
        if new_phase or self._task is None:
            if self._task is not None:
                self._progress.stop_task(self._task)
            self._phase = report.phase
            self._task = self._progress.add_task(report.phase, total=report.total_hint, **fields)
        self._progress.update(self._task, completed=done, total=report.total_hint, **fields)

    def _line(self, report: SyncProgress, done: int, where: str, *, new_phase: bool) -> None:
        now = self._clock()
        if new_phase:  # the phase began when the previous one ended (or the display opened)
            self._phase, self._phase_start, self._last_line = report.phase, self._mark, float("-inf")
        self._mark = now
        if now - self._last_line < self._interval and done != report.total_hint:
            return
        self._last_line = now
        elapsed = now - self._phase_start
        rate = done / elapsed if elapsed > 0 else None
        parts = [f"{report.phase}: {done}"]
        if report.total_hint:
            parts[0] += f"/{report.total_hint} ids"
            if rate:
                left = max(0, report.total_hint - done) / rate
                parts.append(f"{left:.0f}s left")
        else:
            parts[0] += " ids"
        if rate is not None:
            parts.insert(1, f"{rate:.1f} ids/s")
        parts.append(where)
        print(", ".join(parts), file=self._stream, flush=True)
