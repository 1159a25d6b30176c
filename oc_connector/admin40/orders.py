"""AdminOrderReader: the sync's order reads on OpenCart 4.0, from the admin order editor and list.

4.0 has no API route that reads an order, so :meth:`AdminOrderReader.order_info_raw` builds the
dict 3.0's ``api/order/info`` answers (same keys, strings in the same formats: ids ``"5"``, money
``"557.8907"``, rates ``"0.78460002"``, dates ``"2026-12-02 06:52:55"``) from ``sale/order.info``
(:class:`~oc_connector.admin40.records.OrderInfo`), so :func:`oc_connector.sync.normalize.normalize_orders`
loads it unchanged. Texts are the shop's stored text, as 3.0 answers it: the page shows the stored
text unescaped once, the reader escapes it back the way the shop's input filter did
(``htmlspecialchars`` with ``ENT_COMPAT``: ``& " < >``), which restores the stored row byte for byte
for text that came through the shop's forms or API.

What the 4.0 pages cannot give, key by key:

=========================  ======================================================================
key                        what the dict holds
=========================  ======================================================================
``date_added``             the day only, ``YYYY-MM-DD 00:00:00`` (the page shows ``d/m/Y``)
``date_modified``          the day only, from the order list: a row given to :meth:`prime` (the
                           change feed reads those pages anyway), else one ``sale/order.list&
                           filter_order_id=N`` read (~3 KB); ``None`` if the list has no row
``total``                  the ``Total`` line (order currency) divided by ``currency_value``,
                           4 decimals: the stored value to within half a cent of the order
                           currency; an order without total lines takes its list row's total
                           (the stored ``o.total``, shown the same way); ``None`` while the rate
                           is unknown
``currency_value``         from ``currency_values`` (the caller's rates), else ``1.00000000`` for
                           orders in the shop's default currency (read once per reader from the
                           empty add-order editor: OpenCart keeps the default currency at 1),
                           else ``None``; the rate is today's, not the one stored at order time
``currency_id``,           ``None`` (the pages show the code and the language code only)
``language_id``
``store_name``             the store's current name (the store select), not the name stored
``store_url``              ``None``
``invoice_no`` /           ``"0"`` and the prefix while no number is generated; for a generated
``invoice_prefix``         one split by a prefix learnt from an earlier order, else by the
                           installer's default prefix shape ``INV-<year>-00``, else ``None``
``order_status_id`` /      ``"0"`` / ``""`` when the status select selects nothing: status 0, or a
``order_status``           status without a name (the page cannot tell them apart)
``*_zone_code``,           ``None`` (not shown)
``*_iso_code_2/3``,
``*_address_format``
``custom_field``,          ``None`` (custom-field inputs show a field's default when the order has
``payment_custom_field``,  no value, so they cannot be read back)
``shipping_custom_field``
``payment_code``,          the 4.0 ``extension.option`` codes (``cod.cod``), as the shop stores them
``shipping_code``
``payment_firstname``      empty: 4.0.2.3 does not store it for API orders (see
                           :mod:`oc_connector.admin40.pages`)
=========================  ======================================================================

The dict also has ``customer_group_id`` (4.0 shows it; the 3.0 answer has no such key), which the
normaliser leaves in ``_raw``.

Requests per order: 1 ``sale/order.info`` (175-185 KB), plus 1 small list read for
``date_modified`` unless the order's list row was primed; the details read of the same order
(:meth:`order_page`) and its history (:meth:`order_history`, when it fits the 10 rows the editor
embeds) come from the cached page at no cost. Once per reader: the default currency (1 request).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from oc_connector.admin.order_records import AdminOrder, OrderListRow
from oc_connector.admin.records import AdminHistoryRow
from oc_connector.admin40.client import Admin40Client
from oc_connector.admin40.records import OrderAddress, OrderHeader, OrderInfo
from oc_connector.errors import AdminError, AdminNotFoundError, NotFoundError

if TYPE_CHECKING:
    from oc_connector.reverse.admin_stores import AdminLike
    from oc_connector.sync.feed import OrderListReader
    from oc_connector.sync.options import AdminHistoryReader, OrderReader

__all__ = ["AdminOrderReader", "stored_text"]

log = logging.getLogger(__name__)

_FOUR = Decimal("0.0001")
_DEFAULT_INVOICE = re.compile(r"^(INV-\d{4}-00)(\d+)$")  # config_invoice_prefix as installed, + the number
_ESCAPES = (("&", "&amp;"), ('"', "&quot;"), ("<", "&lt;"), (">", "&gt;"))


def stored_text(shown: str) -> str:
    """The shop's stored text for what a page shows: ``htmlspecialchars(ENT_COMPAT)`` applied again."""
    for raw, escaped in _ESCAPES:
        shown = shown.replace(raw, escaped)
    return shown


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _address(prefix: str, address: OrderAddress) -> dict[str, Any]:
    return {
        f"{prefix}_firstname": stored_text(address.firstname),
        f"{prefix}_lastname": stored_text(address.lastname),
        f"{prefix}_company": stored_text(address.company),
        f"{prefix}_address_1": stored_text(address.address_1),
        f"{prefix}_address_2": stored_text(address.address_2),
        f"{prefix}_postcode": stored_text(address.postcode),
        f"{prefix}_city": stored_text(address.city),
        f"{prefix}_zone_id": str(address.zone_id or 0),
        f"{prefix}_zone": stored_text(address.zone),
        f"{prefix}_zone_code": None,
        f"{prefix}_country_id": str(address.country_id or 0),
        f"{prefix}_country": stored_text(address.country),
        f"{prefix}_iso_code_2": None,
        f"{prefix}_iso_code_3": None,
        f"{prefix}_address_format": None,
        f"{prefix}_custom_field": None,
    }


