"""The data dictionary of the files the app imports, generated from the import schemas.

Rule: every column's type, whether it is required, its accepted values (each code with its label)
and its rules across columns are read from the schemas the importer validates with
(`sgoversight.intake.schemas.ROW_SCHEMAS`); only the plain-English description of each column and an
example value are written here. So `docs/data-formats.md`, the Data imports page's dictionary and
its templates say exactly what the importer accepts, and a test fails if the committed document
differs from what the schemas generate. Regenerate it with
`python -m sgoversight.intake.data_dictionary > docs/data-formats.md`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass

from sgoversight.intake import schemas as s
from sgoversight.vocabulary import YES_NO


@dataclass(frozen=True)
class FileNotes:
    """What a person needs to know about one file beyond its schema."""

    title: str
    about: str
    #: column -> (what it holds, an example value for the template)
    columns: dict[str, tuple[str, str]]


FILES: dict[str, FileNotes] = {
    "providers": FileNotes(
        "Providers",
        "The provider register: one row a service the council commissions or oversees.",
        {
            "provider_id": ("Your unique id for the service.", "PRV-0001"),
            "name": ("The service's name as people know it.", "Elmfield House"),
            "service_type": ("What kind of service it is.", "care_home"),
            "regulated": (
                "Whether the service is registered with the Care Quality Commission.",
                "yes",
            ),
            "commissioned": (
                "Whether the council commissions it; `no` for a private, self-funder-only or "
                "voluntary service the Board still oversees.",
                "yes",
            ),
            "cqc_rating": (
                "The service's latest overall Care Quality Commission rating; blank if not rated.",
                "good",
            ),
            "capacity": (
                "Beds, or people supported: used for rates per 10 places and for quiet "
                "providers.",
                "40",
            ),
            "cqc_location_id": (
                "The service's Care Quality Commission location id; the monthly ratings file "
                "(`import cqc-ratings`) then keeps its rating up to date. Blank if not registered.",
                "1-101234567",
            ),
            "address": (
                "The service's address, shown on its profile and visit sheet.",
                "12 Elm Road, Northtown NT1 2AB",
            ),
            "contact": (
                "How to reach the service: a phone number, an e-mail address, or both.",
                "01234 567890, manager@elmfield.example",
            ),
            "registered_manager": (
                "The manager registered with the Care Quality Commission (or the service's "
                "manager, if not regulated).",
                "Sam Patel",
            ),
        },
    ),
    "alerts": FileNotes(
        "Quality alerts",
        "Quality alerts about commissioned services: concerns about the quality of care.",
        {
            "alert_id": ("Your unique id for the alert.", "ALT-2026-0001"),
            "provider_id": ("The service it is about: a provider_id in the register.", "PRV-0001"),
            "raised_on": ("The date the alert was raised.", "2026-11-02"),
            "raised_by": ("Who raised it.", "health"),
            "category": ("What it is about.", "medication"),
            "severity": ("How serious it is.", "medium"),
            "summary": (
                "What happened, in a few sentences. No personal names are needed.",
                "Medicines given late on two evenings.",
            ),
            "status": ("Where it is in the workflow.", "open"),
            "closed_on": ("The date it was closed.", ""),
            "assigned_to": (
                "The council officer who owns the alert: the username they sign in with. It "
                "must be a council user in the app's users table, never provider staff; an "
                "unknown username rejects the file (for example cara.jones, once that account "
                "exists). Blank = nobody assigned yet. A file without this column leaves each "
                "alert's officer as it is.",
                "",
            ),
        },
    ),
    "concerns": FileNotes(
        "Safeguarding concerns",
        "Safeguarding concerns (section 42 of the Care Act 2014) and, when one became a "
        "section 42 enquiry, that enquiry: one row a concern. No names of adults at risk: "
        "person_id is a pseudonymous id.",
        {
            "concern_id": ("Your unique id for the concern.", "CON-2026-0001"),
            "person_id": (
                "A pseudonymous id of the adult at risk (never a name).",
                "P-000123",
            ),
            "received_on": ("The date the concern was received.", "2026-11-02"),
            "screened_on": (
                "The date of the decision whether the concern proceeds.",
                "2026-11-03",
            ),
            "referral_source": ("Who referred the concern.", "health_primary"),
            "abuse_type": ("The main type of abuse or neglect.", "neglect"),
            "location": (
                "Where the risk was, as in the national Safeguarding Adults Collection.",
                "care_home_residential",
            ),
            "source_of_risk": (
                "Who the risk came from; `service_provider` means paid, contracted or "
                "commissioned care of any funding type.",
                "service_provider",
            ),
            "provider_id": ("The service the risk came from: a provider_id.", "PRV-0001"),
            "age_band": ("The adult's age band.", "85-94"),
            "gender": ("The adult's gender.", "female"),
            "ethnicity": ("The adult's ethnic group.", "white"),
            "enquiry_started_on": (
                "The date the concern became a section 42 enquiry.",
                "2026-11-05",
            ),
            "enquiry_concluded_on": ("The date the enquiry concluded.", ""),
            "outcomes_asked": (
                "Making Safeguarding Personal: whether the adult was asked what outcomes they "
                "wanted, and expressed them.",
                "yes_expressed",
            ),
            "outcomes_achieved": ("How far the outcomes they expressed were achieved.", ""),
            "risk_assessment": ("What the enquiry found about the risk.", ""),
            "action_taken": ("Whether action was taken.", ""),
            "risk_outcome": ("What happened to the risk identified.", ""),
            "lacked_capacity": (
                "Whether the adult lacked capacity to make decisions about the enquiry.",
                "no",
            ),
            "advocate_supported": (
                "When the adult lacked capacity: whether an advocate, family member or friend "
                "supported them.",
                "",
            ),
            "protection_agreed": ("Whether a protection plan was agreed.", ""),
            "protection_plan_reviewed": ("Whether the protection plan was reviewed.", ""),
            "survey_completed": ("Whether the adult completed the feedback survey.", ""),
            "feedback_to_referrer_on": ("The date feedback was given to the referrer.", ""),
            "feedback_to_provider_on": (
                "The date feedback was given to the provider (meaningful with a provider_id).",
                "",
            ),
            "social_isolation": ("Whether social isolation was a factor.", "no"),
            "fgc_elements": ("Whether family group conference elements were used.", ""),
        },
    ),
    "plans": FileNotes(
        "Improvement plans",
        "Improvement plans, for moving an existing tracker in.",
        {
            "plan_id": ("Your unique id for the plan.", "PLN-0001"),
            "provider_id": ("The service the plan is for: a provider_id.", "PRV-0001"),
            "opened_on": ("The date the plan was opened.", "2026-10-01"),
            "reason": ("Why the plan was needed.", "Red rating for two months."),
            "status": ("Whether the plan is open or closed.", "open"),
            "closed_on": ("The date the plan was closed.", ""),
        },
    ),
    "actions": FileNotes(
        "Improvement plan actions",
        "The actions of improvement plans; a blank completed_on means not done yet.",
        {
            "action_id": ("Your unique id for the action.", "ACT-0001"),
            "plan_id": ("The plan it belongs to: a plan_id.", "PLN-0001"),
            "description": ("What is to be done.", "Review every medicines record weekly."),
            "owner": ("Who is responsible for it.", "Registered manager"),
            "due_on": ("When it is due (may be in the future).", "2026-12-31"),
            "completed_on": ("The date it was done; blank if not done yet.", ""),
        },
    ),
    "training": FileNotes(
        "Safeguarding training",
        "Safeguarding training completions of council staff. A row is identified by staff_id, "
        "training_type and completed_on: importing it again updates its role.",
        {
            "staff_id": ("Your id for the member of staff.", "STF-0042"),
            "role": ("Their role, which sets the training they need.", "practitioner"),
            "training_type": ("The training completed.", "asc_enquiry"),
            "completed_on": ("The date it was completed.", "2026-09-15"),
        },
    ),
}


# --- reading the schemas --------------------------------------------------------------------------


def _type_words(cell: s.Cell) -> str:
    """What kind of value a column takes, in words, from its reading rule."""
    if isinstance(cell, s.Code):
        return "one of the values listed"
    if isinstance(cell, s.YesNo):
        return "`yes` or `no`"
    if isinstance(cell, s.Day):
        return f"date `YYYY-MM-DD`, not before {s.EARLIEST_DAY.isoformat()}" + (
            ", not in the future" if cell.past else ""
        )
    if isinstance(cell, s.WholeNumber):
        return "whole number, 0 or more"
    if isinstance(cell, s.Text):
        return f"text, at most {cell.max_length:,} characters"
    return type(cell).__name__


def _rule_words(rule: s.RowRule) -> str:
    """A cross-column rule in words (the rule's own wording, as its error messages use)."""
    if isinstance(rule, s.NotBefore):
        return f"on or after {rule.other}"
    if isinstance(rule, s.RecordedIff):
        return f"required when {rule.other} is `{rule.code}`, blank otherwise"
    if isinstance(rule, s.RequiredWhen):
        return f"required when {rule.other} is `{rule.code}`"
    if isinstance(rule, s.OnlyWhen):
        return f"only when {rule.other} is `{rule.code}`"
    if isinstance(rule, s.Needs):
        return f"needs {rule.other} ({rule.why})"
    return type(rule).__name__


def _required_words(schema: type[s.RowSchema], column: str) -> str:
    cell = schema.cell(column)
    if cell.required:
        return "yes"
    conditional = [
        rule
        for rule in schema.rules
        if rule.column == column and isinstance(rule, s.RecordedIff | s.RequiredWhen)
    ]  # the first one names the condition
    for rule in conditional:
        return f"when {rule.other} is `{rule.code}`"
    if isinstance(cell.default, bool):
        return f"no (blank = {YES_NO.label('yes' if cell.default else 'no').lower()})"
    if cell.default is not None:
        return f"no (blank = {cell.default})"
    return "no"


def _values_words(cell: s.Cell) -> str:
    if isinstance(cell, s.Code):
        return "<br>".join(
            f"`{code}` ({label})" for code, label in cell.vocabulary.labels.items()
        )
    return ""


@dataclass(frozen=True)
class Entry:
    """One column of one file, in words."""

    column: str
    required: str
    about: str
    type: str
    values: str
    values_plain: str
    rules: str


def entries(kind: str) -> list[Entry]:
    """Every column of the file `kind`, in file order, described from its schema."""
    schema = s.ROW_SCHEMAS[kind]
    notes = FILES[kind]
    found = []
    for column in schema.columns():
        cell = schema.cell(column)
        found.append(
            Entry(
                column=column,
                required=_required_words(schema, column),
                about=notes.columns[column][0],
                type=_type_words(cell),
                values=_values_words(cell),
                values_plain=", ".join(
                    f"{code}: {label}" for code, label in cell.vocabulary.labels.items()
                )
                if isinstance(cell, s.Code)
                else "",
                rules="; ".join(_rule_words(r) for r in schema.rules if r.column == column),
            )
        )
    return found


def markdown() -> str:
    """The whole data dictionary as Markdown (the text of docs/data-formats.md)."""
    lines = [
        "# Data formats: the files the app imports",
        "",
        "Generated from the import rules themselves "
        "(`python -m sgoversight.intake.data_dictionary > docs/data-formats.md`); "
        "a test fails if this "
        "page and the rules ever differ. The Data imports page shows the same dictionary and "
        "offers a template of each file.",
        "",
        "## Rules for every file",
        "",
        "- CSV or Excel XLSX (the first sheet), with a header row. Columns may come in any "
        "order; a column the app does not know is listed and ignored.",
        "- A CSV file may be UTF-8 (with or without a byte order mark), Windows-1252 (Excel's "
        "\"CSV\" export, with its £ and accented names) or UTF-16 with a byte order mark "
        "(Excel's \"Unicode text\" export); its cells may be separated by commas, semicolons "
        "or tabs, found from the header line. Any other encoding is refused with one message.",
        "- Headers are the column names below. A case system's extract with other headers is "
        "mapped once in `config/import_mappings.toml`, one line per header under the file's "
        "section: `[concerns]` then `\"Date received\" = \"received_on\"`.",
        "- An extract's own wording of a listed value is mapped there too, under "
        "`[KIND.values.COLUMN]`: `[concerns.values.location]` then "
        "`\"Care Home (Res)\" = \"care_home_residential\"`. It is matched the way codes are "
        "(see the rule on listed values below). A mapping naming an unknown file, column or "
        "code, a column without listed values, or one value twice is refused, naming its "
        "line, before any file is read.",
        "- A rejected file's report lists each unknown header and each unknown value once, "
        "with how many rows hold it, the closest column or code, and the mapping line to add.",
        "- A listed value may be written as its code or its label. Case, accents, apostrophes, "
        "punctuation, underscores, hyphens, brackets and repeated spaces do not count, so "
        "`care_home_residential`, `Care home: residential`, `Care Home - Residential` and "
        "`care home (residential)` all read as `care_home_residential`. A value that could "
        "mean two codes is refused with both named.",
        "- Dates are written `YYYY-MM-DD` (an Excel date cell is accepted too). A blank cell "
        "means not recorded.",
        "- An import is all or nothing: if any row has a problem nothing is written and every "
        "problem is reported as `FILE:ROW:COLUMN: message`, where row 1 is the header row.",
        "- Importing the same file twice changes nothing; a corrected file updates the rows "
        "it names (rows are matched by their id).",
        "",
        "Command: `python -m sgoversight import KIND FILE [--dry-run]`, where KIND is one of "
        + ", ".join(f"`{kind}`" for kind in s.ROW_SCHEMAS)
        + ".",
    ]
    for kind, schema in s.ROW_SCHEMAS.items():
        notes = FILES[kind]
        lines += [
            "",
            f"## {notes.title}: `{kind}`",
            "",
            notes.about,
            "",
            f"Rows are identified by {', '.join(f'`{c}`' for c in schema.key_columns)}.",
            "",
            "| column | required | what it holds | type | accepted values | rules |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| `{e.column}` | {e.required} | {e.about} | {e.type} | {e.values} | {e.rules} |"
            for e in entries(kind)
        ]
    return "\n".join(lines) + "\n"


def template_csv(kind: str) -> bytes:
    """A CSV template of the file `kind`: its header row and one example row that imports."""
    schema = s.ROW_SCHEMAS[kind]
    notes = FILES[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(schema.columns())
    writer.writerow([notes.columns[column][1] for column in schema.columns()])
    return out.getvalue().encode("utf-8")


def example_row(kind: str) -> dict[str, str]:
    """The template's example row of `kind`, by column."""
    schema = s.ROW_SCHEMAS[kind]
    return {column: FILES[kind].columns[column][1] for column in schema.columns()}


def check_example(kind: str, today: dt.date) -> s.RowSchema:
    """The template's example row validated by the import schema (raises if it would not
    import)."""
    return s.ROW_SCHEMAS[kind].model_validate(example_row(kind), context={"today": today})


if __name__ == "__main__":
    sys.stdout.write(markdown())
