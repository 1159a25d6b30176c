"""Coercion of the strings OpenCart sends (DB columns as text) into Python values.

Every function takes anything and returns ``None`` for missing/empty/zero-date input instead of
raising on the empty cases; malformed non-empty input raises ``ValueError``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["to_datetime", "to_decimal", "to_int"]

_ZERO_DATES = ("0000-00-00", "0000-00-00 00:00:00")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def to_int(v: Any) -> int | None:
    """Return ``v`` as an int, ``None`` when missing or empty.

    Args:
        v: an int, a numeric string (``"12"``) or ``None``.
    """
    if _blank(v) or isinstance(v, bool):
        return None if not isinstance(v, bool) else int(v)
    if isinstance(v, int):
        return v
    return int(str(v).strip())


def to_decimal(v: Any) -> Decimal | None:
    """Return ``v`` as a Decimal (exact, from its text), ``None`` when missing or empty."""
    if _blank(v):
        return None
    try:
        return Decimal(str(v).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {str(v)[:40]!r}") from exc


def to_datetime(v: Any) -> datetime | None:
    """Parse ``"YYYY-MM-DD HH:MM:SS"``; MySQL's zero date and empty values give ``None``."""
    if _blank(v):
        return None
    if isinstance(v, datetime):
        return v
    text = str(v).strip()
    if text in _ZERO_DATES or text.startswith("0000-00-00"):
        return None
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")

