"""The annual Safeguarding Adults Collection return (sgoversight.standards.national_return)."""

from __future__ import annotations

import io
import random
from typing import Any

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine

from sgoversight.auth import SYSTEM, Actor, PermissionDenied, Role
from sgoversight.errors import BadInput
from sgoversight.standards import national_return as nr
from sgoversight.store.queries import CONCERN_COLUMNS, as_dates
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
from tests.fixtures.importing import csv_bytes, good_row, run, seed

YEAR = 2025  # 1 April 2025 to 31 March 2026
IN_YEAR = "2025-10-01"
BEFORE = "2025-03-31"
AFTER = "2026-04-01"

#: Every contract field the return reports, with the vocabulary its codes come from.
REPORTED_FIELDS: dict[str, Vocabulary] = {
    "abuse_type": ABUSE_TYPE,
    "location": LOCATION,
    "source_of_risk": SOURCE_OF_RISK,
    "age_band": AGE_BAND,
    "gender": GENDER,
    "ethnicity": ETHNICITY,
    "risk_assessment": RISK_ASSESSMENT,
    "action_taken": YES_NO,
    "risk_outcome": RISK_OUTCOME,
    "lacked_capacity": LACKED_CAPACITY,
    "advocate_supported": YES_NO,
    "outcomes_asked": OUTCOMES_ASKED,
    "outcomes_achieved": OUTCOMES_ACHIEVED,
}


def concern(number: int, **fields: Any) -> dict[str, Any]:
    """A concern received in the year with every required field; `fields` override."""
    row: dict[str, Any] = {
        "concern_id": f"C{number:04d}",
        "person_id": f"X{number:04d}",
        "received_on": IN_YEAR,
        "referral_source": "police",
        "abuse_type": "neglect",
        "location": "own_home",
        "source_of_risk": "known_to_individual",
        "age_band": "85-94",
        "gender": "female",
        "ethnicity": "white",
    }
    return row | fields


def concluded(number: int, **fields: Any) -> dict[str, Any]:
    """A concern whose section 42 enquiry started and concluded in the year."""
    dates = {"enquiry_started_on": IN_YEAR, "enquiry_concluded_on": "2025-11-01"}
    return concern(number, **(dates | fields))


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return as_dates(pd.DataFrame(rows, columns=CONCERN_COLUMNS))


def tables(rows: list[dict[str, Any]], year: int = YEAR) -> dict[str, pd.DataFrame]:
    return nr.national_return_tables(frame(rows), year)


def headline(result: dict[str, pd.DataFrame], measure: str) -> int:
    table = result["SG1 Headline counts"].set_index("Measure")
    return int(table.loc[measure, "Count"])


def cell(table: pd.DataFrame, row: str, column: str | None = None) -> int:
    """The count in `row` (by its label in the first column) and `column` (default: the last)."""
    indexed = table.set_index(table.columns[0])
    return int(indexed.loc[row, column if column is not None else indexed.columns[-1]])


def category_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table.iloc[:, 0] != nr.TOTAL]


def total_row(table: pd.DataFrame) -> pd.Series:
    rows = table[table.iloc[:, 0] == nr.TOTAL]
    assert len(rows) == 1, "exactly one total row, last"
    assert table.iloc[-1, 0] == nr.TOTAL
    return rows.iloc[0]


# --- the year -------------------------------------------------------------------------------------


def test_financial_year_runs_from_1_april_to_31_march() -> None:
    period = nr.financial_year(2025)
    assert (str(period.start), str(period.end), period.label) == (
        "2025-04-01",
        "2026-03-31",
        "2025-26",
    )
    assert nr.financial_year(1999).label == "1999-00"


@pytest.mark.parametrize("year", [1899, 9999, True, "2025"])
def test_a_year_outside_the_range_is_bad_input(year: Any) -> None:
    with pytest.raises(BadInput, match="financial year"):
        nr.financial_year(year)


@pytest.mark.parametrize("text", ["25", "2025-26", "20x5", "", "1800"])
def test_only_a_four_digit_starting_year_parses(text: str) -> None:
    with pytest.raises(BadInput, match="year"):
        nr.parse_year(text)
    assert nr.parse_year(" 2025 ") == 2025


