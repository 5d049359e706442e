"""The synthetic demo borough (the sgoversight.demo package).

It must be deterministic, obey every rule of CONTRACT.md §1 (it is loaded through the same import
as a council's files), stay within its as-of date, look like a real borough, and carry the
storylines the Board pages are demonstrated with.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from sgoversight.demo.borough import build_borough, storylines
from sgoversight.demo.files import KINDS, write_csv
from sgoversight.demo.load import is_empty, load_demo
from sgoversight.demo.providers import DEMO_PROVIDER_ID
from sgoversight.demo.scale import BoroughScale
from sgoversight.demo.storylines import Storylines
from sgoversight.demo.training import REQUIRED_TRAINING
from sgoversight.store.db import PROJECT_ROOT, make_engine
from sgoversight.store.models import (
    ImportRun,
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
    SafeguardingConcern,
    TrainingRecord,
)

SEED = 2026
AS_OF = dt.date(2026, 11, 20)
#: Small enough to load quickly on both backends, big enough for every storyline.
SMALL = BoroughScale(providers=40, months=14, concerns_per_month=40, alerts_per_month=12, staff=40)

# CONTRACT.md §1, column by column.
CONTRACT_COLUMNS = {
    "providers": [
        "provider_id", "name", "service_type", "regulated", "commissioned", "cqc_rating",
        "capacity", "cqc_location_id", "address", "contact", "registered_manager",
    ],
    "alerts": [
        "alert_id", "provider_id", "raised_on", "raised_by", "category", "severity", "summary",
        "status", "closed_on", "assigned_to",
    ],
    "concerns": [
        "concern_id", "person_id", "received_on", "screened_on", "referral_source", "abuse_type",
        "location", "source_of_risk", "provider_id", "age_band", "gender", "ethnicity",
        "enquiry_started_on", "enquiry_concluded_on", "outcomes_asked", "outcomes_achieved",
        "risk_assessment", "action_taken", "risk_outcome", "lacked_capacity",
        "advocate_supported", "protection_agreed", "protection_plan_reviewed", "survey_completed",
        "feedback_to_referrer_on", "feedback_to_provider_on", "social_isolation", "fgc_elements",
    ],
    "plans": ["plan_id", "provider_id", "opened_on", "reason", "status", "closed_on"],
    "actions": ["action_id", "plan_id", "description", "owner", "due_on", "completed_on"],
    "training": ["staff_id", "role", "training_type", "completed_on"],
}  # fmt: skip
MODELS = {
    "providers": Provider,
    "alerts": QualityAlert,
    "concerns": SafeguardingConcern,
    "plans": ImprovementPlan,
    "actions": ImprovementAction,
    "training": TrainingRecord,
}
# Common first names: a summary must never name anyone.
FIRST_NAMES = {
    "mary", "john", "margaret", "david", "susan", "peter", "jean", "michael", "patricia",
    "james", "elizabeth", "robert", "joan", "william", "barbara", "george", "dorothy", "thomas",
    "sarah", "paul", "mohammed", "muhammad", "fatima", "priya", "emma", "jack", "olivia",
}  # fmt: skip


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return build_borough(SEED, AS_OF)


@pytest.fixture(scope="module")
def stories() -> Storylines:
    return storylines(SEED, AS_OF)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column].replace("", None))


def _in_last_days(frame: pd.DataFrame, column: str, days: int) -> pd.Series:
    day = _dates(frame, column)
    return (day > pd.Timestamp(AS_OF - dt.timedelta(days=days))) & (day <= pd.Timestamp(AS_OF))


# --- determinism and shape ------------------------------------------------------------------------


def test_same_seed_and_date_give_identical_frames(frames: dict[str, pd.DataFrame]) -> None:
    again = build_borough(SEED, AS_OF)
    assert list(again) == list(KINDS)
    for kind in KINDS:
        pd.testing.assert_frame_equal(frames[kind], again[kind])


def test_another_seed_gives_another_borough(frames: dict[str, pd.DataFrame]) -> None:
    other = build_borough(SEED + 1, AS_OF, SMALL)
    small = build_borough(SEED, AS_OF, SMALL)
    assert not other["alerts"].equals(small["alerts"])
    assert not other["concerns"].equals(small["concerns"])
    assert not other["providers"]["name"].equals(small["providers"]["name"])


def test_every_frame_has_exactly_the_contract_columns(frames: dict[str, pd.DataFrame]) -> None:
    assert set(frames) == set(CONTRACT_COLUMNS)
    for kind, columns in CONTRACT_COLUMNS.items():
        assert list(frames[kind].columns) == columns, kind
        assert frames[kind].isna().sum().sum() == 0, f"{kind}: blanks must be empty text"


def test_default_scale_is_a_borough_sized_history(frames: dict[str, pd.DataFrame]) -> None:
    assert len(frames["providers"]) == 250
    received = _dates(frames["concerns"], "received_on")
    assert received.min() == pd.Timestamp(dt.date(2024, 5, 21))  # 30 months ending at AS_OF
    months = 30
    assert 250 <= len(frames["concerns"]) / months <= 350
    assert 60 <= len(frames["alerts"]) / months <= 90
    assert 380 <= frames["training"]["staff_id"].nunique() <= 400


def test_no_date_is_after_the_as_of_date(frames: dict[str, pd.DataFrame]) -> None:
    """Every date is on or before as-of, except an open action's due date (work still ahead)."""
    for kind, frame in frames.items():
        for column in frame.columns:
            if not column.endswith("_on") or (kind, column) == ("actions", "due_on"):
                continue
            latest = _dates(frame, column).max()
            assert pd.isna(latest) or latest <= pd.Timestamp(AS_OF), (kind, column)
    actions = frames["actions"]
    ahead = _dates(actions, "due_on") > pd.Timestamp(AS_OF)
    assert (actions.loc[ahead, "completed_on"] == "").all()


