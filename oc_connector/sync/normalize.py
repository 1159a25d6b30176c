"""Normalise raw ``order/info`` dicts into typed rows (or a typed pandas DataFrame), quarantining bad ones.

:func:`normalize_order_rows` is what the sync loads: plain dicts of Python values (``int``,
``Decimal``, ``str``, naive ``datetime``), without pandas, which the sync's process then never
imports. :func:`normalize_orders` builds the same rows into a DataFrame with pinned dtypes.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import orjson

from oc_connector.api.order_fields import (
    DATE_FIELDS,
    INT_FIELDS,
    JSON_FIELDS,
    MONEY_FIELDS,
    RATE_FIELDS,
    TEXT_FIELDS,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ORDER_COLUMNS",
    "Normalized",
    "NormalizedRows",
    "QuarantinedRow",
    "content_hash",
    "normalize_order_rows",
    "normalize_orders",
]

ORDER_COLUMNS: tuple[str, ...] = (
    "shop",
    "order_id",
    *INT_FIELDS,
    *MONEY_FIELDS,
    *RATE_FIELDS,
    *TEXT_FIELDS,
    *JSON_FIELDS,
    "date_added",
    "date_modified",
    "date_added_utc",
    "date_modified_utc",
    "_raw",
    "_hash",
)
_ZERO_DATES = {"", "0000-00-00", "0000-00-00 00:00:00"}
_DECIMAL_FIELDS = (*MONEY_FIELDS, *RATE_FIELDS)


@dataclass(frozen=True)
class QuarantinedRow:
    """An order that could not be normalised, with the reason and its raw JSON."""

    entity_id: str
    reason: str
    raw: str


@dataclass(frozen=True)
class Normalized:
    """A chunk of normalised orders plus the rows set aside."""

    frame: pd.DataFrame
    quarantined: list[QuarantinedRow]


@dataclass(frozen=True)
class NormalizedRows:
    """A chunk of normalised orders as dicts keyed by :data:`ORDER_COLUMNS`, plus the rows set aside."""

    rows: list[dict[str, Any]]
    quarantined: list[QuarantinedRow]


def content_hash(raw: Mapping[str, Any]) -> str:
    """SHA-256 of the order's JSON as stored in ``_raw``: equal hashes mean an unchanged order."""
    return _hash_text(_dump(raw))


