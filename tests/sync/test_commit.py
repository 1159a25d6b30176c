"""BatchCommitter: batches commit in order, one at a time, errors surface at the next hand-off."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from oc_connector.sync.commit import BatchCommitter, commits_inline


def test_commits_run_in_submission_order_off_the_callers_thread() -> None:
    done: list[tuple[int, str]] = []
    with BatchCommitter() as committer:
        for i in range(5):
            committer.submit(lambda i=i: done.append((i, threading.current_thread().name)))
    assert [i for i, _ in done] == [0, 1, 2, 3, 4]
    assert all(name.startswith("oc-sync-commit") for _, name in done)


def test_the_caller_goes_on_while_a_commit_runs_but_never_two_at_once() -> None:
    started, release = threading.Event(), threading.Event()
    running = {"now": 0, "max": 0}
    lock = threading.Lock()

    def commit() -> None:
        with lock:
            running["now"] += 1
            running["max"] = max(running["max"], running["now"])
        started.set()
        release.wait(timeout=10)
        with lock:
            running["now"] -= 1

    with BatchCommitter() as committer:
        committer.submit(commit)
        assert started.wait(timeout=10)  # the first commit runs; submit() returned to the caller
        release.set()
        committer.submit(commit)
    assert running["max"] == 1


def test_a_failed_commit_is_raised_at_the_next_submit_and_the_next_batch_is_not_started() -> None:
    done: list[int] = []

    def fail() -> None:
        raise RuntimeError("lock lost")

    committer = BatchCommitter()
    committer.submit(fail)
    with pytest.raises(RuntimeError, match="lock lost"):
        committer.submit(lambda: done.append(2))
    committer.__exit__(None, None, None)
    assert done == []


def test_leaving_with_an_error_keeps_that_error_and_still_waits_for_the_commit() -> None:
    done: list[int] = []
    with pytest.raises(KeyError), BatchCommitter() as committer:
        committer.submit(lambda: done.append(1))
        raise KeyError("fetch failed")
    assert done == [1]


def test_sqlite_in_memory_commits_inline_file_databases_in_the_background(tmp_path: object) -> None:
    assert commits_inline(sa.create_engine("sqlite://"))
    assert not commits_inline(sa.create_engine(f"sqlite:///{tmp_path}/wh.db"))
    names: list[str] = []
    with BatchCommitter(inline=True) as committer:
        committer.submit(lambda: names.append(threading.current_thread().name))
    assert names == [threading.current_thread().name]
