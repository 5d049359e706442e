"""What the Provider Oversight Board looks at each month: the RAG table with movement since last
month and the Board's decisions, one provider's profile, and insight beyond the thresholds.

Every rating comes from sgoversight.board.rules (CONTRACT.md section 3) on frames loaded once; every
decision from sgoversight.board.decisions. Rules stated here:
- Movement compares with the previous calendar month's computed rating: "worse", "better",
  "same", or "new" for a provider not in the register then (scoring.movement).
- The rating the Board works to is its decision's override when it overrode, else the computed
  rating; the computed rating is always shown beside it.
- A provider profile's timeline covers the 12 months ending with the Board month: quality alerts
  raised per month by severity, and safeguarding concerns received per month naming the provider.
  Its lists: the provider's alerts raised in those 12 months or still open at the month's end,
  and (for people who may see concerns) its concerns received in those 12 months or with an
  enquiry open at the month's end, by reference, date and category only (never the person).
  Its rating history covers the same 12 months, each with the Board's current decision.
- Rating history re-scores each of the 6 months ending with the Board month from today's records;
  the Board's table shows it for every provider as a strip of icons, oldest first.
- The Board's table is ordered by risk unless the Board chooses another order (ORDERS): rating
  (Red, Amber, Green), then the number of red indicators, then the number of amber indicators
  (more first), then worse than last month first, then name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import altair as alt
import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from sgoversight.auth import Actor, Permission
from sgoversight.board import insight
from sgoversight.board import read as scoring_read
from sgoversight.board import rules as scoring
from sgoversight.board.config import ScoringConfig, load_scoring_config
from sgoversight.board.decisions import (
    CURRENT,
    DECISIONS,
    STATUS_TEXT,
    decision_history,
    latest_decisions,
    meetings_for_month,
)
from sgoversight.board.frames import CONCERN_COLUMNS_READ, ratings_frame, rows_from_frames
from sgoversight.counts import dated_in_mask, open_enquiries_mask
from sgoversight.errors import BadInput
from sgoversight.periods import Period, add_months, months_window
from sgoversight.plans.rules import NEEDS_SETUP, monitoring_reference, setup_missing, status_text
from sgoversight.store import read
from sgoversight.store.models import (
    BoardDecision,
    BoardMeeting,
    EnhancedMonitoring,
    ImprovementAction,
    ImprovementPlan,
    Provider,
    QualityAlert,
    SafeguardingConcern,
)
from sgoversight.store.queries import (
    dated_between,
    load_actions,
    load_alerts,
    load_concerns,
    load_providers,
    open_on,
)
from sgoversight.vocabulary import ABUSE_TYPE, ALERT_STATUS, CQC_RATING, SERVICE_TYPE, SEVERITY

_V = TypeVar("_V")
RAG_ICON = {"Red": "✖", "Amber": "▲", "Green": "●"}
#: Movement since last month, as on a chart of how a provider is doing: down is worse.
MOVEMENT_TEXT = {
    scoring.WORSE: "↓ Worse",
    scoring.BETTER: "↑ Better",
    scoring.SAME: "= Same",
    scoring.NEW: "★ New",
}
TIMELINE_MONTHS = 12
#: Months in the Board table's rating strip.
HISTORY_MONTHS = 6
#: Months of ratings (with the Board's decisions) on a provider's profile.
PROFILE_HISTORY_MONTHS = 12
#: Severity colours dark to light in even steps of lightness, so neighbouring severities are told
#: apart and the stack also reads in greyscale; concerns in a contrasting tone.
TIMELINE_COLOURS = {
    "Critical alert": "#0b2545",
    "High alert": "#3a6ea5",
    "Medium alert": "#7fa8d1",
    "Low alert": "#c4daee",
    "Safeguarding concern": "#d9822b",
}


def rag_text(rating: str) -> str:
    """'✖ Red', '▲ Amber' or '● Green'."""
    return f"{RAG_ICON[rating]} {rating}"


def rating_strip(ratings: tuple[str, ...] | list[str]) -> str:
    """A provider's ratings over several months as shape icons, oldest first: '● ▲ ▲ ✖' (the
    shapes, not colour, tell Red, Amber and Green apart; STRIP_KEY says so beside the table)."""
    return " ".join(RAG_ICON[rating] for rating in ratings)


#: How to read a rating strip, in words.
STRIP_KEY = "Oldest month first: ✖ Red, ▲ Amber, ● Green."


# --- the order of the Board's table -----------------------------------------------------------

#: Movement since last month, most worrying first, for the "worse first" order.
_MOVEMENT_RANK = {scoring.WORSE: 0, scoring.NEW: 1, scoring.SAME: 2, scoring.BETTER: 3}


def red_indicators(rating: scoring.ProviderRating) -> int:
    """How many of the provider's indicators are red."""
    return sum(1 for level in rating.levels.values() if level == scoring.RED)


def amber_indicators(rating: scoring.ProviderRating) -> int:
    """How many of the provider's indicators are amber."""
    return sum(1 for level in rating.levels.values() if level == scoring.AMBER)


@dataclass(frozen=True)
class BoardOrder:
    """One way to order the Board's table: `code` goes in the address bar (?order=CODE), `label`
    on the picker, `explanation` in the line above the table."""

    code: str
    label: str
    explanation: str


