"""Load the real exchanges recorded from real shops: OpenCart 3.0.5.0 (tests/recorded/) and 4.0.2.3
(tests/recorded40/); each directory's INDEX.md says how they were made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

RECORDED_DIR = Path(__file__).resolve().parents[1] / "recorded"
RECORDED40_DIR = Path(__file__).resolve().parents[1] / "recorded40"


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its response."""

    file: str
    index: int
    case: str
    method: str
    route: str | None
    query: dict[str, str]
    form: dict[str, str] | None
    status: int
    content_type: str
    body: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file.removesuffix('.json')}[{self.index}] {self.case}"

    @property
    def client_ip(self) -> str:
        return str(self.extra.get("client_ip", "127.0.0.1"))


@cache
def load(file: str, *, version: str = "3.0") -> tuple[Exchange, ...]:
    """All exchanges of one recording file (``api_login.json``) of the 3.0 or the 4.0 shop."""
    data = json.loads((_dir(version) / file).read_text(encoding="utf-8"))
    out = []
    for i, raw in enumerate(data):
        known = {"case", "method", "route", "query", "form", "status", "content_type", "body"}
        out.append(
            Exchange(
                file=file,
                index=i,
                case=raw.get("case", f"order {raw.get('order_id')}"),
                method=raw.get("method", "GET"),
                route=raw.get("route"),
                query=dict(raw.get("query") or {}),
                form=raw.get("form"),
                status=int(raw["status"]),
                content_type=raw.get("content_type", ""),
                body=raw.get("body", ""),
                extra={k: v for k, v in raw.items() if k not in known},
            )
        )
    return tuple(out)


def _dir(version: str) -> Path:
    if version not in ("3.0", "4.0"):
        raise ValueError(f"no recordings of OpenCart {version!r}")
    return RECORDED_DIR if version == "3.0" else RECORDED40_DIR


def load40(file: str) -> tuple[Exchange, ...]:
    """All exchanges of one recording file of the OpenCart 4.0.2.3 shop."""
    return load(file, version="4.0")


def api_files40() -> list[str]:
    """The 4.0 catalog API recording files (``api_*.json`` and ``unknown_routes.json``)."""
    return [*sorted(p.name for p in RECORDED40_DIR.glob("api_*.json")), "unknown_routes.json"]


def admin_files40() -> list[str]:
    """The 4.0 admin-channel recording files (not the database truth)."""
    return sorted(p.name for p in RECORDED40_DIR.glob("admin_*.json") if p.name != "admin_pages_truth.json")


@cache
def truth40() -> dict[str, Any]:
    """``admin_pages_truth.json`` of the 4.0 shop: its database rows behind the recorded pages."""
    return dict(json.loads((RECORDED40_DIR / "admin_pages_truth.json").read_text(encoding="utf-8")))


def api_files() -> list[str]:
    """The per-route catalog API recording files (``api_*.json`` and the 404 file)."""
    names = sorted(p.name for p in RECORDED_DIR.glob("api_*.json"))
    return [*names, "unknown_routes_404.json"]


def admin_files() -> list[str]:
    """The admin-channel recording files."""
    return sorted(p.name for p in RECORDED_DIR.glob("admin_*.json"))


def all_api_exchanges() -> Iterator[Exchange]:
    """Every recorded catalog API exchange."""
    for name in api_files():
        yield from load(name)


def bulk_orders() -> list[dict[str, Any]]:
    """``bulk_order_info_all_orders.json``: order/info for ids 1..62 as ``{order_id, status, body}``."""
    return list(json.loads((RECORDED_DIR / "bulk_order_info_all_orders.json").read_text(encoding="utf-8")))
