"""Parser of the OpenCart 4.0.2.3 order editor (``sale/order.info&order_id=N``, 175-185 KB).

One page holds what 3.0 spread over the order page and ``api/order/info``: lines with their
``product_id`` (the only place it shows), options, sold vouchers (without ids: 4.0 does not link
them), totals, the customer modal, both address modals field by field, the methods and their
codes, the store/language/currency/status selects, the browser data and page 1 of the history.
Where each field is read:

======================  =========================================================================
field                   element
======================  =========================================================================
order id                hidden ``#input-order-id`` (empty: the "add order" editor a deleted or
                        unknown id gets, with HTTP 200 and no message)
customer                ``#input-customer-id``, ``customer_group_id`` select, ``#input-firstname``,
                        ``#input-lastname``, ``#input-email``, ``#input-telephone``
addresses               ``#input-payment-*`` / ``#input-shipping-*`` inputs, the country selects,
                        the ``payment_zone_id`` / ``shipping_zone_id`` script variables, and the
                        rendered ``#payment-address-value`` / ``#shipping-address-value`` for the
                        zone and country names the order stored
methods                 ``#payment-method-value`` + hidden ``#input-payment-code``, same for shipping
comment                 ``#input-comment`` (the stored comment, ``nl2br``-ed)
store, language, ...    the selected options of ``store_id``, ``language``, ``currency``,
                        ``order_status_id``
invoice                 ``#invoice-value`` and the Generate button (shown while the number is 0)
browser                 the Additional tab's rows (IP Address, Forwarded IP, User Agent, ...)
======================  =========================================================================

The page shows no time of day (Date Added is ``d/m/Y``), no date modified, no currency rate and
no default-currency amount. See :mod:`oc_connector.admin40.pages` for the 4.0.2.3 defects.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bs4 import Tag

from oc_connector.admin.html import _query_int, _text, parse_order_history
from oc_connector.admin.money import parse_money, read_money
from oc_connector.admin.order_pages import page_date, page_int
from oc_connector.admin.order_records import AdminOrder, OrderLine, OrderTotalLine, OrderVoucherLine
from oc_connector.admin.records import AdminHistoryRow, ListPage
from oc_connector.admin40.pages import (
    input_value,
    line_amounts,
    line_options,
    lines_of,
    selected_option,
    soup_of,
    total_line,
)
from oc_connector.admin40.records import OrderAddress, OrderHeader, OrderInfo
from oc_connector.errors import AdminPageError

__all__ = ["parse_order_info"]

INFO = "sale/order.info"
_ZONE_VAR = re.compile(r"var (payment|shipping)_zone_id = '(\d*)';")
_ADDRESS_FIELDS = ("company", "address-1", "address-2", "city", "postcode")
_EMPTY_HISTORY: ListPage[AdminHistoryRow] = ListPage(rows=(), page=1, pages=0, total=0)


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _lead_text(root: Tag, element_id: str) -> str:
    tag = root.find(id=element_id)
    return " ".join(tag.get_text().split()) if isinstance(tag, Tag) else ""


def _address(root: Tag, kind: str, zone_ids: dict[str, str]) -> OrderAddress:
    """One address modal, with the stored zone and country names from the rendered address.

    The rendered block prints each non-empty field on its own line, in the order name (only with a
    first name), company, address 1, address 2, city, postcode, zone, country; the lines left after
    the ones the inputs account for are the zone and the country.
    """
    form = root.find("form", id=f"form-{kind}-address")
    if not isinstance(form, Tag):
        raise AdminPageError(f"no {kind} address form", page=INFO, field=f"{kind}_address")
    names = ("firstname", "lastname", *_ADDRESS_FIELDS)
    value = {f: input_value(form, f"input-{kind}-{f}") or "" for f in names}
    country = selected_option(form, "country_id")
    country_id = _int_or_none(country[0]) if country else None
    block = root.find(id=f"{kind}-address-value")
    shown = list(lines_of(block)) if isinstance(block, Tag) else []
    known = [f"{value['firstname']} {value['lastname']}"] if value["firstname"] else []
    known += [value[f] for f in _ADDRESS_FIELDS if value[f]]
    for line in known:
        if shown and shown[0] == line.strip():
            shown.pop(0)
    zone = country_name = ""
    if len(shown) >= 2:
        zone, country_name = shown[0], shown[-1]
    elif shown:
        # one line left: the country when it is the selected country's name (or no zone is set)
        if (country and shown[0] == country[1]) or not zone_ids.get(kind, "").strip("0"):
            country_name = shown[0]
        else:
            zone = shown[0]
    return OrderAddress(
        firstname=value["firstname"],
        lastname=value["lastname"],
        company=value["company"],
        address_1=value["address-1"],
        address_2=value["address-2"],
        city=value["city"],
        postcode=value["postcode"],
        country_id=country_id or None,
        country=country_name,
        zone_id=_int_or_none(zone_ids.get(kind)) or None,
        zone=zone,
    )


def _browser(root: Tag) -> dict[str, str]:
    tab = root.find(id="tab-additional")
    out: dict[str, str] = {}
    for row in tab.select("tbody tr") if isinstance(tab, Tag) else []:
        cells = row.find_all("td", recursive=False)
        if len(cells) == 2:
            out[_text(cells[0])] = cells[1].get_text().strip()
    return out


def _lines(root: Tag, where: str) -> tuple[list[OrderLine], list[OrderVoucherLine], int]:
    lines: list[OrderLine] = []
    reward = 0
    body = root.find("tbody", id="order-products")
    for n, row in enumerate(body.find_all("tr", recursive=False) if isinstance(body, Tag) else [], start=1):
        cells = row.find_all("td", recursive=False)
        field = f"{where} line {n}"
        anchor = cells[0].find("a") if cells else None
        href = str(anchor.get("href", "")) if isinstance(anchor, Tag) else ""
        product_id = _query_int(href, "product_id")
        if len(cells) < 5 or not isinstance(anchor, Tag) or product_id is None:
            raise AdminPageError("product row without a product link", page=INFO, field=field)
        options, points = line_options(cells[0])
        reward += points
        lines.append(
            OrderLine(
                product_id=product_id,
                name=_text(anchor),
                model=_text(cells[1]),
                options=options,
                **line_amounts(cells, page=INFO, field=field),
            )
        )
    vouchers: list[OrderVoucherLine] = []
    body = root.find("tbody", id="order-vouchers")
    for n, row in enumerate(body.find_all("tr", recursive=False) if isinstance(body, Tag) else [], start=1):
        cells = row.find_all("td", recursive=False)
        if len(cells) < 5:
            continue  # the "No results!" row of an empty editor
        amount = parse_money(_text(cells[4]), page=INFO, field=f"{where} voucher {n} amount")
        vouchers.append(OrderVoucherLine(voucher_id=None, description=_text(cells[0]), amount=amount))
    return lines, vouchers, reward


def _totals(root: Tag, where: str) -> list[OrderTotalLine]:
    body = root.find("tbody", id="order-totals")
    rows = body.find_all("tr", recursive=False) if isinstance(body, Tag) else []
    return [total_line(row.find_all("td", recursive=False), page=INFO, where=where) for row in rows]


def _history(root: Tag) -> ListPage[AdminHistoryRow]:
    box = root.find(id="history")
    if not isinstance(box, Tag) or box.find("table") is None:
        return _EMPTY_HISTORY
    return parse_order_history(box.decode_contents())


def _card(root: Tag, label: str, where: str) -> str:
    """The text of the header card ``<div class="lead"><strong>label</strong><br/>text</div>``."""
    for strong in root.select("div.lead > strong"):
        if _text(strong) == label and isinstance(strong.parent, Tag):
            return strong.parent.get_text().strip().removeprefix(label)
    raise AdminPageError(f"no {label!r} card", page=INFO, field=where)


def _invoice(root: Tag) -> tuple[str, int | None]:
    text = _lead_text(root, "invoice-value")
    # the Generate button is shown while the stored number is 0 (printed as "0" after the prefix)
    return text, (0 if root.find(id="button-invoice") is not None else None)


def parse_order_info(html: str) -> OrderInfo | None:
    """Parse the order editor of one order.

    Args:
        html: The page's HTML.

    Returns:
        The header, the order (money in the order's currency, prices and line totals including
        tax) and page 1 of its history; None for the empty "add order" editor the shop shows for
        a deleted or unknown order id.

    Raises:
        AdminPageError: The page is not the order editor, or a field cannot be read.
    """
    soup = soup_of(html)
    marker = soup.find(id="input-order-id")
    if not isinstance(marker, Tag):
        raise AdminPageError("not the order editor (no order id input)", page=INFO, field="order_id")
    order_id_text = str(marker.get("value", ""))
    if not order_id_text:
        return None
    order_id = page_int(order_id_text, page=INFO, field="order_id")
    where = f"order {order_id}"
    customer_form = soup.find("form", id="form-customer")
    if not isinstance(customer_form, Tag):
        raise AdminPageError("no customer form", page=INFO, field=f"{where} customer")
    zone_ids = dict(_ZONE_VAR.findall(html))
    lines, vouchers, reward = _lines(soup, where)
    totals = _totals(soup, where)
    total = next((t.value for t in totals if t.title == "Total"), None)
    left = right = ""
    if totals:
        body = soup.find("tbody", id="order-totals")
        last = body.find_all("tr", recursive=False)[-1].find_all("td")[-1] if isinstance(body, Tag) else None
        if isinstance(last, Tag):
            shown = read_money(_text(last), page=INFO, field=f"{where} total")
            left, right = shown.symbol_left, shown.symbol_right
    status = selected_option(soup, "order_status_id")
    group = selected_option(customer_form, "customer_group_id")
    store = selected_option(soup, "store_id")
    language = selected_option(soup, "language")
    currency = selected_option(soup, "currency")
    commission_text = _lead_text(soup, "commission-value")
    browser = _browser(soup)
    invoice_text, invoice_no = _invoice(soup)
    day = page_date(_card(soup, "Date Added", where), page=INFO, field=f"{where} date_added")
    header = OrderHeader(
        customer_id=_int_or_none(input_value(customer_form, "input-customer-id")) or 0,
        customer_group_id=_int_or_none(group[0]) if group else None,
        firstname=input_value(customer_form, "input-firstname") or "",
        lastname=input_value(customer_form, "input-lastname") or "",
        email=input_value(customer_form, "input-email") or "",
        telephone=input_value(customer_form, "input-telephone") or "",
        payment=_address(soup, "payment", zone_ids),
        shipping=_address(soup, "shipping", zone_ids),
        payment_method=_lead_text(soup, "payment-method-value"),
        payment_code=input_value(soup, "input-payment-code") or "",
        shipping_method=_lead_text(soup, "shipping-method-value"),
        shipping_code=input_value(soup, "input-shipping-code") or "",
        comment=input_value(soup, "input-comment") or "",
        invoice_no=invoice_no,
        invoice_text=invoice_text,
        store_id=_int_or_none(store[0]) if store else None,
        store_name=store[1] if store else "",
        language_code=language[0] if language else "",
        currency_code=currency[0] if currency else "",
        order_status_id=(_int_or_none(status[0]) or 0) if status else 0,
        order_status=status[1] if status else "",
        affiliate_id=_int_or_none(input_value(soup, "input-affiliate-id")) or 0,
        commission=parse_money(commission_text, page=INFO, field=f"{where} commission")
        if commission_text
        else Decimal("0"),
        ip=browser.get("IP Address", ""),
        forwarded_ip=browser.get("Forwarded IP", ""),
        user_agent=browser.get("User Agent", ""),
        accept_language=browser.get("Accept Language", ""),
        date_added=day,
    )
    has_shipping = bool(header.shipping_code or header.shipping_method)
    order = AdminOrder(
        order_id=order_id,
        date_added=day,
        payment_method=header.payment_method,
        shipping_method=header.shipping_method if has_shipping else None,
        customer=_lead_text(soup, "customer-value"),
        customer_id=header.customer_id or None,
        customer_group=group[1] if group else "",
        email=header.email,
        telephone=header.telephone,
        invoice=invoice_text if invoice_no is None else "",
        reward=page_int(_lead_text(soup, "reward-value") or str(reward), page=INFO, field=f"{where} reward"),
        status_id=header.order_status_id or None,
        currency_left=left,
        currency_right=right,
        payment_address=_shown_address(soup, "payment"),
        shipping_address=_shown_address(soup, "shipping") if has_shipping else (),
        lines=tuple(lines),
        vouchers=tuple(vouchers),
        totals=tuple(totals),
        comment=header.comment,
    )
    return OrderInfo(header=header, order=order, total=total, history=_history(soup))


def _shown_address(root: Tag, kind: str) -> tuple[str, ...]:
    block = root.find(id=f"{kind}-address-value")
    return lines_of(block) if isinstance(block, Tag) else ()

