"""Every role against every action, through the real domain functions.

The rule (sgoversight.auth): each use case checks the actor's permission in the domain layer, and a
provider user acts only for their own provider. Here every use case in USE_CASES is called as every
role (one actor per role, holding that role alone) on a small borough, on SQLite and on PostgreSQL.
A call is allowed exactly when the role's row of PERMISSIONS holds one of the permissions the use
case needs; the outcome is read from the function itself, never from the table. A refusal raises
PermissionDenied and leaves every table exactly as it was (audit trail included); an allowed change
writes something; an allowed read writes nothing.

Speed: a PostgreSQL database takes about half a second to create, so only the calls that are
allowed to change data get a fresh borough (the `engine` fixture); refusals and reads, which must
change nothing and are checked to change nothing, share one borough per backend for the module.

Provider staff act on their own provider (Harbour View, PRV-A) wherever a use case names one; the
tests at the end check that another provider's records are refused or hidden from them, and that a
plan owner changes only the actions they own.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight import narratives, overview, users
from sgoversight.alerts import intake as alert_intake
from sgoversight.alerts import qa
from sgoversight.alerts import read as alert_read
from sgoversight.alerts import register as alert_list
from sgoversight.alerts import workflow as alert_workflow
from sgoversight.auth import PERMISSIONS, SYSTEM, Actor, Permission, PermissionDenied, Role
from sgoversight.board import decisions
from sgoversight.board import month as board
from sgoversight.board import read as scoring_read
from sgoversight.intake import importing
from sgoversight.plans import actions as plan_actions
from sgoversight.plans import monitoring as plan_monitoring
from sgoversight.plans import read as plan_read
from sgoversight.plans import workstream as plan_workstream
from sgoversight.standards import national_return
from sgoversight.standards import read as standards_read
from sgoversight.standards import report as standards_report
from sgoversight.standards import results as standards_results
from sgoversight.store import audit, backup
from sgoversight.store.db import make_engine
from sgoversight.store.models import AuditEvent, Base, User
from sgoversight.weekly import output as weekly_output
from tests.fixtures.importing import csv_bytes, good_row
from tests.support.alerts import (
    ADMIN,
    BOARD,
    COMMISSIONER,
    PLAN_OWNER,
    PROVIDER_A,
    QA_ATTENDEE,
    SAFEGUARDING,
    TODAY,
    add_providers,
    form,
    log,
)
from tests.support.records import concern

P = Permission

#: One actor per role, holding that role alone. The provider user works for Harbour View (PRV-A).
ACTORS: dict[Role, Actor] = {
    Role.ADMIN: ADMIN,
    Role.COMMISSIONER: COMMISSIONER,
    Role.SAFEGUARDING: SAFEGUARDING,
    Role.BOARD_MEMBER: BOARD,
    Role.QA_ATTENDEE: QA_ATTENDEE,
    Role.PLAN_OWNER: PLAN_OWNER,
    Role.PROVIDER: PROVIDER_A,
}
NOBODY = Actor("nobody", frozenset())

BOARD_MONTH = "2026-10"
WEEK = "2026-W47"
QUARTER = "2026-Q3"
FINANCIAL_YEAR = 2026
DISABLED_USER = "vic"


# --- the borough each test starts from ------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Three providers and one record of each kind the use cases act on.

    - Harbour View (PRV-A): an open alert (on the QA meeting's agenda) and an open improvement plan
      with three actions not done, one owned by the plan owner `owen`, one by `cara` and one
      assigned to the service itself (owner "Harbour View").
    - Elm Court (PRV-B): an open alert and an open plan with no actions (so it can be signed off).
    - Ashgrove Home Care (PRV-C): no plan (so one can be opened).
    - A user `vic` to disable; `spare`, an empty migrated SQLite database to restore
      `backup_file` into.
    """

    engine: Engine
    spare: Engine
    backup_file: Path
    alert_a: str
    alert_b: str
    qa_meeting: int
    plan_a: str
    owens_action: str
    caras_action: str
    plan_b: str
    providers_action: str = ""

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every database a use case may write to."""
        return (self.engine, self.spare)


@pytest.fixture(scope="session")
def backup_file(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of a database holding the three providers, made once for the session."""
    folder = tmp_path_factory.mktemp("permissions-backup")
    shutil.copyfile(sqlite_template, folder / "source.db")
    source = make_engine(f"sqlite:///{folder / 'source.db'}")
    add_providers(source)
    backup.backup(source, folder / "backup.db", SYSTEM)
    source.dispose()
    return folder / "backup.db"


