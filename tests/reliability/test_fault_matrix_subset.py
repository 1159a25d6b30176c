"""A small seeded subset of the fault matrix (``bench/fault_matrix.py`` runs it all), every CI run.

Each cell injects one fault kind on the job's routes, runs the job (bounded reruns as a user would),
then counts against the sandbox's own tables: nothing lost, nothing duplicated, no secret leaked.
"""

from __future__ import annotations

import pytest

from bench.matrix import SCENARIOS, Cell, order_channel_available, run_cell

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


@pytest.mark.parametrize("job", ["orders", "vouchers_order"])
def test_invalidated_tokens_are_renewed_and_lose_nothing(job: str) -> None:
    # The shop deletes the api session before one request in five runs: the client renews the token
    # (bounded) and sends the refused call again; the order channel starts a dropped checkout again.
    cell = run_cell("invalidate_token", job, seed=6, size=4, orders=20, probability=0.2)
    _assert_clean(cell)
    assert cell.faults_fired > 0, "the fault never fired: the cell proved nothing"
    assert all(e.startswith("PermissionDenied") for e in cell.errors), cell.errors


@pytest.mark.parametrize("fault", ["revoked_ip", "disabled_api_user"])
def test_unsurvivable_fault_fails_clearly_then_rerun_after_fix_is_exact(fault: str) -> None:
    cell = run_cell(fault, "orders", seed=13, orders=20)
    assert cell.runs == 2 and (cell.lost, cell.duplicated, cell.leaked) == (0, 0, 0), cell
    assert cell.outcome.endswith("rerun after fix ok"), cell
    first = cell.errors[0]
    expected = "IPNotAllowedError" if fault == "revoked_ip" else "AuthenticationError"
    assert first.startswith(expected), first


def test_order_channel_cell_sells_each_voucher_once_after_a_lost_order_add_answer() -> None:
    # The bulk voucher[N] form carries all eight sub-keys (code included), so the shop keeps the
    # vouchers; a reset after order/add committed is reconciled by the batch comment, never resold.
    assert order_channel_available(), "the sandbox must serve api/voucher/add and api/order/add"
    cell = run_cell("reset_after+after_commit", "vouchers_order", seed=14, size=4, max_runs=3)
    _assert_clean(cell)


@pytest.mark.parametrize("job", ["vouchers_admin", "vouchers_order", "coupons"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_run_scenario_issues_nothing_twice_and_misses_nothing(scenario: str, job: str) -> None:
    # two runs of one campaign at once on one warehouse; the campaign again on an empty warehouse
    cell = run_cell(scenario, job, seed=15, size=6)
    _assert_clean(cell)
    assert cell.runs == 2 and not cell.errors, cell
