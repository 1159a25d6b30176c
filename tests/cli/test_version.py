"""``oc-connector --version`` prints the installed distribution's version."""

from __future__ import annotations

from importlib.metadata import version

from click.testing import CliRunner

from oc_connector.cli import main


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert version("oc-connector") in result.output
    assert result.output.startswith("oc-connector, version ")