class AdminOrderReader:
    """The sync's :class:`~oc_connector.sync.options.OrderReader` over an OpenCart 4.0 admin.

    Also serves the details read (:meth:`order_page`) and the history read (:meth:`order_history`)
    of the orders it has just read from the page it already holds. Thread-safe.

    Args:
        admin: The logged-in 4.0 admin client.
        currency_values: Known rates by currency code (``{"EUR": Decimal("0.7846")}``), used for
            ``currency_value`` and to turn the displayed total back into the default currency.
        learn_default_currency: Read the shop's default currency once (1 request) so orders in it
            get the rate 1 without ``currency_values``.
        cache_size: Order pages kept for :meth:`order_page` / :meth:`order_history`.
    """

    def __init__(
        self,
        admin: Admin40Client,
        *,
        currency_values: Mapping[str, Decimal | str] | None = None,
        learn_default_currency: bool = True,
        cache_size: int = 256,
    ) -> None:
        self.admin = admin
        self._rates = {code.upper(): Decimal(str(rate)) for code, rate in (currency_values or {}).items()}
        self._learn_default = learn_default_currency
        self._cache_size = max(1, cache_size)
        self._pages: OrderedDict[int, OrderInfo] = OrderedDict()
        self._rows: dict[int, OrderListRow] = {}
        self._invoice_prefix: str | None = None
        self._lock = threading.Lock()
        self._default_lock = threading.Lock()
        self._default_read = False
        #: requests made for ``date_modified`` (list reads of one order)
        self.list_reads = 0

    # -- what the sync calls -----------------------------------------------------------------

    def prime(self, rows: Iterable[OrderListRow]) -> None:
        """Give list rows already read (the change feed's pages): their day modified is used once."""
        with self._lock:
            self._rows.update((row.order_id, row) for row in rows)

    def order_info_raw(self, order_id: int) -> dict[str, Any]:
        """The order as 3.0's ``api/order/info`` answers it (see the module docstring).

        Raises:
            NotFoundError: The shop has no such order (deleted or never made).
            AdminPageError: The order editor cannot be read.
        """
        info = self._read(order_id)
        row = self._list_row(order_id, status_zero=info.header.order_status_id == 0)
        return self._dict(info, row)

    def order_page(self, order_id: int) -> AdminOrder:
        """The order's lines, vouchers and totals: from the page :meth:`order_info_raw` read, if kept.

        Raises:
            AdminNotFoundError: The shop has no such order.
        """
        with self._lock:
            cached = self._pages.get(order_id)
        return cached.order if cached is not None else self._fetch(order_id).order

    def order_history(self, order_id: int) -> list[AdminHistoryRow]:
        """Every visible history row: from the kept page when its embedded page 1 is all of it."""
        with self._lock:
            cached = self._pages.get(order_id)
        if cached is not None and cached.history.pages <= 1:
            return list(cached.history.rows)
        return self.admin.order_history(order_id)

    # -- reads -------------------------------------------------------------------------------

    def _fetch(self, order_id: int) -> OrderInfo:
        info = self.admin.order_info(order_id)
        with self._lock:
            self._pages[order_id] = info
            self._pages.move_to_end(order_id)
            while len(self._pages) > self._cache_size:
                self._pages.popitem(last=False)
        return info

    def _read(self, order_id: int) -> OrderInfo:
        try:
            return self._fetch(order_id)
        except AdminNotFoundError as exc:
            with self._lock:
                self._pages.pop(order_id, None)
            raise NotFoundError("order could not be found", route=exc.route) from None

    def _list_row(self, order_id: int, *, status_zero: bool) -> OrderListRow | None:
        with self._lock:
            row = self._rows.pop(order_id, None)
        if row is not None:
            return row
        self.list_reads += 1
        # status-0 orders are listed only when asked for
        zero = 0 if status_zero else None
        found = self.admin.order_list(1, filter_order_id=order_id, filter_order_status_id=zero)
        return next((r for r in found.rows if r.order_id == order_id), None)

    def _rate(self, currency: str) -> Decimal | None:
        if currency.upper() in self._rates:
            return self._rates[currency.upper()]
        if self._learn_default:
            with self._default_lock:
                if not self._default_read:
                    self._default_read = True
                    try:
                        default = self.admin.default_currency()
                    except AdminError as exc:
                        log.warning("the shop's default currency is not known: %s", exc)
                    else:
                        with self._lock:
                            self._rates.setdefault(default.upper(), Decimal("1"))
            return self._rates.get(currency.upper())
        return None

    def _invoice(self, header: OrderHeader) -> tuple[str | None, str | None]:
        text = header.invoice_text
        if header.invoice_no == 0 and text.endswith("0"):
            with self._lock:
                self._invoice_prefix = text[:-1]
            return "0", text[:-1]
        with self._lock:
            prefix = self._invoice_prefix
        if prefix is not None and text.startswith(prefix) and text[len(prefix) :].isdigit():
            return str(int(text[len(prefix) :])), prefix
        # no prefix learnt yet (no order without a number read so far): the installer's default
        # shape, ``INV-<year>-00`` + the number, splits the same way whichever order is read first
        default = _DEFAULT_INVOICE.match(text)
        if default is not None:
            return str(int(default.group(2))), default.group(1)
        return None, None

    # -- the dict ----------------------------------------------------------------------------

    def _dict(self, info: OrderInfo, row: OrderListRow | None) -> dict[str, Any]:
        h = info.header
        rate = self._rate(h.currency_code)
        total = None
        shown = info.total if info.total is not None else (row.total if row is not None else None)
        if shown is not None and rate:
            total = format((shown / rate).quantize(_FOUR, rounding=ROUND_HALF_UP), "f")
        invoice_no, invoice_prefix = self._invoice(h)
        modified = f"{row.date_modified.isoformat()} 00:00:00" if row is not None else None
        return {
            "order_id": str(info.order.order_id),
            "invoice_no": invoice_no,
            "invoice_prefix": invoice_prefix,
            "store_id": _str(h.store_id),
            "store_name": stored_text(h.store_name),
            "store_url": None,
            "customer_id": str(h.customer_id),
            "customer_group_id": _str(h.customer_group_id),
            "firstname": stored_text(h.firstname),
            "lastname": stored_text(h.lastname),
            "email": stored_text(h.email),
            "telephone": stored_text(h.telephone),
            "custom_field": None,
            **_address("payment", h.payment),
            "payment_method": stored_text(h.payment_method),
            "payment_code": h.payment_code,
            **_address("shipping", h.shipping),
            "shipping_method": stored_text(h.shipping_method),
            "shipping_code": h.shipping_code,
            "comment": stored_text(h.comment),
            "total": total,
            "order_status_id": str(h.order_status_id),
            "order_status": stored_text(h.order_status),
            "affiliate_id": str(h.affiliate_id),
            "commission": format(h.commission.quantize(_FOUR), "f"),
            "language_id": None,
            "language_code": h.language_code,
            "currency_id": None,
            "currency_code": h.currency_code,
            "currency_value": format(rate.quantize(Decimal("0.00000001")), "f") if rate else None,
            "ip": stored_text(h.ip),
            "forwarded_ip": stored_text(h.forwarded_ip),
            "user_agent": stored_text(h.user_agent),
            "accept_language": stored_text(h.accept_language),
            "date_added": f"{h.date_added.isoformat()} 00:00:00",
            "date_modified": modified,
        }


if TYPE_CHECKING:  # the 4.0 client and reader fit where the sync, the feed and the reverse ETL take 3.0's

    def _conforms(
        admin: Admin40Client, reader: AdminOrderReader
    ) -> tuple[AdminLike, OrderListReader, AdminHistoryReader, OrderReader, AdminHistoryReader]:
        return admin, admin, admin, reader, reader
