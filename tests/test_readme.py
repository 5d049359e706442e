"""README.md documents the one permission table (sgoversight.auth.PERMISSIONS): the two must say
the same, row by row and role by role, so the README cannot drift from what the code enforces."""

from __future__ import annotations

from sgoversight.auth import PERMISSIONS, Permission, Role
from sgoversight.store.db import PROJECT_ROOT

P = Permission
#: Each README row, as written there, and the permission it documents.
ROWS = {
    "see the landing page": P.VIEW_OVERVIEW,
    "import data": P.IMPORT_DATA,
    "see quality alerts": P.VIEW_ALERTS,
    "log a quality alert": P.LOG_ALERT,
    "manage alerts (progress, close, reopen)": P.MANAGE_ALERTS,
    "record Quality Assurance meeting discussion and agreed actions": P.RECORD_QA,
    "see safeguarding concerns": P.VIEW_CONCERNS,
    "see the Board's ratings": P.VIEW_BOARD,
    "record Board decisions": P.DECIDE_BOARD,
    "see improvement plans": P.VIEW_PLANS,
    "update own plan actions": P.UPDATE_OWN_ACTIONS,
    "see own service's open plan and add evidence to actions assigned to it": P.WORK_ON_OWN_PLAN,
    "manage plans": P.MANAGE_PLANS,
    "sign off plans": P.SIGN_OFF_PLANS,
    "see the standards scorecard": P.VIEW_STANDARDS,
    "write report text (weekly significant issues, quarterly narrative)": P.WRITE_REPORT_TEXT,
    "see the audit trail": P.VIEW_AUDIT,
    "manage users": P.MANAGE_USERS,
    "back up and restore the database": P.BACKUP_RESTORE,
}
COLUMNS = {
    "admin": Role.ADMIN,
    "commissioner": Role.COMMISSIONER,
    "safeguarding": Role.SAFEGUARDING,
    "Board member": Role.BOARD_MEMBER,
    "QA attendee": Role.QA_ATTENDEE,
    "plan owner": Role.PLAN_OWNER,
    "provider": Role.PROVIDER,
}


def _permission_table() -> dict[str, dict[str, str]]:
    """The README's table under 'permission |': row label -> column -> cell."""
    lines = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| permission |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    table = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        table[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return table


def test_the_readme_permission_table_is_the_code_table() -> None:
    table = _permission_table()
    assert set(table) == set(ROWS), "a README row is missing or unknown"
    assert set(ROWS.values()) == set(Permission), "a permission has no README row"
    for label, cells in table.items():
        assert set(cells) == set(COLUMNS)
        for column, cell in cells.items():
            allowed = ROWS[label] in PERMISSIONS[COLUMNS[column]]
            assert (cell != "") == allowed, (label, column, cell)
            if column == "provider" and allowed:
                assert cell == "own service", label  # provider staff act for their own only
