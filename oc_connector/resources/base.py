"""What every resource shares: the channel a verb used, its results and the argument checks.

A verb answers with one of three results, each naming the ``channel`` that answered:

* :class:`Found` -- ``read``: the record;
* :class:`Rows` -- ``query``: an iterable of records, fetched lazily (a page at a time), with
  ``as_of`` set when the answer comes from the warehouse (the end of the last sync) rather than
  from the shop itself;
* :class:`Written` -- ``create`` / ``update`` / ``upsert``: the record's id and the ``action``
  taken (``create``, ``update`` or ``none`` when the shop already held what was asked).

Channels, cheapest first for what they can answer: ``api`` (the catalog API's JSON), ``admin``
(the admin pages), ``warehouse`` (the synced tables). Checks raise
:class:`~oc_connector.errors.ValidationError` with a field map, before any call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Literal, TypeVar

from oc_connector.errors import ConfigurationError, ValidationError

__all__ = [
    "Channel", "Found", "Rows", "Written", "check_date", "check_decimal", "check_id", "check_keys",
    "check_range", "refuse", "require",
]

Channel = Literal["api", "admin", "warehouse"]
"""Which way a verb reached its answer."""

T = TypeVar("T")
C = TypeVar("C")


@dataclass(frozen=True)
class Found(Generic[T]):
    """The answer of ``read``: the record and the channel that gave it."""

    value: T
    channel: Channel
    id: int | None = None
    """The shop's id of the record (a coupon's or voucher's, read by code)."""


@dataclass(frozen=True)
class Written:
    """The answer of a write verb.

    Attributes:
        id: the shop's id of the record written (or found).
        action: ``create``, ``update`` or ``none`` (the shop already held it as asked).
        channel: the channel written through.
        key: the natural key the record was written by (coupon/voucher code, order key).
    """

    id: int | None
    action: str
    channel: Channel
    key: str | None = None


@dataclass(frozen=True)
class Rows(Generic[T]):
    """The answer of ``query``: iterate it to fetch the records, lazily.

    Attributes:
        channel: where the records come from.
        as_of: for the warehouse, the end of the last sync the records are as of (shop-local,
            naive, as the warehouse stores it); None when the shop itself answered.
    """

    channel: Channel
    fetch: Callable[[], Iterator[T]] = field(repr=False)
    as_of: datetime | None = None

    def __iter__(self) -> Iterator[T]:
        return self.fetch()

    def all(self) -> list[T]:
        """Every record (fetches every page)."""
        return list(self.fetch())


def refuse(message: str, fields: Mapping[str, str]) -> ValidationError:
    """A ValidationError naming the fields (raised before any call)."""
    return ValidationError(message, fields=fields)


def require(client: C | None, what: str, verb: str) -> C:
    """The client a verb needs, or a ConfigurationError saying which one is missing."""
    if client is None:
        raise ConfigurationError(f"{verb} needs {what}, which is not configured")
    return client


def check_keys(given: Iterable[str], allowed: Iterable[str], verb: str) -> None:
    """Refuse unknown field names."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise refuse(f"{verb}: unknown fields {', '.join(unknown)}", {k: "unknown field" for k in unknown})


def check_date(name: str, value: Any) -> date | None:
    """A ``date`` argument (a ``datetime`` is refused: the lists show days only)."""
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise refuse(f"{name} must be a date", {name: "date"})
    return value


def check_decimal(name: str, value: Any) -> Decimal | None:
    """A money argument as a Decimal."""
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise refuse(f"{name} must be a number", {name: "number"}) from None
    if not number.is_finite():
        raise refuse(f"{name} must be a finite number", {name: "number"})
    return number


def check_range(name: str, low: Any, high: Any) -> None:
    """Refuse a range whose low end is above its high end."""
    if low is not None and high is not None and low > high:
        raise refuse(f"{name}: the start is after the end", {name: "empty range"})


def check_id(name: str, value: Any) -> int:
    """A positive integer id."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise refuse(f"{name} must be a positive integer", {name: "positive integer"})
    return value
