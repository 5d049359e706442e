"""The Users page: administrators only; add, disable, enable, unlock, reset a password."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import TextInput

from sgoversight import users
from sgoversight.auth import Role
from sgoversight.store.models import AuditEvent, Provider, User
from tests.pages.conftest import PROJECT_ROOT
from ui.format import plain

PAGE = "pages/users.py"
PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 11, 24, 9, 0)


@pytest.fixture
def accounts(page_db: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The demo logins, seeded from config/users.yaml; cheap bcrypt rounds for new hashes."""
    monkeypatch.setattr(users, "BCRYPT_ROUNDS", 4)
    users.seed_users(page_db)
    return page_db


def _text(app: AppTest, label: str, index: int = 0) -> TextInput:
    return [t for t in app.text_input if t.label == label][index]


def _fill_new_user(app: AppTest, username: str, password: str, again: str) -> AppTest:
    _text(app, "Username").input(username)
    _text(app, "Full name").input("Cara Jones")
    _text(app, "E-mail").input(f"{username}@council.example")
    app.multiselect[0].set_value([Role.COMMISSIONER])
    _text(app, "Password").input(password)
    _text(app, "Password again").input(again)
    return app.button(key="add_user").click().run()


def _errors(app: AppTest) -> str:
    """The error messages as read on screen (without Markdown's escapes)."""
    return "\n".join(e.value.replace("\\", "") for e in app.error)


