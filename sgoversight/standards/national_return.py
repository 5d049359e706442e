"""The annual national return: the Safeguarding Adults Collection (SAC) tables, as XLSX.

A council submits the SAC every year for the financial year 1 April to 31 March (NHS England's
"Guidance for completing the Safeguarding Adults Collection (SAC) 2024-25"; DHSC's "SAC data return,
2025 to 2026: guidance for local authorities" says the data requirements are unchanged for 2025-26).
This module computes the tables from the same concerns frame every other report uses
(sgoversight.store.queries.load_concerns), with the contract's codes mapped to the collection's
categories in ONE place (`MAPPINGS`).

The SAC's conventions, and how they are read for this contract's records:
- The year is `financial_year(year)`: 1 April `year` to 31 March `year + 1`, both days included,
  labelled "2025-26".
- SG1 (demographics) counts what happened *in* the year: concerns raised (received_on in the
  year) and section 42 enquiries that *commenced* (enquiry_started_on in the year, whenever the
  concern was received). SG1a-SG1c count *individuals* (each adult at risk once, by person_id)
  as well as cases; the SAC wants the age on the last day of the year, and the contract records
  an age band per concern, so an individual's age band, gender and ethnicity are those of their
  latest row in the set (latest date, then highest concern_id). A row without a person_id is one
  individual.
- SG2 (case details) counts section 42 enquiries *concluded* in the year (enquiry_concluded_on in
  the year, whenever the enquiry started): type, location and source of risk, action taken and
  result, mental capacity and advocacy. The Making Safeguarding Personal (MSP) tables are of the
  same concluded enquiries. A row with enquiry_concluded_on but no enquiry_started_on (not
  possible through the import) still counts as concluded.
- The SAC lets one enquiry count once in each category that applies (several types of risk). A
  contract row records one type, one location and one source, so every SG2 table counts each
  concluded enquiry exactly once and its total equals the concluded count.
- The contract records only section 42 enquiries, so the SAC's "other safeguarding enquiries"
  (voluntary) cannot be returned from these records; the notes sheet says so.
- Every table lists every published category in the collection's order, zeros included, and ends
  with a total row (cross-tabs also with a total column) that reconciles with the headline count.
  Optional fields add a "Not recorded" row; a code with no mapping, or a blank in a required field,
  is BadInput naming the concern ids (the import makes both impossible).
- Cuckooing has no SAC category: it is counted under "Financial or material abuse" (see
  `CUCKOOING_NOTE`), and the headline table shows how many concluded enquiries were cuckooing.
- Yes/no fields are yes when True (the database's booleans) or the text "yes", no when False or
  "no", otherwise not recorded.
- Small-number suppression (`<5`, totals included) is a separate, last step on finished tables
  (`suppress_tables`), applied only when asked; the notes sheet says whether it was.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sgoversight import counts
from sgoversight.auth import Actor, Permission
from sgoversight.errors import BadInput
from sgoversight.exporting import suppress_counts, to_xlsx_bytes
from sgoversight.periods import Period
from sgoversight.store.queries import load_concerns
from sgoversight.vocabulary import (
    ABUSE_TYPE,
    AGE_BAND,
    ETHNICITY,
    GENDER,
    LACKED_CAPACITY,
    LOCATION,
    OUTCOMES_ACHIEVED,
    OUTCOMES_ASKED,
    RISK_ASSESSMENT,
    RISK_OUTCOME,
    SOURCE_OF_RISK,
    YES_NO,
    Vocabulary,
)

SOURCE_NOTE = (
    "Table structure and category labels follow NHS England's 'Guidance for completing the "
    "Safeguarding Adults Collection (SAC) 2024-25' (SG1: concerns raised and enquiries "
    "commenced in the year, individuals by age band, gender and ethnicity; SG2: concluded "
    "enquiries, with the three published sources of risk) and DHSC's 'SAC data return, 2025 to "
    "2026: guidance for local authorities' (no change to the data requirements). The "
    "action-and-result rows follow the published outcome categories (risk identified / "
    "inconclusive / no risk, each with and without action taken; enquiry ceased at the "
    "individual's request; risk remained, reduced or removed). "
    "Check the year's SDCS template before submitting: cell layout there is authoritative."
)
CUCKOOING_NOTE = (
    "The SAC has no cuckooing category. Cuckooing (someone taking over an adult's home for their "
    "own ends, often drug dealing) is counted under 'Financial or material abuse': what is taken "
    "is the person's home, a material asset, used for another's gain. Coercion and intimidation "
    "usually come with it, but they come with most types of risk, so 'Psychological abuse' would "
    "describe the means rather than what is taken; where the person is made to work or deal, a "
    "council may prefer 'Modern slavery' and should record that type instead. The headline table "
    "shows how many concluded enquiries were cuckooing, so the figure can be reconciled with local "
    "reports that show cuckooing separately."
)
NOT_RECORDED = "Not recorded"
TOTAL = "Total"
YES, NO = "yes", "no"
MIN_YEAR = 1900
_YEAR = re.compile(r"^\d{4}$")


# --- the year -------------------------------------------------------------------------------------


def financial_year(year: int) -> Period:
    """The financial (SAC reporting) year starting in `year`: 1 April `year` to 31 March
    `year + 1`, both included, labelled e.g. "2025-26". BadInput for a year before 1900 or after
    9998."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= 9998:
        raise BadInput(f"'{year}' is not a financial year's starting year YYYY (1900 to 9998)")
    return Period(dt.date(year, 4, 1), dt.date(year + 1, 3, 31), f"{year}-{(year + 1) % 100:02d}")


