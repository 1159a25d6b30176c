"""List and history parsers against the real recorded admin pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oc_connector.admin import parse_coupon_list, parse_order_history, parse_voucher_list
from oc_connector.errors import AdminError
from tests.support.recorded_exchanges import load

COUPON = load("admin_coupon.json")
VOUCHER = load("admin_voucher.json")
HISTORY = load("admin_order_history.json")


def test_coupon_list_page_2_default_sort() -> None:
    page = parse_coupon_list(COUPON[1].body)
    assert (page.page, page.pages, page.total) == (2, 2, 32)
    assert len(page.rows) == 12
    first = page.rows[0]
    assert first.coupon_id == 52
    assert first.name == "Admin rec throwaway 19"
    assert first.code == "ADMREC19"
    assert first.discount == Decimal("19")
    assert (first.date_start, first.date_end) == (date(2026, 1, 1), date(2027, 12, 31))
    assert first.status is True


def test_coupon_list_page_1_has_20_rows_and_disabled_rows() -> None:
    page = parse_coupon_list(COUPON[0].body)
    assert (page.page, page.pages, page.total, len(page.rows)) == (1, 2, 32, 20)
    # MySQL collation decides the order of punctuation; the throwaway names sort plainly
    names = [r.name for r in page.rows if r.name.startswith("Admin rec throwaway")]
    assert names and names == sorted(names)
    throwaway = {r.code: r.status for r in page.rows if r.code.startswith("ADMREC")}
    assert throwaway["ADMREC03"] is False and throwaway["ADMREC01"] is True


def test_coupon_list_sorted_by_code_spans_pages_without_overlap() -> None:
    one, two = parse_coupon_list(COUPON[2].body), parse_coupon_list(COUPON[3].body)
    codes = [r.code for r in one.rows + two.rows]
    assert len(codes) == 32 == len(set(codes))
    assert codes == sorted(codes, key=str.lower)
    desc = [r.code for r in parse_coupon_list(COUPON[4].body).rows]
    assert desc == sorted(codes, key=str.lower, reverse=True)[:20]


def test_coupon_list_ids_match_the_edit_links() -> None:
    for exchange in (COUPON[0], COUPON[24]):
        for row in parse_coupon_list(exchange.body).rows:
            assert f"coupon_id={row.coupon_id}&amp;" in exchange.body or (
                f'coupon_id={row.coupon_id}"' in exchange.body
            )


def test_coupon_list_after_add_and_delete() -> None:
    added = parse_coupon_list(COUPON[7].body)
    assert added.total == 33
    after_delete = parse_coupon_list(COUPON[32].body)
    assert (after_delete.pages, after_delete.total, len(after_delete.rows)) == (1, 7, 7)
    assert not [r for r in after_delete.rows if r.code.startswith("ADMREC")]


def test_voucher_list_amounts_and_order_links() -> None:
    page = parse_voucher_list(VOUCHER[1].body)
    assert (page.page, page.pages, page.total, len(page.rows)) == (2, 4, 74, 20)
    sold = [r for r in page.rows if r.order_id is not None]
    assert sold, "page 2 holds vouchers sold in orders"
    row = next(r for r in page.rows if r.voucher_id == 75)
    assert row.code == "tX2dXwnLmJ"
    assert (row.from_name, row.to_name) == ("Gina Giver", "Rex Reuse")
    assert row.amount == Decimal("12.00")
    assert (row.theme, row.status, row.order_id) == ("General", False, 1374)
    assert row.date_added == date(2026, 11, 26)


def test_voucher_list_first_page_admin_vouchers_have_no_order() -> None:
    page = parse_voucher_list(VOUCHER[0].body)
    assert (page.page, page.pages) == (1, 4)
    first = page.rows[0]
    assert (first.voucher_id, first.code, first.amount, first.order_id) == (
        95,
        "ADMRV01",
        Decimal("10.00"),
        None,
    )
    by_code = parse_voucher_list(VOUCHER[2].body).rows + parse_voucher_list(VOUCHER[3].body).rows
    codes = [r.code for r in by_code]
    assert codes == sorted(codes, key=str.lower)
    # filter_code is ignored by the shop: same rows as the unfiltered list
    assert parse_voucher_list(VOUCHER[4].body) == page


def test_list_parser_refuses_other_pages() -> None:
    with pytest.raises(AdminError):
        parse_coupon_list(load("admin_login.json")[0].body)
    with pytest.raises(AdminError):
        parse_voucher_list(COUPON[0].body)


def _sent_comments() -> list[str]:
    comments = []
    for exchange in HISTORY[1:10]:
        assert exchange.form is not None
        raw = exchange.form["comment"].strip()
        # the shop's utf8mb3 connection stores 4-byte characters as '????'
        comments.append("".join("????" if ord(ch) > 0xFFFF else ch for ch in raw))
    return comments


def test_order_history_comments_round_trip_what_was_sent() -> None:
    page1 = parse_order_history(HISTORY[12].body)
    page2 = parse_order_history(HISTORY[13].body)
    assert (page1.page, page1.pages, page1.total, len(page1.rows)) == (1, 2, 14, 10)
    assert (page2.page, page2.pages, len(page2.rows)) == (2, 2, 4)
    recent = [r.comment for r in page1.rows if r.date_added == date(2026, 11, 27)]
    assert list(reversed(recent)) == _sent_comments()
    crlf = next(c for c in recent if "CRLF" in c)
    assert crlf.endswith("CRLF one\r\nCRLF two\r\n\r\nafter an empty line")
    assert any("a literal &amp; entity" in c for c in recent)


def test_order_history_row_fields() -> None:
    page = parse_order_history(HISTORY[11].body)
    assert (page.pages, page.total, len(page.rows)) == (1, 7, 7)
    top = page.rows[0]
    assert top.date_added == date(2026, 3, 19)
    assert top.comment == "Chargeback received — case #CB-2671 & evidence sent"
    assert (top.status, top.notified) == ("Chargeback", False)
    assert page.rows[3].comment == 'Sent by "UPS Express" & insured – 1Z999AA100068613'
    assert page.rows[3].notified is True
    dates = [r.date_added for r in page.rows]
    assert dates == sorted(dates, reverse=True)


def test_order_history_edge_pages() -> None:
    past = parse_order_history(HISTORY[14].body)
    assert (past.rows, past.pages, past.total) == ((), 2, 14)
    assert past.page == 3
    nameless = parse_order_history(HISTORY[15].body)
    assert (len(nameless.rows), nameless.total) == (3, 4)
    assert [r.status for r in nameless.rows] == ["Shipped", "Processing", "Pending"]
    missing = parse_order_history(HISTORY[16].body)
    assert (missing.rows, missing.page, missing.pages, missing.total) == ((), 1, 0, 0)
    single = parse_order_history(HISTORY[10].body)
    assert (len(single.rows), single.total) == (1, 1)
    # missing order_id: PHP warnings precede the fragment, which still parses
    assert parse_order_history(HISTORY[17].body).total == 0
    limited = parse_order_history(load("admin_misc.json")[8].body)
    assert limited == parse_order_history(HISTORY[11].body)
