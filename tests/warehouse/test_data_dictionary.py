"""The data dictionary lists every column of every table and mart, and no other, and reaches the database.

Its source is oc_connector/warehouse/dictionary.json (installed with the package); the tables of
warehouse/README.md are rendered from it and read back here.

BI users read the warehouse directly with that file as their only guide, so a column added to the
schema or a mart without a line there (or a line left behind for a column that went) fails here.

The parser is ``oc_connector.warehouse.dictionary``, the one the Dagster assets' column schemas
come from. Sections: ``### <table>`` for a base table, ``## <mart>`` for a mart. A documented column is the
first cell of a row of the section's ``| column | type | meaning |`` table: a plain name, or one
or more backticked names (a row grouping several OpenCart columns names each one).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import oc_connector.warehouse.ledger_schema
import oc_connector.warehouse.marts
import oc_connector.warehouse.schema
from oc_connector.warehouse.dictionary import (
    README,
    ColumnDoc,
    column_rows,
    columns,
    dictionary,
    entries,
    rewrite_readme,
)
from oc_connector.warehouse.dictionary import documented as _documented
from oc_connector.warehouse.dictionary import sections as _sections
from oc_connector.warehouse.marts import MARTS
from oc_connector.warehouse.metadata import metadata
from oc_connector.warehouse.migrate import schema_version_table, upgrade

# every table the warehouse holds: the shared MetaData (orders and ledger schemas) plus the version
# table, which migrate.py keeps on a MetaData of its own
assert oc_connector.warehouse.schema.opencart_orders.metadata is metadata
assert oc_connector.warehouse.ledger_schema.voucher_ledger.metadata is metadata
TABLES: dict[str, sa.Table] = {**metadata.tables, schema_version_table.name: schema_version_table}


@pytest.fixture(scope="module")
def sections() -> dict[tuple[int, str], list[str]]:
    return _sections(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mart_columns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The actual columns of each mart view, in order, from a freshly upgraded SQLite warehouse."""
    engine = sa.create_engine(f"sqlite:///{tmp_path_factory.mktemp('dictionary') / 'wh.db'}")
    try:
        upgrade(engine)  # importing oc_connector.warehouse.marts registered the hook that creates the views
        with engine.connect() as conn:
            return {
                name: list(conn.execute(sa.select(sa.text("*")).select_from(sa.table(name)).limit(0)).keys())
                for name in MARTS
            }
    finally:
        engine.dispose()


def test_the_dictionary_covers_the_whole_warehouse() -> None:
    # not vacuous: orders, history, sync state, quarantine, absent ids, range lock, version, 2+2 reverse ETL
    assert len(TABLES) >= 11, sorted(TABLES)
    assert {"opencart_orders", "opencart_voucher_ledger", "opencart_schema_version"} <= set(TABLES)
    assert len(MARTS) == 8, MARTS
    assert len(TABLES["opencart_orders"].columns) >= 70


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_column_of_a_table_is_documented_and_nothing_else(
    name: str, sections: dict[tuple[int, str], list[str]]
) -> None:
    assert (3, name) in sections, f"{README.name}: no '### {name}' section for table {name}"
    documented = _documented(sections[(3, name)])
    columns = [c.name for c in TABLES[name].columns]
    missing = [c for c in columns if c not in documented]
    extra = [d for d in documented if d not in columns]
    twice = sorted({d for d in documented if documented.count(d) > 1})
    assert not (missing or extra or twice), (
        f"table {name}, section '### {name}': columns not documented: {missing}; "
        f"documented but not in the table: {extra}; documented more than once: {twice}"
    )


def test_no_section_documents_a_table_that_does_not_exist(sections: dict[tuple[int, str], list[str]]) -> None:
    stale = [title for level, title in sections if level == 3 and title not in TABLES]
    assert not stale, f"{README.name}: '###' sections for tables the warehouse does not have: {stale}"


@pytest.mark.parametrize("name", MARTS)
def test_a_mart_section_lists_exactly_the_view_columns_in_order(
    name: str, sections: dict[tuple[int, str], list[str]], mart_columns: dict[str, list[str]]
) -> None:
    assert (2, name) in sections, f"{README.name}: no '## {name}' section for mart {name}"
    documented = _documented(sections[(2, name)])
    actual = mart_columns[name]
    assert len(actual) >= 4, f"mart {name}: view has only {actual}"
    missing = [c for c in actual if c not in documented]
    extra = [d for d in documented if d not in actual]
    assert documented == actual, (
        f"mart {name}: documented columns {documented} != view columns {actual} "
        f"(missing: {missing}, extra: {extra})"
    )