RISK, WORSE_FIRST, UNDECIDED_FIRST, BY_NAME = "risk", "worse", "undecided", "name"
ORDERS: dict[str, BoardOrder] = {
    order.code: order
    for order in (
        BoardOrder(
            RISK,
            "Most at risk first",
            "Most at risk first: Red, Amber, Green; then more red indicators, more amber "
            "indicators, worse than last month, name.",
        ),
        BoardOrder(
            WORSE_FIRST,
            "Worse than last month first",
            "Worse than last month first, then new, the same and better; then most at risk first.",
        ),
        BoardOrder(
            UNDECIDED_FIRST,
            "Not yet decided first",
            "Providers without a Board decision this month first; then most at risk first.",
        ),
        BoardOrder(BY_NAME, "By name", "By provider name, A to Z."),
    )
}
DEFAULT_ORDER = RISK


def order_ratings(
    ratings: list[scoring.ProviderRating],
    movement: dict[str, str],
    order: str = DEFAULT_ORDER,
    decided: frozenset[str] | set[str] = frozenset(),
) -> list[scoring.ProviderRating]:
    """`ratings` in the Board's `order` (a code of ORDERS; BadInput for another). `movement` maps
    provider id to its movement since last month (scoring.movement); `decided` holds the ids of
    providers with a decision this month (for "not yet decided first")."""
    if order not in ORDERS:
        raise BadInput(f"no order {order!r}: choose one of {', '.join(ORDERS)}")

    # Ratings with the same counts share their levels (scoring.score_tallies): count each once.
    counted: dict[int, tuple[int, int]] = {}

    def risk(rating: scoring.ProviderRating) -> tuple[object, ...]:
        """Most at risk first: rating (Red, Amber, Green), then more red indicators, then more
        amber indicators, then worse than last month before any other movement, then name
        (ignoring case), then provider id."""
        found = counted.get(id(rating.levels))
        if found is None:
            found = counted[id(rating.levels)] = (
                -red_indicators(rating),
                -amber_indicators(rating),
            )
        moved = movement.get(rating.provider_id, scoring.SAME)
        return (
            scoring.RATINGS.index(rating.rating),
            *found,
            0 if moved == scoring.WORSE else 1,
            rating.provider_name.casefold(),
            rating.provider_id,
        )

    if order == RISK:
        return sorted(ratings, key=risk)
    if order == WORSE_FIRST:
        return sorted(
            ratings,
            key=lambda r: (_MOVEMENT_RANK[movement.get(r.provider_id, scoring.SAME)], *risk(r)),
        )
    if order == UNDECIDED_FIRST:
        return sorted(ratings, key=lambda r: (r.provider_id in decided, *risk(r)))
    return sorted(ratings, key=lambda r: (r.provider_name.casefold(), r.provider_id))


def reasons_worst_first(rating: scoring.ProviderRating) -> list[str]:
    """The rating's reasons with those of red indicators first (then the "Red because N
    indicators are amber" sentence, then amber ones), each group in the contract's order."""
    red = [
        reason
        for name, reason in rating.indicator_reasons.items()
        if rating.levels.get(name) == scoring.RED
    ]
    amber = [
        reason
        for name, reason in rating.indicator_reasons.items()
        if rating.levels.get(name) != scoring.RED
    ]
    others = [r for r in rating.reasons if r not in red and r not in amber]
    return red + others + amber


def main_reason(rating: scoring.ProviderRating) -> str:
    """The worst reason, and how many more the review panel lists: "CQC rating: Inadequate (red)
    (+2 more)"; "No indicator amber or red" for a Green provider with none."""
    reasons = reasons_worst_first(rating)
    if not reasons:
        return "No indicator amber or red"
    more = len(reasons) - 1
    return reasons[0] + (f" (+{more} more)" if more else "")


@dataclass(frozen=True)
class BoardFrames:
    """The register and records, loaded once for a page or pack."""

    providers: pd.DataFrame
    alerts: pd.DataFrame
    concerns: pd.DataFrame
    actions: pd.DataFrame


def load_register(engine: Engine, actor: Actor) -> pd.DataFrame:
    """The provider register as the Board sees it (needs the permission to see the Board)."""
    actor.require(Permission.VIEW_BOARD)
    with Session(engine) as session:
        return load_providers(session, actor.provider_scope())


@dataclass(frozen=True)
class InsightFrames:
    """What insight counts for a Board month (rates_table, quiet_table and the packs' insight
    sheets): the register, and per provider the alerts raised and concerns received about it
    over the whole of insight_window (`records`), dated on the window's first day. Not enough
    to rate anyone (BoardFrames is)."""

    providers: pd.DataFrame
    alerts: pd.DataFrame  # provider_id, raised_on (the window's first day), records
    concerns: pd.DataFrame  # provider_id, received_on (the window's first day), records


#: What insight counts of each kind (all providers; the scoped form adds one condition), per
#: provider over the window, and the date column.
_INSIGHT_READS = {
    "alerts": (
        "SELECT provider_id, COUNT(*) FROM quality_alerts "
        "WHERE provider_id IS NOT NULL AND raised_on BETWEEN ? AND ?{scope} GROUP BY provider_id",
        "raised_on",
    ),
    "concerns": (
        "SELECT provider_id, COUNT(*) FROM safeguarding_concerns "
        "WHERE provider_id IS NOT NULL AND received_on BETWEEN ? AND ?{scope} "
        "GROUP BY provider_id",
        "received_on",
    ),
}


