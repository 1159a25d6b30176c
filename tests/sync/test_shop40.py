"""Which version a sync reads, and the reader and admin it reads a 4.0 shop with."""

from __future__ import annotations

import pytest

from oc_connector.admin.client import AdminClient
from oc_connector.admin40 import Admin40Client, AdminOrderReader
from oc_connector.dialect import ShopVersion
from oc_connector.errors import ConfigurationError
from oc_connector.sync.options import SyncOptions
from oc_connector.sync.shop40 import reads40, shop_version

URL = "http://127.0.0.1:9/"  # never contacted: nothing here sends a request


class Catalog:
    """A catalog client that does not know its version until it logs in."""

    def __init__(self, found: ShopVersion, known: ShopVersion | None = None) -> None:
        self.version = known
        self.found = found
        self.logins = 0

    def detect_version(self) -> ShopVersion:
        self.logins += 1
        self.version = self.found
        return self.found


def _admin40() -> Admin40Client:
    return Admin40Client(URL, username="admin", password="pw")


def test_the_option_wins() -> None:
    catalog = Catalog(ShopVersion.V3_0)
    assert shop_version(catalog, None, SyncOptions(version=ShopVersion.V4_0)) is ShopVersion.V4_0
    assert catalog.logins == 0


def test_a_4_0_reader_or_admin_says_4_0_without_a_login() -> None:
    catalog = Catalog(ShopVersion.V3_0)
    admin = _admin40()
    assert shop_version(catalog, admin, SyncOptions()) is ShopVersion.V4_0
    assert shop_version(AdminOrderReader(admin), None, SyncOptions()) is ShopVersion.V4_0
    assert catalog.logins == 0


def test_a_known_version_is_used_and_detection_runs_only_without_an_admin_client() -> None:
    known = Catalog(ShopVersion.V4_0, known=ShopVersion.V4_0)
    assert shop_version(known, None, SyncOptions()) is ShopVersion.V4_0 and known.logins == 0
    alone = Catalog(ShopVersion.V4_0)
    assert shop_version(alone, None, SyncOptions()) is ShopVersion.V4_0 and alone.logins == 1
    # with a 3.0 admin client a feed run may need no catalog login: nothing is asked
    beside = Catalog(ShopVersion.V4_0)
    assert shop_version(beside, AdminClient(URL, username="admin", password="pw"), SyncOptions()) is None
    assert beside.logins == 0


def test_a_4_0_sync_needs_the_4_0_admin_client() -> None:
    with pytest.raises(ConfigurationError) as missing:
        reads40(Catalog(ShopVersion.V4_0), None, SyncOptions())
    assert "OPENCART_ADMIN_USERNAME" in str(missing.value) and "OPENCART_ADMIN_PASSWORD" in str(missing.value)
    with pytest.raises(ConfigurationError) as wrong:
        reads40(Catalog(ShopVersion.V4_0), AdminClient(URL, username="admin", password="pw"), SyncOptions())
    assert "AdminClient" in str(wrong.value) and "4.0" in str(wrong.value)


def test_the_reader_is_made_over_the_admin_or_taken_as_given() -> None:
    admin = _admin40()
    options = SyncOptions(currency_values={"EUR": "0.7846"})
    made = reads40(Catalog(ShopVersion.V4_0), admin, options, pages=500)
    assert made.admin is admin and made.reader.admin is admin
    given = AdminOrderReader(admin)
    assert reads40(given, None, SyncOptions()).reader is given
