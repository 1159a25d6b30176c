"""Every exchange of every 4.0 admin recording is read and checked by a test here, or listed as not read."""

from __future__ import annotations

from tests.admin40 import test_client_session, test_marketing, test_order_pages
from tests.support.recorded_exchanges import admin_files40, load40

_MODULES = (test_client_session, test_marketing, test_order_pages)


def test_every_admin_exchange_is_checked_or_listed_as_not_read() -> None:
    recorded = {(name, ex.index) for name in admin_files40() for ex in load40(name)}
    covered = [key for m in _MODULES for key in m.COVERED]
    not_read = [key for m in _MODULES for key in m.NOT_READ]
    assert len(set(covered)) == len(covered) and len(set(not_read)) == len(not_read)
    assert not set(covered) & set(not_read)
    assert set(covered) | set(not_read) == recorded
    assert all(reason for m in _MODULES for reason in m.NOT_READ.values())