def load_insight_frames(engine: Engine, actor: Actor, month: Period | str) -> InsightFrames:
    """The register and the records insight counts for `month` (InsightFrames; needs the
    permission to see the Board, a provider user sees their own provider only), counted per
    provider over the year by the database through DB-API connections (sgoversight.store.read,
    both kinds at once on PostgreSQL): a year of rates read as one count per provider, not
    every record, so the Board's first view stays quick on a large register."""
    actor.require(Permission.VIEW_BOARD)
    scope = actor.provider_scope()
    window = insight_window(scoring.as_board_month(month))
    statements: dict[str, tuple[str, list[object]]] = {}
    for kind, (sql, _) in _INSIGHT_READS.items():
        params: list[object] = [read.as_iso(window.start), read.as_iso(window.end)]
        if scope is None:
            statements[kind] = (sql.format(scope=""), params)
        else:
            statements[kind] = (sql.format(scope=" AND provider_id = ?"), [*params, scope])
    with read.from_engine(engine) as connection:
        counted = read.rows_at_once(
            connection, statements, scoring_read.more_connections(engine)
        )
    found: dict[str, pd.DataFrame] = {}
    for kind, (_, dated) in _INSIGHT_READS.items():
        frame = pd.DataFrame(counted[kind], columns=["provider_id", "records"])
        frame.insert(1, dated, pd.Series(pd.Timestamp(window.start), index=frame.index))
        frame[dated] = frame[dated].astype("datetime64[s]")
        frame["records"] = frame["records"].astype("int64")
        found[kind] = frame
    return InsightFrames(load_register(engine, actor), found["alerts"], found["concerns"])


@dataclass(frozen=True)
class RowsRead:
    """Database conditions keeping every row the frames are read for (see rows_read)."""

    alerts: ColumnElement[bool]
    concerns: ColumnElement[bool]
    actions: ColumnElement[bool]


def month_rows_read(month: Period | str, config: ScoringConfig) -> RowsRead:
    """The rows one month's ratings can count, as conditions for sgoversight.store.queries' loaders:
    the same rows as sgoversight.board.read reads for the month (see its docstring)."""
    span = scoring.scoring_window(month, config)
    as_of = span.as_of
    unresolved_by = as_of - dt.timedelta(days=config.unresolved_after_days)
    return RowsRead(
        alerts=or_(
            dated_between(QualityAlert.raised_on, span.previous.start, as_of),
            open_on(QualityAlert.raised_on, QualityAlert.closed_on, as_of)
            & (QualityAlert.raised_on <= unresolved_by),
        ),
        concerns=or_(
            dated_between(SafeguardingConcern.received_on, span.previous.start, as_of),
            dated_between(SafeguardingConcern.enquiry_concluded_on, span.window.start, as_of),
            open_on(
                SafeguardingConcern.enquiry_started_on,
                SafeguardingConcern.enquiry_concluded_on,
                as_of,
            ),
        ),
        actions=and_(
            ImprovementAction.due_on < as_of,
            or_(ImprovementAction.completed_on.is_(None), ImprovementAction.completed_on > as_of),
        ),
    )


def rows_read(month: Period | str, config: ScoringConfig) -> RowsRead:
    """The rows the Board's page and pack for `month` can count: the ratings of the HISTORY_MONTHS
    ending with it (month_rows_read of each: the movement and the rating strip) and the 12
    months of insight (alerts raised and concerns received in insight_window). A superset,
    never the count."""
    month = scoring.as_board_month(month)
    each = [month_rows_read(add_months(month, -back), config) for back in range(HISTORY_MONTHS)]
    window = insight_window(month)
    return RowsRead(
        alerts=or_(
            *(rows.alerts for rows in each),
            dated_between(QualityAlert.raised_on, window.start, window.end),
        ),
        concerns=or_(
            *(rows.concerns for rows in each),
            dated_between(SafeguardingConcern.received_on, window.start, window.end),
        ),
        actions=or_(*(rows.actions for rows in each)),
    )


def load_board_frames(
    engine: Engine,
    actor: Actor,
    month: Period | str | None = None,
    *,
    provider_id: str | None = None,
    config: ScoringConfig | None = None,
) -> BoardFrames:
    """Load the frames the Board works from (needs the permission to see the Board).

    With `month`, only the rows the Board's page and pack for that month can count (rows_read,
    with `config`): the frames then answer for that month only. With `provider_id`, only that
    provider's rows, every month (a profile's timeline and rating history); a provider user is
    limited to their own provider (Actor.scope_for).
    """
    actor.require(Permission.VIEW_BOARD)
    scope = actor.scope_for(provider_id)
    rows = None if month is None else rows_read(month, config or load_scoring_config())
    alerts, concerns, actions = (
        (None, None, None) if rows is None else (rows.alerts, rows.concerns, rows.actions)
    )
    with Session(engine) as session:
        return BoardFrames(
            providers=load_providers(session, scope),
            alerts=load_alerts(session, scope, where=alerts),
            concerns=load_concerns(
                session, scope, columns=CONCERN_COLUMNS_READ, where=concerns
            ),
            actions=load_actions(session, scope, where=actions),
        )