def test_demo_provider_is_elmfield_house(frames: dict[str, pd.DataFrame]) -> None:
    first = frames["providers"].iloc[0].to_dict()
    assert first["provider_id"] == "PRV-0001" == DEMO_PROVIDER_ID
    assert first["name"] == "Elmfield House"
    assert (first["service_type"], first["regulated"], first["commissioned"]) == (
        "care_home",
        "yes",
        "yes",
    )
    alerts = frames["alerts"]
    mine = alerts[alerts["provider_id"] == "PRV-0001"]
    assert (mine["status"] != "closed").any()  # the provider login has something to see
    users = (PROJECT_ROOT / "config" / "users.yaml").read_text()
    assert "provider_id: PRV-0001" in users


# --- the contract's row rules ---------------------------------------------------------------------


def test_alerts_follow_the_contract(frames: dict[str, pd.DataFrame]) -> None:
    alerts = frames["alerts"]
    closed = alerts["status"] == "closed"
    assert (alerts.loc[closed, "closed_on"] != "").all()
    assert (alerts.loc[~closed, "closed_on"] == "").all()
    assert (alerts.loc[closed, "closed_on"] >= alerts.loc[closed, "raised_on"]).all()
    assert alerts["alert_id"].is_unique
    assert alerts["provider_id"].isin(frames["providers"]["provider_id"]).all()
    assert alerts["summary"].str.len().between(1, 2000).all()
    words = set(" ".join(alerts["summary"]).lower().replace(".", " ").split())
    assert not words & FIRST_NAMES
    commissioned = frames["providers"].set_index("provider_id")["commissioned"]
    assert (alerts["provider_id"].map(commissioned) == "yes").all()


