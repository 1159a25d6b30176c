"""The declared retry policy for safe calls, built on tenacity.

Only errors whose class says ``retriable`` are retried (TransportError except TLSError,
RateLimitedError, ServerError, UnexpectedResponseError). The wait is exponential with jitter, but
never shorter than a ``Retry-After`` the server sent. Retrying stops after ``max_attempts`` or when
the next sleep would exceed ``max_total_delay``; the last error is re-raised.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from oc_connector.errors import OpenCartError
from oc_connector.secret import redact

if TYPE_CHECKING:
    import tenacity

__all__ = ["RetryPolicy", "is_retriable"]

log = logging.getLogger("oc_connector.wire.retry")
T = TypeVar("T")


def is_retriable(exc: BaseException) -> bool:
    """True for connector errors whose class is marked retriable."""
    return isinstance(exc, OpenCartError) and bool(getattr(exc, "retriable", False))


@dataclass(frozen=True)
class RetryPolicy:
    """How safe calls are retried.

    Attributes:
        max_attempts: total attempts including the first.
        initial_backoff: first wait in seconds, doubled each retry.
        max_backoff: cap on one wait (a longer Retry-After is still honoured up to max_total_delay).
        max_total_delay: stop when the summed waits would exceed this.
        jitter: random extra up to this fraction of the wait.
    """

    max_attempts: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    max_total_delay: float = 120.0
    jitter: float = 0.5

    def backoff(
        self, attempt: int, retry_after: float | None, rng: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base: float = min(self.max_backoff, self.initial_backoff * 2.0 ** (attempt - 1))
        wait: float = base * (1 + self.jitter * rng())
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait

    def run(
        self,
        fn: Callable[[], T],
        *,
        on_retry: Callable[[BaseException], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> T:
        """Call ``fn`` and retry it per this policy.

        Args:
            fn: the safe operation.
            on_retry: called with the error before each sleep (stats).
            sleep: injectable sleep (fake clock in tests).
            rng: injectable jitter source in [0, 1).

        Returns:
            What ``fn`` returned.
        """
        total = [0.0]

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return self.backoff(state.attempt_number, getattr(exc, "retry_after", None), rng)

        def stop(state: tenacity.RetryCallState) -> bool:
            if state.attempt_number >= self.max_attempts:
                return True
            return total[0] + wait(state) > self.max_total_delay

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            delay = state.upcoming_sleep
            total[0] += delay
            log.warning(
                "retrying after %s (attempt %d, sleeping %.2fs)",
                redact(str(exc)),
                state.attempt_number,
                delay,
            )
            if on_retry is not None and exc is not None:
                on_retry(exc)

        # the first attempt runs outside tenacity (most calls succeed at once, and building the
        # Retrying machinery per call cost ~30 us); a retriable failure is handed to tenacity as
        # its attempt 1, so the sleeps, the stop, the logs and on_retry are exactly the policy's
        try:
            return fn()
        except Exception as exc:  # classified by is_retriable below
            if not is_retriable(exc):
                raise
            first: list[BaseException] = [exc]

        def attempt() -> T:
            if first:
                raise first.pop()
            return fn()

        import tenacity  # loaded at the first retriable failure, not by every process that reads

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_retriable),
            wait=wait,
            stop=stop,
            reraise=True,
            sleep=sleep,
            before_sleep=before_sleep,
        )
        return retrying(attempt)
