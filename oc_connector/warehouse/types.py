"""Exact decimal columns on every warehouse engine: :class:`ExactDecimal`, and the SQL to sum them.

PostgreSQL and DuckDB store ``NUMERIC(p, s)`` / ``DECIMAL(p, s)`` exactly, and the type is a plain
``Numeric`` there. SQLite has no decimal type: a column declared ``NUMERIC`` gets REAL affinity and
keeps most amounts as binary floating point (``typeof(total)`` is ``real``; sums drift to
``197.0535032172``). On SQLite the column is therefore declared ``DECIMAL_TEXT(p, s)`` (TEXT
affinity: SQLite never converts the value) and holds the canonical decimal text, always with ``s``
decimals: ``'197.0535'``, ``'-5.0000'``. Equality with a bound value is exact (both sides are the
canonical text), and a number written by another tool in plain SQL becomes its shortest decimal
text, which is exact for the 15 significant digits a ``NUMERIC(15, s)`` holds.

Python always sees :class:`decimal.Decimal`. In SQL on SQLite, the marts sum these columns exactly
as integers of ``10**-s`` units (:func:`scaled_integer_sql`): a value of at most 15 significant
digits parsed as a double and multiplied by ``10**s`` is within 0.25 of the integer, so rounding it
recovers the exact amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeDecorator, UserDefinedType

__all__ = ["ExactDecimal", "SQLiteDecimalText", "scaled_integer_sql"]


class SQLiteDecimalText(UserDefinedType[str]):
    """The SQLite storage of :class:`ExactDecimal`: ``DECIMAL_TEXT(p, s)``, which has TEXT affinity."""

    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        self.precision = precision
        self.scale = scale

    def get_col_spec(self, **kw: Any) -> str:
        """The declared type: ``DECIMAL_TEXT(p, s)``."""
        return f"DECIMAL_TEXT({self.precision}, {self.scale})"


@compiles(SQLiteDecimalText)
def _compile_default(element: SQLiteDecimalText, compiler: Any, **kw: Any) -> str:
    # only SQLite ever gets this type (ExactDecimal.load_dialect_impl); named for the DDL of any dialect
    return element.get_col_spec()


class ExactDecimal(TypeDecorator[Decimal]):
    """``NUMERIC(precision, scale)``, exact on SQLite too, and :class:`~decimal.Decimal` in Python.

    Values are rounded half away from zero to ``scale`` decimals on the way in (what PostgreSQL's
    ``numeric(p, s)`` does), on every engine. Floats are taken by their shortest decimal text
    (``0.1`` is ``Decimal('0.1')``), never by their binary value.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision, scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        """``DECIMAL_TEXT(p, s)`` on SQLite, ``NUMERIC(p, s)`` elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(SQLiteDecimalText(self.precision, self.scale))
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def _exact(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise TypeError(f"not an amount: {value!r}")
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
            if not number.is_finite():
                raise ValueError(f"not a finite amount: {value!r}")
            exact = number.quantize(self._quantum, rounding=ROUND_HALF_UP)
            # no negative zero: on SQLite '-0.0000' would compare below 0 and differ from '0.0000'
            return exact.copy_abs() if exact.is_zero() else exact
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {value!r}") from exc

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        """The value at the column's scale: canonical text on SQLite, a Decimal elsewhere."""
        if value is None:
            return None
        exact = self._exact(value)
        return format(exact, "f") if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        """The stored value as a Decimal at the column's scale."""
        if value is None:
            return None
        return self._exact(value)

    @property
    def python_type(self) -> type[Decimal]:
        """Always :class:`~decimal.Decimal`."""
        return Decimal


def scaled_integer_sql(expr: str, *, scale: int, dialect: str) -> str:
    """SQL for ``expr * 10**scale`` as an exact integer, for an :class:`ExactDecimal` column expression.

    On SQLite the decimal text goes through a double and is rounded back (exact for 15 significant
    digits, see the module docstring); elsewhere the decimal arithmetic is exact already.

    Args:
        expr: a column expression (trusted SQL text from the mart definitions).
        scale: the column's scale.
        dialect: SQLAlchemy dialect name.
    """
    factor = 10**scale
    if dialect == "sqlite":
        return f"CAST(ROUND(CAST({expr} AS REAL) * {factor}) AS INTEGER)"
    return f"CAST(ROUND({expr} * {factor}) AS BIGINT)"
