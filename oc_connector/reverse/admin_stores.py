"""Adapters from ``oc_connector.admin``'s client to the reverse-ETL stores (:mod:`.ports`).

They turn the admin forms (:class:`~oc_connector.admin.CouponForm`,
:class:`~oc_connector.admin.VoucherForm`) into the flat field maps the operations compare and
merge, and back. The admin client itself is typed structurally here, so this module only needs
its documented methods. One :class:`AdminStore` does it for both, given the entity's admin list,
form and posts (:data:`VOUCHER_ADMIN`, :data:`COUPON_ADMIN`); :class:`AdminVoucherStore` (which
also e-mails) and :class:`AdminCouponStore` are it bound to each.

Lookups by code go through a per-store :class:`~oc_connector.reverse.code_index.CodeIndex`: the
admin list is scanned once per store instance (use one store per run), then a known code costs one
edit-form read, a create is resolved by probing the next auto-increment ids, and a miss costs one
probe of the next id while it can be trusted, a rescan otherwise (the rule is in
:mod:`oc_connector.reverse.code_index`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from oc_connector.admin.records import CouponForm, CouponRow, VoucherForm, VoucherRow
from oc_connector.errors import AdminFormError
from oc_connector.reverse.code_index import CodeIndex

__all__ = [
    "COUPON_ADMIN", "VOUCHER_ADMIN", "AdminCouponStore", "AdminEntity", "AdminLike", "AdminStore",
    "AdminVoucherStore", "coupon_form_fields", "voucher_form_fields",
]


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


F = TypeVar("F", bound=VoucherForm | CouponForm)


@dataclass(frozen=True)
class AdminEntity(Generic[F]):
    """How one kind of record is read and written on the admin channel (its list, form and posts)."""

    kind: str
    """What the records are, e.g. ``"voucher"`` (for logs and errors)."""
    rows: Callable[[AdminLike], Iterable[tuple[int, str]]]
    """Every ``(id, code)`` of the admin list, all pages."""
    form: Callable[[AdminLike, int], F]
    """The edit form of an id."""
    create: Callable[[AdminLike, F], None]
    """Post the add form."""
    update: Callable[[AdminLike, int, F], None]
    """Post the edit form."""
    fields: Callable[[F], dict[str, str]]
    """Flat field map of a form."""
    parse: Callable[[Mapping[str, str]], F]
    """The form of a flat field map."""


VOUCHER_ADMIN: AdminEntity[VoucherForm] = AdminEntity(
    kind="voucher",
    rows=lambda admin: ((row.voucher_id, row.code) for row in admin.iter_vouchers()),
    form=lambda admin, voucher_id: admin.voucher_form(voucher_id),
    create=lambda admin, form: admin.create_voucher(form),
    update=lambda admin, voucher_id, form: admin.update_voucher(voucher_id, form),
    fields=voucher_form_fields, parse=_voucher_form,
)
"""Vouchers on the admin channel (``sale/voucher``)."""

COUPON_ADMIN: AdminEntity[CouponForm] = AdminEntity(
    kind="coupon",
    rows=lambda admin: ((row.coupon_id, row.code) for row in admin.iter_coupons()),
    form=lambda admin, coupon_id: admin.coupon_form(coupon_id),
    create=lambda admin, form: admin.create_coupon(form),
    update=lambda admin, coupon_id, form: admin.update_coupon(coupon_id, form),
    fields=coupon_form_fields, parse=_coupon_form,
)
"""Coupons on the admin channel (``marketing/coupon``)."""


class AdminStore(Generic[F]):
    """A :class:`~oc_connector.reverse.ports.RecordStore` over the admin client, for one entity.

    Codes are looked up in a per-instance index (one list scan, then one form read per known
    code, id probes after our creates, one probe of the next id per miss). A miss is answered
    without a rescan only while it is trusted: the index was scanned by this instance and every
    create sent since was resolved to an id or refused by the shop; after a create with an
    unknown outcome the next ids are probed and, failing that, the list is rescanned before None
    is returned (so a lost answer never leads to a second record). Use one instance per run: the
    index lives as long as it does. Vouchers and coupons behave alike here (auto-increment ids,
    a list with no code filter, an empty edit form for a missing id, a duplicate code refused).

    Args:
        admin: the admin client.
        entity: the record kind's admin list, form and posts.
        probes: missing ids probed after our create before the list is rescanned.
    """

    def __init__(self, *, admin: AdminLike, entity: AdminEntity[F], probes: int = 3) -> None:
        self.admin = admin
        self.entity: AdminEntity[F] = entity
        self.index: CodeIndex[F] = CodeIndex(
            kind=entity.kind, scan=lambda: entity.rows(admin),
            form=lambda record_id: entity.form(admin, record_id), code_of=_form_code, probes=probes,
        )

    def find(self, code: str) -> tuple[int, dict[str, str]] | None:
        """``(id, fields)`` of the record with this code (from its edit form), or None."""
        found = self.index.find(code)
        if found is None:
            return None
        return found[0], self.entity.fields(found[1])

    def create(self, fields: Mapping[str, str]) -> None:
        """Post the add form (the index resolves the new id on the next lookup)."""
        form = self.entity.parse(fields)
        self.index.creating(form.code)
        try:
            self.entity.create(self.admin, form)
        except AdminFormError:
            self.index.refused(form.code)
            raise

    def update(self, record_id: int, fields: Mapping[str, str]) -> None:
        """Post the full edit form."""
        form = self.entity.parse(fields)
        self.index.updated(record_id, form.code)
        self.entity.update(self.admin, record_id, form)


class AdminVoucherStore(AdminStore[VoucherForm]):
    """:class:`~oc_connector.reverse.ports.VoucherStore` over the admin client (see :class:`AdminStore`).

    Args:
        admin: the admin client.
        probes: missing ids probed after our create before the list is rescanned.
    """

    def __init__(self, *, admin: AdminLike, probes: int = 3) -> None:
        super().__init__(admin=admin, entity=VOUCHER_ADMIN, probes=probes)

    def send(self, voucher_id: int) -> None:
        """E-mail the voucher."""
        self.admin.send_voucher(voucher_id)


class AdminCouponStore(AdminStore[CouponForm]):
    """:class:`~oc_connector.reverse.ports.CouponStore` over the admin client (see :class:`AdminStore`).

    Args:
        admin: the admin client.
        probes: missing ids probed after our create before the list is rescanned.
    """

    def __init__(self, *, admin: AdminLike, probes: int = 3) -> None:
        super().__init__(admin=admin, entity=COUPON_ADMIN, probes=probes)


def _form_code(form: VoucherForm | CouponForm) -> str:
    return form.code
