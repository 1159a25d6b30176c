"""Coupons: the five verbs over the admin channel (``marketing/coupon``), keyed by code.

The writes are the reverse ETL's coupon upsert (:class:`~oc_connector.reverse.coupons.CouponEntity`
in the shared state machine, through an :class:`~oc_connector.reverse.admin_stores.AdminCouponStore`):
the admin form is always posted whole, but only the given fields change -- the others are posted as
the shop's edit form showed them. The field rules are the reverse ETL's
(:func:`~oc_connector.reverse.validation.parse_coupon_row`): a new coupon needs a ``name``; ``name``,
``code``, ``type``, ``date_start`` and ``date_end`` cannot be cleared (``None`` clears an optional
field). Every check runs before any call.

Fields: ``name``, ``type`` (``P``/``F``), ``discount``, ``total``, ``logged``, ``shipping``,
``products`` / ``categories`` (ids), ``date_start``, ``date_end`` (dates), ``uses_total``,
``uses_customer``, ``status``.

Costs: a lookup by code scans the coupon list once (the list has no code filter) and reads the
edit form; a write posts the form and reads it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from oc_connector.admin.records import CouponForm, CouponRow
from oc_connector.errors import AdminFormError, AdminNotFoundError
from oc_connector.resources.base import Found, Rows, Written, check_date, refuse, require
from oc_connector.resources.coded import NOT_FOUND, fields_of, given, run_upsert, written
from oc_connector.reverse.admin_stores import COUPON_ADMIN, AdminCouponStore, AdminLike
from oc_connector.reverse.coupons import CouponEntity
from oc_connector.reverse.upsert import Refused
from oc_connector.reverse.validation import COUPON_FIELDS, CouponRequest, Rejected, parse_coupon_row

__all__ = ["Coupons"]

_ADMIN = "admin credentials (an AdminClient)"


class _UpdateOnly(CouponEntity):
    """The coupon entity for ``update``: a code the shop does not have is refused, never created."""

    def create_fields(self, request: CouponRequest, code: str) -> dict[str, str] | Refused:
        return Refused(NOT_FOUND)


class Coupons:
    """Create, read, query, update and upsert coupons by code through the admin pages.

    Args:
        admin: the admin client (None: every verb raises ConfigurationError).
        attempts: write rounds of one write (unknown outcomes are reconciled by reading first).
        today: the default start of a new coupon without ``date_start`` (then 30 days long).
    """

    def __init__(self, *, admin: AdminLike | None, attempts: int = 4, today: date | None = None) -> None:
        self._admin = admin
        self._attempts = attempts
        self._today = today

    def _store(self, verb: str) -> AdminCouponStore:
        return AdminCouponStore(admin=require(self._admin, _ADMIN, f"coupons.{verb}"))

    def read(self, code: str) -> Found[CouponForm]:
        """The coupon's edit form (``id`` is its coupon_id).

        Raises:
            ValidationError: an invalid code.
            ConfigurationError: no admin client.
            AdminNotFoundError: no coupon has this code.
        """
        _request(code, {})
        found = self._store("read").find(code)
        if found is None:
            raise AdminNotFoundError(f"the shop has no coupon with code {code!r}")
        return Found(COUPON_ADMIN.parse(found[1]), "admin", found[0])

    def query(
        self, *, code: str | None = None, name: str | None = None, status: bool | None = None,
        active_on: date | None = None,
    ) -> Rows[CouponRow]:
        """Coupon list rows matching every given filter, read lazily page by page.

        The admin list has no filters, so all are applied here: ``code`` equal ignoring case,
        ``name`` a substring ignoring case, ``status`` equal, ``active_on`` within
        ``date_start..date_end``.

        Raises:
            ValidationError: a filter of the wrong type.
            ConfigurationError: no admin client.
        """
        day = check_date("active_on", active_on)
        if status is not None and not isinstance(status, bool):
            raise refuse("status must be True or False", {"status": "bool"})
        admin = require(self._admin, _ADMIN, "coupons.query")
        wanted_code = code.lower() if code is not None else None
        wanted_name = name.casefold() if name is not None else None

        def fetch() -> Iterator[CouponRow]:
            for row in admin.iter_coupons():
                if wanted_code is not None and row.code.lower() != wanted_code:
                    continue
                if wanted_name is not None and wanted_name not in row.name.casefold():
                    continue
                if status is not None and row.status != status:
                    continue
                if day is not None and not row.date_start <= day <= row.date_end:
                    continue
                yield row

        return Rows("admin", fetch)

    def create(self, code: str, fields: Mapping[str, Any]) -> Written:
        """Create a coupon (``name`` required); refused when the code is taken.

        Raises:
            ValidationError: invalid fields, or no name.
            ConfigurationError: no admin client.
            AdminFormError: the code is in use, or the shop refused the form.
            OutcomeUnknown: the outcome stayed unknown after every round.
        """
        request = _request(code, fields)
        if "name" not in request.fields:
            raise refuse("a new coupon needs a name", {"name": "required"})
        store = self._store("create")
        if store.find(code) is not None:
            raise AdminFormError(f"coupon code {code!r} is already in use", fields={"code": "in use"})
        done = run_upsert(CouponEntity(today=self._today), request, code=code, store=store,
                          attempts=self._attempts)
        return written(done, kind="coupon", code=code)

    def update(self, code: str, changes: Mapping[str, Any]) -> Written:
        """Change only the given fields of an existing coupon (``None`` clears an optional one).

        Raises:
            ValidationError: no changes, invalid values or clearing a required field.
            ConfigurationError: no admin client.
            AdminNotFoundError: no coupon has this code.
        """
        if not changes:
            raise refuse("an update needs at least one field", {"changes": "empty"})
        request = _request(code, changes)
        done = run_upsert(_UpdateOnly(today=self._today), request, code=code, store=self._store("update"),
                          attempts=self._attempts)
        return written(done, kind="coupon", code=code)

    def upsert(self, code: str, fields: Mapping[str, Any]) -> Written:
        """Create the coupon if the code is new (``name`` needed), else change only the given fields.

        Raises:
            ValidationError: invalid values, clearing a required field, or a new code without name.
            ConfigurationError: no admin client.
        """
        request = _request(code, fields)
        done = run_upsert(CouponEntity(today=self._today), request, code=code, store=self._store("upsert"),
                          attempts=self._attempts)
        return written(done, kind="coupon", code=code)


def _request(code: str, fields: Mapping[str, Any]) -> CouponRequest:
    """The validated request, or a ValidationError with every reason by field."""
    if not isinstance(code, str):
        raise refuse("code must be text", {"code": "text"})
    if "code" in fields:
        raise refuse("the code is the key: give it as the first argument", {"code": "not a field"})
    unknown = sorted(set(fields) - set(COUPON_FIELDS))
    if unknown:
        raise refuse(f"unknown coupon fields {', '.join(unknown)}", dict.fromkeys(unknown, "unknown field"))
    cells = given(fields)
    empty = sorted(name for name, text in cells.items() if not text.strip())
    if empty:
        raise refuse("empty values are not changes (None clears an optional field)",
                     dict.fromkeys(empty, "empty"))
    parsed = parse_coupon_row({"code": code, **cells})
    if isinstance(parsed, Rejected):
        raise refuse(f"coupon {code}: {parsed.reason}", fields_of(parsed.reasons, COUPON_FIELDS))
    return parsed
