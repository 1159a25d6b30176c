"""Shared helpers of the benchmarks: machine description, results files, a sandbox in a child process."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    """nproc, CPU model, memory and Python version of this machine."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kib = 0
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def peak_rss_mib() -> float:
    """Peak resident set size of this process (MiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_result(name: str, data: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` with the machine and a UTC timestamp."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "bench": name,
        "ran_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
    }
    payload.update(data)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


_CHILD = r"""
import json, sys
from oc_connector_sandbox import Sandbox, FaultRule, FaultSchedule
orders, lo, hi = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
workers, cpu_ms = (int(sys.argv[4]) or None), float(sys.argv[5])
def schedule(lo, hi):
    rule = FaultRule("latency", route="api/order/info", latency=(lo, hi))
    return FaultSchedule([rule], seed=1) if hi > 0 else None
faults = schedule(lo, hi)
sb = Sandbox.start(orders=orders, seed=11, faults=faults, php_notices=False,
                   php_workers=workers, cpu_ms=cpu_ms)
print(json.dumps({"url": sb.url, "api_key": sb.api_key}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "stop":
        break
    if cmd["op"] == "faults":
        sb.set_faults(schedule(cmd["lo"], cmd["hi"]))
    elif cmd["op"] == "cpu":
        sb.set_cpu_ms(cmd["cpu_ms"])
    elif cmd["op"] == "add_orders":
        sb.add_orders(cmd["n"])
    elif cmd["op"] == "set_status":
        for oid in cmd["ids"]:
            sb.set_order_status(oid, cmd["status"], comment="bench")
    elif cmd["op"] == "query":
        print(json.dumps(sb.query(cmd["sql"])), flush=True)
        continue
    print(json.dumps({"ok": True}), flush=True)
sb.stop()
"""


class ChildProcess:
    """A Python script run as a child process that answers one JSON line per JSON command line.

    Its first line is a JSON object of facts (``info``); ``{"op": "stop"}`` ends it.
    """

    def __init__(self, script: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        self.info: dict[str, Any] = json.loads(self.proc.stdout.readline())

    def command(self, **cmd: Any) -> Any:
        """Send one command to the child and return its JSON answer."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def stop(self) -> None:
        """Stop the child process."""
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"op": "stop"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ChildSandbox(ChildProcess):
    """A sandbox shop served by a separate Python process, so its CPU is not charged to the connector.

    ``php_workers`` and ``cpu_ms`` make it a shop like the real one on the same cores: at most that
    many requests worked on at once, and that much CPU per ``api/order/info`` spent outside the GIL
    (see :class:`oc_connector_sandbox.server.SandboxServer`).
    """

    def __init__(
        self,
        *,
        orders: int,
        latency: tuple[float, float] = (0.0, 0.0),
        php_workers: int | None = None,
        cpu_ms: float = 0.0,
    ) -> None:
        super().__init__(
            _CHILD, str(orders), str(latency[0]), str(latency[1]), str(php_workers or 0), str(cpu_ms)
        )
        self.url: str = self.info["url"]
        self.api_key: str = self.info["api_key"]
