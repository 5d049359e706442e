"""How a Red, Amber or Green rating (and a status that works like one) is shown: always a word and
a shape icon beside the colour, so it reads in greyscale, in print and for colour-blind users. The
word and icon come from sgoversight.board.month.rag_text (one definition); here is the colour behind
them.

Rule for tables: the cell holds the words ("✖ Red"), and the column draws each known label as a
coloured tag (`labelled_column`), so a table of any size is coloured by the browser, not by a
pandas Styler computing a style for every cell on the server on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from sgoversight.board.month import rag_text
from sgoversight.board.rules import RATINGS

# Colours chosen to keep black text readable on them (WCAG AA contrast).
RAG_BACKGROUND = {"Red": "#f4c7c3", "Amber": "#fde6b0", "Green": "#cde8d2"}


def labelled_column(colours: Mapping[str, str], **config: Any) -> Any:
    """A read-only table column (st.column_config) whose cells each hold one of the labels of
    `colours` (its words and icon), each drawn as a tag on its colour; any other text in the
    column is drawn as an uncoloured tag. A label must not contain a comma (the column would
    split it). `config` is passed on (label, width, help…)."""
    if any("," in label for label in colours):
        raise ValueError("a coloured label cannot contain a comma")
    return st.column_config.MultiselectColumn(
        options=list(colours), color=list(colours.values()), **config
    )


def rating_column(**config: Any) -> Any:
    """A table column of ratings as board.rag_text writes them ("✖ Red"), each on its colour."""
    return labelled_column({rag_text(r): RAG_BACKGROUND[r] for r in RATINGS}, **config)
