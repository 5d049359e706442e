"""Small display helpers: numbers, dates and changes in plain words."""

from __future__ import annotations

import datetime as dt
import re

from sgoversight import uktime


def whole(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def when(moment: dt.datetime | None, today: dt.date) -> str:
    """A stored (UTC) timestamp in UK time: 'today at 14:05 GMT', 'yesterday', 'N days ago
    (date)' or 'never', counting days on the UK calendar."""
    if moment is None:
        return "never"
    local = uktime.to_uk(moment)
    days = (today - local.date()).days
    if days <= 0:
        return f"today at {local:%H:%M} {local.tzname()}"
    if days == 1:
        return f"yesterday at {local:%H:%M} {local.tzname()}"
    return f"{days} days ago ({long_date(local.date())})"


def uk_time(moment: dt.datetime) -> str:
    """A stored (UTC) timestamp as people read it: '14:05 BST on 24 July 2026'."""
    return uktime.clock(moment)


def change(now: int, before: int) -> str:
    """A change phrased for st.metric's delta ('+3', '-2', or 'no change')."""
    return f"{now - before:+,}" if now != before else "no change"


def change_arrow(now: int, before: int) -> str:
    """st.metric's delta_arrow for that change: no arrow when nothing changed."""
    return "auto" if now != before else "off"


#: Every character that can start or close Markdown in Streamlit's renderer: CommonMark and GFM
#: (emphasis, links, images, code, HTML, entities, lists, headings, quotes, tables, strikethrough,
#: setext underlines `===`), Streamlit's directives (`:red[…]`, `:blue-badge[…]`, `:small[…]`),
#: icons (`:material/…:`), emoji shortcodes (`:smile:`) and LaTeX (`$…$`).
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~:$&=")
#: What the renderer still turns into a link or an icon after escapes are read, so escaping cannot
#: stop it: bare web addresses (`http://`, `https://`, `www.`) and e-mail addresses, which GFM finds
#: in the text, and Streamlit's icons (`:material/…:`, `:streamlit:`), which it replaces in the
#: source before reading it. An invisible word joiner (U+2060) after `http:`, `www`, `@` or that
#: `:` breaks each pattern, and the text reads as typed.
_NOT_ESCAPABLE = re.compile(r"(?i)https?:(?=//)|\bwww(?=\.)|@(?=[-\w])|:(?=material|streamlit)")
WORD_JOINER = "\u2060"


def plain(text: str) -> str:
    """Text that came from a person or a file, made safe to put into Markdown.

    Rule: every value typed into the app, imported from a file or taken from the address bar goes
    through this before any call that renders Markdown (st.markdown, st.caption, titles and
    headers, alert boxes, toasts, expander, tab, button and other widget labels, help tooltips,
    radio options, metric labels). Every Markdown character is backslash-escaped, so `**`, links,
    images, coloured text, icons, emoji shortcodes, LaTeX and HTML show exactly as typed; a bare
    web or e-mail address stays text and an icon name stays words (a word joiner, which has no
    width, is put inside each); line breaks are kept as line breaks. Text shown outside Markdown
    (table cells, select box options, text box values) is left as it is.
    """
    unlinked = _NOT_ESCAPABLE.sub(lambda m: m.group(0) + WORD_JOINER, text)
    escaped = "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in unlinked)
    return "  \n".join(escaped.splitlines())
