"""Shape an ``oc_order`` row the way ``api/order/info`` answers it (spec 4.11): DB strings, decoded JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["ORDER_INFO_KEYS", "Lookups", "order_info"]

_ADDR = (
    "firstname",
    "lastname",
    "company",
    "address_1",
    "address_2",
    "postcode",
    "city",
    "zone_id",
    "zone",
    "zone_code",
    "country_id",
    "country",
    "iso_code_2",
    "iso_code_3",
    "address_format",
    "custom_field",
    "method",
    "code",
)
ORDER_INFO_KEYS: tuple[str, ...] = (
    "order_id",
    "invoice_no",
    "invoice_prefix",
    "store_id",
    "store_name",
    "store_url",
    "customer_id",
    "firstname",
    "lastname",
    "email",
    "telephone",
    "custom_field",
    *(f"payment_{k}" for k in _ADDR),
    *(f"shipping_{k}" for k in _ADDR),
    "comment",
    "total",
    "order_status_id",
    "order_status",
    "affiliate_id",
    "commission",
    "language_id",
    "language_code",
    "currency_id",
    "currency_code",
    "currency_value",
    "ip",
    "forwarded_ip",
    "user_agent",
    "accept_language",
    "date_added",
    "date_modified",
)


class Lookups:
    """Reference data order/info joins in: zones, countries, statuses, languages."""

    def __init__(
        self,
        *,
        zones: Mapping[int, str],
        countries: Mapping[int, tuple[str, str]],
        statuses: Mapping[int, str],
        languages: Mapping[int, str],
        default_language: str,
    ) -> None:
        self.zones, self.countries, self.statuses = zones, countries, statuses
        self.languages, self.default_language = languages, default_language

    @classmethod
    def from_db(cls, db: Any, default_language: str = "en-gb") -> Lookups:
        """Read the lookups from the shop's tables."""
        return cls(
            zones={int(r[0]): str(r[1]) for r in db.execute("SELECT zone_id, code FROM oc_zone")},
            countries={
                int(r[0]): (str(r[1]), str(r[2]))
                for r in db.execute("SELECT country_id, iso_code_2, iso_code_3 FROM oc_country")
            },
            statuses={
                int(r[0]): str(r[1])
                for r in db.execute("SELECT order_status_id, name FROM oc_order_status WHERE language_id = 1")
            },
            languages={int(r[0]): str(r[1]) for r in db.execute("SELECT language_id, code FROM oc_language")},
            default_language=default_language,
        )


def _decode(text: Any) -> Any:
    if not text:
        return None
    try:
        return json.loads(str(text))
    except ValueError:
        return None


def _stored_int(value: Any) -> int | None:
    """The stored integer, or None when the column holds text (a corrupted row, MySQL non-strict)."""
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def order_info(row: Mapping[str, Any], lookups: Lookups) -> dict[str, Any]:
    """Build the ``order`` object of ``api/order/info`` from an ``oc_order`` row.

    Args:
        row: Column name -> value of one ``oc_order`` row.
        lookups: Zones, countries, statuses and languages.

    Returns:
        The object with exactly the keys of spec 4.11, DB values as strings.
    """
    out: dict[str, Any] = {}
    status_id = _stored_int(row["order_status_id"])
    for key in ORDER_INFO_KEYS:
        if key in ("custom_field", "payment_custom_field", "shipping_custom_field"):
            out[key] = _decode(row[key])
        elif key.endswith("_zone_code"):
            out[key] = lookups.zones.get(int(row[key.replace("_code", "_id")]), "")
        elif key.endswith(("_iso_code_2", "_iso_code_3")):
            prefix = key.split("_iso")[0]
            pair = lookups.countries.get(int(row[f"{prefix}_country_id"]), ("", ""))
            out[key] = pair[0] if key.endswith("2") else pair[1]
        elif key == "order_status":
            out[key] = None if status_id is None else lookups.statuses.get(status_id)
        elif key == "language_code":
            out[key] = lookups.languages.get(int(row["language_id"]), lookups.default_language)
        else:
            out[key] = str(row[key])
    return out
