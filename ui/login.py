"""Sign-in: passwords checked against the `users` table; the session kept by the authenticator.

Rules:
- Accounts come from the database (seeded once from config/users.yaml, see sgoversight.users);
  the password check, the lock-out after repeated wrong passwords and its audit happen in the
  domain (`users.check_password`), never in the widget. A locked account is refused with the time
  the lock ends, before its password is looked at.
- A successful sign-in is handed to streamlit-authenticator's authentication controller, built for
  that sign-in from that one account's row in the database (so never stale, and no other
  account's details are handed over), which sets the session keys
  (`authentication_status`, `username`, `name`, `email`, `roles`; `logout` after signing out).
- The sign-in cookie is streamlit-authenticator's: a JWT {username, exp_date} signed (HS256) with
  SGO_COOKIE_KEY (a clearly marked demo key otherwise, refused in production mode), named
  users.COOKIE_NAME, SameSite=Strict. It is read from the request and written or dropped by a
  line of script in the page, not by the authenticator's cookie component: that component draws
  a hidden frame which reruns the script whenever the browser answers, and such a late rerun
  can drop a click or undo a page switch. Only a password sign-in writes a cookie; it expires
  users.SESSION_LIFETIME after that sign-in, so its expiry also records when the password was
  given, signed.
- A cookie signs a person in only as `users.cookie_account` allows: an enabled account, a cookie
  issued after their last sign-out, password reset or disabling, within the session lifetime,
  and activity within the idle timeout.
- A running session ends as `users.session_end` says, checked on every run: users.IDLE_TIMEOUT
  without a run, users.SESSION_LIFETIME after the password sign-in it rests on (a session opened
  from a cookie rests on the sign-in that issued it) however active, the account disabled, or
  its cookies revoked since it began; the cookie is then dropped. The time of the last run is
  UI state in st.session_state; every users.SEEN_EVERY a session also notes its activity in the
  database, so a reload after the idle timeout does not sign in from the cookie either. Signing
  out refuses every cookie issued before it, on every browser.
- Before anything else, once per browser session, the database is checked
  (`migrate.usable_problem`): a missing, unreachable, read-only or not-yet-migrated database, or
  one set up by a newer version, gets a plain page saying so and nothing is read further, written
  or created. A database failure later in a run gets a plain message too (`database_failure`);
  the details go to the log, never to the page.
- Cookies are written and dropped in full runs (COOKIE_PENDING_KEY, COOKIE_DELETE_KEY): a run
  that ends in st.rerun() may never reach the browser. The script that does it is always the
  last element of the sign-in page or of the sidebar, so it moves nothing when it goes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import jwt
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from streamlit_authenticator.controllers import AuthenticationController
from streamlit_authenticator.utilities import LoginError

from sgoversight import users
from sgoversight.errors import BadInput
from sgoversight.store import migrate
from ui.context import USER_KEY, engine, set_current_user
from ui.format import plain

COOKIE_PENDING_KEY = "sgo_cookie_pending"
COOKIE_DELETE_KEY = "sgo_cookie_delete"
LAST_ACTIVITY_KEY = "sgo_last_activity"
SEEN_KEY = "sgo_activity_noted"
SIGNED_IN_AT_KEY = "sgo_signed_in_at"
AUTHENTICATED_AT_KEY = "sgo_authenticated_at"  # when the password was given (naive UTC)
NOTICE_KEY = "sgo_sign_in_notice"
DATABASE_CHECKED_KEY = "sgo_database_checked"
FORM_KEY = "sign_in"
COOKIE_WRITE_RUNS = 2  # runs after a password sign-in that (re)write its cookie
IDLE_TIMEOUT_MINUTES = round(users.IDLE_TIMEOUT.total_seconds() / 60)
SESSION_HOURS = round(users.SESSION_LIFETIME.total_seconds() / 3600)
NOT_RIGHT_MESSAGE = "Username or password is not right."
APP_TITLE = "Care provider quality and safeguarding oversight"
UNUSABLE_DATABASE_MESSAGE = (
    "The app cannot use its database, so nobody can sign in. Please pass this on to whoever "
    "looks after the app:"
)
READ_ONLY_MESSAGE = (
    "The app's database is read-only at the moment, so nothing can be saved. Please tell whoever "
    "looks after the app."
)
DATABASE_FAILED_MESSAGE = (
    "The app could not use its database just now, so what you last did may not have been saved. "
    "Please try again in a moment; if it keeps happening, tell whoever looks after the app."
)
_LOG = logging.getLogger(__name__)


def _controller(credentials: dict[str, Any]) -> AuthenticationController:
    """streamlit-authenticator's authentication controller over `credentials`."""
    return AuthenticationController(credentials, auto_hash=False, secret_key=users.cookie_key())