@pytest.mark.parametrize(
    ("column", "measure"),
    [
        ("received_on", nr.CONCERNS_RECEIVED),
        ("enquiry_started_on", nr.ENQUIRIES_STARTED),
        ("enquiry_concluded_on", nr.ENQUIRIES_CONCLUDED),
    ],
)
def test_31_march_and_1_april_fall_in_different_years(column: str, measure: str) -> None:
    days = ["2025-03-31", "2025-04-01", "2026-03-31", "2026-04-01"]
    earlier = {"received_on": "2025-01-01", "enquiry_started_on": "2025-01-02"}
    rows = [concern(i, **(earlier | {column: day})) for i, day in enumerate(days)]
    assert headline(tables(rows, 2025), measure) == 2  # 1 April 2025 and 31 March 2026
    assert headline(tables(rows, 2024), measure) == 1  # 31 March 2025
    assert headline(tables(rows, 2026), measure) == 1  # 1 April 2026


# --- the mapping ----------------------------------------------------------------------------------


def test_every_reported_field_has_one_mapping() -> None:
    assert set(nr.MAPPINGS) == set(REPORTED_FIELDS)


@pytest.mark.parametrize("field", list(REPORTED_FIELDS))
def test_every_contract_code_maps_to_a_published_category(field: str) -> None:
    mapping = nr.MAPPINGS[field]
    vocabulary = REPORTED_FIELDS[field]
    assert mapping.vocabulary is vocabulary
    for code in vocabulary.codes:  # a code added to the vocabulary without a mapping fails here
        assert code in mapping.codes, f"{field}: contract code {code} has no SAC category"
        assert mapping.codes[code] in mapping.categories
    assert set(mapping.codes) == set(vocabulary.codes), "no mapping for a code the contract lacks"
    assert len(set(mapping.categories)) == len(mapping.categories)


@pytest.mark.parametrize("field", list(REPORTED_FIELDS))
def test_sac_categories_maps_each_code_and_refuses_an_unmapped_one(field: str) -> None:
    mapping = nr.MAPPINGS[field]
    codes = list(mapping.vocabulary.codes)
    labels = nr.sac_categories(pd.Series(codes, dtype=object), mapping)
    assert list(labels) == [mapping.codes[code] for code in codes]
    with pytest.raises(BadInput, match="no SAC category for code made_up"):
        nr.sac_categories(pd.Series(["made_up"], dtype=object), mapping)


@pytest.mark.parametrize("field", ["abuse_type", "location", "source_of_risk", "age_band"])
def test_a_blank_required_field_is_bad_input(field: str) -> None:
    with pytest.raises(BadInput, match=f"{field} is required"):
        tables([concluded(1, **{field: None})])


def test_yes_no_fields_read_booleans_and_text_alike() -> None:
    mapping = nr.MAPPINGS["action_taken"]
    values = pd.Series([True, False, "yes", "no", None], dtype=object)
    assert list(nr.sac_categories(values, mapping)) == [
        "Action taken",
        "No action taken",
        "Action taken",
        "No action taken",
        nr.NOT_RECORDED,
    ]


def test_a_yes_no_value_that_is_neither_is_bad_input() -> None:
    with pytest.raises(BadInput, match="made_up"):
        nr.sac_categories(pd.Series(["made_up"], dtype=object), nr.MAPPINGS["advocate_supported"])
    with pytest.raises(BadInput, match="action_taken"):
        nr.action_and_result_category("risk_identified", "made_up")


def test_every_risk_assessment_code_has_an_action_and_result_row() -> None:
    for code in RISK_ASSESSMENT.codes:
        assert (code, nr.NO) in nr.ACTION_AND_RESULT_ROWS
        if code != "ceased_at_request":
            assert (code, nr.YES) in nr.ACTION_AND_RESULT_ROWS
    assert nr.action_and_result_category("ceased_at_request", True) == nr.CEASED_WITH_ACTION


@pytest.mark.parametrize(("code", "label"), list(nr.MAPPINGS["abuse_type"].codes.items()))
def test_each_type_of_risk_is_counted_in_its_published_row(code: str, label: str) -> None:
    result = tables([concluded(1, abuse_type=code)])
    table = result["SG2 Type of risk by location"]
    assert cell(table, label) == 1
    assert cell(table, label, "Own home") == 1
    assert int(category_rows(table)[nr.TOTAL].sum()) == 1


