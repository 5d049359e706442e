"""Guessing passwords in parallel: the lock-out counts every guess, on SQLite and PostgreSQL.

Checking a password and counting the outcome is one serialised step per account, so guesses
made at the same moment (from many browsers or replicas) count one by one, and once the account
is locked no later guess is checked or signs in, the right password included.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight import users
from sgoversight.auth import SYSTEM
from sgoversight.store.models import AuditEvent
from sgoversight.users import MAX_FAILED_LOGINS, SignInOutcome, SignInResult, check_password

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 11, 24, 9, 0)
GUESSES = 20
ROUNDS = 4


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap bcrypt rounds for the account and the unknown-username check in tests."""
    monkeypatch.setattr(users, "BCRYPT_ROUNDS", 4)
    monkeypatch.setattr(users, "_DUMMY_HASH", bcrypt.hashpw(b"nobody types it", bcrypt.gensalt(4)))


def _add_cara(engine: Engine) -> None:
    users.add_user(
        engine, SYSTEM, "cara", "Cara Jones", "cara@council.example", PASSWORD, ["commissioner"]
    )


def _at_once(attempts: list[Callable[[], SignInResult]]) -> list[SignInResult]:
    """Run every attempt in its own thread, all released together."""
    start = threading.Barrier(len(attempts))

    def run(attempt: Callable[[], SignInResult]) -> SignInResult:
        start.wait(timeout=60)
        return attempt()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


def _events(engine: Engine, after_id: int = 0) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
            )
        )


def _guess(engine: Engine, password: str) -> Callable[[], SignInResult]:
    return lambda: check_password(engine, "cara", password, T0)


def test_guesses_made_at_once_each_count_and_none_is_checked_once_locked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_cara(engine)
    checked: list[bytes] = []
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(users.bcrypt, "checkpw", counting)
    results = _at_once([_guess(engine, f"wrong guess {n}") for n in range(GUESSES)])

    outcomes = [r.outcome for r in results]
    assert outcomes.count(SignInOutcome.WRONG) == MAX_FAILED_LOGINS - 1
    assert outcomes.count(SignInOutcome.LOCKED) == GUESSES - MAX_FAILED_LOGINS + 1
    assert len(checked) == MAX_FAILED_LOGINS  # the guesses after the lock were never checked
    found = users.account(engine, "cara")
    assert found is not None and found.failed_logins == MAX_FAILED_LOGINS and found.locked(T0)
    events = _events(engine)
    failed = [e for e in events if e.action == "login_failed"]
    assert len(failed) == GUESSES  # every guess is in the audit trail, once
    assert sum("wrong password" in (e.detail or "") for e in failed) == MAX_FAILED_LOGINS
    assert [e.action for e in events].count("account_locked") == 1


def test_the_right_password_among_wrong_ones_never_signs_in_once_the_account_locks(
    engine: Engine,
) -> None:
    """Nine wrong passwords and the right one at once, several times over: whenever the right one
    signs in, it did so before the lock-out (it then restarted the count); otherwise it was refused
    as locked. Every attempt is audited once, and the account always ends locked."""
    _add_cara(engine)
    for _round in range(ROUNDS):
        last_id = max((e.id for e in _events(engine)), default=0)
        attempts = [_guess(engine, f"wrong guess {n}") for n in range(9)]
        attempts.insert(_round * 3 % 10, _guess(engine, PASSWORD))
        results = _at_once(attempts)
        right = results[_round * 3 % 10]
        events = _events(engine, last_id)
        actions = [e.action for e in events]
        assert actions.count("login_failed") + actions.count("login") == 10
        assert actions.count("account_locked") == 1
        if right.outcome is SignInOutcome.SIGNED_IN:
            assert actions.index("login") < actions.index("account_locked")
        else:
            assert right.outcome is SignInOutcome.LOCKED
            assert "login" not in actions
        assert users.is_locked(engine, "cara", T0)
        users.unlock_user(engine, SYSTEM, "cara")


def test_a_flood_of_unknown_usernames_is_audited_only_up_to_the_rate(engine: Engine) -> None:
    """However many replicas or threads guess at once, the shared count holds."""
    flood = users.THROTTLED_AUDITS + 10
    results = _at_once(
        [
            (lambda n=n: check_password(engine, f"guess{n}", "a wrong password", T0))
            for n in range(flood)
        ]
    )
    assert {r.outcome for r in results} == {SignInOutcome.WRONG}
    actions = [e.action for e in _events(engine)]
    assert actions.count("login_failed") == users.THROTTLED_AUDITS
    assert actions.count(users.THROTTLED_ACTION) == 1
