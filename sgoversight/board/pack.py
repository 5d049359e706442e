"""The Board pack for a month: XLSX (RAG table, reasons, indicators, decisions, insight) and PDF
(summary counts, the RAG table, the month's charts, decisions), readable in greyscale: every
rating carries its word and a shape, and charts label their bars.

`export board-pack --month YYYY-MM --out FILE.xlsx|.pdf` and the Board page build the same files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from sgoversight.auth import Actor
from sgoversight.board import month as board
from sgoversight.board.config import load_scoring_config
from sgoversight.board.decisions import DECISIONS
from sgoversight.errors import BadInput
from sgoversight.exporting import chart_png, to_xlsx_bytes
from sgoversight.pdf import PdfReport
from sgoversight.periods import Period


def decisions_table(view: board.BoardMonth) -> pd.DataFrame:
    """The month's current decisions: provider, computed rating, the Board's rating, decision,
    who, and why it was amended when it replaced an earlier one (sgoversight.board.decisions)."""
    names = {r.provider_id: r.provider_name for r in view.ratings}
    rows = [
        {
            "Provider": names.get(pid, pid),
            "Computed rating": d.computed_rating,
            "Board's rating": d.rating,
            "Agreed or overridden": "Agreed" if d.agreed else "Overridden",
            "Decision": DECISIONS[d.decision],
            "Rationale": d.rationale or "",
            "Decided by": d.decided_by,
            "Decided on": f"{d.decided_at:%d %b %Y}",
            "Why amended": d.amend_reason or "",
        }
        for pid, d in view.decisions.items()
    ]
    columns = [
        "Provider", "Computed rating", "Board's rating", "Agreed or overridden", "Decision",
        "Rationale", "Decided by", "Decided on", "Why amended",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).sort_values("Provider", ignore_index=True)


def _rag_table(view: board.BoardMonth) -> pd.DataFrame:
    table = board.board_table(view)
    return pd.DataFrame(
        {
            "Provider": table["Provider"],
            "Service": table["Service"],
            "Rating": table["rating"],
            "Movement": table["movement"].str.capitalize(),
            "Why": table["Why"],
            "Recommended action": table["Recommended action"],
            "Board decision": table["Board decision"],
            "Plan or monitoring": table["Plan or monitoring"],
        }
    )


def board_pack_xlsx(
    view: board.BoardMonth, frames: board.BoardFrames | board.InsightFrames
) -> bytes:
    """The pack as a workbook; the Rating column carries the word (Red, Amber, Green)."""
    month = view.month
    counts = view.counts()
    summary = pd.DataFrame(
        {"Rating": list(counts), "Providers": list(counts.values())}
        | {"Decisions recorded": [len(view.decisions), "", ""]}
    )
    sheets = {
        "Summary": summary,
        "RAG table": _rag_table(view),
        "Indicators": board.indicator_table(view),
        "Decisions": decisions_table(view),
        "Rates per 10 places": board.rates_table(frames, month),
        "Quiet providers": board.quiet_table(frames, month),
    }
    note = (
        f"Provider Oversight Board pack for {month.start:%B %Y}: ratings use the 3 months to "
        f"{month.end.day} {month.end:%B %Y}."
    )
    return to_xlsx_bytes(sheets, notes=dict.fromkeys(sheets, note))


def board_pack_pdf(
    view: board.BoardMonth, frames: board.BoardFrames | board.InsightFrames
) -> bytes:
    """The pack as an A4 landscape PDF."""
    month = view.month
    pdf = PdfReport(
        f"Provider Oversight Board pack: {month.start:%B %Y}",
        f"Ratings use the 3 months to {month.end.day} {month.end:%B %Y}. Each rating is shown as "
        "a word and a shape: cross Red, triangle Amber, disc Green.",
        landscape=True,
    )
    counts = view.counts()
    pdf.heading("Summary")
    pdf.paragraph(
        f"{counts['Red']} Red, {counts['Amber']} Amber and {counts['Green']} Green providers. "
        f"The Board has recorded {len(view.decisions)} decisions for this month.",
        11,
    )
    pdf.image_png(chart_png(board.counts_chart(view)), width=140)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.heading("Providers rated Red or Amber")
    table = _rag_table(view)
    concern = table[table["Rating"] != "Green"]
    widths = [44, 26, 18, 18, usable - 44 - 26 - 18 - 18 - 40 - 32 - 36, 40, 32, 36]
    pdf.table(concern, widths=widths, rag_column="Rating", font_size=7)
    pdf.heading("Decisions recorded")
    decisions = decisions_table(view)
    if decisions.empty:
        pdf.paragraph("No decisions recorded yet for this month.")
    else:
        pdf.table(
            decisions,
            widths=[40, 20, 20, 22, 32, usable - 40 - 20 - 20 - 22 - 32 - 24 - 20 - 36, 24, 20, 36],
            rag_column="Computed rating",
            font_size=7,
        )
    pdf.add_page()
    pdf.heading("Providers rated Green")
    green = table[table["Rating"] == "Green"][["Provider", "Service", "Rating", "Movement"]]
    pdf.table(green, widths=[90, 60, 30, 30], rag_column="Rating", font_size=7)
    pdf.heading("Quiet providers (20 or more places, nothing reported in 12 months)")
    quiet = board.quiet_table(frames, month)
    if quiet.empty:
        pdf.paragraph("None this month.")
    else:
        pdf.table(quiet, widths=[90, 60, 30, 50], font_size=7)
    return pdf.to_bytes()


def export_board_pack(engine: Engine, actor: Actor, month: Period | str, out: Path | str) -> Path:
    """Write the pack for `month` to `out` (.xlsx or .pdf)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in {".xlsx", ".pdf"}:
        raise BadInput(f"{out.name}: the pack is written as .xlsx or .pdf")
    if not out.parent.exists():
        raise BadInput(f"{out.parent}: no such folder")
    config = load_scoring_config()
    frames = board.load_insight_frames(engine, actor, month)
    view = board.board_month(engine, actor, month, config=config)
    data = board_pack_xlsx(view, frames) if suffix == ".xlsx" else board_pack_pdf(view, frames)
    out.write_bytes(data)
    return out
