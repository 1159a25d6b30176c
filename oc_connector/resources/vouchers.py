"""Gift vouchers: the five verbs over the admin channel (``sale/voucher``), keyed by code.

The writes go through an :class:`~oc_connector.reverse.admin_stores.AdminVoucherStore` and the
shared state machine (:func:`~oc_connector.reverse.upsert.upsert`) with :class:`VoucherChanges`,
the voucher entity of a partial write: a new voucher is the given fields (all required but
``message`` and ``status``), an existing one gets only the given fields merged into its current
edit form, which is posted whole. The values are checked with the reverse ETL's voucher rules
(:func:`~oc_connector.reverse.validation.parse_voucher_row`: names 1-64 characters, valid
e-mails, an amount within the shop's limits, a positive theme id) before any call; the code is
3-10 characters (the admin form's rule) and no required field can be cleared.

Fields: ``from_name``, ``from_email``, ``to_name``, ``to_email``, ``voucher_theme_id``,
``message``, ``amount``, ``status``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from oc_connector.admin.records import VoucherForm, VoucherRow
from oc_connector.errors import AdminFormError, AdminNotFoundError
from oc_connector.resources.base import Found, Rows, Written, check_date, refuse, require
from oc_connector.resources.coded import NOT_FOUND, fields_of, given, run_upsert, written
from oc_connector.reverse.admin_stores import VOUCHER_ADMIN, AdminLike, AdminVoucherStore
from oc_connector.reverse.upsert import Entity, Refused
from oc_connector.reverse.validation import CLEAR, Rejected, VoucherLimits, parse_voucher_row

__all__ = ["VOUCHER_FIELDS", "VoucherChanges", "Vouchers"]

_ADMIN = "admin credentials (an AdminClient)"
VOUCHER_FIELDS = (
    "from_name", "from_email", "to_name", "to_email", "voucher_theme_id", "message", "amount", "status",
)
_REQUIRED = ("from_name", "from_email", "to_name", "to_email", "voucher_theme_id", "amount")
_PLACEHOLDER = {"request_key": "k", "from_name": "a", "from_email": "a@b.cd", "to_name": "a",
                "to_email": "a@b.cd", "voucher_theme_id": "1", "message": "", "amount": ""}


def _norm(name: str, value: str) -> str:
    value = (value or "").strip()
    if name == "amount":
        try:
            return f"{Decimal(value):.4f}"
        except ArithmeticError:
            return value
    return value.upper() if name == "code" else value


class VoucherChanges(Entity[Mapping[str, str]]):
    """Vouchers for the shared upsert from a map of given fields (form text).

    Args:
        create: whether a code the shop does not have is created (False: refused as not found).
    """

    kind = "voucher"

    def __init__(self, *, create: bool = True) -> None:
        self.create = create

    def create_fields(self, request: Mapping[str, str], code: str) -> dict[str, str] | Refused:
        """The given fields (all required ones present) at the code, enabled unless told."""
        if not self.create:
            return Refused(NOT_FOUND)
        missing = [name for name in _REQUIRED if name not in request]
        if missing:
            return Refused(f"a new voucher needs {', '.join(missing)}")
        return {"message": "", "status": "1", **request, "code": code}

    def update_fields(
        self, request: Mapping[str, str], code: str, current: Mapping[str, str]
    ) -> dict[str, str]:
        """The current form with only the given fields replaced."""
        return {**current, **request}

    def matches(self, request: Mapping[str, str], code: str, current: Mapping[str, str]) -> bool:
        """True when every given field already has the asked value."""
        return all(_norm(k, current.get(k, "")) == _norm(k, v) for k, v in request.items())

    def attempts(self, sent: int, *, gave_up: bool) -> int:
        """The write calls sent."""
        return sent


class Vouchers:
    """Create, read, query, update and upsert gift vouchers by code through the admin pages.

    Args:
        admin: the admin client (None: every verb raises ConfigurationError).
        limits: the shop's voucher amount limits.
        attempts: write rounds of one write.
    """

    def __init__(self, *, admin: AdminLike | None, limits: VoucherLimits | None = None,
                 attempts: int = 4) -> None:
        self._admin = admin
        self._limits = limits or VoucherLimits()
        self._attempts = attempts

    def _store(self, verb: str) -> AdminVoucherStore:
        return AdminVoucherStore(admin=require(self._admin, _ADMIN, f"vouchers.{verb}"))

    def read(self, code: str) -> Found[VoucherForm]:
        """The voucher's edit form (``id`` is its voucher_id).

        Raises:
            ValidationError: an invalid code.
            ConfigurationError: no admin client.
            AdminNotFoundError: no voucher has this code.
        """
        _check_code(code)
        found = self._store("read").find(code)
        if found is None:
            raise AdminNotFoundError(f"the shop has no voucher with code {code!r}")
        return Found(VOUCHER_ADMIN.parse(found[1]), "admin", found[0])

    def query(
        self, *, code: str | None = None, to_name: str | None = None, status: bool | None = None,
        date_added_from: date | None = None, date_added_to: date | None = None,
    ) -> Rows[VoucherRow]:
        """Voucher list rows matching every given filter, read lazily page by page.

        All filters are applied here (the admin list has none): ``code`` equal ignoring case,
        ``to_name`` a substring ignoring case, ``status`` equal, the day added within the range.

        Raises:
            ValidationError: a filter of the wrong type.
            ConfigurationError: no admin client.
        """
        low, high = check_date("date_added_from", date_added_from), check_date("date_added_to", date_added_to)
        if status is not None and not isinstance(status, bool):
            raise refuse("status must be True or False", {"status": "bool"})
        admin = require(self._admin, _ADMIN, "vouchers.query")
        wanted_code = code.upper() if code is not None else None
        wanted_name = to_name.casefold() if to_name is not None else None

        def fetch() -> Iterator[VoucherRow]:
            for row in admin.iter_vouchers():
                if wanted_code is not None and row.code.upper() != wanted_code:
                    continue
                if wanted_name is not None and wanted_name not in row.to_name.casefold():
                    continue
                if status is not None and row.status != status:
                    continue
                if (low is not None and row.date_added < low) or (high is not None and row.date_added > high):
                    continue
                yield row

        return Rows("admin", fetch)

    def create(self, code: str, fields: Mapping[str, Any]) -> Written:
        """Create a voucher with this code; refused when the code is taken.

        Raises:
            ValidationError: invalid or missing fields.
            ConfigurationError: no admin client.
            AdminFormError: the code is in use, or the shop refused the form.
            OutcomeUnknown: the outcome stayed unknown after every round.
        """
        request = self._request(code, fields, create=True)
        store = self._store("create")
        if store.find(code) is not None:
            raise AdminFormError(f"voucher code {code!r} is already in use", fields={"code": "in use"})
        return written(run_upsert(VoucherChanges(), request, code=code, store=store, attempts=self._attempts),
                       kind="voucher", code=code)

    def update(self, code: str, changes: Mapping[str, Any]) -> Written:
        """Change only the given fields of an existing voucher.

        Raises:
            ValidationError: no changes, invalid values or clearing a required field.
            ConfigurationError: no admin client.
            AdminNotFoundError: no voucher has this code.
        """
        if not changes:
            raise refuse("an update needs at least one field", {"changes": "empty"})
        request = self._request(code, changes, create=False)
        done = run_upsert(VoucherChanges(create=False), request, code=code, store=self._store("update"),
                          attempts=self._attempts)
        return written(done, kind="voucher", code=code)

    def upsert(self, code: str, fields: Mapping[str, Any]) -> Written:
        """Create the voucher if the code is new (every required field given), else change the given ones.

        Raises:
            ValidationError: invalid values, clearing a required field, or a new code lacking fields.
            ConfigurationError: no admin client.
        """
        request = self._request(code, fields, create=False)
        done = run_upsert(VoucherChanges(), request, code=code, store=self._store("upsert"),
                          attempts=self._attempts)
        return written(done, kind="voucher", code=code)

    def _request(self, code: str, fields: Mapping[str, Any], *, create: bool) -> dict[str, str]:
        """The given fields as form text, checked with the voucher rules; missing ones refused on create."""
        _check_code(code)
        if "code" in fields:
            raise refuse("the code is the key: give it as the first argument", {"code": "not a field"})
        unknown = sorted(set(fields) - set(VOUCHER_FIELDS))
        if unknown:
            raise refuse(f"unknown voucher fields {', '.join(unknown)}",
                         dict.fromkeys(unknown, "unknown field"))
        cells = given(fields)
        problems: dict[str, str] = {}
        for name, text in cells.items():
            if text == CLEAR and name in _REQUIRED:
                problems[name] = f"{name} is required and cannot be cleared"
            elif text == CLEAR:
                cells[name] = "" if name == "message" else "0"
        if "status" in cells and cells["status"] not in ("0", "1"):
            problems["status"] = "status must be True or False"
        if create:
            problems.update({n: "required" for n in _REQUIRED if n not in cells})
        checked = {k: v for k, v in cells.items() if k in _PLACEHOLDER and v != CLEAR}
        parsed = parse_voucher_row({**_PLACEHOLDER, "amount": str(self._limits.minimum), **checked},
                                   limits=self._limits)
        if isinstance(parsed, Rejected):
            for name, reason in fields_of(parsed.reasons, VOUCHER_FIELDS).items():
                if name in checked:
                    problems.setdefault(name, reason)
        if problems:
            raise refuse(f"voucher {code}: {'; '.join(problems.values())}", problems)
        if "amount" in cells:
            cells["amount"] = f"{Decimal(cells['amount']):.4f}"
        return cells


def _check_code(code: str) -> None:
    if not isinstance(code, str) or not 3 <= len(code.strip()) <= 10:
        raise refuse("a voucher code is 3-10 characters", {"code": "3-10 characters"})
