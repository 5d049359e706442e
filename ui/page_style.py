"""How every page looks beyond Streamlit's theme: printing.

Rule: a page printed from the browser shows the page's content only, full length: no sidebar,
menu or buttons, and the main area is not cut at the window's height (Streamlit scrolls inside its
own main area, which a browser otherwise prints as one window's worth). Pages with a pack of
their own (Board, weekly, standards) still offer that pack for a complete printed record: an
on-screen table prints the rows in view, and the downloads hold every row.
"""

from __future__ import annotations

import streamlit as st

PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stButton"], [data-testid="stDownloadButton"],
  [data-testid="stFormSubmitButton"], [data-testid="stFileUploader"],
  [data-testid="stElementToolbar"], [data-testid="stPageLink"] {
    display: none !important;
  }
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    height: auto !important;
    overflow: visible !important;
    position: static !important;
  }
  [data-testid="stMainBlockContainer"] {
    padding: 0 !important;
    max-width: 100% !important;
  }
  [data-testid="stElementContainer"], [data-testid="stMetric"], [data-testid="stAlert"] {
    break-inside: avoid;
  }
  h1, h2, h3 { break-after: avoid; }
}
</style>
"""


def apply_page_style() -> None:
    """Add the app's print rules to the page (once a run, from app.py)."""
    st.html(PRINT_CSS)