def build_world(engine: Engine, spare: Engine, backup_file: Path) -> World:
    """The borough (see World) in the empty database `engine`, built by an administrator."""
    add_providers(engine)
    alert_a = log(engine, ADMIN, raised_on=TODAY - dt.timedelta(days=5))
    alert_b = log(engine, ADMIN, provider_id="PRV-B", raised_on=TODAY - dt.timedelta(days=5))
    meeting = qa.create_meeting(engine, ADMIN, meeting_on=TODAY - dt.timedelta(days=2))
    plan_a = _open_plan(engine, "PRV-A")
    owens = plan_actions.add_action(
        engine, ADMIN, plan_a, "Audit the medicine records", "owen", TODAY
    )
    caras = plan_actions.add_action(engine, ADMIN, plan_a, "Retrain night staff", "cara", TODAY)
    providers = plan_actions.add_action(
        engine, ADMIN, plan_a, "Send the rota", "Harbour View", TODAY
    )
    plan_b = _open_plan(engine, "PRV-B")
    with Session(engine) as session, session.begin():
        session.add(
            User(
                username=DISABLED_USER,
                display_name="Vic",
                email="vic@example.org",
                password_hash="$2b$12$" + "a" * 53,
                roles=[Role.QA_ATTENDEE.value],
            )
        )
    return World(
        engine, spare, backup_file, alert_a, alert_b, meeting, plan_a, owens, caras, plan_b,
        providers,
    )  # fmt: skip


def _open_plan(engine: Engine, provider_id: str) -> str:
    return plan_actions.open_plan(
        engine,
        ADMIN,
        provider_id,
        "Medication errors found at the September visit",
        "cara",
        TODAY - dt.timedelta(days=30),
        TODAY + dt.timedelta(days=30),
        today=TODAY,
    )


def _sqlite_copy(template: Path, path: Path) -> Engine:
    """A migrated, empty SQLite database at `path`, copied from the session's template."""
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


@pytest.fixture
def world(
    engine: Engine, sqlite_template: Path, tmp_path: Path, backup_file: Path
) -> Iterator[World]:
    """A fresh borough in this test's own database (the `engine` fixture, on each backend)."""
    spare = _sqlite_copy(sqlite_template, tmp_path / "spare.db")
    yield build_world(engine, spare, backup_file)
    spare.dispose()


@pytest.fixture(scope="module")
def shared_world(
    module_engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    backup_file: Path,
) -> Iterator[World]:
    """One borough per backend for the calls that must change nothing (refusals and reads)."""
    folder = tmp_path_factory.mktemp("permissions-spare")
    spare = _sqlite_copy(sqlite_template, folder / "spare.db")
    yield build_world(module_engine, spare, backup_file)
    spare.dispose()


Snapshot = list[tuple[str, list[tuple[Any, ...]]]]


def snapshot(engines: Sequence[Engine]) -> Snapshot:
    """Every row of every table of `engines` (the audit trail included), in key order."""
    rows: Snapshot = []
    for engine in engines:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                query = select(table).order_by(*table.primary_key.columns)
                rows.append((table.name, [tuple(row) for row in conn.execute(query)]))
    return rows


# --- the use cases --------------------------------------------------------------------------------

UseCaseCall = Callable[[World, Actor], object]


@dataclass(frozen=True)
class UseCase:
    """A domain function called as `actor`; allowed when the actor holds any of `needs`."""

    call: UseCaseCall
    needs: frozenset[Permission]
    writes: bool


USE_CASES: dict[str, UseCase] = {}


def use_case(*needs: Permission, writes: bool = False) -> Callable[[UseCaseCall], UseCaseCall]:
    """Register the decorated function as a use case named after it."""

    def register(call: UseCaseCall) -> UseCaseCall:
        USE_CASES[call.__name__] = UseCase(call, frozenset(needs), writes)
        return call

    return register


@use_case(P.VIEW_OVERVIEW)
def overview_month_at_a_glance(w: World, a: Actor) -> object:
    return overview.month_at_a_glance(w.engine, a, TODAY)


@use_case(P.IMPORT_DATA, writes=True)
def importing_import_file(w: World, a: Actor) -> object:
    data = csv_bytes([good_row("providers")])
    report = importing.import_file(
        w.engine, "providers", data, filename="providers.csv", actor=a, today=TODAY
    )
    assert report.ok, report.problems
    return report


