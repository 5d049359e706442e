"""The users file: hashes only, valid roles, provider users name their provider; production mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgoversight.auth import Role
from sgoversight.errors import BadInput
from sgoversight.users import (
    DEMO_COOKIE_KEY,
    actor_for,
    cookie_key,
    load_users,
    production_problems,
)

HASH = "$2b$12$" + "a" * 53


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(body, encoding="utf-8")
    return path


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


def test_production_refuses_demo_key_and_demo_users(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SGO_COOKIE_KEY", raising=False)
    monkeypatch.setenv("SGO_ENV", "production")
    assert cookie_key() == DEMO_COOKIE_KEY
    problems = production_problems(load_users())
    assert any("SGO_COOKIE_KEY" in p for p in problems)
    assert any("demo users" in p for p in problems)
    monkeypatch.setenv("SGO_ENV", "development")
    assert production_problems(load_users()) == []


def test_cookie_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SGO_COOKIE_KEY", "k" * 40)
    assert cookie_key() == "k" * 40
