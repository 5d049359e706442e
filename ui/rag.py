"""How a Red, Amber or Green rating is shown: always a word and a shape icon beside the colour,
so it reads in greyscale, in print and for colour-blind users.
"""

from __future__ import annotations

from sgoversight.board import RAG_ICON, rag_text  # one definition of the word-and-icon form

__all__ = ["RAG_ICON", "rag_cell_style", "rag_markdown", "rag_text"]
RAG_MATERIAL_ICON = {
    "Red": ":material/cancel:",
    "Amber": ":material/warning:",
    "Green": ":material/check_circle:",
}
# Colours chosen to keep black text readable on them (WCAG AA contrast).
RAG_BACKGROUND = {"Red": "#f4c7c3", "Amber": "#fde6b0", "Green": "#cde8d2"}
RAG_BADGE_COLOUR = {"Red": "red", "Amber": "orange", "Green": "green"}


def rag_markdown(rating: str) -> str:
    """A coloured Streamlit badge with the icon and word, for st.markdown."""
    return f":{RAG_BADGE_COLOUR[rating]}-badge[{RAG_MATERIAL_ICON[rating]} {rating}]"


def rag_cell_style(value: object) -> str:
    """Pandas Styler function: background colour for a cell holding rag_text(...)."""
    text = str(value)
    for rating, colour in RAG_BACKGROUND.items():
        if text.endswith(rating):
            return f"background-color: {colour}; color: #1b1b1b; font-weight: 600"
    return ""
