"""The warehouse data dictionary: every table and mart column with its type and meaning.

The single source is ``dictionary.json`` beside this module (installed with the package). It reaches:

* readers, through the tables of ``warehouse/README.md``, rewritten from it by
  ``python -m oc_connector.warehouse.dictionary warehouse/README.md`` (a test keeps them equal, and
  checks that the dictionary lists exactly the columns of each table and mart);
* the database, as table, view and column comments where the engine has them (PostgreSQL and
  DuckDB ``COMMENT ON``), applied by every :func:`oc_connector.warehouse.migrate.upgrade`;
* orchestration, through :func:`dictionary` / :func:`columns` (Dagster's ``dagster/column_schema``),
  in an installed package too (the README is not installed with the wheel).

The README helpers (:func:`sections`, :func:`column_rows`, :func:`documented`) read a README's
sections back, for the test that compares it with the schema and the mart views.

Each entry is a table (``kind`` ``table``) or a mart view (``mart``) with a one-paragraph
``description`` and the README's ``rows``: one row documents one column, or several OpenCart
columns that share a meaning (``names``).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from oc_connector.warehouse.migrate import register_view_hook, schema_version_table
from oc_connector.warehouse.schema import metadata

__all__ = [
    "DICTIONARY_FILE",
    "README",
    "ColumnDoc",
    "DictionaryRow",
    "ObjectDoc",
    "column_rows",
    "columns",
    "comment_on",
    "describe",
    "dictionary",
    "documented",
    "entries",
    "render_rows",
    "rewrite_readme",
    "sections",
]

DICTIONARY_FILE = Path(__file__).with_name("dictionary.json")
README = Path(__file__).resolve().parents[2] / "warehouse" / "README.md"
"""The README of a source checkout (rendered from :data:`DICTIONARY_FILE`)."""
COMMENT_DIALECTS = ("postgresql", "duckdb")
"""Engines that keep table and column comments (SQLite has none)."""


@dataclass(frozen=True)
class ColumnDoc:
    """One documented column: its name, its type as written, what it means."""

    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class DictionaryRow:
    """One row of a section's table: the column(s), the type text and the meaning."""

    names: tuple[str, ...]
    type: str
    meaning: str


@dataclass(frozen=True)
class ObjectDoc:
    """A documented table or mart."""

    name: str
    kind: str
    description: str
    rows: tuple[DictionaryRow, ...]


@cache
def entries() -> dict[str, ObjectDoc]:
    """Every documented table and mart, by name (read once from :data:`DICTIONARY_FILE`)."""
    raw = json.loads(DICTIONARY_FILE.read_text(encoding="utf-8"))
    return {
        name: ObjectDoc(
            name=name,
            kind=str(body["kind"]),
            description=str(body["description"]),
            rows=tuple(
                DictionaryRow(tuple(r["names"]), str(r["type"]), str(r["meaning"])) for r in body["rows"]
            ),
        )
        for name, body in raw.items()
    }


def _entry(name: str) -> ObjectDoc:
    try:
        return entries()[name]
    except KeyError:
        raise KeyError(f"{name!r} is neither a warehouse table nor a mart") from None


def describe(name: str) -> str:
    """The one-paragraph description of a table or mart.

    Raises:
        KeyError: not a documented table or mart.
    """
    return _entry(name).description


def _tables() -> dict[str, sa.Table]:
    return {**metadata.tables, schema_version_table.name: schema_version_table}


def _row_docs(row: DictionaryRow, table: sa.Table | None) -> list[ColumnDoc]:
    """A row's columns: one type per name when the type cell lists one each (``bigint; text``)."""
    types = [t.strip() for t in row.type.split(";")]
    if len(row.names) == 1:
        types = [row.type]
    elif len(types) != len(row.names):
        if table is not None:  # a shared cell such as "bigint NULL; text NULL": each column's own type
            types = []
            for name in row.names:
                column = table.c[name]
                text = str(column.type.compile(dialect=_portable())).lower().replace(", ", ",")
                types.append(text + (" NULL" if column.nullable else ""))
        else:
            types = [row.type] * len(row.names)
    return [ColumnDoc(name, typ, row.meaning) for name, typ in zip(row.names, types, strict=True)]


def columns(name: str) -> list[ColumnDoc]:
    """The columns of a table or mart, in the dictionary's order: ``(name, type, meaning)``.

    A table column's type is its portable SQL type (``bigint``, ``numeric(15,4)``, with ``NULL``
    when nullable); a mart column's the type the mart declares. A grouped row gives each of its
    columns the row's meaning.

    Args:
        name: a table (``opencart_orders``) or mart (``mart_daily_sales``) name.

    Raises:
        KeyError: not a documented table or mart.
    """
    entry = _entry(name)
    table = _tables().get(name) if entry.kind == "table" else None
    return [doc for row in entry.rows for doc in _row_docs(row, table)]


