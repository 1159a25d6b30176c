"""What the asset catalog shows: names per shop, kinds, column schemas, run metadata.

The column schemas are the data dictionary's rows (``oc_connector.warehouse.dictionary``, parsed
from ``warehouse/README.md``), so the catalog and the README say the same.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import dagster as dg
import sqlalchemy as sa

from oc_connector.sync.options import SyncOptions, SyncResult
from oc_connector.warehouse.dictionary import dictionary

LEDGER = dg.AssetKey("opencart_voucher_ledger")
"""The reverse-ETL voucher ledger (written by the ``issue_vouchers`` job; not keyed by shop)."""

_ENGINE_KINDS = {"postgresql": "postgres", "sqlite": "sqlite", "duckdb": "duckdb", "mysql": "mysql"}


@dataclass(frozen=True)
class ShopKeys:
    """The Dagster names of one shop: asset keys under the shop key, its resource, jobs, partitions."""

    shop: str

    def asset(self, name: str) -> dg.AssetKey:
        """``<shop>/<name>``."""
        return dg.AssetKey([self.shop, name])

    @property
    def orders(self) -> dg.AssetKey:
        """The shop's rows of ``opencart_orders``."""
        return self.asset("opencart_orders")

    @property
    def history(self) -> dg.AssetKey:
        """The shop's rows of ``opencart_order_history``."""
        return self.asset("opencart_order_history")

    @property
    def backfill(self) -> dg.AssetKey:
        """The id-range re-reads of the shop's orders (dynamic partitions)."""
        return self.asset("opencart_orders_by_id_range")

    @property
    def resource(self) -> str:
        """The key of the shop's ``OpenCartResource``."""
        return f"opencart_{self.shop}"

    @property
    def partitions(self) -> str:
        """The name of the shop's dynamic partitions (order-id ranges)."""
        return f"{self.shop}_order_id_ranges"

    def name(self, what: str) -> str:
        """A job, schedule or sensor name of the shop: ``<shop>_<what>``."""
        return f"{self.shop}_{what}"


def warehouse_kind(url: str) -> str:
    """The kind tag of the warehouse engine (``sqlite``, ``postgres``, ``duckdb``) for a SQLAlchemy URL."""
    try:
        backend = sa.engine.make_url(url).get_backend_name()
    except sa.exc.ArgumentError:
        return "sql"
    return _ENGINE_KINDS.get(backend, backend)


@cache
def column_schema(table: str) -> dg.TableSchema:
    """The documented columns of a table or mart, as Dagster's column schema.

    Built once per table and process: every shop's assets carry the same schemas (a fleet of 20
    shops would otherwise rebuild them for each asset of each shop at every load).
    """
    return dg.TableSchema(
        columns=[dg.TableColumn(d.name, type=d.type or "unknown", description=d.meaning or None)
                 for d in dictionary().get(table, [])]
    )


def table_metadata(table: str) -> dict[str, Any]:
    """Definition metadata of a table asset: its column schema and table name."""
    return {"dagster/column_schema": column_schema(table), "dagster/table_name": table}


def run_metadata(result: SyncResult, *, options: SyncOptions, started: datetime) -> dict[str, Any]:
    """A sync's metadata: its counts, the requests of both channels, the shop's version, the staleness bound.

    On OpenCart 4.0 every read is an admin page (``api_calls`` counts the order pages): no catalog
    call, and the total is every admin request of the run.
    """
    meta: dict[str, Any] = dict(result.as_metadata())
    on40 = result.version == "4.0"
    meta["opencart/version"] = result.version or "unknown"
    meta["catalog_calls"] = 0 if on40 else result.api_calls
    meta["requests_total"] = result.admin_requests if on40 else result.api_calls + result.admin_calls
    meta["data_as_of"] = dg.MetadataValue.timestamp(started.replace(tzinfo=UTC))
    # what a run cannot see: a change to an order already final and older than the lookback
    meta["reread_lookback_days"] = options.lookback.total_seconds() / 86400
    meta["full"] = options.full
    return meta
