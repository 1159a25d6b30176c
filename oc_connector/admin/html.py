"""Pure parsers for OpenCart 3.0 admin pages (beautifulsoup4, stdlib ``html.parser``).

Every function takes the HTML text of one page (or fragment) and returns plain
records. Attribute values and text are unescaped exactly once, which turns the
shop's stored (input-escaped) strings back into what the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup, Tag

from oc_connector.admin.records import (
    AdminHistoryRow,
    CouponForm,
    CouponRow,
    ListPage,
    OrderStatusSettings,
    VoucherForm,
    VoucherRow,
)
from oc_connector.errors import AdminError, AdminPageError

T = TypeVar("T")

_SHOWING = re.compile(r"Showing\s+(\d+)\s+to\s+(\d+)\s+of\s+(\d+)\s+\((\d+)\s+Pages\)")


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _text(tag: Tag) -> str:
    return tag.get_text().strip()


def _day(text: str) -> date:
    """Parse the admin's short date (``d/m/Y``)."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError as exc:
        raise AdminError(f"unexpected admin date {text!r}") from exc


def _iso_day(text: str) -> date | None:
    text = text.strip()
    if not text or text.startswith("0000"):
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise AdminError(f"unexpected form date {text!r}") from exc


def _decimal(text: str) -> Decimal:
    """Parse a raw or currency-formatted number (``10.0000``, ``$30.00``, ``$-106.00``)."""
    cleaned = re.sub(r"[^0-9.\-]", "", text)
    if cleaned in ("", "-", "."):
        return Decimal("0")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise AdminError(f"unexpected admin number {text!r}") from exc


def _int(text: str, default: int = 0) -> int:
    text = text.strip()
    if not text:
        return default
    try:
        return int(float(text))
    except ValueError as exc:
        raise AdminError(f"unexpected admin integer {text!r}") from exc


def _query_int(href: str, key: str) -> int | None:
    values = parse_qs(urlsplit(href).query).get(key)
    return int(values[0]) if values and values[0].isdigit() else None


def _paging(soup: BeautifulSoup) -> tuple[int, int, int, int, int]:
    """(page, pages, total, first, last) from the pagination and the "Showing" text."""
    match = _SHOWING.search(soup.get_text())
    if match is None:
        raise AdminError("admin list without a 'Showing A to B of N (P Pages)' line")
    first, last = int(match.group(1)), int(match.group(2))
    total, pages = int(match.group(3)), int(match.group(4))
    page = 1
    active = soup.select_one("ul.pagination li.active span")
    if active is not None:
        page = _int(active.get_text(), 1)
    elif soup.select_one("ul.pagination") is not None:
        # Pagination without an active item: a page past the end.
        page = pages + 1
    return page, pages, total, first, last


def _body_rows(soup: BeautifulSoup, selector: str) -> list[list[Tag]]:
    """The data rows of the table (the single-cell 'No results!' row is dropped)."""
    table = soup.select_one(selector)
    if table is None:
        raise AdminError(f"admin page without the expected table ({selector})")
    tbody = table.find("tbody")
    body = tbody if isinstance(tbody, Tag) else table
    rows: list[list[Tag]] = []
    for tr in body.find_all("tr", recursive=False):
        cells = tr.find_all("td", recursive=False)
        if len(cells) <= 1:
            continue
        rows.append(cells)
    return rows


def _list_page(
    html: str, selector: str, build: Callable[[list[Tag]], T], *, keep_cell_space: bool = False
) -> ListPage[T]:
    if keep_cell_space:
        # bs4 collapses whitespace-only strings ("\r\n" between two <br />) unless told not to.
        soup = BeautifulSoup(html, "html.parser", preserve_whitespace_tags={"td", "pre", "textarea"})
    else:
        soup = _soup(html)
    rows = tuple(build(cells) for cells in _body_rows(soup, selector))
    page, pages, total, first, last = _paging(soup)
    return ListPage(rows=rows, page=page, pages=pages, total=total, first=first, last=last)


def _row_id(cells: list[Tag], key: str) -> int:
    box = cells[0].find("input", attrs={"name": "selected[]"})
    if isinstance(box, Tag):
        value = str(box.get("value", ""))
        if value.isdigit():
            return int(value)
    for link in cells[-1].find_all("a"):
        found = _query_int(str(link.get("href", "")), key)
        if found is not None:
            return found
    raise AdminError(f"admin list row without a {key}")


