"""Shared fixtures. The suite runs on a temporary SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set
(that database's ``public`` schema is wiped before each test)."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from benchmarks.common import reset_postgres
from bot.config import normalize_database_url
from bot.db import Database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ANALYSIS_MISSING = [name for name in ("numpy", "scipy", "threadpoolctl") if importlib.util.find_spec(name) is None]
needs_analysis = pytest.mark.skipif(
    bool(ANALYSIS_MISSING),
    reason=f"the analysis extra is not installed (no {', '.join(ANALYSIS_MISSING)}): pip install -e '.[analysis]'",
)
"""For tests of opinion groups, which need the ``analysis`` extra."""


def pytest_report_header() -> str:
    backend = make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"
    return f"database backend: {backend}"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A URL for an empty database of the backend under test."""
    if TEST_DATABASE_URL:
        return normalize_database_url(TEST_DATABASE_URL)
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    if TEST_DATABASE_URL:
        await reset_postgres(database_url)
    database = Database(database_url)
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    """A test that sets up logging in this process (``setup_logging``, ``python -m bot``'s ``main``) leaves no handler
    behind, writing to a stream captured for that test only."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