def _cookie_attributes(expires: dt.datetime) -> str:
    secure = "; Secure" if (st.context.url or "").startswith("https://") else ""
    return f"path=/; expires={expires:%a, %d %b %Y %H:%M:%S} GMT; SameSite=Strict{secure}"


def _run_script(cookie: str) -> None:
    """Set `cookie` in the browser, here: always the last element of the sign-in page or of the
    sidebar, so the script drawn on one run and gone on the next never moves anything."""
    st.html(
        f"<script>document.cookie = {json.dumps(cookie)};</script>",
        unsafe_allow_javascript=True,
    )


def _write_cookie() -> None:
    """Write the sign-in cookie for st.session_state['username'], expiring SESSION_LIFETIME after
    this session's password sign-in."""
    password_at: dt.datetime = st.session_state[AUTHENTICATED_AT_KEY]
    expires = (password_at + users.SESSION_LIFETIME).replace(tzinfo=dt.UTC)
    token = jwt.encode(
        {"username": st.session_state["username"], "exp_date": expires.timestamp()},
        users.cookie_key(),
        algorithm="HS256",
    )
    _run_script(f"{users.COOKIE_NAME}={token}; {_cookie_attributes(expires)}")


def _drop_cookie() -> None:
    _run_script(f"{users.COOKIE_NAME}=; {_cookie_attributes(dt.datetime(1970, 1, 1))}")


