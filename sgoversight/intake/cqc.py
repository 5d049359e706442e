"""The Care Quality Commission (CQC) ratings feed: the monthly "latest ratings" file, read into
the register's rating history, with its consequences.

The file (XLSX or ODS, as the CQC publishes it) has a sheet `Locations`: one row per registered
location, service or population group and key question. Rules implemented here:

Reading
- The sheet is `Locations` (its name matched ignoring case). An XLSX or ODS workbook is read as
  a stream (sgoversight.intake.sheet_stream), row by row, the cells made into values only when
  needed: the national file of 320,000 rows then takes tens of MiB, where python-calamine, which
  builds the whole sheet in memory first, takes 660 MiB (XLSX) to 1,000 MiB (ODS). Anything the
  stream reader does not read (another format, an unusual layout of the XML) is read by
  python-calamine, which also gives the messages for a damaged file; both give the same values.
- The header row is the first of the sheet's first ten rows with a `Location ID` cell. Headers
  are matched by name in any order, ignoring case, spaces and punctuation; other columns are
  ignored. A sheet without one of REQUIRED_HEADERS is refused with one message naming every
  missing header.
- Only rows whose `Service / Population Group` is `Overall` are read for ratings: that group is
  the whole location (hospitals and GP practices also have rows per core service, "Medical care",
  or population group, "Older people", which rate only part of the service). Within it, `Domain`
  `Overall` is the overall rating and Safe, Effective, Caring, Responsive and Well-led are the
  five key questions; any other domain is ignored.
- `Latest Rating` Outstanding, Good, Requires improvement or Inadequate (any case or spacing) is
  that rating; any other wording ("Insufficient evidence to rate", "No published rating", blank)
  is "not rated", the wording kept. `Publication Date` is a date cell, or text `YYYY-MM-DD` or
  `DD/MM/YYYY`; blank is not recorded.
- A location's row is matched to every provider whose `cqc_location_id` is its `Location ID`
  (ignoring case and surrounding spaces). For a matched location, a publication date that cannot
  be read, or two different rows for the same key question, refuses the whole file: nothing is
  written and every problem is reported as `FILE:ROW:COLUMN: message`.

Recording (all in one transaction, or nothing)
- History: for each matched provider and key question, a new `cqc_ratings` row is added only
  when the published rating (its wording) or its publication date differs from the provider's
  latest row for that key question, or there is none; a publication older than that row (an
  older file imported late) is ignored, for the history and the register alike. So
  re-importing the same file changes nothing, and the rows of a provider are its timeline. A new
  publication that confirms the same rating is kept too: it dates the last inspection.
- The Board's `cqc_rating` indicator reads `providers.cqc_rating`. For a provider whose location
  is in the file, the published overall rating wins: the import sets `cqc_rating` to its code
  (blank when not rated) whenever they differ. A providers file may still write `cqc_rating`
  (for a service the CQC does not rate, or before the first feed); the next feed import puts the
  published rating back for a provider it matches.
- Consequences: a quality alert about the provider, raised by the Care Quality Commission
  (`raised_by` `cqc`), raised on the import day, when its overall rating falls (Outstanding >
  Good > Requires improvement > Inadequate; the previous overall rating is its latest history
  row, or on a first import the register's `cqc_rating`), or any key question (overall included)
  is newly rated Inadequate (from the provider's second file on: its first ratings are the
  baseline, its key questions unknown before). One alert per provider per import, naming every
  change and the report link; its category and severity come from config/cqc.toml
  (`inadequate_severity` when a change is to Inadequate). The weekly report flags the
  provider in the alert's week (sgoversight.weekly.rules).
- Possible gaps in the register: locations of the configured location types (default "Social
  Care Org") in the council's local authority (config `local_authority`, or when blank the
  authority most matched locations are in) that no provider in the register names. They are
  listed for the commissioner, never imported.
- Importing needs the import-data permission. A successful import writes an ImportRun (kind
  `cqc_ratings`) and an audit event, plus one per alert raised and per provider whose
  `cqc_rating` changed; a refused file writes only an `import_rejected` audit event; a dry run
  writes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sgoversight import vocabulary as v
from sgoversight.auth import Actor, Permission
from sgoversight.intake import sheet_stream
from sgoversight.intake.cqc_config import CqcConfig, load_cqc_config
from sgoversight.intake.importing import Problem
from sgoversight.store import audit
from sgoversight.store.db import session_factory, session_scope
from sgoversight.store.models import AlertStatusChange, CqcRating, ImportRun, Provider, QualityAlert
from sgoversight.uktime import long_date

#: The import's kind (ImportRun, audit entity of the import).
KIND = "cqc_ratings"
AUDIT_ENTITY = "cqc_ratings"
ALERT_ENTITY = "quality_alert"  # as sgoversight.alerts.workflow audits alerts
PROVIDER_ENTITY = "provider"
RAISED_BY = "cqc"
SHEET = "Locations"
WHOLE_SERVICE = "Overall"
MAX_FILE_BYTES = 250 * 1024 * 1024
MAX_SUMMARY = 2_000
HEADER_SEARCH_ROWS = 10
_CHUNK = 500
_ID_ATTEMPTS = 5
_ZIP_MAGIC = b"PK\x03\x04"

#: The overall rating and the five key questions, as the CQC's `Domain` names them.
KEY_QUESTION = v.Vocabulary(
    "key_question",
    {
        "overall": "Overall",
        "safe": "Safe",
        "effective": "Effective",
        "caring": "Caring",
        "responsive": "Responsive",
        "well_led": "Well-led",
    },
)
OVERALL = "overall"
INADEQUATE = "inadequate"
#: Worse ratings rank higher: a fall is a move to a higher rank.
RANK = {"outstanding": 0, "good": 1, "requires_improvement": 2, "inadequate": 3}

#: Headers the import reads, by the name the CQC gives them; a file without one is refused.
REQUIRED_HEADERS: dict[str, str] = {
    "location_id": "Location ID",
    "location_name": "Location Name",
    "local_authority": "Location Local Authority",
    "group": "Service / Population Group",
    "domain": "Domain",
    "rating": "Latest Rating",
    "published_on": "Publication Date",
    "url": "URL",
}
#: Headers read when present (shown in the list of possible gaps, or kept with a rating).
OPTIONAL_HEADERS: dict[str, str] = {
    "care_home": "Care Home?",
    "location_type": "Location Type",
    "post_code": "Location Post Code",
    "region": "Location Region",
    "report_type": "Report Type",
    "inherited": "Inherited Rating (Y/N)",
    "provider_name": "Provider Name",
}

Source = Path | str | bytes | bytearray | memoryview | BinaryIO
Progress = Callable[[float, str], None]


# --- reading the file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedRating:
    """One key question's published rating of one location, from row `row` of the file."""

    location_id: str
    key_question: str
    rating: str | None
    rating_text: str
    published_on: dt.date | None
    report_url: str | None
    inherited: bool | None
    row: int


