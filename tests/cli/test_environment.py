"""The CLI reads the environment once, through oc_connector.settings: a bad value is a usage error."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from oc_connector.cli import main

GOOD = {"OPENCART_URL": "https://shop.example/", "OPENCART_API_KEY": "cli-env-key-0123456789"}


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"OPENCART_API_KEY": "k" * 16}, "OPENCART_URL"),
        ({"OPENCART_URL": "https://shop.example/"}, "OPENCART_API_KEY"),
        (GOOD | {"OPENCART_ALLOW_INSECURE_HTTP": "sometimes"}, "OPENCART_ALLOW_INSECURE_HTTP"),
        (GOOD | {"OPENCART_ADMIN_PASSWORD": "pw-secret-1"}, "OPENCART_ADMIN_USERNAME"),
    ],
)
def test_a_missing_or_bad_variable_is_a_usage_error_naming_it(env: dict[str, str], name: str) -> None:
    clean = {k: None for k in ("OPENCART_URL", "OPENCART_API_KEY", "OPENCART_ALLOW_INSECURE_HTTP",
                               "OPENCART_ADMIN_USERNAME", "OPENCART_ADMIN_PASSWORD")}
    result = CliRunner().invoke(main, ["check"], env=clean | env)
    assert result.exit_code == 2, result.output
    assert name in result.output
    assert "Traceback" not in result.output
    assert "pw-secret-1" not in result.output
