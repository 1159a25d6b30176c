"""Amounts as the admin pages display them, read back into ``Decimal`` (spec 10.7 "Money").

The shop formats every amount with the currency's left or right symbol, ``,`` between
thousands and ``.`` before the decimals (en-gb, whatever the currency), and puts a minus
sign after a left symbol and before the number when the symbol is on the right:
``$1,106.00``, ``£-19.72``, ``788.52€``, ``-6.13€``, ``US $366.00``, ``12.00 лв.``.
Anything else is refused rather than guessed at: a wrong amount loaded into a warehouse is
worse than a loud error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from oc_connector.errors import AdminPageError

__all__ = ["DisplayedMoney", "parse_money", "read_money"]

# left symbol, optional sign, the number (grouped by 3 with ",", or plain), right symbol. A symbol
# is the currency's free text (``$``, ``US $``, ``CHF ``, ``Fr.``, `` лв.``): anything but digits
# and the minus sign, so a number in another format leaves digits in a symbol and is refused.
_MONEY = re.compile(
    r"""^(?P<left>[^\d-]*?)
        (?P<sign>-)?
        (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
        (?P<right>[^\d-]*)$""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class DisplayedMoney:
    """One displayed amount: the text as shown, its value, and the symbols around it."""

    text: str
    value: Decimal
    symbol_left: str
    symbol_right: str


def read_money(text: str, *, page: str, field: str) -> DisplayedMoney:
    """Read a displayed amount, keeping its currency symbols.

    Args:
        text: The cell text (surrounding white space is ignored).
        page: The page it comes from (for the error).
        field: The field it is (for the error).

    Returns:
        The amount with its text and symbols.

    Raises:
        AdminPageError: Empty, not in the shop's format (``1.234,56``, ``1,23``, ``-$5``,
            ``$5€``), or without a number.
    """
    shown = " ".join(text.split())
    match = _MONEY.match(shown)
    if match is None:
        raise AdminPageError(f"unreadable amount {shown!r}", page=page, field=field)
    left, right = match.group("left") or "", match.group("right") or ""
    if left and right:
        raise AdminPageError(f"amount {shown!r} has symbols on both sides", page=page, field=field)
    value = Decimal(match.group("number").replace(",", ""))
    if match.group("sign"):
        value = -value
    return DisplayedMoney(text=shown, value=value, symbol_left=left, symbol_right=right)


def parse_money(text: str, *, page: str, field: str) -> Decimal:
    """The value of a displayed amount (see :func:`read_money`).

    Raises:
        AdminPageError: The text is not an amount in the shop's format.
    """
    return read_money(text, page=page, field=field).value