@dataclass(frozen=True)
class DecisionSummary:
    """A Board decision for a provider and month, as shown beside the rating and in the history:
    `status` is current, superseded (amended later) or withdrawn (sgoversight.board.decisions)."""

    decision_id: int
    computed_rating: str
    agreed: bool
    rating: str
    decision: str
    rationale: str | None
    decided_by: str
    decided_at: dt.datetime
    board_month: str = ""
    status: str = CURRENT
    amend_reason: str | None = None
    supersedes_id: int | None = None
    withdrawn_reason: str | None = None
    withdrawn_by: str | None = None
    withdrawn_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: BoardDecision) -> DecisionSummary:
        return cls(
            decision_id=row.id,
            computed_rating=row.computed_rating,
            agreed=row.agreed,
            rating=row.override_rating or row.computed_rating,
            decision=row.decision,
            rationale=row.rationale,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            board_month=row.board_month,
            status=row.status,
            amend_reason=row.amend_reason,
            supersedes_id=row.supersedes_id,
            withdrawn_reason=row.withdrawn_reason,
            withdrawn_by=row.withdrawn_by,
            withdrawn_at=row.withdrawn_at,
        )

    @property
    def status_text(self) -> str:
        """'Current', 'Amended later' or 'Withdrawn'."""
        return STATUS_TEXT[self.status]


@dataclass(frozen=True)
class BoardMonth:
    """The month's ratings with movement and decisions."""

    month: Period
    ratings: list[scoring.ProviderRating]
    movement: dict[str, str]
    decisions: dict[str, DecisionSummary]
    meetings: list[BoardMeeting] = field(default_factory=list)
    #: What is open for each provider now, in words: "Improvement plan PLAN-ID (◇ Needs setting
    #: up)", "Enhanced monitoring EM-3", both joined by "; " (open_work_by_provider).
    open_work: dict[str, str] = field(default_factory=dict)
    #: Each provider's computed ratings over the HISTORY_MONTHS ending with `month`, oldest first.
    history: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Providers per computed rating, Red first."""
        result = dict.fromkeys(scoring.RATINGS, 0)
        for rating in self.ratings:
            result[rating.rating] += 1
        return result

    def rating_of(self, provider_id: str) -> scoring.ProviderRating:
        for rating in self.ratings:
            if rating.provider_id == provider_id:
                return rating
        raise BadInput(f"no provider {provider_id} in the register")


RED_OR_WORSE = "red_or_worse"  # the Board table's filters of the providers below, by code
AWAITING_DECISION = "awaiting_decision"


def red_or_worse(view: BoardMonth) -> list[scoring.ProviderRating]:
    """The providers rated Red for the month or rated worse than the month before, Red first,
    then by name and id: the landing page's line and the Board table's filter both list these."""
    chosen = [
        rating
        for rating in view.ratings
        if rating.rating == scoring.RED or view.movement.get(rating.provider_id) == scoring.WORSE
    ]
    order = {rating: i for i, rating in enumerate(scoring.RATINGS)}
    chosen.sort(key=lambda r: (order[r.rating], r.provider_name, r.provider_id))
    return chosen


def awaiting_decision(view: BoardMonth) -> list[scoring.ProviderRating]:
    """The providers with no current decision for the month, Red first, then by name and id: the
    landing page's line and the Board table's filter both list these."""
    waiting = [r for r in view.ratings if r.provider_id not in view.decisions]
    order = {rating: i for i, rating in enumerate(scoring.RATINGS)}
    waiting.sort(key=lambda r: (order[r.rating], r.provider_name, r.provider_id))
    return waiting


def board_month(
    engine: Engine,
    actor: Actor,
    month: Period | str,
    frames: BoardFrames | None = None,
    config: ScoringConfig | None = None,
) -> BoardMonth:
    """Score `month` and the HISTORY_MONTHS - 1 months before it (the movement compares with the
    month before; the history is the rating strip), with the decisions (needs the permission to
    see the Board; a provider user sees their own provider only).

    Every month is counted at once: in the database, one statement per kind of record
    (scoring_read.read_months, the register and each kind read side by side on connections of
    their own, while the decisions, meetings and open work are read on another), or, with
    `frames`, by the same statements over their rows (scoring.count_rows); the earlier months
    are rated overall only (scoring.overall_ratings)."""
    actor.require(Permission.VIEW_BOARD)
    month = scoring.as_board_month(month)
    config = config or load_scoring_config()
    scored_months = [add_months(month, -back) for back in range(HISTORY_MONTHS)]
    spans = [scoring.scoring_window(m, config) for m in scored_months]
    scope = actor.provider_scope()
    with ThreadPoolExecutor(max_workers=1) as pool:
        recorded = pool.submit(_decided, engine, month, scope)
        if frames is None:
            with read.from_engine(engine) as connection:
                providers, tallies = scoring_read.read_months(
                    connection,
                    spans,
                    config,
                    provider_id=scope,
                    opener=scoring_read.more_connections(engine),
                )
        else:
            providers, *records = rows_from_frames(
                frames.providers, frames.alerts, frames.concerns, frames.actions
            )
            tallies = scoring.count_rows(spans, *records, config)
        current = scoring.score_tallies(month, providers, tallies[0], config)
        earlier = scoring.overall_ratings(providers, tallies[1:], config)
        # Every month rates the same register, so each earlier month has every provider.
        ids = [r.provider_id for r in current]
        history = dict(
            zip(
                ids,
                zip(
                    *([m[pid] for pid in ids] for m in reversed(earlier)),
                    [r.rating for r in current],
                    strict=True,
                ),
                strict=True,
            )
        )
        decisions, meetings, open_work = recorded.result()
    return BoardMonth(
        month,
        current,
        scoring.movement(current, earlier[0]),
        decisions,
        meetings,
        open_work,
        history,
    )


def _decided(
    engine: Engine, month: Period, scope: str | None
) -> tuple[dict[str, DecisionSummary], list[BoardMeeting], dict[str, str]]:
    """The month's current decisions, its meetings and what is open for each provider now
    (open_work_by_provider); with `scope`, that provider's open work only."""
    with Session(engine) as session:
        decisions = {
            pid: DecisionSummary.of(row)
            for pid, row in latest_decisions(session, month.label).items()
        }
        meetings = meetings_for_month(session, month.label)
        open_work = open_work_by_provider(session, scope)
        session.expunge_all()
    return decisions, meetings, open_work


