"""Ids whose ``order/info`` stays unreadable: held back, then quarantined, or the run stops (outage).

An unreadable answer (non-JSON, 5xx after the client's retries) is held back until a readable
answer (an order or not-found) shows the shop works; then it is quarantined with the others held.
``max_consecutive_failures`` unreadable ids in a row stop the run with the error, and so do
unreadable ids that no good answer followed by the end of the run: an outage is never quarantined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from oc_connector.errors import AdminError, ServerError, UnexpectedResponseError
from oc_connector.secret import redact
from oc_connector.sync.normalize import QuarantinedRow

__all__ = ["FailureGate", "Fetched", "Unreadable"]


@dataclass(frozen=True)
class Unreadable:
    """order/info (on OpenCart 4.0: the order's admin page) for one id stayed unreadable after the retries."""

    error: UnexpectedResponseError | ServerError | AdminError

    def quarantined(self, order_id: int) -> QuarantinedRow:
        """The quarantine row for ``order_id`` (reason and body excerpt redacted)."""
        err = self.error
        http = f" [http={err.status}]" if err.status else ""
        read = (err.route or "sale/order.info") if isinstance(err, AdminError) else "order/info"
        reason = redact(f"{read} unreadable: {err.message}{http}")
        raw = json.dumps({"status": err.status, "body": redact(err.excerpt or "")}, ensure_ascii=False)
        return QuarantinedRow(entity_id=str(order_id), reason=reason[:500], raw=raw)


Fetched = tuple[int, "dict[str, Any] | Unreadable | None"]
"""One id's answer: the order object, :class:`Unreadable`, or None for not-found."""


@dataclass
class FailureGate:
    """Holds unreadable answers back until the shop proves it works (one per run)."""

    max_consecutive: int
    #: unreadable answers not yet followed by a good one (held back: they may be an outage)
    failing: list[tuple[int, Unreadable]] = field(default_factory=list)

    def accept(self, fetched: Fetched) -> list[Fetched]:
        """What can go into a batch now, in id order.

        Raises:
            UnexpectedResponseError | ServerError: the ``max_consecutive``-th unreadable id in a row.
        """
        oid, got = fetched
        if isinstance(got, Unreadable):
            self.failing.append((oid, got))
            if len(self.failing) >= self.max_consecutive:
                raise got.error
            return []
        ready = [*self.failing, fetched]
        self.failing.clear()
        return ready

    def check_done(self) -> None:
        """At the end of a run: unreadable ids no good answer followed may start an outage.

        Raises:
            UnexpectedResponseError | ServerError: the last such id's error.
        """
        if self.failing:
            raise self.failing[-1][1].error
