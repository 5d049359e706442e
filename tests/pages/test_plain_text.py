"""ui.format.plain: what Streamlit would read as Markdown is kept as text; nothing else moves."""

from __future__ import annotations

import pytest

from ui.format import WORD_JOINER, plain


@pytest.mark.parametrize(
    ("typed", "source"),
    [
        ("AL-2026-00001 (formerly QA-2026-00001).", "AL-2026-00001 (formerly QA-2026-00001)."),
        ("SGO_COOKIE_KEY at 12:30, see: below", "SGO_COOKIE_KEY at 12\\:30, see: below"),
        ("**b** _i_ ~s~ `c`", "\\*\\*b\\*\\* \\_i\\_ \\~s\\~ \\`c\\`"),
        ("[l](x) ![i](y)", "\\[l\\](x) !\\[i\\](y)"),
        (":red[r] :smile: $x$", "\\:red\\[r\\] \\:smile\\: \\$x\\$"),
        ("<b>h</b> &amp; a|b", "\\<b\\>h\\</b\\> \\&amp; a\\|b"),
        ("- a\n1. b\n===\n# c\n> d", "\\- a  \n1\\. b  \n\\===  \n\\# c  \n\\> d"),
        ("http://x.test www.x.test", f"http:{WORD_JOINER}//x.test www{WORD_JOINER}.x.test"),
        (":material/home:", f":{WORD_JOINER}material/home:"),
        ("team@council.example", "team@council.example"),
    ],
)
def test_only_markdown_is_escaped(typed: str, source: str) -> None:
    assert plain(typed) == source
