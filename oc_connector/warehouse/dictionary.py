"""The data dictionary (``warehouse/README.md``) read as data: columns, types and meanings.

One parser serves both readers of that file: ``tests/warehouse/test_data_dictionary.py`` checks that
it lists every column of every table and mart (and nothing else), and the Dagster assets show its
rows as their ``dagster/column_schema``. So what a BI user reads in the README and what the asset
catalog shows are the same text.

Layout of the README: ``### <table>`` for a base table, ``## <mart>`` for a mart; in each section a
``| column | type | meaning |`` table. A row's first cell is a plain name or one or more backticked
names (a row grouping several OpenCart columns); its type cell then holds one type per name,
separated by ``;``, or one type for all.

The README sits beside the package in a source checkout. An installed package without it falls
back to the SQLAlchemy schema (names and types of the base tables, no meanings, no marts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["README", "ColumnDoc", "column_rows", "dictionary", "documented", "sections"]

README = Path(__file__).resolve().parents[2] / "warehouse" / "README.md"
"""The data dictionary of a source checkout."""

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_BACKTICKED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class ColumnDoc:
    """One documented column: its name, its type as written, what it means."""

    name: str
    type: str
    meaning: str


def sections(text: str) -> dict[tuple[int, str], list[str]]:
    """(heading level, title) -> the lines up to the next heading of the same or a higher level.

    Raises:
        ValueError: a heading appears twice at the same level.
    """
    lines = text.splitlines()
    heads = [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    out: dict[tuple[int, str], list[str]] = {}
    for n, (start, level, title) in enumerate(heads):
        end = next((i for i, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        if (level, title) in out:
            raise ValueError(f"heading {'#' * level} {title} appears twice")
        out[(level, title)] = lines[start + 1 : end]
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def column_rows(lines: list[str]) -> list[ColumnDoc]:
    """The documented columns of a section's table rows, in order (header and rule skipped)."""
    docs: list[ColumnDoc] = []
    for line in lines:
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        first = cells[0]
        if first == "column" or set(first) <= {"-", ":", " "}:
            continue
        ticked = _BACKTICKED.findall(first)
        names = [n.strip() for n in ticked] if ticked else [first]
        type_text = cells[1] if len(cells) > 1 else ""
        meaning = " | ".join(cells[2:]) if len(cells) > 2 else ""
        types = [t.strip() for t in type_text.split(";")]
        if len(types) != len(names):
            types = [type_text] * len(names)
        docs += [ColumnDoc(name, typ, meaning) for name, typ in zip(names, types, strict=True)]
    return docs


def documented(lines: list[str]) -> list[str]:
    """Column names in the first cells of the section's table rows, in order."""
    return [doc.name for doc in column_rows(lines)]


def _from_schema() -> dict[str, list[ColumnDoc]]:
    from oc_connector.warehouse import schema  # noqa: F401  (defines every table on the MetaData)
    from oc_connector.warehouse.metadata import metadata

    return {
        name: [ColumnDoc(c.name, str(c.type).lower(), c.comment or "") for c in table.columns]
        for name, table in metadata.tables.items()
    }


@cache
def dictionary(path: Path = README) -> dict[str, list[ColumnDoc]]:
    """Table or mart name -> its documented columns (``###`` base tables, ``## mart_*`` marts).

    Args:
        path: the README (default: the checkout's ``warehouse/README.md``).

    Returns:
        The columns per name; without the file, the base tables from the SQLAlchemy schema.
    """
    if not path.is_file():
        return _from_schema()
    found = sections(path.read_text(encoding="utf-8"))
    return {
        title: column_rows(lines)
        for (level, title), lines in found.items()
        if level == 3 or (level == 2 and title.startswith("mart_"))
    }
