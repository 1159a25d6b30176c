"""No secret reaches a log line, an error text, a result, Dagster metadata or a warehouse table.

The jobs run with DEBUG logging (root and urllib3) and injected faults, so that retries, re-logins and
error paths all log. The secrets are read back from the shop itself: the API key, every api_token it
issued (``oc_api_session.session_id``), the admin password and every admin ``user_token``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bench.matrix import (
    FAST,
    QUICK_RETRY,
    TIMEOUT,
    capture_logs,
    count_leaks,
    coupon_items,
    record_tokens,
    shop_secrets,
    voucher_items,
    warehouse_text,
)
from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector.cli import main
from oc_connector.errors import OpenCartError
from oc_connector.reverse.admin_stores import AdminCouponStore, AdminVoucherStore
from oc_connector.reverse.coupons import push_coupons
from oc_connector.reverse.ledger import CouponLedger, VoucherLedger
from oc_connector.reverse.vouchers import issue_vouchers_admin
from oc_connector.secret import RedactingFilter, install_log_redaction
from oc_connector.sync.run import OrderSync, SyncOptions
from oc_connector.warehouse.ledger_schema import coupon_ledger, voucher_ledger
from oc_connector.warehouse.metadata import metadata
from oc_connector_sandbox import FaultRule, FaultSchedule, Sandbox

CATALOG = ("api/login", "api/order/info")
ADMIN = ("common/login", "sale/voucher", "sale/voucher/add", "marketing/coupon", "marketing/coupon/add")


def _faults(routes: tuple[str, ...], seed: int) -> FaultSchedule:
    rules = []
    for route in routes:
        rules += [FaultRule("http_503", route=route, probability=0.08, retry_after=0),
                  FaultRule("reset_after", route=route, probability=0.05),
                  FaultRule("truncated_json", route=route, probability=0.05),
                  FaultRule("invalidate_token", route=route, probability=0.04),
                  FaultRule("http_500", route=route, probability=0.05, after_commit=True)]
    return FaultSchedule(rules, seed=seed)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox.start(orders=25, seed=21) as shop:
        record_tokens(shop)
        yield shop


@pytest.fixture
def debug_urllib3() -> Iterator[None]:
    lib = logging.getLogger("urllib3")
    old = lib.level
    lib.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        lib.setLevel(old)


def _until_done(job: Any, errors: list[str], *, runs: int = 8) -> Any:
    for _ in range(runs):
        try:
            return job()
        except OpenCartError as exc:
            errors += [str(exc), repr(exc), repr(exc.__dict__)]
    raise AssertionError(f"job did not complete in {runs} runs: {errors[-3:]}")


def _run_everything(sb: Sandbox, engine: sa.Engine, texts: list[str]) -> None:
    """Orders sync, admin-channel vouchers and coupons, each under faults, reruns until done."""
    now = sb.clock.now() + timedelta(minutes=5)
    sb.set_faults(_faults(CATALOG + ADMIN, seed=5))

    def sync() -> Any:
        client = OpenCartClient(sb.url, api_key=sb.api_key, allow_insecure_http=True, rate_limit=FAST,
                                retry=QUICK_RETRY, timeout=TIMEOUT)
        texts.append(repr(client))
        try:
            result = OrderSync(client, engine, SyncOptions(shop="s", workers=2, gap_tolerance=10),
                               now=lambda: now).run()
        finally:
            texts.append(str(client.stats))
            client.close()
        texts.extend([repr(result), str(result.as_metadata())])
        return result

    admin = AdminClient(sb.url, username=sb.admin_username, password=sb.admin_password,
                        allow_insecure_http=True, rate_limit=FAST, retry=QUICK_RETRY, timeout=TIMEOUT)
    texts.append(repr(admin))
    metadata.create_all(engine, tables=[voucher_ledger, coupon_ledger])
    vledger, cledger = VoucherLedger(engine=engine), CouponLedger(engine=engine)
    vouchers, coupons = voucher_items(4, tag="sec"), coupon_items(4, tag="sec")

    def issue() -> Any:
        results = issue_vouchers_admin(vouchers, store=AdminVoucherStore(admin=admin), ledger=vledger)
        texts.extend(repr(r) for r in results)
        if any(r.state != "confirmed" for r in results):
            raise OpenCartError("vouchers not all confirmed yet")
        return results

    def push() -> Any:
        results = push_coupons(coupons, store=AdminCouponStore(admin=admin), ledger=cledger)
        texts.extend(repr(r) for r in results)
        if any(r.state not in ("confirmed", "unchanged") for r in results):
            raise OpenCartError("coupons not all confirmed yet")
        return results

    _until_done(sync, texts)
    _until_done(issue, texts)
    _until_done(push, texts)
    texts.extend([repr(r) for r in vledger.rows()] + [repr(r) for r in cledger.rows()])


def test_no_secret_in_redacted_logs_errors_results_or_tables(
    sb: Sandbox, tmp_path: Path, debug_urllib3: None
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    texts: list[str] = []
    with capture_logs() as logs:
        _run_everything(sb, engine, texts)
    secrets = shop_secrets(sb)
    api_tokens = {str(r["session_id"]) for r in sb.query("SELECT session_id FROM oc_api_session")}
    # the scan is meaningful: several api tokens (re-logins) and admin user_tokens are searched for
    assert api_tokens and api_tokens <= secrets
    assert len(secrets - {sb.api_key, sb.admin_password}) >= 3
    assert sum(1 for _r, _s, fault in sb.request_log if fault) >= 5
    # urllib3 logged every URL (api_token in the query) at DEBUG, and it got through the filter
    assert any("api_token=" in line for line in logs.lines)
    tables = warehouse_text(engine)
    assert len(tables) >= 25
    for where, lines in (("logs", logs.lines), ("results/errors", texts), ("warehouse", tables)):
        assert count_leaks(lines, secrets) == 0, where
    engine.dispose()


def test_library_loggers_leak_nothing_even_without_the_filter(
    sb: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The connector's own log calls never carry a secret; only urllib3's URLs need the filter."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        _run_everything(sb, engine, texts)
    formatter = logging.Formatter("%(message)s")
    own = [formatter.format(r) for r in caplog.records if r.name.startswith(("oc_connector", "warehouse"))]
    assert own, "the connector logged nothing at DEBUG"
    assert count_leaks(own, shop_secrets(sb)) == 0
    token = next(s for s in shop_secrets(sb) if len(s) == 26)
    assert count_leaks([f"GET /index.php?route=api/order/info&api_token={token}"], shop_secrets(sb)) == 1
    engine.dispose()


def test_installed_log_redaction_cleans_urllib3_urls_before_any_handler(
    sb: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """urllib3 logs request URLs with the api_token; the CLI and Dagster install record redaction."""
    install_log_redaction()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        _run_everything(sb, engine, texts)
    raw_urllib3 = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    assert raw_urllib3, "urllib3 logged no request"
    assert any("api_token=***" in line for line in raw_urllib3)
    assert count_leaks(raw_urllib3, shop_secrets(sb)) == 0
    engine.dispose()


def test_cli_attaches_the_redacting_filter_to_its_log_handler() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        result = CliRunner().invoke(main, ["-vv", "sandbox", "--help"])
        assert result.exit_code == 0, result.output
        filters = [f for h in root.handlers for f in h.filters]
        assert any(isinstance(f, RedactingFilter) for f in filters)
        assert root.level == logging.DEBUG
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def test_dagster_materialisation_metadata_and_events_carry_no_secret(sb: Sandbox, tmp_path: Path) -> None:
    dg = pytest.importorskip("dagster")
    from oc_connector.orchestration.assets import order_table_assets
    from oc_connector.orchestration.resources import OpenCartResource, WarehouseResource
    from oc_connector.settings import ShopConfig

    opencart_order_tables = order_table_assets(
        ShopConfig(key="sb", url=sb.url, api_key_env="SB_KEY", allow_insecure_http=True),
        warehouse_kind="sqlite",
    )

    info = "api/order/info"
    sb.set_faults(FaultSchedule([FaultRule("http_503", route=info, probability=0.1, retry_after=0),
                                 FaultRule("reset_after", route=info, probability=0.05)], seed=9))
    url = f"sqlite:///{tmp_path / 'wh.db'}"
    resources = {
        "opencart_sb": OpenCartResource(url=sb.url, api_key=str(sb.api_key), api_username=sb.api_username,
                                     allow_insecure_http=True, rate_per_second=1000.0),
        "warehouse": WarehouseResource(url=url),
    }
    events: list[str] = []
    for _ in range(6):
        result = dg.materialize([opencart_order_tables], resources=resources, raise_on_error=False)
        events += [repr(e) for e in result.all_events]
        if result.success:
            break
    assert result.success
    meta = [repr(e.materialization.metadata) for e in result.get_asset_materialization_events()]
    assert any("orders_inserted" in m for m in meta)
    engine = sa.create_engine(url)
    leaks = count_leaks([*meta, *events, *warehouse_text(engine)], shop_secrets(sb))
    engine.dispose()
    assert leaks == 0
