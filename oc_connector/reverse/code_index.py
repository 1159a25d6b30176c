"""A per-run ``code -> id`` index over an admin list that has no code filter.

OpenCart 3.0's admin lists (``sale/voucher``, ``marketing/coupon``) cannot be filtered by code, so
finding one code means reading list pages. :class:`CodeIndex` reads the whole list **once** and then
answers lookups with one edit-form read, keeping itself current from the shop's auto-increment ids.

When a miss is trusted (the rule the exactly-once issuance relies on, since a ``None`` from a
store's ``find`` makes the caller create):

* the index was built by a full list scan made by this instance (in this run), **and**
* every create sent through this instance since then has been resolved: either its id was found
  (by probing the ids after the highest one known, or by a rescan) or the shop refused it with a
  form error (nothing written), **and**
* no create was refused for a code the index did not know (the list is then known to be stale).

Otherwise a miss first probes the next ids and, if a create is still unresolved, rescans the whole
list before answering None. A create whose answer was lost (``OutcomeUnknown``, a transport error,
any error but a form refusal) therefore never yields a false None: if the shop committed it, the
probe or the rescan finds it. Hits are always verified against the edit form (its code must equal
the asked code, else the index is stale and the list is rescanned once).

Not covered (as before, with per-lookup scans): a record another user adds *after* our last probe
or scan is unseen until our next create is resolved (then the probe walks over it and indexes it);
a create by someone else with exactly our code in that window is refused by the shop (duplicate code
-> form error), which marks the index stale. A rescan pages with offsets, so a record deleted by
someone else during the scan can hide one row from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from oc_connector.errors import AdminError

__all__ = ["CodeIndex"]

log = logging.getLogger(__name__)
F = TypeVar("F")


class CodeIndex(Generic[F]):
    """``code.casefold() -> id`` of one admin list, built on first use and kept current.

    Args:
        kind: what the records are (for logs and errors), e.g. ``"voucher"``.
        scan: every ``(id, code)`` of the list, all pages (one full scan).
        form: the edit form of an id; raises :class:`~oc_connector.errors.AdminError` when the id
            does not exist.
        code_of: the code shown in a form.
        probes: how many missing ids after the highest known one are probed before a rescan.
    """

    def __init__(
        self, *, kind: str, scan: Callable[[], Iterable[tuple[int, str]]], form: Callable[[int], F],
        code_of: Callable[[F], str], probes: int = 3,
    ) -> None:
        self.kind = kind
        self._scan = scan
        self._form = form
        self._code_of = code_of
        self._probes = probes
        self._ids: dict[str, int] | None = None
        self._max_id = 0
        self._pending: set[str] = set()
        self._stale = False
        self._fresh: dict[int, F] = {}
        self.scans = 0

    @property
    def trusted(self) -> bool:
        """True when a miss needs no request (see the module docstring for the rule)."""
        return self._ids is not None and not self._pending and not self._stale

    def find(self, code: str) -> tuple[int, F] | None:
        """``(id, form)`` of the record with this code (case-insensitive), or None.

        Raises:
            AdminError: the list and the edit form disagree even right after a rescan.
        """
        key = code.casefold()
        self._fresh = {}
        try:
            if self._ids is None:
                self._rescan()
            if self._pending:
                self._resolve()
            found = self._lookup(key)
            if found is None and self._stale:
                self._rescan()
                found = self._lookup(key)
            return found
        finally:
            self._fresh = {}

    def creating(self, code: str) -> None:
        """Note a create about to be sent: misses are untrusted until it is resolved."""
        self._pending.add(code.casefold())

    def refused(self, code: str) -> None:
        """The shop refused the create (form error): nothing was written for it.

        A refusal of a code the index does not know (e.g. a duplicate code added by someone
        else) means the index is stale: the next miss rescans.
        """
        key = code.casefold()
        self._pending.discard(key)
        if self._ids is not None and key not in self._ids:
            self._stale = True

    def updated(self, record_id: int, code: str) -> None:
        """Note an edit that may have set this code on ``record_id`` (verified on the next hit)."""
        if self._ids is not None:
            self._ids[code.casefold()] = record_id

    # -- internals -----------------------------------------------------------------------------

    def _rescan(self) -> None:
        ids: dict[str, int] = {}
        highest = 0
        for record_id, code in self._scan():
            ids.setdefault(code.casefold(), record_id)
            highest = max(highest, record_id)
        self.scans += 1
        log.debug("%s index: scanned %d codes (highest id %d)", self.kind, len(ids), highest)
        self._ids, self._max_id = ids, highest
        self._pending.clear()
        self._stale = False

    def _load(self, record_id: int) -> F | None:
        try:
            form = self._form(record_id)
        except AdminError:
            # "no such id" (a permission problem shows again in the rescan that a miss leads to)
            return None
        self._fresh[record_id] = form
        return form

    def _resolve(self) -> None:
        """Find our unresolved creates by probing the ids after the highest known; else rescan."""
        assert self._ids is not None  # noqa: S101 - built before
        misses, next_id = 0, self._max_id + 1
        while self._pending and misses < self._probes:
            form = self._load(next_id)
            if form is None:
                misses += 1
            else:
                key = self._code_of(form).casefold()
                self._ids.setdefault(key, next_id)
                self._max_id = next_id
                self._pending.discard(key)
            next_id += 1
        if self._pending:
            log.info("%s index: %d create(s) not found by probing ids; rescanning the list",
                     self.kind, len(self._pending))
            self._rescan()

    def _lookup(self, key: str) -> tuple[int, F] | None:
        assert self._ids is not None  # noqa: S101 - built before
        for attempt in range(2):
            record_id = self._ids.get(key)
            if record_id is None:
                return None
            form = self._fresh.get(record_id)
            if form is None:
                form = self._load(record_id)
            if form is not None and self._code_of(form).casefold() == key:
                return record_id, form
            if attempt == 0:
                log.info("%s index: id %d no longer holds the code; rescanning", self.kind, record_id)
                self._rescan()
                self._fresh = {}
        raise AdminError(f"{self.kind} list and edit form disagree on a code even after a rescan")
