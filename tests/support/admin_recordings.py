"""The recorded admin-channel exchanges of the real OpenCart 3.0.5.0 shop, loaded once for tests/admin.

Imported as ``from admin_recordings import ...`` (pytest puts this folder on ``sys.path``).
"""

from __future__ import annotations

from tests.support.recorded_exchanges import load

COUPON = load("admin_coupon.json")
VOUCHER = load("admin_voucher.json")
HISTORY = load("admin_order_history.json")
LOGIN = load("admin_login.json")
MISC = load("admin_misc.json")
