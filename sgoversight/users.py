"""Who can sign in: the users file `config/users.yaml`, validated.

Rules: passwords are stored only as bcrypt hashes (a plaintext password in the file is refused);
every role is one of sgoversight.auth.Role; a provider user names the provider they belong to.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sgoversight.auth import Actor, Role
from sgoversight.db import PROJECT_ROOT
from sgoversight.errors import BadInput

DEFAULT_USERS_FILE = PROJECT_ROOT / "config" / "users.yaml"
#: Used only when SGO_COOKIE_KEY is unset; the app refuses it when SGO_ENV=production.
DEMO_COOKIE_KEY = "demo-cookie-key-NOT-FOR-PRODUCTION"
COOKIE_NAME = "sgoversight_session"


class UserEntry(BaseModel):
    """One user in the users file."""

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
        if not (value.startswith(("$2b$", "$2a$", "$2y$")) and len(value) == 60):
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
    return Path(os.environ.get("SGO_USERS_FILE", DEFAULT_USERS_FILE))


def load_users(path: Path | None = None) -> dict[str, UserEntry]:
    """Read and validate the users file; BadInput naming the user and key on any problem."""
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


def authenticator_credentials(users: dict[str, UserEntry]) -> dict[str, Any]:
    """The credentials dictionary streamlit-authenticator expects (hashes only)."""
    return {
        "usernames": {
            username: {
                "name": entry.name,
                "email": entry.email,
                "password": entry.password,
                "roles": [role.value for role in entry.roles],
            }
            for username, entry in users.items()
        }
    }


def actor_for(username: str, users: dict[str, UserEntry]) -> Actor:
    """The Actor for a signed-in username (roles and provider from the users file)."""
    entry = users[username]
    return Actor(username=username, roles=frozenset(entry.roles), provider_id=entry.provider_id)


def cookie_key() -> str:
    """The cookie signing key: SGO_COOKIE_KEY from the environment, else the demo key."""
    return os.environ.get("SGO_COOKIE_KEY", "").strip() or DEMO_COOKIE_KEY


def production_problems(users: dict[str, UserEntry]) -> list[str]:
    """Why the app must not start in production mode (SGO_ENV=production); empty when it may."""
    if os.environ.get("SGO_ENV", "").strip().lower() != "production":
        return []
    problems = []
    if cookie_key() == DEMO_COOKIE_KEY:
        problems.append("SGO_COOKIE_KEY is not set: the demo cookie key cannot be used")
    demo_users = sorted(name for name, entry in users.items() if entry.demo)
    if demo_users:
        problems.append(f"demo users are still enabled: {', '.join(demo_users)}")
    return problems
