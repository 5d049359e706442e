"""Who can sign in: accounts in the database `users` table, seeded once from config/users.yaml.

Rules:
- The `users` table is the store of record (several app replicas may share one database, so no
  account state lives in memory). `config/users.yaml` (or SGO_USERS_FILE) is only the seed: it is
  copied into an empty table the first time accounts are needed; after that the database wins.
- Passwords are stored only as bcrypt hashes. A plaintext password in the seed file is refused; a
  new password is hashed here and is never stored, logged or audited in plain text (the audit
  trail records that it changed, never the password or its hash).
- A new password has at least MIN_PASSWORD_LENGTH characters, at most 72 bytes (bcrypt's limit)
  and is not the username.
- Every role is one of sgoversight.auth.Role; a provider user names the provider they belong to.
- Only an administrator (Permission.MANAGE_USERS) adds, disables, enables, unlocks or resets
  users; every change is audited. Nobody disables their own account or the last enabled admin.
- MAX_FAILED_LOGINS wrong passwords in a row lock an account for LOCKOUT. Checking a password
  and counting the outcome is one serialised step on the account's row, so guesses made at once
  count one by one and none is checked once the account is locked. Every failed attempt and
  every lock-out is audited with the username tried as the actor, and so is every password
  sign-in. Tries that cannot succeed, with an unknown username (never creating a user) or on a
  locked account, are audited up to a rate shared by every replica (THROTTLED_AUDITS a minute),
  so a flood of them cannot fill the audit trail.
  Every check costs one bcrypt check, whatever the username or the password's length. A right
  password resets the count. Times are naive UTC.
- A disabled account cannot sign in by password or by cookie.
- A session lasts at most SESSION_LIFETIME from the password sign-in it rests on, however active,
  and ends after IDLE_TIMEOUT without a run. A sign-in cookie is accepted only within the same
  lifetime, for an enabled account, if it was issued after the account's last sign-out, password
  reset or disabling (`cookies_revoked_at`), and while the account's last noted activity is
  within IDLE_TIMEOUT, so a cookie never outlives the idle timeout, even on a reload.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import bcrypt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sgoversight import uktime
from sgoversight.auth import SYSTEM, Actor, Permission, Role
from sgoversight.errors import BadInput, field_messages
from sgoversight.store import audit
from sgoversight.store.db import PROJECT_ROOT, session_scope
from sgoversight.store.models import AuditEvent, Provider, User
from sgoversight.uktime import utc_now

DEFAULT_USERS_FILE = PROJECT_ROOT / "config" / "users.yaml"
#: Used only when SGO_COOKIE_KEY is unset; the app refuses it when SGO_ENV=production.
DEMO_COOKIE_KEY = "demo-cookie-key-NOT-FOR-PRODUCTION"
COOKIE_NAME = "sgoversight_session"

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt 5 refuses) anything longer
BCRYPT_ROUNDS = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
IDLE_TIMEOUT = dt.timedelta(minutes=30)  # signed out after this long without a click
SESSION_LIFETIME = dt.timedelta(hours=12)  # signed out this long after the password, active or not
MIN_COOKIE_KEY_LENGTH = 32  # production mode refuses a shorter SGO_COOKIE_KEY
SEEN_EVERY = dt.timedelta(minutes=5)  # how often a session notes its activity in the database
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ENTITY = audit.ACCOUNT_ENTITY
_BCRYPT_PREFIXES = ("$2b$", "$2a$", "$2y$")


def clock_time(moment: dt.datetime) -> str:
    """A naive-UTC moment as a UK wall-clock time with its zone ('14:05 BST'), the one UK-time
    rule of sgoversight.uktime."""
    return f"{uktime.to_uk(moment):%H:%M} {uktime.zone(moment)}"


def is_bcrypt_hash(value: str) -> bool:
    return value.startswith(_BCRYPT_PREFIXES) and len(value) == 60


# --- the seed file ---------------------------------------------------------------------------


class UserEntry(BaseModel):
    """One user in the seed file (config/users.yaml)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    email: str = Field(min_length=3)
    password: str
    roles: list[Role] = Field(min_length=1)
    provider_id: str | None = None
    demo: bool = False

    @field_validator("password")
    @classmethod
    def _must_be_bcrypt_hash(cls, value: str) -> str:
        if not is_bcrypt_hash(value):
            raise ValueError("must be a bcrypt hash, never a plaintext password")
        return value

    @model_validator(mode="after")
    def _provider_users_name_their_provider(self) -> UserEntry:
        if Role.PROVIDER in self.roles and not self.provider_id:
            raise ValueError("provider_id is required for a user with the provider role")
        return self


class UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    usernames: dict[str, UserEntry]


def users_file_path() -> Path:
    """The seed file: SGO_USERS_FILE, else config/users.yaml."""
    return Path(os.environ.get("SGO_USERS_FILE", DEFAULT_USERS_FILE))


def load_users(path: Path | None = None) -> dict[str, UserEntry]:
    """Read and validate the seed file; BadInput naming the user and key on any problem."""
    path = path or users_file_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return UsersFile.model_validate(raw).usernames
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise BadInput(f"{path}: not valid YAML ({exc})") from exc
    except ValidationError as exc:
        problems = [
            f"{path.name}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        ]
        raise BadInput(f"{path.name} is not valid", problems) from exc


def actor_for(username: str, users: dict[str, UserEntry]) -> Actor:
    """The Actor for a username in the seed file (roles and provider from the file)."""
    entry = users[username]
    return Actor(username=username, roles=frozenset(entry.roles), provider_id=entry.provider_id)


def seed_users(engine: Engine, path: Path | None = None) -> int:
    """Copy the seed file into the `users` table if, and only if, the table is empty.

    Rules: the hashes are copied as they are (the file is validated first: hashes only, known
    roles); in production mode (SGO_ENV=production) accounts marked `demo` are not copied; each
    copied account is audited as created by `system`. Returns how many were copied (0 when the
    table already holds accounts: the database is then authoritative). Safe when two replicas
    start together: the second sees the first one's accounts, or loses the insert race.
    """
    if _has_users(engine):
        return 0
    entries = load_users(path)
    if production_mode():
        entries = {name: entry for name, entry in entries.items() if not entry.demo}
    if not entries:
        return 0
    source = (path or users_file_path()).name
    try:
        with session_scope(engine) as session:
            if session.scalar(select(func.count()).select_from(User)):
                return 0
            for username, entry in entries.items():
                user = User(
                    username=normalise_username(username),
                    display_name=entry.name,
                    email=entry.email,
                    password_hash=entry.password,
                    roles=[role.value for role in entry.roles],
                    provider_id=entry.provider_id,
                    disabled=False,
                    demo=entry.demo,
                    failed_logins=0,
                )
                session.add(user)
                audit.record(
                    session,
                    SYSTEM,
                    "create",
                    ENTITY,
                    user.username,
                    after=_public(user),
                    detail=f"copied from {source}",
                )
    except IntegrityError:
        return 0  # another replica seeded the table at the same moment
    return len(entries)


def _has_users(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(User.username).limit(1)).first() is not None


# --- accounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """One account as the app and command line see it: never the password hash."""

    username: str
    name: str
    email: str
    roles: tuple[Role, ...]
    provider_id: str | None
    disabled: bool
    demo: bool
    failed_logins: int
    locked_until: dt.datetime | None
    created_at: dt.datetime | None
    cookies_revoked_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None

    def actor(self) -> Actor:
        return Actor(self.username, frozenset(self.roles), self.provider_id)

    def locked(self, now: dt.datetime) -> bool:
        """Locked out at `now` (naive UTC)."""
        return self.locked_until is not None and self.locked_until > now

    def status(self, now: dt.datetime) -> str:
        """Whether the account can sign in at `now` (naive UTC), in words.

        Rule: a disabled account reads "Disabled" (locked or not), else a locked one "Locked",
        else "Can sign in".
        """
        if self.disabled:
            return "Disabled"
        if self.locked(now):
            return "Locked"
        return "Can sign in"


def _account(user: User) -> Account:
    return Account(
        username=user.username,
        name=user.display_name,
        email=user.email,
        roles=tuple(Role(r) for r in user.roles),
        provider_id=user.provider_id,
        disabled=bool(user.disabled),
        demo=bool(user.demo),
        failed_logins=user.failed_logins or 0,
        locked_until=user.locked_until,
        created_at=user.created_at,
        cookies_revoked_at=user.cookies_revoked_at,
        last_seen_at=user.last_seen_at,
    )


def _public(user: User) -> dict[str, Any]:
    """What the audit trail may hold about an account: everything but the password hash."""
    return {
        "username": user.username,
        "name": user.display_name,
        "email": user.email,
        "roles": list(user.roles),
        "provider_id": user.provider_id,
        "disabled": bool(user.disabled),
    }


def account(engine: Engine, username: str) -> Account | None:
    """The account for `username` (any case), or None. For sign-in: no permission needed."""
    with Session(engine) as session:
        user = session.get(User, normalise_username(username))
        return _account(user) if user else None


def list_users(engine: Engine, actor: Actor) -> list[Account]:
    """Every account, by username; administrators only."""
    actor.require(Permission.MANAGE_USERS)
    with Session(engine) as session:
        return [_account(u) for u in session.scalars(select(User).order_by(User.username))]


def provider_names(engine: Engine, actor: Actor) -> dict[str, str]:
    """Provider id → name for the provider picker when adding a provider user; admins only."""
    actor.require(Permission.MANAGE_USERS)
    with Session(engine) as session:
        rows = session.execute(
            select(Provider.provider_id, Provider.name).order_by(Provider.name)
        ).all()
    return {provider_id: name for provider_id, name in rows}


def normalise_username(username: str) -> str:
    """Usernames are compared without case or surrounding spaces (as streamlit-authenticator)."""
    return username.strip().lower()


class NewUser(BaseModel):
    """A new account as typed on the Users page or the command line (the password apart)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    username: str
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=200)
    roles: list[Role] = Field(min_length=1)
    provider_id: str | None = Field(default=None, max_length=64)

    @field_validator("username")
    @classmethod
    def _username_shape(cls, value: str) -> str:
        value = value.lower()
        if not USERNAME_PATTERN.fullmatch(value):
            raise ValueError(
                "use 2 to 64 lower-case letters, digits, dots, hyphens or underscores, "
                "starting with a letter or digit"
            )
        return value

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("is not an e-mail address")
        return value

    @field_validator("provider_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _provider_users_name_their_provider(self) -> NewUser:
        if Role.PROVIDER in self.roles and not self.provider_id:
            raise ValueError("a user with the provider role needs a provider id")
        self.roles = sorted(set(self.roles))
        return self


def password_problems(username: str, password: str) -> list[str]:
    """Why `password` cannot be used for `username`; empty when it can.

    Rule: at least MIN_PASSWORD_LENGTH characters, at most MAX_PASSWORD_BYTES bytes, not only
    spaces, and not the username (in any case).
    """
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"password: use at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        problems.append(f"password: use at most {MAX_PASSWORD_BYTES} bytes")
    if not password.strip():
        problems.append("password: cannot be only spaces")
    if normalise_username(password) == normalise_username(username):
        problems.append("password: cannot be the username")
    return problems


def new_user_problems(
    *,
    username: str,
    name: str,
    email: str,
    roles: Sequence[Role | str],
    provider_id: str | None,
    password: str,
) -> dict[str, str]:
    """Every problem of a new account at once, one message per field (username, name, email,
    roles, provider_id, password; "form" for a problem about no one field); empty when add_user
    would accept it but for the register (a username taken, a provider not in it).

    Rules: the NewUser rules, the first problem of each field; a blank username, name or e-mail
    is "required" and no role "choose at least one role", whatever rule it also breaks; a whole-
    account problem about the provider belongs to the provider; a provider user with no provider
    is asked to choose one; the password's problems (password_problems) joined.
    """
    found: dict[str, str] = {}
    try:
        NewUser.model_validate(
            {
                "username": username,
                "name": name,
                "email": email,
                "roles": list(roles),
                "provider_id": provider_id,
            }
        )
    except ValidationError as exc:
        for field, message in field_messages(exc.errors()).items():
            key = "provider_id" if field == "form" and "provider" in message else field
            found[key] = f"{found[key]}; {message}" if key in found else message
    for field, value in (("username", username), ("name", name), ("email", email)):
        if not value.strip():
            found[field] = "required"
    if not roles:
        found["roles"] = "choose at least one role"
    if Role.PROVIDER in roles and not provider_id:
        found.setdefault("provider_id", "choose the provider this member of staff works for")
    weak = [problem.partition(": ")[2] for problem in password_problems(username, password)]
    if weak:
        found["password"] = "; ".join(weak)
    return found


def hash_password(username: str, password: str) -> str:
    """The bcrypt hash of an acceptable `password`; BadInput (never echoing it) otherwise."""
    problems = password_problems(username, password)
    if problems:
        raise BadInput("the password is not strong enough", problems)
    salt = bcrypt.gensalt(rounds=BCRYPT_ROUNDS)
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


def _validated(**fields: Any) -> NewUser:
    try:
        return NewUser.model_validate(fields)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or 'user'}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        ]
        raise BadInput("the user is not valid", problems) from exc


def add_user(
    engine: Engine,
    actor: Actor,
    username: str,
    name: str,
    email: str,
    password: str,
    roles: list[Role] | list[str],
    provider_id: str | None = None,
) -> Account:
    """Create an account; administrators only.

    Rules: the username is new (case-insensitive) and well formed; the e-mail looks like one;
    every role is known; a provider user names a provider in the register; the password passes
    password_problems. Only the bcrypt hash is stored; the audit event holds the account without
    it. BadInput (nothing written) otherwise.
    """
    actor.require(Permission.MANAGE_USERS)
    new = _validated(
        username=username, name=name, email=email, roles=roles, provider_id=provider_id
    )
    password_hash = hash_password(new.username, password)
    with session_scope(engine) as session:
        if session.get(User, new.username) is not None:
            raise BadInput(f"username: {new.username} already exists")
        if new.provider_id and session.get(Provider, new.provider_id) is None:
            raise BadInput(f"provider id: {new.provider_id} is not in the provider register")
        user = User(
            username=new.username,
            display_name=new.name,
            email=new.email,
            password_hash=password_hash,
            roles=[role.value for role in new.roles],
            provider_id=new.provider_id,
            disabled=False,
            demo=False,
            failed_logins=0,
        )
        session.add(user)
        session.flush()
        audit.record(session, actor, "create", ENTITY, user.username, after=_public(user))
        return _account(user)


def _locked_user(session: Session, username: str) -> User | None:
    """The user row, locked for this transaction (PostgreSQL; SQLite's writer lock is held)."""
    return session.scalars(
        select(User).where(User.username == normalise_username(username)).with_for_update()
    ).first()


def _existing(session: Session, username: str) -> User:
    user = _locked_user(session, username)
    if user is None:
        raise BadInput(f"username: there is no user called {normalise_username(username)}")
    return user


def _enabled_admins(session: Session) -> list[str]:
    users = session.scalars(select(User).where(User.disabled.is_(False))).all()
    return [u.username for u in users if Role.ADMIN.value in u.roles]


def disable_user(engine: Engine, actor: Actor, username: str) -> Account:
    """Stop an account signing in (by password or cookie, every cookie issued so far refused; a
    running session ends on its next page); administrators only. Rules: nobody disables their own
    account, and the last enabled administrator stays enabled. Disabling a disabled account
    changes nothing and is not audited.
    """
    actor.require(Permission.MANAGE_USERS)
    with session_scope(engine) as session:
        user = _existing(session, username)
        if user.disabled:
            return _account(user)
        if user.username == normalise_username(actor.username):
            raise BadInput("you cannot disable your own account")
        if Role.ADMIN.value in user.roles and _enabled_admins(session) == [user.username]:
            raise BadInput(f"{user.username} is the last enabled administrator")
        before = _public(user)
        user.disabled = True
        user.cookies_revoked_at = utc_now()
        audit.record(
            session, actor, "disable", ENTITY, user.username, before=before, after=_public(user)
        )
        return _account(user)


def enable_user(engine: Engine, actor: Actor, username: str) -> Account:
    """Let a disabled account sign in again; administrators only. Enabling an enabled account
    changes nothing and is not audited."""
    actor.require(Permission.MANAGE_USERS)
    with session_scope(engine) as session:
        user = _existing(session, username)
        if not user.disabled:
            return _account(user)
        before = _public(user)
        user.disabled = False
        audit.record(
            session, actor, "enable", ENTITY, user.username, before=before, after=_public(user)
        )
        return _account(user)


def reset_password(engine: Engine, actor: Actor, username: str, new_password: str) -> Account:
    """Give an account a new password; administrators only.

    Rules: the password passes password_problems; only its bcrypt hash is stored; a reset also
    ends any lock-out, clears the failed-attempt count and refuses every sign-in cookie issued
    before it; the audit event says the password changed and holds neither the password nor the
    hash.
    """
    actor.require(Permission.MANAGE_USERS)
    if account(engine, username) is None:  # before spending a bcrypt hash
        raise BadInput(f"username: there is no user called {normalise_username(username)}")
    password_hash = hash_password(normalise_username(username), new_password)
    with session_scope(engine) as session:
        user = _existing(session, username)
        user.password_hash = password_hash
        user.failed_logins = 0
        user.locked_until = None
        user.cookies_revoked_at = utc_now()
        audit.record(
            session, actor, "reset_password", ENTITY, user.username, detail="password changed"
        )
        return _account(user)


def unlock_user(engine: Engine, actor: Actor, username: str) -> Account:
    """End a lock-out and clear the failed-attempt count; administrators only (audited when the
    account had failed attempts or a lock to clear)."""
    actor.require(Permission.MANAGE_USERS)
    with session_scope(engine) as session:
        user = _existing(session, username)
        if not user.failed_logins and user.locked_until is None:
            return _account(user)
        before = {"failed_logins": user.failed_logins, "locked_until": user.locked_until}
        user.failed_logins = 0
        user.locked_until = None
        audit.record(
            session,
            actor,
            "unlock",
            ENTITY,
            user.username,
            before=before,
            after={"failed_logins": 0, "locked_until": None},
        )
        return _account(user)


# --- signing in --------------------------------------------------------------------------------


class SignInOutcome(StrEnum):
    SIGNED_IN = "signed_in"
    WRONG = "wrong"  # unknown username or wrong password: the same answer for both
    LOCKED = "locked"
    DISABLED = "disabled"  # the right password for a disabled account


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    account: Account | None = None
    locked_until: dt.datetime | None = None


#: A bcrypt hash (12 rounds, as BCRYPT_ROUNDS) of a password nobody types, checked against for an
#: unknown username or an over-long password so that it costs as long as a real check.
_DUMMY_HASH = b"$2b$12$PbYjxKrjCmCf5sE1AEDJoeh5Zjh.wzOQOewotDYFEpibip6Tiexsq"

#: At most this many tries that cannot succeed (an unknown username, a locked account) are
#: audited one by one in any THROTTLE_WINDOW, counted in the database so the bound holds across
#: every replica; one `login_throttled` event marks the tries beyond it, which are refused like
#: any other but not recorded one by one.
THROTTLED_AUDITS = 20
THROTTLE_WINDOW = dt.timedelta(minutes=1)
UNKNOWN_DETAIL = "unknown username"
LOCKED_DETAIL = "refused: the account is locked"
THROTTLED_ACTION = "login_throttled"
#: PostgreSQL advisory lock key serialising the throttle's count (SQLite's BEGIN IMMEDIATE
#: already does).
_THROTTLE_LOCK = 5_317_423_716


def _bcrypt_check(encoded: bytes, password_hash: str | None) -> bool:
    """Whether `encoded` is the password whose bcrypt hash is `password_hash`.

    Rule: every check costs exactly one bcrypt check, whatever the input. A password over
    MAX_PASSWORD_BYTES (which no stored password can be), an unknown username (no hash) or a
    stored value that is not a bcrypt hash is checked against a dummy hash of the same cost and is
    never right, so the time taken does not tell whether the username exists or how long the
    password was.
    """
    real = (
        password_hash is not None
        and len(encoded) <= MAX_PASSWORD_BYTES
        and password_hash.isascii()
        and is_bcrypt_hash(password_hash)
    )
    against = password_hash.encode("ascii") if real and password_hash else _DUMMY_HASH
    try:
        matched = bcrypt.checkpw(encoded[:MAX_PASSWORD_BYTES], against)
    except ValueError:  # a stored value shaped like a bcrypt hash but not one
        return False
    return real and matched


def _attempt_actor(username: str) -> Actor:
    return Actor(username=normalise_username(username)[:64] or "(blank)")


def _audit_attempt(
    session: Session,
    actor: Actor,
    action: str,
    entity_id: str | None,
    detail: str,
    now: dt.datetime,
    *,
    after: dict[str, Any] | None = None,
) -> None:
    """Audit one sign-in event, dated at the attempt's `now` (what the throttle counts by)."""
    event = audit.record(session, actor, action, ENTITY, entity_id, after=after, detail=detail)
    event.occurred_at = now


def _refused_while_locked(session: Session, user: User, now: dt.datetime) -> None:
    _record_throttled(
        session,
        user.username,
        f"{LOCKED_DETAIL} until {uktime.stamp(user.locked_until)}",
        now,
    )


def locked_until(engine: Engine, username: str, now: dt.datetime) -> dt.datetime | None:
    """When the lock-out on `username` ends, if it is locked out at `now`; else None."""
    found = account(engine, username)
    return found.locked_until if found is not None and found.locked(now) else None


def is_locked(engine: Engine, username: str, now: dt.datetime) -> bool:
    """Rule: an account is locked while `now` is before its `locked_until`."""
    return locked_until(engine, username, now) is not None


def _count_wrong_password(session: Session, user: User, now: dt.datetime) -> dt.datetime | None:
    """Count one wrong password on the locked row `user`; the end of the lock-out if it locks.

    Rules: a lock that has run out starts a fresh count; the failure is audited (`login_failed`,
    actor = the username); the MAX_FAILED_LOGINS-th failure in a row locks the account until
    now + LOCKOUT and writes an `account_locked` event.
    """
    if user.locked_until is not None:  # the lock has run out: a fresh count
        user.locked_until = None
        user.failed_logins = 0
    user.failed_logins = (user.failed_logins or 0) + 1
    actor = _attempt_actor(user.username)
    _audit_attempt(
        session,
        actor,
        "login_failed",
        user.username,
        f"wrong password ({user.failed_logins} in a row)",
        now,
    )
    if user.failed_logins < MAX_FAILED_LOGINS:
        return None
    user.locked_until = now + LOCKOUT
    _audit_attempt(
        session,
        actor,
        "account_locked",
        user.username,
        f"locked for {LOCKOUT.total_seconds() / 60:.0f} minutes after "
        f"{user.failed_logins} wrong passwords in a row",
        now,
        after={"locked_until": user.locked_until},
    )
    return user.locked_until


def _record_throttled(session: Session, username: str, detail: str, now: dt.datetime) -> None:
    """Audit a try that cannot succeed (`detail` says why: an unknown username, a locked
    account), within the throttle.

    Rule: at most THROTTLED_AUDITS such tries are recorded one by one (`login_failed`, actor =
    the username tried) in any THROTTLE_WINDOW up to `now`, counted in the database under a lock
    so every replica shares the count; the next one writes a single `login_throttled` event and
    further ones write nothing until the count falls. So a flood of such tries adds at most
    THROTTLED_AUDITS + 1 rows a window to the audit trail. The try is refused either way.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_THROTTLE_LOCK)))
    recorded = (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.entity == ENTITY,
                AuditEvent.occurred_at > now - THROTTLE_WINDOW,
                or_(
                    and_(
                        AuditEvent.action == "login_failed",
                        or_(
                            AuditEvent.detail == UNKNOWN_DETAIL,
                            AuditEvent.detail.startswith(LOCKED_DETAIL, autoescape=True),
                        ),
                    ),
                    AuditEvent.action == THROTTLED_ACTION,
                ),
            )
        )
        or 0
    )
    if recorded < THROTTLED_AUDITS:
        name = normalise_username(username)
        _audit_attempt(
            session, _attempt_actor(name), "login_failed", name[:128] or None, detail, now
        )
    elif recorded == THROTTLED_AUDITS:
        _audit_attempt(
            session,
            SYSTEM,
            THROTTLED_ACTION,
            None,
            f"more than {THROTTLED_AUDITS} sign-in tries with unknown usernames or on locked "
            f"accounts within {THROTTLE_WINDOW.total_seconds() / 60:.0f} minute: further ones "
            "are refused but not recorded one by one until the rate falls",
            now,
        )


def record_failed_login(engine: Engine, username: str, now: dt.datetime) -> dt.datetime | None:
    """Count one wrong password for `username`; the end of the lock-out if the account is locked.

    Rules: as check_password for a wrong password, in one serialised step on the account's row: a
    try while locked is audited (within the throttle) but does not extend the lock; an unknown
    username is audited within the throttle, without creating a user.
    """
    with session_scope(engine) as session:
        user = _locked_user(session, username)
        if user is not None:
            if user.locked_until is not None and user.locked_until > now:
                _refused_while_locked(session, user, now)
                return user.locked_until
            return _count_wrong_password(session, user, now)
        _record_throttled(session, username, UNKNOWN_DETAIL, now)
        return None


def _check_locked_account(
    session: Session, user: User, encoded: bytes, now: dt.datetime
) -> SignInResult:
    """The password check on `user`, whose row this transaction holds locked."""
    if user.locked_until is not None and user.locked_until > now:
        _refused_while_locked(session, user, now)
        return SignInResult(SignInOutcome.LOCKED, locked_until=user.locked_until)
    if not _bcrypt_check(encoded, user.password_hash):
        until = _count_wrong_password(session, user, now)
        if until is not None:
            return SignInResult(SignInOutcome.LOCKED, locked_until=until)
        return SignInResult(SignInOutcome.WRONG)
    if user.disabled:
        _audit_attempt(
            session,
            _attempt_actor(user.username),
            "login_failed",
            user.username,
            "refused: the account is disabled",
            now,
        )
        return SignInResult(SignInOutcome.DISABLED)
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None
    _audit_attempt(session, _attempt_actor(user.username), "login", user.username, "signed in", now)
    return SignInResult(SignInOutcome.SIGNED_IN, account=_account(user))


def check_password(engine: Engine, username: str, password: str, now: dt.datetime) -> SignInResult:
    """Check a password sign-in for `username` at `now` (naive UTC), enforcing the lock-out.

    Rules:
    - For an account, reading its state, checking the password and recording the outcome are one
      serialised step: the account's row is locked for the whole step (SELECT … FOR UPDATE on
      PostgreSQL; BEGIN IMMEDIATE on SQLite, which holds the database's write lock). So N
      guesses made at once count as N, and once the MAX_FAILED_LOGINS-th has locked the account
      no later one is checked or signs in, the right password included.
    - A locked account is refused before its password is checked (the try is audited); a wrong
      password is counted as record_failed_login does; the right password for a disabled
      account is refused (audited); otherwise the count is reset, the sign-in audited (`login`)
      and the account returned.
    - An unknown username costs the same one bcrypt check as a real one (done outside any lock),
      and is answered WRONG, like a wrong password. It and a try on a locked account are audited
      within the throttle (THROTTLED_AUDITS a minute across every replica).
    - The password is never stored or logged.
    """
    name = normalise_username(username)
    encoded = password.encode("utf-8")
    with session_scope(engine) as session:
        user = _locked_user(session, name)
        if user is not None:
            return _check_locked_account(session, user, encoded, now)
    _bcrypt_check(encoded, None)
    with session_scope(engine) as session:
        _record_throttled(session, name, UNKNOWN_DETAIL, now)
    return SignInResult(SignInOutcome.WRONG)


def record_activity(engine: Engine, username: str, now: dt.datetime) -> None:
    """Note that `username` was active at `now` (a session calls this at most every SEEN_EVERY,
    and on signing in), so their cookie keeps working while they use the app."""
    with session_scope(engine) as session:
        user = _locked_user(session, username)
        if user is not None:
            user.last_seen_at = now


def revoke_cookies(engine: Engine, username: str, now: dt.datetime) -> None:
    """Refuse every sign-in cookie issued to `username` before `now` (signing out does this, so
    a cookie the browser has not yet dropped cannot sign anyone back in, on any browser)."""
    with session_scope(engine) as session:
        user = _locked_user(session, username)
        if user is not None:
            user.cookies_revoked_at = now


def cookie_account(
    engine: Engine, username: str, issued_at: dt.datetime, now: dt.datetime
) -> Account | None:
    """The account a valid, signed sign-in cookie may sign in, or None.

    Rules: the cookie was issued (`issued_at`, naive UTC: the password sign-in it records) less
    than SESSION_LIFETIME before `now`; the account exists and is enabled; the cookie was issued
    no earlier than the account's `cookies_revoked_at`; and the account's last noted activity is
    no more than IDLE_TIMEOUT before `now`. Activity is noted every SEEN_EVERY, so a reload can
    ask for the password up to SEEN_EVERY early, never late. A lock-out does not refuse a cookie:
    it guards against guessed passwords, and the cookie proves an earlier right password.
    """
    if now - issued_at >= SESSION_LIFETIME:
        return None
    found = account(engine, username)
    if found is None or found.disabled:
        return None
    if found.cookies_revoked_at is not None and issued_at < found.cookies_revoked_at:
        return None
    if found.last_seen_at is None or now - found.last_seen_at > IDLE_TIMEOUT:
        return None
    return found


class SessionEnd(StrEnum):
    """Why an open session ends."""

    IDLE = "idle"
    EXPIRED = "expired"
    DISABLED = "disabled"
    REVOKED = "revoked"


def session_end(
    found: Account | None,
    *,
    password_at: dt.datetime | None,
    started_at: dt.datetime | None,
    last_active: dt.datetime | None,
    now: dt.datetime,
) -> SessionEnd | None:
    """Why an open session of `found` must end at `now` (naive UTC), or None while it may go on.

    Rules, first match wins: IDLE when its last run (`last_active`) was more than IDLE_TIMEOUT
    ago; EXPIRED when the password sign-in it rests on (`password_at`, for a session opened from
    a cookie the sign-in that issued the cookie; unknown counts as expired) was SESSION_LIFETIME
    or more ago, however active the session has been; DISABLED when the account is gone or
    disabled; REVOKED when the account's cookies were revoked (signing out elsewhere, a password
    reset) after the session started (`started_at`).
    """
    if last_active is not None and now - last_active > IDLE_TIMEOUT:
        return SessionEnd.IDLE
    if password_at is None or now - password_at >= SESSION_LIFETIME:
        return SessionEnd.EXPIRED
    if found is None or found.disabled:
        return SessionEnd.DISABLED
    if (
        started_at is not None
        and found.cookies_revoked_at is not None
        and found.cookies_revoked_at > started_at
    ):
        return SessionEnd.REVOKED
    return None


def credentials(engine: Engine, username: str) -> dict[str, Any]:
    """The credentials dictionary streamlit-authenticator expects, holding only `username`'s
    account when it exists and is enabled (else no account), without its password hash: the
    password was checked by check_password and the authenticator is handed the checked sign-in
    (a token), so the session never holds a hash, nor anyone else's details."""
    with Session(engine) as session:
        user = session.get(User, normalise_username(username))
        if user is None or user.disabled:
            return {"usernames": {}}
        return {
            "usernames": {
                user.username: {
                    "name": user.display_name,
                    "email": user.email,
                    "roles": list(user.roles),
                }
            }
        }


def has_enabled_account(engine: Engine) -> bool:
    """Whether anyone can sign in at all (the sign-in page says how to add the first account)."""
    with engine.connect() as connection:
        enabled = select(User.username).where(User.disabled.is_(False)).limit(1)
        return connection.execute(enabled).first() is not None


# --- production ---------------------------------------------------------------------------------


def cookie_key() -> str:
    """The cookie signing key: SGO_COOKIE_KEY from the environment, else the demo key."""
    return os.environ.get("SGO_COOKIE_KEY", "").strip() or DEMO_COOKIE_KEY


def production_mode() -> bool:
    return os.environ.get("SGO_ENV", "").strip().lower() == "production"


def development_mode() -> bool:
    """SGO_ENV=development: only then does the app show error details (tracebacks) on the page;
    otherwise they are only logged."""
    return os.environ.get("SGO_ENV", "").strip().lower() == "development"


def production_problems(engine: Engine) -> list[str]:
    """Why the app must not start in production mode (SGO_ENV=production); empty when it may.

    Rules: the demo cookie key is refused, and so is a key shorter than MIN_COOKIE_KEY_LENGTH
    characters (it could be guessed, and whoever knows it can sign in as anyone) and any enabled
    account marked `demo`.
    """
    if not production_mode():
        return []
    problems = []
    key = cookie_key()
    if key == DEMO_COOKIE_KEY:
        problems.append("SGO_COOKIE_KEY is not set: the demo cookie key cannot be used")
    elif len(key) < MIN_COOKIE_KEY_LENGTH:
        problems.append(
            f"SGO_COOKIE_KEY is {len(key)} characters long: use a random key of at least "
            f"{MIN_COOKIE_KEY_LENGTH}"
        )
    with Session(engine) as session:
        demo_users = session.scalars(
            select(User.username)
            .where(User.demo.is_(True), User.disabled.is_(False))
            .order_by(User.username)
        ).all()
    if demo_users:
        problems.append(
            f"demo users are still enabled: {', '.join(demo_users)} "
            "(disable them with `python -m sgoversight users disable USERNAME`)"
        )
    return problems
