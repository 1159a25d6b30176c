"""The README's "Library" examples run as written against a sandbox shop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oc_connector.admin import AdminClient
from oc_connector.api.client import OpenCartClient
from oc_connector_sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"


def _library_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Library\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_library_section_has_an_example_of_every_verb() -> None:
    code = "\n".join(_library_blocks())
    for verb in ("create", "read", "query", "update", "upsert"):
        assert f".{verb}(" in code
    for resource in ("Orders", "Coupons", "Vouchers", "Products", "Customers"):
        assert f"{resource}(" in code


def test_the_library_examples_run(
    sb: Sandbox, api: OpenCartClient, admin: AdminClient, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, object] = {"api": api, "admin": admin}
    for block in _library_blocks():
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own examples
    keyed = sb.query("SELECT order_id FROM oc_order WHERE comment LIKE '%[oc-connector key crm-42]%'")
    assert len(keyed) == 1
    assert {r["code"] for r in sb.query("SELECT code FROM oc_coupon")} >= {"SPRING26", "SUMMER26"}
    assert float(sb.query("SELECT amount FROM oc_voucher WHERE code = 'GIFT0042'")[0]["amount"]) == 30.0
    assert "SPRING26" in capsys.readouterr().out
