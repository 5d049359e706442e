"""The demo borough's improvement plans and their actions, beyond those of the storylines."""

from __future__ import annotations

import datetime as dt

from sgoversight.demo.draws import chance, stream, uniform_day
from sgoversight.demo.providers import DemoProvider
from sgoversight.demo.state import Borough

# (what, who owns it, where: "home" for care and nursing homes, "community" otherwise, or "any").
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Complete a full audit of medication administration records and act on the findings",
     "Registered manager", "any"),
    ("Review every care plan and risk assessment with the person or their representative",
     "Deputy manager", "any"),
    ("Bring safeguarding training up to date for all staff and keep a training matrix",
     "Training lead", "any"),
    ("Agree safe staffing levels using a dependency tool and report weekly rotas",
     "Operations director", "any"),
    ("Introduce daily handover checks of repositioning and fluid charts", "Clinical lead", "home"),
    ("Put in place a falls prevention pathway with post-falls reviews", "Head of care", "home"),
    ("Recruit a permanent registered manager and notify the regulator", "Nominated individual",
     "any"),
    ("Hold monthly relatives' meetings and publish the actions taken", "Registered manager",
     "any"),
    ("Carry out infection prevention and control audits and fix the findings",
     "Infection control lead", "home"),
    ("Submit a weekly call-monitoring report showing late and missed calls", "Care coordinator",
     "community"),
    ("Review complaints handling and respond within the provider's own timescale",
     "Quality assurance officer", "any"),
    ("Repair the call bell system and test it weekly", "Maintenance manager", "home"),
    ("Arrange external clinical supervision for nursing staff", "Clinical lead", "home"),
    ("Share learning from the safeguarding enquiry with the whole staff team",
     "Safeguarding lead", "any"),
    ("Attend the council's provider forum and report progress to the contracts officer",
     "Registered manager", "any"),
)  # fmt: skip
PLAN_REASONS = (
    "Board decision: rising quality alerts and an inadequate inspection rating",
    "Board decision: repeated medication and staffing alerts",
    "Board decision: safeguarding enquiries found neglect in care delivery",
    "Board decision: missed care calls and poor communication with families",
    "Board decision: concerns about leadership after the registered manager left",
)  # fmt: skip


def add_plan(
    borough: Borough,
    provider: DemoProvider,
    opened_on: dt.date,
    reason: str,
    closed_on: dt.date | None,
) -> str:
    """Add a plan numbered in the order plans are made (PLAN-001, ...); return its id. Rule: a
    plan with a closing date is closed, else open."""
    plan_id = f"PLAN-{len(borough.plans) + 1:0{max(3, len(str(borough.scale.plans)))}d}"
    borough.plans.append(
        {
            "plan_id": plan_id,
            "provider_id": provider.provider_id,
            "opened_on": opened_on,
            "reason": reason,
            "status": "closed" if closed_on else "open",
            "closed_on": closed_on,
        }
    )
    return plan_id


def add_action(
    borough: Borough,
    plan_id: str,
    action: tuple[str, str, str],
    due_on: dt.date,
    completed_on: dt.date | None,
) -> None:
    """Rule: a completion is never after the as-of date; a due date may be (work still ahead)."""
    borough.actions.append(
        {
            "action_id": None,
            "plan_id": plan_id,
            "description": action[0],
            "owner": action[1],
            "due_on": due_on,
            "completed_on": completed_on
            if completed_on is None or completed_on <= borough.as_of
            else None,
        }
    )


def background_plans(borough: Borough, seed: int) -> None:
    """Rule: beyond the storylines, plans for other commissioned services opened at any time in
    the period, with 3-7 actions; plans older than about seven months are mostly closed with
    every action done, recent ones are open with some actions done late or not yet."""
    extra = borough.scale.plans - len(borough.plans)
    if extra <= 0:
        return
    rng = stream(seed, "plans")
    eligible = [p for p in borough.providers if p.commissioned and not p.storyline]
    last_open = borough.as_of - dt.timedelta(days=14)
    for _ in range(extra):
        provider = rng.choice(eligible)
        opened = uniform_day(rng, borough.start, last_open)
        age = (borough.as_of - opened).days
        close_after = rng.randint(150, 300)
        closed_on = opened + dt.timedelta(days=close_after)
        if closed_on > borough.as_of or chance(rng, 0.05):
            closed_on = None
        plan_id = add_plan(borough, provider, opened, rng.choice(PLAN_REASONS), closed_on)
        setting = "home" if provider.in_care_home else "community"
        fitting = [a for a in ACTIONS if a[2] in ("any", setting)]
        for action in rng.sample(fitting, rng.randint(3, 7)):
            due = opened + dt.timedelta(days=rng.randint(21, min(max(close_after - 14, 22), 240)))
            completion: dt.date | None = due + dt.timedelta(days=rng.randint(-14, 21))
            if closed_on is not None:
                completion = min(max(completion, opened), closed_on)
            elif completion > borough.as_of or (age < 300 and chance(rng, 0.15)):
                completion = None
            add_action(borough, plan_id, action, due, completion)
