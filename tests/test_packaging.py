"""The wheel built from the repository installs only the connector's own top-level packages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[zipfile.ZipFile, str]:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (path,) = out.glob("oc_connector-*.whl")
    return zipfile.ZipFile(path), build.stdout + build.stderr


def test_wheel_installs_only_the_connector_packages(wheel: tuple[zipfile.ZipFile, str]) -> None:
    archive, _ = wheel
    names = archive.namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"oc_connector", "oc_connector_sandbox"}
    (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
    assert archive.read(top_level).decode().split() == ["oc_connector", "oc_connector_sandbox"]


def test_wheel_carries_the_data_the_code_reads(wheel: tuple[zipfile.ZipFile, str]) -> None:
    archive, _ = wheel
    names = set(archive.namelist())
    marts = sorted(p.name for p in (ROOT / "oc_connector" / "warehouse" / "sql").glob("*.sql"))
    assert marts
    assert {f"oc_connector/warehouse/sql/{m}" for m in marts} <= names
    data = sorted(p.name for p in (ROOT / "oc_connector_sandbox" / "data").glob("*.json"))
    assert {f"oc_connector_sandbox/data/{d}" for d in data} <= names
    assert "oc_connector/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_build_prints_no_setuptools_deprecation(wheel: tuple[zipfile.ZipFile, str]) -> None:
    _, output = wheel
    assert "SetuptoolsDeprecationWarning" not in output
    assert "deprecated" not in output.lower()