@pytest.mark.parametrize(("code", "label"), list(nr.MAPPINGS["location"].codes.items()))
def test_each_location_is_counted_in_its_published_column(code: str, label: str) -> None:
    result = tables([concluded(1, location=code)])
    assert cell(result["SG2 Type of risk by location"], nr.TOTAL, label) == 1
    assert cell(result["SG2 Location by source"], label) == 1


@pytest.mark.parametrize(("code", "label"), list(nr.MAPPINGS["source_of_risk"].codes.items()))
def test_each_source_of_risk_is_counted_in_its_published_column(code: str, label: str) -> None:
    result = tables([concluded(1, source_of_risk=code)])
    assert cell(result["SG2 Type of risk by source"], nr.TOTAL, label) == 1
    assert cell(result["SG2 Location by source"], nr.TOTAL, label) == 1


def test_published_labels() -> None:
    assert nr.MAPPINGS["source_of_risk"].categories == (
        "Service provider",
        "Other – known to individual",
        "Other – unknown to individual",
    )
    assert "Neglect and acts of omission" in nr.MAPPINGS["abuse_type"].categories
    assert "In the community (excluding community services)" in nr.MAPPINGS["location"].categories
    assert nr.MAPPINGS["age_band"].categories[-1] == "Age unknown"


# --- cuckooing ------------------------------------------------------------------------------------


def test_cuckooing_is_counted_as_financial_or_material_abuse() -> None:
    result = tables([concluded(1, abuse_type="cuckooing"), concluded(2, abuse_type="financial")])
    for name in ("SG2 Type of risk by location", "SG2 Type of risk by source"):
        table = result[name]
        assert cell(table, nr.FINANCIAL_OR_MATERIAL) == 2
        assert not table.iloc[:, 0].str.contains("uckoo").any()
    assert headline(result, nr.CUCKOOING_CONCLUDED) == 1
    assert nr.MAPPINGS["abuse_type"].codes["cuckooing"] == nr.FINANCIAL_OR_MATERIAL


def test_the_notes_state_the_cuckooing_decision() -> None:
    notes = nr.notes_frame(YEAR, suppress=False).set_index("Topic")["Note"]
    assert "no cuckooing category" in notes["Cuckooing"]
    assert "Financial or material abuse" in notes["Cuckooing"]
    assert "cuckooing → Financial or material abuse" in notes["Mapping: Type of risk (abuse_type)"]


# --- concluded versus started ---------------------------------------------------------------------


def test_the_risk_tables_count_enquiries_concluded_in_the_year_whenever_started() -> None:
    rows = [
        # started last year, concluded this year: a concluded enquiry of this year only
        concern(1, received_on="2025-02-01", enquiry_started_on="2025-02-10",
                enquiry_concluded_on="2025-05-01", abuse_type="physical"),
        # started this year, still open: started, not concluded
        concern(2, enquiry_started_on=IN_YEAR, abuse_type="sexual"),
        # started this year, concluded next year
        concern(3, enquiry_started_on=IN_YEAR, enquiry_concluded_on=AFTER, abuse_type="domestic"),
        # received this year, never an enquiry
        concern(4, abuse_type="self_neglect"),
    ]  # fmt: skip
    result = tables(rows)
    assert headline(result, nr.CONCERNS_RECEIVED) == 3
    assert headline(result, nr.ENQUIRIES_STARTED) == 2
    assert headline(result, nr.ENQUIRIES_CONCLUDED) == 1
    risk = result["SG2 Type of risk by location"]
    assert cell(risk, "Physical abuse") == 1
    assert cell(risk, "Sexual abuse") == cell(risk, "Domestic abuse") == 0
    assert cell(risk, nr.TOTAL) == 1
    ages = result["SG1a Age band"]
    assert cell(ages, nr.TOTAL, nr.ENQUIRIES_STARTED) == 2
    assert cell(ages, nr.TOTAL, nr.ENQUIRIES_CONCLUDED) == 1


