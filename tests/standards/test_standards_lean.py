"""`python -m sgoversight standards` on SQLite loads only what it uses: no pandas, numpy,
pyarrow, SQLAlchemy, pydantic, Streamlit or PostgreSQL driver (each costs a whole process a
noticeable share of its time). Checked with the interpreter's own import log (`-X importtime`).
Its configuration, now checked by a plain function, is refused in the words it always was."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from sgoversight.errors import BadInput
from sgoversight.standards.config import standards_config_from
from sgoversight.store.db import PROJECT_ROOT
from tests.support.cli import HEAVY, run_cli_importing
from tests.support.golden_standards import build_boundary


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("standards-imports") / "db.sqlite"
    build_boundary(f"sqlite:///{path}")
    return path


@pytest.mark.parametrize(
    "arguments",
    [
        ("--format", "table"),
        ("--format", "csv"),
        ("--format", "json"),
        ("--format", "csv", "--suppress"),
    ],
)
def test_standards_on_sqlite_imports_none_of_the_heavy_libraries(
    database: Path, arguments: tuple[str, ...]
) -> None:
    result, names = run_cli_importing(database, "standards", "--quarter", "2026-Q3", *arguments)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sgoversight" in names and "sqlite3" in names  # the log was read
    assert not names & HEAVY, sorted(names & HEAVY)


def test_a_refused_quarter_imports_none_of_them_either(database: Path) -> None:
    result, names = run_cli_importing(database, "standards", "--quarter", "2026-Q5")
    assert result.returncode == 2
    assert not names & HEAVY, sorted(names & HEAVY)


def test_json_is_compact_unless_indented(database: Path) -> None:
    arguments = ("standards", "--quarter", "2026-Q3", "--format", "json")
    compact, _ = run_cli_importing(database, *arguments)
    indented, _ = run_cli_importing(
        database, "standards", "--quarter", "2026-Q3", "--format", "json", "--indent", "2"
    )
    assert compact.stdout.count("\n") == 1 and '": ' not in compact.stdout
    assert indented.stdout.startswith('[\n  {\n    "measure_id": ')
    assert json.loads(compact.stdout) == json.loads(indented.stdout)


# The words the configuration's former validator (pydantic, strict) gave for each broken value,
# recorded before it was replaced by a plain function: a council's error messages do not change.
# Each case: the changes made to the shipped config/standards.toml (a key path and its new value,
# DELETE to leave it out), and the whole message.
DELETE = object()
FORMER_MESSAGES = [
    (  # missing window
        [(("acc1_working_days",), DELETE)],
        "acc1_working_days: missing",
    ),
    (  # missing targets
        [(("targets",), DELETE)],
        "targets: missing",
    ),
    (  # missing required_training
        [(("required_training",), DELETE)],
        "required_training: missing",
    ),
    (  # window as text
        [(("acc2_working_days",), "20")],
        "acc2_working_days = '20': Input should be a valid integer",
    ),
    (  # window negative
        [(("acc2_working_days",), -1)],
        "acc2_working_days = -1: Input should be greater than or equal to 0",
    ),
    (  # window zero days
        [(("repeat_window_days",), 0)],
        "repeat_window_days = 0: Input should be greater than or equal to 1",
    ),
    (  # window a decimal
        [(("training_window_days",), 730.0)],
        "training_window_days = 730.0: Input should be a valid integer",
    ),
    (  # window a boolean
        [(("acc1_working_days",), True)],
        "acc1_working_days = True: Input should be a valid integer",
    ),
    (  # window a list
        [(("acc1_working_days",), [1])],
        "acc1_working_days: Input should be a valid integer",
    ),
    (  # unknown setting
        [(("acc3_working_days",), 5)],
        "acc3_working_days: unknown setting",
    ),
    (  # targets not a table
        [(("targets",), 5)],
        "targets = 5: Input should be a valid dictionary",
    ),
    (  # targets a list
        [(("targets",), [1, 2])],
        "targets: Input should be a valid dictionary",
    ),
    (  # unknown measure
        [(("targets", "ACC-7"), 50)],
        "targets: unknown measure id ACC-7 (measure ids: EMP-1, EMP-2, EMP-3, PREV-1, PREV-2, "
        "PROT-1, PROP-1, PROP-2, PROP-3, ACC-1, ACC-2, ACC-3, ACC-4, ACC-5, ACC-6, PART-1, "
        "PART-2, PART-3)",
    ),
    (  # missing measure
        [(("targets", "ACC-2"), DELETE)],
        "targets: missing measure id ACC-2",
    ),
    (  # target above 100
        [(("targets", "EMP-1"), 101)],
        "targets.EMP-1 = 101: must be from 0 to 100",
    ),
    (  # target below 0
        [(("targets", "EMP-1"), -1)],
        "targets.EMP-1 = -1: must be from 0 to 100",
    ),
    (  # target as text
        [(("targets", "EMP-1"), "90")],
        "targets.EMP-1 = '90': must be a percentage from 0 to 100 or \"trend\"",
    ),
    (  # target Trend
        [(("targets", "EMP-1"), "Trend")],
        "targets.EMP-1 = 'Trend': must be a percentage from 0 to 100 or \"trend\"",
    ),
    (  # target a boolean
        [(("targets", "EMP-1"), True)],
        'targets.EMP-1 = True: must be a percentage from 0 to 100 or "trend"',
    ),
    (  # two targets broken
        [(("targets", "EMP-1"), 101), (("targets", "ACC-5"), "x")],
        "targets.EMP-1 = 101: must be from 0 to 100; targets.ACC-5 = 'x': must be a percentage "
        'from 0 to 100 or "trend"',
    ),
    (  # count with target
        [(("targets", "PROP-1"), 50)],
        'targets: PROP-1 is a count: its target must be "trend"',
    ),
    (  # both counts with targets
        [(("targets", "PROP-1"), 50), (("targets", "PROP-2"), 5)],
        'targets: PROP-1, PROP-2 is a count: its target must be "trend"',
    ),
    (  # required not a table
        [(("required_training",), "x")],
        "required_training = 'x': Input should be a valid dictionary",
    ),
    (  # required types not a list
        [(("required_training", "asc_staff"), "asc_awareness")],
        "required_training.asc_staff = 'asc_awareness': Input should be a valid list",
    ),
    (  # required type not text
        [(("required_training", "asc_staff"), ["asc_awareness", 5])],
        "required_training.asc_staff.1 = 5: Input should be a valid string",
    ),
    (  # unknown role and type
        [
            (("required_training", "practitioner"), DELETE),
            (("required_training", "volunteer"), ["corporate_mandatory"]),
            (("required_training", "asc_staff"), ["asc_awarenes"]),
        ],
        "required_training: unknown role volunteer (roles: all_staff, asc_staff, practitioner, "
        "operational_manager); missing role practitioner; asc_staff: unknown training type "
        "asc_awarenes (types: corporate_mandatory, asc_awareness, asc_enquiry, asc_managers)",
    ),
    (  # no types
        [(("required_training", "all_staff"), [])],
        "required_training: all_staff must require at least one training type",
    ),
    (  # type twice
        [(("required_training", "all_staff"), ["corporate_mandatory", "corporate_mandatory"])],
        "required_training: all_staff: a training type is listed twice",
    ),
    (  # several at once
        [
            (("acc1_working_days",), DELETE),
            (("repeat_window_days",), "x"),
            (("zzz",), 1),
            (("targets", "EMP-1"), 200),
            (("required_training", "all_staff"), []),
        ],
        "acc1_working_days: missing; repeat_window_days = 'x': Input should be a valid integer; "
        "targets.EMP-1 = 200: must be from 0 to 100; required_training: all_staff must require at "
        "least one training type; zzz: unknown setting",
    ),
]


@pytest.mark.parametrize(("changes", "message"), FORMER_MESSAGES)
def test_a_broken_config_reads_as_it_always_has(
    changes: list[tuple[tuple[str, ...], object]], message: str
) -> None:
    with (PROJECT_ROOT / "config" / "standards.toml").open("rb") as handle:
        document = tomllib.load(handle)
    for path, value in changes:
        table = document
        for key in path[:-1]:
            table = table[key]
        if value is DELETE:
            del table[path[-1]]
        else:
            table[path[-1]] = value
    with pytest.raises(BadInput) as raised:
        standards_config_from(document, source="standards.toml")
    assert str(raised.value) == f"standards.toml: {message}"