def _dump(raw: Mapping[str, Any]) -> str:
    """Compact JSON, byte for byte ``json.dumps(raw, ensure_ascii=False, separators=(",", ":"))``.

    orjson writes the same text for what ``order/info`` holds (strings, ints, lists, dicts) several
    times faster; floats (repr vs shortest form), non-string keys, ints past 64 bits, NaN and lone
    surrogates are left to ``json``, so the content hash of an order never changes.
    """
    if _orjson_safe(raw):
        try:
            return orjson.dumps(raw).decode("utf-8")
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def _orjson_safe(value: Any) -> bool:
    """True when orjson's text for ``value`` equals json's: str keys, no floats, no subclasses."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-(2**63) <= value < 2**64)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            if type(item) is str or item is None:  # nearly every value of an order: decided here
                continue
            if not _orjson_safe(item):
                return False
        return True
    if kind is list:
        return all(_orjson_safe(v) for v in value)
    return False


def _hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{name}: not an integer: {type(value).__name__}")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}: not an integer: {str(value)[:40]!r}") from None


def _decimal(value: Any, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{name}: not a number: {type(value).__name__}")
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name}: not a number: {str(value)[:40]!r}") from None
    if not out.is_finite():
        raise ValueError(f"{name}: not a finite number: {str(value)[:40]!r}")
    return out


def _datetime(value: Any, name: str) -> datetime | None:
    if value is None or (isinstance(value, str) and value.strip() in _ZERO_DATES):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name}: not a date: {type(value).__name__}")
    text = value.strip()
    try:
        if len(text) != 19 or text[10] != " ":
            raise ValueError(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: bad date: {value[:40]!r}") from None


def _text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise ValueError(f"{name}: not text: {type(value).__name__}")
    return html.unescape(str(value))


def _json(value: Any, name: str) -> str:
    if value == [] and type(value) is list:  # nearly every order: no custom field
        return "[]"
    if isinstance(value, str):  # OpenCart stores custom fields as JSON text in some versions
        try:
            value = json.loads(value) if value else []
        except ValueError:
            raise ValueError(f"{name}: not JSON: {value[:40]!r}") from None
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _to_utc(local: datetime | None, zone: ZoneInfo | None) -> datetime | None:
    """Shop-local -> naive UTC (``zone`` None: the shop runs on UTC).

    A repeated hour takes its first (DST) reading; a time skipped by a DST gap moves forward to the
    end of the gap, the transition itself (as pandas' ``nonexistent="shift_forward"`` does where the
    gap is a whole hour on the hour; in the rare others, 30-minute or midnight-and-a-minute gaps,
    pandas lands past the end of the gap).
    """
    if local is None or zone is None:
        return local
    utc = local.replace(tzinfo=zone).astimezone(UTC)  # fold 0: the first reading of a repeated hour
    if utc.astimezone(zone).replace(tzinfo=None) == local:
        return utc.replace(tzinfo=None)
    # no such wall time: the first whole second whose wall time is at or after it (the transition)
    lo = int(local.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    hi = int(utc.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= local:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC).replace(tzinfo=None)


def _row(
    raw: Mapping[str, Any], *, shop: str, requested: int | None, zone: ZoneInfo | None
) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"order is not an object: {type(raw).__name__}")
    order_id = _int(raw.get("order_id"), "order_id")
    if order_id is None:
        raise ValueError("order_id: missing")
    if requested is not None and order_id != requested:
        # loading it would overwrite another order's row with this body
        raise ValueError(f"order_id: the shop answered order {order_id} when asked for {requested}")
    row: dict[str, Any] = {"shop": shop, "order_id": order_id}
    # the common values (digit strings, plain text) are decided inline: ~45 calls less per order
    for name in INT_FIELDS:
        value = raw.get(name)
        if type(value) is str and value.isascii() and value.isdigit():
            row[name] = int(value)
        else:
            row[name] = _int(value, name)
    for name in _DECIMAL_FIELDS:
        row[name] = _decimal(raw.get(name), name)
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if type(value) is str:
            row[name] = html.unescape(value) if "&" in value else value
        else:
            row[name] = _text(value, name)
    for name in JSON_FIELDS:
        row[name] = _json(raw.get(name, []), name)
    added = row["date_added"] = _datetime(raw.get("date_added"), "date_added")
    modified = row["date_modified"] = _datetime(raw.get("date_modified"), "date_modified")
    row["date_added_utc"] = _to_utc(added, zone)
    row["date_modified_utc"] = _to_utc(modified, zone)
    row["_raw"] = text = _dump(raw)
    row["_hash"] = _hash_text(text)
    return row


def _entity_id(raw: Any, requested: int | None) -> str:
    """The quarantine key: the id the caller asked for; else the body's own id; else ``?``."""
    if requested is not None:
        return str(requested)
    if isinstance(raw, Mapping) and raw.get("order_id") not in (None, ""):
        return str(raw["order_id"])[:64]
    return "?"


