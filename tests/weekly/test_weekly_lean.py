"""The weekly report's settings, rules and reads, and working days, load none of the heavy
libraries (tests.support.cli.HEAVY: pandas, numpy, pyarrow, SQLAlchemy, pydantic, Streamlit, the
PostgreSQL driver, Altair), and the command writes compact JSON unless asked to indent it.

Rule (issue: commands that load only what they use): `weekly-report` on SQLite computes the
report through sgoversight.weekly.rules (rules over rows) and sgoversight.weekly.read
(plain DB-API); neither, nor what they import, loads the heavy libraries. Checked in a fresh
interpreter, since this test process has loaded them all already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sgoversight import cli
from sgoversight.store.db import PROJECT_ROOT, make_engine
from sgoversight.store.migrate import upgrade
from sgoversight.store.models import Provider
from tests.support.cli import HEAVY
from tests.support.records import alert

PROBE = """
import json, sys
import datetime as dt
from sgoversight import paths, workdays
from sgoversight.store import migrate
from sgoversight.weekly import rules as weekly
from sgoversight.weekly import read as weekly_read
assert workdays.working_days_after(dt.date(2026, 8, 28), dt.date(2026, 9, 1)) == 1
from sgoversight.store.read import connect
with connect(sys.argv[1]) as connection:
    assert migrate.newer_schema_problem_in(connection, sys.argv[1]) is None
    report = weekly_read.report_for_week(connection, "2026-W47")
text = weekly.render_report(report, "json") + weekly.render_report(report, "csv")
text += weekly.render_report(report, "table")
print(json.dumps({"flagged": len(report.providers_flagged),
                  "loaded": sorted({m.split(".")[0] for m in sys.modules})}))
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("weekly-lean") / "sgoversight.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        session.add(Provider(provider_id="P1", name="Oakview", service_type="care_home",
                             regulated=True))  # fmt: skip
        session.flush()
        session.add(alert("A1", "P1", "2026-11-18", severity="critical"))
    engine.dispose()
    return url


def test_the_weekly_rules_and_reads_load_no_heavy_library(database: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, database],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["flagged"] == 1  # the report was really computed
    assert sorted(HEAVY & set(probe["loaded"])) == []


def _json_output(database: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("DATABASE_URL", database)
    result = subprocess.run(
        [sys.executable, "-m", "sgoversight", "weekly-report", "--week", "2026-W47", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_json_is_compact_by_default_and_indented_on_request(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compact = _json_output(database, monkeypatch, "--format", "json")
    indented = _json_output(database, monkeypatch, "--format", "json", "--indent", "2")
    assert compact.count("\n") == 1 and ", " not in compact and '": ' not in compact
    assert indented.startswith('{\n  "week": "2026-W47",\n')
    assert json.loads(compact) == json.loads(indented)


@pytest.mark.parametrize("indent", ["-1", "9", "two"])
def test_an_indent_that_is_not_0_to_8_spaces_is_bad_input(
    indent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["weekly-report", "--week", "2026-W47", "--indent", indent])
    assert exit_.value.code == cli.EXIT_BAD_INPUT
    assert "--indent" in capsys.readouterr().err


def test_the_lean_reader_leaves_a_missing_sqlite_file_uncreated(tmp_path: Path) -> None:
    from sgoversight.store.read import connect

    missing = tmp_path / "absent.db"
    with pytest.raises(Exception, match="unable to open"), connect(f"sqlite:///{missing}"):
        pass
    assert not missing.exists()


# The words the configuration's former validator (pydantic, strict) gave for each broken value,
# recorded before it was replaced by a plain function: a council's error messages do not change.
FORMER_MESSAGES = [
    (
        {"min_alerts_plus_provider_concerns": 0},
        "[weekly] min_alerts_plus_provider_concerns = 0: "
        "Input should be greater than or equal to 1",
    ),
    (
        {"min_alerts_plus_provider_concerns": "3"},
        "[weekly] min_alerts_plus_provider_concerns = '3': Input should be a valid integer",
    ),
    (
        {"min_alerts_plus_provider_concerns": 2.0},
        "[weekly] min_alerts_plus_provider_concerns = 2.0: Input should be a valid integer",
    ),
    (
        {"min_alerts_plus_provider_concerns": True},
        "[weekly] min_alerts_plus_provider_concerns = True: Input should be a valid integer",
    ),
    (
        {"min_alerts_plus_provider_concerns": [1]},
        "[weekly] min_alerts_plus_provider_concerns = [1]: Input should be a valid integer",
    ),
    (
        {"flag_critical_alert": "yes"},
        "[weekly] flag_critical_alert = 'yes': Input should be a valid boolean",
    ),
    (
        {"flag_organisational_abuse": 1},
        "[weekly] flag_organisational_abuse = 1: Input should be a valid boolean",
    ),
    (
        {"min_alerts_plus_provider_concern": 2},
        "[weekly] min_alerts_plus_provider_concern = 2: Extra inputs are not permitted",
    ),
    (
        {"flag_cqc_rating_fell": None, "x": 1, "min_alerts_plus_provider_concerns": -1},
        "[weekly] min_alerts_plus_provider_concerns = -1: "
        "Input should be greater than or equal to 1; "
        "[weekly] flag_cqc_rating_fell = None: Input should be a valid boolean; "
        "[weekly] x = 1: Extra inputs are not permitted",
    ),
]


@pytest.mark.parametrize(("section", "message"), FORMER_MESSAGES)
def test_a_broken_config_reads_as_it_always_has(section: dict[str, object], message: str) -> None:
    from sgoversight.errors import BadInput
    from sgoversight.weekly.config import weekly_config_from

    with pytest.raises(BadInput) as raised:
        weekly_config_from(section, source="rag_thresholds.toml")
    assert str(raised.value) == f"rag_thresholds.toml: {message}"
