"""The alert register's search and filters, kept in the address bar by codes and ids (never by
labels), so a link reproduces the list.

Rules: when the address's filters are not the ones the page last wrote (a link, a reload in a new
session, typing, back or forward), the address wins; an unknown code in the address is dropped,
never an error. No status parameter means the default (open and in progress); `status=any` means
every status. Provider staff have no provider or assigned filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from sgoversight.alerts.register import (
    AGE_FILTER_CODES,
    AGE_FILTERS,
    ASSIGNED_FILTER,
    RISK_FILTER,
)
from sgoversight.search import MAX_SEARCH
from sgoversight.vocabulary import (
    ALERT_CATEGORY,
    ALERT_RAISED_BY,
    ALERT_STATUS,
    SEVERITY,
    Vocabulary,
)
from ui.alerts_state import K

FILTERS = {  # address parameter → session key of its widget
    "provider": f"{K}f_provider",
    "category": f"{K}f_category",
    "severity": f"{K}f_severity",
    "status": f"{K}f_status",
    "raised_by": f"{K}f_raised_by",
    "age": f"{K}f_age",
    "past_response": f"{K}f_past_response",
    "risk": f"{K}f_risk",
    "assigned": f"{K}f_assigned",
    "q": f"{K}f_search",
}
DEFAULT_STATUSES = ["open", "in_progress"]
ANY = "any"  # ?status=any: every status (no parameter means the default, open and in progress)
WRITTEN = f"{K}address_written"
#: The filters that choose codes of a vocabulary, in the order drawn: address parameter, label,
#: vocabulary, and what the empty choice means.
_CODED_FILTERS: tuple[tuple[str, str, Vocabulary, str], ...] = (
    ("category", "Category", ALERT_CATEGORY, "All categories"),
    ("severity", "Severity", SEVERITY, "All severities"),
    ("status", "Status", ALERT_STATUS, "Any status"),
    ("raised_by", "Raised by", ALERT_RAISED_BY, "Anyone"),
)


@dataclass(frozen=True)
class RegisterFilters:
    """What the person asked the register for: codes and ids, as the widgets hold them."""

    search: str
    provider_ids: list[str]
    categories: list[str]
    severities: list[str]
    statuses: list[str]
    raised_by: list[str]
    age: str
    risk: list[str]
    assigned: list[str]
    past_only: bool

    def query(self) -> dict[str, Any]:
        """The filters as sgoversight.alerts.register.alert_register takes them."""
        low, high = AGE_FILTERS[self.age]
        return {
            "provider_ids": self.provider_ids,
            "categories": self.categories,
            "severities": self.severities,
            "statuses": self.statuses,
            "raised_by": self.raised_by,
            "min_days_open": low,
            "max_days_open": high,
            "past_response_only": self.past_only,
            "risk": self.risk,
            "assigned": self.assigned,
            "search": self.search,
        }

    def in_words(self, names: dict[str, str]) -> str:
        """The filters in words, for the downloads' note ("none" when nothing is filtered)."""
        filters = [
            f"{label}: {', '.join(values)}"
            for label, values in (
                ("Providers", [names.get(p, p) for p in self.provider_ids]),
                ("Categories", [ALERT_CATEGORY.label(c) for c in self.categories]),
                ("Severities", [SEVERITY.label(c) for c in self.severities]),
                ("Statuses", [ALERT_STATUS.label(c) for c in self.statuses]),
                ("Raised by", [ALERT_RAISED_BY.label(c) for c in self.raised_by]),
                ("Someone at risk of harm", [RISK_FILTER[c] for c in self.risk]),
                ("Assigned", [ASSIGNED_FILTER[c] for c in self.assigned]),
            )
            if values
        ]
        if self.search.strip():
            filters.append(f"Search: {self.search.strip()}")
        if self.age != "Any age":
            filters.append(f"Open for: {self.age}")
        if self.past_only:
            filters.append("Only past response time")
        return "; ".join(filters) if filters else "none"


def _codes(value: str | None, allowed: list[str]) -> list[str]:
    """The comma-separated codes of an address parameter that are offered, in the offered order
    (an unknown code is dropped, never an error: the link still opens)."""
    asked = {part.strip() for part in (value or "").split(",")}
    return [code for code in allowed if code in asked]


def _address_filters() -> dict[str, str | None]:
    return {param: st.query_params.get(param) for param in FILTERS}