@use_case(P.VIEW_ALERTS)
def alerts_alert_register(w: World, a: Actor) -> object:
    return alert_list.alert_register(w.engine, a, today=TODAY)


@use_case(P.VIEW_ALERTS)
def alerts_get_alert(w: World, a: Actor) -> object:
    return alert_read.get_alert(w.engine, a, w.alert_a, today=TODAY)


@use_case(P.VIEW_ALERTS)
def qa_agenda(w: World, a: Actor) -> object:
    return qa.agenda(w.engine, a, w.qa_meeting)


@use_case(P.LOG_ALERT, writes=True)
def alerts_log_alert(w: World, a: Actor) -> object:
    return alert_intake.log_alert(w.engine, a, form(), today=TODAY)


@use_case(P.LOG_ALERT)
def alerts_provider_choices(w: World, a: Actor) -> object:
    return alert_intake.provider_choices(w.engine, a)


@use_case(P.MANAGE_ALERTS, P.LOG_ALERT, writes=True)
def alerts_add_note(w: World, a: Actor) -> object:
    return alert_workflow.add_note(w.engine, a, w.alert_a, "Manager rang back", expected_version=1)


@use_case(P.MANAGE_ALERTS, writes=True)
def alerts_start_progress(w: World, a: Actor) -> object:
    return alert_workflow.start_progress(w.engine, a, w.alert_a, expected_version=1, today=TODAY)


@use_case(P.RECORD_QA, writes=True)
def qa_create_meeting(w: World, a: Actor) -> object:
    return qa.create_meeting(w.engine, a, meeting_on=TODAY, attendees="Cara, Sam")


@use_case(P.RECORD_QA, writes=True)
def qa_record_discussion(w: World, a: Actor) -> object:
    return qa.record_discussion(w.engine, a, w.qa_meeting, w.alert_a, "Visit next week")


@use_case(P.VIEW_CONCERNS)
def weekly_pack_weekly_pack(w: World, a: Actor) -> object:
    return weekly_output.weekly_pack(w.engine, a, WEEK)


@use_case(P.VIEW_CONCERNS)
def narratives_read_weekly(w: World, a: Actor) -> object:
    return narratives.read_narrative(w.engine, a, "weekly", WEEK)


@use_case(P.VIEW_BOARD)
def board_board_month(w: World, a: Actor) -> object:
    return board.board_month(w.engine, a, BOARD_MONTH)


@use_case(P.VIEW_BOARD)
def scoring_score_from_database(w: World, a: Actor) -> object:
    return scoring_read.score_from_database(w.engine, BOARD_MONTH, actor=a)


@use_case(P.DECIDE_BOARD, writes=True)
def decisions_record_decision(w: World, a: Actor) -> object:
    (shown,) = scoring_read.score_from_database(
        w.engine, BOARD_MONTH, provider_id="PRV-A", actor=SYSTEM
    )
    return decisions.record_decision(
        w.engine,
        a,
        today=TODAY,
        board_month=BOARD_MONTH,
        provider_id="PRV-A",
        computed_rating=shown.rating,  # the rating the records give, as the Board page shows it
        agreed=True,
        decision="routine_monitoring",
    )


@use_case(P.DECIDE_BOARD, writes=True)
def decisions_create_meeting(w: World, a: Actor) -> object:
    return decisions.create_meeting(w.engine, a, board_month=BOARD_MONTH, meeting_on=TODAY)


@use_case(P.WORK_ON_OWN_PLAN)
def plans_provider_workstream(w: World, a: Actor) -> object:
    return plan_workstream.provider_workstream(w.engine, a, "PRV-A", TODAY)


@use_case(P.WORK_ON_OWN_PLAN, writes=True)
def plans_add_provider_evidence(w: World, a: Actor) -> object:
    plan_workstream.add_provider_evidence(w.engine, a, w.providers_action, "Rota sent", today=TODAY)
    return None


@use_case(P.VIEW_PLANS)
def plans_portfolio(w: World, a: Actor) -> object:
    return plan_read.portfolio(w.engine, a, TODAY)


@use_case(P.VIEW_PLANS)
def plans_plan_detail(w: World, a: Actor) -> object:
    return plan_read.plan_detail(w.engine, a, w.plan_a, TODAY)