def parse_year(text: str) -> int:
    """The starting year of a financial year from the command line's `YYYY` (e.g. "2025" for
    2025-26); BadInput naming the value otherwise."""
    value = text.strip()
    if not _YEAR.match(value):
        raise BadInput(
            f"'{text}' is not a financial year's starting year YYYY (e.g. 2025 for 2025-26)"
        )
    year = int(value)
    financial_year(year)
    return year


# --- the mapping from contract codes to the collection's categories -----------------------------


@dataclass(frozen=True)
class SacMapping:
    """How one contract field is reported in the SAC.

    `categories` are the collection's categories in published order; `codes` maps every code of
    the contract's `vocabulary` to one of them; `missing` is the category of a blank value (None: a
    blank is an error, the field being required).
    """

    field: str
    title: str
    vocabulary: Vocabulary
    categories: tuple[str, ...]
    codes: Mapping[str, str]
    missing: str | None = None

    @property
    def rows(self) -> tuple[str, ...]:
        """Every row the field's tables list: the categories, then "Not recorded" if optional."""
        if self.missing is None or self.missing in self.categories:
            return self.categories
        return (*self.categories, self.missing)

    def describe(self) -> str:
        """The mapping as one line of text for the notes sheet."""
        pairs = [f"{code} → {label}" for code, label in self.codes.items()]
        if self.missing is not None:
            pairs.append(f"blank → {self.missing}")
        return "; ".join(pairs)


FINANCIAL_OR_MATERIAL = "Financial or material abuse"

