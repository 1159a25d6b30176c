"""An in-process OpenCart 3.0 shop double: catalog API (index.php) plus admin pages (admin/index.php).

Usage::

    with Sandbox.start(orders=100) as sb:
        requests.post(sb.url + "index.php?route=api/login", data={"key": sb.api_key})

``Sandbox.start(version="4.0")`` starts an OpenCart 4.0.2.3 shop instead (``oc_connector_sandbox.v40``):
the same database, spoken the 4.0 way.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from oc_connector_sandbox.app import CatalogApp
from oc_connector_sandbox.faults import FaultRule, FaultSchedule, parse_faults
from oc_connector_sandbox.fixtures import (
    load_demo_catalogue,
    load_recorded_fixtures,
    load_reference_data,
    random_key,
)
from oc_connector_sandbox.generate import insert_orders
from oc_connector_sandbox.server import SandboxServer
from oc_connector_sandbox.state import Clock, ShopState

__all__ = ["Clock", "FaultRule", "FaultSchedule", "Sandbox", "ShopState", "parse_faults"]


class Sandbox:
    """Handle of one running sandbox shop (start with :meth:`start`, stop with :meth:`stop`)."""

    api_username = "Default"
    admin_username = "admin"

    def __init__(
        self, *, state: ShopState, app: CatalogApp, server: SandboxServer, api_key: str, admin_password: str
    ) -> None:
        self.state = state
        self.app = app
        self._server = server
        self.api_key = api_key
        self.admin_password = admin_password
        self.url = server.base_url
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url!r}, api_username={self.api_username!r})"

    @classmethod
    def start(
        cls,
        *,
        orders: int = 0,
        seed: int = 7,
        fixtures: Literal["demo", "recorded"] = "demo",
        api_key: str | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        faults: FaultSchedule | None = None,
        php_notices: bool = True,
        db_path: str | Path | None = None,
        test_mode: bool = False,
        catalogue: bool = False,
        php_workers: int | None = None,
        cpu_ms: float = 0.0,
        version: Literal["3.0", "4.0"] = "3.0",
    ) -> Sandbox:
        """Build the shop, serve it on ``host:port`` in a background thread and return its handle.

        Args:
            orders: Generated orders to add after the fixtures.
            seed: Seed of the generator and the shop's RNG.
            fixtures: ``"demo"`` or ``"recorded"`` (the state the recordings were made from).
            api_key: Key of the ``Default`` API user (random 64+ alphanumerics if ``None``).
            port: TCP port (0: a free one).
            host: Loopback address to bind.
            faults: Fault schedule applied by the server.
            php_notices: Print the PHP warnings the real shop prints before the JSON.
            db_path: SQLite file for the shop (in memory if ``None``).
            test_mode: Honour the ``X-Sandbox-Remote-Addr`` header as the client IP.
            catalogue: With ``"demo"`` fixtures, also load the demo catalogue (products 28-49) and 50
                customers; generated orders then get lines, options, totals and sold vouchers.
            php_workers: Requests worked on at once (the rest queue, like PHP's workers); None: no bound.
            cpu_ms: CPU time each ``api/order/info`` costs in total, spent in a way that releases the
                GIL (the real shop: ~5.9 ms of PHP + MariaDB), so the shop competes for the cores.
            version: The OpenCart major version to speak, ``"3.0"`` (3.0.5.0) or ``"4.0"`` (4.0.2.3's
                catalog API and admin pages); kept as ``state.version``.
        """
        if version not in ("3.0", "4.0"):
            raise ValueError(f"unknown version {version!r}; use '3.0' or '4.0'")
        state = ShopState(seed=seed, db_path=db_path)
        state.version = version
        state.php_notices = php_notices
        app = CatalogApp(state, test_mode=test_mode)
        server = SandboxServer(host, port, app, faults=faults, php_workers=php_workers, cpu_ms=cpu_ms)
        state.base_url = server.base_url
        key = api_key if api_key is not None else random_key(64)
        password = secrets.token_urlsafe(12)
        load_reference_data(state, api_key=key, admin_password=password)
        if version == "4.0":
            from oc_connector_sandbox.v40.fixtures import load_recorded_fixtures40, load_reference_data40

            load_reference_data40(state)
        if fixtures == "recorded" and version == "4.0":
            load_recorded_fixtures40(state)
        elif fixtures == "recorded":
            load_recorded_fixtures(state)
        elif fixtures == "demo" and catalogue:
            load_demo_catalogue(state)
        elif fixtures != "demo":
            server.server_close()
            state.db.close()
            raise ValueError(f"unknown fixtures {fixtures!r}; use 'demo' or 'recorded'")
        if orders:
            made = insert_orders(state, orders, seed=seed)
            if version == "4.0":
                from oc_connector_sandbox.v40.fixtures import store_generated_as_v40

                store_generated_as_v40(state, made)
        sb = cls(state=state, app=app, server=server, api_key=key, admin_password=password)
        server.invalidate_token = sb._invalidate_token
        sb._thread = threading.Thread(target=server.serve_forever, name="oc-sandbox", daemon=True)
        sb._thread.start()
        return sb

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and close the shop's database."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.state.db.close()

    # -- inspection ------------------------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        """The shop clock (``advance(seconds)``, ``now()``)."""
        return self.state.clock

    @property
    def faults(self) -> FaultSchedule | None:
        """The active fault schedule."""
        return self._server.faults

    def set_faults(self, schedule: FaultSchedule | None) -> None:
        """Replace the fault schedule (``None``: no faults)."""
        self._server.faults = schedule

    def set_cpu_ms(self, cpu_ms: float) -> None:
        """Change the CPU time each ``api/order/info`` costs (a slowdown mid-run)."""
        self._server.cpu_s = cpu_ms / 1000

    @property
    def request_log(self) -> Sequence[tuple[str, int, str | None]]:
        """(route, HTTP status, fault kind or None) per request served."""
        return self._server.request_log

    def request_count(self, route: str | None = None) -> int:
        """Requests served, optionally only those of ``route``."""
        return sum(1 for r, _, _ in list(self._server.request_log) if route is None or r == route)

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        """Read the shop's own tables; rows as dicts."""
        return self.state.query(sql, params)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> None:
        """Write to the shop's tables under the state lock."""
        self.state.execute(sql, params)
        self.app.invalidate_lookups()

    # -- fixtures at run time --------------------------------------------------------------------
    def set_setting(self, key: str, value: Any) -> None:
        """Change a ``config_*`` setting (e.g. ``config_timezone``), as System > Settings would."""
        self.state.settings[key] = value

    def add_orders(self, n: int) -> list[int]:
        """Generate ``n`` more orders (after the highest id); returns their ids."""
        made = insert_orders(self.state, n, seed=self.state.rng.randrange(2**31))
        if self.state.version == "4.0":
            from oc_connector_sandbox.v40.fixtures import store_generated_as_v40

            store_generated_as_v40(self.state, made)
        return made

    def set_order_status(
        self, order_id: int, status_id: int, comment: str = "", notify: bool = False
    ) -> None:
        """Add a history entry and change the order's status, like ``api/order/history``."""
        from oc_connector_sandbox.history import add_order_history

        add_order_history(self.state, order_id=order_id, status_id=status_id, comment=comment, notify=notify)

    def delete_order(self, order_id: int) -> None:
        """Delete an order like ``api/order/delete`` (history, totals, ... gone; its vouchers disabled).

        On a 4.0 shop like ``api/sale/order.delete``: its vouchers are deleted too.
        """
        if self.state.version == "4.0":
            from oc_connector_sandbox.v40.orders import delete_order as delete_order40

            delete_order40(self.state, order_id)
            return
        from oc_connector_sandbox.history import delete_order

        delete_order(self.state, order_id)

    def _api_id(self, username: str) -> int:
        rows = self.state.query("SELECT api_id FROM oc_api WHERE username = ?", (username,))
        if not rows:
            raise KeyError(username)
        return int(rows[0]["api_id"])

    def disable_api_user(self, username: str = "Default") -> None:
        """Set the API user's status to 0 (its tokens stop working at once)."""
        self.state.execute("UPDATE oc_api SET status = 0 WHERE username = ?", (username,))

    def enable_api_user(self, username: str = "Default") -> None:
        """Set the API user's status to 1."""
        self.state.execute("UPDATE oc_api SET status = 1 WHERE username = ?", (username,))

    def revoke_ip(self, ip: str = "127.0.0.1", username: str = "Default") -> None:
        """Remove an IP from the API user's allow-list."""
        self.state.execute("DELETE FROM oc_api_ip WHERE api_id = ? AND ip = ?", (self._api_id(username), ip))

    def allow_ip(self, ip: str, username: str = "Default") -> None:
        """Add an IP to the API user's allow-list."""
        self.state.execute("INSERT INTO oc_api_ip (api_id, ip) VALUES (?, ?)", (self._api_id(username), ip))

    def add_api_user(
        self, username: str, key: str, ips: Sequence[str] = ("127.0.0.1",), status: int = 1
    ) -> int:
        """Create an API user with an IP allow-list; returns its api_id."""
        now = self.state.clock.stamp()
        with self.state.lock:
            cur = self.state.db.execute(
                "INSERT INTO oc_api (username, key, status, date_added, date_modified) "
                "VALUES (?, ?, ?, ?, ?)",
                (username, key, status, now, now),
            )
            api_id = int(cur.lastrowid or 0)
            self.state.db.executemany(
                "INSERT INTO oc_api_ip (api_id, ip) VALUES (?, ?)", [(api_id, ip) for ip in ips]
            )
        return api_id

    def _insert(self, table: str, values: Mapping[str, Any]) -> int:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.state.lock:
            cur = self.state.db.execute(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                tuple(values.values()),
            )
        return int(cur.lastrowid or 0)

    def add_customer(
        self,
        *,
        firstname: str = "Test",
        lastname: str = "Customer",
        email: str | None = None,
        telephone: str = "0123456789",
        customer_group_id: int = 1,
        status: int = 1,
        custom_field: Mapping[str, Any] | None = None,
        reward_points: int = 0,
    ) -> int:
        """Create a customer (optionally with reward points); returns customer_id."""
        now = self.state.clock.stamp()
        cid = self._insert(
            "oc_customer",
            {
                "customer_group_id": customer_group_id,
                "firstname": firstname,
                "lastname": lastname,
                "email": email or f"customer{secrets.token_hex(4)}@example.com",
                "telephone": telephone,
                "custom_field": json.dumps(dict(custom_field or {})),
                "status": status,
                "date_added": now,
            },
        )
        if reward_points:
            self._insert(
                "oc_customer_reward",
                {
                    "customer_id": cid,
                    "order_id": 0,
                    "description": "sandbox",
                    "points": reward_points,
                    "date_added": now,
                },
            )
        return cid

    def add_coupon(
        self,
        *,
        code: str,
        name: str | None = None,
        type: str = "P",
        discount: str = "10.0000",
        logged: int = 0,
        shipping: int = 0,
        total: str = "0.0000",
        date_start: str = "2020-01-01",
        date_end: str = "2099-12-31",
        uses_total: int = 100,
        uses_customer: str = "10",
        status: int = 1,
        product_ids: Sequence[int] = (),
    ) -> int:
        """Create a coupon; returns coupon_id."""
        cid = self._insert(
            "oc_coupon",
            {
                "name": name or code,
                "code": code,
                "type": type,
                "discount": discount,
                "logged": logged,
                "shipping": shipping,
                "total": total,
                "date_start": date_start,
                "date_end": date_end,
                "uses_total": uses_total,
                "uses_customer": uses_customer,
                "status": status,
                "date_added": self.state.clock.stamp(),
            },
        )
        for pid in product_ids:
            self._insert("oc_coupon_product", {"coupon_id": cid, "product_id": pid})
        return cid

    def add_voucher(
        self,
        *,
        code: str,
        amount: str = "50.0000",
        from_name: str = "Sandbox",
        from_email: str = "shop@example.com",
        to_name: str = "Friend",
        to_email: str = "friend@example.com",
        voucher_theme_id: int = 8,
        message: str = "",
        status: int = 1,
        order_id: int = 0,
    ) -> int:
        """Create a gift voucher (admin-made unless ``order_id``); returns voucher_id."""
        return self._insert(
            "oc_voucher",
            {
                "order_id": order_id,
                "code": code,
                "from_name": from_name,
                "from_email": from_email,
                "to_name": to_name,
                "to_email": to_email,
                "voucher_theme_id": voucher_theme_id,
                "message": message,
                "amount": amount,
                "status": status,
                "date_added": self.state.clock.stamp(),
            },
        )

    def add_product(
        self,
        *,
        name: str,
        model: str | None = None,
        price: str = "10.0000",
        quantity: int = 100,
        minimum: int = 1,
        shipping: int = 1,
        tax_class_id: int = 0,
        points: int = 0,
        reward: int = 0,
        status: int = 1,
        product_id: int | None = None,
    ) -> int:
        """Create a product in store 0; returns product_id."""
        now = self.state.clock.stamp()
        values: dict[str, Any] = {
            "model": model or name,
            "quantity": quantity,
            "shipping": shipping,
            "price": price,
            "points": points,
            "tax_class_id": tax_class_id,
            "minimum": minimum,
            "status": status,
            "date_added": now,
            "date_modified": now,
        }
        if product_id is not None:
            values["product_id"] = product_id
        pid = self._insert("oc_product", values)
        self._insert("oc_product_description", {"product_id": pid, "language_id": 1, "name": name})
        self._insert("oc_product_to_store", {"product_id": pid, "store_id": 0})
        if reward:
            self._insert("oc_product_reward", {"product_id": pid, "customer_group_id": 1, "points": reward})
        return pid

    def _invalidate_token(self, token: str) -> None:
        self.state.execute("DELETE FROM oc_api_session WHERE session_id = ?", (token,))
