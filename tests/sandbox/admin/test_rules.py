"""The sandbox's admin validation gives the recorded shop's messages for the recorded posts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from oc_connector.admin import parse_form_errors
from oc_connector_sandbox.admin_pages import oc_escape
from oc_connector_sandbox.admin_rules import (
    ATTEMPTS_MESSAGE,
    login_locked,
    validate_coupon,
    validate_voucher,
)
from tests.support.recorded_exchanges import Exchange, load

COUPON = load("admin_coupon.json")
VOUCHER = load("admin_voucher.json")
MISC = load("admin_misc.json")
# Codes that existed in the recorded shop (id), as the duplicate checks saw them.
COUPON_CODES = {"apitest10": 7, "admrecpc": 59}
VOUCHER_CODES = {"giftadm50": 1, "admrvadd": 98}


def _values(exchange: Exchange) -> dict[str, str]:
    assert exchange.form is not None
    return {k: oc_escape(v) for k, v in exchange.form.items() if not re.search(r"\[\d+\]$", k)}


def _editing(exchange: Exchange, key: str) -> int | None:
    return int(exchange.query[key]) if key in exchange.query else None


COUPON_POSTS = [
    e for e in COUPON if e.method == "POST" and e.route in ("marketing/coupon/add", "marketing/coupon/edit")
]
VOUCHER_POSTS = [
    e for e in VOUCHER if e.method == "POST" and e.route in ("sale/voucher/add", "sale/voucher/edit")
]


def _existing(codes: dict[str, int], exchange: Exchange, code: str) -> int | None:
    """The id holding ``code`` when the post was made (the new ones exist after post 6)."""
    found = codes.get(code.casefold())
    return None if found in (59, 98) and exchange.index <= 6 else found


def _expected(exchange: Exchange) -> tuple[dict[str, str], str | None]:
    return ({}, None) if exchange.status == 302 else parse_form_errors(exchange.body)


@pytest.mark.parametrize("exchange", COUPON_POSTS, ids=lambda e: e.id)
def test_coupon_rules_match_recorded_posts(exchange: Exchange) -> None:
    values = _values(exchange)
    got = validate_coupon(
        values,
        can_modify=True,
        existing_id=_existing(COUPON_CODES, exchange, values["code"]),
        editing_id=_editing(exchange, "coupon_id"),
    )
    assert got == _expected(exchange)


@pytest.mark.parametrize("exchange", [*VOUCHER_POSTS, MISC[6]], ids=lambda e: e.id)
def test_voucher_rules_match_recorded_posts(exchange: Exchange) -> None:
    values = _values(exchange)
    got = validate_voucher(
        values,
        can_modify=exchange.file != "admin_misc.json",
        existing_id=_existing(VOUCHER_CODES, exchange, values["code"]),
        editing_id=_editing(exchange, "voucher_id"),
    )
    assert got == _expected(exchange)


def test_lock_out_after_five_failures_within_the_hour() -> None:
    now = datetime(2026, 11, 27, 12, 0)
    recent = now - timedelta(minutes=5)
    assert not login_locked(attempts=4, last_attempt=recent, now=now)
    assert login_locked(attempts=5, last_attempt=recent, now=now)
    assert not login_locked(attempts=9, last_attempt=now - timedelta(hours=1, seconds=1), now=now)
    assert not login_locked(attempts=0, last_attempt=None, now=now)
    assert ATTEMPTS_MESSAGE in load("admin_login.json")[12].body