def open_work_by_provider(session: Session, scope: str | None = None) -> dict[str, str]:
    """Each provider's open improvement plan and enhanced monitoring in words. A plan that lacks
    an owner, a next review date or any action says it needs setting up (plans.setup_missing)."""
    counts = dict(
        session.execute(
            select(ImprovementAction.plan_id, func.count()).group_by(ImprovementAction.plan_id)
        ).all()
    )
    found: dict[str, list[str]] = {}
    plans = select(ImprovementPlan).where(ImprovementPlan.status == "open")
    monitoring = select(EnhancedMonitoring).where(EnhancedMonitoring.ended_on.is_(None))
    if scope is not None:
        plans = plans.where(ImprovementPlan.provider_id == scope)
        monitoring = monitoring.where(EnhancedMonitoring.provider_id == scope)
    for plan in session.scalars(plans.order_by(ImprovementPlan.plan_id)):
        text = f"Improvement plan {plan.plan_id}"
        if setup_missing(plan.owner, plan.next_review_on, counts.get(plan.plan_id, 0)):
            text += f" ({status_text(NEEDS_SETUP)})"
        found.setdefault(plan.provider_id, []).append(text)
    for arrangement in session.scalars(monitoring.order_by(EnhancedMonitoring.id)):
        found.setdefault(arrangement.provider_id, []).append(
            f"Enhanced monitoring {monitoring_reference(arrangement.id)}"
        )
    return {provider_id: "; ".join(texts) for provider_id, texts in found.items()}


def decision_trail(
    engine: Engine, actor: Actor, provider_id: str, board_month: str | None = None
) -> list[DecisionSummary]:
    """Every decision about `provider_id` (of `board_month` only, when given), current, amended
    and withdrawn, newest first (VIEW_BOARD)."""
    actor.require(Permission.VIEW_BOARD)
    actor.require_provider(provider_id)
    with Session(engine) as session:
        rows = decision_history(session, provider_id)
        return [
            DecisionSummary.of(row)
            for row in rows
            if board_month is None or row.board_month == board_month
        ]


def board_table(view: BoardMonth, order: str = DEFAULT_ORDER) -> pd.DataFrame:
    """The RAG table as the Board reads it, one row per provider in `order` (ORDERS; most at
    risk first unless told).

    Columns: provider_id, Provider, Service, Regulated, Commissioned, Rating, Movement, Last 6
    months (rating_strip), Main reason (main_reason), Why (every reason), Red indicators, Amber
    indicators, Recommended action, Board decision, Board's rating, Plan or monitoring (open
    now); plus `rating` (the computed word) and `movement` (code) for filtering.
    """
    ordered = order_ratings(view.ratings, view.movement, order, set(view.decisions))
    # Ratings with the same counts share their reasons (scoring.score_tallies): word them once.
    worded: dict[tuple[int, int, int], tuple[str, str, int, int]] = {}
    words = []
    for rating in ordered:
        shared = (id(rating.levels), id(rating.indicator_reasons), id(rating.reasons))
        found = worded.get(shared)
        if found is None:
            found = worded[shared] = (
                main_reason(rating),
                "; ".join(reasons_worst_first(rating)) or "No indicator amber or red",
                red_indicators(rating),
                amber_indicators(rating),
            )
        words.append(found)
    main, why, reds, ambers = zip(*words, strict=True) if words else ((), (), (), ())
    ids = [rating.provider_id for rating in ordered]
    decided = [view.decisions.get(pid) for pid in ids]
    moved = [view.movement[pid] for pid in ids]
    # Built column by column: each column's words are worked out once per distinct value.
    return pd.DataFrame(
        {
            "provider_id": ids,
            "Provider": [rating.provider_name for rating in ordered],
            "Service": _each(
                [rating.service_type for rating in ordered],
                lambda code: SERVICE_TYPE.label(code) if code else "",
            ),
            "Regulated": ["Yes" if rating.regulated else "No" for rating in ordered],
            "Commissioned": [
                "No" if rating.commissioned is False else "Yes" for rating in ordered
            ],
            "Rating": _each([rating.rating for rating in ordered], rag_text),
            "Movement": [MOVEMENT_TEXT[code] for code in moved],
            f"Last {HISTORY_MONTHS} months": _each(
                [view.history.get(rating.provider_id, (rating.rating,)) for rating in ordered],
                rating_strip,
            ),
            "Main reason": list(main),
            "Why": list(why),
            "Red indicators": list(reds),
            "Amber indicators": list(ambers),
            "Recommended action": [rating.recommended_action for rating in ordered],
            "Board decision": [
                DECISIONS[d.decision] if d else "Not yet decided" for d in decided
            ],
            "Board's rating": [
                "" if d is None else rag_text(d.rating) + ("" if d.agreed else " (override)")
                for d in decided
            ],
            "Plan or monitoring": [view.open_work.get(pid, "") for pid in ids],
            "rating": [rating.rating for rating in ordered],
            "movement": moved,
            "service_type": [rating.service_type for rating in ordered],
            "regulated": [bool(rating.regulated) for rating in ordered],
            "commissioned": [rating.commissioned is not False for rating in ordered],
        },
        columns=_TABLE_COLUMNS,
    )


