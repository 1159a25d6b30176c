"""The vouchers/coupons CLI against an in-memory admin store and a SQLite ledger."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import responses
import sqlalchemy as sa
from click.testing import CliRunner

from oc_connector.api.client import OpenCartClient
from oc_connector.cli import reverse as cli_reverse
from oc_connector.cli.reverse import coupons, vouchers
from oc_connector.reverse.csvio import results_path
from oc_connector.wire.transport import Transport
from tests.reverse.fakes import FakeStore
from tests.reverse.http_shop import BASE, HttpShop

VOUCHERS = (
    "request_key,to_name,to_email,from_name,from_email,amount,voucher_theme_id,message\n"
    "k1,Ann,a@x.io,Shop,s@x.io,10,8,=cmd()\n"
    "k2,Bob,not-an-email,Shop,s@x.io,10,8,hi\n"
    "k3,Cy,c@x.io,Shop,s@x.io,20,8,hi\n"
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeStore, FakeStore, str]:
    url = f"sqlite:///{tmp_path / 'wh.db'}"
    monkeypatch.setenv("WAREHOUSE_URL", url)
    vstore, cstore = FakeStore(), FakeStore()
    monkeypatch.setattr(cli_reverse, "voucher_store", lambda: vstore)
    monkeypatch.setattr(cli_reverse, "coupon_store", lambda: cstore)
    return vstore, cstore, url


def _results(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _http_shop(monkeypatch: pytest.MonkeyPatch) -> HttpShop:
    """A mocked HTTP shop, and the CLI's catalog client pointed at it (no pacing, no sleeps)."""
    shop = HttpShop()
    shop.install()
    transport = Transport(BASE, rate_limit=None, sleep=lambda _s: None)
    monkeypatch.setattr(cli_reverse, "order_client",
                        lambda: OpenCartClient(BASE, api_key="cli-key-0123456789", transport=transport))
    return shop


