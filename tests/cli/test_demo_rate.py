"""``oc-connector demo`` talks to its own loopback sandbox at a high rate (``--rate``), not 10/s."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from oc_connector.cli import main
from oc_connector.cli.demo import DEMO_RATE
from oc_connector.wire.ratelimit import RateLimit

client_mod = importlib.import_module("oc_connector.api.client")


def _recording_client(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = client_mod.OpenCartClient

    class Recording(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            seen.append(kwargs.get("rate_limit"))
            super().__init__(*args, **kwargs)

    # the demo builds its client through oc_connector.settings, which looks the class up here
    monkeypatch.setattr(client_mod, "OpenCartClient", Recording)
    return seen


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], RateLimit(per_second=DEMO_RATE, burst=500)),
        (["--rate", "50"], RateLimit(per_second=50, burst=50)),
    ],
)
def test_demo_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: RateLimit
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    seen = _recording_client(monkeypatch)
    result = CliRunner().invoke(
        main, ["demo", "--orders", "20", "--changes", "2", "--new-orders", "3", *args]
    )
    assert result.exit_code == 0, result.output
    assert seen == [expected]
    assert "inserted: 3" in result.output.split("== second sync")[1]


def test_demo_rejects_a_non_positive_rate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    result = CliRunner().invoke(main, ["demo", "--rate", "0"])
    assert result.exit_code == 2 and "--rate" in result.output