def test_concerns_follow_the_contract(frames: dict[str, pd.DataFrame]) -> None:
    concerns = frames["concerns"]
    assert concerns["concern_id"].is_unique
    assert concerns["person_id"].str.fullmatch(r"PER-\d{6}").all()
    about_provider = concerns["source_of_risk"] == "service_provider"
    assert (concerns.loc[about_provider, "provider_id"] != "").all()
    named = concerns["provider_id"] != ""
    assert concerns.loc[named, "provider_id"].isin(frames["providers"]["provider_id"]).all()
    screened = concerns["screened_on"] != ""
    assert (concerns.loc[screened, "screened_on"] >= concerns.loc[screened, "received_on"]).all()
    started = concerns["enquiry_started_on"] != ""
    assert (
        concerns.loc[started, "enquiry_started_on"] >= concerns.loc[started, "received_on"]
    ).all()
    concluded = concerns["enquiry_concluded_on"] != ""
    assert (started | ~concluded).all()
    assert (
        concerns.loc[concluded, "enquiry_concluded_on"]
        >= concerns.loc[concluded, "enquiry_started_on"]
    ).all()
    achieved = concerns["outcomes_achieved"] != ""
    assert (concerns.loc[achieved, "outcomes_asked"] == "yes_expressed").all()
    outcome = concerns["risk_outcome"] != ""
    assert (concerns.loc[outcome, "risk_assessment"] == "risk_identified").all()
    feedback = concerns["feedback_to_provider_on"] != ""
    assert (concerns.loc[feedback, "provider_id"] != "").all()


def test_plans_actions_and_training_follow_the_contract(frames: dict[str, pd.DataFrame]) -> None:
    plans, actions, training = frames["plans"], frames["actions"], frames["training"]
    assert plans["plan_id"].str.fullmatch(r"PLAN-\d{3,}").all()
    assert actions["action_id"].str.fullmatch(r"ACT-\d{4,}").all()
    closed = plans["status"] == "closed"
    assert (plans.loc[closed, "closed_on"] >= plans.loc[closed, "opened_on"]).all()
    assert (plans.loc[~closed, "closed_on"] == "").all()
    assert actions["plan_id"].isin(plans["plan_id"]).all()
    assert not actions["owner"].eq("").any()
    assert training["staff_id"].str.fullmatch(r"STF-\d{4}").all()
    key = ["staff_id", "training_type", "completed_on"]
    assert not training.duplicated(key).any()


# --- realism --------------------------------------------------------------------------------------


def test_register_has_every_kind_of_service(frames: dict[str, pd.DataFrame]) -> None:
    providers = frames["providers"]
    assert providers["provider_id"].is_unique and providers["name"].is_unique
    assert set(providers["service_type"]) == {
        "care_home", "nursing_home", "home_care", "supported_living", "extra_care",
        "day_opportunities", "other",
    }  # fmt: skip
    assert (providers["regulated"] == "no").sum() >= 10
    assert (providers["commissioned"] == "no").sum() >= 10
    day_and_other = providers[providers["service_type"].isin(["day_opportunities", "other"])]
    assert (day_and_other["regulated"] == "no").mean() > 0.5
    assert (providers.loc[providers["regulated"] == "no", "cqc_rating"] == "").all()
    ratings = providers["cqc_rating"].value_counts()
    assert ratings.idxmax() == "good"
    assert {"outstanding", "requires_improvement", "inadequate", ""} <= set(ratings.index)
    assert (providers["capacity"] == "").sum() > 0
    assert (providers["capacity"] != "").mean() > 0.8


def test_concerns_look_like_a_real_borough(frames: dict[str, pd.DataFrame]) -> None:
    concerns = frames["concerns"]
    assert 0.3 <= (concerns["source_of_risk"] == "service_provider").mean() <= 0.4
    top = set(concerns["abuse_type"].value_counts().index[:4])
    assert top == {"neglect", "psychological", "financial", "physical"}
    rare = concerns["abuse_type"].value_counts(normalize=True)
    for kind in ("cuckooing", "modern_slavery", "sexual_exploitation"):
        assert 0 < rare[kind] < 0.02
    assert {"health_primary", "financial_institution", "fire_service"} <= set(
        concerns["referral_source"]
    )
    conversion = (concerns["enquiry_started_on"] != "").mean()
    assert 0.25 <= conversion <= 0.4
    # Locations fit the provider's service where the provider's care is the source of risk.
    types = frames["providers"].set_index("provider_id")["service_type"]
    provider = concerns[concerns["source_of_risk"] == "service_provider"]
    pairs = set(zip(provider["provider_id"].map(types), provider["location"], strict=True))
    assert ("care_home", "care_home_residential") in pairs
    assert ("nursing_home", "care_home_nursing") in pairs
    assert ("home_care", "own_home") in pairs
    assert not {p for p in pairs if p[0] == "home_care" and p[1].startswith("care_home")}