def test_admin_sees_every_user_without_hashes(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    app = run_page(PAGE, as_user="admin")
    assert not app.exception
    table = app.dataframe[0].value
    assert set(table["Username"]) == {
        "admin", "board", "commissioner", "planowner", "provider", "qa", "safeguarding",
    }  # fmt: skip
    assert list(table.columns) == [
        "Username", "Name", "Roles", "Provider", "Status", "Locked until", "Last seen",
        "Wrong passwords in a row", "E-mail", "Demo login",
    ]  # fmt: skip
    assert "$2b$" not in table.to_csv()
    # the seeded provider login's service is not in this empty register: said so, id kept
    assert table.set_index("Username").loc["provider", "Provider"] == (
        "not in the register (PRV-0001)"
    )
    assert table.set_index("Username").loc["admin", "Provider"] == ""


def test_provider_staff_are_shown_with_their_service_name(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    with Session(accounts) as session, session.begin():
        session.add(Provider(provider_id="PRV-0001", name="Elmfield House",
                             service_type="care_home", regulated=True))  # fmt: skip
    table = run_page(PAGE, as_user="admin").dataframe[0].value.set_index("Username")
    assert table.loc["provider", "Provider"] == "Elmfield House (PRV-0001)"


@pytest.mark.parametrize("user", ["commissioner", "board", "safeguarding", "qa", "provider"])
def test_other_roles_are_turned_away(
    run_page: Callable[..., AppTest], accounts: Engine, user: str
) -> None:
    app = run_page(PAGE, as_user=user)
    assert [e.value for e in app.error] == ["Your role does not give you access to this page."]
    assert not app.dataframe


def test_admin_adds_a_user_and_the_password_is_never_shown(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    app = _fill_new_user(run_page(PAGE, as_user="admin"), "cara", PASSWORD, PASSWORD)
    assert not app.exception, app.exception
    assert [s.value for s in app.success] == ["User cara added."]
    assert "cara" in set(app.dataframe[0].value["Username"])
    # the forms start afresh: nothing typed is shown back
    assert all(t.value == "" for t in app.text_input)
    rendered = "\n".join(str(e.value) for e in [*app.markdown, *app.success, *app.caption])
    assert PASSWORD not in rendered
    with Session(accounts) as session:
        cara = session.get(User, "cara")
        assert cara is not None and users.is_bcrypt_hash(cara.password_hash)
        event = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == "cara")).one()
        assert (event.actor, event.action) == ("admin", "create")
    assert users.check_password(accounts, "cara", PASSWORD, NOW).outcome is (
        users.SignInOutcome.SIGNED_IN
    )


def test_two_different_passwords_or_a_weak_one_add_nobody(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    app = _fill_new_user(run_page(PAGE, as_user="admin"), "cara", PASSWORD, PASSWORD + "x")
    assert "Is not the same as the password above." in _errors(app)
    app = _fill_new_user(app, "cara", "too-short", "too-short")
    assert "Use at least 12 characters." in _errors(app)
    assert "too-short" not in _errors(app)
    assert users.account(accounts, "cara") is None


def test_admin_disables_enables_and_unlocks(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    app = run_page(PAGE, as_user="admin")
    app.selectbox[1].select("qa")
    app = app.button(key="disable_user").click().run()
    assert [s.value for s in app.success] == ["User qa is disabled: they cannot sign in."]
    status = app.dataframe[0].value.set_index("Username")["Status"]
    assert status["qa"] == "Disabled"
    assert users.account(accounts, "qa").disabled  # type: ignore[union-attr]

    app.selectbox[1].select("qa")
    app = app.button(key="enable_user").click().run()
    assert not users.account(accounts, "qa").disabled  # type: ignore[union-attr]

    for _ in range(users.MAX_FAILED_LOGINS):
        users.record_failed_login(accounts, "board", users.utc_now())
    app = app.run()
    row = app.dataframe[0].value.set_index("Username").loc["board"]
    assert row["Status"] == "Locked" and row["Wrong passwords in a row"] == 5
    assert row["Locked until"] != ""
    app.selectbox[1].select("board")
    app = app.button(key="unlock_user").click().run()
    assert not users.is_locked(accounts, "board", users.utc_now())


def test_admin_cannot_disable_their_own_account(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    app = run_page(PAGE, as_user="admin")
    app.selectbox[1].select("admin")
    app = app.button(key="disable_user").click().run()
    assert "You cannot disable your own account." in _errors(app)


def test_admin_resets_a_password(run_page: Callable[..., AppTest], accounts: Engine) -> None:
    app = run_page(PAGE, as_user="admin")
    app.selectbox[2].select("planowner")
    _text(app, "New password").input(PASSWORD)
    _text(app, "New password again").input(PASSWORD)
    app = app.button(key="reset_password").click().run()
    assert [s.value for s in app.success] == ["Password for planowner changed."]
    assert all(t.value == "" for t in app.text_input)
    assert users.check_password(accounts, "planowner", PASSWORD, NOW).outcome is (
        users.SignInOutcome.SIGNED_IN
    )
    with Session(accounts) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reset_password")
        ).one()
        assert (event.actor, event.entity_id, event.detail) == (
            "admin", "planowner", "password changed",
        )  # fmt: skip


def test_choosing_nobody_is_a_plain_message(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    app = run_page(PAGE, as_user="admin")
    app = app.button(key="disable_user").click().run()
    assert "Choose a user first." in _errors(app)
    assert not users.account(accounts, "admin").disabled  # type: ignore[union-attr]


def test_every_problem_of_the_new_user_is_shown_at_once_in_the_forms_words(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    """A blank name, a bad e-mail, no role, a short password typed differently twice: one
    submission shows all five, each under its own box, never a field's code name; nobody is
    added and what was typed (but the passwords) stays."""
    app = run_page(PAGE, as_user="admin")
    _text(app, "Username").input("dee")
    _text(app, "E-mail").input("not an address")
    _text(app, "Password").input("short")
    _text(app, "Password again").input("shorter")
    app = app.button(key="add_user").click().run()
    errors = [e.value.replace("\\", "") for e in app.error]
    assert errors[0] == (
        "The user was not added. Please put right the 5 things marked below and send it again."
    )
    assert sorted(errors[1:]) == sorted([
        "Required.",
        "Is not an e-mail address.",
        "Choose at least one role.",
        "Use at least 12 characters.",
        "Is not the same as the password above.",
    ])  # fmt: skip
    shown = " ".join(errors)
    for code in ("password:", "username:", "email:", "roles:", "name:"):
        assert code not in shown
    assert users.account(accounts, "dee") is None
    assert _text(app, "Username").value == "dee"


def test_a_refusal_from_the_rules_is_named_by_the_forms_label(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    """A username already taken: the rules say "username: … already exists"; the page shows it
    beside the Username box, in words."""
    app = _fill_new_user(run_page(PAGE, as_user="admin"), "board", PASSWORD, PASSWORD)
    errors = [e.value.replace("\\", "") for e in app.error]
    assert "Board already exists." in errors
    assert not any("username:" in e for e in errors)


def test_times_are_uk_time(run_page: Callable[..., AppTest], accounts: Engine) -> None:
    """A lock-out ending at 08:15 UTC on a summer day reads 09:15 BST."""
    import datetime as dt

    with Session(accounts) as session, session.begin():
        board = session.get(User, "board")
        board.locked_until = dt.datetime(2099, 7, 24, 8, 15)
        board.failed_logins = 5
    table = run_page(PAGE, as_user="admin").dataframe[0].value.set_index("Username")
    assert table.loc["board", "Locked until"] == "09:15 BST on 24 July 2099"


def test_the_list_is_searched_by_name_role_or_provider_and_kept_in_the_address(
    run_page: Callable[..., AppTest], accounts: Engine
) -> None:
    app = run_page(PAGE, as_user="admin")
    app = _text(app, "Search username, name, roles, provider, e-mail, status").input(
        "board MEMBER"
    )
    app = app.run()
    assert not app.exception
    assert list(app.dataframe[0].value["Username"]) == ["board"]
    assert app.query_params["q"] == "board MEMBER"
    assert any(m.value.startswith("**1** of 7 users shown for the search") for m in app.markdown)
    app = _text(app, "Search username, name, roles, provider, e-mail, status").input("prv-0001")
    assert list(app.run().dataframe[0].value["Username"]) == ["provider"]  # by provider id


def test_a_search_with_markdown_that_finds_nobody_is_shown_as_typed(
    page_db: Engine, accounts: Engine
) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / PAGE), default_timeout=30)
    app.session_state["sgo_user"] = {
        "username": "admin", "name": "Admin", "roles": ["admin"], "provider_id": None,
    }  # fmt: skip
    hostile = "![x](http://x.example/a.png) :red[boo]"
    app.query_params["q"] = hostile
    app = app.run()
    assert not app.exception
    assert not app.dataframe
    message = next(i.value for i in app.info if i.value.startswith("No users match"))
    assert f"“{plain(hostile)}”" in message and plain(hostile) != hostile
