"""A provider's profile on one A4 page, for a contract-monitoring visit.

Rules: the page holds the service's details (address, contact, registered manager where known),
this month's rating with its reasons, the 12 months of ratings with the Board's decisions, the
open quality alerts, the safeguarding concerns by reference and category only (for people who
may see concerns; never anything about the person), and the open improvement plans and enhanced
monitoring with their next review dates. Long lists are cut to what fits one page and say how
many more the profile in the app lists, so the sheet never runs to a second page.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sgoversight.board.month import ProviderProfile, rag_text
from sgoversight.pdf import PdfReport
from sgoversight.periods import Period, parse_month
from sgoversight.vocabulary import CQC_RATING, SERVICE_TYPE

#: At most this many rows of each list fit the page beside everything else.
MAX_ALERTS, MAX_CONCERNS, MAX_REASONS, MAX_WORK = 6, 4, 5, 3


def _day(day: object) -> str:
    return f"{day.day} {day:%b %Y}" if isinstance(day, dt.date) else "not set"


def _more(shown: int, total: int, what: str) -> str:
    return f"{total - shown} more {what} on the profile in the app." if total > shown else ""


def profile_pdf(profile: ProviderProfile, month: Period, printed_on: dt.date) -> bytes:
    """The one-page visit sheet for `profile` (board.month.provider_profile) in `month`."""
    provider, rating, contact = profile.provider, profile.rating, profile.contact
    pdf = PdfReport(
        f"{provider['name']}: contract-monitoring visit",
        f"Provider {provider['provider_id']} · rating for {month.start:%B %Y} · "
        f"printed {printed_on.day} {printed_on:%B %Y}",
    )
    # Everything is cut to fit above the footer: no second page is ever started.
    pdf.set_auto_page_break(auto=False, margin=15)
    cqc = provider.get("cqc_rating")
    capacity = provider.get("capacity")
    pdf.paragraph(
        " · ".join(
            [
                SERVICE_TYPE.label(str(provider["service_type"])),
                "regulated by the Care Quality Commission"
                if provider.get("regulated")
                else "not regulated",
                f"{int(capacity)} places"
                if isinstance(capacity, int | float)
                else "places not known",
                "CQC rating: " + (CQC_RATING.label(cqc) if isinstance(cqc, str) else "not rated"),
            ]
        ),
        size=9,
    )
    pdf.paragraph(
        f"Address: {contact.address or 'not recorded'}\n"
        f"Contact: {contact.contact or 'not recorded'}\n"
        f"Registered manager: {contact.registered_manager or 'not recorded'}",
        size=9,
    )

    pdf.heading(f"Rating: {rag_text(rating.rating)} · recommended: {rating.recommended_action}")
    reasons = rating.reasons or ["No indicator is amber or red."]
    pdf.paragraph(
        "\n".join(f"• {r}" for r in reasons[:MAX_REASONS])
        + (
            f"\n{len(reasons) - MAX_REASONS} more reasons on the profile."
            if len(reasons) > MAX_REASONS
            else ""
        ),
        size=8,
    )

    pdf.heading("Open improvement plans and enhanced monitoring")
    work = [
        f"Improvement plan {p['plan_id']} opened {_day(p['opened_on'])}, next review "
        f"{_day(p['next_review_on'])}" + (f", owner {p['owner']}" if p["owner"] else "")
        for p in profile.open_plans
    ] + [
        f"Enhanced monitoring from {_day(m['started_on'])}, next review {_day(m['review_on'])}"
        for m in profile.open_monitoring
    ]
    lines = work[:MAX_WORK] + (
        [_more(MAX_WORK, len(work), "items")] if len(work) > MAX_WORK else []
    )
    pdf.paragraph("\n".join(lines) or "None open.", size=8)
    open_alerts = [a for a in profile.alerts if a.status != "closed"]
    pdf.heading(f"Open quality alerts ({len(open_alerts)})")
    if open_alerts:
        pdf.table(
            pd.DataFrame(
                {
                    "Alert": [a.alert_id for a in open_alerts[:MAX_ALERTS]],
                    "Raised": [_day(a.raised_on) for a in open_alerts[:MAX_ALERTS]],
                    "Severity": [a.severity_text for a in open_alerts[:MAX_ALERTS]],
                    "Status": [a.status_text for a in open_alerts[:MAX_ALERTS]],
                }
            ),
            widths=[45, 35, 35, 45],
            font_size=7,
        )
    pdf.paragraph(
        f"{len(profile.alerts)} alerts raised in the 12 months or open. "
        + _more(min(len(open_alerts), MAX_ALERTS), len(open_alerts), "open alerts"),
        size=7,
    )

    if profile.concerns is not None:
        concerns = profile.concerns
        pdf.heading(f"Safeguarding concerns ({len(concerns)})")
        if concerns:
            pdf.table(
                pd.DataFrame(
                    {
                        "Reference": [c.concern_id for c in concerns[:MAX_CONCERNS]],
                        "Received": [_day(c.received_on) for c in concerns[:MAX_CONCERNS]],
                        "Category": [c.category_text for c in concerns[:MAX_CONCERNS]],
                        "Enquiry": [
                            "Open" if c.enquiry_open else "" for c in concerns[:MAX_CONCERNS]
                        ],
                    }
                ),
                widths=[45, 35, 55, 25],
                font_size=7,
            )
            if len(concerns) > MAX_CONCERNS:
                pdf.paragraph(_more(MAX_CONCERNS, len(concerns), "concerns"), 7)

    pdf.heading("Ratings and the Board's decisions, last 12 months")
    # Two halves side by side (the older six months on the left) so the year fits the page.
    rows = [
        (
            f"{parse_month(month_label).start:%b %Y}",
            computed,
            (decision or "No decision recorded")
            + (f"; the Board's rating {board_rating}" if "override" in board_rating else ""),
        )
        for month_label, computed, decision, board_rating in profile.history[
            ["month", "rating", "decision", "board_rating"]
        ].itertuples(index=False)
    ]
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:] + [("", "", "")] * (2 * half - len(rows))
    pdf.table(
        pd.DataFrame(
            [(*old, *new) for old, new in zip(left, right, strict=True)],
            columns=["Month", "Rating", "Board's decision"] * 2,
        ),
        widths=[18, 22, 50, 18, 22, 50],
        rag_column="Rating",
        font_size=7,
    )
    return pdf.to_bytes()