def test_winter_is_busier_than_summer(frames: dict[str, pd.DataFrame]) -> None:
    received = _dates(frames["concerns"], "received_on")
    winter = received.dt.month.isin([12, 1, 2]) & (received.dt.year.isin([2025, 2026]))
    summer = received.dt.month.isin([6, 7, 8]) & (received.dt.year == 2025)
    assert winter.sum() / 2 > summer.sum() * 1.1  # two winters (Dec 24-Feb 25, Dec 25-Feb 26)


def test_some_people_have_repeat_concerns_within_a_year(frames: dict[str, pd.DataFrame]) -> None:
    concerns = frames["concerns"].sort_values("received_on")
    received = _dates(concerns, "received_on")
    gap = received.groupby(concerns["person_id"]).diff()
    repeat_share = (gap <= pd.Timedelta(days=365)).mean()
    assert 0.1 <= repeat_share <= 0.3


def test_screening_is_mostly_prompt_and_enquiries_mostly_conclude(
    frames: dict[str, pd.DataFrame],
) -> None:
    concerns = frames["concerns"]
    screened = concerns[concerns["screened_on"] != ""]
    lag = _dates(screened, "screened_on") - _dates(screened, "received_on")
    assert (lag <= pd.Timedelta(days=4)).mean() > 0.9
    started = concerns[concerns["enquiry_started_on"] != ""]
    concluded = started[started["enquiry_concluded_on"] != ""]
    assert len(concluded) / len(started) > 0.9
    days = _dates(concluded, "enquiry_concluded_on") - _dates(concluded, "enquiry_started_on")
    assert days.median() <= pd.Timedelta(days=40)
    still_open = started[started["enquiry_concluded_on"] == ""]
    assert (
        _dates(still_open, "enquiry_started_on") > pd.Timestamp(AS_OF - dt.timedelta(180))
    ).all()
    # Making Safeguarding Personal is recorded for most concluded enquiries, not all.
    asked = (concluded["outcomes_asked"] != "").mean()
    surveyed = (concluded["survey_completed"] == "yes").mean()
    assert asked > 0.9
    assert 0.1 < surveyed < 0.6


def test_alerts_have_a_believable_mix(frames: dict[str, pd.DataFrame]) -> None:
    alerts = frames["alerts"]
    severity = alerts["severity"].value_counts(normalize=True)
    assert severity["low"] + severity["medium"] > 0.75
    assert 0 < severity["critical"] < 0.03
    assert set(alerts["raised_by"]) == {
        "commissioner", "social_care_staff", "health", "provider", "family_friend", "self", "other",
    }  # fmt: skip
    assert alerts["category"].nunique() == 13
    old = _dates(alerts, "raised_on") < pd.Timestamp(AS_OF - dt.timedelta(days=90))
    assert (alerts.loc[old, "status"] == "closed").mean() > 0.98
    assert (alerts.loc[old, "status"] != "closed").sum() >= 2  # a few left unresolved
    recent = _in_last_days(alerts, "raised_on", 10)
    assert (alerts.loc[recent, "status"] != "closed").any()


def test_training_is_mostly_compliant(frames: dict[str, pd.DataFrame]) -> None:
    training = frames["training"].copy()
    training["completed_on"] = _dates(training, "completed_on")
    assert set(training["role"]) == set(REQUIRED_TRAINING)
    since = pd.Timestamp(AS_OF - dt.timedelta(days=730))
    compliant = 0
    for _, records in training.sort_values("completed_on").groupby("staff_id"):
        role = records["role"].iloc[-1]
        recent = set(records.loc[records["completed_on"] > since, "training_type"])
        compliant += set(REQUIRED_TRAINING[role]) <= recent
    assert 0.85 <= compliant / training["staff_id"].nunique() <= 0.92
    assert (training.groupby("staff_id")["role"].nunique() > 1).sum() >= 5  # role changes
    oldest = training["completed_on"].min()
    assert oldest >= pd.Timestamp(AS_OF - dt.timedelta(days=3 * 366))


