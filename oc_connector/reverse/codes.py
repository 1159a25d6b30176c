"""Deterministic voucher codes derived from a request key: the code is the idempotency key.

The alphabet leaves out look-alikes (0/O, 1/I/L) so a code read aloud or typed is unambiguous.
The same key, prefix, length and salt always give the same code; a collision with a code already
taken by another request is resolved by re-deriving with the next salt, so the result stays stable
for a given set of taken codes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from oc_connector.errors import ConfigurationError

__all__ = ["ALPHABET", "MAX_CODE_LENGTH", "MIN_CODE_LENGTH", "derive_code", "derive_unique_code"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Characters a derived code uses: digits and upper-case letters without 0, 1, I, L, O."""

MIN_CODE_LENGTH = 3
MAX_CODE_LENGTH = 10  # oc_voucher.code is varchar(10)


def derive_code(request_key: str, *, prefix: str = "", length: int = 10, salt: int = 0) -> str:
    """Derive the voucher code for a request key.

    Args:
        request_key: the stable key of the request.
        prefix: optional shop-wide prefix (characters of :data:`ALPHABET`), part of ``length``.
        length: total code length, 3..10.
        salt: collision round; 0 for the first choice.

    Returns:
        The code, ``prefix`` followed by hash-derived characters from :data:`ALPHABET`.

    Raises:
        ConfigurationError: bad length, bad prefix, or no room left after the prefix.
    """
    if not MIN_CODE_LENGTH <= length <= MAX_CODE_LENGTH:
        raise ConfigurationError(f"code length must be {MIN_CODE_LENGTH}..{MAX_CODE_LENGTH}, got {length}")
    prefix = prefix.upper()
    bad = sorted({c for c in prefix if c not in ALPHABET})
    if bad:
        raise ConfigurationError(f"code prefix has characters outside the code alphabet: {''.join(bad)!r}")
    room = length - len(prefix)
    if room < 2:
        raise ConfigurationError(
            f"code prefix {prefix!r} leaves fewer than 2 characters of a {length}-char code"
        )
    digest = hashlib.sha256(f"{salt}\x00{request_key}".encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(room):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return prefix + "".join(chars)


def derive_unique_code(
    request_key: str,
    *,
    taken: Callable[[str], bool],
    prefix: str = "",
    length: int = 10,
    max_rounds: int = 20,
) -> str:
    """Derive a code that ``taken`` reports as free (compares case-insensitively upstream).

    Args:
        request_key: the stable key of the request.
        taken: returns True when the code already belongs to another request or voucher.
        prefix: optional shop-wide prefix.
        length: total code length.
        max_rounds: how many salts to try before giving up.

    Returns:
        The first free code in salt order.

    Raises:
        ConfigurationError: every round collided (code space too small for the prefix/length).
    """
    for salt in range(max_rounds):
        code = derive_code(request_key, prefix=prefix, length=length, salt=salt)
        if not taken(code):
            return code
    raise ConfigurationError(
        f"no free voucher code after {max_rounds} rounds: use a longer code or a shorter prefix"
    )
