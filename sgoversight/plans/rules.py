"""The progress rule of improvement plans, their actions and enhanced monitoring, and the words
and marks that show each status (pure: rows in, results out).

Progress on a date D (plan_progress, action_statuses; used by pages, the portfolio and tests):
- An action is *done by D* when completed_on is on or before D.
- Action status: "Done" if done by D; else "Overdue" if due_on is before D; else "Due soon" if
  due_on is from D to D + 14 days; else "Not yet due".
- Plan progress: "Closed" if the plan is closed; else "Needs setting up" until the plan has an
  owner, a next review date and at least one action (a plan the Board opens starts so); else
  "Overdue" if any action is overdue; else "At risk" if any action is due soon; else "On track".
- `overdue_actions_by_provider` is the one definition of CONTRACT.md section 3 `overdue_actions`:
  actions with due_on before as-of and not completed by as-of (completed on as-of = not overdue),
  whatever the plan's status. The mask itself is `counts.overdue_actions_mask` (pandas); the
  Board's score states the same rule over rows (sgoversight.board.rules), and the plans tests check
  the two agree.
- Enhanced monitoring on D: "Ended" once ended; "Overdue" when the review date is before D;
  "At risk" when the review is due from D to D + 14 days or no review date is set; else
  "On track".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from sgoversight import uktime
from sgoversight.counts import overdue_actions_mask

#: "Due soon" and "At risk" look this many days ahead (today included).
DUE_SOON_DAYS = 14


OVERDUE, AT_RISK, ON_TRACK, CLOSED, ENDED = "Overdue", "At risk", "On track", "Closed", "Ended"


DONE, DUE_SOON, NOT_YET_DUE = "Done", "Due soon", "Not yet due"


NEEDS_SETUP = "Needs setting up"


#: Plan and monitoring progress words, most urgent first (the portfolio's sort order).
PROGRESS_ORDER: tuple[str, ...] = (NEEDS_SETUP, OVERDUE, AT_RISK, ON_TRACK, CLOSED, ENDED)


ACTION_STATUS_ORDER: tuple[str, ...] = (OVERDUE, DUE_SOON, NOT_YET_DUE, DONE)


#: A shape beside every word, so a status reads without colour (greyscale, colour-blind users).
STATUS_ICON: dict[str, str] = {
    NEEDS_SETUP: "◇",
    OVERDUE: "✖",
    AT_RISK: "▲",
    DUE_SOON: "▲",
    ON_TRACK: "●",
    NOT_YET_DUE: "○",
    DONE: "✔",
    CLOSED: "■",
    ENDED: "■",
}


STATUS_MATERIAL_ICON: dict[str, str] = {
    NEEDS_SETUP: ":material/construction:",
    OVERDUE: ":material/cancel:",
    AT_RISK: ":material/warning:",
    DUE_SOON: ":material/schedule:",
    ON_TRACK: ":material/check_circle:",
    NOT_YET_DUE: ":material/radio_button_unchecked:",
    DONE: ":material/task_alt:",
    CLOSED: ":material/lock:",
    ENDED: ":material/lock:",
}


STATUS_BADGE_COLOUR: dict[str, str] = {
    NEEDS_SETUP: "violet",
    OVERDUE: "red",
    AT_RISK: "orange",
    DUE_SOON: "orange",
    ON_TRACK: "green",
    NOT_YET_DUE: "blue",
    DONE: "green",
    CLOSED: "gray",
    ENDED: "gray",
}


PLAN_KIND, MONITORING_KIND = "Improvement plan", "Enhanced monitoring"


MONITORING_PREFIX = "EM-"


def status_text(status: str) -> str:
    """'✖ Overdue', '✔ Done' ...: the icon and the word together, never colour alone."""
    return f"{STATUS_ICON[status]} {status}"


def status_badge(status: str) -> str:
    """A coloured Streamlit badge with icon and word, for st.markdown."""
    return f":{STATUS_BADGE_COLOUR[status]}-badge[{STATUS_MATERIAL_ICON[status]} {status}]"


def monitoring_reference(monitoring_id: int) -> str:
    """How an enhanced monitoring arrangement is named on screen and in links: EM-12."""
    return f"{MONITORING_PREFIX}{monitoring_id}"


def long_date(day: dt.date | pd.Timestamp | None) -> str:
    """The one long date (uktime.long_date), or 'not set' for a date not recorded yet."""
    if day is None or pd.isna(day):
        return "not set"
    return uktime.long_date(day)


def _day(on: dt.date | pd.Timestamp | str) -> pd.Timestamp:
    return pd.Timestamp(on).normalize()


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column])


def done_mask(actions: pd.DataFrame, on: dt.date | pd.Timestamp) -> pd.Series:
    """Actions done by the end of `on`: completed_on on or before it."""
    completed = _dates(actions, "completed_on")
    return completed.notna() & (completed <= _day(on))


def due_soon_mask(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> pd.Series:
    """Actions not done by `on` and due from `on` to `on` + `days` (both ends included)."""
    due = _dates(actions, "due_on")
    start = _day(on)
    return ~done_mask(actions, on) & (due >= start) & (due <= start + pd.Timedelta(days=days))


def overdue_actions_by_provider(actions: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.Series:
    """CONTRACT.md §3 `overdue_actions`: per provider, "its plan actions with due_on before as-of
    and not completed by as-of", whatever the plan's status.

    `actions` is a frame like sgoversight.store.queries.load_actions (provider_id, due_on,
    completed_on). Returns counts indexed by provider_id (sorted), one entry for every provider in
    the frame (0 when none is overdue); reindex on the register with fill_value=0 for providers
    with no actions.
    """
    mask = overdue_actions_mask(actions, as_of)
    providers = pd.Index(sorted(actions["provider_id"].dropna().unique()), name="provider_id")
    counts = actions.loc[mask, "provider_id"].value_counts()
    result = counts.reindex(providers, fill_value=0).astype("int64")
    result.name = "overdue_actions"
    return result


def action_statuses(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> pd.Series:
    """Each action's status on `on`: Done, Overdue, Due soon or Not yet due (module rule)."""
    conditions = [
        done_mask(actions, on).to_numpy(),
        overdue_actions_mask(actions, on).to_numpy(),
        due_soon_mask(actions, on, days).to_numpy(),
    ]
    values = np.select(conditions, [DONE, OVERDUE, DUE_SOON], default=NOT_YET_DUE)
    return pd.Series(values, index=actions.index, dtype=object, name="status")