def _raw_json(raw: Any) -> str:
    try:
        return json.dumps(raw, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return json.dumps(repr(raw))


def normalize_order_rows(
    raws: Iterable[Mapping[str, Any]],
    *,
    shop: str = "default",
    timezone: str = "UTC",
    requested_ids: Sequence[int] | None = None,
) -> NormalizedRows:
    """Turn raw ``order/info`` bodies (the ``order`` object) into rows of typed Python values.

    Each row is a dict with the keys of :data:`ORDER_COLUMNS`, in that order: ids and integers
    ``int`` (or None); money and rates ``Decimal`` (never float); local and UTC timestamps naive
    ``datetime`` (zero dates None; a local time in a DST gap moves forward to the end of the gap,
    a repeated hour takes its first reading); texts HTML-unescaped with empty strings kept
    distinct from None; custom fields as JSON text; ``_raw`` keeps the order as received and
    ``_hash`` its content hash.

    Args:
        raws: the order objects, as decoded from JSON.
        shop: the warehouse's shop key.
        timezone: IANA name of the shop's local timezone (for the ``*_utc`` columns).
        requested_ids: the order id each body was fetched for, in the same order as ``raws``.
            A bad body is then quarantined under the id that was asked for (a body without a
            usable ``order_id`` would otherwise be keyed ``?``), and a body answering for another
            id is quarantined instead of loaded over that other order.

    Returns:
        The good rows and the list of quarantined rows, each with its reason.

    Raises:
        ValueError: ``requested_ids`` and ``raws`` differ in length.
    """
    zone = ZoneInfo(timezone)  # an unknown zone fails here, before any row is read
    pairs: Iterable[tuple[Any, int | None]] = (
        zip(raws, requested_ids, strict=True) if requested_ids is not None else ((r, None) for r in raws)
    )
    tz = None if timezone == "UTC" else zone
    rows: list[dict[str, Any]] = []
    bad: list[QuarantinedRow] = []
    for raw, requested in pairs:
        try:
            rows.append(_row(raw, shop=shop, requested=requested, zone=tz))
        except ValueError as exc:
            bad.append(
                QuarantinedRow(entity_id=_entity_id(raw, requested), reason=str(exc), raw=_raw_json(raw))
            )
    return NormalizedRows(rows=rows, quarantined=bad)


def normalize_orders(
    raws: Iterable[Mapping[str, Any]],
    *,
    shop: str = "default",
    timezone: str = "UTC",
    requested_ids: Sequence[int] | None = None,
) -> Normalized:
    """Turn raw ``order/info`` bodies (the ``order`` object) into a typed DataFrame.

    The rows of :func:`normalize_order_rows` with pinned dtypes: ids and integers ``Int64``;
    money and rates ``Decimal`` objects (never float); local and UTC timestamps
    ``datetime64[us]`` (zero dates are ``NaT``); texts, custom fields, ``_raw`` and ``_hash`` as
    objects (a null text is None, never NaN).

    Args:
        raws: the order objects, as decoded from JSON.
        shop: the warehouse's shop key.
        timezone: IANA name of the shop's local timezone (for the ``*_utc`` columns).
        requested_ids: the order id each body was fetched for (see :func:`normalize_order_rows`).

    Returns:
        The frame of good rows and the list of quarantined rows, each with its reason.

    Raises:
        ValueError: ``requested_ids`` and ``raws`` differ in length.
    """
    import pandas as pd  # only for callers who want frames: the sync loads the rows

    norm = normalize_order_rows(raws, shop=shop, timezone=timezone, requested_ids=requested_ids)
    frame = pd.DataFrame.from_records(norm.rows, columns=list(ORDER_COLUMNS))
    frame["shop"] = frame["shop"].astype(object)
    for name in ("order_id", *INT_FIELDS):
        frame[name] = frame[name].astype("Int64")
    for name in (*MONEY_FIELDS, *RATE_FIELDS, *TEXT_FIELDS, *JSON_FIELDS, "_raw", "_hash"):
        col = frame[name]
        if col.dtype != object:
            # pandas 3 infers a ``str`` dtype for text with gaps and turns None into NaN, which
            # PostgreSQL would store as the text 'NaN': back to object with a real None
            col = col.astype(object)
            col = col.where(col.notna(), None)
        frame[name] = col
    for name in DATE_FIELDS:
        for column in (name, f"{name}_utc"):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return Normalized(frame=frame, quarantined=norm.quarantined)