def test_vouchers_issue_dry_run_then_real_then_again(
    tmp_path: Path, env: tuple[FakeStore, FakeStore, str]
) -> None:
    vstore, _, url = env
    src = tmp_path / "campaign.csv"
    src.write_text(VOUCHERS, encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(vouchers, ["issue", str(src), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "creates: 2" in dry.output and "rejected: 1" in dry.output and "total value: 30" in dry.output
    assert vstore.rows == {} and not sa.inspect(sa.create_engine(url)).has_table("opencart_voucher_ledger")
    outputs = []
    for _ in range(2):
        real = runner.invoke(vouchers, ["issue", str(src)])
        assert real.exit_code == 3, real.output  # k2 is rejected: exit 3 (EXIT_REJECTED)
        outputs.append(real.output)
    assert "vouchers: sent 2, rejected 1" in outputs[0]
    assert "vouchers: sent 0 (all 2 already issued), rejected 1" in outputs[1]
    assert "rejected k2: to_email is not a valid e-mail address" in outputs[1]
    allowed = runner.invoke(vouchers, ["issue", str(src), "--allow-rejected"])
    assert allowed.exit_code == 0, allowed.output
    assert len(vstore.rows) == 2
    rows = _results(tmp_path / "campaign.results.csv")
    assert [(r["key"], r["state"]) for r in rows] == [
        ("k1", "confirmed"), ("k2", "rejected"), ("k3", "confirmed"),
    ]
    assert rows[1]["reason"] == "to_email is not a valid e-mail address"
    assert {r["code"] for r in rows if r["code"]} == {f["code"] for f in vstore.rows.values()}
    assert next(iter(vstore.rows.values()))["message"] == "=cmd()"  # data, stored as given


def test_coupons_push_and_clear_required(tmp_path: Path, env: tuple[FakeStore, FakeStore, str]) -> None:
    _, cstore, _ = env
    src = tmp_path / "coupons.csv"
    src.write_text("code,name,type,discount,total,logged,shipping,date_start,date_end,uses_total,"
                   "uses_customer,status,products\n"
                   "SALE10,Sale ten,P,10,,,,,,,,,1;2\n"
                   "=SUM(A1),x,P,1,,,,,,,,,\n", encoding="utf-8")
    result = CliRunner().invoke(coupons, ["push", str(src)])
    assert result.exit_code == 3, result.output  # a rejected row: exit 3 (EXIT_REJECTED)
    assert "coupons: written 1, rejected 1" in result.output
    rows = _results(tmp_path / "coupons.results.csv")
    assert rows[0]["state"] == "confirmed"
    assert rows[1]["key"] == "'=SUM(A1)" and rows[1]["state"] == "rejected"
    assert [f["code"] for f in cstore.rows.values()] == ["SALE10"]
    src.write_text("code,name\nsale10,<clear>\n", encoding="utf-8")
    again = CliRunner().invoke(coupons, ["push", str(src)])
    assert again.exit_code == 3
    assert _results(tmp_path / "coupons.results.csv")[0]["reason"] == "name is required and cannot be cleared"
    found = cstore.find("SALE10")
    assert found is not None and found[1]["name"] == "Sale ten"


@responses.activate
def test_vouchers_issue_order_channel_through_the_real_client(
    tmp_path: Path, env: tuple[FakeStore, FakeStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, url = env
    shop = _http_shop(monkeypatch)
    shop.faults = ["reset_after"]
    src = tmp_path / "campaign.csv"
    src.write_text(VOUCHERS, encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(vouchers, ["issue", str(src), "--channel", "order", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "creates: 2" in dry.output and "orders: 1" in dry.output and "total value: 30" in dry.output
    # the one login tells the shop's version (the order channel is refused on 4.0); nothing is sent
    assert shop.routes == ["api/login"]
    assert not sa.inspect(sa.create_engine(url)).has_table("opencart_voucher_ledger")
    # the rerun comes at once: no settle time (the fake shop never writes after answering)
    args = ["issue", str(src), "--channel", "order", "--issuer-email", "desk@x.io", "--city", "Leeds",
            "--settle-s", "0"]
    first = runner.invoke(vouchers, args)
    assert first.exit_code == 3, first.output  # k2 is rejected
    rows = _results(tmp_path / "campaign.results.csv")
    assert [(r["key"], r["state"]) for r in rows] == [
        ("k1", "pending"), ("k2", "rejected"), ("k3", "pending"),
    ]
    assert shop.forms["api/customer"]["email"] == "desk@x.io"
    assert shop.forms["api/payment/address"]["city"] == "Leeds"
    assert shop.forms["api/payment/method"] == {"payment_method": "bank_transfer"}
    assert "outcome unknown" in rows[0]["reason"]
    second = runner.invoke(vouchers, [*args, "--allow-rejected"])
    assert second.exit_code == 0, second.output
    rows = _results(tmp_path / "campaign.results.csv")
    assert [(r["key"], r["state"], r["order_id"]) for r in rows] == [
        ("k1", "confirmed", "1"), ("k2", "rejected", ""), ("k3", "confirmed", "1"),
    ]
    assert list(shop.orders) == [1] and shop.orders[1].status == 5
    assert sorted(v["to_email"] for v in shop.sold) == ["a@x.io", "c@x.io"]
    assert shop.sold[0]["message"] == "=cmd()"  # data, sent as given
    assert shop.routes.count("api/order/add") == 1


def test_order_channel_refuses_an_invalid_batch_size(
    tmp_path: Path, env: tuple[FakeStore, FakeStore, str]
) -> None:
    src = tmp_path / "campaign.csv"
    src.write_text(VOUCHERS, encoding="utf-8")
    result = CliRunner().invoke(vouchers, ["issue", str(src), "--channel", "order", "--batch-size", "0"])
    assert result.exit_code == 2 and "--batch-size" in result.output


@responses.activate
def test_vouchers_issue_check_redeemable(
    tmp_path: Path, env: tuple[FakeStore, FakeStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    vstore, _, _ = env
    shop = _http_shop(monkeypatch)
    src = tmp_path / "campaign.csv"
    src.write_text(VOUCHERS, encoding="utf-8")
    result = CliRunner().invoke(vouchers, ["issue", str(src), "--check-redeemable"])
    assert result.exit_code == 3, result.output  # k2 is rejected
    rows = _results(tmp_path / "campaign.results.csv")
    assert [(r["key"], r["state"]) for r in rows] == [("k1", "failed"), ("k2", "rejected"), ("k3", "failed")]
    assert rows[0]["reason"].startswith("not redeemable (api/voucher)")
    shop.valid_codes = {f["code"].upper() for f in vstore.rows.values()}
    again = CliRunner().invoke(vouchers, ["issue", str(src), "--check-redeemable", "--allow-rejected"])
    assert again.exit_code == 0, again.output
    rows = _results(tmp_path / "campaign.results.csv")
    assert [r["state"] for r in rows] == ["confirmed", "rejected", "confirmed"] and len(vstore.rows) == 2


@pytest.mark.parametrize("args", [["issue", "--dry-run"], ["issue"], ["issue", "--channel", "order"]],
                         ids=["dry-run", "admin", "order"])
def test_voucher_csv_missing_columns_is_a_click_error_naming_file_and_columns(
    tmp_path: Path, env: tuple[FakeStore, FakeStore, str], args: list[str]
) -> None:
    vstore, _, _ = env
    src = tmp_path / "broken.csv"
    src.write_text("request_key,to_name\nk1,Ann\n", encoding="utf-8")
    result = CliRunner().invoke(vouchers, [args[0], str(src), *args[1:]])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output == ("Error: broken.csv: missing CSV columns: to_email, from_name, from_email, "
                             "amount, voucher_theme_id, message\n")
    assert vstore.writes == 0 and vstore.rows == {} and not results_path(src).exists()


def test_coupon_csv_without_header_or_malformed_is_a_click_error(
    tmp_path: Path, env: tuple[FakeStore, FakeStore, str]
) -> None:
    _, cstore, _ = env
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(coupons, ["push", str(empty)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output == "Error: empty.csv: missing CSV columns: code\n"
    huge = tmp_path / "huge.csv"
    huge.write_text("code,name\nX1," + "n" * (2 << 20) + "\n", encoding="utf-8")  # over the csv field limit
    result = CliRunner().invoke(coupons, ["push", str(huge)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.startswith("Error: huge.csv: not a readable CSV file: field larger than field limit")
    assert cstore.writes == 0 and cstore.rows == {}