# --- storylines -----------------------------------------------------------------------------------


def test_deteriorating_providers_have_rising_recent_trouble(
    frames: dict[str, pd.DataFrame], stories: Storylines
) -> None:
    alerts, concerns = frames["alerts"], frames["concerns"]
    providers = frames["providers"].set_index("provider_id")
    recent_alerts = alerts[_in_last_days(alerts, "raised_on", 92)]
    busy = recent_alerts.groupby("provider_id").size()
    assert len(stories.deteriorating) >= 4
    assert (busy.reindex(list(stories.deteriorating)).fillna(0) >= 3).all()
    assert set(recent_alerts.loc[recent_alerts["severity"] == "critical", "provider_id"]) & set(
        stories.deteriorating
    )
    recent_concerns = concerns[_in_last_days(concerns, "received_on", 92)]
    organisational = recent_concerns[recent_concerns["abuse_type"] == "organisational"]
    assert set(organisational["provider_id"]) & set(stories.deteriorating)
    about = recent_concerns[recent_concerns["source_of_risk"] == "service_provider"]
    for provider_id in stories.deteriorating:
        assert (about["provider_id"] == provider_id).any(), provider_id
        assert providers.loc[provider_id, "commissioned"] == "yes"
    ratings = set(providers.loc[list(stories.deteriorating), "cqc_rating"])
    assert {"inadequate", "requires_improvement"} <= ratings
    open_enquiry = (concerns["enquiry_started_on"] != "") & (concerns["enquiry_concluded_on"] == "")
    assert set(concerns.loc[open_enquiry, "provider_id"]) >= set(stories.deteriorating[:4])
    # Quiet before: the three months before the last three saw little about them.
    earlier = alerts[
        _in_last_days(alerts, "raised_on", 184) & ~_in_last_days(alerts, "raised_on", 92)
    ]
    assert earlier["provider_id"].isin(stories.deteriorating).sum() <= 2


def test_recovering_provider_is_quieter_under_a_mostly_completed_plan(
    frames: dict[str, pd.DataFrame], stories: Storylines
) -> None:
    alerts, plans, actions = frames["alerts"], frames["plans"], frames["actions"]
    mine = alerts[alerts["provider_id"] == stories.recovering]
    then = _dates(mine, "raised_on").between(
        pd.Timestamp(AS_OF - dt.timedelta(days=365)), pd.Timestamp(AS_OF - dt.timedelta(days=180))
    )
    assert then.sum() >= 5
    assert _in_last_days(mine, "raised_on", 92).sum() <= 1
    plan = plans[plans["provider_id"] == stories.recovering]
    assert len(plan) == 1
    opened = pd.Timestamp(plan["opened_on"].iloc[0])
    assert pd.Timestamp(AS_OF - dt.timedelta(days=365)) <= opened
    assert opened <= pd.Timestamp(AS_OF - dt.timedelta(days=180))
    steps = actions[actions["plan_id"] == plan["plan_id"].iloc[0]]
    assert len(steps) >= 5
    assert (steps["completed_on"] != "").mean() >= 0.75


def test_plans_include_a_closed_one_and_overdue_actions(
    frames: dict[str, pd.DataFrame], stories: Storylines
) -> None:
    plans, actions = frames["plans"], frames["actions"]
    assert 3 <= len(plans) <= 6
    closed = plans[plans["status"] == "closed"]
    assert stories.plan_closed in set(closed["provider_id"])
    closed_steps = actions[actions["plan_id"].isin(closed["plan_id"])]
    assert (closed_steps["completed_on"] != "").all()
    overdue = (_dates(actions, "due_on") < pd.Timestamp(AS_OF)) & (actions["completed_on"] == "")
    assert overdue.sum() >= 1
    overdue_plans = set(actions.loc[overdue, "plan_id"])
    providers = set(plans.loc[plans["plan_id"].isin(overdue_plans), "provider_id"])
    assert stories.plan_overdue in providers