def test_individuals_are_counted_once_with_their_latest_age_band() -> None:
    rows = [
        concern(1, person_id="X1", received_on="2025-05-01", age_band="75-84", gender="male"),
        concern(2, person_id="X1", received_on="2026-02-01", age_band="85-94", gender="male"),
        concern(3, person_id="X2", age_band="75-84"),
    ]
    result = tables(rows)
    assert headline(result, nr.INDIVIDUALS_IN_CONCERNS) == 2
    ages = result["SG1a Age band"]
    assert cell(ages, "85-94", nr.INDIVIDUALS_IN_CONCERNS) == 1
    assert cell(ages, "75-84", nr.INDIVIDUALS_IN_CONCERNS) == 1
    assert cell(ages, "75-84", nr.CONCERNS_RECEIVED) == 2
    assert cell(result["SG1b Gender"], "Male", nr.INDIVIDUALS_IN_CONCERNS) == 1


# --- action, capacity and Making Safeguarding Personal ----------------------------------------


@pytest.mark.parametrize(
    ("assessment", "action", "row"),
    [
        ("risk_identified", True, "Risk identified and action taken"),
        ("risk_identified", "no", "Risk identified and no action taken"),
        ("inconclusive", "yes", "Risk – assessment inconclusive and action taken"),
        ("inconclusive", False, "Risk – assessment inconclusive and no action taken"),
        ("no_risk", True, "No risk identified and action taken"),
        ("no_risk", False, "No risk identified and no action taken"),
        ("ceased_at_request", False, "Enquiry ceased at individual's request and no action taken"),
        ("ceased_at_request", True, nr.CEASED_WITH_ACTION),
        ("risk_identified", None, nr.ACTION_NOT_RECORDED),
        (None, True, nr.ACTION_NOT_RECORDED),
    ],
)
def test_action_and_result_rows(assessment: str | None, action: Any, row: str) -> None:
    table = tables([concluded(1, risk_assessment=assessment, action_taken=action)])[
        "SG2 Action and result"
    ]
    assert cell(table, row) == 1
    assert cell(table, nr.TOTAL) == 1
    assert list(category_rows(table).iloc[:, 0]) == list(nr.ACTION_ROWS)


def test_the_result_counts_risk_identified_with_action_taken_only() -> None:
    rows = [
        concluded(1, risk_assessment="risk_identified", action_taken=True, risk_outcome="removed"),
        concluded(2, risk_assessment="risk_identified", action_taken=True, risk_outcome="reduced"),
        concluded(3, risk_assessment="risk_identified", action_taken=True),
        concluded(4, risk_assessment="risk_identified", action_taken=False, risk_outcome="remains"),
    ]
    result = tables(rows)["SG2 Result where action taken"]
    assert [cell(result, r) for r in ("Risk remained", "Risk reduced", "Risk removed")] == [0, 1, 1]
    assert cell(result, nr.NOT_RECORDED) == 1
    assert cell(result, nr.TOTAL) == 3


def test_advocacy_is_counted_only_where_the_person_lacked_capacity() -> None:
    rows = [
        concluded(1, lacked_capacity="yes", advocate_supported=True),
        concluded(2, lacked_capacity="yes", advocate_supported=False),
        concluded(3, lacked_capacity="yes"),
        concluded(4, lacked_capacity="no", advocate_supported=True),
        concluded(5, lacked_capacity="dont_know", advocate_supported=True),
        concluded(6),
    ]
    result = tables(rows)
    capacity = result["SG2 Mental capacity"]
    assert cell(capacity, "Yes, they lacked capacity") == 3
    assert cell(capacity, "No, they did not lack capacity") == 1
    assert cell(capacity, "Don't know") == 1
    assert cell(capacity, nr.NOT_RECORDED) == 1
    assert cell(capacity, nr.TOTAL) == 6
    advocacy = result["SG2 Advocacy"]
    assert cell(advocacy, "Yes, they were supported") == 1
    assert cell(advocacy, "No, they were not supported") == 1
    assert cell(advocacy, nr.NOT_RECORDED) == 1
    assert cell(advocacy, nr.TOTAL) == cell(capacity, "Yes, they lacked capacity")


