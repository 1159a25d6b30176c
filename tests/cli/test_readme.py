"""The README's Dagster walk-through, pasted as written into bash against the sandbox.

The two bash blocks after "## Dagster" run in a temporary folder holding a ``.venv`` link to this
interpreter's environment: terminal 1 starts the sandbox in the background, terminal 2 runs
``oc-connector check`` and ``oc-connector sync`` as written. Two things differ from a paste: the
port (8080 may be taken on a shared machine, so a free one replaces it everywhere) and the last
line, ``dagster dev``, a server that never ends (the Dagster app is tested in tests/orchestration).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    dagster = text[text.index("## Dagster"):]
    return re.findall(r"```bash\n(.*?)```", dagster, flags=re.S)[:2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_readme_dagster_commands_work_as_pasted(tmp_path: Path) -> None:
    terminal_1, terminal_2 = _blocks()
    assert "oc-connector sandbox" in terminal_1 and "KEY=" in terminal_2 and '"$KEY"' in terminal_2
    port = str(_free_port())
    terminal_1, terminal_2 = (b.replace("8080", port) for b in (terminal_1, terminal_2))
    last = terminal_2.strip().splitlines()[-1]
    assert last.startswith("dagster dev -m pipelines.definitions")
    terminal_2 = terminal_2.replace(last, "")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCART_", "WAREHOUSE_"))}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever the venv has installed
    server = subprocess.Popen(["bash", "-euc", terminal_1], cwd=tmp_path, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "Press Ctrl-C" in line:
                break
        else:
            raise AssertionError("the sandbox did not start")
        done = subprocess.run(["bash", "-euc", terminal_2], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300, check=False)
    finally:
        os.killpg(server.pid, 15)
        server.communicate(timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK    API login" in done.stdout and "OK    warehouse" in done.stdout
    assert "shop default: 300 new" in done.stdout
    assert (tmp_path / "oc_warehouse.db").exists()
