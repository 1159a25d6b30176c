"""A per-run ``code -> id`` index over an admin list that has no code filter.

OpenCart 3.0's admin lists (``sale/voucher``, ``marketing/coupon``) cannot be filtered by code, so
finding one code means reading list pages. :class:`CodeIndex` reads the whole list **once** and then
answers lookups from the shop's auto-increment ids and edit forms:

* a known code: one edit-form read, verified (the form's code must be the asked code, else the index
  is stale and the list is rescanned once);
* after our own create: the ids after the highest known one are probed (up to ``probes`` missing
  ids) until the new code shows up, else the list is rescanned;
* an unknown code: one probe of the next id ("catch-up": records anyone added since are indexed,
  up to ``walk`` of them, else the list is rescanned; an immediately repeated miss of the same
  code, with no write in between, reuses it).

When a miss is trusted (the rule the exactly-once issuance relies on, since a ``None`` from a
store's ``find`` makes the caller create):

* the index was built by a full list scan made by this instance (in this run), **and**
* every create sent through this instance since then has been resolved: either its id was found
  (by probing or by a rescan) or the shop refused it with a form error (nothing written), **and**
* no create was refused for a code the index did not know (the index is then known to be stale).

Otherwise a lookup first probes the next ids and, while a create is still unresolved (or the
index is stale), rescans the whole list before answering None. A create whose answer was lost
(``OutcomeUnknown``, a transport error, any error but a form refusal) therefore never yields a
false None: if the shop committed it, the probe or the rescan finds it.

Not covered (as with the former per-lookup scans): a record someone else adds between our miss
and our create (the shop refuses a duplicate code with a form error, which marks the index
stale); a record of someone else's behind a gap in the ids (a deleted newest record) is unseen
until the next rescan; a rescan pages with offsets, so a record deleted by someone else during the
scan can hide one row from it; a create still running in the shop after its answer was lost
(e.g. a client timeout) may not be visible yet.
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
        walk: how many records added after the highest known id are read one by one (edit forms)
            before a list rescan is preferred (many records added by others since the scan).
    """

    def __init__(
        self, *, kind: str, scan: Callable[[], Iterable[tuple[int, str]]], form: Callable[[int], F],
        code_of: Callable[[F], str], probes: int = 3, walk: int = 20,
    ) -> None:
        self.kind = kind
        self._scan = scan
        self._form = form
        self._code_of = code_of
        self._probes = probes
        self._walk = walk
        self._ids: dict[str, int] | None = None
        self._max_id = 0
        self._pending: set[str] = set()
        self._stale = False
        self._fresh: dict[int, F] = {}
        self._last_miss: str | None = None
        self.scans = 0

    @property
    def trusted(self) -> bool:
        """True when a miss is answered without a list rescan (see the module docstring for the rule)."""
        return self._ids is not None and not self._pending and not self._stale

    def find(self, code: str) -> tuple[int, F] | None:
        """``(id, form)`` of the record with this code (case-insensitive), or None.

        Raises:
            AdminError: the list and the edit form disagree even right after a rescan.
        """
        key = code.casefold()
        self._fresh = {}
        # a repeated miss of the same code with no write in between needs no new catch-up probe
        at_tail, self._last_miss = self._last_miss == key, None
        try:
            if self._ids is None:
                self._rescan()
                at_tail = True
            elif self._pending:
                at_tail = self._probe(misses=self._probes)
                if self._pending:
                    self._rescan_because(f"{len(self._pending)} create(s) not found by probing ids")
                    at_tail = True
            found = self._lookup(key)
            if found is None and self._stale:
                self._rescan_because("a create was refused for a code it did not know")
                found = self._lookup(key)
                at_tail = True
            if found is None and not at_tail:
                if not self._probe(misses=1):
                    self._rescan_because(f"more than {self._walk} records were added since the scan")
                found = self._lookup(key)
            if found is None:
                self._last_miss = key
            return found
        finally:
            self._fresh = {}

    def creating(self, code: str) -> None:
        """Note a create about to be sent: misses are untrusted until it is resolved."""
        self._pending.add(code.casefold())
        self._last_miss = None

    def refused(self, code: str) -> None:
        """The shop refused the create (form error): nothing was written for it.

        A refusal of a code the index does not know (e.g. a duplicate code added by someone
        else) means the index is stale: the next miss rescans.
        """
        key = code.casefold()
        self._pending.discard(key)
        self._last_miss = None
        if self._ids is not None and key not in self._ids:
            self._stale = True

    def updated(self, record_id: int, code: str) -> None:
        """Note an edit that may have set this code on ``record_id`` (verified on the next hit)."""
        self._last_miss = None
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

    def _rescan_because(self, why: str) -> None:
        log.info("%s index: %s; rescanning the list", self.kind, why)
        self._rescan()

    def _probe(self, *, misses: int) -> bool:
        """Index the records after the highest known id, until ``misses`` ids were missing.

        While creates of ours are unresolved, stops as soon as the last of them is found.
        Gives up after reading ``walk`` records. Returns True when it ended on a missing id (the
        tail was seen).
        """
        assert self._ids is not None  # noqa: S101 - built before
        resolving = bool(self._pending)
        missing, walked, next_id = 0, 0, self._max_id + 1
        while missing < misses and walked < self._walk and not (resolving and not self._pending):
            form = self._load(next_id)
            if form is None:
                missing += 1
            else:
                key = self._code_of(form).casefold()
                self._ids.setdefault(key, next_id)
                self._max_id = next_id
                self._pending.discard(key)
                walked += 1
            next_id += 1
        return missing > 0

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
                self._rescan_because(f"id {record_id} no longer holds the code")
                self._fresh = {}
        raise AdminError(f"{self.kind} list and edit form disagree on a code even after a rescan")
