"""No text from a person or a file is ever rendered as Markdown, on any page, for any role.

Every page is run as every role that may open it, on a borough whose every free-text field holds
hostile Markdown (tests/support/hostile.py), with records opened through the address bar so the
detail panels draw, and with hostile values typed into the address itself. Every piece of
Markdown source the page sends to the browser (text, captions, headings, alert boxes, toasts,
expander, tab and popover labels, widget labels and help, radio options and captions, metric
labels and values) must carry the hostile text escaped.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from sgoversight.auth import Actor
from sgoversight.store.db import make_engine
from sgoversight.store.migrate import upgrade
from sgoversight.store.models import EnhancedMonitoring
from tests.pages.conftest import PROJECT_ROOT, USERS
from tests.support.hostile import (
    ESCAPED,
    HOSTILE,
    HOSTILE_ID,
    OWN_PROVIDER,
    QUARTER,
    TODAY,
    WEEKS,
    seed_hostile,
    unescaped,
)
from ui.navigation import PAGES

#: Proto fields Streamlit renders as Markdown (a widget's options only for radio buttons).
MARKDOWN_FIELDS = frozenset({"body", "label", "help", "captions", "delta", "content"})
#: Element types whose `body` is not Markdown.
NOT_MARKDOWN = frozenset({"json", "html", "code"})

#: The destination of a link the app makes to one of its own pages (`[label](provider?provider=…)`):
#: the address is URL-encoded and names the app's own page, so a hostile id inside it is no link
#: elsewhere. A hostile link's destination starts with its scheme and is never removed.
OWN_PAGE_LINK = re.compile(r"\]\([a-z_]+\?[^)\s]*\)")

#: Addresses that open a record's detail panel, or carry hostile text to be reflected.
ADDRESSES: dict[str, list[dict[str, str]]] = {
    "pages/alerts.py": [{"alert": HOSTILE_ID}, {"alert": HOSTILE}],
    "pages/board.py": [
        {"month": "2026-10", "provider": HOSTILE_ID},
        {"month": "2026-11", "provider": OWN_PROVIDER},
        {"month": HOSTILE, "provider": HOSTILE},
        {"month": "2026-10", "q": HOSTILE, "rates_q": HOSTILE, "quiet_q": HOSTILE},
    ],
    "pages/provider.py": [
        {"provider": HOSTILE_ID, "month": "2026-10"},
        {"provider": OWN_PROVIDER, "month": "2026-11"},
        {"provider": HOSTILE, "month": HOSTILE},
        {"provider": OWN_PROVIDER, "month": "2026-10", "alerts_q": HOSTILE, "concerns_q": HOSTILE},
    ],
    "pages/plans.py": [
        {"plan": HOSTILE_ID},
        {"monitoring": "1"},
        {"monitoring": "2"},
        {"plan": HOSTILE},
        {"monitoring": HOSTILE},
        {"q": HOSTILE},
    ],
    "pages/weekly.py": [{"week": WEEKS[0]}, {"week": HOSTILE}],
    "pages/standards.py": [{"quarter": QUARTER}, {"quarter": HOSTILE}],
    # Searches typed into the address: reflected in the "N of M shown" line or the empty state.
    "pages/audit.py": [{"q": HOSTILE}],
    "pages/users.py": [{"q": HOSTILE}],
    "pages/qa_meeting.py": [{"q": HOSTILE}],
}


def _cases() -> Iterator[object]:
    for spec in PAGES:
        for username, (_, roles, provider_id) in USERS.items():
            actor = Actor(username=username, roles=frozenset(roles), provider_id=provider_id)
            if not actor.can(spec.permission):
                continue
            for address in [{}, *ADDRESSES.get(spec.path, [])]:
                shown = "&".join(f"{k}={'hostile' if '*' in v else v}" for k, v in address.items())
                yield pytest.param(
                    spec.path, username, address, id=f"{spec.path[6:-3]}-{username}-{shown}"
                )


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_hostile(engine)
    with Session(engine) as session:
        assert len(session.scalars(select(EnhancedMonitoring.id)).all()) == 2
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def markdown_sources(node: object) -> Iterator[tuple[str, str]]:
    """(element type, Markdown source) for every Markdown-rendered string under `node`."""
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", "")
    if isinstance(proto, Message) and kind not in NOT_MARKDOWN:
        yield from _proto_strings(kind, proto)
    for child in getattr(node, "children", {}).values():
        yield from markdown_sources(child)


def _proto_strings(kind: str, proto: Message) -> Iterator[tuple[str, str]]:
    for field, value in proto.ListFields():
        repeated = field.is_repeated
        values = list(value) if repeated else [value]
        if field.type == field.TYPE_MESSAGE:
            for message in values:
                yield from _proto_strings(kind, message)
        elif field.type == field.TYPE_STRING and (
            field.name in MARKDOWN_FIELDS or (field.name == "options" and kind == "radio")
        ):
            yield from ((kind, text) for text in values)


@pytest.mark.parametrize(("path", "username", "address"), list(_cases()))
def test_no_hostile_markdown_renders(
    path: str,
    username: str,
    address: dict[str, str],
    hostile_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = tmp_path / "hostile.db"
    shutil.copyfile(hostile_db, database)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("SGO_TODAY", TODAY.isoformat())
    _, roles, provider_id = USERS[username]
    app = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=60)
    app.session_state["sgo_user"] = {
        "username": username,
        "name": HOSTILE,
        "roles": [r.value for r in roles],
        "provider_id": provider_id,
    }
    for key, value in address.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    found = _hostile_findings(app)
    assert not found, "\n".join(map(str, found))
    shown = (HOSTILE, HOSTILE_ID, OWN_PROVIDER)
    # The record opened, or the hostile address reflected, shows the hostile text escaped.
    if any(v in shown or v.isdigit() for v in address.values()):
        assert any(ESCAPED in source for _, source in markdown_sources(app._tree))


def _hostile_findings(app: AppTest) -> list[tuple[str, str, list[str]]]:
    return [
        (kind, source[:160], markers)
        for kind, source in markdown_sources(app._tree)
        if (markers := unescaped(OWN_PAGE_LINK.sub("]()", source)))
    ]


#: A file name as a browser sends it (no folder): its hostile Markdown must show as typed.
HOSTILE_FILE_NAME = "**f**[l](evil) :red[x].csv"
#: A providers file whose name and extra column are hostile, and one whose row is refused.
HOSTILE_PROVIDERS = (
    f"provider_id,name,service_type,regulated,commissioned,cqc_rating,capacity,{HOSTILE_ID}\n"
    "PRV-Z,Harbour View,care_home,yes,yes,good,10,x\n"
)
REFUSED_PROVIDERS = (
    f"provider_id,name,service_type,regulated,commissioned,cqc_rating,capacity,{HOSTILE_ID}\n"
    f"PRV-Z,Harbour View,{HOSTILE_ID},yes,yes,good,10,x\n"
)


@pytest.mark.parametrize("content", [HOSTILE_PROVIDERS, REFUSED_PROVIDERS])
def test_an_import_notice_names_the_file_and_its_headers_as_written(run_page, content: str) -> None:
    """The file name and an unknown header come from the file: the notices show them as text."""
    app = run_page("pages/data.py", as_user="commissioner")
    app.file_uploader(key="upload").set_value(
        (HOSTILE_FILE_NAME, content.encode(), "text/csv")
    ).run()
    app = next(b for b in app.button if b.label == "Check the file").click().run()
    job = app.session_state["import_job"]  # the check runs in a process of its own
    assert job.wait(120).finished
    app = app.run()
    assert not app.exception, [e.message for e in app.exception]
    notices = [m.body for m in [*app.info, *app.success, *app.error]]
    assert any("\\*\\*f\\*\\*" in body for body in notices), notices
    assert not _hostile_findings(app)


def test_the_weekly_extract_check_names_the_file_as_written(run_page) -> None:
    app = run_page("pages/weekly.py", as_user="safeguarding")
    app.file_uploader(key="weekly-extract").set_value(
        (HOSTILE_FILE_NAME, HOSTILE_PROVIDERS.encode(), "text/csv")
    ).run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("\\*\\*f\\*\\*" in m.body for m in [*app.info, *app.error]), app.error
    assert not _hostile_findings(app)


def test_a_saved_or_refused_change_shows_names_as_written() -> None:
    """A page's flash (ui.writes) carries names, ids and typed values: shown as text."""

    def page(text: str) -> None:
        from ui import writes
        from ui.writes import Flash, _keep

        for n, kind in enumerate(("success", "conflict", "error")):
            _keep(f"page{n}", Flash(kind, f"Saved by {text}"))  # type: ignore[arg-type]
            writes.show(f"page{n}")

    app = AppTest.from_function(page, args=(HOSTILE,)).run()
    assert not app.exception, [e.message for e in app.exception]
    assert len(app.success) == 1 and len(app.error) == 2
    assert not _hostile_findings(app)
