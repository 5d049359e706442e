"""The form for a report's own text (the weekly significant issues, the quarterly narrative).

Rules: the save runs in the form's callback (ui.writes), so the page's figures, packs and
downloads built after it include the text; each section remembers the version it was opened at
and the save names it, so a save over someone else's newer text is refused (EditConflict) and
what the person typed stays in the box, with the other person's text shown beneath it; a box
the person has not touched follows the stored text when someone else saves; every problem is
shown at once beside its section, under the section's label.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from sgoversight import narratives
from sgoversight.auth import Actor
from ui import format as fmt
from ui import forms, writes
from ui.context import engine

_BASE = "report_text_base_"
_CONFLICTS = "report_text_conflicts_"


def _box(report: str, period: str, code: str) -> str:
    return f"report_text_{report}_{period}_{code}"


def narrative_form(
    actor: Actor,
    page: str,
    report: str,
    period: str,
    *,
    labels: Mapping[str, str],
    submit: str,
    done: Callable[[int], str],
    height: int = 120,
) -> None:
    """Draw the text form of `report` for `period` (one box per section, labelled by `labels`,
    section code -> label) with its flash, its problems and the save button `submit`;
    `done(changed)` is the success message."""
    form = f"report_text_{report}"
    stored = narratives.read_sections(engine(), actor, report, period)
    base_key = f"{_BASE}{report}_{period}"
    base: dict[str, tuple[int, str]] = st.session_state.setdefault(base_key, {})
    for code, section in stored.items():
        box = _box(report, period, code)
        started = base.get(code)
        untouched = started is None or st.session_state.get(box) == started[1]
        if box not in st.session_state or (untouched and section.version != started[0]):
            st.session_state[box] = section.text
            base[code] = (section.version, section.text)
    conflicts: set[str] = st.session_state.get(f"{_CONFLICTS}{report}_{period}", set())

    limit = f"Shown as written, as plain text; at most {narratives.MAX_LENGTH:,} characters."
    flash = writes.peek(page)
    if flash is not None and flash.kind == "error" and forms.problems(form):
        writes.take(page, form)  # the summary below says it, with each problem by its box
    writes.show(page, where=form)
    forms.summary(form, labels)
    with st.form(form):
        for code in stored:
            st.text_area(labels[code], key=_box(report, period, code), height=height, help=limit)
            forms.beside(form, code)
            if code in conflicts:
                theirs = stored[code]
                st.info(
                    f"Saved meanwhile by {fmt.plain(theirs.updated_by or 'someone else')}:  \n"
                    + (fmt.plain(theirs.text) if theirs.text else "*(left blank)*"),
                    icon=":material/sync_problem:",
                )
        st.form_submit_button(
            submit,
            icon=":material/save:",
            on_click=_save,
            args=(actor, page, form, report, period, done),
        )


def _save(
    actor: Actor, page: str, form: str, report: str, period: str, done: Callable[[int], str]
) -> None:
    """The form's callback: save every section from the version it was opened at."""
    base_key = f"{_BASE}{report}_{period}"
    conflicts_key = f"{_CONFLICTS}{report}_{period}"
    base: dict[str, tuple[int, str]] = st.session_state.get(base_key, {})
    codes = list(narratives.sections(report))
    texts = {code: st.session_state.get(_box(report, period, code), "") for code in codes}
    versions = {code: base.get(code, (0, ""))[0] for code in codes}
    saved = writes.run(
        page,
        lambda: narratives.save_sections(engine(), actor, report, period, texts, versions),
        done,
        form=form,
        where=form,
    )
    now = narratives.read_sections(engine(), actor, report, period)
    if saved is not None:  # saved: every box shows the stored (trimmed) text
        for code, section in now.items():
            st.session_state[_box(report, period, code)] = section.text
            base[code] = (section.version, section.text)
        st.session_state.pop(conflicts_key, None)
    else:
        flash = writes.peek(page)
        if flash is not None and flash.kind == "conflict":
            # What they typed stays; saving again from here is a deliberate choice over the
            # newer text, which is shown beneath each box it changed.
            changed = {code for code, section in now.items() if section.version != versions[code]}
            for code in changed:
                base[code] = (now[code].version, now[code].text)
            st.session_state[conflicts_key] = changed
    st.session_state[base_key] = base