#: The ONE place where contract codes meet the collection's labels. Contract order within each
#: field; the categories tuple is the collection's order (which the tables follow).
MAPPINGS: dict[str, SacMapping] = {
    "abuse_type": SacMapping(
        "abuse_type",
        "Type of risk",
        ABUSE_TYPE,
        (
            "Physical abuse",
            "Sexual abuse",
            "Psychological abuse",
            FINANCIAL_OR_MATERIAL,
            "Discriminatory abuse",
            "Organisational abuse",
            "Neglect and acts of omission",
            "Domestic abuse",
            "Sexual exploitation",
            "Modern slavery",
            "Self-neglect",
        ),
        {
            "physical": "Physical abuse",
            "sexual": "Sexual abuse",
            "psychological": "Psychological abuse",
            "financial": FINANCIAL_OR_MATERIAL,
            "discriminatory": "Discriminatory abuse",
            "organisational": "Organisational abuse",
            "neglect": "Neglect and acts of omission",
            "domestic": "Domestic abuse",
            "modern_slavery": "Modern slavery",
            "sexual_exploitation": "Sexual exploitation",
            "self_neglect": "Self-neglect",
            "cuckooing": FINANCIAL_OR_MATERIAL,  # no SAC category: see CUCKOOING_NOTE
        },
    ),
    "location": SacMapping(
        "location",
        "Location of risk",
        LOCATION,
        (
            "Own home",
            "In the community (excluding community services)",
            "In a community service",
            "Care home – nursing",
            "Care home – residential",
            "Hospital – acute",
            "Hospital – mental health",
            "Hospital – community",
            "Other",
        ),
        {
            "own_home": "Own home",
            "community": "In the community (excluding community services)",
            "community_service": "In a community service",
            "care_home_nursing": "Care home – nursing",
            "care_home_residential": "Care home – residential",
            "hospital_acute": "Hospital – acute",
            "hospital_mental_health": "Hospital – mental health",
            "hospital_community": "Hospital – community",
            "other": "Other",
        },
    ),
    "source_of_risk": SacMapping(
        "source_of_risk",
        "Source of risk",
        SOURCE_OF_RISK,
        ("Service provider", "Other – known to individual", "Other – unknown to individual"),
        {
            "service_provider": "Service provider",
            "known_to_individual": "Other – known to individual",
            "unknown_to_individual": "Other – unknown to individual",
        },
    ),
    "age_band": SacMapping(
        "age_band",
        "Age band",
        AGE_BAND,
        ("18-64", "65-74", "75-84", "85-94", "95+", "Age unknown"),
        {
            "18-64": "18-64",
            "65-74": "65-74",
            "75-84": "75-84",
            "85-94": "85-94",
            "95+": "95+",
            "unknown": "Age unknown",
        },
    ),
    "gender": SacMapping(
        "gender",
        "Gender",
        GENDER,
        ("Male", "Female", "Other", "Unknown"),
        {"female": "Female", "male": "Male", "other": "Other", "unknown": "Unknown"},
    ),
    "ethnicity": SacMapping(
        "ethnicity",
        "Ethnicity",
        ETHNICITY,
        (
            "White",
            "Mixed / multiple",
            "Asian / Asian British",
            "Black / African / Caribbean / Black British",
            "Other ethnic group",
            "Refused",
            "Undeclared / not known",
        ),
        {
            "white": "White",
            "mixed": "Mixed / multiple",
            "asian": "Asian / Asian British",
            "black": "Black / African / Caribbean / Black British",
            "other": "Other ethnic group",
            "refused": "Refused",
            "unknown": "Undeclared / not known",
        },
    ),
    "risk_assessment": SacMapping(
        "risk_assessment",
        "Risk assessment",
        RISK_ASSESSMENT,
        (
            "Risk identified",
            "Risk – assessment inconclusive",
            "No risk identified",
            "Enquiry ceased at individual's request",
        ),
        {
            "risk_identified": "Risk identified",
            "inconclusive": "Risk – assessment inconclusive",
            "no_risk": "No risk identified",
            "ceased_at_request": "Enquiry ceased at individual's request",
        },
        missing=NOT_RECORDED,
    ),
    "action_taken": SacMapping(
        "action_taken",
        "Action taken",
        YES_NO,
        ("Action taken", "No action taken"),
        {YES: "Action taken", NO: "No action taken"},
        missing=NOT_RECORDED,
    ),
    "risk_outcome": SacMapping(
        "risk_outcome",
        "Result",
        RISK_OUTCOME,
        ("Risk remained", "Risk reduced", "Risk removed"),
        {"remains": "Risk remained", "reduced": "Risk reduced", "removed": "Risk removed"},
        missing=NOT_RECORDED,
    ),
    "lacked_capacity": SacMapping(
        "lacked_capacity",
        "Lacked capacity",
        LACKED_CAPACITY,
        ("Yes, they lacked capacity", "No, they did not lack capacity", "Don't know"),
        {
            "yes": "Yes, they lacked capacity",
            "no": "No, they did not lack capacity",
            "dont_know": "Don't know",
        },
        missing=NOT_RECORDED,
    ),
    "advocate_supported": SacMapping(
        "advocate_supported",
        "Support by advocate, family or friend",
        YES_NO,
        ("Yes, they were supported", "No, they were not supported"),
        {YES: "Yes, they were supported", NO: "No, they were not supported"},
        missing=NOT_RECORDED,
    ),
    "outcomes_asked": SacMapping(
        "outcomes_asked",
        "Asked about desired outcomes",
        OUTCOMES_ASKED,
        (
            "Yes, they were asked and outcomes were expressed",
            "Yes, they were asked but no outcomes were expressed",
            "No, they were not asked",
            "Don't know",
        ),
        {
            "yes_expressed": "Yes, they were asked and outcomes were expressed",
            "yes_not_expressed": "Yes, they were asked but no outcomes were expressed",
            "no": "No, they were not asked",
            "dont_know": "Don't know",
        },
        missing=NOT_RECORDED,
    ),
    "outcomes_achieved": SacMapping(
        "outcomes_achieved",
        "Expressed outcomes achieved",
        OUTCOMES_ACHIEVED,
        ("Fully achieved", "Partially achieved", "Not achieved"),
        {
            "fully": "Fully achieved",
            "partially": "Partially achieved",
            "not_achieved": "Not achieved",
        },
        missing=NOT_RECORDED,
    ),
}

#: Fields read as yes/no (True/"yes", False/"no") before mapping.
YES_NO_FIELDS = frozenset({"action_taken", "advocate_supported"})

