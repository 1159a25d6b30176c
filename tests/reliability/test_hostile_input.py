"""Hostile input: CSV files for the reverse-ETL CLI, odd API bodies and corrupt shop rows, TLS.

CSV rows either round-trip unchanged into the shop (non-ASCII, SQL-looking text stored as data) or
are rejected with a reason; result files neutralise formula cells. A corrupt order goes to quarantine
with its reason while the rest of the sync completes. Plain http off loopback is refused and a
certificate failure is reported once, never retried.
"""

from __future__ import annotations

import csv
import html
import json
import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
import sqlalchemy as sa
from click.testing import CliRunner

from bench.matrix import FAST, QUICK_RETRY
from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.cli import reverse as cli_reverse
from oc_connector.cli.reverse import coupons, vouchers
from oc_connector.errors import ConfigurationError, TLSError, UnexpectedResponseError
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.sync.state import read_hwm
from oc_connector.warehouse.orders_schema import opencart_orders, opencart_quarantine
from oc_connector.wire.retry import RetryPolicy
from oc_connector_sandbox import Sandbox

SQL = "Robert'); DROP TABLE oc_voucher;--"
UNICODE = "Zoë Ångström 東京 🎁"
FORMULA = "=cmd()"
HEADER = "request_key,to_name,to_email,from_name,from_email,amount,voucher_theme_id,message\n"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=10, seed=3) as shop:
        yield shop


