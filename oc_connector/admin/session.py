"""AdminSession: what every admin client shares, whatever the OpenCart version.

An admin client is a logged-in browser session: its own :class:`~oc_connector.wire.transport.Transport`
(so its own cookie jar), whose per-shop rate limiter is the process-wide one from
:func:`~oc_connector.wire.ratelimit.shared_limiter`: admin and catalog calls to one shop respect
one limit together. Every request carries the session's ``user_token``; a login page in place of
the answer means the session died (expired, logged out), and since the token check runs before
any controller, nothing was applied: the session logs in once more and resends. Redirects are
never followed: a 302 is the answer. HTTP 429, 5xx and 404 become the same errors as on the
catalog API (the transport's :func:`~oc_connector.wire.decode.status_error`); any other 4xx is an
:class:`~oc_connector.errors.AdminError`.

The coupon and voucher reads and writes, and the batching of invoice reads, are shared too: each
version says where its pages are (:class:`RecordPages`: routes and parsers; ``_INVOICES``) and how
it saves a form (``_save_record``). The rest of the version-specific part (how to log in, how to probe
a permission) is the subclass's: :class:`~oc_connector.admin.client.AdminClient` (3.0) and
:class:`~oc_connector.admin40.client.Admin40Client` (4.0.2.x).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, Self, TypeVar

import requests

from oc_connector.admin.html import is_login_page, is_page_not_found, is_permission_denied
from oc_connector.admin.records import CouponForm, CouponRow, ListPage, VoucherForm, VoucherRow
from oc_connector.errors import AdminError, AdminNotFoundError, ConfigurationError
from oc_connector.secret import Secret, register_secret
from oc_connector.wire.ratelimit import RateLimit
from oc_connector.wire.retry import RetryPolicy
from oc_connector.wire.transport import DEFAULT_RATE_LIMIT, DEFAULT_RETRY, Timeout, Transport

if TYPE_CHECKING:
    from oc_connector.admin.order_records import InvoiceOrder

__all__ = ["INVOICE_BATCH", "NEEDED_PERMISSIONS", "AdminSession", "FormData", "RecordPages", "find_code"]

#: what each connector feature needs from the admin user's group: (permission, controller)
NEEDED_PERMISSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "history": (("access", "sale/order"),),
    "lines": (("access", "sale/order"),),
    "coupons": (("access", "marketing/coupon"), ("modify", "marketing/coupon")),
    "vouchers": (("access", "sale/voucher"), ("modify", "sale/voucher")),
}

log = logging.getLogger(__name__)
T = TypeVar("T")
C = TypeVar("C", bound="_Coded")
R = TypeVar("R")
F = TypeVar("F", bound="_Coded")
FormData = Sequence[tuple[str, str]]
INVOICE_BATCH = 50
"""Orders per invoice request: about 3 KB and 3 ms of shop time per order (spec 10.7)."""

_DEFAULT_TIMEOUT = Timeout()
_LACKS = "lacks the"


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


def find_code(rows: Iterable[C], code: str) -> C | None:
    """The row with this code (case-insensitive) from rows sorted by code; stops once past it."""
    wanted = code.casefold()
    for row in rows:
        if row.code.casefold() == wanted:
            return row
        if row.code.casefold() > wanted:
            return None
    return None


@dataclass(frozen=True)
class RecordPages(Generic[R, F]):
    """Where one version's admin keeps one kind of coded record (coupons, vouchers).

    Attributes:
        noun: ``"coupon"`` / ``"voucher"`` (messages).
        id_key: the record's id parameter (``coupon_id``).
        list_route: the paged list (sorted by ``sort`` / ``order``).
        form_route: the edit form (``id_key`` in the query; an unknown id shows an empty form).
        add_route, edit_route: where a new and an existing record's form is posted (one route on 4.0).
        parse_list, parse_form: the version's parsers of those pages.
    """

    noun: str
    id_key: str
    list_route: str
    form_route: str
    add_route: str
    edit_route: str
    parse_list: Callable[[str], ListPage[R]]
    parse_form: Callable[[str], F]


class AdminSession:
    """A logged-in admin session (own cookie jar, ``user_token`` in every query).

    Args:
        base_url: The shop root, e.g. ``https://shop.example.com/`` (checked by
            :func:`~oc_connector.wire.transport.check_url_security`).
        username: Admin user name.
        password: Admin password (kept as a :class:`Secret`).
        admin_path: Path of the admin folder under the shop root.
        timeout, verify, ca_bundle, allow_insecure_http, proxies, rate_limit, retry: passed to
            :class:`~oc_connector.wire.transport.Transport` (``ca_bundle`` applies when ``verify``).
        transport: A ready transport (tests); ``base_url`` and the settings above are then
            ignored. Give the admin client its own, never the catalog client's: the
            session cookie jar must stay separate.

    Raises:
        ConfigurationError: Not an http(s) URL, or plain http to a non-loopback host
            without ``allow_insecure_http``.
    """

    _COUPONS: ClassVar[RecordPages[CouponRow, CouponForm]]
    _VOUCHERS: ClassVar[RecordPages[VoucherRow, VoucherForm]]
    _INVOICES: ClassVar[tuple[str, Callable[[str], Iterable[InvoiceOrder]]]]
    """The invoice route (``selected[]`` posted) and its parser."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: Secret | str,
        admin_path: str = "admin/",
        timeout: Timeout = _DEFAULT_TIMEOUT,
        verify: bool = True,
        ca_bundle: str | None = None,
        allow_insecure_http: bool = False,
        proxies: Mapping[str, str] | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: Transport | None = None,
    ) -> None:
        self.transport = transport or Transport(
            base_url,
            timeout=timeout,
            verify=verify,
            ca_bundle=ca_bundle,
            allow_insecure_http=allow_insecure_http,
            proxies=proxies,
            rate_limit=rate_limit,
            retry=retry,
        )
        self._path = admin_path.strip("/") + "/index.php"
        self._url = self.transport.base_url + self._path
        self._username = username
        self._password = password if isinstance(password, Secret) else Secret(password)
        register_secret(self._password.get())
        self._token: Secret | None = None
        # one login at a time: a login is a session change, two at once would undo each other
        self._login_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url!r}, username={self._username!r})"

    def close(self) -> None:
        """Close the pooled connections (the session cookie jar goes with them)."""
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- session ---------------------------------------------------------------------------

    def login(self) -> None:
        """Log in and keep the ``user_token`` (later requests log in by themselves).

        Raises:
            AdminLoginError: Wrong credentials, or the account is locked out.
            AdminError: The shop answered with something that is not a login result.
        """
        with self._login_lock:
            self._login()

    def _login(self) -> Secret:
        """Log in (the caller holds the login lock), keep and return the new ``user_token``."""
        raise NotImplementedError  # pragma: no cover - each version logs in its own way

    def _session_token(self) -> Secret:
        with self._login_lock:
            return self._token if self._token is not None else self._login()

    def _send(
        self, method: str, route: str, params: Mapping[str, str], data: FormData | None, *, safe: bool
    ) -> requests.Response:
        return self.transport.send(
            method,
            self._path,
            route=route,
            params=dict(params),
            data=list(data) if data is not None else None,
            safe=safe,
            allow_redirects=False,
        )

    def _request(
        self,
        route: str,
        params: Mapping[str, str] | None = None,
        *,
        data: FormData | None = None,
        safe: bool = True,
        missing: str | None = None,
    ) -> requests.Response:
        """Send with the session's token; ``missing`` names the object a "Page Not Found!" means."""
        method = "GET" if data is None else "POST"
        for attempt in range(2):
            token = self._session_token()
            query = {"route": route, "user_token": token.get(), **(params or {})}
            response = self._send(method, route, query, data, safe=safe)
            if response.status_code == 200 and _shows_login(response.text):
                # The session died (expired, logged out): the token check runs before the
                # controller, so nothing was applied and one re-login + resend is safe.
                log.info("admin session ended on %s; logging in again", route)
                with self._login_lock:
                    if self._token is token:  # not already renewed by another thread
                        self._token = None
                if attempt == 0:
                    continue
                raise AdminError("admin session ended again right after a new login", route=route)
            self._check_page(route, response, write=not safe, missing=missing)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _permission_error(self, kind: str, route: str) -> AdminError:
        controller = "/".join(route.split("/")[:2]).split(".")[0]
        return AdminError(
            f"admin user {self._username!r} {_LACKS} {kind} permission for {controller!r}; "
            "grant it under Admin > System > Users > User Groups",
            route=route,
        )

    def _check_page(
        self, route: str, response: requests.Response, *, write: bool, missing: str | None = None
    ) -> None:
        if response.status_code >= 400:
            raise AdminError("admin request failed", route=route, status=response.status_code)
        if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
            return
        text = response.text
        if "Permission Denied!" in text and is_permission_denied(text):
            raise self._permission_error("modify" if write else "access", route)
        if "Page Not Found!" in text and is_page_not_found(text):
            if missing is not None:
                raise AdminNotFoundError(f"the shop has no {missing} (deleted or never made)", route=route)
            raise AdminError("admin page not found (route unknown to this shop)", route=route)

    # -- permissions -----------------------------------------------------------------------

    def missing_permissions(self) -> dict[str, list[str]]:
        """Which features (:data:`NEEDED_PERMISSIONS`) lack which ``permission controller`` pairs.

        Each pair is probed once with a request the shop always refuses to apply (see the
        subclass's ``_has_permission``), so nothing is written.

        Raises:
            AdminLoginError: Wrong credentials, or the account is locked out.
        """
        granted: dict[tuple[str, str], bool] = {}
        for needs in NEEDED_PERMISSIONS.values():
            for kind, controller in needs:
                if (kind, controller) not in granted:
                    granted[(kind, controller)] = self._probe_permission(kind, controller)
        missing = {
            feature: [f"{kind} {controller}" for kind, controller in needs if not granted[(kind, controller)]]
            for feature, needs in NEEDED_PERMISSIONS.items()
        }
        return {feature: lacks for feature, lacks in missing.items() if lacks}

    def _probe_permission(self, kind: str, controller: str) -> bool:
        try:
            return self._has_permission(kind, controller)
        except AdminError as exc:
            if _LACKS in exc.message:
                return False
            raise

    def _has_permission(self, kind: str, controller: str) -> bool:
        """True when the user holds ``kind`` (access/modify) on ``controller``; nothing is written."""
        raise NotImplementedError  # pragma: no cover - each version probes its own pages

    # -- helpers ---------------------------------------------------------------------------

    def _pages(
        self, route: str, params: Mapping[str, str], parse: Callable[[str], ListPage[T]]
    ) -> Iterator[ListPage[T]]:
        page = 1
        while True:
            query = {**params, "page": str(page)} if page > 1 else dict(params)
            listing = parse(self._request(route, query).text)
            yield listing
            if page >= listing.pages or not listing.rows:
                return
            page += 1

    # -- coupons and vouchers ----------------------------------------------------------------

    def _save_record(self, pages: RecordPages[R, F], record_id: int, data: FormData) -> None:
        """Post a record's whole form: a new record when ``record_id`` is 0 (sent once, never retried).

        Raises:
            AdminFormError: The shop refused the form (field errors, duplicate code as ``warning``).
            OutcomeUnknown: The post failed in transit.
        """
        raise NotImplementedError  # pragma: no cover - each version saves its own way

    def _records(self, pages: RecordPages[R, F], sort: str, order: str) -> Iterator[R]:
        for listing in self._pages(pages.list_route, {"sort": sort, "order": order}, pages.parse_list):
            yield from listing.rows

    def _record_form(self, pages: RecordPages[R, F], record_id: int) -> F:
        form = pages.parse_form(self._request(pages.form_route, {pages.id_key: str(record_id)}).text)
        if not form.code:
            raise AdminError(f"{pages.noun} {record_id} does not exist", route=pages.form_route)
        return form

    def iter_coupons(self, sort: str = "code", order: str = "ASC") -> Iterator[CouponRow]:
        """Every coupon, all pages, in the shop's order for ``sort``."""
        return self._records(self._COUPONS, sort, order)

    def find_coupon(self, code: str) -> CouponRow | None:
        """The coupon with this code (case-insensitive), or None; stops once past it."""
        return find_code(self.iter_coupons(sort="code"), code)

    def coupon_form(self, coupon_id: int) -> CouponForm:
        """The coupon's current form values.

        Raises:
            AdminError: No coupon has this id (the shop shows an empty form).
        """
        return self._record_form(self._COUPONS, coupon_id)

    def create_coupon(self, form: CouponForm) -> None:
        """Create a coupon (all form fields posted).

        Raises:
            AdminFormError: The shop refused the form (field errors; the duplicate code as ``warning``
                "Warning: Coupon code is already in use!").
            OutcomeUnknown: The post failed in transit.
        """
        self._save_record(self._COUPONS, 0, form.to_post())

    def update_coupon(self, coupon_id: int, form: CouponForm) -> None:
        """Replace every field of a coupon (see :meth:`create_coupon` for errors)."""
        self._save_record(self._COUPONS, coupon_id, form.to_post())

    def iter_vouchers(self, sort: str = "v.code", order: str = "ASC") -> Iterator[VoucherRow]:
        """Every gift voucher, all pages (``order_id`` set for a voucher sold in an order)."""
        return self._records(self._VOUCHERS, sort, order)

    def find_voucher(self, code: str) -> VoucherRow | None:
        """The voucher with this code (case-insensitive), or None; stops once past it."""
        return find_code(self.iter_vouchers(sort="v.code"), code)

    def voucher_form(self, voucher_id: int) -> VoucherForm:
        """The voucher's current form values.

        Raises:
            AdminError: No voucher has this id.
        """
        return self._record_form(self._VOUCHERS, voucher_id)

    def create_voucher(self, form: VoucherForm) -> None:
        """Create a gift voucher with the form's code (errors as :meth:`create_coupon`)."""
        self._save_record(self._VOUCHERS, 0, form.to_post())

    def update_voucher(self, voucher_id: int, form: VoucherForm) -> None:
        """Replace every field of a voucher."""
        self._save_record(self._VOUCHERS, voucher_id, form.to_post())

    # -- invoices ------------------------------------------------------------------------------

    def order_invoices(
        self, order_ids: Iterable[int], *, batch_size: int = INVOICE_BATCH
    ) -> Iterator[InvoiceOrder]:
        """Invoice blocks of many orders, ``batch_size`` orders per POST ``selected[]``.

        The invoice page renders and changes nothing, so its POST is retried like a read. Orders the
        shop does not have are skipped by the shop without a message: compare the yielded
        ``order_id`` values with the ids asked for.

        Raises:
            ConfigurationError: ``batch_size`` is below 1.
            AdminPageError: A block cannot be read.
        """
        if batch_size < 1:
            raise ConfigurationError("batch_size must be at least 1")
        route, parse = self._INVOICES
        ids = [int(i) for i in order_ids]
        for start in range(0, len(ids), batch_size):
            form = [("selected[]", str(i)) for i in ids[start : start + batch_size]]
            yield from parse(self._request(route, data=form, safe=True).text)


def _shows_login(text: str) -> bool:
    """The login form in place of a page (the substring test spares parsing every large page twice)."""
    return "route=common/login" in text and is_login_page(text)
