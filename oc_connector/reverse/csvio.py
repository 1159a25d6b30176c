"""CSV input and per-row result files for the reverse-ETL commands.

Input is read as UTF-8 (a BOM is accepted). Each row is decoded on its own: a row whose bytes are
not UTF-8 keeps replacement characters and is then rejected by validation with a reason, instead
of failing the whole file. Cells are data: nothing in them is ever evaluated. When results are
written, a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with a
single quote so spreadsheet programs show it as text (formula-injection neutralisation).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from oc_connector.errors import ConfigurationError

__all__ = ["neutralise", "read_rows", "results_path", "write_results"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_FIELD = 1 << 20  # the csv module's own limit per field is raised to 1 MiB; validation caps lower


def neutralise(value: str) -> str:
    """Return ``value`` made safe for a spreadsheet: formula-like cells get a leading quote."""
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def read_rows(path: Path, *, required: Sequence[str]) -> Iterator[dict[str, str | None]]:
    """Yield the rows of a CSV file as column-to-text dicts (keys lower-cased, stripped).

    Args:
        path: the CSV file.
        required: header names that must be present.

    Raises:
        ConfigurationError: the file has no header or misses a required column.
    """
    csv.field_size_limit(_MAX_FIELD)
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf-8", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [name for name in required if name not in header]
    if not header or missing:
        raise ConfigurationError(f"{path.name}: missing CSV columns: {', '.join(missing) or 'no header'}")
    reader.fieldnames = header
    for row in reader:
        extra = row.pop(None, None)
        out: dict[str, str | None] = {k: v for k, v in row.items() if k is not None}
        if extra:
            out["_extra"] = ",".join(str(x) for x in extra)
        yield out


def results_path(path: Path) -> Path:
    """``FILE.csv`` -> ``FILE.results.csv`` beside it."""
    return path.with_name(f"{path.stem}.results.csv")


def write_results(path: Path, rows: Sequence[Mapping[str, object]], *, columns: Sequence[str]) -> None:
    """Write the per-row result file, every text cell neutralised.

    Args:
        path: target file (overwritten).
        rows: one mapping per input row.
        columns: column order.
    """
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: neutralise("" if row.get(c) is None else str(row.get(c))) for c in columns})
