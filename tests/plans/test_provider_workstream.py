"""Provider staff's own workstream: their service's open plan and its actions, without the
council's internal text; evidence on the actions assigned to the service only; never another
provider's plan; the monthly rating only when config says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.errors import BadInput, EditConflict, FormInvalid
from sgoversight.plans import actions as plan_actions
from sgoversight.plans import config as plan_config
from sgoversight.plans import read as plan_read
from sgoversight.plans import workstream as plan_workstream
from sgoversight.store.models import AuditEvent, ImprovementAction
from tests.support.alerts import add_providers

TODAY = dt.date(2026, 11, 24)
PAT = Actor("pat", frozenset({Role.PROVIDER}), provider_id="PRV-A")
INTERNAL = "Internal: the Board suspects the manager falsified records"


@pytest.fixture
def borough(engine: Engine) -> Engine:
    add_providers(engine)  # PRV-A Harbour View, PRV-B …
    for provider_id in ("PRV-A", "PRV-B"):
        plan_id = plan_actions.open_plan(
            engine, SYSTEM, provider_id, INTERNAL, "cara",
            TODAY - dt.timedelta(days=30), TODAY + dt.timedelta(days=20), today=TODAY,
        )  # fmt: skip
        plan_actions.add_action(
            engine, SYSTEM, plan_id, f"Council audit {provider_id}", "cara", TODAY
        )
        plan_actions.add_action(
            engine, SYSTEM, plan_id, f"Send the rota {provider_id}", f" {provider_id.lower()} ",
            TODAY + dt.timedelta(days=10),
        )  # fmt: skip
    with Session(engine) as session, session.begin():
        audit = session.scalars(
            select(ImprovementAction).where(ImprovementAction.description == "Council audit PRV-A")
        ).one()
        audit.evidence = "Internal: spoke to the whistle-blower"
    return engine


def _action(engine: Engine, description: str) -> ImprovementAction:
    with Session(engine) as session:
        return session.scalars(
            select(ImprovementAction).where(ImprovementAction.description == description)
        ).one()


def test_provider_staff_see_their_own_plan_and_no_internal_text(borough: Engine) -> None:
    seen = plan_workstream.provider_workstream(borough, PAT, "PRV-A", TODAY)
    assert seen.provider_name == "Harbour View" and seen.plan_id is not None
    assert [(a.description, a.owner, a.ours) for a in seen.actions] == [
        ("Council audit PRV-A", plan_workstream.COUNCIL_OWNER, False),
        ("Send the rota PRV-A", "Harbour View", True),
    ]
    everything = repr(seen)
    assert INTERNAL not in everything and "whistle-blower" not in everything
    assert "cara" not in everything  # nobody's username
    assert "PRV-B" not in everything
    assert seen.rating is None  # off by default


def test_a_provider_user_never_reads_another_providers_plan(borough: Engine) -> None:
    with pytest.raises(PermissionDenied):
        plan_workstream.provider_workstream(borough, PAT, "PRV-B", TODAY)
    nobody = Actor("nora", frozenset({Role.PROVIDER}))  # no provider recorded: fails closed
    with pytest.raises(PermissionDenied):
        plan_workstream.provider_workstream(borough, nobody, "PRV-A", TODAY)
    for read in (
        lambda: plan_read.plan_detail(borough, PAT, seen_plan(borough), TODAY),
        lambda: plan_read.portfolio(borough, PAT, TODAY),
    ):
        with pytest.raises(PermissionDenied):
            read()


def seen_plan(engine: Engine) -> str:
    plan_id = plan_workstream.provider_workstream(engine, SYSTEM, "PRV-A", TODAY).plan_id
    assert plan_id is not None
    return plan_id


def test_evidence_is_added_to_actions_assigned_to_the_service_only(borough: Engine) -> None:
    ours = _action(borough, "Send the rota PRV-A")
    plan_workstream.add_provider_evidence(
        borough, PAT, ours.action_id, "Rota sent on Monday", version=ours.version, today=TODAY
    )
    plan_workstream.add_provider_evidence(borough, PAT, ours.action_id, "And again", today=TODAY)
    after = _action(borough, "Send the rota PRV-A")
    assert after.evidence == (
        "Rota sent on Monday\n(added by pat, 24 November 2026)\n\n"
        "And again\n(added by pat, 24 November 2026)"
    )
    assert after.completed_on is None  # adding evidence does not mark it done
    with Session(borough) as session:
        assert session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == ours.action_id)
        ).all()

    with pytest.raises(PermissionDenied, match="assigned to the service"):
        plan_workstream.add_provider_evidence(
            borough, PAT, _action(borough, "Council audit PRV-A").action_id, "x", today=TODAY
        )
    with pytest.raises(PermissionDenied):
        plan_workstream.add_provider_evidence(
            borough, PAT, _action(borough, "Send the rota PRV-B").action_id, "x", today=TODAY
        )
    with pytest.raises(FormInvalid) as refused:
        plan_workstream.add_provider_evidence(borough, PAT, ours.action_id, "   ", today=TODAY)
    assert "evidence" in refused.value.fields
    with pytest.raises(EditConflict):
        plan_workstream.add_provider_evidence(
            borough, PAT, ours.action_id, "late", version=ours.version, today=TODAY
        )


def test_council_staff_without_the_permission_are_refused(borough: Engine) -> None:
    owner = Actor("cara", frozenset({Role.PLAN_OWNER}))
    with pytest.raises(PermissionDenied):
        plan_workstream.provider_workstream(borough, owner, "PRV-A", TODAY)


def test_the_monthly_rating_is_shown_only_when_config_says_so(
    borough: Engine, tmp_path: Path
) -> None:
    assert plan_config.load_provider_staff_config().show_monthly_rating is False
    on = tmp_path / "provider_staff.toml"
    on.write_text("[provider_staff]\nshow_monthly_rating = true\n")
    config = plan_config.load_provider_staff_config(on)
    seen = plan_workstream.provider_workstream(borough, PAT, "PRV-A", TODAY, config)
    assert seen.rating is not None
    assert (seen.rating.board_month, seen.rating.rating) == ("2026-10", "Green")
    bad = tmp_path / "bad.toml"
    bad.write_text('[provider_staff]\nshow_monthly_rating = "yes"\nshow_ratings = true\n')
    with pytest.raises(BadInput, match="provider_staff") as refused:
        plan_config.load_provider_staff_config(bad)
    assert str(refused.value) == (
        f"{bad}: [provider_staff] show_monthly_rating: must be true or false, not 'yes'; "
        "[provider_staff] show_ratings: unknown setting (the settings are show_monthly_rating)"
    )
    # A file without the section means the defaults.
    other = tmp_path / "other.toml"
    other.write_text("[something_else]\nx = 1\n")
    assert plan_config.load_provider_staff_config(other).show_monthly_rating is False
    assert not plan_config.load_provider_staff_config(tmp_path / "absent.toml").show_monthly_rating
