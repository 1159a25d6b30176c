"""The sandbox's admin markup reads back, through the connector's parsers, like the real pages."""

from __future__ import annotations

from datetime import date

import pytest

from oc_connector.admin import (
    is_login_page,
    is_page_not_found,
    is_permission_denied,
    login_error,
    parse_order_history,
)
from oc_connector_sandbox.admin_pages import (
    HistoryItem,
    nl2br,
    oc_escape,
    pagination_block,
    render_history_fragment,
    render_login_page,
    render_not_found,
    render_permission_denied,
)
from tests.support.recorded_exchanges import load

HISTORY = load("admin_order_history.json")
URL = "http://127.0.0.1:8080/admin/index.php?route=sale/order/history&amp;user_token=T&amp;order_id=104"


def _showing(block: str) -> str:
    return block.split('text-right">')[1].split("</div>")[0]


@pytest.mark.parametrize(
    ("page", "total", "limit", "text"),
    [
        (1, 14, 10, "Showing 1 to 10 of 14 (2 Pages)"),
        (2, 14, 10, "Showing 11 to 14 of 14 (2 Pages)"),
        (3, 14, 10, "Showing 21 to 14 of 14 (2 Pages)"),
        (1, 0, 10, "Showing 0 to 0 of 0 (0 Pages)"),
        (2, 32, 20, "Showing 21 to 32 of 32 (2 Pages)"),
        (1, 4, 10, "Showing 1 to 4 of 4 (1 Pages)"),
    ],
)
def test_showing_text_matches_the_shop(page: int, total: int, limit: int, text: str) -> None:
    assert _showing(pagination_block(url=URL, page=page, total=total, limit=limit)) == text


def test_pagination_links_like_the_recorded_ones() -> None:
    recorded = HISTORY[13].body
    ours = pagination_block(
        url=URL.replace("user_token=T", "user_token=<USER_TOKEN>"), page=2, total=14, limit=10
    )
    expected = recorded[recorded.index("<ul") : recorded.index("</ul>") + 5]
    assert ours[ours.index("<ul") : ours.index("</ul>") + 5] == expected
    past = HISTORY[14].body
    ours = pagination_block(
        url=URL.replace("user_token=T", "user_token=<USER_TOKEN>"), page=3, total=14, limit=10
    )
    assert (
        ours[ours.index("<ul") : ours.index("</ul>") + 5] == past[past.index("<ul") : past.index("</ul>") + 5]
    )
    many = pagination_block(url=URL, page=7, total=400, limit=10)
    shown = [int(x.split("<")[0]) for x in many.split('">')[1:] if x[:1].isdigit()]
    assert shown == [3, 4, 5, 6, 8, 9, 10, 11]
    assert '<li class="active"><span>7</span></li>' in many


def test_escaping_and_nl2br_like_the_shop() -> None:
    assert oc_escape("  HTML <b>bold</b> & \"double\" 'single'\t ") == (
        "HTML &lt;b&gt;bold&lt;/b&gt; &amp; &quot;double&quot; 'single'"
    )
    assert oc_escape("a literal &amp; entity") == "a literal &amp;amp; entity"
    assert nl2br("one\r\ntwo\n\nthree") == "one<br />\r\ntwo<br />\n<br />\nthree"


def test_history_fragment_round_trips_the_sent_comments() -> None:
    recorded = parse_order_history(HISTORY[12].body)
    items = [
        HistoryItem(
            date_added=row.date_added.strftime("%d/%m/%Y"),
            comment=oc_escape(row.comment),
            status=row.status,
            notified=row.notified,
        )
        for row in recorded.rows
    ]
    ours = parse_order_history(render_history_fragment(rows=items, url=URL, page=1, total=14))
    assert ours == recorded
    sent = [e.form["comment"] for e in HISTORY[1:10] if e.form]
    assert [r.comment for r in ours.rows if r.date_added == date(2026, 11, 27)][-1] == sent[0].strip()


def test_empty_and_nameless_history_fragments() -> None:
    empty = parse_order_history(render_history_fragment(rows=[], url=URL, page=1, total=0))
    assert empty == parse_order_history(HISTORY[16].body)
    past = parse_order_history(render_history_fragment(rows=[], url=URL, page=3, total=14))
    assert past == parse_order_history(HISTORY[14].body)


def test_login_and_error_pages_are_recognised() -> None:
    action = "http://127.0.0.1:8080/admin/index.php?route=common/login"
    plain = render_login_page(action=action)
    assert is_login_page(plain) and login_error(plain) is None
    failed = render_login_page(
        action=action, username="admin", error="No match for Username and/or Password."
    )
    assert login_error(failed) == login_error(load("admin_login.json")[7].body)
    assert is_permission_denied(render_permission_denied())
    assert is_page_not_found(render_not_found())
    assert not is_login_page(render_permission_denied())
