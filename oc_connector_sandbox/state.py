"""The sandbox shop's state: one SQLite store, its lock, the shop clock, settings and a seeded RNG."""

from __future__ import annotations

import random
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oc_connector_sandbox.schema import create_schema

__all__ = ["DEFAULT_SETTINGS", "Clock", "ShopState"]

DEFAULT_SETTINGS: dict[str, Any] = {
    "config_name": "Your Store",
    "config_language": "en-gb",
    "config_currency": "USD",
    "config_country_id": 222,
    "config_zone_id": 3563,
    "config_customer_group_id": 1,
    "config_invoice_prefix": "INV-2026-00",
    "config_order_status_id": 1,
    "config_processing_status": ["5", "1", "2", "12", "3"],
    "config_complete_status": ["5", "3"],
    "config_fraud_status_id": 0,  # unset in a fresh install: a failed confirmation keeps the status
    "config_voucher_min": 1,
    "config_voucher_max": 1000,
    "config_limit_admin": 20,
    "config_api_id": 1,
    "config_error_display": 1,
    "config_maintenance": 0,
    "session_gc_maxlifetime": 1440,
    "shipping_flat_cost": "5.00",
}


class Clock:
    """The shop's injectable wall clock (naive datetimes in shop local time).

    Calling the clock (``clock()``) is the same as ``clock.now()``.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._offset = timedelta(0)
        self._frozen = start if frozen else None
        if start is not None and not frozen:
            self._offset = start - datetime.now()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the shop's current time, to the second."""
        base = self._frozen if self._frozen is not None else datetime.now()
        return (base + self._offset).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now()

    def advance(self, seconds: float) -> None:
        """Move the shop clock forward by ``seconds`` (expiry tests)."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def stamp(self) -> str:
        """Return now as ``YYYY-MM-DD HH:MM:SS``."""
        return self.now().strftime("%Y-%m-%d %H:%M:%S")


class ShopState:
    """Everything the sandbox shop knows, shared by the catalog and admin WSGI apps.

    Attributes:
        db: The SQLite connection (usable from any thread; hold ``lock`` around writes).
        lock: Re-entrant lock held around every write or transaction.
        clock: The shop clock.
        settings: ``config_*`` values.
        base_url: The shop URL, e.g. ``http://127.0.0.1:8080/``.
        rng: Seeded random generator.
        version: The OpenCart major version the shop speaks, ``"3.0"`` (default) or ``"4.0"``
            (``oc_connector.dialect.ShopVersion`` values); the catalog and admin apps dispatch on it.
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        db_path: str | Path | None = None,
        clock: Clock | None = None,
        base_url: str = "http://127.0.0.1/",
    ) -> None:
        target = str(db_path) if db_path is not None else ":memory:"
        if db_path is not None:
            Path(db_path).unlink(missing_ok=True)
        self.db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=MEMORY" if db_path is None else "PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        create_schema(self.db)
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.settings: dict[str, Any] = dict(DEFAULT_SETTINGS)
        self.base_url = base_url
        self.rng = random.Random(seed)
        self.seed = seed
        self.php_notices = True
        self.version = "3.0"

    def get_setting(self, key: str, default: Any = None) -> Any:
        """Return a ``config_*`` setting (``default`` when unset)."""
        return self.settings.get(key, default)

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """Run a read query and return rows as dicts."""
        with self.lock:
            cur = self.db.execute(sql, params)
            names = [d[0] for d in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def execute(self, sql: str, params: Any = ()) -> None:
        """Run one write statement under the state lock."""
        with self.lock:
            self.db.execute(sql, params)