@dataclass(frozen=True)
class ActionTally:
    """A plan's actions on a day: how many, how many are not done, overdue and due soon, and the
    earliest due date among the overdue and among the due soon (None when there are none)."""

    actions: int = 0
    not_done: int = 0
    overdue: int = 0
    due_soon: int = 0
    oldest_overdue: pd.Timestamp | None = None
    first_due_soon: pd.Timestamp | None = None


def _timestamp(value: object) -> pd.Timestamp | None:
    return None if pd.isna(value) else pd.Timestamp(value)


def action_tallies(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> dict[str, ActionTally]:
    """Each plan's ActionTally on `on`, keyed by plan_id (plans without actions are absent): the
    masks done_mask, overdue_actions_mask and due_soon_mask computed once over every action."""
    if actions.empty:
        return {}
    due = _dates(actions, "due_on")
    overdue = overdue_actions_mask(actions, on)
    soon = due_soon_mask(actions, on, days)
    frame = pd.DataFrame(
        {
            "plan_id": actions["plan_id"].to_numpy(),
            "not_done": (~done_mask(actions, on)).to_numpy(),
            "overdue": overdue.to_numpy(),
            "due_soon": soon.to_numpy(),
            "overdue_due": due.where(overdue).to_numpy(),
            "soon_due": due.where(soon).to_numpy(),
        }
    )
    grouped = frame.groupby("plan_id", sort=False).agg(
        actions=("not_done", "size"),
        not_done=("not_done", "sum"),
        overdue=("overdue", "sum"),
        due_soon=("due_soon", "sum"),
        oldest_overdue=("overdue_due", "min"),
        first_due_soon=("soon_due", "min"),
    )
    return {
        str(plan_id): ActionTally(
            int(count), int(not_done), int(late), int(soon), _timestamp(oldest), _timestamp(first)
        )
        for plan_id, count, not_done, late, soon, oldest, first in grouped.itertuples()
    }


def action_tally(
    actions: pd.DataFrame, on: dt.date | pd.Timestamp, days: int = DUE_SOON_DAYS
) -> ActionTally:
    """One plan's ActionTally on `on` (every row of `actions` taken as that plan's)."""
    return action_tallies(actions.assign(plan_id=""), on, days).get("", ActionTally())


def setup_missing(owner: str | None, next_review_on: dt.date | None, actions: int) -> list[str]:
    """What an open plan still lacks to be set up: an owner, a next review date, at least one
    action (in those words, in that order; empty when it is set up)."""
    missing = []
    if not (owner or "").strip():
        missing.append("an owner")
    if next_review_on is None or pd.isna(next_review_on):
        missing.append("a next review date")
    if actions == 0:
        missing.append("an action")
    return missing


def progress_of(tally: ActionTally, *, closed: bool = False, missing: Iterable[str] = ()) -> str:
    """A plan's progress from its tally: Closed if the plan is closed; else Needs setting up if
    it lacks an owner, a next review date or any action (`missing`, setup_missing); else Overdue
    if any action is overdue; else At risk if any is due soon; else On track."""
    if closed:
        return CLOSED
    if list(missing):
        return NEEDS_SETUP
    if tally.overdue:
        return OVERDUE
    if tally.due_soon:
        return AT_RISK
    return ON_TRACK


def progress_reason(tally: ActionTally, progress: str, missing: Iterable[str] = ()) -> str:
    """One plain sentence saying why a plan has its progress word."""
    if progress == CLOSED:
        return "Signed off and closed."
    if progress == NEEDS_SETUP:
        lacking = list(missing)
        listed = ", ".join(lacking[:-1]) + (" and " if len(lacking) > 1 else "") + lacking[-1]
        return f"Not set up yet: it needs {listed}."
    if tally.actions == 0:
        return "No actions yet."
    if progress == OVERDUE:
        return (
            f"{count_text(tally.overdue, 'action')} overdue "
            f"(oldest due {long_date(tally.oldest_overdue)})."
        )
    if progress == AT_RISK:
        return (
            f"{count_text(tally.due_soon, 'action')} due in the next {DUE_SOON_DAYS} days "
            f"(first on {long_date(tally.first_due_soon)})."
        )
    if tally.not_done == 0:
        return "Every action is done."
    left = count_text(tally.not_done, "action")
    return f"{left} still to do, none due in the next {DUE_SOON_DAYS} days."


def plan_progress(
    actions: pd.DataFrame,
    on: dt.date | pd.Timestamp,
    *,
    closed: bool = False,
    days: int = DUE_SOON_DAYS,
) -> str:
    """A plan's progress on `on` from its actions: Closed, Overdue, At risk or On track.

    Closed if the plan is closed; else Overdue if any action has due_on before `on` and is not
    completed by `on`; else At risk if any action not completed by `on` is due from `on` to
    `on` + 14 days; else On track.
    """
    return progress_of(action_tally(actions, on, days), closed=closed)


def plan_progress_reason(actions: pd.DataFrame, on: dt.date | pd.Timestamp, progress: str) -> str:
    """One plain sentence saying why a plan has its progress word (progress_reason)."""
    return progress_reason(action_tally(actions, on), progress)


def monitoring_progress(
    review_on: dt.date | None,
    on: dt.date,
    *,
    ended: bool = False,
    days: int = DUE_SOON_DAYS,
) -> str:
    """Enhanced monitoring progress on `on`: Ended, Overdue (review date passed), At risk (review
    due within `days`, or no review date set) or On track."""
    if ended:
        return ENDED
    if review_on is None:
        return AT_RISK
    if review_on < on:
        return OVERDUE
    if review_on <= on + relativedelta(days=days):
        return AT_RISK
    return ON_TRACK


def monitoring_progress_reason(review_on: dt.date | None, progress: str) -> str:
    """One plain sentence saying why an arrangement has its progress word."""
    if progress == ENDED:
        return "Ended."
    if review_on is None:
        return "No review date set."
    if progress == OVERDUE:
        return f"Review was due on {long_date(review_on)}."
    return f"Review due on {long_date(review_on)}."


def count_text(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
