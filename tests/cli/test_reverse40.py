"""``oc-connector vouchers`` / ``coupons`` against the sandbox in its OpenCart 4.0.2.3 mode.

Nothing is replaced: the CLI reads the shop from the variables, finds the version at one catalog
login (``OPENCART_VERSION`` unset: auto) and writes through ``Admin40Client``; every count is the
shop's own table.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from oc_connector.cli.reverse import coupons, vouchers
from oc_connector_sandbox import Sandbox

VOUCHERS = (
    "request_key,to_name,to_email,from_name,from_email,amount,voucher_theme_id,message\n"
    "g1,Ann,ann@x.io,Shop,s@x.io,10,8,hi\n"
    "g2,Bob,bob@x.io,Shop,s@x.io,15,8,hi\n"
    "g3,Cy,cy@x.io,Shop,s@x.io,20,8,\n"
)
COUPONS = (
    "code,name,type,discount,total,logged,shipping,date_start,date_end,uses_total,uses_customer,status\n"
    "WINTER40,Winter sale,P,10,,,,2026-12-01,2026-12-31,100,1,1\n"
    "SHIP40,Free shipping,F,0,50,,1,2026-12-01,2027-01-31,,,1\n"
)


@pytest.fixture
def sb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A 4.0 sandbox, and the CLI's variables pointing at it (version left to detection)."""
    with Sandbox.start(version="4.0") as shop:
        for name, value in {
            "OPENCART_URL": shop.url, "OPENCART_API_USERNAME": shop.api_username,
            "OPENCART_API_KEY": shop.api_key, "OPENCART_ADMIN_USERNAME": shop.admin_username,
            "OPENCART_ADMIN_PASSWORD": shop.admin_password,
            "WAREHOUSE_URL": f"sqlite:///{tmp_path / 'wh.db'}",
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("OPENCART_VERSION", raising=False)
        yield shop


def _results(path: Path) -> list[dict[str, str]]:
    with path.with_name(path.stem + ".results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_vouchers_are_issued_once_through_the_40_admin(sb: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "gifts.csv"
    src.write_text(VOUCHERS, encoding="utf-8")
    first = CliRunner().invoke(vouchers, ["issue", str(src)])
    assert first.exit_code == 0, first.output
    assert "vouchers: sent 3" in first.output
    assert {(r["key"], r["state"], r["action"]) for r in _results(src)} == {
        ("g1", "confirmed", "create"), ("g2", "confirmed", "create"), ("g3", "confirmed", "create"),
    }
    codes = {r["key"]: r["code"] for r in _results(src)}
    again = CliRunner().invoke(vouchers, ["issue", str(src)])
    assert again.exit_code == 0, again.output
    assert "vouchers: sent 0 (all 3 already issued)" in again.output
    shop = sb.query("SELECT code, to_email, amount FROM oc_voucher ORDER BY to_email")
    assert [(r["code"], r["to_email"], float(r["amount"])) for r in shop] == [
        (codes["g1"], "ann@x.io", 10.0), (codes["g2"], "bob@x.io", 15.0), (codes["g3"], "cy@x.io", 20.0),
    ]
    assert sb.request_count("sale/voucher.save") == 3
    assert sb.request_count("api/account/login") >= 1 and sb.request_count("common/login") >= 1


def test_coupons_are_written_once_through_the_40_admin(sb: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "coupons.csv"
    src.write_text(COUPONS, encoding="utf-8")
    for expected in ("coupons: written 2", "coupons: written 0, unchanged 2"):
        result = CliRunner().invoke(coupons, ["push", str(src)])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    rows = sb.query("SELECT code, name, type, discount, total, shipping, date_start, date_end, uses_total"
                    " FROM oc_coupon WHERE code IN ('WINTER40', 'SHIP40') ORDER BY code")
    assert [(r["code"], r["name"], r["type"], float(r["discount"]), float(r["total"]), int(r["shipping"]),
             str(r["date_start"])[:10], str(r["date_end"])[:10], int(r["uses_total"])) for r in rows] == [
        ("SHIP40", "Free shipping", "F", 0.0, 50.0, 1, "2026-12-01", "2027-01-31", 1),
        ("WINTER40", "Winter sale", "P", 10.0, 0.0, 0, "2026-12-01", "2026-12-31", 100),
    ]
    assert sb.request_count("marketing/coupon.save") == 2


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
def test_the_order_channel_is_refused_on_40_with_the_reason(sb: Sandbox, tmp_path: Path,
                                                            dry_run: bool) -> None:
    src = tmp_path / "gifts.csv"
    src.write_text(VOUCHERS, encoding="utf-8")
    args = ["issue", str(src), "--channel", "order", *(["--dry-run"] * dry_run)]
    result = CliRunner().invoke(vouchers, args)
    assert result.exit_code == 1, result.output
    assert "--channel order: the cart and order channel of the catalog API is refused on OpenCart 4.0" in (
        result.output)
    assert "api/sale/order.confirm" in result.output and "through the admin channel" in result.output
    sent = [route for route, _status, _fault in sb.request_log]
    assert sent == ["api/login", "api/account/login"]  # the version check (a 404 page, then 4.0's login)
    assert not (tmp_path / "gifts.results.csv").exists()


def test_the_redeem_check_is_refused_on_40_before_anything_is_sent(sb: Sandbox, tmp_path: Path) -> None:
    src = tmp_path / "gifts.csv"
    src.write_text(VOUCHERS, encoding="utf-8")
    result = CliRunner().invoke(vouchers, ["issue", str(src), "--check-redeemable"])
    assert result.exit_code == 2, result.output
    assert "--check-redeemable: the redeemability check" in result.output
    assert sb.request_count("sale/voucher.save") == 0
