"""Shared fixtures. The suite runs on a temporary SQLite file, or on PostgreSQL when TEST_DATABASE_URL is set
(that database's ``public`` schema is wiped before each test)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from benchmarks.common import reset_postgres
from bot.config import normalize_database_url
from bot.db import Database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


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
