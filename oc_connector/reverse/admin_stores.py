"""Adapters from ``oc_connector.admin``'s client to the reverse-ETL stores (:mod:`.ports`).

They turn the admin forms (:class:`~oc_connector.admin.CouponForm`,
:class:`~oc_connector.admin.VoucherForm`) into the flat field maps the operations compare and
merge, and back. The admin client itself is typed structurally here, so this module only needs
its documented methods.

Lookups by code go through a per-store :class:`~oc_connector.reverse.code_index.CodeIndex`: the
admin list is scanned once per store instance (use one store per run), then a known code costs one
edit-form read, a create is resolved by probing the next auto-increment ids, and a miss costs one
probe of the next id while it can be trusted, a rescan otherwise (the rule is in
:mod:`oc_connector.reverse.code_index`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Protocol

from oc_connector.admin.records import CouponForm, CouponRow, VoucherForm, VoucherRow
from oc_connector.errors import AdminFormError
from oc_connector.reverse.code_index import CodeIndex

__all__ = ["AdminCouponStore", "AdminLike", "AdminVoucherStore", "coupon_form_fields", "voucher_form_fields"]


class AdminLike(Protocol):
    """The part of ``oc_connector.admin.AdminClient`` the reverse ETL uses."""

    def iter_coupons(self) -> Iterable[CouponRow]:
        """Every coupon list row, all pages."""
        ...

    def coupon_form(self, coupon_id: int) -> CouponForm:
        """The coupon's edit form."""
        ...

    def create_coupon(self, form: CouponForm) -> None:
        """Post the add form."""
        ...

    def update_coupon(self, coupon_id: int, form: CouponForm) -> None:
        """Post the edit form."""
        ...

    def iter_vouchers(self) -> Iterable[VoucherRow]:
        """Every voucher list row, all pages."""
        ...

    def voucher_form(self, voucher_id: int) -> VoucherForm:
        """The voucher's edit form."""
        ...

    def create_voucher(self, form: VoucherForm) -> None:
        """Post the add form."""
        ...

    def update_voucher(self, voucher_id: int, form: VoucherForm) -> None:
        """Post the edit form."""
        ...

    def send_voucher(self, voucher_id: int) -> None:
        """E-mail a voucher."""
        ...


def _dec(value: Decimal) -> str:
    return f"{value:.4f}"


def voucher_form_fields(form: VoucherForm) -> dict[str, str]:
    """Flat field map of a voucher form."""
    return {
        "code": form.code, "from_name": form.from_name, "from_email": form.from_email,
        "to_name": form.to_name, "to_email": form.to_email,
        "voucher_theme_id": "" if form.voucher_theme_id is None else str(form.voucher_theme_id),
        "message": form.message, "amount": _dec(form.amount), "status": "1" if form.status else "0",
    }


def _voucher_form(fields: Mapping[str, str]) -> VoucherForm:
    theme = fields.get("voucher_theme_id", "")
    return VoucherForm(
        code=fields["code"], from_name=fields["from_name"], from_email=fields["from_email"],
        to_name=fields["to_name"], to_email=fields["to_email"],
        voucher_theme_id=int(theme) if theme else None, message=fields.get("message", ""),
        amount=Decimal(fields["amount"]), status=fields.get("status", "1") == "1",
    )


def coupon_form_fields(form: CouponForm) -> dict[str, str]:
    """Flat field map of a coupon form (ids joined with ``;``)."""
    return {
        "name": form.name, "code": form.code, "type": form.type or "", "discount": _dec(form.discount),
        "total": _dec(form.total), "logged": "1" if form.logged else "0",
        "shipping": "1" if form.shipping else "0", "products": ";".join(str(p) for p in form.products),
        "categories": ";".join(str(c) for c in form.categories),
        "date_start": form.date_start.isoformat() if form.date_start else "",
        "date_end": form.date_end.isoformat() if form.date_end else "",
        "uses_total": str(form.uses_total), "uses_customer": str(form.uses_customer),
        "status": "1" if form.status else "0",
    }


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(";") if v.strip())


