"""Build order-history rows: 'observed' from what the API showed, 'admin' from the admin channel."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

__all__ = ["admin_history_rows", "observed_history_row"]


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _missing(value: Any) -> bool:
    """None, or a value unequal to itself (NaN, pandas' NaT); pandas' NA is missing too."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA: its truth value is ambiguous
        return True


def _opt_int(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def observed_history_row(rec: Mapping[str, Any], *, observed_at: datetime) -> dict[str, Any]:
    """One 'observed' row for an order read, keyed by (status id, date_modified).

    Re-reading an unchanged order adds nothing; each change of status or date_modified adds one.

    Args:
        rec: a normalised order (shop, order_id, order_status_id, order_status, date_modified).
        observed_at: naive UTC time of the read.
    """
    modified = rec.get("date_modified")
    changed_at: datetime | None = None
    if not _missing(modified):
        to_python = getattr(modified, "to_pydatetime", None)  # a pandas Timestamp from a frame
        changed_at = to_python() if to_python is not None else modified
    status_id = _opt_int(rec.get("order_status_id"))
    return {
        "shop": rec["shop"],
        "order_id": int(rec["order_id"]),
        "source": "observed",
        "order_status_id": status_id,
        "order_status": rec.get("order_status"),
        "changed_at": changed_at,
        "changed_on": (changed_at or observed_at).date(),
        "comment": "",
        "notify": None,
        "observed_at": observed_at,
        "event_key": _key(status_id, changed_at.isoformat() if changed_at else "-"),
    }


def admin_history_rows(
    *, shop: str, order_id: int, rows: Iterable[Any], observed_at: datetime
) -> list[dict[str, Any]]:
    """Rows from the admin history (day precision: ``changed_on`` only), keyed idempotently.

    Identical entries on the same day are told apart by their occurrence number.

    Args:
        shop: warehouse shop key.
        order_id: the order.
        rows: ``AdminHistoryRow``-like objects (date_added: date, comment, status, notified).
        observed_at: naive UTC time of the read.
    """
    seen: Counter[tuple[Any, ...]] = Counter()
    out: list[dict[str, Any]] = []
    for row in rows:
        day: date = row.date_added
        ident = (day.isoformat(), str(row.status), str(row.comment or ""), bool(row.notified))
        seen[ident] += 1
        out.append(
            {
                "shop": shop,
                "order_id": order_id,
                "source": "admin",
                "order_status_id": None,
                "order_status": str(row.status),
                "changed_at": None,
                "changed_on": day,
                "comment": str(row.comment or ""),
                "notify": bool(row.notified),
                "observed_at": observed_at,
                "event_key": _key(*ident, seen[ident]),
            }
        )
    return out
