"""Build the sandbox's packaged 4.0 admin fixture from the 4.0.2.3 recordings and their database truth.

``python -m tests.support.sandbox40_fixtures`` rewrites ``oc_connector_sandbox/data/recorded40_admin.json``;
``tests/sandbox/v40/test_conformance_admin.py`` checks the packaged file is what this builds.

Sources, in order of trust:
* ``admin_pages_truth.json``: the ``oc_order`` subset, lines, options, totals, order vouchers and history
  of orders 1-100 and of every order with a recorded editor or invoice;
* the recorded editors (``sale/order.info``) and invoices: the columns the truth leaves out (company,
  address 2, zone, country id, address format, IP, user agent, accept language);
* the recorded order list pages: id, customer, status, total, dates of the orders seen only there;
* filler orders for the ids no recording shows (the list counts them): a neutral customer, a status
  chosen so that the recorded status counts and filtered first pages hold, a mid-range total, the
  date of the nearest lower id. Their rows stand for orders nobody saw; only counts depend on them;
* the recorded coupon and voucher lists, forms and coupon history.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag

from tests.support.recorded_exchanges import load40, truth40

__all__ = ["OUTPUT", "build", "main"]

OUTPUT = Path(__file__).resolve().parents[2] / "oc_connector_sandbox" / "data" / "recorded40_admin.json"
DELETED = (99, 146, 147, 148, 163, 171, 190, 271, 282, 300, 314)
MAX_ID = 313
STATUS_IDS = {
    "Pending": 1,
    "Processing": 2,
    "Shipped": 3,
    "Complete": 5,
    "Canceled": 7,
    "Denied": 8,
    "Canceled Reversal": 9,
    "Failed": 10,
    "Refunded": 11,
    "Reversed": 12,
    "Chargeback": 13,
    "Expired": 14,
    "Processed": 15,
    "Voided": 16,
}
US_FORMAT = (
    "{firstname} {lastname}\n{company}\n{address_1}\n{address_2}\n{city}, {zone} {postcode}\n{country}"
)
FORMATS = (
    "",
    US_FORMAT,
    "{company}\n{firstname} {lastname}\n{address_1}\n{address_2}\n{postcode} {city}\n{country}",
    "{firstname} {lastname}\n{company}\n{address_1}\n{address_2}\n{postcode} {city}\n{country}",
)
DEFAULT_FORMAT = (
    "{firstname} {lastname}\n{company}\n{address_1}\n{address_2}\n{city} {postcode}\n{zone}\n{country}"
)
REGISTERED = {"Rita Reward": 1, "Carl Customer": 2}
"""The fixture customers whose names identify them in a list row (the list shows no customer id)."""
ORDER_COLUMNS = (
    "order_id",
    "order_status_id",
    "customer_id",
    "customer_group_id",
    "firstname",
    "lastname",
    "email",
    "telephone",
    "comment",
    "currency_code",
    "currency_value",
    "total",
    "invoice_prefix",
    "invoice_no",
    "date_added",
    "date_modified",
)
ADDRESS_FIELDS = (
    "firstname",
    "lastname",
    "company",
    "address_1",
    "address_2",
    "city",
    "postcode",
    "zone",
    "country",
)


def _soup(body: str) -> BeautifulSoup:
    return BeautifulSoup(body, "html.parser")


def _render_address(fields: dict[str, str], fmt: str) -> list[str]:
    text = fmt or DEFAULT_FORMAT
    for key in ADDRESS_FIELDS:
        text = text.replace("{" + key + "}", fields.get(key, ""))
    return [line.strip() for line in text.strip().split("\n") if line.strip()]


def _invoice_blocks() -> dict[int, dict[str, list[str]]]:
    """Order id -> {"payment": lines, "shipping": lines} from every recorded invoice."""
    out: dict[int, dict[str, list[str]]] = {}
    for exchange in load40("admin_order_invoice.json"):
        if exchange.route != "sale/order.invoice":
            continue
        for block in _soup(exchange.body).select("div.container > div"):
            h1 = block.find("h1")
            if h1 is None:
                continue
            order_id = int(h1.get_text().split("#")[1])
            found: dict[str, list[str]] = {}
            for lead in block.select("div.lead"):
                title = lead.find("strong")
                if title is None or not title.get_text().endswith("Address") or "Store" in title.get_text():
                    continue
                kind = "payment" if title.get_text().startswith("Payment") else "shipping"
                title.extract()
                raw = lead.decode_contents()
                found[kind] = [part.strip() for part in re.split(r"<br\s*/?>", raw) if part.strip()]
            out[order_id] = found
    return out


def _editor_fields() -> dict[int, dict[str, str]]:
    """Order id -> columns read from its recorded editor that the truth does not hold."""
    out: dict[int, dict[str, str]] = {}
    for exchange in load40("admin_order_info.json"):
        order_id = int(exchange.query.get("order_id") or 0)
        soup = _soup(exchange.body)
        if soup.find("input", id="input-order-id") is None or order_id not in truth_orders():
            continue
        row: dict[str, str] = {}
        for kind in ("payment", "shipping"):
            for field in ("company", "address-2"):
                # the raw attribute: the page prints the stored value unescaped
                m = re.search(
                    rf'value="([^"]*)" placeholder="[^"]*" id="input-{kind}-{field}"', exchange.body
                )
                if m:
                    row[f"{kind}_{field.replace('-', '_')}"] = m.group(1)
            country = soup.find("select", id=f"input-{kind}-country")
            chosen = country.find("option", selected=True) if isinstance(country, Tag) else None
            row[f"{kind}_country_id"] = str(chosen.get("value")) if isinstance(chosen, Tag) else "0"
        cells = [td.get_text() for td in soup.select("#tab-additional tbody td")]
        row["ip"], row["user_agent"], row["accept_language"] = cells[1], cells[3], cells[5]
        out[order_id] = row
    return out


def truth_orders() -> dict[int, dict[str, Any]]:
    return {int(k): v for k, v in truth40()["orders"].items() if v}


def _fit_address(kind: str, order: dict[str, Any], lines: list[str], known: dict[str, str]) -> dict[str, str]:
    """The company, address 2, zone and format that render the recorded invoice ``lines``."""
    base = {f: str(order.get(f"{kind}_{f}", "") or "") for f in ADDRESS_FIELDS}
    companies = [known.get(f"{kind}_company")] if f"{kind}_company" in known else ["", *lines]
    seconds = [known.get(f"{kind}_address_2")] if f"{kind}_address_2" in known else ["", *lines]
    zones = (
        [base["zone"]] if base["zone"] else ["", *[p for line in lines for p in _zone_guesses(line, base)]]
    )
    for fmt in FORMATS:
        for company in companies:
            for second in seconds:
                for zone in zones:
                    trial = {**base, "company": company or "", "address_2": second or "", "zone": zone}
                    if _render_address(trial, fmt) == lines:
                        return {
                            "company": trial["company"],
                            "address_2": trial["address_2"],
                            "zone": zone,
                            "address_format": fmt,
                        }
    raise ValueError(f"order {order['order_id']}: no address format renders {kind} {lines}")


def _zone_guesses(line: str, base: dict[str, str]) -> list[str]:
    # "City, Zone Postcode" or a line that is the zone itself
    head, tail = f"{base['city']}, ", f" {base['postcode']}"
    guesses = [line]
    if line.startswith(head) and line.endswith(tail):
        guesses.append(line[len(head) : len(line) - len(tail)])
    return guesses


def _full_orders() -> list[dict[str, Any]]:
    invoices = _invoice_blocks()
    editors = _editor_fields()
    orders = []
    for order_id, truth in sorted(truth_orders().items()):
        row: dict[str, Any] = {c: truth[c] for c in ORDER_COLUMNS}
        for kind in ("payment", "shipping"):
            for f in ADDRESS_FIELDS:
                row[f"{kind}_{f}"] = truth.get(f"{kind}_{f}", "") or ""
            method = json.loads(truth[f"{kind}_method"]) if truth[f"{kind}_method"] else {}
            row[f"{kind}_method"] = method.get("name", "")
            row[f"{kind}_code"] = method.get("code", "")
            row[f"{kind}_address_format"] = ""
        known = editors.get(order_id, {})
        for kind in ("payment", "shipping"):
            lines = invoices.get(order_id, {}).get(kind)
            if lines:
                row.update({f"{kind}_{k}": v for k, v in _fit_address(kind, row, lines, known).items()})
            row[f"{kind}_country_id"] = int(known.get(f"{kind}_country_id", 0) or 0)
            for f in ("company", "address_2"):
                if f"{kind}_{f}" in known:
                    row[f"{kind}_{f}"] = known[f"{kind}_{f}"]
        for key in ("ip", "user_agent", "accept_language"):
            row[key] = known.get(key, "")
        row["products"] = truth["products"]
        row["options"] = truth["options"]
        row["totals"] = truth["totals"]
        row["vouchers"] = truth["vouchers"]
        row["history"] = truth["history"]
        orders.append(row)
    return orders


def _currency_values() -> dict[str, tuple[str, str, Decimal]]:
    return {
        c["code"]: (c["symbol_left"], c["symbol_right"], Decimal(c["value"])) for c in truth40()["currencies"]
    }


def _parse_money(text: str) -> tuple[str, Decimal]:
    for code, (left, right, _) in _currency_values().items():
        if code in ("USD", "EUR", "GBP") and (
            (left and text.startswith(left)) or (right and text.endswith(right))
        ):
            amount = text.removeprefix(left).removesuffix(right) if left else text.removesuffix(right)
            return code, Decimal(amount.replace(",", ""))
    raise ValueError(text)


def _format_money(value: Decimal, code: str) -> str:
    left, right, rate = _currency_values()[code]
    amount = (value * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{left}{amount:,.2f}{right}"


def _stored_total(text: str) -> tuple[str, str]:
    code, amount = _parse_money(text)
    rate = _currency_values()[code][2]
    guess = (amount / rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for step in range(0, 2000):
        for candidate in (guess + Decimal(step) / 10000, guess - Decimal(step) / 10000):
            if _format_money(candidate, code) == text:
                return code, f"{candidate:.4f}"
    raise ValueError(text)


def _list_rows() -> dict[int, list[str]]:
    rows: dict[int, list[str]] = {}
    for exchange in load40("admin_order_list.json"):
        body = _soup(exchange.body).find("form", id="form-order")
        assert isinstance(body, Tag)
        for tr in body.select("tbody tr"):
            cells = [td.get_text(strip=True) for td in tr.find_all("td")]
            if len(cells) >= 8:
                hidden = tr.find("input", attrs={"name": "shipping_method[]"})
                assert isinstance(hidden, Tag)
                rows[int(cells[1])] = [*cells[1:8], str(hidden.get("value"))]
    return rows


def _day(text: str, clock: str) -> str:
    d, m, y = text.split("/")
    return f"{y}-{m}-{d} {clock}"


def _list_only_order(order_id: int, cells: list[str]) -> dict[str, Any]:
    _, store, customer, status, total, added, modified, shipping = cells
    first, _, last = customer.partition(" ")
    code, stored = _stored_total(total)
    clock = f"{order_id // 3600:02d}:{order_id // 60 % 60:02d}:{order_id % 60:02d}"
    return {
        "order_id": order_id,
        "order_status_id": STATUS_IDS[status],
        "customer_id": REGISTERED.get(customer, 0),
        "customer_group_id": 1,
        "firstname": first,
        "lastname": last,
        "email": "",
        "telephone": "",
        "comment": "",
        "currency_code": code,
        "currency_value": str(_currency_values()[code][2]),
        "total": stored,
        "invoice_prefix": "INV-2026-00",
        "invoice_no": 0,
        "date_added": _day(added, clock),
        "date_modified": _day(modified, clock),
        "shipping_method": "Flat Shipping Rate" if shipping else "",
        "shipping_code": "flat.flat" if shipping else "",
        "store_name": store,
        "seen_only_in_lists": True,
    }


def _orders() -> list[dict[str, Any]]:
    full = _full_orders()
    by_id: dict[int, dict[str, Any]] = {int(o["order_id"]): o for o in full}
    for order_id, cells in _list_rows().items():
        if order_id not in by_id:
            by_id[order_id] = _list_only_order(order_id, cells)
    _add_fillers(by_id)
    return [by_id[k] for k in sorted(by_id)]


def _add_fillers(by_id: dict[int, dict[str, Any]]) -> None:
    counts = {int(r["order_status_id"]): int(r["n"]) for r in truth40()["order_counts"]["by_status"]}
    for order in by_id.values():
        counts[int(order["order_status_id"])] -= 1
    rita_seen = sum(1 for o in by_id.values() if f"{o['firstname']} {o['lastname']}" == "Rita Reward")
    rita_left = 22 - rita_seen
    missing = [i for i in range(1, MAX_ID + 1) if i not in by_id and i not in DELETED]
    # first pages of filtered lists that were recorded: a filler may not enter them
    ceilings = {1: 273, 2: 273, 5: 274}
    for order_id in sorted(missing, reverse=True):
        status = next(
            s
            for s, n in sorted(counts.items(), key=lambda kv: -kv[1])
            if n > 0 and order_id < ceilings.get(s, MAX_ID + 1)
        )
        counts[status] -= 1
        below = max(i for i in by_id if i < order_id)
        day = str(by_id[below]["date_added"])[:10]
        clock = f"{order_id // 3600:02d}:{order_id // 60 % 60:02d}:{order_id % 60:02d}"
        rita = rita_left > 0 and order_id < 191
        rita_left -= int(rita)
        by_id[order_id] = {
            "order_id": order_id,
            "order_status_id": status,
            "customer_id": 1 if rita else 0,
            "customer_group_id": 1,
            "firstname": "Rita" if rita else "Kim",
            "lastname": "Reward" if rita else "Unrecorded",
            "email": "",
            "telephone": "",
            "comment": "",
            "currency_code": "USD",
            "currency_value": "1.00000000",
            "total": "300.0000",
            "invoice_prefix": "INV-2026-00",
            "invoice_no": 0,
            "date_added": f"{day} {clock}",
            "date_modified": f"{day} {clock}",
            "shipping_method": "Flat Shipping Rate",
            "shipping_code": "flat.flat",
            "store_name": "Your Store",
            "filler": True,
        }
    assert not any(counts.values()), counts
    assert rita_left == 0, rita_left


def _coupons() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    demo = {  # the installer's demo coupons (disabled by the shop's setup)
        "2222": {
            "type": "P",
            "logged": 0,
            "shipping": 0,
            "total": "0.0000",
            "uses_total": 10,
            "uses_customer": "10",
        },
        "3333": {
            "type": "P",
            "logged": 0,
            "shipping": 1,
            "total": "100.0000",
            "uses_total": 10,
            "uses_customer": "10",
        },
        "1111": {
            "type": "F",
            "logged": 0,
            "shipping": 0,
            "total": "10.0000",
            "uses_total": 10,
            "uses_customer": "10",
        },
        "BIGSPEND25": {
            "type": "F",
            "logged": 0,
            "shipping": 0,
            "total": "500.0000",
            "uses_total": 100000,
            "uses_customer": "1000",
        },
        "LOGGEDONLY": {
            "type": "P",
            "logged": 1,
            "shipping": 0,
            "total": "0.0000",
            "uses_total": 100000,
            "uses_customer": "1000",
        },
        "DISABLED5": {
            "type": "P",
            "logged": 0,
            "shipping": 0,
            "total": "0.0000",
            "uses_total": 100000,
            "uses_customer": "1000",
        },
    }
    coupon = load40("admin_coupon.json")
    coupons = []
    for tr in _soup(coupon[0].body).select("#form-coupon tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        box = tr.find("input")
        assert isinstance(box, Tag)
        name, _, status = cells[1].rpartition(" ")
        start, end = (_day(c, "")[:10] for c in cells[4:6])
        coupons.append(
            {
                "coupon_id": int(str(box["value"])),
                "name": name,
                "code": cells[2],
                "discount": cells[3],
                "date_start": start,
                "date_end": end,
                "status": int(status == "Enabled"),
                "date_added": "2026-04-16 10:00:00",
                **demo.get(cells[2], {}),
            }
        )
    form = _soup(coupon[3].body)
    edited = next(c for c in coupons if c["coupon_id"] == 7)
    for field in ("type",):
        select = form.find("select", attrs={"name": field})
        assert isinstance(select, Tag)
        chosen = select.find("option", selected=True)
        assert isinstance(chosen, Tag)
        edited[field] = str(chosen["value"])
    for field in ("total", "uses_total", "uses_customer"):
        el = form.find("input", attrs={"name": field})
        assert isinstance(el, Tag)
        edited[field] = str(el["value"])
    edited["uses_total"] = int(edited["uses_total"])
    for field in ("logged", "shipping"):
        el = form.find("input", attrs={"name": field, "type": "checkbox"})
        edited[field] = int(isinstance(el, Tag) and el.has_attr("checked"))
    history = []
    for tr in _soup(coupon[11].body).select("tbody tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        history.append(
            {
                "coupon_id": 7,
                "order_id": int(cells[0]),
                "customer_id": 0,
                "amount": cells[2],
                "date_added": _day(cells[3], "12:00:00"),
            }
        )
    # the eleventh use, on the history's second page: order 312 (flow B) with APITEST10
    flow_b = truth_orders()[312]
    amount = next(t["value"] for t in flow_b["totals"] if t["code"] == "coupon")
    history.append(
        {
            "coupon_id": 7,
            "order_id": 312,
            "customer_id": 0,
            "amount": amount,
            "date_added": flow_b["date_added"],
        }
    )
    return coupons, history


def _vouchers() -> list[dict[str, Any]]:
    voucher = load40("admin_voucher.json")
    themes = {"Christmas": 6, "Birthday": 7, "General": 8}
    sold = {
        int(v["voucher_id"]): (int(o["order_id"]), v) for o in truth_orders().values() for v in o["vouchers"]
    }
    out = []
    for tr in _soup(voucher[0].body).select("#form-voucher tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        box = tr.find("input")
        assert isinstance(box, Tag)
        voucher_id = int(str(box["value"]))
        links = [str(a["href"]) for a in tr.find_all("a")]
        order_id = int(re.search(r"order_id=(\d+)", links[0]).group(1)) if len(links) > 1 else 0  # type: ignore[union-attr]
        code, _, status = cells[1].rpartition(" ")
        _, amount = _parse_money(cells[4])
        row = {
            "voucher_id": voucher_id,
            "order_id": order_id,
            "code": code,
            "from_name": cells[2],
            "from_email": f"voucher{voucher_id}.from@example.com",
            "to_name": cells[3],
            "to_email": f"voucher{voucher_id}.to@example.com",
            "voucher_theme_id": themes[cells[5]],
            "message": "",
            "amount": f"{amount:.4f}",
            "status": int(status == "Enabled"),
            "date_added": _day(cells[6], "12:00:00"),
        }
        if voucher_id in sold:
            row["amount"] = sold[voucher_id][1]["amount"]
        out.append(row)
    form = _soup(voucher[9].body)
    first = next(v for v in out if v["voucher_id"] == 1)
    for field in ("from_email", "to_email", "amount"):
        el = form.find("input", attrs={"name": field})
        assert isinstance(el, Tag)
        first[field] = str(el["value"])
    message = form.find("textarea", attrs={"name": "message"})
    assert isinstance(message, Tag)
    first["message"] = message.get_text()
    return sorted(out, key=lambda v: v["voucher_id"])


def _currencies() -> list[dict[str, Any]]:
    soup = _soup(load40("admin_order_info.json")[0].body)
    select = soup.find("select", id="input-currency")
    assert isinstance(select, Tag)
    titles = {str(o["value"]): o.get_text() for o in select.find_all("option")}
    return [{**c, "title": titles[c["code"]]} for c in truth40()["currencies"]]


def _uploads() -> list[dict[str, str]]:
    """The uploaded files the recorded editors name (file options store only the upload code)."""
    found: dict[str, str] = {}
    for exchange in load40("admin_order_info.json"):
        for code, name in re.findall(
            r"tool/upload\.download&amp;user_token=[^&]*&amp;code=([0-9a-f]+)\">([^<]*)</a>", exchange.body
        ):
            found[code] = name
    # invoices print the upload's name only: pair them, in order, with the order's file options
    orders = truth_orders()
    for exchange in load40("admin_order_invoice.json"):
        for block in _soup(exchange.body).select("div.container > div"):
            h1 = block.find("h1")
            if h1 is None or int(h1.get_text().split("#")[1]) not in orders:
                continue
            files = [o for o in orders[int(h1.get_text().split("#")[1])]["options"] if o["type"] == "file"]
            for option in files:
                shown = re.findall(rf"<small> - {re.escape(option['name'])}: ([^<]*)</small>", str(block))
                if len(shown) == len(files):
                    found.setdefault(option["value"], shown[files.index(option)])
    return [{"code": code, "name": name} for code, name in sorted(found.items())]


def build() -> dict[str, Any]:
    """The fixture as a JSON-ready dict."""
    coupons, coupon_history = _coupons()
    return {
        "uploads": _uploads(),
        "about": "Built by tests/support/sandbox40_fixtures.py from tests/recorded40 (see its docstring).",
        "settings": {s["key"]: s["value"] for s in truth40()["settings"]},
        "currencies": _currencies(),
        "orders": _orders(),
        "coupons": coupons,
        "coupon_history": coupon_history,
        "vouchers": _vouchers(),
        "voucher_themes": [[6, "Christmas"], [7, "Birthday"], [8, "General"]],
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def main() -> None:
    OUTPUT.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
