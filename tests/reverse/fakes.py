"""An in-memory admin store with fault injection, until the sandbox-backed adapter lands.

Faults are queued per method as ``"before"`` (nothing happens, the call fails) or ``"after"``
(the shop commits, then the caller sees OutcomeUnknown, like the sandbox's reset_after).
"""

from __future__ import annotations

from collections.abc import Mapping

from oc_connector.errors import AdminFormError, OutcomeUnknown


class FakeStore:
    """Vouchers or coupons keyed by id, found by code case-insensitively."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, str]] = {}
        self.faults: dict[str, list[str]] = {}
        self.sent: list[int] = []
        self.writes = 0

    def fail(self, method: str, *when: str) -> None:
        self.faults.setdefault(method, []).extend(when)

    def _fault(self, method: str) -> str | None:
        queue = self.faults.get(method)
        return queue.pop(0) if queue else None

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        for rid, row in self.rows.items():
            if row["code"].lower() == code.lower():
                return rid, dict(row)
        return None

    def create(self, fields: Mapping[str, str]) -> None:
        fault = self._fault("create")
        if fault == "before":
            raise OutcomeUnknown("connection reset before the shop answered")
        if self.find(fields["code"]) is not None:
            raise AdminFormError("refused", warning="Warning: code is already in use!")
        self.writes += 1
        self.rows[len(self.rows) + 1] = dict(fields)
        if fault == "after":
            raise OutcomeUnknown("connection reset after the shop committed")

    def update(self, rid: int, fields: Mapping[str, str]) -> None:
        fault = self._fault("update")
        if fault == "before":
            raise OutcomeUnknown("reset")
        self.writes += 1
        self.rows[rid] = dict(fields)
        if fault == "after":
            raise OutcomeUnknown("reset after commit")

    def send(self, rid: int) -> None:
        fault = self._fault("send")
        if fault == "before":
            raise OutcomeUnknown("reset")
        self.sent.append(rid)
        if fault == "after":
            raise OutcomeUnknown("reset after send")