#: The Board table's columns, in order (board_table).
_TABLE_COLUMNS = [
    "provider_id",
    "Provider",
    "Service",
    "Regulated",
    "Commissioned",
    "Rating",
    "Movement",
    f"Last {HISTORY_MONTHS} months",
    "Main reason",
    "Why",
    "Red indicators",
    "Amber indicators",
    "Recommended action",
    "Board decision",
    "Board's rating",
    "Plan or monitoring",
    "rating",
    "movement",
    "service_type",
    "regulated",
    "commissioned",
]


def _each(values: list[_V], word: Callable[[_V], str]) -> list[str]:
    """`word` of each of `values`, worked out once per distinct value."""
    seen: dict[_V, str] = {}
    return [seen[v] if v in seen else seen.setdefault(v, word(v)) for v in values]


def indicator_table(view: BoardMonth) -> pd.DataFrame:
    """Every indicator's value per provider, with plain-English column names."""
    frame = ratings_frame(view.ratings)
    frame["cqc_rating"] = frame["cqc_rating"].map(
        lambda code: CQC_RATING.label(code) if isinstance(code, str) else "Not rated"
    )
    frame["rising_trend"] = frame["rising_trend"].map({True: "Yes", False: "No"})
    columns = {
        "provider_id": "Provider id",
        "provider_name": "Provider",
        "rating": "Rating",
    } | scoring.INDICATOR_LABELS
    return frame[list(columns)].rename(columns=columns)


# --- one provider ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileAlert:
    """A quality alert as listed on a provider's profile (the register opens it by its id)."""

    alert_id: str
    raised_on: dt.date
    severity: str
    status: str
    category: str

    @property
    def severity_text(self) -> str:
        return SEVERITY.label(self.severity)

    @property
    def status_text(self) -> str:
        return ALERT_STATUS.label(self.status)


@dataclass(frozen=True)
class ProfileConcern:
    """A safeguarding concern as listed on a provider's profile: its reference, when it was
    received, its category (abuse type) and whether its enquiry is open. Nothing about the
    person: no person id, age, gender or ethnicity."""

    concern_id: str
    received_on: dt.date
    abuse_type: str
    enquiry_open: bool

    @property
    def category_text(self) -> str:
        return ABUSE_TYPE.label(self.abuse_type)


@dataclass(frozen=True)
class ProviderContact:
    """Where the service is, how to reach it and its registered manager; None = not recorded."""

    address: str | None = None
    contact: str | None = None
    registered_manager: str | None = None


@dataclass(frozen=True)
class ProviderProfile:
    """One provider as the Board drills into it.

    `history` has one row per month of the PROFILE_HISTORY_MONTHS ending with the Board month,
    oldest first: month, rating (computed), decision (the Board's current decision in words, or
    ""), board_rating (the rating the Board works to, or ""). `alerts` and `concerns` are newest
    first; `concerns` is None for someone who may not see safeguarding concerns.
    """

    provider: dict[str, object]
    rating: scoring.ProviderRating
    timeline: pd.DataFrame  # month, start, what, count
    open_enquiries: int
    history: pd.DataFrame  # month, rating, decision, board_rating
    decisions: list[DecisionSummary]
    decision_months: list[str]
    plans: list[dict[str, object]]
    monitoring: list[dict[str, object]]
    contact: ProviderContact = field(default_factory=ProviderContact)
    alerts: list[ProfileAlert] = field(default_factory=list)
    concerns: list[ProfileConcern] | None = None

    @property
    def open_plans(self) -> list[dict[str, object]]:
        """Improvement plans still open, with their next review date."""
        return [plan for plan in self.plans if plan["status"] == "open"]

    @property
    def open_monitoring(self) -> list[dict[str, object]]:
        """Enhanced monitoring not yet ended, with its review date."""
        return [item for item in self.monitoring if item["ended_on"] is None]