def _coupon_form(fields: Mapping[str, str]) -> CouponForm:
    return CouponForm(
        name=fields["name"], code=fields["code"], type=fields.get("type") or None,
        discount=Decimal(fields.get("discount") or "0"), total=Decimal(fields.get("total") or "0"),
        logged=fields.get("logged") == "1", shipping=fields.get("shipping") == "1",
        products=_ids(fields.get("products", "")), categories=_ids(fields.get("categories", "")),
        date_start=date.fromisoformat(fields["date_start"]) if fields.get("date_start") else None,
        date_end=date.fromisoformat(fields["date_end"]) if fields.get("date_end") else None,
        uses_total=int(fields.get("uses_total") or 0), uses_customer=int(fields.get("uses_customer") or 0),
        status=fields.get("status", "1") == "1",
    )


class AdminVoucherStore:
    """:class:`~oc_connector.reverse.ports.VoucherStore` over the admin client.

    Codes are looked up in a per-instance index (one list scan, then one form read per known
    code, id probes after our creates, one probe of the next id per miss). A miss is answered
    without a rescan only while it is trusted: the index was scanned by this instance and every
    create sent since was resolved to an id or refused by the shop; after a create with an
    unknown outcome the next ids are probed and, failing that, the list is rescanned before None
    is returned (so a lost answer never leads to a second voucher). Use one instance per run: the
    index lives as long as it does.

    Args:
        admin: the admin client.
        probes: missing ids probed after our create before the list is rescanned.
    """

    def __init__(self, *, admin: AdminLike, probes: int = 3) -> None:
        self.admin = admin
        self.index: CodeIndex[VoucherForm] = CodeIndex(
            kind="voucher", scan=self._scan, form=admin.voucher_form, code_of=_form_code, probes=probes,
        )

    def _scan(self) -> Iterator[tuple[int, str]]:
        return ((row.voucher_id, row.code) for row in self.admin.iter_vouchers())

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        """``(voucher_id, fields)`` of the voucher with this code (from its edit form), or None."""
        found = self.index.find(code)
        if found is None:
            return None
        return found[0], voucher_form_fields(found[1])

    def create(self, fields: Mapping[str, str]) -> None:
        """Post the add form (the index resolves the new id on the next lookup)."""
        form = _voucher_form(fields)
        self.index.creating(form.code)
        try:
            self.admin.create_voucher(form)
        except AdminFormError:
            self.index.refused(form.code)
            raise

    def update(self, voucher_id: int, fields: Mapping[str, str]) -> None:
        """Post the full edit form."""
        form = _voucher_form(fields)
        self.index.updated(voucher_id, form.code)
        self.admin.update_voucher(voucher_id, form)

    def send(self, voucher_id: int) -> None:
        """E-mail the voucher."""
        self.admin.send_voucher(voucher_id)


class AdminCouponStore:
    """:class:`~oc_connector.reverse.ports.CouponStore` over the admin client.

    Same code index as :class:`AdminVoucherStore` (coupon ids are auto-increment too, the list
    has no code filter, the edit form of a missing id is empty, a duplicate code is refused).

    Args:
        admin: the admin client.
        probes: missing ids probed after our create before the list is rescanned.
    """

    def __init__(self, *, admin: AdminLike, probes: int = 3) -> None:
        self.admin = admin
        self.index: CodeIndex[CouponForm] = CodeIndex(
            kind="coupon", scan=self._scan, form=admin.coupon_form, code_of=_form_code, probes=probes,
        )

    def _scan(self) -> Iterator[tuple[int, str]]:
        return ((row.coupon_id, row.code) for row in self.admin.iter_coupons())

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        """``(coupon_id, fields)`` of the coupon with this code (from its edit form), or None."""
        found = self.index.find(code)
        if found is None:
            return None
        return found[0], coupon_form_fields(found[1])

    def create(self, fields: Mapping[str, str]) -> None:
        """Post the add form (the index resolves the new id on the next lookup)."""
        form = _coupon_form(fields)
        self.index.creating(form.code)
        try:
            self.admin.create_coupon(form)
        except AdminFormError:
            self.index.refused(form.code)
            raise

    def update(self, coupon_id: int, fields: Mapping[str, str]) -> None:
        """Post the full edit form."""
        form = _coupon_form(fields)
        self.index.updated(coupon_id, form.code)
        self.admin.update_coupon(coupon_id, form)


def _form_code(form: VoucherForm | CouponForm) -> str:
    return form.code
