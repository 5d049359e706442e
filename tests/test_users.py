"""Users: the seed file (hashes only), accounts in the database, admin-only changes with audit,
no plaintext password anywhere, lock-out after repeated wrong passwords, production mode."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sgoversight import users
from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.errors import BadInput
from sgoversight.store.models import AuditEvent, Base, Provider, User
from sgoversight.users import (
    DEMO_COOKIE_KEY,
    LOCKOUT,
    MAX_FAILED_LOGINS,
    SignInOutcome,
    actor_for,
    add_user,
    check_password,
    cookie_key,
    credentials,
    disable_user,
    enable_user,
    is_locked,
    load_users,
    production_problems,
    record_failed_login,
    reset_password,
    seed_users,
    unlock_user,
)

HASH = "$2b$12$" + "a" * 53
ADMIN = Actor("ada", frozenset({Role.ADMIN}))
PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 11, 24, 9, 0)


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cheap bcrypt rounds for new hashes in tests (the app uses BCRYPT_ROUNDS = 12)."""
    monkeypatch.setattr(users, "BCRYPT_ROUNDS", 4)
    monkeypatch.delenv("SGO_ENV", raising=False)
    yield


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _dump(engine: Engine) -> str:
    """Every row of every table as text: what a stolen database or backup would show."""
    with engine.connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in conn.execute(select(table))
        )


def _events(engine: Engine, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    with Session(engine) as session:
        return list(session.scalars(query))


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _add(engine: Engine, username: str = "cara", password: str = PASSWORD, **extra: object) -> None:
    fields: dict[str, object] = {
        "name": "Cara Jones",
        "email": f"{username}@council.example",
        "roles": [Role.COMMISSIONER],
        "provider_id": None,
    } | extra
    add_user(engine, ADMIN, username, password=password, **fields)  # type: ignore[arg-type]


def _with_admin(engine: Engine) -> None:
    """A seeded admin (ada) so the last-administrator rule never gets in the way."""
    with Session(engine) as session, session.begin():
        session.add(
            User(
                username="ada",
                display_name="Ada Admin",
                email="ada@council.example",
                password_hash=HASH,
                roles=["admin"],
                disabled=False,
                demo=False,
                failed_logins=0,
            )
        )


# --- the seed file ---------------------------------------------------------------------------


def test_plaintext_password_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "usernames:\n  ann:\n    name: Ann\n    email: a@x.org\n    password: secret\n"
        "    roles: [commissioner]\n",
    )
    with pytest.raises(BadInput) as err:
        load_users(path)
    assert any("usernames.ann.password" in p and "bcrypt" in p for p in err.value.problems)


def test_unknown_role_and_provider_without_provider_id_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"usernames:\n  bob:\n    name: Bob\n    email: b@x.org\n    password: '{HASH}'\n"
        "    roles: [provider]\n  cat:\n    name: Cat\n    email: c@x.org\n"
        f"    password: '{HASH}'\n    roles: [wizard]\n",
    )
    with pytest.raises(BadInput) as err:
        load_users(path)
    text = "\n".join(err.value.problems)
    assert "usernames.bob" in text and "provider_id is required" in text
    assert "usernames.cat.roles.0" in text


def test_actor_carries_roles_and_provider(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"usernames:\n  dee:\n    name: Dee\n    email: d@x.org\n    password: '{HASH}'\n"
        "    roles: [provider]\n    provider_id: PRV-9\n",
    )
    actor = actor_for("dee", load_users(path))
    assert actor.roles == {Role.PROVIDER} and actor.provider_scope() == "PRV-9"


def test_seed_copies_the_file_once_then_the_database_is_authoritative(
    engine: Engine, tmp_path: Path
) -> None:
    first = _write(
        tmp_path,
        f"usernames:\n  Dee:\n    name: Dee\n    email: d@x.org\n    password: '{HASH}'\n"
        "    roles: [provider]\n    provider_id: PRV-9\n    demo: true\n",
    )
    assert seed_users(engine, first) == 1  # before any provider is imported
    found = users.account(engine, "dee")
    assert found is not None and found.demo and found.provider_id == "PRV-9"
    (created,) = _events(engine, "create")
    assert (created.actor, created.entity, created.entity_id) == ("system", "user", "dee")
    assert HASH not in repr(created.after) and "copied from users.yaml" in (created.detail or "")

    other = tmp_path / "other.yaml"
    other.write_text(
        f"usernames:\n  eve:\n    name: Eve\n    email: e@x.org\n    password: '{HASH}'\n"
        "    roles: [admin]\n",
        encoding="utf-8",
    )
    assert seed_users(engine, other) == 0
    assert users.account(engine, "eve") is None