def test_no_mart_section_without_a_mart(sections: dict[tuple[int, str], list[str]]) -> None:
    stale = [t for level, t in sections if level == 2 and t.startswith("mart_") and t not in MARTS]
    assert not stale, f"{README.name}: '##' sections for marts that do not exist: {stale}"


def test_the_parser_reads_plain_and_grouped_rows() -> None:
    rows = [
        "| column | type | meaning |",
        "|---|---|---|",
        "| shop | text | the shop |",
        "| `payment_zone_id`, `payment_zone` | bigint; text | zone, with a `backticked` mention |",
        "a line of prose naming `not_a_column`",
    ]
    assert _documented(rows) == ["shop", "payment_zone_id", "payment_zone"]
    found = _sections("# T\nintro\n## a\nx\n### b\ny\n## c\nz\n")
    assert found[(2, "a")] == ["x", "### b", "y"]
    assert found[(3, "b")] == ["y"]
    assert found[(2, "c")] == ["z"]


def test_grouped_rows_get_one_type_each_and_the_dictionary_has_every_table() -> None:
    rows = ["| `a`, `b` | bigint; text | two columns |", "| c | integer | one |"]
    assert column_rows(rows) == [
        ColumnDoc("a", "bigint", "two columns"), ColumnDoc("b", "text", "two columns"),
        ColumnDoc("c", "integer", "one"),
    ]
    docs = dictionary(README)
    assert set(TABLES) | set(MARTS) <= set(docs)
    assert all(doc.type and doc.meaning for doc in docs["opencart_orders"])


# -- the dictionary in the package (oc_connector/warehouse/dictionary.json) is the source --


def test_the_readme_tables_are_rendered_from_the_packaged_dictionary(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    copy.write_text(README.read_text(encoding="utf-8"), encoding="utf-8")
    assert not rewrite_readme(copy), (
        "warehouse/README.md tables differ from oc_connector/warehouse/dictionary.json: edit the json and"
        " run `python -m oc_connector.warehouse.dictionary warehouse/README.md`"
    )


def test_the_dictionary_documents_every_table_and_mart_and_nothing_else() -> None:
    assert set(entries()) == set(TABLES) | set(MARTS)
    assert {n for n, e in entries().items() if e.kind == "mart"} == set(MARTS)
    assert all(e.description for e in entries().values())


def test_columns_gives_name_type_and_description(mart_columns: dict[str, list[str]]) -> None:
    orders = columns("opencart_orders")
    assert sorted(c.name for c in orders) == sorted(c.name for c in TABLES["opencart_orders"].columns)
    by_name = {c.name: c for c in orders}
    assert by_name["total"].type == "numeric(15,4) NULL"
    assert by_name["store_name"].type == "text NULL"  # from a grouped row: the column's own type
    assert "store" in by_name["store_name"].meaning
    for mart in MARTS:
        assert [c.name for c in columns(mart)] == mart_columns[mart]
    daily = {c.name: c for c in columns("mart_daily_sales")}
    assert daily["net_default_currency"].type.startswith("numeric(18,4)")
    with pytest.raises(KeyError):
        columns("no_such_table")


def _comments(engine: sa.Engine) -> dict[tuple[str, str], str]:
    if engine.dialect.name == "duckdb":
        sql = (
            "SELECT table_name, '', comment FROM duckdb_tables() UNION ALL"
            " SELECT view_name, '', comment FROM duckdb_views() WHERE NOT internal UNION ALL"
            " SELECT table_name, column_name, comment FROM duckdb_columns()"
        )
    else:
        sql = (
            "SELECT c.relname, '', obj_description(c.oid, 'pg_class') FROM pg_class c"
            " WHERE c.relnamespace = current_schema()::regnamespace UNION ALL"
            " SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
            " WHERE c.relnamespace = current_schema()::regnamespace"
        )
    with engine.connect() as conn:
        return {(str(t), str(c)): str(d) for t, c, d in conn.execute(sa.text(sql)) if d is not None}


@pytest.mark.parametrize("engine_name", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_dictionary_reaches_the_database_as_comments(
    engine_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if engine_name == "duckdb":
        engine = sa.create_engine(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    else:
        engine = request.getfixturevalue("postgres_engine")
    try:
        upgrade(engine)
        comments = _comments(engine)
    finally:
        engine.dispose()
    assert comments[("opencart_orders", "")].startswith("One row per OpenCart order")
    assert "default currency" in comments[("opencart_orders", "total")]
    assert "`" not in comments[("opencart_orders", "total")]
    assert comments[("mart_daily_sales", "net_default_currency")].startswith("numeric(18,4)")
    assert ("mart_sales_by_product", "details_loaded") in comments
    missing = [(t, c.name) for t in [*TABLES, *MARTS] for c in columns(t) if (t, c.name) not in comments]
    assert not missing
