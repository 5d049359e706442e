"""`python -m sgoversight users add|disable|enable|unlock|reset-password|list`: exit codes, the
password from stdin or a hidden prompt (never an argument), bcrypt hashes only."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight import users
from sgoversight.store.db import make_engine
from sgoversight.store.models import AuditEvent, Base, User
from tests.support.cli import run_cli

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 11, 24, 9, 0)


def _cli(database: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(database, *args, stdin=stdin)


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> Path:
    """A migrated, empty database; the first `users` command seeds it from config/users.yaml."""
    path = tmp_path / "db.sqlite"
    shutil.copyfile(sqlite_template, path)
    return path


def _engine(database: Path) -> Engine:
    return make_engine(f"sqlite:///{database}")


def _dump(database: Path) -> str:
    engine = _engine(database)
    try:
        with engine.connect() as conn:
            return "\n".join(
                repr(tuple(row))
                for table in Base.metadata.sorted_tables
                for row in conn.execute(select(table))
            )
    finally:
        engine.dispose()


def _add(database: Path, *extra: str, stdin: str = PASSWORD + "\n") -> subprocess.CompletedProcess:
    return _cli(
        database,
        "users",
        "add",
        "cara",
        "--name",
        "Cara Jones",
        "--email",
        "cara@council.example",
        "--password-stdin",
        *extra,
        stdin=stdin,
    )


def test_add_reads_the_password_from_stdin_and_stores_only_a_hash(database: Path) -> None:
    result = _add(database, "--role", "commissioner", "--role", "board_member")
    assert result.returncode == 0, result.stderr
    assert "cara added" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    engine = _engine(database)
    try:
        with Session(engine) as session:
            cara = session.get(User, "cara")
            assert cara is not None and cara.roles == ["board_member", "commissioner"]
            assert users.is_bcrypt_hash(cara.password_hash)
            events = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == "cara"))
            assert [(e.actor, e.action) for e in events] == [("system", "create")]
        outcome = users.check_password(engine, "cara", PASSWORD, NOW).outcome
        assert outcome is users.SignInOutcome.SIGNED_IN
    finally:
        engine.dispose()
    assert PASSWORD not in _dump(database)


def test_list_shows_every_user_and_no_hash(database: Path) -> None:
    result = _cli(database, "users", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["USERNAME", "NAME", "ROLES"]
    assert {line.split()[0] for line in lines[1:]} == {
        "admin", "board", "commissioner", "planowner", "provider", "qa", "safeguarding",
    }  # fmt: skip
    assert "$2b$" not in result.stdout
    assert "PRV-0001" in result.stdout and "(demo)" in result.stdout


def test_a_password_is_never_a_command_line_argument(database: Path) -> None:
    result = _cli(
        database, "users", "add", "cara", "--name", "Cara", "--email", "c@x.org",
        "--role", "commissioner", "--password", PASSWORD,
    )  # fmt: skip
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


@pytest.mark.parametrize(
    ("extra", "stdin", "message"),
    [
        (["--role", "commissioner"], "short\n", "at least 12 characters"),
        (["--role", "commissioner"], "cara\n", "at least 12 characters"),
        (["--role", "wizard"], PASSWORD + "\n", "invalid choice"),
        (["--role", "provider"], PASSWORD + "\n", "needs a provider id"),
        (["--role", "provider", "--provider-id", "PRV-X"], PASSWORD + "\n", "provider register"),
    ],
)
def test_bad_input_exits_2_and_writes_no_user(
    database: Path, extra: list[str], stdin: str, message: str
) -> None:
    result = _add(database, *extra, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert "cara" not in _cli(database, "users", "list").stdout


def test_unknown_users_exit_2(database: Path) -> None:
    for action in ("disable", "enable", "unlock", "reset-password"):
        result = _cli(database, "users", action, "nobody", stdin=PASSWORD + "\n")
        assert result.returncode == 2, action
        assert "no user called nobody" in result.stderr


def test_the_prompt_asks_twice_and_refuses_two_different_passwords(database: Path) -> None:
    # Without a terminal getpass reads stdin: the same path as typing at the prompt.
    result = _cli(
        database, "users", "reset-password", "commissioner", stdin="first long password\nsecond\n"
    )
    assert result.returncode == 2
    assert "not the same" in result.stderr
    result = _cli(
        database,
        "users",
        "reset-password",
        "commissioner",
        stdin="a new long password\na new long password\n",
    )
    assert result.returncode == 0, result.stderr


def test_disable_enable_unlock_and_reset_password(database: Path) -> None:
    assert _cli(database, "users", "disable", "commissioner").returncode == 0
    assert "disabled" in _cli(database, "users", "list").stdout
    engine = _engine(database)
    try:
        outcome = users.check_password(engine, "commissioner", "demo-commissioner", NOW).outcome
        assert outcome is users.SignInOutcome.DISABLED
        assert _cli(database, "users", "enable", "commissioner").returncode == 0
        for _ in range(users.MAX_FAILED_LOGINS):
            users.record_failed_login(engine, "commissioner", users.utc_now())
        assert "locked until" in _cli(database, "users", "list").stdout
        assert _cli(database, "users", "unlock", "commissioner").returncode == 0
        new_password = "the new long password"
        result = _cli(
            database,
            "users",
            "reset-password",
            "commissioner",
            "--password-stdin",
            stdin=new_password + "\n",
        )
        assert result.returncode == 0, result.stderr
        assert users.check_password(engine, "commissioner", new_password, NOW).outcome is (
            users.SignInOutcome.SIGNED_IN
        )
        with Session(engine) as session:
            actions = session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.actor == "system", AuditEvent.entity_id == "commissioner")
                .order_by(AuditEvent.id)
            ).all()
        assert actions == ["create", "disable", "enable", "unlock", "reset_password"]
    finally:
        engine.dispose()
    assert new_password not in _dump(database)


def test_the_last_administrator_cannot_be_disabled(database: Path) -> None:
    result = _cli(database, "users", "disable", "admin")
    assert result.returncode == 2
    assert "last enabled administrator" in result.stderr