def test_outcomes_achieved_are_counted_only_when_outcomes_were_expressed() -> None:
    rows = [
        concluded(1, outcomes_asked="yes_expressed", outcomes_achieved="fully"),
        concluded(2, outcomes_asked="yes_expressed", outcomes_achieved="partially"),
        concluded(3, outcomes_asked="yes_expressed", outcomes_achieved="not_achieved"),
        concluded(4, outcomes_asked="yes_expressed"),
        # not through the import, but if written: never counted as achieved
        concluded(5, outcomes_asked="yes_not_expressed", outcomes_achieved="fully"),
        concluded(6, outcomes_asked="no", outcomes_achieved="fully"),
        concluded(7, outcomes_achieved="fully"),
        concluded(8, outcomes_asked="dont_know"),
    ]
    result = tables(rows)
    asked = result["MSP Outcomes asked"]
    assert cell(asked, "Yes, they were asked and outcomes were expressed") == 4
    assert cell(asked, "Yes, they were asked but no outcomes were expressed") == 1
    assert cell(asked, "No, they were not asked") == 1
    assert cell(asked, "Don't know") == 1
    assert cell(asked, nr.NOT_RECORDED) == 1
    assert cell(asked, nr.TOTAL) == 8
    achieved = result["MSP Outcomes achieved"]
    assert [cell(achieved, r) for r in nr.MAPPINGS["outcomes_achieved"].categories] == [1, 1, 1]
    assert cell(achieved, nr.NOT_RECORDED) == 1
    assert cell(achieved, nr.TOTAL) == 4


# --- reconciliation -------------------------------------------------------------------------------


def _random_borough(seed_value: int, size: int = 400) -> list[dict[str, Any]]:
    """Concerns over three years with every code (and blanks where optional) drawn at random."""
    rng = random.Random(seed_value)
    days = pd.date_range("2024-01-01", "2027-06-30").strftime("%Y-%m-%d").tolist()

    def pick(vocabulary: Vocabulary, blank: bool = True) -> Any:
        choices: list[Any] = list(vocabulary.codes)
        return rng.choice([*choices, None] if blank else choices)

    rows = []
    for number in range(size):
        received = rng.choice(days)
        row = concern(
            number,
            person_id=f"X{rng.randrange(size // 3)}",
            received_on=received,
            abuse_type=pick(ABUSE_TYPE, blank=False),
            location=pick(LOCATION, blank=False),
            source_of_risk=pick(SOURCE_OF_RISK, blank=False),
            age_band=pick(AGE_BAND, blank=False),
            gender=pick(GENDER, blank=False),
            ethnicity=pick(ETHNICITY, blank=False),
        )
        if rng.random() < 0.6:
            started = pd.Timestamp(received) + pd.Timedelta(days=rng.randrange(30))
            row["enquiry_started_on"] = started.strftime("%Y-%m-%d")
            if rng.random() < 0.8:
                ended = started + pd.Timedelta(days=rng.randrange(200))
                asked = pick(OUTCOMES_ASKED)
                assessment = pick(RISK_ASSESSMENT)
                lacked = pick(LACKED_CAPACITY)
                row |= {
                    "enquiry_concluded_on": ended.strftime("%Y-%m-%d"),
                    "outcomes_asked": asked,
                    "outcomes_achieved": pick(OUTCOMES_ACHIEVED)
                    if asked == "yes_expressed"
                    else None,
                    "risk_assessment": assessment,
                    "action_taken": rng.choice([True, False, None]),
                    "risk_outcome": pick(RISK_OUTCOME) if assessment == "risk_identified" else None,
                    "lacked_capacity": lacked,
                    "advocate_supported": rng.choice([True, False, None])
                    if lacked == "yes"
                    else None,
                }
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed_value", [1, 2, 3])
@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_table_reconciles_with_the_headline_counts(seed_value: int, year: int) -> None:
    rows = _random_borough(seed_value)
    result = tables(rows, year)
    period = nr.financial_year(year)
    data = frame(rows)

    def in_year(column: str) -> int:
        values = data[column]
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        return int(((values >= start) & (values <= end)).sum())

    concluded_count = headline(result, nr.ENQUIRIES_CONCLUDED)
    assert headline(result, nr.CONCERNS_RECEIVED) == in_year("received_on")
    assert headline(result, nr.ENQUIRIES_STARTED) == in_year("enquiry_started_on")
    assert concluded_count == in_year("enquiry_concluded_on")
    assert concluded_count > 0

    for name, table in result.items():
        if name == "SG1 Headline counts":
            continue
        rows_only = category_rows(table)
        totals = total_row(table)
        for column in table.columns[1:]:
            assert int(rows_only[column].sum()) == int(totals[column]), (name, column)
        if nr.TOTAL in table.columns:
            counts_only = table.drop(columns=[table.columns[0], nr.TOTAL])
            assert (counts_only.sum(axis=1) == table[nr.TOTAL]).all(), name

    for name in ("SG1a Age band", "SG1b Gender", "SG1c Ethnicity"):
        totals = total_row(result[name])
        for column in nr.DEMOGRAPHIC_COLUMNS:
            assert int(totals[column]) == headline(result, column), (name, column)
    for name in (
        "SG2 Type of risk by location",
        "SG2 Type of risk by source",
        "SG2 Location by source",
        "SG2 Action and result",
        "SG2 Mental capacity",
        "MSP Outcomes asked",
    ):
        assert cell(result[name], nr.TOTAL) == concluded_count, name
    assert cell(result["SG2 Result where action taken"], nr.TOTAL) == cell(
        result["SG2 Action and result"], nr.RISK_IDENTIFIED_AND_ACTION
    )
    assert cell(result["SG2 Advocacy"], nr.TOTAL) == cell(
        result["SG2 Mental capacity"], "Yes, they lacked capacity"
    )
    assert cell(result["MSP Outcomes achieved"], nr.TOTAL) == cell(
        result["MSP Outcomes asked"], "Yes, they were asked and outcomes were expressed"
    )
    cuckooing = sum(
        1
        for row in rows
        if row["abuse_type"] == "cuckooing"
        and row.get("enquiry_concluded_on")
        and str(period.start) <= row["enquiry_concluded_on"] <= str(period.end)
    )
    assert headline(result, nr.CUCKOOING_CONCLUDED) == cuckooing


