"""Small display helpers: numbers, dates and changes in plain words."""

from __future__ import annotations

import datetime as dt
import re

from sgoversight import uktime


def whole(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


#: '24 November 2026': the one long date of the application (sgoversight.uktime.long_date).
long_date = uktime.long_date


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


#: The Markdown that Streamlit's renderer reads in plain text, and how each is kept as text.
#: - Anywhere in a line, a backslash before: emphasis and strikethrough (`*`, `~`, and `_` except
#:   between two letters or digits, where it cannot emphasise: `SGO_COOKIE_KEY` stays), code
#:   (`` ` ``), links and images (`[`, `]`: `![i](…)` and `[l](…)` need them), HTML, autolinks
#:   and entities (`<`, `>`, `&`), LaTeX (`$`), tables (`|`), directive attributes (`{`, `}`) and
#:   the backslash itself.
#: - At the start of a line, a backslash before a block marker: lists (`-`, `+`, `1.`, `1)`),
#:   headings (`#`, a line of `=` or `-`), quotes (`>`).
#: - Before a name, a backslash before the colon: Streamlit's directives (`:red[…]`,
#:   `:blue-badge[…]`, `:small[…]`, `:help`), and both colons of an emoji shortcode (`:smile:`).
#: - What the renderer finds after escapes are read, so escaping cannot stop it, gets an invisible
#:   word joiner (U+2060) that breaks the pattern: bare web addresses (after `http:`, `https:`,
#:   `www`), which GFM makes links of, and icon names (after the `:` of `:material/…:` and
#:   `:streamlit:`), which Streamlit replaces in the source. An e-mail address is left whole (GFM
#:   makes it a mailto: link, which fetches nothing), so a copied address (the safeguarding
#:   team's) works.
WORD_JOINER = "\u2060"
_ESCAPED_ANYWHERE = "\\\\`*~\\[\\]<>&$|{}"
_MARKDOWN = re.compile(
    r"(?P<joined>https?:(?=//)|\bwww(?=\.)|:(?=material|streamlit))"
    r"|(?P<block>^[ \t]*(?:[-+=#>]|\d+[.)]))"
    r"|(?P<shortcode>:[\w+-]+:)"
    r"|(?P<directive>:(?=[\w+-]))"
    rf"|(?P<anywhere>[{_ESCAPED_ANYWHERE}]|(?<![^\W_])_|_(?![^\W_]))",
    re.IGNORECASE | re.MULTILINE,
)


def _escape_anywhere(text: str) -> str:
    return re.sub(rf"([{_ESCAPED_ANYWHERE}_])", r"\\\1", text)


def _kept_as_text(match: re.Match[str]) -> str:
    found = match.group(0)
    if match.group("joined"):
        return found + WORD_JOINER
    if match.group("block"):
        marker_at = len(found) - len(found.lstrip(" \t"))
        if found[-1] in ".)":  # an ordered list: the backslash goes before its `.` or `)`
            return found[:-1] + "\\" + found[-1]
        return found[:marker_at] + "\\" + found[marker_at:]
    if match.group("shortcode"):
        return "\\:" + _escape_anywhere(found[1:-1]) + "\\:"
    return "\\" + found


def plain(text: str) -> str:
    """Text that came from a person or a file, made safe to put into Markdown.

    Rule: every value typed into the app, imported from a file or taken from the address bar goes
    through this before any call that renders Markdown (st.markdown, st.caption, titles and
    headers, alert boxes, toasts, expander, tab, button and other widget labels, help tooltips,
    radio options, metric labels). Links, images, bold, coloured text, icons, emoji shortcodes,
    LaTeX and HTML in it show exactly as typed, a bare web address stays text, and line
    breaks stay line breaks; ordinary punctuation (`.`, `-`, `(`, `!`) is left alone, so ids and
    sentences read the same in the Markdown source as on screen. Text shown outside Markdown
    (table cells, select box options, text box values) is left as it is.
    """
    return "  \n".join(_MARKDOWN.sub(_kept_as_text, line) for line in text.splitlines())
