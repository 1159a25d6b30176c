"""Order-id-range partitions that follow the shop: one dynamic partition per ``size`` ids.

A range is ``"<first>-<last>"``, always ``size`` ids wide (``1-10000``, ``10001-20000``, ...), so a
key never changes as the shop grows: the ranges up to the one holding the high-water mark exist,
and every id up to the newest order belongs to one of them. The sync adds the missing ones after
each run; the sensor adds them from the warehouse's mark (a sync run by the CLI, say).
"""

from collections.abc import Sequence

import dagster as dg

from oc_connector.orchestration.metadata import ShopKeys
from oc_connector.orchestration.resources import WarehouseResource
from oc_connector.settings import ShopConfig
from oc_connector.sync.state import read_hwm


def id_ranges(*, size: int, max_id: int) -> list[str]:
    """Partition keys covering ``1..max_id``: ranges of ``size`` ids, the last one full width."""
    return [f"{lo}-{lo + size - 1}" for lo in range(1, max_id + 1, size)]


def parse_range(key: str) -> tuple[int, int]:
    """``"first-last"`` -> (first, last).

    Raises:
        ValueError: not such a key.
    """
    first, sep, last = key.partition("-")
    if not sep or not first.isdigit() or not last.isdigit() or int(first) > int(last):
        raise ValueError(f"not an id range: {key!r} (expected first-last, e.g. 1-10000)")
    return int(first), int(last)


def order_id_partitions(shop: ShopConfig) -> dg.DynamicPartitionsDefinition:
    """The shop's dynamic partitions (filled by :func:`missing_ranges`)."""
    return dg.DynamicPartitionsDefinition(name=ShopKeys(shop.key).partitions)


def missing_ranges(existing: Sequence[str], *, size: int, max_id: int) -> list[str]:
    """The ranges up to ``max_id`` not in ``existing`` (the newest last)."""
    have = set(existing)
    return [k for k in id_ranges(size=size, max_id=max_id) if k not in have]


def add_missing_ranges(instance: dg.DagsterInstance, shop: ShopConfig, *, max_id: int) -> list[str]:
    """Add the ranges up to ``max_id`` the instance lacks; return those added."""
    name = ShopKeys(shop.key).partitions
    added = missing_ranges(instance.get_dynamic_partitions(name), size=shop.partition_size, max_id=max_id)
    if added:
        instance.add_dynamic_partitions(name, added)
    return added


def partitions_sensor(shop: ShopConfig) -> dg.SensorDefinition:
    """``<shop>_order_id_ranges_sensor``: adds the ranges up to the warehouse's high-water mark."""
    keys = ShopKeys(shop.key)
    partitions = order_id_partitions(shop)

    @dg.sensor(
        name=keys.name("order_id_ranges_sensor"),
        minimum_interval_seconds=300,
        description=f"Adds {shop.key}'s order-id ranges up to the synced high-water mark.",
        default_status=dg.DefaultSensorStatus.STOPPED,
    )
    def _sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
        with warehouse.get_engine().connect() as conn:
            hwm = read_hwm(conn, shop=shop.key)
        existing = context.instance.get_dynamic_partitions(keys.partitions)
        added = missing_ranges(existing, size=shop.partition_size, max_id=hwm)
        requests = [partitions.build_add_request(added)] if added else []
        return dg.SensorResult(dynamic_partitions_requests=requests)

    return _sensor