def provider_profile(
    engine: Engine,
    actor: Actor,
    provider_id: str,
    month: Period | str,
    frames: BoardFrames | None = None,
    config: ScoringConfig | None = None,
) -> ProviderProfile:
    """Everything the Board sees about `provider_id` for `month`."""
    month = scoring.as_board_month(month)
    frames = frames or load_board_frames(engine, actor, provider_id=provider_id)
    config = config or load_scoring_config()
    register = frames.providers[frames.providers["provider_id"] == provider_id]
    if register.empty:
        raise BadInput(f"no provider {provider_id} in the register")
    only = BoardFrames(
        providers=register,
        alerts=frames.alerts[frames.alerts["provider_id"] == provider_id],
        concerns=frames.concerns[frames.concerns["provider_id"] == provider_id],
        actions=frames.actions[frames.actions["provider_id"] == provider_id],
    )
    own, *records = rows_from_frames(only.providers, only.alerts, only.concerns, only.actions)
    history_months = [
        add_months(month, -back) for back in range(PROFILE_HISTORY_MONTHS - 1, -1, -1)
    ]
    # Every month of the history counted in one pass over the provider's rows (count_rows).
    spans = [scoring.scoring_window(m, config) for m in history_months]
    rated = {
        m.label: scoring.score_tallies(m, own, tallies, config)[0]
        for m, tallies in zip(history_months, scoring.count_rows(spans, *records, config),
                              strict=True)
    }  # fmt: skip
    rating = rated[month.label]
    span = months_window(month, TIMELINE_MONTHS)
    with Session(engine) as session:
        rows = decision_history(session, provider_id)
        decisions = [DecisionSummary.of(row) for row in rows]
        decision_months = [row.board_month for row in rows]
        current = {d.board_month: d for d in decisions if d.status == CURRENT}
        registered = session.get(Provider, provider_id)
        contact = ProviderContact(
            address=registered.address if registered else None,
            contact=registered.contact if registered else None,
            registered_manager=registered.registered_manager if registered else None,
        )
        alerts = (
            _profile_alerts(session, provider_id, span) if actor.can(Permission.VIEW_ALERTS) else []
        )
        concerns = (
            _profile_concerns(session, provider_id, span)
            if actor.can(Permission.VIEW_CONCERNS)
            else None
        )
        action_counts = dict(
            session.execute(
                select(ImprovementAction.plan_id, func.count())
                .join(ImprovementPlan, ImprovementPlan.plan_id == ImprovementAction.plan_id)
                .where(ImprovementPlan.provider_id == provider_id)
                .group_by(ImprovementAction.plan_id)
            ).all()
        )
        plans = [
            {
                "plan_id": plan.plan_id,
                "opened_on": plan.opened_on,
                "status": plan.status,
                "closed_on": plan.closed_on,
                "reason": plan.reason,
                "owner": plan.owner,
                "next_review_on": plan.next_review_on,
                "needs": (
                    setup_missing(
                        plan.owner, plan.next_review_on, action_counts.get(plan.plan_id, 0)
                    )
                    if plan.status == "open"
                    else []
                ),
            }
            for plan in session.scalars(
                select(ImprovementPlan)
                .where(ImprovementPlan.provider_id == provider_id)
                .order_by(ImprovementPlan.opened_on.desc())
            )
        ]
        monitoring = [
            {
                "started_on": m.started_on,
                "review_on": m.review_on,
                "ended_on": m.ended_on,
                "reason": m.reason,
            }
            for m in session.scalars(
                select(EnhancedMonitoring)
                .where(EnhancedMonitoring.provider_id == provider_id)
                .order_by(EnhancedMonitoring.started_on.desc())
            )
        ]
    history = pd.DataFrame(
        [
            {
                "month": m.label,
                "rating": rated[m.label].rating,
                "decision": DECISIONS[current[m.label].decision] if m.label in current else "",
                "board_rating": (
                    rag_text(current[m.label].rating)
                    + ("" if current[m.label].agreed else " (override)")
                    if m.label in current
                    else ""
                ),
            }
            for m in history_months
        ],
        columns=["month", "rating", "decision", "board_rating"],
    )
    return ProviderProfile(
        provider={k: None if pd.isna(v) else v for k, v in register.iloc[0].to_dict().items()},
        rating=rating,
        timeline=timeline(only.alerts, only.concerns, month),
        open_enquiries=int(open_enquiries_mask(only.concerns, month.end).sum()),
        history=history,
        decisions=decisions,
        decision_months=decision_months,
        plans=plans,
        monitoring=monitoring,
        contact=contact,
        alerts=alerts,
        concerns=concerns,
    )


def _profile_alerts(session: Session, provider_id: str, span: Period) -> list[ProfileAlert]:
    """The provider's alerts raised in `span` or raised before its end and still open then,
    newest first."""
    rows = session.execute(
        select(
            QualityAlert.alert_id,
            QualityAlert.raised_on,
            QualityAlert.severity,
            QualityAlert.status,
            QualityAlert.category,
        )
        .where(
            QualityAlert.provider_id == provider_id,
            or_(
                dated_between(QualityAlert.raised_on, span.start, span.end),
                (QualityAlert.raised_on <= span.end)
                & or_(QualityAlert.closed_on.is_(None), QualityAlert.closed_on > span.end),
            ),
        )
        .order_by(QualityAlert.raised_on.desc(), QualityAlert.alert_id.desc())
    ).all()
    return [ProfileAlert(*row) for row in rows]


def _profile_concerns(session: Session, provider_id: str, span: Period) -> list[ProfileConcern]:
    """The provider's concerns received in `span` or with an enquiry open at its end, newest
    first: reference, date, category and whether the enquiry is open (nothing about the person)."""
    concern = SafeguardingConcern
    open_at_end = (
        concern.enquiry_started_on.is_not(None)
        & (concern.enquiry_started_on <= span.end)
        & or_(concern.enquiry_concluded_on.is_(None), concern.enquiry_concluded_on > span.end)
    )
    rows = session.execute(
        select(concern.concern_id, concern.received_on, concern.abuse_type, open_at_end)
        .where(
            concern.provider_id == provider_id,
            or_(dated_between(concern.received_on, span.start, span.end), open_at_end),
        )
        .order_by(concern.received_on.desc(), concern.concern_id.desc())
    ).all()
    return [
        ProfileConcern(concern_id, received_on, abuse_type, bool(is_open))
        for concern_id, received_on, abuse_type, is_open in rows
    ]


