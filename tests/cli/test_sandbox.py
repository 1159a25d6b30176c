"""``oc-connector sandbox`` serves the shop of the version asked for, until interrupted."""

from __future__ import annotations

import importlib

import pytest
from click.testing import CliRunner

from oc_connector.admin40.client import Admin40Client
from oc_connector.api.client import OpenCartClient
from oc_connector.cli import main
from oc_connector.dialect import ShopVersion
from oc_connector_sandbox import Sandbox

# the package exports the command under the module's name
cli_sandbox = importlib.import_module("oc_connector.cli.sandbox")


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_the_sandbox_command_serves_the_version_asked_for(monkeypatch: pytest.MonkeyPatch,
                                                          version: str) -> None:
    seen: dict[str, object] = {}

    def check_then_interrupt(sb: Sandbox) -> None:
        with OpenCartClient(sb.url, api_key=sb.api_key, api_username=sb.api_username) as client:
            seen["detected"] = client.detect_version()
        if version == "4.0":
            with Admin40Client(sb.url, username=sb.admin_username, password=sb.admin_password) as admin:
                seen["vouchers"] = list(admin.iter_vouchers())
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_sandbox, "wait_for_interrupt", check_then_interrupt)
    result = CliRunner().invoke(main, ["sandbox", "--port", "0", "--orders", "3", "--version", version])
    assert result.exit_code == 0, result.output
    assert seen["detected"] is ShopVersion(version)
    assert f"OpenCart {version} sandbox at http://127.0.0.1:" in result.output
    assert "Admin user:" in result.output and result.output.rstrip().endswith("stopping")
    if version == "4.0":
        assert seen["vouchers"] == []  # the 4.0 admin's voucher list answered (its .list fragment)


def test_the_sandbox_command_refuses_an_unknown_version() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--version", "5.0"])
    assert result.exit_code == 2
    assert "'5.0' is not one of '3.0', '4.0'" in result.output
