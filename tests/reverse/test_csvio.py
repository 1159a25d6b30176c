"""CSV reading (encodings, huge fields, headers) and neutralised result files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from oc_connector.errors import ConfigurationError
from oc_connector.reverse.csvio import neutralise, read_rows, results_path, write_results
from oc_connector.reverse.validation import Rejected, parse_voucher_row

HEADER = "request_key,to_name,to_email,from_name,from_email,amount,voucher_theme_id,message\n"
REQUIRED = HEADER.strip().split(",")


def test_reads_rows_with_bom_and_mixed_case_header(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER.upper().encode() + "k1,Zoë,z@x.io,S,s@x.io,5,8,hi\n".encode())
    rows = list(read_rows(path, required=REQUIRED))
    assert rows == [{"request_key": "k1", "to_name": "Zoë", "to_email": "z@x.io", "from_name": "S",
                     "from_email": "s@x.io", "amount": "5", "voucher_theme_id": "8", "message": "hi"}]


def test_wrong_encoding_is_rejected_per_row(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    good = b"k1,Ann,a@x.io,S,s@x.io,5,8,hi\n"
    latin1 = "k2,Zoë,z@x.io,S,s@x.io,5,8,hi\n".encode("latin-1")
    path.write_bytes(HEADER.encode() + good + latin1)
    results = [parse_voucher_row(r) for r in read_rows(path, required=REQUIRED)]
    assert not isinstance(results[0], Rejected)
    assert isinstance(results[1], Rejected)
    assert "to_name is not valid UTF-8 text" in results[1].reasons


def test_huge_field_is_rejected_per_row(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text(HEADER + "k1,Ann,a@x.io,S,s@x.io,5,8," + "x" * 200_000 + "\n", encoding="utf-8")
    (row,) = read_rows(path, required=REQUIRED)
    result = parse_voucher_row(row)
    assert isinstance(result, Rejected)
    assert "message is longer than 4096 characters" in result.reasons


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("request_key,to_name\nk,A\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="missing CSV columns: to_email"):
        list(read_rows(path, required=REQUIRED))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=cmd()", "'=cmd()"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\t=x", "'\t=x"), ("plain", "plain"), ("", "")],
)
def test_neutralise(cell: str, safe: str) -> None:
    assert neutralise(cell) == safe


def test_results_file_neutralises_formula_cells(tmp_path: Path) -> None:
    src = tmp_path / "campaign.csv"
    out = results_path(src)
    assert out.name == "campaign.results.csv"
    write_results(out, [{"request_key": "=HYPERLINK(\"x\")", "state": "rejected", "reason": None}],
                  columns=["request_key", "state", "reason"])
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{"request_key": "'=HYPERLINK(\"x\")", "state": "rejected", "reason": ""}]