@pytest.fixture
def cli_env(sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The reverse CLI wired to the sandbox's real admin pages and a SQLite warehouse."""
    monkeypatch.setenv("WAREHOUSE_URL", f"sqlite:///{tmp_path / 'wh.db'}")

    def admin() -> AdminClient:
        return AdminClient(sb.url, username=sb.admin_username, password=sb.admin_password,
                           allow_insecure_http=True, rate_limit=FAST, retry=QUICK_RETRY)

    monkeypatch.setattr(cli_reverse, "voucher_store", lambda: AdminVoucherStore(admin=admin()))
    monkeypatch.setattr(cli_reverse, "coupon_store", lambda: AdminCouponStore(admin=admin()))
    return sb


def _results(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {r["key"]: r for r in csv.DictReader(handle)}


def _voucher_csv(path: Path) -> None:
    rows = [
        ["sql", SQL, "a@x.io", "Shop", "s@x.io", "10", "8", "' OR 1=1; --"],
        ["uni", UNICODE, "b@x.io", "Bäckerei Müller", "s@x.io", "11", "8", "Привет, 你好"],
        ["=1+1", "Formula Key", "c@x.io", "Shop", "s@x.io", "12", "8", FORMULA],
        ["huge", "A", "d@x.io", "Shop", "s@x.io", "13", "8", "x" * 100_000],
        ["badamount", "A", "e@x.io", "Shop", "s@x.io", "=1+1", "8", "hi"],
        ["shifted", "Ann", " Jr", "f@x.io", "Shop", "s@x.io", "14", "8"],  # an unquoted comma in a name
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        csv.writer(handle).writerows(rows)
    with path.open("ab") as handle:  # one row saved as Latin-1 by a spreadsheet
        handle.write("latin,Zoë,g@x.io,Shop,s@x.io,15,8,hi\n".encode("latin-1"))


def test_voucher_csv_dry_run_then_issue_round_trips_or_rejects_with_reasons(
    cli_env: Sandbox, tmp_path: Path
) -> None:
    sb = cli_env
    src = tmp_path / "campaign.csv"
    _voucher_csv(src)
    before = sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"]
    runner = CliRunner()
    dry = runner.invoke(vouchers, ["issue", str(src), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "creates: 3" in dry.output and "rejected: 4" in dry.output
    assert sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"] == before  # a dry run writes nothing
    plan = _results(tmp_path / "campaign.results.csv")
    assert {k: r["state"] for k, r in plan.items()} == {
        "sql": "would create", "uni": "would create", "'=1+1": "would create",
        "huge": "rejected", "badamount": "rejected", "shifted": "rejected", "latin": "rejected",
    }
    assert "longer than 4096" in plan["huge"]["reason"]
    assert "amount is not a number" in plan["badamount"]["reason"]
    assert "to_email" in plan["shifted"]["reason"]
    assert "not valid UTF-8" in plan["latin"]["reason"]

    real = runner.invoke(vouchers, ["issue", str(src)])
    assert real.exit_code == 3, real.output  # rows were rejected: exit 3 (EXIT_REJECTED)
    shop = {r["to_email"]: r for r in sb.query(
        "SELECT to_name, from_name, to_email, message, amount FROM oc_voucher WHERE voucher_id > 0")}
    assert sb.query("SELECT COUNT(*) AS n FROM oc_voucher")[0]["n"] == before + 3  # the table survived
    assert html.unescape(shop["a@x.io"]["to_name"]) == SQL
    assert html.unescape(shop["a@x.io"]["message"]) == "' OR 1=1; --"
    assert html.unescape(shop["b@x.io"]["to_name"]) == UNICODE
    assert html.unescape(shop["b@x.io"]["from_name"]) == "Bäckerei Müller"
    assert html.unescape(shop["b@x.io"]["message"]) == "Привет, 你好"
    assert html.unescape(shop["c@x.io"]["message"]) == FORMULA  # data in the shop, text in the results
    results = _results(tmp_path / "campaign.results.csv")
    assert results["'=1+1"]["state"] == "confirmed" and results["uni"]["state"] == "confirmed"


def test_voucher_csv_with_bom_and_crlf_is_read_and_missing_columns_refused(
    cli_env: Sandbox, tmp_path: Path
) -> None:
    src = tmp_path / "bom.csv"
    src.write_bytes(b"\xef\xbb\xbf" + (HEADER + f"k1,{UNICODE},a@x.io,Shop,s@x.io,10,8,hi\n")
                    .replace("\n", "\r\n").encode("utf-8"))
    ok = CliRunner().invoke(vouchers, ["issue", str(src), "--dry-run"])
    assert ok.exit_code == 0 and "creates: 1" in ok.output, ok.output
    broken = tmp_path / "broken.csv"
    broken.write_text("request_key,to_name\nk1,Ann\n", encoding="utf-8")
    bad = CliRunner().invoke(vouchers, ["issue", str(broken), "--dry-run"])
    assert bad.exit_code != 0
    text = bad.output + (str(bad.exception) if bad.exception else "")
    assert "missing CSV columns" in text and "to_email" in text


def test_missing_csv_columns_end_in_a_clean_cli_error(cli_env: Sandbox, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("request_key,to_name\nk1,Ann\n", encoding="utf-8")
    bad = CliRunner().invoke(vouchers, ["issue", str(broken), "--dry-run"])
    assert isinstance(bad.exception, SystemExit) and "missing CSV columns" in bad.output


def test_coupon_csv_dry_run_rejects_with_reasons_and_keeps_data_as_data(
    cli_env: Sandbox, tmp_path: Path
) -> None:
    sb = cli_env
    src = tmp_path / "coupons.csv"
    rows = [
        ["SQLX'OR1", "Drop '; DELETE FROM oc_coupon;--", "P", "10", "2026-11-27", "2026-12-27"],
        ["UNI10", "Été 東京 🎁", "P", "10", "2026-11-27", "2026-12-27"],
        ["FORM10", FORMULA + " summer", "F", "5", "2026-11-27", "2026-12-27"],
        ["HUGE10", "n" * 5000, "P", "10", "2026-11-27", "2026-12-27"],
        ["BADDATE", "Bad date", "P", "10", "27/11/2026", "2026-12-27"],
        ["BADTYPE", "Bad type", "Z", "10", "2026-11-27", "2026-12-27"],
    ]
    with src.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "type", "discount", "date_start", "date_end"])
        writer.writerows(rows)
    before = sb.query("SELECT COUNT(*) AS n FROM oc_coupon")[0]["n"]
    runner = CliRunner()
    dry = runner.invoke(coupons, ["push", str(src), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    plan = _results(tmp_path / "coupons.results.csv")
    assert {k: r["state"] for k, r in plan.items()} == {
        "SQLX'OR1": "would create", "UNI10": "would create", "FORM10": "would create",
        "HUGE10": "rejected", "BADDATE": "rejected", "BADTYPE": "rejected",
    }
    assert all(plan[k]["reason"] for k in ("HUGE10", "BADDATE", "BADTYPE"))
    assert sb.query("SELECT COUNT(*) AS n FROM oc_coupon")[0]["n"] == before
    real = runner.invoke(coupons, ["push", str(src)])
    assert real.exit_code == 3, real.output  # rows were rejected: exit 3 (EXIT_REJECTED)
    names = {r["code"]: html.unescape(r["name"]) for r in sb.query("SELECT code, name FROM oc_coupon")}
    assert names["SQLX'OR1"] == "Drop '; DELETE FROM oc_coupon;--"
    assert names["UNI10"] == "Été 東京 🎁"
    assert names["FORM10"] == FORMULA + " summer"
    assert sb.query("SELECT COUNT(*) AS n FROM oc_coupon")[0]["n"] == before + 3


# -- the sync against corrupt shop rows and odd bodies ----------------------------------------------
def _quarantine(engine: sa.Engine) -> dict[str, str]:
    q = opencart_quarantine
    with engine.connect() as conn:
        return {r.entity_id: r.reason for r in conn.execute(sa.select(q.c.entity_id, q.c.reason))}


def _loaded(engine: sa.Engine) -> dict[int, Any]:
    t = opencart_orders
    with engine.connect() as conn:
        return {int(r.order_id): r for r in conn.execute(sa.select(t))}


def test_corrupt_shop_rows_are_quarantined_with_reasons_and_the_rest_loads(sb: Sandbox) -> None:
    hostile = "<script>alert(1)</script>'; DROP TABLE opencart_orders;-- Zoë 東京"
    sb.execute("UPDATE oc_order SET total = 'x' WHERE order_id = 3")
    sb.execute("UPDATE oc_order SET date_added = 'garbage' WHERE order_id = 5")
    sb.execute("UPDATE oc_order SET store_id = 'abc' WHERE order_id = 6")
    sb.execute("UPDATE oc_order SET firstname = ? WHERE order_id = 9", (hostile,))
    engine = sa.create_engine("sqlite://")
    client = OpenCartClient(sb.url, api_key=sb.api_key, allow_insecure_http=True, rate_limit=FAST,
                            retry=QUICK_RETRY)
    now = sb.clock.now() + timedelta(minutes=5)
    result = OrderSync(client, engine, SyncOptions(shop="h", workers=2, gap_tolerance=5),
                       now=lambda: now).run()
    client.close()
    assert _quarantine(engine) == {
        "3": "total: not a number: 'x'",
        "5": "date_added: bad date: 'garbage'",
        "6": "store_id: not an integer: 'abc'",
    }
    shop = {int(r["order_id"]) for r in sb.query("SELECT order_id FROM oc_order")}
    loaded = _loaded(engine)
    assert set(loaded) == shop - {3, 5, 6} and result.quarantined == 3
    assert html.unescape(loaded[9].firstname) == hostile  # stored as data
    engine.dispose()


_LOGIN = re.compile(r"https://shop\.test/index\.php\?route=api(/|%2F)login.*")
_INFO = re.compile(r"https://shop\.test/index\.php\?route=api(/|%2F)order(/|%2F)info.*")


@pytest.fixture(scope="module")
def order_json() -> tuple[dict[str, Any], str]:
    """A real order object and the shop's not-found answer, taken from the sandbox."""
    with Sandbox.start(orders=2, seed=3, php_notices=False) as shop:
        token = requests.post(shop.url + "index.php?route=api/login",
                              data={"username": shop.api_username, "key": shop.api_key}, timeout=5)
        params = {"route": "api/order/info", "api_token": token.json()["api_token"]}
        good = requests.get(shop.url + "index.php", params={**params, "order_id": 1}, timeout=5).json()
        missing = requests.get(shop.url + "index.php", params={**params, "order_id": 99}, timeout=5).text
    return good["order"], missing


def _sync_mocked(bodies: dict[int, str], not_found: str) -> tuple[sa.Engine, Exception | None]:
    def info(request: Any) -> tuple[int, dict[str, str], str]:
        oid = int(re.search(r"order_id=(\d+)", request.url).group(1))  # type: ignore[union-attr]
        return 200, {"Content-Type": "application/json"}, bodies.get(oid, not_found)

    engine = sa.create_engine("sqlite://")
    error: Exception | None = None
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, _LOGIN, json={"success": "ok", "api_token": "t" * 26})
        mock.add_callback(responses.GET, _INFO, callback=info)
        client = OpenCartClient("https://shop.test/", api_key="k" * 64, rate_limit=None,
                                retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, max_total_delay=0.1))
        try:
            OrderSync(client, engine, SyncOptions(shop="h", workers=1, gap_tolerance=3, batch_size=2),
                      now=lambda: datetime(2026, 11, 27)).run()
        except UnexpectedResponseError as exc:
            error = exc
    return engine, error


def _orders(order: dict[str, Any], ids: range) -> dict[int, str]:
    return {i: json.dumps({"order": {**order, "order_id": str(i)}}) for i in ids}


def test_unexpected_types_and_missing_order_id_are_quarantined(
    order_json: tuple[dict[str, Any], str]
) -> None:
    order, not_found = order_json
    bodies = _orders(order, range(1, 7))
    bodies[2] = json.dumps({"order": {**order, "order_id": "2", "total": ["x"]}})
    bodies[3] = json.dumps({"order": {**order, "order_id": "3", "date_added": {"y": 2026}}})
    bodies[4] = json.dumps({"order": {k: v for k, v in order.items() if k != "order_id"}})
    engine, error = _sync_mocked(bodies, not_found)
    assert error is None
    quarantine = _quarantine(engine)
    assert quarantine["2"] == "total: not a number: list"
    assert quarantine["3"].startswith("date_added:")
    assert "order_id: missing" in quarantine.values()
    assert set(_loaded(engine)) == {1, 5, 6}


def test_an_order_without_order_id_is_quarantined_under_the_requested_id(
    order_json: tuple[dict[str, Any], str]
) -> None:
    order, not_found = order_json
    bodies = _orders(order, range(1, 4))
    bodies[2] = json.dumps({"order": {k: v for k, v in order.items() if k != "order_id"}})
    engine, _ = _sync_mocked(bodies, not_found)
    assert "2" in _quarantine(engine)


@pytest.mark.parametrize("body", ["<html><body>Fatal error</body></html>", "", "TRUNCATED", '["x"]'],
                         ids=["html", "empty", "truncated", "not-an-object"])
def test_a_body_that_is_not_an_order_stops_the_sync_clearly_and_keeps_committed_batches(
    order_json: tuple[dict[str, Any], str], body: str
) -> None:
    order, not_found = order_json
    bodies = _orders(order, range(1, 30))
    for oid in range(5, 30):  # the shop breaks from order 5 on: an outage, not one broken order
        good = bodies[oid]
        bodies[oid] = good[: len(good) // 2] if body == "TRUNCATED" else body
    engine, error = _sync_mocked(bodies, not_found)
    assert isinstance(error, UnexpectedResponseError) and "api/order/info" in str(error)
    assert set(_loaded(engine)) == {1, 2, 3, 4}  # the batches before the bad order stay committed
    assert _quarantine(engine) == {}  # an outage is never quarantined order by order


@pytest.mark.parametrize("body", ["<html><body>Fatal error</body></html>", "", "TRUNCATED", '["x"]'],
                         ids=["html", "empty", "truncated", "not-an-object"])
def test_a_persistent_non_json_order_is_quarantined_and_the_sync_moves_on(
    order_json: tuple[dict[str, Any], str], body: str
) -> None:
    order, not_found = order_json
    bodies = _orders(order, range(1, 5))
    bodies[2] = bodies[2][:40] if body == "TRUNCATED" else body
    engine, error = _sync_mocked(bodies, not_found)
    assert error is None and "2" in _quarantine(engine) and set(_loaded(engine)) == {1, 3, 4}
    assert _quarantine(engine)["2"].startswith("order/info unreadable:")
    assert "k" * 64 not in _quarantine(engine)["2"] and "t" * 26 not in _quarantine(engine)["2"]


def test_a_broken_newest_order_is_quarantined_and_the_mark_passes_it(
    order_json: tuple[dict[str, Any], str]
) -> None:
    order, not_found = order_json
    bodies = _orders(order, range(1, 6))
    bodies[5] = "<b>Fatal error</b>: Uncaught TypeError in order.php"
    engine, error = _sync_mocked(bodies, not_found)
    assert error is None and set(_quarantine(engine)) == {"5"} and set(_loaded(engine)) == {1, 2, 3, 4}
    with engine.connect() as conn:
        assert read_hwm(conn, shop="h") == 5


# -- transport security ---------------------------------------------------------------------------
def test_plain_http_off_loopback_is_refused_before_any_request() -> None:
    with responses.RequestsMock() as mock:  # any request would fail: none is registered
        with pytest.raises(ConfigurationError, match="non-loopback"):
            OpenCartClient("http://shop.example.com/", api_key="k" * 64)
        with pytest.raises(ConfigurationError, match="non-loopback"):
            AdminClient("http://shop.example.com/", username="admin", password="p" * 12)
        assert len(mock.calls) == 0
    client = OpenCartClient("http://shop.example.com/", api_key="k" * 64, allow_insecure_http=True)
    client.close()  # an explicit opt-in is honoured


class _TLSServer:
    """A one-thread TLS listener on 127.0.0.1 with a self-signed certificate; counts handshakes."""

    def __init__(self, tmp: Path) -> None:
        cert, key = tmp / "cert.pem", tmp / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)
            except (OSError, ssl.SSLError):
                conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[_TLSServer]:
    server = _TLSServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_certificate_failure_is_reported_clearly_and_never_retried(tls_server: _TLSServer) -> None:
    retry = RetryPolicy(max_attempts=5, initial_backoff=0.01, max_total_delay=1.0)
    client = OpenCartClient(f"https://127.0.0.1:{tls_server.port}/", api_key="k" * 64, rate_limit=None,
                            retry=retry)
    with pytest.raises(TLSError) as info:
        client.order_info_raw(1)
    client.close()
    assert "TLS failure" in str(info.value) and "certificate" in str(info.value).lower()
    assert "k" * 64 not in str(info.value)
    assert tls_server.accepted == 1  # one handshake, no retry
    admin = AdminClient(f"https://127.0.0.1:{tls_server.port}/", username="admin", password="p" * 12,
                        rate_limit=None, retry=retry)
    with pytest.raises(TLSError):
        admin.login()
    assert tls_server.accepted == 2
