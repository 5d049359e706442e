"""The pages of the app and which roles see them.

Rule: the page list is rebuilt on every rerun from the signed-in user's roles; a page left out
cannot be reached by URL either. The domain layer still checks every action.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from sgoversight.auth import Actor, Permission


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    permission: Permission
    section: str
    default: bool = False
    #: A second permission that also opens the page (provider staff's own plan on the plans
    #: page, which shows them only their workstream).
    also: Permission | None = None


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/overview.py",
        "This month at a glance",
        ":material/dashboard:",
        Permission.VIEW_OVERVIEW,
        "Overview",
        default=True,
    ),
    PageSpec(
        "pages/alert_log.py",
        "Log a quality alert",
        ":material/add_alert:",
        Permission.LOG_ALERT,
        "Quality alerts",
    ),
    PageSpec(
        "pages/alerts.py",
        "Quality alert register",
        ":material/list_alt:",
        Permission.VIEW_ALERTS,
        "Quality alerts",
    ),
    PageSpec(
        "pages/qa_meeting.py",
        "Quality Assurance meeting",
        ":material/groups:",
        Permission.VIEW_ALERTS,
        "Quality alerts",
    ),
    PageSpec(
        "pages/board.py",
        "Provider Oversight Board",
        ":material/gavel:",
        Permission.VIEW_BOARD,
        "Providers",
    ),
    PageSpec(
        "pages/provider.py",
        "Provider profile",
        ":material/home_work:",
        Permission.VIEW_BOARD,
        "Providers",
    ),
    PageSpec(
        "pages/plans.py",
        "Plans and monitoring",
        ":material/assignment_turned_in:",
        Permission.VIEW_PLANS,
        "Providers",
        also=Permission.WORK_ON_OWN_PLAN,
    ),
    PageSpec(
        "pages/weekly.py",
        "Weekly safeguarding report",
        ":material/calendar_view_week:",
        Permission.VIEW_CONCERNS,
        "Reports",
    ),
    PageSpec(
        "pages/standards.py",
        "Safeguarding standards",
        ":material/verified:",
        Permission.VIEW_STANDARDS,
        "Reports",
    ),
    PageSpec(
        "pages/audit.py",
        "Audit trail",
        ":material/history:",
        Permission.VIEW_AUDIT,
        "Data",
    ),
    PageSpec(
        "pages/data.py",
        "Data imports",
        ":material/upload_file:",
        Permission.IMPORT_DATA,
        "Data",
    ),
    PageSpec(
        "pages/users.py",
        "Users",
        ":material/manage_accounts:",
        Permission.MANAGE_USERS,
        "Data",
    ),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    """The pages `actor` may open, in menu order."""
    return [
        page
        for page in PAGES
        if actor.can(page.permission) or (page.also is not None and actor.can(page.also))
    ]


def link_to_page(path: str, label: str, icon: str, query_params: dict[str, str]) -> None:
    """A link to another page of the app (`path`, e.g. "pages/provider.py"), opened in this tab
    so the page the person came from is one click back. A page file run on its own, outside the
    app's navigation (as the page tests run it), has no other pages: a plain link stands in."""
    try:
        st.page_link(path, label=label, icon=icon, query_params=query_params)
    except StreamlitPageNotFoundError:
        slug = path.rsplit("/", 1)[-1].removesuffix(".py")
        st.markdown(f"[{label}]({slug}?{urlencode(query_params)})")
