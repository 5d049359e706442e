"""How a Red, Amber or Green rating is shown: always a word and a shape icon beside the colour,
so it reads in greyscale, in print and for colour-blind users. The word and icon come from
sgoversight.board.rag_text (one definition); here is the colour behind them.
"""

from __future__ import annotations

# Colours chosen to keep black text readable on them (WCAG AA contrast).
RAG_BACKGROUND = {"Red": "#f4c7c3", "Amber": "#fde6b0", "Green": "#cde8d2"}


def rag_cell_style(value: object) -> str:
    """Pandas Styler function: background colour for a cell holding sgoversight.board.rag_text."""
    text = str(value)
    for rating, colour in RAG_BACKGROUND.items():
        if text.endswith(rating):
            return f"background-color: {colour}; color: #1b1b1b; font-weight: 600"
    return ""
