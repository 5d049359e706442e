"""Validation of every row of the contract files (CONTRACT.md §1), one pydantic v2 model per file.

Rules shared by every file:
- a cell is trimmed; a blank cell is "not recorded" (None), and a required column may not be blank;
- an enumerated value is matched by code or label, any case (sgoversight.vocabulary);
- yes/no columns read `yes`/`no` (or a spreadsheet TRUE/FALSE cell) into booleans;
- dates are written `YYYY-MM-DD`; an XLSX date cell (a date, or a datetime at midnight) is accepted;
- a date that records something that happened may not be after `today`, taken from the validation
  context (`Schema.model_validate(row, context={"today": date})`, default: the real today);
- text fits its database column;
- a spreadsheet error value (`#N/A`, `#REF!`, ...) is refused in every column, and so is a formula
  cell with no saved value (XLSX), naming the cell;
- an id may not contain invisible or direction-changing characters (zero-width spaces, bidi
  overrides, control characters): two ids that look the same must be the same id;
- a date is not before EARLIEST_DAY, the earliest date the app's forms accept.

Every rule, cross-column ones included, raises its error on ONE column (pydantic's `loc`), so a
problem can always be reported as FILE:ROW:COLUMN. Cross-column rules are declared once per schema
as `RowRule`s on the later column of the pair and run by one field validator (fields are validated
in the order declared, and `info.data` holds the earlier fields that passed), so a rule is skipped
when the column it depends on is itself invalid. The importer checks the same rules over whole
columns first (`RowRule.failing`) and validates with the model only the rows that break one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationInfo, field_validator
from pydantic_core import core_schema

from sgoversight import vocabulary as v

MAX_ID_LENGTH = 64  # models.ID
MAX_NAME_LENGTH = 200  # providers.name and registered_manager, improvement_actions.owner
MAX_ADDRESS_LENGTH = 500  # providers.address and contact
MAX_SUMMARY_LENGTH = 2_000  # CONTRACT.md §1, alerts.summary
MAX_TEXT_LENGTH = 10_000  # free text with no contract limit (plan reason, action description)
MAX_WHOLE_NUMBER = 2_147_483_647  # the largest value a database INTEGER column holds
#: The earliest date any form accepts (sgoversight.alerts.rules.EARLIEST_DAY): the same for imports.
EARLIEST_DAY = dt.date(2000, 1, 1)
#: The error values a spreadsheet shows in a cell whose formula failed.
SPREADSHEET_ERRORS = frozenset(
    {
        "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!",
        "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#GETTING_DATA",
    }
)  # fmt: skip
_LONGEST_ERROR = max(map(len, SPREADSHEET_ERRORS))
_LONGEST_CODE_TEXT = 100  # longer than any code or label of the vocabulary
_SHOWN_LENGTH = 40
_DATES_REMEMBERED = 16_384  # distinct date texts kept for the next batch of rows

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+(\.0*)?")
# Characters an id may not hold: control characters (Unicode Cc) and invisible format characters
# (Cf): zero-width spaces and joiners, direction marks, embeddings, overrides and isolates, the
# byte order mark, soft hyphen, invisible operators, tags. tests check this covers every Cc and Cf.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)


@dataclass(frozen=True)
class FormulaWithoutValue:
    """An XLSX cell holding a formula but no saved result (the file was never calculated and
    saved by a spreadsheet program): refused in every column, naming the cell."""

    reference: str
    formula: str

    def __str__(self) -> str:
        return f"={self.formula}"


# --- reading one cell -----------------------------------------------------------------------------


def blank_to_none(value: Any) -> Any:
    """Rule: a blank cell (empty, or only spaces) is not recorded; text is trimmed."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def cell_text(value: Any) -> str:
    """A non-blank cell as text: spreadsheet numbers that are whole are written without `.0`."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value).strip()


def shown(value: Any) -> str:
    """A cell as it is quoted in a message: on one line and at most 40 characters."""
    text = " ".join(cell_text(value)[: _SHOWN_LENGTH * 4].split())
    if len(text) > _SHOWN_LENGTH:
        text = text[: _SHOWN_LENGTH - 1] + "…"
    return f"'{text}'"


#: Date texts already read (bounded): a large file repeats the same few thousand dates.
_DATES: dict[str, dt.date] = {}


def _iso_date(text: str) -> dt.date | None:
    """Rule: exactly YYYY-MM-DD (four, two and two ASCII digits) naming a real date."""
    day = _DATES.get(text)
    if day is not None:
        return day
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    if len(_DATES) < _DATES_REMEMBERED:
        _DATES[text] = day
    return day


# --- one column's rule, attached to a field as Annotated metadata ---------------------------------


@dataclass(frozen=True, eq=False)
class Cell:
    """How one column is read. Subclasses implement `parse` for a non-blank cell.

    Rule: blank is None (or the column's `default`); a required column rejects blank.
    """

    required: bool = field(default=False, kw_only=True)
    default: Any = field(default=None, kw_only=True)

    def parse(self, value: Any, today: dt.date) -> Any:
        """The stored value of a non-blank cell; ValueError with a plain-English reason if not."""
        raise NotImplementedError

    def read(self, value: Any, today: dt.date) -> Any:
        """The stored value of any cell, blank included (spreadsheet errors refused)."""
        value = blank_to_none(value)
        if value is None:
            if self.required:
                raise ValueError("required: must not be blank")
            return self.default
        if type(value) is str and value[0] == "#" and len(value) <= _LONGEST_ERROR:
            if value.upper() in SPREADSHEET_ERRORS:
                raise ValueError(
                    f"{shown(value)} is a spreadsheet error value, not data: correct the "
                    "formula that gave it, or clear the cell"
                )
        elif isinstance(value, FormulaWithoutValue):
            raise ValueError(
                f"cell {value.reference} holds a formula ({shown(str(value))}) with no saved "
                "value: open the file in a spreadsheet program and save it, or paste values"
            )
        return self.parse(value, today)

    def reader(self, today: dt.date) -> Callable[[Any], Any]:
        """`read` with `today` fixed: the function the importer reads a column's cells with."""
        return partial(self.read, today=today)

    def _validate(self, value: Any) -> Any:
        return self.read(value, dt.date.today())

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # A plain validator: the cell is read by this object alone, which returns the stored type.
        return core_schema.no_info_plain_validator_function(self._validate)


@dataclass(frozen=True, eq=False)
class Text(Cell):
    """Rule: text of at most `max_length` characters, without NUL (no database can store it)."""

    max_length: int = MAX_TEXT_LENGTH

    def parse(self, value: Any, today: dt.date) -> str:
        text = cell_text(value)
        if len(text) > self.max_length:
            raise ValueError(
                f"at most {self.max_length:,} characters allowed (this has {len(text):,})"
            )
        if "\x00" in text:
            raise ValueError("contains a NUL character, which cannot be stored")
        return text

    def reader(self, today: dt.date) -> Callable[[Any], Any]:
        """`read` with a fast path for the usual cell: text that needs no message."""
        limit, read = self.max_length, self.read

        def read_text(value: Any) -> Any:
            if type(value) is str:
                text = value.strip()
                if text and len(text) <= limit and text[0] != "#" and "\x00" not in text:
                    return text
            return read(value, today)

        return read_text


@dataclass(frozen=True, eq=False)
class Identifier(Text):
    """Rule: an id is text of at most `max_length` characters with no invisible or
    direction-changing character (see _INVISIBLE)."""

    max_length: int = MAX_ID_LENGTH

    def parse(self, value: Any, today: dt.date) -> str:
        text = super().parse(value, today)
        found = _INVISIBLE.search(text)
        if found:
            raise ValueError(
                f"contains an invisible or direction-changing character "
                f"(U+{ord(found.group()):04X}) at position {found.start() + 1}: type the id again"
            )
        return text

    def reader(self, today: dt.date) -> Callable[[Any], Any]:
        """`read` with a fast path for the usual id: short visible text."""
        limit, read, invisible = self.max_length, self.read, _INVISIBLE.search

        def read_id(value: Any) -> Any:
            if type(value) is str:
                text = value.strip()
                if text and len(text) <= limit and text[0] != "#" and not invisible(text):
                    return text
            return read(value, today)

        return read_id


@dataclass(frozen=True, eq=False)
class Code(Cell):
    """Rule: one of the vocabulary's codes, written as the code or its label, any case; an
    unknown value's message names the closest code or two (`Vocabulary.normalise`)."""

    vocabulary: v.Vocabulary

    def parse(self, value: Any, today: dt.date) -> str:
        text = cell_text(value)
        if len(text) > _LONGEST_CODE_TEXT:
            raise ValueError(f"{shown(value)} is not one of: {', '.join(self.vocabulary.codes)}")
        try:
            return self.vocabulary.normalise(text)
        except ValueError as exc:
            # The vocabulary's own reason (the codes, and the closest one or two, or the codes a
            # value could mean), quoting the value as every message does.
            raise ValueError(str(exc).replace(f"'{text}'", shown(value), 1)) from None


@dataclass(frozen=True, eq=False)
class YesNo(Cell):
    """Rule: `yes` or `no` (a spreadsheet TRUE/FALSE cell is accepted too)."""

    def parse(self, value: Any, today: dt.date) -> bool:
        if isinstance(value, bool):
            return value
        try:
            return v.YES_NO.normalise(cell_text(value)) == "yes"
        except ValueError:
            raise ValueError(f"{shown(value)} is not yes or no") from None


@dataclass(frozen=True, eq=False)
class Day(Cell):
    """Rule: a date written YYYY-MM-DD (or an XLSX date cell); if `past`, not after today."""

    past: bool = True

    def parse(self, value: Any, today: dt.date) -> dt.date:
        day = _as_date(value)
        if self.past and day > today:
            raise ValueError(f"must not be in the future (today is {today.isoformat()})")
        if day < EARLIEST_DAY:
            raise ValueError(
                f"must not be before {EARLIEST_DAY.isoformat()}, the earliest date the app records"
            )
        return day

    def _validate_with_today(self, value: Any, info: core_schema.ValidationInfo) -> Any:
        try:
            today = info.context["today"]
        except (TypeError, KeyError):
            today = dt.date.today()
        if type(value) is str:
            # Fast path for the common case: a well-formed date text seen before.
            day = _DATES.get(value)
            if day is not None and (not self.past or day <= today) and day >= EARLIEST_DAY:
                return day
        return self.read(value, today)

    def __get_pydantic_core_schema__(
        self, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(self._validate_with_today)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise ValueError(f"{shown(value)} has a time of day; a date YYYY-MM-DD is expected")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        day = _iso_date(value)
        if day is not None:
            return day
        if _ISO_DATE.fullmatch(value):
            raise ValueError(f"{shown(value)} is not a real date")
    raise ValueError(f"{shown(value)} is not a date in the form YYYY-MM-DD")


@dataclass(frozen=True, eq=False)
class WholeNumber(Cell):
    """Rule: a whole number, 0 or more (and small enough for a database integer)."""

    def parse(self, value: Any, today: dt.date) -> int:
        number = _as_whole_number(value)
        if number < 0:
            raise ValueError(f"must be 0 or more (this is {number:,})")
        if number > MAX_WHOLE_NUMBER:
            raise ValueError(f"must be at most {MAX_WHOLE_NUMBER:,}")
        return number


def _as_whole_number(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        digits = value.split(".")[0]
        if len(digits.lstrip("+-")) > len(str(MAX_WHOLE_NUMBER)):
            raise ValueError(f"must be at most {MAX_WHOLE_NUMBER:,}")
        return int(digits)
    raise ValueError(f"{shown(value)} is not a whole number")


REQUIRED_ID = Identifier(required=True)
OPTIONAL_ID = Identifier()
REQUIRED_DAY = Day(required=True)
OPTIONAL_DAY = Day()


def _required(vocabulary: v.Vocabulary) -> Code:
    return Code(vocabulary, required=True)


def _optional(vocabulary: v.Vocabulary) -> Code:
    return Code(vocabulary)


# --- cross-column rules ---------------------------------------------------------------------------
#
# A rule ties one column to an earlier column of the same row. Each states its condition once, in
# `problem`; `check` applies it to one row (the models below run it as a field validator, with the
# earlier columns that passed) and `failing` to whole columns of rows whose every cell is valid
# (the importer's fast path, which then validates only the failing rows with the model, so the
# messages always come from `check`).

Columns = Mapping[str, Sequence[Any]]


@dataclass(frozen=True)
class RowRule:
    """A rule on `column` that depends on another column, `other`, declared before it."""

    column: str
    other: str

    def problem(self, value: Any, other: Any) -> str | None:
        """The message for `column` when its `value` and the row's `other` value break the rule;
        None when they keep it."""
        raise NotImplementedError

    def check(self, value: Any, data: Mapping[str, Any]) -> None:
        """Raise ValueError (the message for `column`) when the rule does not hold for one row.

        `data` holds the row's earlier columns that are valid; a rule whose `other` column is
        missing from it (invalid, reported on its own) is skipped.
        """
        if self.other in data and (message := self.problem(value, data[self.other])):
            raise ValueError(message)

    def failing(self, columns: Columns) -> list[int]:
        """The positions of the rows where the rule does not hold, given every column's values
        for rows whose every cell is valid."""
        problem = self.problem
        pairs = zip(columns[self.column], columns[self.other], strict=True)
        return [i for i, (value, other) in enumerate(pairs) if problem(value, other) is not None]


@dataclass(frozen=True)
class NotBefore(RowRule):
    """Rule: the date in `column` is on or after the (recorded) date in `other`."""

    def problem(self, value: Any, other: Any) -> str | None:
        if value is not None and other is not None and value < other:
            return f"must be on or after {self.other} ({other.isoformat()})"
        return None


@dataclass(frozen=True)
class RecordedIff(RowRule):
    """Rule: `column` is required when `other` is `code` and must be blank otherwise (closed_on
    and status: "required when status is closed, forbidden otherwise")."""

    code: str

    def problem(self, value: Any, other: Any) -> str | None:
        if other == self.code and value is None:
            return f"required when {self.other} is {self.code}"
        if other != self.code and value is not None:
            return f"must be blank unless {self.other} is {self.code} ({self.other} is {other})"
        return None


@dataclass(frozen=True)
class RequiredWhen(RowRule):
    """Rule: `column` is required when `other` is `code` (optional otherwise)."""

    code: str

    def problem(self, value: Any, other: Any) -> str | None:
        if value is None and other == self.code:
            return f"required when {self.other} is {self.code}"
        return None


@dataclass(frozen=True)
class OnlyWhen(RowRule):
    """Rule: `column` may be recorded only when `other` is `code`."""

    code: str

    def problem(self, value: Any, other: Any) -> str | None:
        if value is not None and other != self.code:
            return (
                f"only allowed when {self.other} is {self.code} ({self.other} is "
                f"{other or 'blank'})"
            )
        return None


@dataclass(frozen=True)
class Needs(RowRule):
    """Rule: `column` may be recorded only when `other` is recorded too; `why` says why."""

    why: str

    def problem(self, value: Any, other: Any) -> str | None:
        if value is not None and other is None:
            return f"needs {self.other} ({self.why})"
        return None


# --- the six files --------------------------------------------------------------------------------


class RowSchema(BaseModel):
    """One row of a contract file. Field names are the file's column names and table columns.

    A column's own rule is its `Cell`; rules across columns are the class's `rules`, checked in
    the order listed (only the first a column breaks is reported).
    """

    model_config = ConfigDict(extra="ignore", validate_default=True, frozen=True)

    #: The columns identifying a row: the upsert key.
    key_columns: ClassVar[tuple[str, ...]]
    #: The cross-column rules, in the order they are checked.
    rules: ClassVar[tuple[RowRule, ...]] = ()

    @field_validator("*")
    @classmethod
    def _cross_column_rules(cls, value: Any, info: ValidationInfo) -> Any:
        """Rule: each cross-column rule on this column holds (see `rules`)."""
        for rule in cls.rules:
            if rule.column == info.field_name:
                rule.check(value, info.data)
        return value

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """Every column of the file, in contract order."""
        return tuple(cls.model_fields)

    @classmethod
    def cell(cls, column: str) -> Cell:
        """The rule reading `column`."""
        for item in cls.model_fields[column].metadata:
            if isinstance(item, Cell):
                return item
        raise LookupError(column)

    @classmethod
    def required_columns(cls) -> tuple[str, ...]:
        """The columns the file must have (CONTRACT.md §1, "required: yes")."""
        return tuple(c for c in cls.columns() if cls.cell(c).required)


class ProviderRow(RowSchema):
    """providers.csv: a provider's service in the register."""

    key_columns: ClassVar[tuple[str, ...]] = ("provider_id",)

    provider_id: Annotated[str, REQUIRED_ID]
    name: Annotated[str, Text(max_length=MAX_NAME_LENGTH, required=True)]
    service_type: Annotated[str, _required(v.SERVICE_TYPE)]
    regulated: Annotated[bool, YesNo(required=True)]
    commissioned: Annotated[bool, YesNo(default=True)] = True
    cqc_rating: Annotated[str | None, _optional(v.CQC_RATING)] = None
    capacity: Annotated[int | None, WholeNumber()] = None
    cqc_location_id: Annotated[str | None, OPTIONAL_ID] = None
    address: Annotated[str | None, Text(max_length=MAX_ADDRESS_LENGTH)] = None
    contact: Annotated[str | None, Text(max_length=MAX_ADDRESS_LENGTH)] = None
    registered_manager: Annotated[str | None, Text(max_length=MAX_NAME_LENGTH)] = None


class AlertRow(RowSchema):
    """alerts.csv: a quality alert about a commissioned service."""

    key_columns: ClassVar[tuple[str, ...]] = ("alert_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        # closed_on iff status is closed, and on or after raised_on.
        RecordedIff("closed_on", "status", "closed"),
        NotBefore("closed_on", "raised_on"),
    )

    alert_id: Annotated[str, REQUIRED_ID]
    provider_id: Annotated[str, REQUIRED_ID]
    raised_on: Annotated[dt.date, REQUIRED_DAY]
    raised_by: Annotated[str, _required(v.ALERT_RAISED_BY)]
    category: Annotated[str, _required(v.ALERT_CATEGORY)]
    severity: Annotated[str, _required(v.SEVERITY)]
    summary: Annotated[str, Text(max_length=MAX_SUMMARY_LENGTH, required=True)]
    status: Annotated[str, _required(v.ALERT_STATUS)]
    closed_on: Annotated[dt.date | None, OPTIONAL_DAY] = None
    #: Optional: the username of the council officer who owns the alert (checked against the
    #: users table on import: a council user, never provider staff).
    assigned_to: Annotated[str | None, OPTIONAL_ID] = None


class ConcernRow(RowSchema):
    """concerns.csv: a safeguarding concern and, when it became one, its s42 enquiry."""

    key_columns: ClassVar[tuple[str, ...]] = ("concern_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        # Screening and the enquiry's start are on or after received_on.
        NotBefore("screened_on", "received_on"),
        NotBefore("enquiry_started_on", "received_on"),
        RequiredWhen("provider_id", "source_of_risk", "service_provider"),
        # A conclusion needs enquiry_started_on and is on or after it.
        Needs(
            "enquiry_concluded_on", "enquiry_started_on", "an enquiry concludes only once started"
        ),
        NotBefore("enquiry_concluded_on", "enquiry_started_on"),
        OnlyWhen("outcomes_achieved", "outcomes_asked", "yes_expressed"),
        OnlyWhen("risk_outcome", "risk_assessment", "risk_identified"),
    )

    concern_id: Annotated[str, REQUIRED_ID]
    person_id: Annotated[str, REQUIRED_ID]
    received_on: Annotated[dt.date, REQUIRED_DAY]
    screened_on: Annotated[dt.date | None, OPTIONAL_DAY] = None
    referral_source: Annotated[str, _required(v.REFERRAL_SOURCE)]
    abuse_type: Annotated[str, _required(v.ABUSE_TYPE)]
    location: Annotated[str, _required(v.LOCATION)]
    source_of_risk: Annotated[str, _required(v.SOURCE_OF_RISK)]
    provider_id: Annotated[str | None, OPTIONAL_ID] = None
    age_band: Annotated[str, _required(v.AGE_BAND)]
    gender: Annotated[str, _required(v.GENDER)]
    ethnicity: Annotated[str, _required(v.ETHNICITY)]
    enquiry_started_on: Annotated[dt.date | None, OPTIONAL_DAY] = None
    enquiry_concluded_on: Annotated[dt.date | None, OPTIONAL_DAY] = None
    outcomes_asked: Annotated[str | None, _optional(v.OUTCOMES_ASKED)] = None
    outcomes_achieved: Annotated[str | None, _optional(v.OUTCOMES_ACHIEVED)] = None
    risk_assessment: Annotated[str | None, _optional(v.RISK_ASSESSMENT)] = None
    action_taken: Annotated[bool | None, YesNo()] = None
    risk_outcome: Annotated[str | None, _optional(v.RISK_OUTCOME)] = None
    lacked_capacity: Annotated[str | None, _optional(v.LACKED_CAPACITY)] = None
    advocate_supported: Annotated[bool | None, YesNo()] = None
    protection_agreed: Annotated[str | None, _optional(v.PROTECTION_AGREED)] = None
    protection_plan_reviewed: Annotated[bool | None, YesNo()] = None
    survey_completed: Annotated[bool | None, YesNo()] = None
    feedback_to_referrer_on: Annotated[dt.date | None, OPTIONAL_DAY] = None
    feedback_to_provider_on: Annotated[dt.date | None, OPTIONAL_DAY] = None
    social_isolation: Annotated[bool | None, YesNo()] = None
    fgc_elements: Annotated[bool | None, YesNo()] = None


class PlanRow(RowSchema):
    """plans.csv: an improvement plan for a provider."""

    key_columns: ClassVar[tuple[str, ...]] = ("plan_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        # closed_on iff status is closed, and on or after opened_on.
        RecordedIff("closed_on", "status", "closed"),
        NotBefore("closed_on", "opened_on"),
    )

    plan_id: Annotated[str, REQUIRED_ID]
    provider_id: Annotated[str, REQUIRED_ID]
    opened_on: Annotated[dt.date, REQUIRED_DAY]
    reason: Annotated[str, Text(required=True)]
    status: Annotated[str, _required(v.PLAN_STATUS)]
    closed_on: Annotated[dt.date | None, OPTIONAL_DAY] = None


class ActionRow(RowSchema):
    """actions.csv: one action of an improvement plan; blank completed_on = not done."""

    key_columns: ClassVar[tuple[str, ...]] = ("action_id",)

    action_id: Annotated[str, REQUIRED_ID]
    plan_id: Annotated[str, REQUIRED_ID]
    description: Annotated[str, Text(required=True)]
    owner: Annotated[str, Text(max_length=MAX_NAME_LENGTH, required=True)]
    # A due date is a plan for the future, so it alone may be after today.
    due_on: Annotated[dt.date, Day(required=True, past=False)]
    completed_on: Annotated[dt.date | None, OPTIONAL_DAY] = None


class TrainingRow(RowSchema):
    """training.csv: a safeguarding training completion, identified by staff, type and date."""

    key_columns: ClassVar[tuple[str, ...]] = ("staff_id", "training_type", "completed_on")

    staff_id: Annotated[str, REQUIRED_ID]
    role: Annotated[str, _required(v.TRAINING_ROLE)]
    training_type: Annotated[str, _required(v.TRAINING_TYPE)]
    completed_on: Annotated[dt.date, REQUIRED_DAY]


#: The schema of each import kind (CONTRACT.md §2, `import KIND FILE`).
ROW_SCHEMAS: dict[str, type[RowSchema]] = {
    "providers": ProviderRow,
    "alerts": AlertRow,
    "concerns": ConcernRow,
    "plans": PlanRow,
    "actions": ActionRow,
    "training": TrainingRow,
}
