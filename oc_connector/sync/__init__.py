"""The order pull: orders, their history and deletions from the shop into the warehouse.

:class:`OrderSync` runs an incremental sync (``run``) or an id-range backfill (``backfill``);
the modules beside it each do one step: ``fetch`` (concurrent reads), ``normalize`` (typed
rows, or frames), ``load`` (upserts), ``history``, ``commit`` (the batch writer), ``state`` (high-water
mark and run stats), ``locks`` (one sync per shop, one backfill per id range), ``queries``,
``shop40`` (the admin-page reads of an OpenCart 4.0 shop).
"""

from oc_connector.sync.options import SyncOptions, SyncProgress, SyncResult
from oc_connector.sync.run import OrderSync

__all__ = ["OrderSync", "SyncOptions", "SyncProgress", "SyncResult"]
