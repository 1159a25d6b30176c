"""``oc-connector sync`` builds client and engine from the environment and prints a summary."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from oc_connector.cli import main
from oc_connector.errors import AuthenticationError
from tests.sync.fakes import FakeShop

SECRET = "k3y-very-secret-value"


def _fake_client_module(monkeypatch: pytest.MonkeyPatch, factory: Any) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    mod = types.ModuleType("oc_connector.api.client")

    def OpenCartClient(url: str, **kwargs: Any) -> Any:
        made.append({"url": url, **kwargs})
        return factory()

    mod.OpenCartClient = OpenCartClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "oc_connector.api.client", mod)
    return made


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "OPENCART_URL": "http://127.0.0.1:9/",
        "OPENCART_API_KEY": SECRET,
        "WAREHOUSE_URL": f"sqlite:///{tmp_path / 'wh.db'}",
    }


def test_sync_command_loads_and_summarises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _fake_client_module(monkeypatch, FakeShop)
    result = CliRunner().invoke(
        main,
        ["sync", "--workers", "2", "--gap-tolerance", "3", "--shop", "s1", "--no-admin"],
        env=_env(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert "shop s1: 60 new, 0 changed" in result.output
    assert "high-water mark 0 -> 60" in result.output
    assert made[0]["url"] == "http://127.0.0.1:9/"
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wh.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM opencart_orders WHERE shop='s1'")).scalar() == 60
    engine.dispose()


def test_sync_command_error_is_plain_and_secret_free(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Refusing(FakeShop):
        def order_info_raw(self, order_id: int) -> dict[str, Any]:
            raise AuthenticationError("Warning: Incorrect API Key!", route="api/login")

    _fake_client_module(monkeypatch, Refusing)
    result = CliRunner().invoke(main, ["sync", "--no-admin"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "Incorrect API Key" in result.output
    assert SECRET not in result.output
    assert "Traceback" not in result.output


def test_admin_client_gets_the_same_http_tls_and_rate_as_the_catalog_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oc_connector.wire.ratelimit import RateLimit

    made = _fake_client_module(monkeypatch, FakeShop)
    admins: list[dict[str, Any]] = []
    mod = types.ModuleType("oc_connector.admin.client")

    class AdminClient:
        def __init__(self, url: str, **kwargs: Any) -> None:
            admins.append({"url": url, **kwargs})

        def order_history(self, order_id: int) -> list[Any]:
            return []

    mod.AdminClient = AdminClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "oc_connector.admin.client", mod)
    env = _env(tmp_path) | {
        "OPENCART_ADMIN_USERNAME": "admin",
        "OPENCART_ADMIN_PASSWORD": "adm1n-pass-secret",
        "OPENCART_ALLOW_INSECURE_HTTP": "1",
        "OPENCART_CA_BUNDLE": str(tmp_path / "ca.pem"),
    }
    result = CliRunner().invoke(main, ["sync", "--gap-tolerance", "3", "--rate", "20"], env=env)
    assert result.exit_code == 0, result.output
    assert len(made) == len(admins) == 1
    shared = {
        "allow_insecure_http": True,
        "ca_bundle": str(tmp_path / "ca.pem"),
        "rate_limit": RateLimit(per_second=20, burst=20),
    }
    assert {k: made[0][k] for k in shared} == shared
    assert {k: admins[0][k] for k in shared} == shared
    assert admins[0]["url"] == "http://127.0.0.1:9/" and admins[0]["username"] == "admin"
    assert "adm1n-pass-secret" not in result.output


def test_sync_defaults_to_an_adaptive_limit_without_a_rate_and_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oc_connector.wire.concurrency import DEFAULT_MAX_CONCURRENCY, AdaptiveConcurrency

    made = _fake_client_module(monkeypatch, FakeShop)
    result = CliRunner().invoke(main, ["sync", "--gap-tolerance", "3", "--no-admin"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    limit = made[0]["concurrency"]
    assert isinstance(limit, AdaptiveConcurrency)
    assert limit.policy.max_limit == DEFAULT_MAX_CONCURRENCY
    assert made[0]["rate_limit"] is None


def test_explicit_workers_and_rate_become_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from oc_connector.wire.ratelimit import RateLimit

    made = _fake_client_module(monkeypatch, FakeShop)
    result = CliRunner().invoke(
        main,
        ["sync", "--gap-tolerance", "3", "--no-admin", "--workers", "3", "--rate", "7"],
        env=_env(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert made[0]["concurrency"].policy.max_limit == 3
    assert made[0]["rate_limit"] == RateLimit(per_second=7, burst=7)


def test_sync_command_states_the_staleness_bound_and_takes_the_sweep_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_client_module(monkeypatch, FakeShop)
    args = ["sync", "--gap-tolerance", "3", "--no-admin", "--lookback-days", "10", "--final-statuses", "5,7",
            "--staleness-window-days", "3"]
    result = CliRunner().invoke(main, args, env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert (
        "staleness: changes to final orders reach the warehouse within 3 days; "
        "give admin credentials for the next run"
    ) in result.output
    bad = CliRunner().invoke(main, [*args[:-4], "--final-statuses", "five"], env=_env(tmp_path))
    assert bad.exit_code == 2
    assert "give order status ids separated by commas" in bad.output


def test_the_summary_names_the_shops_version_when_the_client_knows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oc_connector.api.version import VersionInfo
    from oc_connector.dialect import ShopVersion

    class Detected(FakeShop):
        version_info = VersionInfo(ShopVersion.V3_0, "detected", "api/login answered")

    made = _fake_client_module(monkeypatch, Detected)
    result = CliRunner().invoke(main, ["sync", "--gap-tolerance", "3", "--no-admin"],
                                env={**_env(tmp_path), "OPENCART_VERSION": "auto"})
    assert result.exit_code == 0, result.output
    assert "; OpenCart 3.0 (detected: api/login answered)" in result.output
    assert made[0]["version"] is None  # auto: the client detects it

    _fake_client_module(monkeypatch, FakeShop)  # a client that knows no version: nothing said
    result = CliRunner().invoke(main, ["sync", "--gap-tolerance", "3", "--no-admin", "--shop", "s2"],
                                env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "OpenCart" not in result.output