@use_case(P.UPDATE_OWN_ACTIONS, P.MANAGE_PLANS, writes=True)
def plans_complete_owens_action(w: World, a: Actor) -> object:
    return plan_actions.complete_action(
        w.engine, a, w.owens_action, TODAY, "Audit report attached", today=TODAY
    )


@use_case(P.MANAGE_PLANS, writes=True)
def plans_open_plan(w: World, a: Actor) -> object:
    return plan_actions.open_plan(
        w.engine,
        a,
        "PRV-C",
        "Missed calls in October",
        "cara",
        TODAY,
        TODAY + dt.timedelta(days=28),
        today=TODAY,
    )


@use_case(P.MANAGE_PLANS, writes=True)
def plans_start_monitoring(w: World, a: Actor) -> object:
    return plan_monitoring.start_monitoring(
        w.engine,
        a,
        "PRV-A",
        TODAY,
        TODAY + dt.timedelta(days=28),
        "Amber for three months running",
        "cara",
        today=TODAY,
    )


@use_case(P.SIGN_OFF_PLANS, writes=True)
def plans_close_plan(w: World, a: Actor) -> object:
    return plan_actions.close_plan(
        w.engine, a, w.plan_b, "Every concern resolved", TODAY, today=TODAY
    )


@use_case(P.VIEW_STANDARDS)
def standards_scorecard_from_database(w: World, a: Actor) -> object:
    return standards_read.scorecard_from_database(w.engine, QUARTER, actor=a)


@use_case(P.VIEW_STANDARDS)
def national_return_from_database(w: World, a: Actor) -> object:
    return national_return.national_return_from_database(w.engine, FINANCIAL_YEAR, actor=a)


@use_case(P.WRITE_REPORT_TEXT, writes=True)
def narratives_save_standards_text(w: World, a: Actor) -> object:
    return narratives.save_narrative(
        w.engine,
        a,
        "standards",
        QUARTER,
        "performance_summary",
        "Enquiries started sooner.",
        expected_version=0,
    )


@use_case(P.BACKUP_RESTORE)
def backup_copy(w: World, a: Actor) -> object:
    """A copy holds every record: only those who may restore may take one (writes a file only)."""
    folder = Path(tempfile.mkdtemp())
    try:
        return backup.backup(w.engine, folder / "copy.db", a)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@use_case(P.BACKUP_RESTORE, writes=True)
def backup_restore(w: World, a: Actor) -> object:
    return backup.restore(w.spare, w.backup_file, a)


@use_case(P.VIEW_AUDIT)
def audit_audit_trail(w: World, a: Actor) -> object:
    return audit.audit_trail(w.engine, a)


@use_case(P.VIEW_AUDIT)
def audit_audit_choices(w: World, a: Actor) -> object:
    return audit.audit_choices(w.engine, a)


@use_case(P.MANAGE_USERS)
def users_list_users(w: World, a: Actor) -> object:
    return users.list_users(w.engine, a)


@use_case(P.MANAGE_USERS, writes=True)
def users_disable_user(w: World, a: Actor) -> object:
    return users.disable_user(w.engine, a, DISABLED_USER)


# --- the matrix -----------------------------------------------------------------------------------


def allowed(role: Role, case: UseCase) -> bool:
    """The rule under test: the role's row of the permission table holds one of `needs`."""
    return bool(PERMISSIONS[role] & case.needs)


#: Every use case against every role, split by whether the call may change data (fresh borough).
EVERY_PAIR = [(name, role) for name in USE_CASES for role in Role]
CHANGES = [(n, r) for n, r in EVERY_PAIR if USE_CASES[n].writes and allowed(r, USE_CASES[n])]
NO_CHANGES = [pair for pair in EVERY_PAIR if pair not in CHANGES]


def _ids(pairs: list[tuple[str, Role]]) -> list[str]:
    return [f"{name}-{role}" for name, role in pairs]


@pytest.mark.parametrize(("name", "role"), CHANGES, ids=_ids(CHANGES))
def test_allowed_change_is_saved(world: World, name: str, role: Role) -> None:
    """The role may make the change: no PermissionDenied, and something is written."""
    before = snapshot(world.engines)
    USE_CASES[name].call(world, ACTORS[role])
    assert snapshot(world.engines) != before, f"{name} as {role} saved nothing"


