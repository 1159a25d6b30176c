"""The vouchers/coupons CLI against an in-memory admin store and a SQLite ledger."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from fakes import FakeStore

from oc_connector.cli import reverse as cli_reverse
from oc_connector.cli.reverse import coupons, vouchers

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
    for _ in range(2):
        real = runner.invoke(vouchers, ["issue", str(src)])
        assert real.exit_code == 0, real.output
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
    assert result.exit_code == 0, result.output
    rows = _results(tmp_path / "coupons.results.csv")
    assert rows[0]["state"] == "confirmed"
    assert rows[1]["key"] == "'=SUM(A1)" and rows[1]["state"] == "rejected"
    assert [f["code"] for f in cstore.rows.values()] == ["SALE10"]
    src.write_text("code,name\nsale10,<clear>\n", encoding="utf-8")
    again = CliRunner().invoke(coupons, ["push", str(src)])
    assert again.exit_code == 0
    assert _results(tmp_path / "coupons.results.csv")[0]["reason"] == "name is required and cannot be cleared"
    found = cstore.find("SALE10")
    assert found is not None and found[1]["name"] == "Sale ten"