@dataclass(frozen=True)
class Location:
    """A registered location as the file describes it (its whole-service overall row)."""

    location_id: str
    name: str
    location_type: str
    care_home: str
    post_code: str
    local_authority: str
    provider_name: str
    overall: str


@dataclass
class RatingsFile:
    """What the import needs from a ratings file: the ratings of the wanted locations, their
    description, and the gap candidates per local authority (folded name)."""

    filename: str
    rows: int = 0
    ratings: dict[str, dict[str, PublishedRating]] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    candidates: dict[str, list[Location]] = field(default_factory=dict)
    authority_names: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, row: int, column: str, message: str) -> None:
        super().__init__(message)
        self.row, self.column, self.message = row, column, message


def location_key(value: Any) -> str:
    """Rule: a location id is matched ignoring case and surrounding spaces."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else _text(value)
    return text.strip().upper()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


_DMY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def read_date(value: Any) -> dt.date | None:
    """Rule: a date cell, or text `YYYY-MM-DD` or `DD/MM/YYYY` (the CQC's own spelling); blank is
    None; anything else raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = map(int, match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not a date (YYYY-MM-DD or DD/MM/YYYY)") from None


def read_rating(text: str) -> str | None:
    """Rule: the four CQC ratings (any case, spacing or punctuation) give their code; any other
    wording, blank included, is not rated (None)."""
    try:
        return v.CQC_RATING.normalise(text) if text else None
    except ValueError:
        return None


def _workbook_source(source: Source) -> str | io.BytesIO:
    """The file as a path or in memory, at most MAX_FILE_BYTES; _Refused otherwise."""
    too_large = _Refused(1, "-", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if path.stat().st_size > MAX_FILE_BYTES:
                raise too_large
            return str(path)
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
        else:
            if getattr(source, "seekable", lambda: False)():
                source.seek(0)
            data = bytes(source.read(MAX_FILE_BYTES + 1) or b"")
    except OSError as exc:
        raise _Refused(1, "-", f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise too_large
    return io.BytesIO(data)


def _no_sheet(names: Iterable[str]) -> _Refused:
    shown = ", ".join(names) or "none"
    return _Refused(
        1,
        "-",
        f"the workbook has no sheet named '{SHEET}' (its sheets: {shown}): is this the CQC's "
        "latest ratings file?",
    )


def _streamed_sheet(workbook: str | io.BytesIO) -> Iterator[Sequence[Any]]:
    """The rows of the `Locations` sheet read as a stream (sgoversight.intake.sheet_stream): little
    memory at any size. NotStreamable for a workbook it does not read."""
    if isinstance(workbook, io.BytesIO):
        workbook.seek(0)
    try:
        rows = sheet_stream.sheet_rows(workbook, SHEET)
        first = next(rows, None)
    except sheet_stream.SheetMissing as exc:
        raise _no_sheet(exc.names) from None
    return iter(()) if first is None else itertools.chain((first,), rows)


def _calamine_sheet(workbook: str | io.BytesIO) -> Iterator[Sequence[Any]]:
    """The rows of the `Locations` sheet read by python-calamine (every spreadsheet format, the
    whole sheet in memory); _Refused when the workbook cannot be read or has no such sheet."""
    from python_calamine import CalamineWorkbook

    try:
        if isinstance(workbook, str):
            opened = CalamineWorkbook.from_path(workbook)
        else:
            workbook.seek(0)
            opened = CalamineWorkbook.from_filelike(workbook)
    except OSError as exc:
        raise _Refused(1, "-", f"cannot read the file: {exc.strerror or exc}") from None
    except Exception as exc:  # calamine raises several kinds of error for a damaged file
        raise _Refused(
            1, "-", f"not a readable XLSX or ODS workbook ({type(exc).__name__}: {exc})"
        ) from None
    names = list(opened.sheet_names)
    wanted = next((name for name in names if v.fold(name) == v.fold(SHEET)), None)
    if wanted is None:
        raise _no_sheet(names)
    try:
        return iter(opened.get_sheet_by_name(wanted).iter_rows())
    except Exception as exc:
        raise _Refused(1, "-", f"the sheet '{wanted}' cannot be read ({exc})") from None


def _header(rows: Iterator[Sequence[Any]]) -> tuple[int, dict[str, int]]:
    """The header row's number and each known header's position (see the module's rules)."""
    wanted = {v.fold(name): key for key, name in (REQUIRED_HEADERS | OPTIONAL_HEADERS).items()}
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        cells = next(rows, None)
        if cells is None:
            break
        folded = [v.fold(_text(cell)) for cell in cells]
        if v.fold(REQUIRED_HEADERS["location_id"]) not in folded:
            continue
        positions: dict[str, int] = {}
        for index, name in enumerate(folded):
            key = wanted.get(name)
            if key is not None and key not in positions:
                positions[key] = index
        missing = [name for key, name in REQUIRED_HEADERS.items() if key not in positions]
        if missing:
            raise _Refused(
                number,
                "-",
                "not the CQC ratings layout: missing "
                f"{'header' if len(missing) == 1 else 'headers'} {', '.join(missing)}",
            )
        return number, positions
    raise _Refused(
        1,
        "-",
        f"not the CQC ratings layout: no header row with 'Location ID' in the first "
        f"{HEADER_SEARCH_ROWS} rows (needs {', '.join(REQUIRED_HEADERS.values())})",
    )


def read_ratings_file(
    source: Source,
    wanted: Iterable[str],
    *,
    filename: str,
    gap_location_types: Iterable[str] = ("Social Care Org",),
) -> RatingsFile:
    """Read the file's whole-service ratings of the `wanted` location ids (location_key form) and
    the gap candidates (see the module's rules). A problem with the file as a whole or with a
    matched row is in `problems`; never an exception for a bad file."""
    wanted = set(wanted)
    try:
        workbook = _workbook_source(source)
    except _Refused as exc:
        return RatingsFile(filename, problems=[Problem(filename, exc.row, exc.column, exc.message)])
    try:
        return _read_sheet(_streamed_sheet, workbook, wanted, filename, gap_location_types)
    except sheet_stream.NotStreamable:
        return _read_sheet(_calamine_sheet, workbook, wanted, filename, gap_location_types)


def _read_sheet(
    opener: Callable[[str | io.BytesIO], Iterator[Sequence[Any]]],
    workbook: str | io.BytesIO,
    wanted: set[str],
    filename: str,
    gap_location_types: Iterable[str],
) -> RatingsFile:
    """read_ratings_file with the sheet's rows from `opener` (NotStreamable passes through)."""
    result = RatingsFile(filename=filename)
    try:
        rows = opener(workbook)
        header_row, at = _header(rows)
    except _Refused as exc:
        result.problems.append(Problem(filename, exc.row, exc.column, exc.message))
        return result
    gap_types = {v.fold(name) for name in gap_location_types}
    whole = v.fold(WHOLE_SERVICE)
    folded: dict[Any, str] = {}
    domains: dict[str, str | None] = {}

    def fold_cached(value: Any) -> str:
        found = folded.get(value)
        if found is None:
            found = folded[value] = v.fold(_text(value))
        return found

    def domain_code(value: Any) -> str | None:
        key = fold_cached(value)
        if key not in domains:
            try:
                domains[key] = KEY_QUESTION.normalise(key)
            except ValueError:
                domains[key] = None
        return domains[key]

    i_loc, i_group, i_domain = at["location_id"], at["group"], at["domain"]
    width = max(at.values()) + 1
    count = 0
    for number, cells in enumerate(rows, start=header_row + 1):
        if type(cells) is list and len(cells) < width:  # a streamed row reads "" past its end
            if not any(cell not in (None, "") for cell in cells):
                continue
            cells = [*cells, *([None] * (width - len(cells)))]
        raw_location = cells[i_loc]
        if raw_location is None or raw_location == "":
            continue
        count += 1
        if fold_cached(cells[i_group]) != whole:
            continue
        key = location_key(raw_location)
        if key in wanted:
            code = domain_code(cells[i_domain])
            if code is not None:
                _take_rating(result, key, code, cells, at, number)
                if code == OVERALL:
                    result.locations[key] = _location(key, cells, at)
        elif domain_code(cells[i_domain]) == OVERALL and (
            "location_type" not in at or fold_cached(cells[at["location_type"]]) in gap_types
        ):
            place = _location(key, cells, at)
            authority = v.fold(place.local_authority)
            result.candidates.setdefault(authority, []).append(place)
            result.authority_names.setdefault(authority, place.local_authority)
    result.rows = count
    return result


def _cell(cells: Sequence[Any], at: Mapping[str, int], key: str) -> Any:
    index = at.get(key)
    return cells[index] if index is not None else None


def _location(key: str, cells: Sequence[Any], at: Mapping[str, int]) -> Location:
    return Location(
        location_id=_text(_cell(cells, at, "location_id")) or key,
        name=_text(_cell(cells, at, "location_name")),
        location_type=_text(_cell(cells, at, "location_type")),
        care_home=_text(_cell(cells, at, "care_home")),
        post_code=_text(_cell(cells, at, "post_code")),
        local_authority=_text(_cell(cells, at, "local_authority")),
        provider_name=_text(_cell(cells, at, "provider_name")),
        overall=_text(_cell(cells, at, "rating")),
    )


def _take_rating(
    result: RatingsFile,
    key: str,
    code: str,
    cells: Sequence[Any],
    at: Mapping[str, int],
    number: int,
) -> None:
    """Record one matched row's rating, or a problem (unreadable date, a conflicting repeat)."""
    name = result.filename
    try:
        published_on = read_date(cells[at["published_on"]])
    except ValueError as exc:
        result.problems.append(Problem(name, number, REQUIRED_HEADERS["published_on"], str(exc)))
        return
    text = " ".join(_text(cells[at["rating"]]).split())[:64]
    inherited_text = v.fold(_text(_cell(cells, at, "inherited")))
    url = _text(cells[at["url"]])[:500] or None
    rating = PublishedRating(
        location_id=_text(cells[at["location_id"]]),
        key_question=code,
        rating=read_rating(text),
        rating_text=text or "Not rated",
        published_on=published_on,
        report_url=url,
        inherited={"y": True, "yes": True, "n": False, "no": False}.get(inherited_text),
        row=number,
    )
    found = result.ratings.setdefault(key, {})
    earlier = found.get(code)
    if earlier is None:
        found[code] = rating
    elif (earlier.rating_text, earlier.published_on) != (rating.rating_text, rating.published_on):
        result.problems.append(
            Problem(
                name,
                number,
                REQUIRED_HEADERS["domain"],
                f"location {rating.location_id} has a second, different "
                f"'{KEY_QUESTION.label(code)}' rating for the whole service (first on row "
                f"{earlier.row})",
            )
        )


# --- what changes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    """A provider's latest recorded rating of one key question."""

    rating: str | None
    rating_text: str
    published_on: dt.date | None
    location_id: str


def is_older(prior: Prior | None, published: PublishedRating) -> bool:
    """Rule: a publication dated before the latest recorded one (an older file imported after a
    newer one) is older: never recorded, never the register's rating."""
    return (
        prior is not None
        and prior.published_on is not None
        and published.published_on is not None
        and published.published_on < prior.published_on
    )


def is_new(prior: Prior | None, published: PublishedRating) -> bool:
    """Rule: a published rating is recorded when there is no earlier one, or when it is not older
    (is_older) and its wording, publication date or location differs from the latest recorded."""
    if prior is None:
        return True
    if is_older(prior, published):
        return False
    return (prior.rating_text, prior.published_on, location_key(prior.location_id)) != (
        published.rating_text,
        published.published_on,
        location_key(published.location_id),
    )


def rating_changes(
    prior: Mapping[str, Prior],
    published: Mapping[str, PublishedRating],
    register_rating: str | None,
) -> list[str]:
    """The changes that raise an alert, as sentences: the overall rating fell (from its latest
    recorded rating, or with none recorded from the register's `cqc_rating`), and each key
    question (overall included) newly rated Inadequate: rated otherwise or not at all before.

    The first ratings recorded for a provider (`prior` empty) are its baseline: only a fall from
    the register's rating counts then, since what its key questions were is not known."""
    changes: list[str] = []
    overall = published.get(OVERALL)
    if overall is not None and overall.rating is not None:
        before = prior[OVERALL].rating if OVERALL in prior else register_rating
        if before in RANK and RANK[overall.rating] > RANK[before]:
            changes.append(
                f"overall rating fell from {v.CQC_RATING.label(before)} to "
                f"{v.CQC_RATING.label(overall.rating)}"
            )
    if not prior:
        return changes
    for code in KEY_QUESTION.codes:
        now = published.get(code)
        if now is None or now.rating != INADEQUATE:
            continue
        before = prior[code].rating if code in prior else None
        if before == INADEQUATE:
            continue
        if code == OVERALL and changes:
            continue  # the fall to Inadequate already says it
        changes.append(f"{KEY_QUESTION.label(code)} newly rated Inadequate")
    return changes


def alert_summary(
    name: str, location_id: str, changes: Sequence[str], published: Mapping[str, PublishedRating]
) -> str:
    """The alert's summary: the provider, every change, the publication date and the report
    link, at most 2,000 characters."""
    dates = [p.published_on for p in published.values() if p.published_on is not None]
    url = next((p.report_url for p in published.values() if p.report_url), None)
    when = f", published {long_date(max(dates))}" if dates else ""
    text = (
        f"Care Quality Commission (CQC) ratings for {name} (location {location_id}){when}: "
        + "; ".join(changes)
        + "."
    )
    if url:
        text += f" Report: {url}"
    return text[:MAX_SUMMARY]


# --- the import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchedProvider:
    """A provider of the register whose location is in the file, and what the import found."""

    provider_id: str
    name: str
    location_id: str
    ratings: dict[str, PublishedRating]
    new_ratings: int
    changes: tuple[str, ...]
    rating_before: str | None

    @property
    def overall(self) -> str | None:
        found = self.ratings.get(OVERALL)
        return found.rating if found else None

    @property
    def overall_text(self) -> str:
        found = self.ratings.get(OVERALL)
        return found.rating_text if found else "No overall rating in the file"

    @property
    def last_published(self) -> dt.date | None:
        dates = [r.published_on for r in self.ratings.values() if r.published_on is not None]
        return max(dates, default=None)


@dataclass(frozen=True)
class RaisedAlert:
    """A quality alert the import raised (or, in a dry run, would raise: no id)."""

    alert_id: str
    provider_id: str
    provider_name: str
    severity: str
    summary: str


@dataclass
class CqcImportReport:
    """What a ratings import found and did. `ok` is False when the file was refused."""

    filename: str
    dry_run: bool = False
    rows: int = 0
    matched: list[MatchedProvider] = field(default_factory=list)
    not_in_file: list[tuple[str, str, str]] = field(default_factory=list)
    gaps: list[Location] = field(default_factory=list)
    local_authority: str | None = None
    alerts: list[RaisedAlert] = field(default_factory=list)
    new_ratings: int = 0
    ratings_updated: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: rows read, providers matched, new ratings, alerts and possible gaps."""
        if not self.ok:
            count = len(self.problems)
            return (
                f"{self.filename}: rejected, {count} problem{'s' if count != 1 else ''}; "
                "nothing written"
            )
        line = (
            f"{self.filename}: {self.rows:,} rows read, {_plural(len(self.matched), 'provider')} "
            f"matched, {_plural(self.new_ratings, 'new rating')} recorded, "
            f"{_plural(self.ratings_updated, 'register rating')} updated, "
            f"{_plural(len(self.alerts), 'quality alert')} raised, "
            f"{_plural(len(self.gaps), 'possible gap')} in the register"
        )
        return line + (" (dry run: nothing written)" if self.dry_run else "")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _display_name(source: Source, filename: str | None) -> str:
    name = filename
    if name is None and isinstance(source, str | os.PathLike):
        name = os.fspath(source)
    if name is None:
        name = getattr(source, "name", None)
    if not isinstance(name, str) or not name.strip():
        return "cqc-ratings.xlsx"
    return PurePath(name.strip()).name


def _register(session: Session) -> dict[str, list[tuple[str, str, str | None]]]:
    """location_key → [(provider_id, name, cqc_rating)] of the providers naming a location."""
    found: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    statement = select(
        Provider.provider_id, Provider.name, Provider.cqc_location_id, Provider.cqc_rating
    ).where(Provider.cqc_location_id.is_not(None))
    for provider_id, name, location, rating in session.execute(statement):
        if key := location_key(location):
            found[key].append((provider_id, name, rating))
    return found


def _priors(session: Session, provider_ids: Sequence[str]) -> dict[str, dict[str, Prior]]:
    """provider_id → key question → its latest recorded rating."""
    latest: dict[str, dict[str, Prior]] = defaultdict(dict)
    for start in range(0, len(provider_ids), _CHUNK):
        chunk = provider_ids[start : start + _CHUNK]
        statement = (
            select(
                CqcRating.provider_id,
                CqcRating.key_question,
                CqcRating.rating,
                CqcRating.rating_text,
                CqcRating.published_on,
                CqcRating.location_id,
            )
            .where(CqcRating.provider_id.in_(chunk))
            .order_by(CqcRating.id)
        )
        for provider_id, question, rating, text, published_on, location in session.execute(
            statement
        ):
            latest[provider_id][question] = Prior(rating, text, published_on, location)
    return latest


def import_ratings(
    engine: Engine,
    source: Source,
    *,
    actor: Actor,
    filename: str | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    config: CqcConfig | None = None,
    progress: Progress | None = None,
) -> CqcImportReport:
    """Read a CQC ratings file and record it (see the module's rules); returns the report.

    Raises PermissionDenied unless the actor may import data, BadInput for a broken config; a
    bad file is never an exception but a report with problems (audited unless a dry run).
    """
    actor.require(Permission.IMPORT_DATA)
    config = config if config is not None else load_cqc_config()
    today = today or dt.date.today()
    name = _display_name(source, filename)
    report = CqcImportReport(filename=name, dry_run=dry_run)
    notify = progress or (lambda _fraction, _message: None)
    notify(0.0, f"Reading {name}")
    with Session(engine) as session:
        register = _register(session)
    read = read_ratings_file(
        source, register, filename=name, gap_location_types=config.gap_location_types
    )
    report.rows = read.rows
    if read.problems:
        report.problems = read.problems
        if not dry_run:
            _record_rejection(engine, actor, report)
        notify(1.0, report.summary())
        return report
    notify(0.7, "Comparing with the ratings already recorded")
    report = record_ratings(engine, read, actor=actor, today=today, config=config, dry_run=dry_run)
    notify(1.0, report.summary())
    return report


def record_ratings(
    engine: Engine,
    read: RatingsFile,
    *,
    actor: Actor,
    today: dt.date | None = None,
    config: CqcConfig | None = None,
    dry_run: bool = False,
) -> CqcImportReport:
    """Record ratings already read (from read_ratings_file, or built by the demo borough) with
    every rule of an import: history, the register's rating, alerts, gaps, audit; returns the
    report. Needs the import-data permission."""
    actor.require(Permission.IMPORT_DATA)
    config = config if config is not None else load_cqc_config()
    today = today or dt.date.today()
    report = CqcImportReport(filename=read.filename, dry_run=dry_run, rows=read.rows)
    with Session(engine) as session:
        register = _register(session)
    _possible_gaps(report, read, register, config)
    for location, providers in sorted(register.items()):
        if location not in read.ratings:
            report.not_in_file.extend((pid, pname, location) for pid, pname, _r in providers)
    for attempt in range(_ID_ATTEMPTS):
        try:
            _record(engine, actor, read, register, report, config, today, dry_run)
            break
        except IntegrityError:  # an alert id taken by someone logging an alert at the same time
            if attempt == _ID_ATTEMPTS - 1:
                raise
    return report


def _possible_gaps(
    report: CqcImportReport,
    read: RatingsFile,
    register: Mapping[str, Any],
    config: CqcConfig,
) -> None:
    """Rule: the council's authority is config's, else the one most matched locations are in;
    its candidate locations no provider names are the possible gaps, sorted by name."""
    if config.local_authority.strip():
        authority = v.fold(config.local_authority)
        report.local_authority = config.local_authority.strip()
    else:
        counted = Counter(v.fold(place.local_authority) for place in read.locations.values())
        counted.pop("", None)
        if not counted:
            return
        authority = counted.most_common(1)[0][0]
        report.local_authority = next(
            place.local_authority
            for place in read.locations.values()
            if v.fold(place.local_authority) == authority
        )
    seen: set[str] = set()
    for place in read.candidates.get(authority, []):
        key = location_key(place.location_id)
        if key not in register and key not in seen:
            seen.add(key)
            report.gaps.append(place)
    report.gaps.sort(key=lambda place: (place.name.casefold(), place.location_id))


def _record(
    engine: Engine,
    actor: Actor,
    read: RatingsFile,
    register: Mapping[str, list[tuple[str, str, str | None]]],
    report: CqcImportReport,
    config: CqcConfig,
    today: dt.date,
    dry_run: bool,
) -> None:
    """Work out and (unless a dry run) write the new ratings, register ratings and alerts in one
    transaction, with the ImportRun and audit events.

    Rule: the writes go through the one write transaction (db.session_scope: all or nothing); a
    dry run only reads, in a session that is closed without committing.
    """
    from sgoversight.alerts.intake import next_alert_id  # the one id allocator of alerts

    report.matched, report.alerts = [], []
    report.new_ratings = report.ratings_updated = 0
    transaction = session_factory(engine)() if dry_run else session_scope(engine)
    with transaction as session:
        matched = [
            (location, provider)
            for location, providers in sorted(register.items())
            if location in read.ratings
            for provider in providers
        ]
        priors = _priors(session, [provider[0] for _location, provider in matched])
        for location, (provider_id, name, _rating) in matched:
            published = read.ratings[location]
            prior = priors.get(provider_id, {})
            stored = session.get(Provider, provider_id)
            if stored is None:  # removed since the register was read
                continue
            register_rating = stored.cqc_rating
            fresh = [p for code, p in published.items() if is_new(prior.get(code), p)]
            changed = {p.key_question: p for p in fresh}
            changes = rating_changes(prior, changed, register_rating) if fresh else []
            report.matched.append(
                MatchedProvider(
                    provider_id,
                    name,
                    next(iter(published.values())).location_id,
                    dict(published),
                    len(fresh),
                    tuple(changes),
                    register_rating,
                )
            )
            report.new_ratings += len(fresh)
            overall = published.get(OVERALL)
            if overall is not None and is_older(prior.get(OVERALL), overall):
                overall = None  # the register keeps the newer rating already recorded
            if overall is not None and overall.rating != register_rating:
                report.ratings_updated += 1
            if dry_run:
                if changes:
                    report.alerts.append(
                        RaisedAlert(
                            "",
                            provider_id,
                            name,
                            _severity(changes, config),
                            alert_summary(name, location_id_of(published), changes, changed),
                        )
                    )
                continue
            for rating in sorted(fresh, key=lambda p: KEY_QUESTION.codes.index(p.key_question)):
                session.add(
                    CqcRating(
                        provider_id=provider_id,
                        location_id=rating.location_id,
                        key_question=rating.key_question,
                        rating=rating.rating,
                        rating_text=rating.rating_text,
                        published_on=rating.published_on,
                        report_url=rating.report_url,
                        inherited=rating.inherited,
                        source=read.filename[:255],
                    )
                )
            if overall is not None and overall.rating != register_rating:
                stored.cqc_rating = overall.rating
                audit.record(
                    session,
                    actor,
                    "update",
                    PROVIDER_ENTITY,
                    provider_id,
                    before={"cqc_rating": register_rating},
                    after={"cqc_rating": overall.rating},
                    detail=f"Published CQC overall rating from {read.filename}",
                )
            if changes:
                severity = _severity(changes, config)
                summary = alert_summary(name, location_id_of(published), changes, changed)
                session.flush()
                alert_id = next_alert_id(session, today.year)
                session.add(
                    QualityAlert(
                        alert_id=alert_id,
                        provider_id=provider_id,
                        raised_on=today,
                        raised_by=RAISED_BY,
                        category=config.alert_category,
                        severity=severity,
                        summary=summary,
                        status="open",
                    )
                )
                session.add(
                    AlertStatusChange(
                        alert_id=alert_id,
                        from_status=None,
                        to_status="open",
                        changed_on=today,
                        changed_by=actor.username,
                        reason="Raised by the CQC ratings import",
                    )
                )
                session.flush()
                audit.record(
                    session,
                    actor,
                    "create",
                    ALERT_ENTITY,
                    alert_id,
                    after={
                        "provider_id": provider_id,
                        "raised_on": today,
                        "raised_by": RAISED_BY,
                        "category": config.alert_category,
                        "severity": severity,
                        "summary": summary,
                    },
                    detail=f"Raised by the CQC ratings import of {read.filename}",
                )
                report.alerts.append(RaisedAlert(alert_id, provider_id, name, severity, summary))
        if dry_run:
            return
        session.add(
            ImportRun(
                kind=KIND,
                filename=read.filename[:255],
                imported_by=actor.username,
                rows=read.rows,
                created=report.new_ratings,
                updated=report.ratings_updated,
                unchanged=sum(1 for m in report.matched if not m.new_ratings),
            )
        )
        audit.record(
            session,
            actor,
            "import",
            AUDIT_ENTITY,
            read.filename[:128],
            detail=report.summary(),
            after={
                "matched": [m.provider_id for m in report.matched][:1000],
                "new_ratings": report.new_ratings,
                "alerts": [a.alert_id for a in report.alerts],
                "possible_gaps": [g.location_id for g in report.gaps][:1000],
            },
        )


def _severity(changes: Sequence[str], config: CqcConfig) -> str:
    """Rule: `inadequate_severity` when a change is to Inadequate, else `alert_severity`."""
    if any("Inadequate" in change for change in changes):
        return config.inadequate_severity
    return config.alert_severity


def location_id_of(published: Mapping[str, PublishedRating]) -> str:
    """The location id as the file writes it (from the overall row when there is one)."""
    overall = published.get(OVERALL)
    return (overall or next(iter(published.values()))).location_id


def _record_rejection(engine: Engine, actor: Actor, report: CqcImportReport) -> None:
    """Rule: a refused file is audited in a transaction of its own; no data is written."""
    with session_scope(engine) as session:
        audit.record(
            session,
            actor,
            "import_rejected",
            AUDIT_ENTITY,
            report.filename[:128],
            detail=report.summary(),
            after={"problems": [str(p) for p in report.problems[:50]], "rows": report.rows},
        )


# --- reading what was recorded --------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRating:
    """One row of a provider's rating history."""

    key_question: str
    rating: str | None
    rating_text: str
    published_on: dt.date | None
    report_url: str | None
    location_id: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class ProviderCqc:
    """A provider's CQC ratings: the latest per key question (overall first), every recorded
    change (newest publication first), and the date of its last published report."""

    provider_id: str
    location_id: str | None
    current: dict[str, RecordedRating]
    history: tuple[RecordedRating, ...]

    @property
    def last_published(self) -> dt.date | None:
        """Rule: the last inspection is dated by the newest publication date among the current
        ratings (the file carries no inspection date)."""
        dates = [r.published_on for r in self.current.values() if r.published_on is not None]
        return max(dates, default=None)

    @property
    def report_url(self) -> str | None:
        overall = self.current.get(OVERALL)
        if overall is not None and overall.report_url:
            return overall.report_url
        return next((r.report_url for r in self.current.values() if r.report_url), None)


def provider_ratings(engine: Engine, actor: Actor, provider_id: str) -> ProviderCqc:
    """The provider's recorded CQC ratings (needs VIEW_BOARD; a provider user only their own)."""
    actor.require(Permission.VIEW_BOARD)
    actor.require_provider(provider_id)
    with Session(engine) as session:
        location = session.scalar(
            select(Provider.cqc_location_id).where(Provider.provider_id == provider_id)
        )
        rows = session.execute(
            select(
                CqcRating.key_question,
                CqcRating.rating,
                CqcRating.rating_text,
                CqcRating.published_on,
                CqcRating.report_url,
                CqcRating.location_id,
                CqcRating.recorded_at,
            )
            .where(CqcRating.provider_id == provider_id)
            .order_by(CqcRating.id)
        ).all()
    history = [RecordedRating(*row) for row in rows]
    current: dict[str, RecordedRating] = {}
    for row in history:
        current[row.key_question] = row
    ordered = {code: current[code] for code in KEY_QUESTION.codes if code in current}
    order = {code: index for index, code in enumerate(KEY_QUESTION.codes)}
    # Newest publication first; within one, overall then the key questions in the CQC's order.
    timeline = sorted(
        enumerate(history),
        key=lambda item: (
            item[1].published_on or dt.date.min,
            -order.get(item[1].key_question, len(order)),
            item[0],
        ),
        reverse=True,
    )
    return ProviderCqc(provider_id, location, ordered, tuple(row for _i, row in timeline))


@dataclass(frozen=True)
class OldInspection:
    """A provider whose last CQC report was published more than the configured years ago."""

    provider_id: str
    name: str
    location_id: str
    last_published: dt.date
    overall: str | None


def years_ago(today: dt.date, years: int) -> dt.date:
    """The same day `years` years before `today` (29 February → 28 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def old_inspections(
    engine: Engine, actor: Actor, today: dt.date, years: int | None = None
) -> list[OldInspection]:
    """Providers whose last published CQC report (ProviderCqc.last_published) is dated before
    the same day `years` years ago (config `inspection_older_than_years`), oldest first. Needs
    VIEW_BOARD; a provider user sees only their own."""
    actor.require(Permission.VIEW_BOARD)
    scope = actor.provider_scope()
    years = years if years is not None else load_cqc_config().inspection_older_than_years
    cutoff = years_ago(today, years)
    statement = select(
        CqcRating.provider_id,
        CqcRating.key_question,
        CqcRating.rating,
        CqcRating.published_on,
        CqcRating.location_id,
    ).order_by(CqcRating.id)
    if scope is not None:
        statement = statement.where(CqcRating.provider_id == scope)
    with Session(engine) as session:
        latest: dict[str, dict[str, tuple[str | None, dt.date | None, str]]] = defaultdict(dict)
        for provider_id, question, rating, published_on, location in session.execute(statement):
            latest[provider_id][question] = (rating, published_on, location)
        names = dict(session.execute(select(Provider.provider_id, Provider.name)).all())
    found = []
    for provider_id, questions in latest.items():
        dates = [day for _r, day, _l in questions.values() if day is not None]
        if not dates or max(dates) >= cutoff:
            continue
        overall = questions.get(OVERALL)
        location = overall[2] if overall else next(iter(questions.values()))[2]
        found.append(
            OldInspection(
                provider_id,
                names.get(provider_id, provider_id),
                location,
                max(dates),
                overall[0] if overall else None,
            )
        )
    return sorted(found, key=lambda item: (item.last_published, item.name.casefold()))


def inspection_age(published_on: dt.date, today: dt.date) -> str:
    """How long ago a report was published, in plain words: "3 years and 2 months ago",
    "5 months ago", "this month"."""
    months = (today.year - published_on.year) * 12 + today.month - published_on.month
    if today.day < published_on.day:
        months -= 1
    months = max(months, 0)
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if months:
        parts.append(f"{months} month{'s' if months != 1 else ''}")
    return " and ".join(parts) + " ago" if parts else "less than a month ago"


# --- the command line -----------------------------------------------------------------------------


def report_lines(report: CqcImportReport) -> list[str]:
    """The report as the command line prints it: the summary, then each matched provider whose
    ratings changed, each alert raised, each provider whose location is not in the file and
    each possible gap in the register."""
    lines = [report.summary()]
    changed = [m for m in report.matched if m.new_ratings]
    if changed:
        lines.append("New ratings:")
        for m in changed:
            when = f", published {m.last_published.isoformat()}" if m.last_published else ""
            lines.append(
                f"  {m.provider_id} {m.name} ({m.location_id}): overall {m.overall_text}{when}"
            )
    if report.alerts:
        lines.append("Quality alerts raised:" if not report.dry_run else "Would raise:")
        for alert in report.alerts:
            lines.append(f"  {alert.alert_id or '-'} {alert.severity}: {alert.summary}")
    if report.not_in_file:
        lines.append("In the register but not in the file (check the location id):")
        for provider_id, name, location in report.not_in_file:
            lines.append(f"  {provider_id} {name}: {location}")
    if report.gaps:
        lines.append(
            f"Registered in {report.local_authority} but not in the register (possible gaps):"
        )
        for place in report.gaps:
            lines.append(
                f"  {place.location_id} {place.name}, {place.post_code} ({place.overall or '-'})"
            )
    return lines


def run_command(engine: Engine, path: Path, *, actor: Actor, dry_run: bool) -> int:
    """`python -m sgoversight import cqc-ratings FILE [--dry-run]`: import and print the report;
    exit code 0, or 2 when the file is refused (its problems on stderr, nothing written)."""
    import sys

    report = import_ratings(engine, path, actor=actor, dry_run=dry_run)
    if not report.ok:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(report.summary(), file=sys.stderr)
        return 2
    print("\n".join(report_lines(report)))
    return 0