def test_an_empty_year_lists_every_category_with_zeros() -> None:
    result = tables([concern(1, received_on=BEFORE)])
    assert list(result) == list(nr.TABLES)
    for name, table in result.items():
        counts_only = table.iloc[:, 1:]
        assert (counts_only == 0).all().all(), name
    assert list(category_rows(result["SG1a Age band"]).iloc[:, 0]) == list(
        nr.MAPPINGS["age_band"].categories
    )
    location = result["SG2 Type of risk by location"]
    assert list(category_rows(location).iloc[:, 0]) == list(nr.MAPPINGS["abuse_type"].categories)
    assert list(location.columns[1:-1]) == list(nr.MAPPINGS["location"].categories)
    assert list(category_rows(result["MSP Outcomes asked"]).iloc[:, 0]) == [
        *nr.MAPPINGS["outcomes_asked"].categories,
        nr.NOT_RECORDED,
    ]


def test_every_table_has_its_definition() -> None:
    for name in nr.TABLES:
        assert len(name) <= 31
        assert "year" in nr.table_definition(name)


# --- suppression and the workbook -----------------------------------------------------------------


def test_suppression_is_a_last_step_on_the_finished_tables() -> None:
    rows = [concluded(i, abuse_type="neglect") for i in range(6)] + [
        concluded(10, abuse_type="physical")
    ]
    result = tables(rows)
    shown = nr.suppress_tables(result)
    table = shown["SG2 Type of risk by location"].set_index("Type of risk")
    assert table.loc["Neglect and acts of omission", nr.TOTAL] == 6
    assert table.loc["Physical abuse", nr.TOTAL] == "<5"
    assert table.loc["Sexual abuse", nr.TOTAL] == "<5"  # zero too
    assert table.loc[nr.TOTAL, nr.TOTAL] == 7
    assert list(shown["SG1a Age band"]["Age band"]) == list(result["SG1a Age band"]["Age band"])
    # the computed tables are untouched
    assert cell(result["SG2 Type of risk by location"], "Physical abuse") == 1


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True)


def _sheet_rows(workbook: openpyxl.Workbook, name: str) -> list[tuple[Any, ...]]:
    return list(workbook[name].iter_rows(values_only=True))