#: The SAC's action-and-result rows: (risk assessment code, action taken) → published label.
ACTION_AND_RESULT_ROWS: dict[tuple[str, str], str] = {
    ("risk_identified", YES): "Risk identified and action taken",
    ("risk_identified", NO): "Risk identified and no action taken",
    ("inconclusive", YES): "Risk – assessment inconclusive and action taken",
    ("inconclusive", NO): "Risk – assessment inconclusive and no action taken",
    ("no_risk", YES): "No risk identified and action taken",
    ("no_risk", NO): "No risk identified and no action taken",
    ("ceased_at_request", NO): "Enquiry ceased at individual's request and no action taken",
}
#: Combinations the SAC does not publish, each kept as its own row so totals still reconcile.
CEASED_WITH_ACTION = (
    "Enquiry ceased at individual's request and action taken (no SAC category: check the record)"
)
ACTION_NOT_RECORDED = "Risk assessment or action taken not recorded"
RISK_IDENTIFIED_AND_ACTION = ACTION_AND_RESULT_ROWS[("risk_identified", YES)]


def sac_categories(values: pd.Series, mapping: SacMapping) -> pd.Series:
    """Each value's SAC category under `mapping` (same index).

    A blank value is `mapping.missing` (BadInput for a required field); a code outside the mapping
    is BadInput naming it, so a new contract code without a mapping cannot be silently dropped.
    """
    raw = values.astype(object)
    if mapping.field in YES_NO_FIELDS:  # True/False and "yes"/"no" alike; anything else stays
        raw = raw.map(lambda value: _yes_no(value) or value)
    blank = raw.isna()
    codes = raw.where(~blank, None)
    labels = codes.map(lambda code: mapping.codes.get(code) if code is not None else None)
    unknown = sorted({str(code) for code in codes[~blank & labels.isna()]})
    if unknown:
        raise BadInput(
            f"{mapping.field}: no SAC category for code {', '.join(unknown)} "
            f"(mapped codes: {', '.join(mapping.codes)})"
        )
    if blank.any():
        if mapping.missing is None:
            raise BadInput(f"{mapping.field} is required but blank in {int(blank.sum())} row(s)")
        labels = labels.where(~blank, mapping.missing)
    return labels.astype(object)


def _blank(value: object) -> bool:
    """None, NaN, NaT or pd.NA: a value not recorded."""
    missing = pd.isna(value)  # type: ignore[call-overload]
    return isinstance(missing, bool | np.bool_) and bool(missing)


def _yes_no(value: object) -> str | None:
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    if value in (YES, NO):
        return str(value)
    return None


# --- the year's inputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnInputs:
    """The concerns frame (sgoversight.store.queries shape, dates datetime64) and the financial
    year."""

    concerns: pd.DataFrame
    year: Period

    @cached_property
    def received(self) -> pd.DataFrame:
        """Concerns raised in the year: received_on in the year."""
        return self.concerns[counts.dated_in_mask(self.concerns, "received_on", self.year)]

    @cached_property
    def started(self) -> pd.DataFrame:
        """Section 42 enquiries commenced in the year: enquiry_started_on in the year."""
        return self.concerns[counts.dated_in_mask(self.concerns, "enquiry_started_on", self.year)]

    @cached_property
    def concluded(self) -> pd.DataFrame:
        """Section 42 enquiries concluded in the year: enquiry_concluded_on in the year."""
        return self.concerns[counts.dated_in_mask(self.concerns, "enquiry_concluded_on", self.year)]


