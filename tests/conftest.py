"""Shared fixtures: a migrated database on SQLite and on PostgreSQL for every database test.

`engine` is parametrised over both backends. Under CI=true a PostgreSQL or browser test that cannot
run fails; elsewhere it is skipped with the reason printed.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from sgoversight.store.db import make_engine
from sgoversight.store.migrate import upgrade
from tests.support.postgres import Cluster, PostgresUnavailable, start_cluster

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_counter = itertools.count()


def unavailable(reason: str) -> None:
    """Fail under CI, skip elsewhere, always saying why."""
    if IN_CI:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster | PostgresUnavailable]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        yield exc
        return
    try:
        admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE sgo_template"))
        admin.dispose()
        template = make_engine(cluster.url("sgo_template"))
        upgrade(template)
        template.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _postgres_engine(cluster: Cluster | PostgresUnavailable) -> Iterator[Engine]:
    if isinstance(cluster, PostgresUnavailable):
        unavailable(f"PostgreSQL: {cluster}")
        return
    name = f"sgo_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE sgo_template'))
    engine = make_engine(cluster.url(name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_engine(template: Path, directory: Path) -> Iterator[Engine]:
    path = directory / "test.db"
    shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        yield from _sqlite_engine(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        yield from _postgres_engine(request.getfixturevalue("postgres_cluster"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def module_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """As `engine`, but one database per backend for a whole test module: for many tests that
    only read, or are checked to write nothing."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("module-db")
        yield from _sqlite_engine(request.getfixturevalue("sqlite_template"), folder)
    else:
        yield from _postgres_engine(request.getfixturevalue("postgres_cluster"))


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated SQLite database, for tests where the backend does not matter."""
    yield from _sqlite_engine(sqlite_template, tmp_path)