@pytest.mark.parametrize(("name", "role"), NO_CHANGES, ids=_ids(NO_CHANGES))
def test_refusal_or_read_changes_nothing(shared_world: World, name: str, role: Role) -> None:
    """A role without the permission is refused; a permitted read succeeds. Neither writes."""
    case, actor = USE_CASES[name], ACTORS[role]
    before = snapshot(shared_world.engines)
    if allowed(role, case):
        case.call(shared_world, actor)  # PermissionDenied here fails the test
    else:
        with pytest.raises(PermissionDenied):
            case.call(shared_world, actor)
    assert snapshot(shared_world.engines) == before, f"{name} as {role} wrote something"


@pytest.mark.parametrize("name", list(USE_CASES))
def test_an_actor_with_no_role_is_refused_everything(shared_world: World, name: str) -> None:
    """Signed in but holding no role (for example every role removed): refused, nothing written."""
    before = snapshot(shared_world.engines)
    with pytest.raises(PermissionDenied):
        USE_CASES[name].call(shared_world, NOBODY)
    assert snapshot(shared_world.engines) == before


def test_every_permission_has_a_use_case() -> None:
    """A new permission without a use case here fails (so it cannot go untested)."""
    covered = frozenset().union(*(case.needs for case in USE_CASES.values()))
    assert set(Permission) - covered == set()


def test_every_role_has_an_actor_holding_that_role_alone() -> None:
    """A new role without an actor here fails; each actor tests exactly one role."""
    assert set(ACTORS) == set(Role) == set(PERMISSIONS)
    for role, actor in ACTORS.items():
        assert actor.roles == {role}
    assert ACTORS[Role.PROVIDER].provider_id == "PRV-A"


def test_every_role_is_allowed_something_and_refused_something() -> None:
    """A check on this file's table, not on the app: each role meets both outcomes in the matrix
    (the administrator is allowed everything), so no role's row is left untested."""
    for role in Role:
        outcomes = {allowed(role, case) for case in USE_CASES.values()}
        assert outcomes == ({True} if role is Role.ADMIN else {True, False}), role


# --- scope: whose records ------------------------------------------------------------------------


def refused_without_change(world: World, call: Callable[[], object]) -> None:
    """`call` raises PermissionDenied and every table is as it was."""
    before = snapshot(world.engines)
    with pytest.raises(PermissionDenied):
        call()
    assert snapshot(world.engines) == before


def test_provider_user_is_refused_another_providers_records(shared_world: World) -> None:
    """Harbour View's staff may log, read and annotate alerts, but only Harbour View's."""
    w, pat = shared_world, PROVIDER_A
    elm_court = form(provider_id="PRV-B")
    refused_without_change(w, lambda: alert_read.get_alert(w.engine, pat, w.alert_b, today=TODAY))
    refused_without_change(w, lambda: alert_intake.log_alert(w.engine, pat, elm_court, today=TODAY))
    refused_without_change(
        w, lambda: alert_workflow.add_note(w.engine, pat, w.alert_b, "Not mine", expected_version=1)
    )
    refused_without_change(
        w, lambda: alert_intake.possible_duplicates(w.engine, pat, "PRV-B", "medication", TODAY)
    )


def test_provider_user_sees_only_their_own_provider(shared_world: World) -> None:
    """Lists and counts leave out every other provider, whatever filter is asked for."""
    w, pat = shared_world, PROVIDER_A
    assert alert_intake.provider_choices(w.engine, pat) == {"PRV-A": "Harbour View"}
    assert alert_list.providers_with_alerts(w.engine, pat) == {"PRV-A": "Harbour View"}
    register = alert_list.alert_register(w.engine, pat, today=TODAY)
    assert list(register["alert_id"]) == [w.alert_a]
    assert alert_list.alert_register(w.engine, pat, today=TODAY, provider_ids=["PRV-B"]).empty
    agenda = qa.agenda(w.engine, pat, w.qa_meeting)
    assert [entry.alert_id for entry in agenda.entries] == [w.alert_a]
    assert overview.month_at_a_glance(w.engine, pat, TODAY).open_alerts == 1
    assert overview.month_at_a_glance(w.engine, COMMISSIONER, TODAY).open_alerts == 2


def test_plan_owner_may_change_only_the_actions_they_own(shared_world: World) -> None:
    """`owen` may update his own action but not `cara`'s on the same plan."""
    w, owen = shared_world, PLAN_OWNER
    refused_without_change(
        w,
        lambda: plan_actions.complete_action(
            w.engine, owen, w.caras_action, TODAY, "Training log", today=TODAY
        ),
    )
    refused_without_change(
        w, lambda: plan_actions.update_action(w.engine, owen, w.caras_action, evidence="Half done")
    )
    detail = plan_read.plan_detail(w.engine, owen, w.plan_a, TODAY)
    assert detail.updatable_action_ids == [w.owens_action]


