"""The public API: every name in __all__ resolves, and the library does not import Dagster."""

from __future__ import annotations

import subprocess
import sys

import oc_connector

EXPECTED = {
    "AdminClient", "ClientStats", "OpenCartClient", "OrderDraft", "OrderOperations", "RateLimit",
    "Address", "CartContents", "CartItem", "Order", "PaymentMethod", "ShippingMethodGroup",
    "ShippingQuote", "VoucherDraft", "RetryPolicy", "Secret", "CartSession", "OrderSync",
    "SyncOptions", "SyncResult", "Timeout",
}


def test_all_is_the_declared_public_api() -> None:
    assert set(oc_connector.__all__) == EXPECTED


def test_lazy_export_table_matches_all() -> None:
    assert set(oc_connector._EXPORTS) == set(oc_connector.__all__)


def test_every_public_name_resolves() -> None:
    for name in oc_connector.__all__:
        assert getattr(oc_connector, name).__name__ == name


def test_library_never_imports_dagster() -> None:
    code = (
        "import sys, oc_connector, oc_connector.sync.run, oc_connector.api.client, oc_connector.admin, "
        "oc_connector.reverse, oc_connector.sync.normalize, oc_connector.sync.load; "
        "print('dagster' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