def _read_address(provider_ids: list[str], council: bool) -> None:
    """Rule: when the address's filters are not the ones this page last wrote (a link, a reload
    in a new session, typing, back or forward), the address wins: each filter is set from it and
    a filter it does not name goes back to its default."""
    asked = _address_filters()
    state = st.session_state
    if asked == state.get(WRITTEN) and FILTERS["status"] in state:
        return
    state[FILTERS["provider"]] = _codes(asked["provider"], provider_ids)
    state[FILTERS["category"]] = _codes(asked["category"], ALERT_CATEGORY.codes)
    state[FILTERS["severity"]] = _codes(asked["severity"], SEVERITY.codes)
    status = asked["status"]
    state[FILTERS["status"]] = (
        DEFAULT_STATUSES if status is None else _codes(status, ALERT_STATUS.codes)
    )
    state[FILTERS["raised_by"]] = _codes(asked["raised_by"], ALERT_RAISED_BY.codes)
    state[FILTERS["age"]] = AGE_FILTER_CODES.get(asked["age"] or "", "Any age")
    state[FILTERS["past_response"]] = asked["past_response"] == "yes"
    state[FILTERS["risk"]] = _codes(asked["risk"], list(RISK_FILTER))
    # Provider staff have no provider or assigned choice: those parameters are not theirs.
    state[FILTERS["assigned"]] = _codes(asked["assigned"], list(ASSIGNED_FILTER)) if council else []
    state[FILTERS["q"]] = (asked["q"] or "")[:MAX_SEARCH]


def _write_address() -> None:
    """Put every filter in the address bar (codes and ids only); an empty filter is left out,
    except status, whose empty choice is written `any` (no parameter means the default)."""
    state = st.session_state
    age_codes = {label: code for code, label in AGE_FILTER_CODES.items()}
    values: dict[str, str | None] = {
        "provider": ",".join(state.get(FILTERS["provider"]) or []),
        "category": ",".join(state[FILTERS["category"]]),
        "severity": ",".join(state[FILTERS["severity"]]),
        "status": ",".join(state[FILTERS["status"]]) or ANY,
        "raised_by": ",".join(state[FILTERS["raised_by"]]),
        "age": age_codes.get(state[FILTERS["age"]], ANY),
        "past_response": "yes" if state[FILTERS["past_response"]] else "",
        "risk": ",".join(state[FILTERS["risk"]]),
        "assigned": ",".join(state.get(FILTERS["assigned"]) or []),
        "q": (state[FILTERS["q"]] or "").strip(),
    }
    if values["age"] == ANY:
        values["age"] = ""
    for param, value in values.items():
        if value:
            if st.query_params.get(param) != value:
                st.query_params[param] = value
        elif param in st.query_params:
            del st.query_params[param]
    state[WRITTEN] = _address_filters()


def draw(names: dict[str, str], council: bool) -> RegisterFilters:
    """The search box and filters (provider and assigned for council staff only), set from the
    address bar and written back to it; returns what they ask for."""
    _read_address(list(names), council)
    with st.container(border=True):
        st.markdown("**Search and filter the register**")
        search = st.text_input(
            "Search",
            key=FILTERS["q"],
            max_chars=MAX_SEARCH,
            placeholder="A word from what happened or a note, a provider, an alert number",
            help="Finds the text, ignoring capitals, in the alert number (new or former), the "
            "provider's name, what happened and the notes you can read. Press Enter to search.",
        )
        # Eight filters for council staff, six for provider staff (no provider or assigned
        # choice): three a row.
        cells = [column for _ in range(3) for column in st.columns(3)]
        if council:
            provider_ids = cells.pop(0).multiselect(
                "Provider",
                list(names),
                format_func=lambda p: names.get(p, p),
                placeholder="All providers",
                key=FILTERS["provider"],
            )
        else:
            provider_ids = []
        coded = {
            param: cells.pop(0).multiselect(
                label,
                vocabulary.codes,
                format_func=vocabulary.label,
                placeholder=placeholder,
                key=FILTERS[param],
            )
            for param, label, vocabulary, placeholder in _CODED_FILTERS
        }
        age = cells.pop(0).selectbox("How long open", list(AGE_FILTERS), key=FILTERS["age"])
        risk = cells.pop(0).multiselect(
            "Someone at risk of harm",
            list(RISK_FILTER),
            format_func=RISK_FILTER.__getitem__,
            placeholder="Any answer",
            key=FILTERS["risk"],
            help='The answer given to "Is someone at risk of harm?" when the alert was logged. '
            "Alerts imported from another system were never asked: Not recorded.",
        )
        if council:
            assigned = cells.pop(0).multiselect(
                "Assigned",
                list(ASSIGNED_FILTER),
                format_func=ASSIGNED_FILTER.__getitem__,
                placeholder="Anyone or nobody",
                key=FILTERS["assigned"],
                help="Assigned to me: alerts whose assigned officer is you. Unassigned: alerts "
                "nobody owns yet.",
            )
        else:
            assigned = []
        past_only = st.checkbox(
            "Only alerts past their response time", key=FILTERS["past_response"]
        )
    _write_address()
    return RegisterFilters(
        search=search,
        provider_ids=provider_ids,
        categories=coded["category"],
        severities=coded["severity"],
        statuses=coded["status"],
        raised_by=coded["raised_by"],
        age=age,
        risk=risk,
        assigned=assigned,
        past_only=past_only,
    )
