"""Voucher code derivation: determinism, alphabet, length, prefix and collisions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oc_connector.errors import ConfigurationError
from oc_connector.reverse.codes import ALPHABET, derive_code, derive_unique_code


def test_same_key_gives_same_code() -> None:
    assert derive_code("campaign-7/row-1") == derive_code("campaign-7/row-1")
    assert derive_code("campaign-7/row-1") != derive_code("campaign-7/row-2")


@given(key=st.text(min_size=1, max_size=64), length=st.integers(min_value=3, max_value=10))
def test_code_uses_alphabet_and_length(key: str, length: int) -> None:
    code = derive_code(key, length=length)
    assert len(code) == length
    assert set(code) <= set(ALPHABET)
    assert not set(code) & set("01ILO")


def test_prefix_is_kept_and_counts_in_length() -> None:
    code = derive_code("k", prefix="gv", length=8)
    assert code.startswith("GV") and len(code) == 8
    assert code[2:] == derive_code("k", prefix="", length=6)


@pytest.mark.parametrize(
    ("prefix", "length"), [("", 2), ("", 11), ("O1", 8), ("ABCDEFGHJ", 10)]
)
def test_bad_settings_are_configuration_errors(prefix: str, length: int) -> None:
    with pytest.raises(ConfigurationError):
        derive_code("k", prefix=prefix, length=length)


def test_collision_moves_to_next_salt_deterministically() -> None:
    first = derive_code("key-1")
    second = derive_code("key-1", salt=1)
    assert first != second
    assert derive_unique_code("key-1", taken=lambda c: c == first) == second
    assert derive_unique_code("key-1", taken=lambda c: False) == first


def test_every_round_taken_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="no free voucher code"):
        derive_unique_code("key-1", taken=lambda c: True, max_rounds=3)


def test_codes_of_many_keys_rarely_collide() -> None:
    codes = {derive_code(f"row-{i}") for i in range(2000)}
    assert len(codes) == 2000
