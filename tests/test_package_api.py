"""The public API: every name in __all__ resolves, it stays cheap to import, and never imports Dagster."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import oc_connector
from oc_connector import errors
from oc_connector import reverse as reverse_etl

CLIENTS_AND_RECORDS = {
    "AdminClient", "ClientStats", "OpenCartClient", "OrderDraft", "OrderOperations", "RateLimit",
    "Address", "CartContents", "CartItem", "Order", "PaymentMethod", "ShippingMethodGroup",
    "ShippingQuote", "VoucherDraft", "RetryPolicy", "Secret", "CartSession", "Timeout",
}
SYNC = {"OrderSync", "SyncOptions", "SyncProgress", "SyncResult"}
REVERSE_ETL = {
    "issue_vouchers_admin", "issue_vouchers_order", "push_coupons", "plan_vouchers", "plan_vouchers_order",
    "plan_coupons", "VoucherLedger", "CouponLedger", "AdminVoucherStore", "AdminCouponStore",
}
RESOURCES = {
    "Orders", "Coupons", "Vouchers", "Products", "Customers", "Found", "Rows", "Written", "OrderSummary",
    "OrderDetails",
}
EXPECTED = CLIENTS_AND_RECORDS | SYNC | REVERSE_ETL | RESOURCES | set(errors.__all__) | {"__version__"}


def test_all_is_the_declared_public_api() -> None:
    assert set(oc_connector.__all__) == EXPECTED
    assert len(oc_connector.__all__) == len(EXPECTED)  # no name twice


def test_lazy_export_table_matches_all() -> None:
    assert set(oc_connector._EXPORTS) == set(oc_connector.__all__)


def test_every_public_name_resolves() -> None:
    for name in oc_connector.__all__:
        if name != "__version__":
            assert getattr(oc_connector, name).__name__ == name


def test_the_whole_error_tree_is_exported_as_itself() -> None:
    for name in errors.__all__:
        assert getattr(oc_connector, name) is getattr(errors, name)


def test_reverse_etl_entry_points_are_the_reverse_package_ones() -> None:
    for name in REVERSE_ETL:
        assert getattr(oc_connector, name) is getattr(reverse_etl, name)


def test_resources_are_the_resources_package_ones() -> None:
    from oc_connector import resources

    for name in RESOURCES:
        assert getattr(oc_connector, name) is getattr(resources, name)


def test_version_is_the_installed_distribution() -> None:
    assert oc_connector.__version__ == importlib.metadata.version("oc-connector")


def test_unknown_names_raise_attribute_error() -> None:
    try:
        oc_connector.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")


def test_import_is_cheap() -> None:
    code = (
        "import sys, oc_connector; oc_connector.__version__; oc_connector.SyncLockedError; "
        "print(sorted(m for m in ('pandas', 'sqlalchemy', 'dagster', 'requests', 'bs4') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_library_never_imports_dagster() -> None:
    code = (
        "import sys, oc_connector, oc_connector.sync.run, oc_connector.api.client, oc_connector.admin, "
        "oc_connector.reverse, oc_connector.resources, oc_connector.sync.normalize, oc_connector.sync.load; "
        "print('dagster' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