def dictionary(path: Path | None = None) -> dict[str, list[ColumnDoc]]:
    """Table or mart name -> its documented columns.

    Args:
        path: read this README instead of the packaged dictionary (the test of the README uses it).

    Returns:
        The columns per name, from :data:`DICTIONARY_FILE` unless ``path`` is given.
    """
    if path is None:
        return {name: columns(name) for name in entries()}
    found = sections(path.read_text(encoding="utf-8"))
    return {
        title: column_rows(lines)
        for (level, title), lines in found.items()
        if level == 3 or (level == 2 and title.startswith("mart_"))
    }


@cache
def _portable() -> sa.Dialect:
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()  # type: ignore[no-untyped-call]


def _plain(markdown: str) -> str:
    """Markdown cell text as a plain comment: backticks and bold marks dropped."""
    return re.sub(r"\*\*([^*]+)\*\*", r"\1", markdown).replace("`", "")


def comment_on(conn: sa.Connection, names: list[str] | tuple[str, ...]) -> None:
    """Write the dictionary into the database as table, view and column comments.

    PostgreSQL and DuckDB only (a no-op elsewhere). The comments are the dictionary's own text
    (never input), quoted as SQL literals by the dialect.

    Args:
        conn: connection inside the caller's transaction.
        names: tables and marts to comment (each must exist).
    """
    if conn.dialect.name not in COMMENT_DIALECTS:
        return
    prep = conn.dialect.identifier_preparer

    def literal(text: str) -> str:
        bound = sa.literal(text, sa.String)
        return str(bound.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))

    for name in names:
        entry = _entry(name)
        kind = "VIEW" if entry.kind == "mart" else "TABLE"
        conn.execute(sa.text(f"COMMENT ON {kind} {prep.quote(name)} IS {literal(_plain(entry.description))}"))
        for column in columns(name):
            text = _plain(column.meaning)
            if entry.kind == "mart":  # a view's column types are not declared in the database
                text = f"{column.type}: {text}"
            conn.execute(
                sa.text(f"COMMENT ON COLUMN {prep.quote(name)}.{prep.quote(column.name)} IS {literal(text)}")
            )


def _comment_tables_on(conn: sa.Connection) -> None:
    comment_on(conn, [n for n, e in entries().items() if e.kind == "table"])


register_view_hook(_comment_tables_on)


# -- warehouse/README.md: its column tables are rendered from the dictionary, and read back --

_HEADING = re.compile(r"^(#{2,3})\s+(\S+)\s*$")
_ANY_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_BACKTICKED = re.compile(r"`([^`]+)`")


def sections(text: str) -> dict[tuple[int, str], list[str]]:
    """(heading level, title) -> the lines up to the next heading of the same or a higher level.

    Raises:
        ValueError: a heading appears twice at the same level.
    """
    lines = text.splitlines()
    heads = [
        (i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines) if (m := _ANY_HEADING.match(line))
    ]
    out: dict[tuple[int, str], list[str]] = {}
    for n, (start, level, title) in enumerate(heads):
        end = next((i for i, lv, _ in heads[n + 1 :] if lv <= level), len(lines))
        if (level, title) in out:
            raise ValueError(f"heading {'#' * level} {title} appears twice")
        out[(level, title)] = lines[start + 1 : end]
    return out


def _readme_rows(lines: list[str]) -> list[DictionaryRow]:
    rows = []
    for line in lines:
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        first = cells[0]
        if first == "column" or set(first) <= {"-", ":", " "}:
            continue
        ticked = _BACKTICKED.findall(first)
        names = tuple(n.strip() for n in ticked) if ticked else (first,)
        type_text = cells[1] if len(cells) > 1 else ""
        meaning = " | ".join(cells[2:]) if len(cells) > 2 else ""
        rows.append(DictionaryRow(names, type_text, meaning))
    return rows


def column_rows(lines: list[str]) -> list[ColumnDoc]:
    """The documented columns of a README section's table rows, in order (header and rule skipped)."""
    return [doc for row in _readme_rows(lines) for doc in _row_docs(row, None)]


def documented(lines: list[str]) -> list[str]:
    """Column names in the first cells of a README section's table rows, in order."""
    return [doc.name for doc in column_rows(lines)]


def render_rows(name: str) -> list[str]:
    """The markdown table of a table or mart, header included, as README.md shows it."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    for row in _entry(name).rows:
        first = row.names[0] if len(row.names) == 1 else ", ".join(f"`{n}`" for n in row.names)
        lines.append(f"| {first} | {row.type} | {row.meaning} |")
    return lines


def rewrite_readme(path: Path) -> bool:
    """Replace the column table of every ``## mart_*`` / ``### <table>`` section of a README.

    Args:
        path: ``warehouse/README.md``.

    Returns:
        True when the file changed.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    current: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _HEADING.match(line)
        if heading:
            current = heading.group(2) if heading.group(2) in entries() else None
        if current is not None and line.startswith("| column | type | meaning |"):
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            out += render_rows(current)
            current = None
            continue
        out.append(line)
        i += 1
    text = "\n".join(out) + "\n"
    changed = text != path.read_text(encoding="utf-8")
    if changed:
        path.write_text(text, encoding="utf-8")
    return changed


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "warehouse/README.md")
    print(f"{target}: {'rewritten' if rewrite_readme(target) else 'already current'}")