def test_the_workbook_opens_with_the_notes_sheet_first() -> None:
    result = tables([concluded(i) for i in range(7)] + [concluded(20, abuse_type="cuckooing")])
    workbook = _workbook(nr.national_return_xlsx(result, YEAR, suppress=False))
    assert workbook.sheetnames == [nr.NOTES_SHEET, *nr.TABLES]
    notes = dict(row[:2] for row in _sheet_rows(workbook, nr.NOTES_SHEET)[1:])
    assert "1 April 2025 to 31 March 2026" in notes["Reporting year"]
    assert notes["Small numbers"].startswith("Not suppressed")
    assert "Financial or material abuse" in notes["Cuckooing"]
    assert "Safeguarding Adults Collection" in notes["Source of the table structure"]
    assert all(f"Table: {name}" in notes for name in nr.TABLES)
    assert all(f"Mapping: {m.title} ({m.field})" in notes for m in nr.MAPPINGS.values())
    headline_sheet = _sheet_rows(workbook, "SG1 Headline counts")
    assert str(headline_sheet[0][0]).startswith("2025-26: SG1 headline counts")
    assert headline_sheet[2] == ("Measure", "Count")
    assert (nr.ENQUIRIES_CONCLUDED, 8) in headline_sheet
    risk = _sheet_rows(workbook, "SG2 Type of risk by location")
    assert risk[2][0] == "Type of risk"
    assert risk[-1][0] == nr.TOTAL
    assert risk[-1][-1] == 8


def test_the_suppressed_workbook_says_so_and_shows_small_counts_as_less_than_5() -> None:
    result = tables([concluded(i) for i in range(7)])
    workbook = _workbook(nr.national_return_xlsx(result, YEAR, suppress=True))
    notes = dict(row[:2] for row in _sheet_rows(workbook, nr.NOTES_SHEET)[1:])
    assert notes["Small numbers"].startswith("Suppressed")
    headline_sheet = _sheet_rows(workbook, "SG1 Headline counts")
    assert (nr.CONCERNS_RECEIVED, 7) in headline_sheet
    assert (nr.CUCKOOING_CONCLUDED, "<5") in headline_sheet


def test_text_cells_never_run_as_formulas() -> None:
    result = tables([concluded(1)])
    result["SG1 Headline counts"].loc[0, "Measure"] = "=HYPERLINK(1)"
    workbook = _workbook(nr.national_return_xlsx(result, YEAR, suppress=False))
    assert _sheet_rows(workbook, "SG1 Headline counts")[3][0] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("path", ["return.csv", "return", "return.xlsx.bak"])
def test_the_output_must_be_an_xlsx_file(path: str) -> None:
    with pytest.raises(BadInput, match=r"\.xlsx"):
        nr.xlsx_path(path)
    assert nr.xlsx_path("return.XLSX").name == "return.XLSX"


# --- from the database ----------------------------------------------------------------------------


def test_from_the_database_needs_permission_to_view_the_standards(sqlite_engine: Engine) -> None:
    for role in (Role.QA_ATTENDEE, Role.PLAN_OWNER, Role.PROVIDER):
        actor = Actor(username="someone", roles=frozenset({role}), provider_id="P1")
        with pytest.raises(PermissionDenied):
            nr.national_return_from_database(sqlite_engine, YEAR, actor=actor)


def test_from_the_database_counts_the_imported_concerns(sqlite_engine: Engine) -> None:
    seed(sqlite_engine)
    rows = [
        good_row("concerns", 1),  # received 2025-03-01, concluded 2025-03-25: year 2024-25
        good_row(
            "concerns",
            2,
            abuse_type="cuckooing",
            received_on="2025-04-01",
            screened_on="2025-04-01",
            enquiry_started_on="2025-04-02",
            enquiry_concluded_on="2025-04-20",
        ),
    ]
    report = run(sqlite_engine, "concerns", csv_bytes(rows))
    assert report.ok, report.problems
    safeguarding = Actor(username="sg", roles=frozenset({Role.SAFEGUARDING}))
    earlier = nr.national_return_from_database(sqlite_engine, 2024, actor=safeguarding)
    later = nr.national_return_from_database(sqlite_engine, 2025, actor=SYSTEM)
    assert headline(earlier, nr.ENQUIRIES_CONCLUDED) == 1
    assert cell(earlier["SG2 Type of risk by location"], "Neglect and acts of omission") == 1
    assert cell(earlier["SG2 Advocacy"], "Yes, they were supported") == 1  # True from the database
    assert cell(earlier["SG2 Action and result"], nr.RISK_IDENTIFIED_AND_ACTION) == 1
    assert headline(later, nr.CUCKOOING_CONCLUDED) == 1
    assert cell(later["SG2 Type of risk by source"], nr.FINANCIAL_OR_MATERIAL) == 1
