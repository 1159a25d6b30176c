"""The console script and what a sync's process imports (each run in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          check=True)
    return done.stdout


def test_the_console_script_imports_the_named_command_then_freezes_the_imports() -> None:
    out = _python(
        "import gc, sys\n"
        "sys.argv = ['oc-connector', '-v', 'sync', '--help']\n"
        "from oc_connector.cli import entry\n"
        "try:\n"
        "    entry()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('frozen', gc.get_freeze_count() > 10000)\n"
    )
    assert "Usage: oc-connector sync [OPTIONS]" in out
    assert "frozen True" in out


def test_a_sync_loads_neither_pandas_nor_the_html_parsers() -> None:
    out = _python(
        "import sys\n"
        "from oc_connector.cli import main\n"
        "main.get_command(None, 'sync')\n"
        "from oc_connector.api.client import OpenCartClient\n"
        "from oc_connector.sync.run import OrderSync\n"
        "heavy = ('pandas', 'numpy', 'bs4', 'oc_connector.admin.html')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    assert out.strip() == "[]"