def individuals(cases: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """One row per adult at risk among `cases`: their latest row (latest `date_column`, then
    received_on, then highest concern_id), whose age band, gender and ethnicity are theirs in the
    SAC's individual counts. Rows without a person_id are each their own individual."""
    if cases.empty:
        return cases
    ordered = cases.assign(
        _person=cases["person_id"]
        .astype(object)
        .where(cases["person_id"].notna(), [f"\0row{i}" for i in range(len(cases))])
    ).sort_values([date_column, "received_on", "concern_id"], na_position="first", kind="stable")
    return ordered.drop_duplicates("_person", keep="last").drop(columns="_person")


# --- table builders -------------------------------------------------------------------------------


def _tally(labels: pd.Series, rows: tuple[str, ...]) -> list[int]:
    tallied = labels.value_counts()
    return [int(tallied.get(row, 0)) for row in rows]


def _one_way(
    labels: pd.Series, rows: tuple[str, ...], row_title: str, count_title: str
) -> pd.DataFrame:
    """Every row (zeros included) with its count, then a total row."""
    values = _tally(labels, rows)
    return pd.DataFrame({row_title: [*rows, TOTAL], count_title: [*values, sum(values)]}).astype(
        {count_title: "int64"}
    )


def _cross(
    row_labels: pd.Series,
    rows: tuple[str, ...],
    column_labels: pd.Series,
    columns: tuple[str, ...],
    row_title: str,
) -> pd.DataFrame:
    """A cross-tab: every row × every column (zeros included), a total column and a total row."""
    matrix = np.zeros((len(rows), len(columns)), dtype="int64")
    row_index = {label: i for i, label in enumerate(rows)}
    column_index = {label: j for j, label in enumerate(columns)}
    for row, column in zip(row_labels, column_labels, strict=True):
        matrix[row_index[row], column_index[column]] += 1
    frame = pd.DataFrame(matrix, columns=list(columns))
    frame[TOTAL] = matrix.sum(axis=1)
    totals = frame.sum(axis=0)
    frame.insert(0, row_title, list(rows))
    total_row = pd.DataFrame([[TOTAL, *totals.tolist()]], columns=frame.columns)
    return pd.concat([frame, total_row], ignore_index=True).astype(
        {c: "int64" for c in frame.columns[1:]}
    )


def _categories(frame: pd.DataFrame, field: str) -> pd.Series:
    return sac_categories(frame[field], MAPPINGS[field])


def _by_field(cases: pd.DataFrame, field: str, count_title: str) -> pd.DataFrame:
    """The cases by `field`'s return categories: every category (zeros included), titled as the
    field's mapping is, with its count, then a total row."""
    mapping = MAPPINGS[field]
    return _one_way(_categories(cases, field), mapping.rows, mapping.title, count_title)


# --- headline counts ------------------------------------------------------------------------------

CONCERNS_RECEIVED = "Safeguarding concerns received"
INDIVIDUALS_IN_CONCERNS = "Individuals involved in safeguarding concerns"
ENQUIRIES_STARTED = "Section 42 enquiries started"
INDIVIDUALS_IN_ENQUIRIES = "Individuals involved in section 42 enquiries"
ENQUIRIES_CONCLUDED = "Section 42 enquiries concluded"
CUCKOOING_CONCLUDED = (
    "Of the concluded enquiries, cuckooing (counted under 'Financial or material abuse')"
)
DEMOGRAPHIC_COLUMNS = (
    INDIVIDUALS_IN_CONCERNS,
    INDIVIDUALS_IN_ENQUIRIES,
    CONCERNS_RECEIVED,
    ENQUIRIES_STARTED,
    ENQUIRIES_CONCLUDED,
)


def headline_counts(inputs: ReturnInputs) -> pd.DataFrame:
    """SG1 headline counts for the year: concerns received (received_on in the year); individuals
    involved in them (distinct person_id); section 42 enquiries started (enquiry_started_on in the
    year); individuals involved in them; section 42 enquiries concluded (enquiry_concluded_on in the
    year); and, as a memo line outside the SAC, how many of the concluded were cuckooing."""
    cuckooing = int((inputs.concluded["abuse_type"] == "cuckooing").sum())
    return pd.DataFrame(
        {
            "Measure": [
                CONCERNS_RECEIVED,
                INDIVIDUALS_IN_CONCERNS,
                ENQUIRIES_STARTED,
                INDIVIDUALS_IN_ENQUIRIES,
                ENQUIRIES_CONCLUDED,
                CUCKOOING_CONCLUDED,
            ],
            "Count": [
                len(inputs.received),
                len(individuals(inputs.received, "received_on")),
                len(inputs.started),
                len(individuals(inputs.started, "enquiry_started_on")),
                len(inputs.concluded),
                cuckooing,
            ],
        }
    ).astype({"Count": "int64"})


def _demographic(inputs: ReturnInputs, field: str) -> pd.DataFrame:
    mapping = MAPPINGS[field]
    columns = {
        INDIVIDUALS_IN_CONCERNS: individuals(inputs.received, "received_on"),
        INDIVIDUALS_IN_ENQUIRIES: individuals(inputs.started, "enquiry_started_on"),
        CONCERNS_RECEIVED: inputs.received,
        ENQUIRIES_STARTED: inputs.started,
        ENQUIRIES_CONCLUDED: inputs.concluded,
    }
    table = pd.DataFrame({mapping.title: [*mapping.rows, TOTAL]})
    for title, cases in columns.items():
        values = _tally(_categories(cases, field), mapping.rows)
        table[title] = [*values, sum(values)]
    return table.astype({title: "int64" for title in columns})


def sg1a_age_band(inputs: ReturnInputs) -> pd.DataFrame:
    """SG1a by age band: individuals involved in concerns received in the year and in section 42
    enquiries started in the year (each adult once, with the age band of their latest row), then
    the cases: concerns received, enquiries started and (beyond the SAC's SG1) enquiries concluded
    in the year. Every band listed, zeros included; each column's total equals its headline."""
    return _demographic(inputs, "age_band")


def sg1b_gender(inputs: ReturnInputs) -> pd.DataFrame:
    """SG1b by gender: individuals involved in concerns received in the year and in section 42
    enquiries started in the year (each adult once, as on their latest row), then concerns
    received, enquiries started and enquiries concluded in the year. Totals equal the headlines."""
    return _demographic(inputs, "gender")


def sg1c_ethnicity(inputs: ReturnInputs) -> pd.DataFrame:
    """SG1c by ethnicity: individuals involved in concerns received in the year and in section 42
    enquiries started in the year (each adult once, as on their latest row), then concerns
    received, enquiries started and enquiries concluded in the year. Totals equal the headlines."""
    return _demographic(inputs, "ethnicity")


# --- SG2: concluded enquiries ---------------------------------------------------------------------


def sg2_type_by_location(inputs: ReturnInputs) -> pd.DataFrame:
    """SG2 section 42 enquiries concluded in the year by type of risk (rows) and location of risk
    (columns), one count per enquiry; the total column is the count by type of risk, the total row
    the count by location, and the grand total the concluded count. Cuckooing is counted under
    Financial or material abuse."""
    concluded = inputs.concluded
    return _cross(
        _categories(concluded, "abuse_type"),
        MAPPINGS["abuse_type"].rows,
        _categories(concluded, "location"),
        MAPPINGS["location"].rows,
        MAPPINGS["abuse_type"].title,
    )


def sg2_type_by_source(inputs: ReturnInputs) -> pd.DataFrame:
    """SG2 section 42 enquiries concluded in the year by type of risk (rows) and source of risk
    (columns: service provider, other known to the individual, other unknown to the individual),
    one count per enquiry; the total row is the count by source of risk and the grand total the
    concluded count. Cuckooing is counted under Financial or material abuse."""
    concluded = inputs.concluded
    return _cross(
        _categories(concluded, "abuse_type"),
        MAPPINGS["abuse_type"].rows,
        _categories(concluded, "source_of_risk"),
        MAPPINGS["source_of_risk"].rows,
        MAPPINGS["abuse_type"].title,
    )


def sg2_location_by_source(inputs: ReturnInputs) -> pd.DataFrame:
    """SG2 section 42 enquiries concluded in the year by location of risk (rows) and source of risk
    (columns), one count per enquiry; the total column is the count by location and the grand total
    the concluded count."""
    concluded = inputs.concluded
    return _cross(
        _categories(concluded, "location"),
        MAPPINGS["location"].rows,
        _categories(concluded, "source_of_risk"),
        MAPPINGS["source_of_risk"].rows,
        MAPPINGS["location"].title,
    )


ACTION_ROWS: tuple[str, ...] = (
    *ACTION_AND_RESULT_ROWS.values(),
    CEASED_WITH_ACTION,
    ACTION_NOT_RECORDED,
)


def action_and_result_category(risk_assessment: object, action_taken: object) -> str:
    """The action-and-result row of one concluded enquiry: its risk_assessment with action_taken
    yes or no (ACTION_AND_RESULT_ROWS); an enquiry ceased at the person's request with action taken
    recorded yes is CEASED_WITH_ACTION (the SAC publishes that case only with no action); a blank
    risk_assessment or action_taken is ACTION_NOT_RECORDED."""
    action = _yes_no(action_taken)
    if action is None and not _blank(action_taken):
        raise BadInput(f"action_taken: no SAC category for value {action_taken}")
    if _blank(risk_assessment) or action is None:
        return ACTION_NOT_RECORDED
    assessment = str(risk_assessment)
    if assessment == "ceased_at_request" and action == YES:
        return CEASED_WITH_ACTION
    label = ACTION_AND_RESULT_ROWS.get((assessment, action))
    if label is None:
        raise BadInput(f"risk_assessment: no SAC category for code {assessment}")
    return label


def sg2_action_and_result(inputs: ReturnInputs) -> pd.DataFrame:
    """SG2 section 42 enquiries concluded in the year by risk assessment and action taken: risk
    identified / assessment inconclusive / no risk identified, each with action taken (yes) or no
    action taken (no), and enquiry ceased at the individual's request with no action taken; two
    rows outside the SAC keep every enquiry counted (ceased with action taken recorded yes; risk
    assessment or action taken blank). The total is the concluded count."""
    concluded = inputs.concluded
    labels = pd.Series(
        [
            action_and_result_category(assessment, action)
            for assessment, action in zip(
                concluded["risk_assessment"], concluded["action_taken"], strict=True
            )
        ],
        dtype=object,
    )
    return _one_way(labels, ACTION_ROWS, "Risk assessment and action", ENQUIRIES_CONCLUDED)


def sg2_result_where_action_taken(inputs: ReturnInputs) -> pd.DataFrame:
    """SG2 result of section 42 enquiries concluded in the year with a risk identified and action
    taken (risk_assessment risk_identified, action_taken yes): risk remained, reduced or removed
    (risk_outcome), blank as not recorded. The total equals the 'Risk identified and action taken'
    row of the action-and-result table."""
    concluded = inputs.concluded
    actioned = concluded[
        (concluded["risk_assessment"] == "risk_identified")
        & (concluded["action_taken"].map(_yes_no) == YES)
    ]
    return _by_field(actioned, "risk_outcome", RISK_IDENTIFIED_AND_ACTION)


def sg2_mental_capacity(inputs: ReturnInputs) -> pd.DataFrame:
    """SG2 section 42 enquiries concluded in the year by whether the individual lacked capacity
    (lacked_capacity yes / no / don't know; blank as not recorded). The total is the concluded
    count."""
    return _by_field(inputs.concluded, "lacked_capacity", ENQUIRIES_CONCLUDED)


LACKED_CAPACITY_COUNT = "Concluded enquiries where the individual lacked capacity"


def sg2_advocacy(inputs: ReturnInputs) -> pd.DataFrame:
    """SG2 section 42 enquiries concluded in the year where the individual lacked capacity
    (lacked_capacity yes), by whether they were supported by an advocate, family or friend
    (advocate_supported yes / no; blank as not recorded). advocate_supported on an enquiry where
    the person did not lack capacity is not counted. The total equals the mental capacity table's
    'Yes, they lacked capacity' row."""
    concluded = inputs.concluded
    lacked = concluded[concluded["lacked_capacity"] == "yes"]
    return _by_field(lacked, "advocate_supported", LACKED_CAPACITY_COUNT)


def msp_outcomes_asked(inputs: ReturnInputs) -> pd.DataFrame:
    """Making Safeguarding Personal: section 42 enquiries concluded in the year by whether the
    individual or their representative was asked about their desired outcomes (outcomes_asked:
    asked and outcomes expressed / asked but none expressed / not asked / don't know; blank as not
    recorded). The total is the concluded count."""
    return _by_field(inputs.concluded, "outcomes_asked", ENQUIRIES_CONCLUDED)


EXPRESSED_COUNT = "Concluded enquiries where outcomes were expressed"


def msp_outcomes_achieved(inputs: ReturnInputs) -> pd.DataFrame:
    """Making Safeguarding Personal: section 42 enquiries concluded in the year where outcomes were
    expressed (outcomes_asked yes_expressed), by whether they were achieved (outcomes_achieved
    fully / partially / not achieved; blank as not recorded). outcomes_achieved on any other
    enquiry is not counted. The total equals the 'asked and outcomes were expressed' row."""
    concluded = inputs.concluded
    expressed = concluded[concluded["outcomes_asked"] == "yes_expressed"]
    return _by_field(expressed, "outcomes_achieved", EXPRESSED_COUNT)


# --- the return -----------------------------------------------------------------------------------

TableFunction = Callable[[ReturnInputs], pd.DataFrame]

#: Every table of the return, by its sheet name (at most 31 characters), in workbook order.
TABLES: dict[str, TableFunction] = {
    "SG1 Headline counts": headline_counts,
    "SG1a Age band": sg1a_age_band,
    "SG1b Gender": sg1b_gender,
    "SG1c Ethnicity": sg1c_ethnicity,
    "SG2 Type of risk by location": sg2_type_by_location,
    "SG2 Type of risk by source": sg2_type_by_source,
    "SG2 Location by source": sg2_location_by_source,
    "SG2 Action and result": sg2_action_and_result,
    "SG2 Result where action taken": sg2_result_where_action_taken,
    "SG2 Mental capacity": sg2_mental_capacity,
    "SG2 Advocacy": sg2_advocacy,
    "MSP Outcomes asked": msp_outcomes_asked,
    "MSP Outcomes achieved": msp_outcomes_achieved,
}
NOTES_SHEET = "Notes"


def table_definition(name: str) -> str:
    """What a table counts, as written in its function's docstring."""
    return " ".join((inspect.getdoc(TABLES[name]) or "").split())


def national_return_tables(concerns: pd.DataFrame, year: int) -> dict[str, pd.DataFrame]:
    """Every SAC table for the financial year starting in `year`, computed from `concerns` (the
    shape of sgoversight.store.queries.load_concerns, dates datetime64), keyed by sheet name in
    TABLES' order. Pure: nothing is read or written."""
    inputs = ReturnInputs(concerns=concerns, year=financial_year(year))
    return {name: function(inputs) for name, function in TABLES.items()}


def national_return_from_database(
    session_or_engine: Session | Engine, year: int, *, actor: Actor
) -> dict[str, pd.DataFrame]:
    """Load every concern (council-wide) and compute the return for the financial year starting
    in `year`, once `actor` is shown to be allowed to view the standards (PermissionDenied
    otherwise; checked before anything is read)."""
    actor.require(Permission.VIEW_STANDARDS)
    financial_year(year)
    if isinstance(session_or_engine, Engine):
        with Session(session_or_engine) as session:
            return national_return_from_database(session, year, actor=actor)
    return national_return_tables(load_concerns(session_or_engine), year)


def suppress_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Copies of finished tables with every count (totals included, every column after the first)
    below 5 shown as `<5` (sgoversight.exporting.suppress_counts). The last step, never inside a
    count."""
    return {name: suppress_counts(table, list(table.columns[1:])) for name, table in tables.items()}


def notes_frame(year: int, suppress: bool, table_names: list[str] | None = None) -> pd.DataFrame:
    """The notes sheet: the year's dates, whether small numbers are suppressed, what each table
    counts, the counting conventions, every mapping used and the cuckooing decision."""
    period = financial_year(year)
    rows: list[tuple[str, str]] = [
        ("Return", f"Safeguarding Adults Collection (SAC) tables, {period.label}"),
        (
            "Reporting year",
            f"{period.start.day} {period.start:%B %Y} to {period.end.day} {period.end:%B %Y}, "
            "both days included",
        ),
        (
            "Small numbers",
            "Suppressed: every count below 5 (0 included, totals included) is shown as <5, for "
            "sharing outside the council. No secondary suppression is applied, so a suppressed "
            "cell may be derivable from a total."
            if suppress
            else "Not suppressed: exact counts, as submitted to the collection. Do not share "
            "outside the council without suppression.",
        ),
        ("Source of the table structure", SOURCE_NOTE),
        (
            "Counting",
            "Concerns: received_on in the year. Section 42 enquiries started: enquiry_started_on "
            "in the year. Concluded: enquiry_concluded_on in the year, whenever started. Each "
            "record has one type, location and source of risk, so each concluded enquiry is "
            "counted once per table and every table's total reconciles with the headline count. "
            "Individuals are counted once per table column, by person_id, with the age band, "
            "gender and ethnicity of their latest record in that column's set.",
        ),
        (
            "Other safeguarding enquiries",
            "Not returned: these records hold section 42 enquiries only, so the SAC's voluntary "
            "'other safeguarding enquiries' metrics must come from elsewhere.",
        ),
        ("Cuckooing", CUCKOOING_NOTE),
    ]
    names = table_names if table_names is not None else list(TABLES)
    rows += [(f"Table: {name}", table_definition(name)) for name in names if name in TABLES]
    rows += [
        (f"Mapping: {mapping.title} ({mapping.field})", mapping.describe())
        for mapping in MAPPINGS.values()
    ]
    rows.append(
        (
            "Mapping: Action and result",
            "; ".join(
                f"{assessment} + action_taken {action} → {label}"
                for (assessment, action), label in ACTION_AND_RESULT_ROWS.items()
            )
            + f"; ceased_at_request + action_taken yes → {CEASED_WITH_ACTION}; "
            f"blank risk_assessment or action_taken → {ACTION_NOT_RECORDED}",
        )
    )
    return pd.DataFrame(rows, columns=["Topic", "Note"])


def national_return_xlsx(tables: Mapping[str, pd.DataFrame], year: int, suppress: bool) -> bytes:
    """The return as an XLSX workbook: the notes sheet first, then one sheet per table with its
    definition above it; counts below 5 shown as `<5` when `suppress` (a last step, on the finished
    tables). Text cells are neutralised so none runs as a formula."""
    shown = suppress_tables(tables) if suppress else dict(tables)
    sheets = {NOTES_SHEET: notes_frame(year, suppress, list(tables)), **shown}
    label = financial_year(year).label
    notes = {
        name: f"{label}: {table_definition(name)}" if name in TABLES else label for name in shown
    }
    return to_xlsx_bytes(sheets, notes)


def xlsx_path(text: str) -> Path:
    """The command line's output path: it must name an .xlsx file in an existing folder; BadInput
    otherwise (so nothing is written)."""
    path = Path(text)
    if path.suffix.lower() != ".xlsx":
        raise BadInput(f"'{text}' is not an .xlsx file name: the return is written as XLSX")
    if not path.parent.is_dir():
        raise BadInput(f"'{text}': folder {path.parent} does not exist")
    return path