# --- writing and loading --------------------------------------------------------------------------


def test_write_csv_round_trips(tmp_path: Path) -> None:
    frames = build_borough(SEED, AS_OF, SMALL)
    paths = write_csv(frames, tmp_path / "out")
    assert [p.name for p in paths] == [f"{kind}.csv" for kind in KINDS]
    for kind, path in zip(KINDS, paths, strict=True):
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(back, frames[kind], check_dtype=False)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            kind: connection.execute(select(func.count()).select_from(model)).scalar_one()
            for kind, model in MODELS.items()
        }


def test_load_demo_passes_validation_and_is_idempotent(engine: Engine) -> None:
    small = build_borough(SEED, AS_OF, SMALL)
    assert is_empty(engine)
    progress: list[float] = []
    summary = load_demo(
        engine, seed=SEED, as_of=AS_OF, scale=SMALL, progress=lambda f, _m: progress.append(f)
    )
    assert not is_empty(engine)
    assert _counts(engine) == {kind: len(frame) for kind, frame in small.items()}
    assert summary.startswith("Demo borough loaded: 40 providers, ")
    assert summary.endswith("training records (as of 2026-11-20).")
    assert progress == sorted(progress) and progress[-1] == pytest.approx(1.0)
    with engine.connect() as connection:
        runs = connection.execute(select(ImportRun.kind, ImportRun.filename)).all()
    # The six files, then the two CQC ratings files of the demo's rating history.
    assert [run.kind for run in runs] == [*KINDS, "cqc_ratings", "cqc_ratings"]
    assert runs[0].filename == "demo-providers.csv"

    before = _counts(engine)
    load_demo(engine, seed=SEED, as_of=AS_OF, scale=SMALL)
    assert _counts(engine) == before
    with engine.connect() as connection:
        second = connection.execute(
            select(ImportRun.created, ImportRun.updated).order_by(ImportRun.id).offset(8)
        ).all()
    assert len(second) == 8
    assert all(run.created == 0 and run.updated == 0 for run in second)


def test_demo_data_command_loads_the_default_borough_once(
    frames: dict[str, pd.DataFrame], sqlite_template: Path, tmp_path: Path
) -> None:
    """`init-db` (here: a copy of a migrated database), then `demo-data` twice with --if-empty."""
    database = tmp_path / "demo.db"
    shutil.copyfile(sqlite_template, database)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sgoversight", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
            check=False,
        )

    args = ("demo-data", "--seed", str(SEED), "--as-of", AS_OF.isoformat(), "--if-empty")
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(
        r"Demo borough loaded: 250 providers, [\d,]+ quality alerts, [\d,]+ safeguarding "
        r"concerns, \d+ improvement plans, \d+ actions, [\d,]+ training records "
        r"\(as of 2026-11-20\)\.\n",
        first.stdout,
    )
    second = cli(*args)
    assert second.returncode == 0, second.stderr
    assert "already holds data" in second.stdout

    engine = make_engine(f"sqlite:///{database}")
    try:
        assert _counts(engine) == {kind: len(frame) for kind, frame in frames.items()}
        with engine.connect() as connection:
            name = connection.execute(
                select(Provider.name).where(Provider.provider_id == "PRV-0001")
            ).scalar_one()
        assert name == "Elmfield House"
    finally:
        engine.dispose()


def test_scale_must_leave_room_for_the_storylines() -> None:
    with pytest.raises(ValueError, match="30 providers"):
        BoroughScale(providers=10)
    with pytest.raises(ValueError, match="12 months"):
        BoroughScale(months=6)
    large = BoroughScale.LARGE
    assert (large.providers, large.months, large.plans) == (1_000, 36, 1_000)
    assert 140_000 <= large.concerns_per_month * large.months <= 160_000
    assert 28_000 <= large.alerts_per_month * large.months <= 32_000