def _coupon_row(cells: list[Tag]) -> CouponRow:
    if len(cells) < 8:
        raise AdminError(f"coupon row with {len(cells)} cells, expected 8")
    return CouponRow(
        coupon_id=_row_id(cells, "coupon_id"),
        name=_text(cells[1]),
        code=_text(cells[2]),
        discount=_decimal(_text(cells[3])),
        date_start=_day(_text(cells[4])),
        date_end=_day(_text(cells[5])),
        status=_text(cells[6]) == "Enabled",
    )


def _voucher_row(cells: list[Tag]) -> VoucherRow:
    if len(cells) < 9:
        raise AdminError(f"voucher row with {len(cells)} cells, expected 9")
    order_id = None
    for link in cells[-1].find_all("a"):
        href = str(link.get("href", ""))
        if "route=sale/order/info" in href:
            order_id = _query_int(href, "order_id")
    return VoucherRow(
        voucher_id=_row_id(cells, "voucher_id"),
        code=_text(cells[1]),
        from_name=_text(cells[2]),
        to_name=_text(cells[3]),
        amount=_decimal(_text(cells[4])),
        theme=_text(cells[5]),
        status=_text(cells[6]) == "Enabled",
        date_added=_day(_text(cells[7])),
        order_id=order_id,
    )


def parse_coupon_list(html: str) -> ListPage[CouponRow]:
    """Parse a `marketing/coupon` list page.

    Args:
        html: The page's HTML.

    Returns:
        The rows (ids from the checkbox value or edit link) and the paging.

    Raises:
        AdminError: The page is not a coupon list.
    """
    return _list_page(html, "#form-coupon table", _coupon_row)


def parse_voucher_list(html: str) -> ListPage[VoucherRow]:
    """Parse a `sale/voucher` list page (``order_id`` set when a View Order link is shown).

    Raises:
        AdminError: The page is not a voucher list.
    """
    return _list_page(html, "#form-voucher table", _voucher_row)


def _history_row(cells: list[Tag]) -> AdminHistoryRow:
    if len(cells) < 4:
        raise AdminError(f"history row with {len(cells)} cells, expected 4")
    return AdminHistoryRow(
        date_added=_day(_text(cells[0])),
        # nl2br keeps the break after each <br />: the <br /> itself adds no text.
        comment=cells[1].get_text(),
        status=_text(cells[2]),
        notified=_text(cells[3]) == "Yes",
    )


def parse_order_history(html: str) -> ListPage[AdminHistoryRow]:
    """Parse a `sale/order/history` fragment (newest first, 10 rows a page).

    Comments come back unescaped once with their original line breaks. ``total``
    counts rows the shop hides (statuses without a name), so it may exceed the
    rows seen across pages.

    Raises:
        AdminError: The text is not a history fragment.
    """
    return _list_page(html, "table.table", _history_row, keep_cell_space=True)


def _form(soup: BeautifulSoup, form_id: str) -> Tag:
    form = soup.find("form", id=form_id)
    if not isinstance(form, Tag):
        raise AdminError(f"admin page without the form #{form_id}")
    return form


def _value(form: Tag, name: str) -> str:
    tag = form.find(["input", "textarea"], attrs={"name": name})
    if not isinstance(tag, Tag):
        return ""
    if tag.name == "textarea":
        return tag.get_text()
    return str(tag.get("value", ""))


def select_value(html: str, name: str) -> str | None:
    """The selected option of the page's ``<select name=...>`` (None: no such select or no choice)."""
    return _selected(BeautifulSoup(html, "html.parser"), name) or None


def parse_order_status_settings(html: str) -> OrderStatusSettings:
    """The checked ``config_processing_status[]`` / ``config_complete_status[]`` boxes of ``setting/setting``.

    Raises:
        AdminPageError: the page has no such checkbox list, or one has nothing checked (the shop
            refuses to save that, so the page is not the settings form).
    """
    soup = BeautifulSoup(html, "html.parser")
    sets: dict[str, frozenset[int]] = {}
    for key in ("config_processing_status", "config_complete_status"):
        boxes = soup.find_all("input", attrs={"type": "checkbox", "name": f"{key}[]"})
        values = [str(b.get("value", "")) for b in boxes if b.has_attr("checked")]
        if not boxes or not values:
            raise AdminPageError("no checked status", page="setting/setting", field=key)
        if not all(v.isdigit() for v in values):
            raise AdminPageError(f"unreadable status ids {values!r}", page="setting/setting", field=key)
        sets[key] = frozenset(int(v) for v in values)
    return OrderStatusSettings(
        processing=sets["config_processing_status"], complete=sets["config_complete_status"]
    )