def test_scope_for_gives_staff_what_they_ask_and_providers_only_their_own() -> None:
    """One rule for every read that names a provider (Actor.scope_for)."""
    staff = Actor("cara", frozenset({Role.COMMISSIONER}))
    assert staff.scope_for(None) is None and staff.scope_for("PRV-B") == "PRV-B"
    both = Actor("dual", frozenset({Role.COMMISSIONER, Role.PROVIDER}), provider_id="PRV-A")
    assert both.scope_for(None) is None and both.scope_for("PRV-B") == "PRV-B"
    own = Actor("pat", frozenset({Role.PROVIDER}), provider_id="PRV-A")
    assert own.scope_for(None) == "PRV-A" and own.scope_for("PRV-A") == "PRV-A"
    with pytest.raises(PermissionDenied, match="only for their own provider"):
        own.scope_for("PRV-B")
    unplaced = Actor("una", frozenset({Role.PROVIDER}))  # provider staff, no provider recorded
    for asked in (None, "PRV-A"):
        with pytest.raises(PermissionDenied):
            unplaced.scope_for(asked)
    with pytest.raises(PermissionDenied, match="none is recorded"):
        unplaced.provider_scope()
    with pytest.raises(PermissionDenied):
        unplaced.require_provider(None)


def test_provider_staff_with_no_provider_see_nothing(shared_world: World) -> None:
    """Fails closed through the real reads: not every provider's alerts, an error."""
    unplaced = Actor("una", frozenset({Role.PROVIDER}))
    with pytest.raises(PermissionDenied):
        alert_list.alert_register(shared_world.engine, unplaced, today=TODAY)
    with pytest.raises(PermissionDenied):
        overview.month_at_a_glance(shared_world.engine, unplaced, TODAY)


# --- what each change refreshes -------------------------------------------------------------------

WRITES = [name for name, case in USE_CASES.items() if case.writes]


def _same_quarterly_report(engine: Engine, before: standards_report.QuarterlyReport) -> bool:
    """The quarterly report now is `before`, figure for figure (NaN for no data included)."""
    now = standards_report.quarterly_report(engine, ADMIN, QUARTER)
    return (
        now.results == before.results
        and now.series.equals(before.series)
        and now.breakdowns.keys() == before.breakdowns.keys()
        and all(now.breakdowns[k].equals(frame) for k, frame in before.breakdowns.items())
        and now.narrative == before.narrative
    )


@pytest.mark.parametrize("name", WRITES)
def test_the_standards_cache_ignores_only_changes_it_cannot_show(world: World, name: str) -> None:
    """Every change an administrator can make: when everything it audits is about an entity in
    standards_results.UNRELATED_ENTITIES (or an account), the quarterly report is the same and so
    is the version its page cache is keyed on; any other change moves that version. Likewise the
    version its stored quarter results are keyed on, which also leaves out the report's text."""
    with Session(world.engine) as session, session.begin():
        session.add_all(
            [
                concern("C-1", "PRV-A", "2026-07-10", started="2026-07-13",
                        concluded="2026-08-20", risk_outcome="reduced"),
                concern("C-2", None, "2026-08-03", source_of_risk="known_to_individual"),
            ]
        )  # fmt: skip
    unrelated = standards_results.UNRELATED_ENTITIES
    report = standards_report.quarterly_report(world.engine, ADMIN, QUARTER)
    version = audit.data_version(world.engine, unrelated)
    results_version = standards_results.results_version(world.engine)
    newest = audit.data_version(world.engine)
    USE_CASES[name].call(world, ADMIN)
    with Session(world.engine) as session:
        entities = set(session.scalars(select(AuditEvent.entity).where(AuditEvent.id > newest)))
    if entities <= unrelated | {audit.ACCOUNT_ENTITY}:
        assert audit.data_version(world.engine, unrelated) == version, entities
        assert _same_quarterly_report(world.engine, report), entities
    else:
        assert audit.data_version(world.engine, unrelated) != version, entities
    if entities <= standards_results.RESULTS_UNRELATED | {audit.ACCOUNT_ENTITY}:
        assert standards_results.results_version(world.engine) == results_version, entities
    else:
        assert standards_results.results_version(world.engine) != results_version, entities
