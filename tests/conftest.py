"""Shared fixtures: a real PostgreSQL (from scripts/test) and the embedded SQLite warehouse."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa


def _postgres_url() -> str | None:
    return os.environ.get("OC_TEST_POSTGRES_URL") or None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL server. In CI its absence is a failure, elsewhere a skip."""
    url = _postgres_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("OC_TEST_POSTGRES_URL is not set: run the tests through scripts/test")
        pytest.skip("no PostgreSQL: run the tests through scripts/test to start one")
    return url


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[sa.Engine]:
    """An engine on a fresh, empty schema of the test PostgreSQL (dropped afterwards)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on a fresh SQLite warehouse file."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_engine(request: pytest.FixtureRequest) -> sa.Engine:
    """Each warehouse the connector is tested on: the embedded SQLite file and PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")