def _read_cookie() -> dict[str, Any] | None:
    """The sign-in cookie this browser sent, if it is signed with our key and unexpired; ignored
    once this session has signed out."""
    if st.session_state.get("logout"):
        return None
    token = st.context.cookies.get(users.COOKIE_NAME)
    if not token:
        return None
    try:
        data = jwt.decode(token, users.cookie_key(), algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    if not isinstance(data, dict) or not data.get("username"):
        return None
    if float(data.get("exp_date", 0)) <= time.time():
        return None
    return data


def _stop_with(problems: list[str], heading: str) -> None:
    st.error(plain(heading))
    for problem in problems:
        st.error(plain(problem))
    st.stop()


def _end_session(notice: str | None) -> None:
    """Sign the person out of this browser session; the sign-in page drawn next drops the cookie."""
    if st.session_state.get("authentication_status"):
        _controller({"usernames": {}}).logout()
    st.session_state["logout"] = True  # the cookie this session opened with no longer counts
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(COOKIE_PENDING_KEY, None)
    st.session_state.pop(LAST_ACTIVITY_KEY, None)
    st.session_state.pop(SEEN_KEY, None)
    st.session_state.pop(SIGNED_IN_AT_KEY, None)
    st.session_state.pop(AUTHENTICATED_AT_KEY, None)
    st.session_state[COOKIE_DELETE_KEY] = True
    if notice:
        st.session_state[NOTICE_KEY] = notice


def _utc(moment: float) -> dt.datetime:
    """A time.time() value as naive UTC, as the domain compares times."""
    return dt.datetime.fromtimestamp(moment, dt.UTC).replace(tzinfo=None)


SESSION_END_NOTICES = {
    users.SessionEnd.IDLE: (
        f"You were signed out after {IDLE_TIMEOUT_MINUTES} minutes without activity. "
        "Please sign in again."
    ),
    users.SessionEnd.EXPIRED: (
        f"You were signed out because a session lasts at most {SESSION_HOURS} hours from "
        "signing in with your password. Please sign in again."
    ),
    users.SessionEnd.DISABLED: "This account has been disabled; ask an administrator.",
    users.SessionEnd.REVOKED: (
        "Your password was changed, or you signed out in another browser. Please sign in again."
    ),
}


def _signed_in(eng: Engine, now: float) -> bool:
    """Keep a signed-in session going, or end it as users.session_end says (idle, twelve hours
    after the password, the account disabled or gone, or its sign-in cookies revoked)."""
    if not st.session_state.get("authentication_status") or not st.session_state.get(USER_KEY):
        return False
    last = st.session_state.get(LAST_ACTIVITY_KEY)
    found = users.account(eng, st.session_state["username"])
    ended = users.session_end(
        found,
        password_at=st.session_state.get(AUTHENTICATED_AT_KEY),
        started_at=st.session_state.get(SIGNED_IN_AT_KEY),
        last_active=None if last is None else _utc(float(last)),
        now=_utc(now),
    )
    if ended is not None or found is None:
        _end_session(SESSION_END_NOTICES[ended or users.SessionEnd.DISABLED])
        return False
    st.session_state[LAST_ACTIVITY_KEY] = now
    if now - float(st.session_state.get(SEEN_KEY, 0)) > users.SEEN_EVERY.total_seconds():
        users.record_activity(eng, found.username, users.utc_now())
        st.session_state[SEEN_KEY] = now
    roles = [role.value for role in found.roles]
    known = st.session_state[USER_KEY]
    if (known["name"], known["roles"], known.get("provider_id")) != (
        found.name,
        roles,
        found.provider_id,
    ):  # changed by an administrator since signing in: the next page uses the new roles
        set_current_user(found.username, found.name, roles, found.provider_id)
    return True


def _start_session(
    eng: Engine, found: users.Account, password_at: dt.datetime, *, new_cookie: bool
) -> None:
    """Hand a checked sign-in (form or cookie) to the authenticator, with that one account's
    credentials, then rerun into the app. `password_at` (naive UTC) is when the password was
    given: now for the form, the cookie's issue for a cookie."""
    try:
        _controller(users.credentials(eng, found.username)).login(
            token={"username": found.username}
        )
    except LoginError:  # disabled since the check: refused, as on the next try
        st.error("Please sign in again.")
        return
    roles = [role.value for role in found.roles]
    set_current_user(found.username, found.name, roles, found.provider_id)
    st.session_state[SIGNED_IN_AT_KEY] = users.utc_now()
    st.session_state[AUTHENTICATED_AT_KEY] = password_at
    now = time.time()
    users.record_activity(eng, found.username, users.utc_now())
    st.session_state[LAST_ACTIVITY_KEY] = now
    st.session_state[SEEN_KEY] = now
    st.session_state[COOKIE_PENDING_KEY] = COOKIE_WRITE_RUNS if new_cookie else 0
    if new_cookie:
        _write_cookie()  # started now (the end of the sign-in page), as early as it can be
    st.rerun()


def _cookie_account(eng: Engine) -> tuple[users.Account, dt.datetime] | None:
    """The account a valid, signed sign-in cookie may sign in (users.cookie_account decides),
    with the time of the password sign-in that issued the cookie; a cookie it refuses is
    dropped."""
    token = _read_cookie()
    if not token:
        return None
    expires = _utc(float(token.get("exp_date", 0)))
    issued_at = expires - users.SESSION_LIFETIME
    found = users.cookie_account(eng, str(token.get("username", "")), issued_at, users.utc_now())
    if found is None:
        st.session_state["logout"] = True  # this session ignores that cookie from now on
        st.session_state[COOKIE_DELETE_KEY] = True
        st.session_state[NOTICE_KEY] = "Your session has ended. Please sign in again."
        return None
    return found, issued_at


def _sign_in_form(eng: Engine) -> users.Account | None:
    """The sign-in form; the account when its password was right, else None (message shown)."""
    with st.form(FORM_KEY):
        st.subheader("Sign in")
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return None
    if not username.strip() or not password:
        st.error("Enter your username and password.")
        return None
    result = users.check_password(eng, username, password, users.utc_now())
    if result.outcome is users.SignInOutcome.SIGNED_IN:
        return result.account
    if result.outcome is users.SignInOutcome.LOCKED and result.locked_until is not None:
        st.error(
            "This account is locked after repeated wrong passwords; try again after "
            f"{users.clock_time(result.locked_until)} or ask an administrator."
        )
    elif result.outcome is users.SignInOutcome.DISABLED:
        st.error("This account has been disabled; ask an administrator.")
    else:
        st.error(NOT_RIGHT_MESSAGE)
    return None


def _database_ready(eng: Engine) -> None:
    """Stop with a plain page, before anything reads, writes or creates anything, when the app
    cannot use its database (migrate.usable_problem); checked once per browser session."""
    if st.session_state.get(DATABASE_CHECKED_KEY):
        return
    problem = migrate.usable_problem(eng)
    if problem is not None:
        _LOG.error("The app cannot use its database: %s", problem)
        st.title(APP_TITLE)
        st.error(UNUSABLE_DATABASE_MESSAGE, icon=":material/database:")
        st.code(problem, language=None, wrap_lines=True)  # as written: no Markdown
        st.stop()
    st.session_state[DATABASE_CHECKED_KEY] = True


def database_failure(exc: DBAPIError) -> None:
    """Say plainly that the database failed (read-only, or otherwise), with no details on the
    page; the details and the traceback go to the log."""
    _LOG.error("A database operation failed", exc_info=exc)
    reason = str(exc.orig or exc).lower()
    read_only = "readonly" in reason or "read-only" in reason
    st.error(
        READ_ONLY_MESSAGE if read_only else DATABASE_FAILED_MESSAGE, icon=":material/database:"
    )
    st.session_state.pop(DATABASE_CHECKED_KEY, None)  # look again on the next run


def sign_in() -> bool:
    """Show the sign-in form until the user is signed in; True once they are."""
    eng = engine()
    _database_ready(eng)
    problems = users.production_problems(eng)
    if problems:
        _stop_with(problems, "The app will not start in production mode:")
    if _signed_in(eng, time.time()):
        return True
    try:
        users.seed_users(eng)
    except BadInput as exc:
        _stop_with(exc.problems, f"The users file cannot be read: {exc}")
    from_cookie = None if st.session_state.get(COOKIE_DELETE_KEY) else _cookie_account(eng)
    if from_cookie is not None:
        _start_session(eng, *from_cookie, new_cookie=False)
    st.title(APP_TITLE)
    st.caption("Sign in with the account your council gave you.")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/logout:")
    if not users.has_enabled_account(eng):
        st.warning(
            "There are no accounts yet. An administrator adds the first one on the server "
            "with `python -m sgoversight users add USERNAME --name … --email … --role admin`."
        )
    found = _sign_in_form(eng)
    if st.session_state.pop(COOKIE_DELETE_KEY, False):
        # Signing out ends in a rerun that may never reach the browser; drop the cookie now, in
        # a full run (the database refuses it anyway).
        _drop_cookie()
    if found is not None:
        _start_session(eng, found, users.utc_now(), new_cookie=True)
    return False


def sign_out_button() -> None:
    """The sidebar's Sign out button, its last element; after a password sign-in, the runs that
    write the cookie again draw its script just below it."""
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        username = st.session_state.get("username")
        if username:  # no cookie issued so far signs anyone back in, even if the browser keeps it
            users.revoke_cookies(engine(), username, users.utc_now())
        _end_session(None)
        st.rerun()
    runs_left = int(st.session_state.get(COOKIE_PENDING_KEY) or 0)
    if runs_left > 0:
        # The sign-in run ends in a rerun that may reach the browser before the cookie does, so
        # it is written again on the run(s) after it; a refresh or a link then signs in from it.
        st.session_state[COOKIE_PENDING_KEY] = runs_left - 1
        with st.sidebar:
            _write_cookie()