def timeline(alerts: pd.DataFrame, concerns: pd.DataFrame, month: Period) -> pd.DataFrame:
    """Counts per month over the TIMELINE_MONTHS ending with `month`: alerts raised by severity
    and concerns received, every month and kind listed (zeros included)."""
    rows = []
    for back in range(TIMELINE_MONTHS - 1, -1, -1):
        period = add_months(month, -back)
        raised = alerts[dated_in_mask(alerts, "raised_on", period)]
        for code in reversed(SEVERITY.codes):
            rows.append(
                {
                    "month": f"{period.start:%b %Y}",
                    "start": period.start,
                    "what": f"{SEVERITY.label(code)} alert",
                    "count": int((raised["severity"] == code).sum()),
                }
            )
        rows.append(
            {
                "month": f"{period.start:%b %Y}",
                "start": period.start,
                "what": "Safeguarding concern",
                "count": int(dated_in_mask(concerns, "received_on", period).sum()),
            }
        )
    return pd.DataFrame(rows)


def timeline_chart(frame: pd.DataFrame, title: str = "") -> alt.Chart:
    """Stacked monthly bars: alerts by severity (dark = more severe) and concerns."""
    order = list(TIMELINE_COLOURS)
    months = list(dict.fromkeys(frame["month"]))
    return (
        alt.Chart(frame.rename(columns={"month": "Month", "what": "What", "count": "Count"}))
        .mark_bar()
        .encode(
            x=alt.X("Month:N", sort=months, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Count:Q", title="Alerts and concerns", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "What:N",
                sort=order,
                scale=alt.Scale(domain=order, range=list(TIMELINE_COLOURS.values())),
                legend=alt.Legend(title=None, orient="top"),
            ),
            order=alt.Order("order:Q"),
            tooltip=["Month", "What", "Count"],
        )
        .transform_calculate(order=f"indexof({order!r}, datum.What)")
        .properties(width="container", height=240, title=title)
    )


def counts_chart(view: BoardMonth) -> alt.LayerChart:
    """Providers per computed rating, each bar labelled with its word, icon and count."""
    frame = pd.DataFrame(
        {
            "Rating": [rag_text(r) for r in view.counts()],
            "Providers": list(view.counts().values()),
        }
    )
    base = alt.Chart(frame, title=f"Providers by rating, {view.month.label}").encode(
        y=alt.Y("Rating:N", sort=None, title=None),
        x=alt.X("Providers:Q"),
    )
    bars = base.mark_bar(stroke="#1b1b1b").encode(
        color=alt.Color(
            "Rating:N",
            scale=alt.Scale(
                domain=[rag_text(r) for r in scoring.RATINGS],
                range=["#c0392b", "#e6a23c", "#3f8f4f"],
            ),
            legend=None,
        )
    )
    text = base.mark_text(align="left", dx=4, color="#1b1b1b").encode(text="Providers:Q")
    return (bars + text).properties(width=480, height=120)


# --- insight --------------------------------------------------------------------------------------


def rates_table(frames: BoardFrames | InsightFrames, month: Period) -> pd.DataFrame:
    """Alerts and concerns per 10 places over 12 months, against the service type's median (rates
    shown to two decimal places)."""
    frame = insight.rates_per_10_places(month, frames.providers, frames.alerts, frames.concerns)
    return pd.DataFrame(
        {
            "Provider": frame["name"],
            "Service": frame["service_type"].map(SERVICE_TYPE.label),
            "Places": frame["capacity"].astype(int),
            "Alerts in 12 months": frame["alerts_12m"],
            "Concerns in 12 months": frame["concerns_12m"],
            "Per 10 places": frame["rate_per_10"].round(2),
            "Service type median": frame["service_type_median"].round(2),
            "Times the median": frame["ratio_to_median"].round(2),
        }
    )


def quiet_table(frames: BoardFrames | InsightFrames, month: Period) -> pd.DataFrame:
    """Large services with no alert or concern in 12 months (silence can be under-reporting)."""
    frame = insight.quiet_providers(month, frames.providers, frames.alerts, frames.concerns)
    return pd.DataFrame(
        {
            "Provider": frame["name"],
            "Service": frame["service_type"].map(SERVICE_TYPE.label),
            "Places": frame["capacity"].astype(int),
            "CQC rating": frame["cqc_rating"].map(
                lambda code: CQC_RATING.label(code) if isinstance(code, str) else "Not rated"
            ),
        }
    )


def insight_window(month: Period) -> Period:
    """The 12 months insight counts over."""
    return months_window(month, insight.INSIGHT_MONTHS)


def meeting_summary(meeting: BoardMeeting) -> str:
    """'Meeting on 5 November 2026 (attendees …)'."""
    attendees = f" with {meeting.attendees}" if meeting.attendees else ""
    return f"Meeting on {meeting.meeting_on.day} {meeting.meeting_on:%B %Y}{attendees}"
