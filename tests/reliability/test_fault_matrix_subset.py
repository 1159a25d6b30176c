"""A small seeded subset of the fault matrix (``bench/fault_matrix.py`` runs it all), every CI run.

Each cell injects one fault kind on the job's routes, runs the job (bounded reruns as a user would),
then counts against the sandbox's own tables: nothing lost, nothing duplicated, no secret leaked.
"""

from __future__ import annotations

import pytest
from matrix import Cell, order_channel_available, run_cell

CELLS = [
    ("http_503", "orders", 3),
    ("reset_after", "orders", 4),
    ("truncated_json", "orders", 5),
    ("reset_after", "vouchers_admin", 7),
    ("http_502+after_commit", "vouchers_admin", 8),
    ("maintenance", "vouchers_admin", 9),
    ("http_500+after_commit", "coupons", 10),
    ("reset_before", "coupons", 11),
    ("php_notice", "coupons", 12),
]


def _assert_clean(cell: Cell) -> None:
    assert (cell.lost, cell.duplicated, cell.leaked) == (0, 0, 0), cell
    assert cell.outcome.startswith("ok"), cell
    assert cell.requests > 0 and cell.runs >= 1


@pytest.mark.parametrize(("fault", "job", "seed"), CELLS, ids=[f"{f}-{j}" for f, j, _ in CELLS])
def test_cell_loses_duplicates_and_leaks_nothing(fault: str, job: str, seed: int) -> None:
    cell = run_cell(fault, job, seed=seed, size=4, orders=20, probability=0.25)
    _assert_clean(cell)
    assert cell.faults_fired > 0, "the fault never fired: the cell proved nothing"


def test_invalidated_tokens_cost_reruns_but_lose_nothing() -> None:
    # A token invalidated before its first successful use is not renewed (the client cannot tell it
    # from a user without permission), so a run can stop with PermissionDenied; reruns resume.
    cell = run_cell("invalidate_token", "orders", seed=6, size=4, orders=20, probability=0.1, max_runs=12)
    _assert_clean(cell)
    assert all(e.startswith("PermissionDenied") for e in cell.errors), cell.errors


@pytest.mark.parametrize("fault", ["revoked_ip", "disabled_api_user"])
def test_unsurvivable_fault_fails_clearly_then_rerun_after_fix_is_exact(fault: str) -> None:
    cell = run_cell(fault, "orders", seed=13, orders=20)
    assert cell.runs == 2 and (cell.lost, cell.duplicated, cell.leaked) == (0, 0, 0), cell
    assert cell.outcome.endswith("rerun after fix ok"), cell
    first = cell.errors[0]
    expected = "IPNotAllowedError" if fault == "revoked_ip" else "AuthenticationError"
    assert first.startswith(expected), first


@pytest.mark.xfail(order_channel_available(), strict=False,
                   reason="reverse/order_channel.py voucher_draft sends the bulk voucher[N] form without "
                   "voucher[N][code]; the shop skips such entries (spec 4.24 A.2) and order/add answers "
                   "'Products marked with *** are not available'")
def test_order_channel_cell_reports_missing_routes_or_runs_clean() -> None:
    cell = run_cell("reset_after+after_commit", "vouchers_order", seed=14, size=4, max_runs=3)
    if order_channel_available():
        _assert_clean(cell)
    else:
        assert (cell.outcome, cell.runs, cell.requests) == ("not run: route missing", 0, 0)