def test_seed_in_production_leaves_out_demo_users(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SGO_ENV", "production")
    assert seed_users(engine) == 0  # every user in config/users.yaml is a demo login
    assert _count(engine, User) == 0


def test_demo_users_file_seeds_every_demo_login(engine: Engine) -> None:
    assert seed_users(engine) == 7
    result = check_password(engine, "Commissioner", "demo-commissioner", T0)
    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.account is not None and result.account.roles == (Role.COMMISSIONER,)
    seeded = ["admin", "commissioner", "safeguarding", "board", "qa", "planowner", "provider"]
    for username in seeded:  # each account's credentials hold that account and no other
        assert list(credentials(engine, username)["usernames"]) == [username]
    assert credentials(engine, "Commissioner")["usernames"]["commissioner"]["roles"] == [
        "commissioner"
    ]
    assert credentials(engine, "nobody")["usernames"] == {}
    for username in seeded:  # the sign-in is handed over checked: no password hash goes with it
        assert "password" not in credentials(engine, username)["usernames"][username]


def test_has_enabled_account_tells_an_empty_register(engine: Engine) -> None:
    assert not users.has_enabled_account(engine)
    _with_admin(engine)
    assert users.has_enabled_account(engine)


# --- adding, disabling, resetting: admins only, audited, no plaintext ---------------------------


def test_added_user_has_only_a_bcrypt_hash_and_the_audit_holds_no_password(
    engine: Engine,
) -> None:
    _add(engine, "Cara")
    with Session(engine) as session:
        stored = session.get(User, "cara")
        assert stored is not None
        assert stored.password_hash.startswith("$2b$") and len(stored.password_hash) == 60
        assert bcrypt.checkpw(PASSWORD.encode(), stored.password_hash.encode())
        password_hash = stored.password_hash
    (event,) = _events(engine)
    assert (event.actor, event.action, event.entity, event.entity_id) == (
        "ada", "create", "user", "cara",
    )  # fmt: skip
    assert event.after is not None and event.after["roles"] == ["commissioner"]
    everything = _dump(engine)
    assert PASSWORD not in everything
    assert password_hash not in repr([(e.before, e.after, e.detail) for e in _events(engine)])
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.SIGNED_IN


def test_reset_password_stores_a_new_hash_and_audits_only_that_it_changed(
    engine: Engine,
) -> None:
    _add(engine)
    new_password = "a much longer new secret"
    reset_password(engine, ADMIN, "cara", new_password)
    (event,) = _events(engine, "reset_password")
    assert (event.actor, event.entity_id, event.detail) == ("ada", "cara", "password changed")
    assert event.before is None and event.after is None
    everything = _dump(engine)
    assert PASSWORD not in everything and new_password not in everything
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.WRONG
    assert check_password(engine, "cara", new_password, T0).outcome is SignInOutcome.SIGNED_IN


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-one", "at least 12 characters"),
        ("Cara.Jones.1", "cannot be the username"),
        (" " * 14, "only spaces"),
        ("é" * 40, "at most 72 bytes"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_is_written(
    engine: Engine, password: str, problem: str
) -> None:
    with pytest.raises(BadInput) as err:
        _add(engine, "cara.jones.1", password=password)
    assert any(problem in p for p in err.value.problems)
    assert password not in str(err.value) + "".join(err.value.problems)
    assert _count(engine, User) == 0 and _count(engine, AuditEvent) == 0


def test_weak_reset_is_refused(engine: Engine) -> None:
    _add(engine)
    with pytest.raises(BadInput):
        reset_password(engine, ADMIN, "cara", "cara")
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.SIGNED_IN


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"roles": ["wizard"]}, "roles.0"),
        ({"roles": []}, "roles"),
        ({"roles": [Role.PROVIDER]}, "needs a provider id"),
        ({"roles": [Role.PROVIDER], "provider_id": "PRV-NOPE"}, "not in the provider register"),
        ({"email": "not-an-address"}, "not an e-mail address"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_user_details_are_refused(engine: Engine, fields: dict, problem: str) -> None:
    with pytest.raises(BadInput) as err:
        _add(engine, **fields)
    assert problem in str(err.value) + "\n".join(err.value.problems)
    assert _count(engine, User) == 0


def test_every_problem_of_a_new_user_is_found_at_once_one_message_per_field() -> None:
    found = users.new_user_problems(
        username="", name=" ", email="not-an-address", roles=[Role.PROVIDER], provider_id=None,
        password="short",
    )  # fmt: skip
    assert found == {
        "username": "required",
        "name": "required",
        "email": found["email"],
        "provider_id": "choose the provider this member of staff works for",
        "password": "use at least 12 characters",
    }
    assert "e-mail" in found["email"]
    provider_user = users.new_user_problems(
        username="pat", name="Pat", email="pat@council.example", roles=[Role.PROVIDER],
        provider_id=None, password="correct horse battery",
    )  # fmt: skip
    assert provider_user == {"provider_id": "a user with the provider role needs a provider id"}
    assert users.new_user_problems(
        username="cara", name="Cara Jones", email="cara@council.example",
        roles=[Role.COMMISSIONER], provider_id=None, password="correct horse battery",
    ) == {}  # fmt: skip
    no_roles = users.new_user_problems(
        username="cara", name="Cara", email="cara@council.example", roles=[], provider_id=None,
        password="cara",
    )  # fmt: skip
    assert no_roles == {
        "roles": "choose at least one role",
        "password": "use at least 12 characters; cannot be the username",
    }


def test_an_accounts_status_says_whether_it_can_sign_in() -> None:
    now = dt.datetime(2026, 11, 24, 9, 0)
    account = users.Account(
        username="cara", name="Cara", email="c@x.example", roles=(Role.COMMISSIONER,),
        provider_id=None, disabled=False, demo=False, failed_logins=0, locked_until=None,
        created_at=None,
    )  # fmt: skip
    locked = replace(account, locked_until=now + dt.timedelta(minutes=1))
    assert account.status(now) == "Can sign in"
    assert locked.status(now) == "Locked"
    assert replace(locked, locked_until=now).status(now) == "Can sign in"
    assert replace(locked, disabled=True).status(now) == "Disabled"


def test_a_provider_user_belongs_to_a_provider_in_the_register(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.add(Provider(provider_id="PRV-1", name="Elm", service_type="x", regulated=True))
    _add(engine, "pat", roles=[Role.PROVIDER], provider_id="PRV-1")
    found = users.account(engine, "pat")
    assert found is not None and found.actor().provider_scope() == "PRV-1"


def test_usernames_are_unique_whatever_their_case(engine: Engine) -> None:
    _add(engine, "cara")
    with pytest.raises(BadInput, match="already exists"):
        _add(engine, "CARA")
    with pytest.raises(BadInput) as err:
        _add(engine, "no spaces allowed")
    assert any(p.startswith("username:") for p in err.value.problems)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_an_administrator_manages_users(engine: Engine, role: Role) -> None:
    _add(engine)
    someone = Actor("someone", frozenset({role}), "PRV-1" if role is Role.PROVIDER else None)
    attempts = [
        lambda: add_user(engine, someone, "dan", "Dan", "d@x.org", PASSWORD, ["commissioner"]),
        lambda: disable_user(engine, someone, "cara"),
        lambda: enable_user(engine, someone, "cara"),
        lambda: reset_password(engine, someone, "cara", "another long password"),
        lambda: unlock_user(engine, someone, "cara"),
        lambda: users.list_users(engine, someone),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert _count(engine, User) == 1 and len(_events(engine)) == 1


def test_a_disabled_user_cannot_sign_in_until_enabled(engine: Engine) -> None:
    _with_admin(engine)
    _add(engine)
    disable_user(engine, ADMIN, "cara")
    assert credentials(engine, "cara")["usernames"] == {}
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.DISABLED
    assert check_password(engine, "cara", "wrong password!", T0).outcome is SignInOutcome.WRONG
    enable_user(engine, ADMIN, "cara")
    assert "cara" in credentials(engine, "cara")["usernames"]
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.SIGNED_IN
    actions = [(e.action, e.entity_id) for e in _events(engine) if e.actor == "ada"]
    assert actions == [("create", "cara"), ("disable", "cara"), ("enable", "cara")]
    (refused,) = [e for e in _events(engine, "login_failed") if "disabled" in (e.detail or "")]
    assert refused.actor == "cara"


def test_nobody_disables_themselves_or_the_last_administrator(engine: Engine) -> None:
    _with_admin(engine)
    with pytest.raises(BadInput, match="your own account"):
        disable_user(engine, ADMIN, "ada")
    with pytest.raises(BadInput, match="last enabled administrator"):
        disable_user(engine, SYSTEM, "ada")
    with pytest.raises(BadInput, match="no user called"):
        disable_user(engine, ADMIN, "nobody")
    _add(engine, "bea", roles=[Role.ADMIN])
    disable_user(engine, SYSTEM, "ada")
    assert users.account(engine, "ada").disabled  # type: ignore[union-attr]


# --- lock-out --------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(engine: Engine) -> None:
    _add(engine)
    for attempt in range(1, MAX_FAILED_LOGINS):
        result = check_password(engine, "cara", f"guess-{attempt}-xyzzy", T0)
        assert result.outcome is SignInOutcome.WRONG
        assert not is_locked(engine, "cara", T0)
    last = check_password(engine, "cara", "guess-5-xyzzy", T0 + dt.timedelta(minutes=1))
    assert last.outcome is SignInOutcome.LOCKED
    assert last.locked_until == T0 + dt.timedelta(minutes=1) + LOCKOUT
    # the right password is refused while locked, and the try is audited
    assert check_password(engine, "cara", PASSWORD, T0 + dt.timedelta(minutes=2)).outcome is (
        SignInOutcome.LOCKED
    )
    assert is_locked(engine, "cara", T0 + dt.timedelta(minutes=15))
    failures = _events(engine, "login_failed")
    assert [e.actor for e in failures] == ["cara"] * (MAX_FAILED_LOGINS + 1)
    assert "locked until" in (failures[-1].detail or "")
    (locked,) = _events(engine, "account_locked")
    assert locked.actor == "cara" and "5 wrong passwords" in (locked.detail or "")
    # fifteen minutes after the lock began, the right password signs in and the count restarts
    later = T0 + dt.timedelta(minutes=1) + LOCKOUT
    assert not is_locked(engine, "cara", later)
    assert check_password(engine, "cara", PASSWORD, later).outcome is SignInOutcome.SIGNED_IN
    found = users.account(engine, "cara")
    assert found is not None and found.failed_logins == 0 and found.locked_until is None
    assert "xyzzy" not in _dump(engine) and PASSWORD not in _dump(engine)


def test_a_right_password_resets_the_count(engine: Engine) -> None:
    _add(engine)
    for _ in range(MAX_FAILED_LOGINS - 1):
        check_password(engine, "cara", "not the password", T0)
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.SIGNED_IN
    for _ in range(MAX_FAILED_LOGINS - 1):
        check_password(engine, "cara", "not the password", T0)
    assert not is_locked(engine, "cara", T0)


def test_a_lock_that_has_run_out_starts_a_fresh_count(engine: Engine) -> None:
    _add(engine)
    for _ in range(MAX_FAILED_LOGINS):
        record_failed_login(engine, "cara", T0)
    assert is_locked(engine, "cara", T0)
    after = T0 + LOCKOUT + dt.timedelta(seconds=1)
    assert record_failed_login(engine, "cara", after) is None
    found = users.account(engine, "cara")
    assert found is not None and found.failed_logins == 1 and not found.locked(after)


def test_an_administrator_unlocks_an_account(engine: Engine) -> None:
    _add(engine)
    for _ in range(MAX_FAILED_LOGINS):
        record_failed_login(engine, "cara", T0)
    unlock_user(engine, ADMIN, "cara")
    assert not is_locked(engine, "cara", T0)
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.SIGNED_IN
    (event,) = _events(engine, "unlock")
    assert event.actor == "ada" and event.before == {
        "failed_logins": MAX_FAILED_LOGINS,
        "locked_until": (T0 + LOCKOUT).isoformat(),
    }


def test_a_reset_password_also_ends_a_lock_out(engine: Engine) -> None:
    _add(engine)
    for _ in range(MAX_FAILED_LOGINS):
        record_failed_login(engine, "cara", T0)
    reset_password(engine, ADMIN, "cara", "a fresh long password")
    assert not is_locked(engine, "cara", T0)


def test_unknown_usernames_are_audited_without_creating_a_user(engine: Engine) -> None:
    for _ in range(MAX_FAILED_LOGINS + 2):
        result = check_password(engine, "Mallory", "guessing-a-password", T0)
        assert result.outcome is SignInOutcome.WRONG
    assert _count(engine, User) == 0
    failures = _events(engine, "login_failed")
    assert len(failures) == MAX_FAILED_LOGINS + 2
    assert {(e.actor, e.entity_id, e.detail) for e in failures} == {
        ("mallory", "mallory", "unknown username")
    }
    assert "guessing-a-password" not in _dump(engine)


# --- sign-in cookies ---------------------------------------------------------------------------


def test_a_cookie_signs_in_only_an_enabled_recently_active_account(engine: Engine) -> None:
    _with_admin(engine)
    _add(engine)
    issued = T0
    assert users.cookie_account(engine, "cara", issued, T0) is None  # never active: no cookie
    users.record_activity(engine, "cara", T0)
    found = users.cookie_account(engine, "cara", issued, T0 + dt.timedelta(minutes=20))
    assert found is not None and found.username == "cara"
    # 30 minutes after the last noted activity the cookie no longer signs in, even on a reload
    assert users.cookie_account(engine, "cara", issued, T0 + users.IDLE_TIMEOUT) is not None
    idle = T0 + users.IDLE_TIMEOUT + dt.timedelta(seconds=1)
    assert users.cookie_account(engine, "cara", issued, idle) is None
    assert users.cookie_account(engine, "nobody", issued, T0) is None
    # a lock-out guards passwords, not cookies
    for _ in range(MAX_FAILED_LOGINS):
        record_failed_login(engine, "cara", T0)
    assert users.cookie_account(engine, "cara", issued, T0) is not None


def test_signing_out_resetting_or_disabling_refuses_earlier_cookies(engine: Engine) -> None:
    _with_admin(engine)
    _add(engine)
    now = users.utc_now()
    users.record_activity(engine, "cara", now)
    before = now - dt.timedelta(seconds=1)
    users.revoke_cookies(engine, "cara", now)
    assert users.cookie_account(engine, "cara", before, now) is None
    assert users.cookie_account(engine, "cara", now, now) is not None  # a cookie issued since
    later = users.utc_now() + dt.timedelta(seconds=1)
    reset_password(engine, ADMIN, "cara", "another long password")
    assert users.cookie_account(engine, "cara", now, now) is None
    assert users.cookie_account(engine, "cara", later, now) is not None
    disable_user(engine, ADMIN, "cara")
    assert users.cookie_account(engine, "cara", later + dt.timedelta(hours=1), now) is None


# --- production mode -----------------------------------------------------------------------------


def test_production_refuses_demo_key_and_demo_users(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_users(engine)
    monkeypatch.delenv("SGO_COOKIE_KEY", raising=False)
    monkeypatch.setenv("SGO_ENV", "production")
    assert cookie_key() == DEMO_COOKIE_KEY
    problems = production_problems(engine)
    assert any("SGO_COOKIE_KEY" in p for p in problems)
    assert any("demo users are still enabled" in p and "commissioner" in p for p in problems)
    monkeypatch.setenv("SGO_ENV", "development")
    assert production_problems(engine) == []


def test_production_starts_once_demo_users_are_disabled_and_a_key_is_set(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_users(engine)
    add_user(engine, SYSTEM, "ada", "Ada", "ada@council.example", PASSWORD, ["admin"])
    for demo in ("admin", "commissioner", "safeguarding", "board", "qa", "planowner", "provider"):
        disable_user(engine, SYSTEM, demo)
    monkeypatch.setenv("SGO_ENV", "production")
    monkeypatch.setenv("SGO_COOKIE_KEY", "k" * 40)
    assert production_problems(engine) == []


def test_cookie_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SGO_COOKIE_KEY", "k" * 40)
    assert cookie_key() == "k" * 40


def test_a_cookie_never_signs_in_twelve_hours_after_the_password(engine: Engine) -> None:
    _add(engine)
    now = T0 + users.SESSION_LIFETIME
    users.record_activity(engine, "cara", now)  # however active the account has been
    almost = now - users.SESSION_LIFETIME + dt.timedelta(seconds=1)
    assert users.cookie_account(engine, "cara", almost, now) is not None
    assert users.cookie_account(engine, "cara", T0, now) is None


# --- open sessions -------------------------------------------------------------------------------

ACTIVE = users.Account(
    username="cara", name="Cara", email="c@x.org", roles=(Role.COMMISSIONER,), provider_id=None,
    disabled=False, demo=False, failed_logins=0, locked_until=None, created_at=None,
)  # fmt: skip


MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("found", "password_at", "last_active", "now", "expected"),
    [
        (ACTIVE, T0, T0 + 700 * MINUTE, T0 + 719 * MINUTE, None),
        (ACTIVE, T0, T0 + 719 * MINUTE, T0 + users.SESSION_LIFETIME, users.SessionEnd.EXPIRED),
        (ACTIVE, None, T0, T0 + MINUTE, users.SessionEnd.EXPIRED),
        (ACTIVE, T0, T0 + MINUTE, T0 + 32 * MINUTE, users.SessionEnd.IDLE),
        (ACTIVE, T0, T0 + MINUTE, T0 + 31 * MINUTE, None),
        (None, T0, T0, T0 + MINUTE, users.SessionEnd.DISABLED),
        (replace(ACTIVE, disabled=True), T0, T0, T0 + MINUTE, users.SessionEnd.DISABLED),
        (
            replace(ACTIVE, cookies_revoked_at=T0 + dt.timedelta(seconds=1)),
            T0, T0, T0 + MINUTE, users.SessionEnd.REVOKED,
        ),
    ],
)  # fmt: skip
def test_an_open_session_ends_when_idle_twelve_hours_on_disabled_or_revoked(
    found: users.Account | None,
    password_at: dt.datetime | None,
    last_active: dt.datetime,
    now: dt.datetime,
    expected: users.SessionEnd | None,
) -> None:
    ended = users.session_end(
        found, password_at=password_at, started_at=T0, last_active=last_active, now=now
    )
    assert ended is expected


# --- what a sign-in costs ------------------------------------------------------------------------


@pytest.fixture
def bcrypt_checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every hash bcrypt checks a password against, in order."""
    checked: list[bytes] = []
    real = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(users.bcrypt, "checkpw", counting)
    return checked


@pytest.mark.parametrize(
    ("username", "password", "outcome"),
    [
        ("cara", PASSWORD, SignInOutcome.SIGNED_IN),
        ("cara", "a wrong password", SignInOutcome.WRONG),
        ("cara", "x" * 73, SignInOutcome.WRONG),
        ("cara", "é" * 200, SignInOutcome.WRONG),
        ("nobody", "a wrong password", SignInOutcome.WRONG),
        ("nobody", "x" * 500, SignInOutcome.WRONG),
    ],
)
def test_every_password_check_costs_one_bcrypt_check(
    engine: Engine, bcrypt_checks: list[bytes], username: str, password: str, outcome: SignInOutcome
) -> None:
    """An over-long password or an unknown username is checked against a hash of the app's cost,
    so the response time tells neither whether the username exists nor the password's length."""
    _add(engine)
    assert check_password(engine, username, password, T0).outcome is outcome
    assert len(bcrypt_checks) == 1
    if username == "nobody" or len(password.encode()) > users.MAX_PASSWORD_BYTES:
        assert bcrypt_checks == [users._DUMMY_HASH]
    assert users._DUMMY_HASH.startswith(b"$2b$12$")  # the cost of every stored hash in the app
    found = users.account(engine, "cara")
    assert found is not None
    assert found.failed_logins == (
        0 if outcome is SignInOutcome.SIGNED_IN or username == "nobody" else 1
    )


def test_a_locked_account_is_refused_without_a_bcrypt_check(
    engine: Engine, bcrypt_checks: list[bytes]
) -> None:
    _add(engine)
    for _ in range(MAX_FAILED_LOGINS):
        record_failed_login(engine, "cara", T0)
    assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.LOCKED
    assert bcrypt_checks == []


def test_a_password_sign_in_is_audited(engine: Engine) -> None:
    _add(engine)
    assert check_password(engine, "Cara", PASSWORD, T0).outcome is SignInOutcome.SIGNED_IN
    (event,) = _events(engine, "login")
    assert (event.actor, event.entity_id, event.occurred_at) == ("cara", "cara", T0)
    assert PASSWORD not in _dump(engine)


# --- the throttle on tries that cannot succeed ------------------------------------------------


def test_unknown_usernames_are_audited_only_up_to_a_rate(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of guessed usernames adds at most THROTTLED_AUDITS + 1 audit rows a minute;
    each guess is still answered like any wrong password, and recording resumes once it eases."""
    monkeypatch.setattr(
        users, "_DUMMY_HASH", bcrypt.hashpw(b"nobody types this", bcrypt.gensalt(4))
    )
    flood = users.THROTTLED_AUDITS + 15
    for n in range(flood):
        result = check_password(engine, f"guess{n}", "a wrong password", T0)
        assert result.outcome is SignInOutcome.WRONG
    failures = _events(engine, "login_failed")
    assert [e.actor for e in failures] == [f"guess{n}" for n in range(users.THROTTLED_AUDITS)]
    (throttled,) = _events(engine, users.THROTTLED_ACTION)
    assert throttled.actor == "system" and "not recorded one by one" in (throttled.detail or "")
    assert _count(engine, User) == 0
    # a wrong password for an account is counted (and audited) as ever during the flood
    _add(engine)
    check_password(engine, "cara", "a wrong password", T0)
    assert users.account(engine, "cara").failed_logins == 1  # type: ignore[union-attr]
    assert _events(engine, "login_failed")[-1].detail == "wrong password (1 in a row)"
    later = T0 + users.THROTTLE_WINDOW
    check_password(engine, "guess-again", "a wrong password", later)
    assert _events(engine, "login_failed")[-1].actor == "guess-again"


def test_tries_on_a_locked_account_are_audited_only_up_to_a_rate(engine: Engine) -> None:
    """Hammering a locked account (no bcrypt is spent on it) cannot fill the audit trail either."""
    _add(engine)
    for _ in range(MAX_FAILED_LOGINS):
        check_password(engine, "cara", "a wrong password", T0)
    for _ in range(users.THROTTLED_AUDITS + 15):
        assert check_password(engine, "cara", PASSWORD, T0).outcome is SignInOutcome.LOCKED
    refused = [e for e in _events(engine, "login_failed") if "locked until" in (e.detail or "")]
    assert len(refused) == users.THROTTLED_AUDITS
    assert len(_events(engine, users.THROTTLED_ACTION)) == 1


# --- production mode, the cookie key -------------------------------------------------------------


def test_production_refuses_a_short_cookie_key(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SGO_ENV", "production")
    monkeypatch.setenv("SGO_COOKIE_KEY", "k" * (users.MIN_COOKIE_KEY_LENGTH - 1))
    (problem,) = production_problems(engine)
    assert "SGO_COOKIE_KEY is 31 characters long" in problem and "at least 32" in problem
    monkeypatch.setenv("SGO_COOKIE_KEY", "k" * users.MIN_COOKIE_KEY_LENGTH)
    assert production_problems(engine) == []