def _selected(form: Tag, name: str) -> str | None:
    select = form.find("select", attrs={"name": name})
    if not isinstance(select, Tag):
        return None
    option = select.find("option", selected=True)
    return str(option.get("value", "")) if isinstance(option, Tag) else None


def _checked(form: Tag, name: str) -> bool:
    radio = form.find("input", attrs={"name": name, "checked": True})
    return isinstance(radio, Tag) and str(radio.get("value", "")) == "1"


def _ids(form: Tag, name: str) -> tuple[int, ...]:
    return tuple(
        int(str(tag.get("value", "0")))
        for tag in form.find_all("input", attrs={"name": name})
        if str(tag.get("value", "")).isdigit()
    )


def parse_coupon_form(html: str) -> CouponForm:
    """Parse the coupon add/edit form (also a failed post, which renders posted values).

    Raises:
        AdminError: The page has no coupon form.
    """
    form = _form(_soup(html), "form-coupon")
    return CouponForm(
        name=_value(form, "name"),
        code=_value(form, "code"),
        type=_selected(form, "type"),
        discount=_decimal(_value(form, "discount")),
        total=_decimal(_value(form, "total")),
        logged=_checked(form, "logged"),
        shipping=_checked(form, "shipping"),
        products=_ids(form, "coupon_product[]"),
        categories=_ids(form, "coupon_category[]"),
        date_start=_iso_day(_value(form, "date_start")),
        date_end=_iso_day(_value(form, "date_end")),
        uses_total=_int(_value(form, "uses_total")),
        uses_customer=_int(_value(form, "uses_customer")),
        status=_selected(form, "status") == "1",
    )


def parse_voucher_form(html: str) -> VoucherForm:
    """Parse the gift voucher add/edit form.

    Raises:
        AdminError: The page has no voucher form.
    """
    form = _form(_soup(html), "form-voucher")
    theme = _selected(form, "voucher_theme_id")
    return VoucherForm(
        code=_value(form, "code"),
        from_name=_value(form, "from_name"),
        from_email=_value(form, "from_email"),
        to_name=_value(form, "to_name"),
        to_email=_value(form, "to_email"),
        voucher_theme_id=int(theme) if theme and theme.isdigit() else None,
        message=_value(form, "message"),
        amount=_decimal(_value(form, "amount")),
        status=_selected(form, "status") == "1",
    )


def _alert_text(alert: Tag) -> str:
    for button in alert.find_all("button"):
        button.extract()
    return " ".join(alert.get_text().split())


def parse_form_errors(html: str) -> tuple[dict[str, str], str | None]:
    """Field errors (``text-danger``) by field name, and the ``alert-danger`` warning.

    Returns:
        ``(fields, warning)``; ``fields`` is empty and ``warning`` is ``None`` on a clean page.
    """
    soup = _soup(html)
    fields: dict[str, str] = {}
    for div in soup.select("div.text-danger"):
        target = div.find_previous_sibling(["input", "select", "textarea"])
        if not isinstance(target, Tag) and isinstance(div.parent, Tag):
            target = div.parent.find(["input", "select", "textarea"], attrs={"name": True})
        name = str(target.get("name", "")) if isinstance(target, Tag) else ""
        fields[name or f"_{len(fields)}"] = _text(div)
    alert = soup.select_one("div.alert-danger")
    warning = _alert_text(alert) if alert is not None else None
    return fields, warning


def _h1(html: str) -> list[str]:
    return [_text(h) for h in _soup(html).find_all("h1")]


def is_login_page(html: str) -> bool:
    """True when the page is the admin login form (a dead session shows it in place of any page)."""
    soup = _soup(html)
    for form in soup.find_all("form"):
        action = str(form.get("action", ""))
        if "route=common/login" in action and form.find("input", attrs={"name": "password"}):
            return True
    return False


def login_error(html: str) -> str | None:
    """The warning shown on a login page (wrong credentials, lock-out, invalid token session)."""
    if not is_login_page(html):
        return None
    alert = _soup(html).select_one("div.alert-danger")
    return _alert_text(alert) if alert is not None else None


def is_permission_denied(html: str) -> bool:
    """True for the "Permission Denied!" page."""
    return "Permission Denied!" in _h1(html)


def is_page_not_found(html: str) -> bool:
    """True for the "Page Not Found!" page."""
    return "Page Not Found!" in _h1(html)
